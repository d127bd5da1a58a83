/* SPDX-License-Identifier: MIT */
/* cpu_events.c: the CPU executor's event times (cpu_events.h). */
#include "config.h"

#include <stdlib.h>

#include "cpu_events.h"
#include "vgpu_clock.h"
#include "vgpuif.h"

struct cpu_event {
	uint32_t domid;
	uint64_t handle;
	uint64_t t_ns;
	struct cpu_event *next;
};

void cpu_events_init(struct cpu_events *t)
{
	pthread_mutex_init(&t->lock, NULL);
	t->head = NULL;
}

void cpu_events_fini(struct cpu_events *t)
{
	struct cpu_event *e;

	while ((e = t->head)) {
		t->head = e->next;
		free(e);
	}
	pthread_mutex_destroy(&t->lock);
}

/* Lock held. */
static struct cpu_event **find(struct cpu_events *t, uint32_t domid, uint64_t handle)
{
	struct cpu_event **pe;

	for (pe = &t->head; *pe && ((*pe)->domid != domid || (*pe)->handle != handle);
	     pe = &(*pe)->next)
		;
	return pe;
}

int cpu_events_record(struct cpu_events *t, uint32_t domid, uint64_t handle)
{
	struct cpu_event **pe, *e;
	int rc = VGPU_OK;

	pthread_mutex_lock(&t->lock);
	pe = find(t, domid, handle);
	e = *pe;
	if (!e && (e = calloc(1, sizeof(*e)))) {
		e->domid = domid;
		e->handle = handle;
		*pe = e;
	}
	if (e)
		e->t_ns = vgpu_now_ns();
	else
		rc = VGPU_ENOMEM;
	pthread_mutex_unlock(&t->lock);
	return rc;
}

int cpu_events_elapsed(struct cpu_events *t, uint32_t domid, uint64_t start,
		       uint64_t end, int64_t *ns)
{
	struct cpu_event *a, *b;
	int rc = VGPU_EINVAL;

	pthread_mutex_lock(&t->lock);
	a = *find(t, domid, start);
	b = *find(t, domid, end);
	if (a && b) {
		*ns = (int64_t)(b->t_ns - a->t_ns);
		rc = VGPU_OK;
	}
	pthread_mutex_unlock(&t->lock);
	return rc;
}

void cpu_events_forget(struct cpu_events *t, uint32_t domid, uint64_t handle)
{
	struct cpu_event **pe, *e;

	pthread_mutex_lock(&t->lock);
	pe = find(t, domid, handle);
	e = *pe;
	if (e)
		*pe = e->next;
	pthread_mutex_unlock(&t->lock);
	free(e);
}
