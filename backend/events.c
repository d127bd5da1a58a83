/* SPDX-License-Identifier: MIT */
/*
 * events.c: a session's events (protocol version 2, cuEvent*).
 *
 * vgpuback names each event (a handle from its one counter) and keeps what
 * it can know without a GPU: RECORDs not yet answered (a RECORD is
 * answered once the work before it ran, so none pending means complete:
 * EVENT_QUERY is answered here), the stream of the latest one (EVENT_SYNC
 * is queued on it, so that on any executor it cannot pass that RECORD),
 * and whether it was ever recorded.  A SYNC answered VGPU_OK also makes
 * the event complete, should it come back before its RECORD does (they
 * finish together on the GPU and may be seen in either order).  The executor keeps the timestamps
 * (a CUDA event) under the same handle for EVENT_ELAPSED.  Like modules,
 * an event outlives its EVENT_DESTROY or its session's close until no job
 * names it; counts are bounded per domain (max-events).
 */
#include "config.h"

#include <stdlib.h>

#include "sessions_priv.h"
#include "vgpuback.h"

struct vgpu_event {
	uint64_t handle;
	uint32_t flags;			/* VGPU_EVENT_F_* */
	uint32_t last_stream;		/* of its latest RECORD */
	unsigned refs;			/* jobs queued or running that name it */
	unsigned pending;		/* RECORDs not answered yet */
	uint64_t rec_seq;		/* RECORDs queued, ever */
	uint64_t synced_seq;		/* rec_seq when a SYNC that succeeded was queued */
	bool recorded;			/* a RECORD was ever queued */
	bool destroyed;			/* EVENT_DESTROY, or its session closed */
	struct vgpu_obj_ref ref;	/* in the worker of its latest RECORD */
	struct vgpu_event *next;	/* the session's, while not destroyed */
};

static struct vgpu_event *event_find(struct vgpu_session *s, uint64_t handle)
{
	struct vgpu_event *e;

	for (e = s->events; e && e->handle != handle; e = e->next)
		;
	return e;
}

/* The executor destroys what it made of it (a worker never told: nothing). */
static void release(struct vgpuback *bk, struct vgpu_event *e)
{
	bk->ex->ops->obj_free(bk->ex, &e->ref);
	free(e);
}

static void event_kill(struct vgpu_dev *dev, struct vgpu_event *e)
{
	e->destroyed = true;
	dev->nevents--;
	if (!e->refs)
		release(dev->bk, e);
}

int events_create(struct vgpu_dev *dev, struct vgpu_session *s, uint32_t flags, int64_t *id)
{
	struct vgpuback *bk = dev->bk;
	struct vgpu_domain_use u;
	struct vgpu_event *e;

	if (!bk->ex->ops->obj_free)
		return VGPU_ENOSYS;
	domain_use(bk, dev->domid, &u);
	e = u.events >= bk->cfg.max_events ? NULL : calloc(1, sizeof(*e));
	if (!e)
		return VGPU_ENOMEM;
	e->handle = ++bk->next_handle;
	e->flags = flags;
	e->ref = (struct vgpu_obj_ref){ .id = e->handle, .kind = VGPU_OBJ_EVENT,
		.gpu = s->gpu, .domid = dev->domid,
		.key = vgpu_worker_key(&bk->cfg.exec, dev->domid, dev->pool) };
	e->next = s->events;
	s->events = e;
	dev->nevents++;
	*id = (int64_t)e->handle;
	return VGPU_OK;
}

int events_destroy(struct vgpu_dev *dev, struct vgpu_session *s, uint64_t handle)
{
	struct vgpu_event **pe;

	for (pe = &s->events; *pe; pe = &(*pe)->next)
		if ((*pe)->handle == handle) {
			struct vgpu_event *e = *pe;

			*pe = e->next;
			event_kill(dev, e);
			return VGPU_OK;
		}
	return VGPU_ENOENT;
}

static bool complete(const struct vgpu_event *e)
{
	return !e->pending || e->synced_seq == e->rec_seq;
}

int events_query(struct vgpu_session *s, uint64_t handle, int64_t *done)
{
	struct vgpu_event *e = event_find(s, handle);

	if (!e)
		return VGPU_ENOENT;
	*done = complete(e);
	return VGPU_OK;
}

void events_session_close(struct vgpu_dev *dev, struct vgpu_session *s)
{
	struct vgpu_event *e;

	while ((e = s->events)) {
		s->events = e->next;
		event_kill(dev, e);
	}
}

static void hold(struct vgpu_job *j, unsigned i, struct vgpu_event *e)
{
	e->refs++;
	j->event[i] = e;
}

/* ELAPSED: both of the session, timed, recorded, complete. */
static int elapsed_start(struct vgpu_session *s, struct vgpu_job *j)
{
	struct vgpu_event *a = event_find(s, j->req.u.event_elapsed.start);
	struct vgpu_event *b = event_find(s, j->req.u.event_elapsed.end);

	if (!a || !b)
		return VGPU_ENOENT;
	if (!a->recorded || !b->recorded ||
	    ((a->flags | b->flags) & VGPU_EVENT_F_DISABLE_TIMING))
		return VGPU_EINVAL;
	if (!complete(a) || !complete(b))
		return VGPU_ENOTREADY;
	hold(j, 0, a);
	hold(j, 1, b);
	return VGPU_OK;
}

int events_job_start(struct vgpu_session *s, struct vgpu_job *j)
{
	struct vgpu_event *e;

	if (j->req.op == VGPU_OP_EVENT_ELAPSED)
		return elapsed_start(s, j);
	e = event_find(s, j->req.u.event.event);
	if (!e)
		return VGPU_ENOENT;
	if (j->req.op == VGPU_OP_EVENT_SYNC) {
		j->req.u.event.stream = e->last_stream;
	} else {
		e->pending++;
		e->rec_seq++;
		e->recorded = true;
		e->last_stream = j->req.u.event.stream;
	}
	j->event_seq = e->rec_seq;
	hold(j, 0, e);
	return VGPU_OK;
}

void events_job_end(struct vgpuback *bk, struct vgpu_job *j)
{
	unsigned i;

	for (i = 0; i < 2; i++) {
		struct vgpu_event *e = j->event[i];

		if (!e)
			continue;
		j->event[i] = NULL;
		if (j->req.op == VGPU_OP_EVENT_RECORD) {
			e->pending--;
			if (j->reaped)	/* the executor may hold it now */
				e->ref.worker = j->worker;
		}
		if (j->req.op == VGPU_OP_EVENT_SYNC && j->reaped && !j->status &&
		    j->event_seq > e->synced_seq)
			e->synced_seq = j->event_seq;
		if (!--e->refs && e->destroyed)
			release(bk, e);
	}
}
