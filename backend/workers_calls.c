/* SPDX-License-Identifier: MIT */
/*
 * workers_calls.c: what vgpuback asks a worker and waits for: map a guest
 * buffer (the mapper thread), unmap it, and the host's query (the probe
 * worker, which serves no guest).  One call at a time per worker, on its
 * call channel, so a call never waits behind the worker's jobs.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "log.h"
#include "workers.h"

#define MAP_WAIT_MS   120000	/* a GiB mapped and pinned, behind a CUDA start */
#define QUERY_WAIT_MS 5000

/* Send @msg, then the reply of @rtype that echoes its cookie: 0 or -errno. */
static int call(struct wproc *w, const void *msg, size_t size, void *reply,
		size_t rsize, uint32_t rtype, int ms)
{
	uint64_t cookie = ((const struct wm_hdr *)msg)->cookie;
	int rc;

	pthread_mutex_lock(&w->call_lock);
	rc = wmsg_send(w->call_fd, msg, size);
	do {
		if (!rc)
			rc = wmsg_recv(w->call_fd, reply, rsize, rtype, ms);
	} while (!rc && ((struct wm_hdr *)reply)->cookie != cookie);
	pthread_mutex_unlock(&w->call_lock);
	if (rc == -ETIMEDOUT) {
		vlog(LOG_ERR, "worker %d did not answer in %d ms; killing it", (int)w->pid, ms);
		kill(w->pid, SIGKILL);	/* the loop sees it die */
	}
	return rc;
}

int workers_buf_map(struct vgpu_executor *ex, uint32_t key, uint32_t domid,
		    const struct vgpuif_buf_register_req *reg, bool readonly,
		    uint64_t *id, bool *pinned, int *err)
{
	struct workers *ws = to_workers(ex);
	struct wm_map m = { .h.type = WM_MAP, .domid = domid, .readonly = readonly,
			    .reg = *reg };
	struct wm_mapped r;
	struct wproc *w = workers_get(ws, key, true);
	int rc;

	*err = 0;
	if (!w)
		return VGPU_EIO;
	m.id = __atomic_add_fetch(&ws->next_map_id, 1, __ATOMIC_RELAXED);
	m.h.cookie = m.id;
	rc = call(w, &m, sizeof(m), &r, sizeof(r), WM_MAPPED, MAP_WAIT_MS);
	workers_put(ws, w);
	if (rc)
		return VGPU_EIO;
	*id = m.id;
	*pinned = r.pinned;
	*err = r.err;
	return r.status;
}

void workers_buf_unmap(struct vgpu_executor *ex, uint32_t key, uint64_t id)
{
	struct workers *ws = to_workers(ex);
	struct wm_unmap m = { .h.type = WM_UNMAP, .h.cookie = id, .id = id };
	struct wm_hdr r;
	struct wproc *w = workers_get(ws, key, false);

	if (!w)
		return;	/* it died: its mappings went with it */
	call(w, &m, sizeof(m), &r, sizeof(r), WM_UNMAPPED, MAP_WAIT_MS);
	workers_put(ws, w);
}

/* The probe's answer, or 0 with *@r cleared. */
static int ask_probe(struct workers *ws, struct wm_queried *r)
{
	struct wm_hdr m = { .type = WM_QUERY, .cookie = 1 };

	memset(r, 0, sizeof(*r));
	if (!ws->probe || ws->probe->dead)
		return -EPIPE;
	return call(ws->probe, &m, sizeof(m), r, sizeof(*r), WM_QUERIED, QUERY_WAIT_MS);
}

unsigned workers_probe_slots(struct workers *ws)
{
	static struct wm_queried r;

	return ask_probe(ws, &r) ? 0 : r.q.slots;
}

void workers_query(struct vgpu_executor *ex, struct vgpuif_query_result *q,
		   char *text, size_t len)
{
	struct workers *ws = to_workers(ex);
	static struct wm_queried r;	/* 30 KiB: not on the loop's stack */
	int rc = ask_probe(ws, &r);

	if (rc) {
		snprintf(text, len, "executor=%s\nworkers=unavailable\n", ws->executor);
		return;
	}
	*q = r.q;
	r.text[sizeof(r.text) - 1] = 0;
	snprintf(text, len, "%sworkers=per-guest\n", r.text);
}

unsigned workers_gpus(struct vgpu_executor *ex, struct vgpu_gpu_stat *out, unsigned max)
{
	struct workers *ws = to_workers(ex);
	static struct wm_queried r;
	unsigned i, n;

	if (ask_probe(ws, &r))
		return 0;
	n = r.ngpus < max ? r.ngpus : max;
	if (n > WM_MAX_GPUS)
		n = WM_MAX_GPUS;
	for (i = 0; i < n; i++) {
		out[i] = r.gpus[i];
		out[i].name[sizeof(out[i].name) - 1] = 0;
		out[i].inflight = n == 1 ? ws->inflight : 0;
	}
	return n;
}
