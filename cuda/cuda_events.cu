/* SPDX-License-Identifier: MIT */
/* cuda_events.cu: guest events as CUDA events (cuda_events.h). */
#include <math.h>
#include <stdlib.h>

#include "cuda_events.h"
#include "vgpuif.h"

struct cuda_event {
	uint32_t domid;
	uint64_t handle;
	cudaEvent_t ev;
};

static struct cuda_event *find(struct cuda_events *t, uint32_t domid, uint64_t handle)
{
	unsigned i;

	for (i = 0; i < t->n; i++)
		if (t->e[i].domid == domid && t->e[i].handle == handle)
			return &t->e[i];
	return NULL;
}

static struct cuda_event *make(struct cuda_events *t, uint32_t domid, uint64_t handle)
{
	struct cuda_event *e;

	if (t->n == t->cap) {
		unsigned cap = t->cap ? 2 * t->cap : 64;
		struct cuda_event *n = (struct cuda_event *)realloc(t->e, cap * sizeof(*n));

		if (!n)
			return NULL;
		t->e = n;
		t->cap = cap;
	}
	e = &t->e[t->n];
	if (cudaEventCreate(&e->ev) != cudaSuccess) {
		cudaGetLastError();
		return NULL;
	}
	e->domid = domid;
	e->handle = handle;
	t->n++;
	return e;
}

int cuda_event_record(struct cuda_events *t, uint32_t domid, uint64_t handle,
		      cudaStream_t st)
{
	struct cuda_event *e = find(t, domid, handle);

	if (!e && !(e = make(t, domid, handle)))
		return VGPU_ENOMEM;
	return cudaEventRecord(e->ev, st) == cudaSuccess ? VGPU_OK : VGPU_EIO;
}

int cuda_event_wait(struct cuda_events *t, uint32_t domid, uint64_t handle,
		    cudaStream_t st)
{
	struct cuda_event *e = find(t, domid, handle);

	if (!e)
		return VGPU_OK;
	return cudaStreamWaitEvent(st, e->ev, 0) == cudaSuccess ? VGPU_OK : VGPU_EIO;
}

int cuda_event_elapsed(struct cuda_events *t, uint32_t domid, uint64_t start,
		       uint64_t end, int64_t *ns)
{
	struct cuda_event *a = find(t, domid, start), *b = find(t, domid, end);
	cudaError_t err;
	float ms = 0;

	if (!a || !b)
		return VGPU_EINVAL;
	err = cudaEventElapsedTime(&ms, a->ev, b->ev);
	if (err != cudaSuccess) {
		cudaGetLastError();
		return err == cudaErrorNotReady ? VGPU_ENOTREADY : VGPU_EINVAL;
	}
	*ns = llroundf(ms * 1e6f);
	return VGPU_OK;
}

void cuda_event_destroy(struct cuda_events *t, uint32_t domid, uint64_t handle)
{
	struct cuda_event *e = find(t, domid, handle);

	if (!e)
		return;
	cudaEventDestroy(e->ev);
	*e = t->e[--t->n];
}

void cuda_events_destroy(struct cuda_events *t)
{
	while (t->n)
		cudaEventDestroy(t->e[--t->n].ev);
	free(t->e);
	t->e = NULL;
	t->cap = 0;
}
