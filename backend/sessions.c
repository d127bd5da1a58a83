/* SPDX-License-Identifier: MIT */
/*
 * sessions.c: sessions and device memory (sessions.h).  The counts and
 * bytes a guest can make vgpuback and the GPU hold are bounded per domain:
 * sessions (max-sessions), allocations (max-allocations) and bytes
 * (mem-quota, or its pool's pool-mem-quota), MEM_ALLOCs in flight counted
 * as if done, so that concurrent requests cannot pass the quota together.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "respond.h"
#include "sessions.h"
#include "sessions_priv.h"
#include "vgpu_ops.h"
#include "vgpuback.h"

struct vgpu_alloc {
	uint64_t len;
	unsigned refs;			/* jobs queued or running that name it */
	bool freed;			/* MEM_FREE, or its session closed */
	struct vgpu_obj_ref ref;	/* what the executor frees */
	struct vgpu_alloc *next;	/* the session's, while not freed */
};

void domain_use(struct vgpuback *bk, uint32_t domid, struct vgpu_domain_use *u)
{
	struct vgpu_dev *d;

	memset(u, 0, sizeof(*u));
	for (d = bk->devs; d; d = d->next)
		if (d->domid == domid) {
			u->bytes += d->mem_bytes + d->mem_reserved;
			u->allocs += d->nallocs;
			u->sessions += d->nsessions;
			u->modules += d->nmodules;
			u->funcs += d->nfuncs;
			u->streams += d->nstreams;
			u->events += d->nevents;
		}
}

struct vgpu_session *session_find(struct vgpu_dev *dev, uint32_t id)
{
	struct vgpu_session *s;

	for (s = dev->sessions; s && s->id != id; s = s->next)
		;
	return s;
}

/* The executor frees it; vgpuback forgets it. */
static void release(struct vgpuback *bk, struct vgpu_alloc *a)
{
	bk->ex->ops->obj_free(bk->ex, &a->ref);
	bk->live_allocs--;
	bk->live_mem -= a->len;
	free(a);
}

/* No longer nameable; gone once no job names it. */
static void alloc_kill(struct vgpu_dev *dev, struct vgpu_alloc *a)
{
	a->freed = true;
	dev->mem_bytes -= a->len;
	dev->nallocs--;
	if (!a->refs)
		release(dev->bk, a);
}

static void session_close(struct vgpu_dev *dev, struct vgpu_session *s)
{
	struct vgpu_session **ps;
	struct vgpu_alloc *a;

	for (ps = &dev->sessions; *ps != s; ps = &(*ps)->next)
		;
	*ps = s->next;
	while ((a = s->allocs)) {
		s->allocs = a->next;
		alloc_kill(dev, a);
	}
	modules_session_close(dev, s);
	events_session_close(dev, s);
	streams_close(dev, s);
	dev->nsessions--;
	free(s);
}

/*
 * A GPU the host has and the device's pool may use: a session's work runs
 * only on its GPU, and on a GPU its pool is not pinned to no executor would
 * ever take it (it would wait at the head of its worker's queue).
 */
static bool session_gpu_allowed(const struct vgpuback *bk, const struct vgpu_dev *dev,
				uint32_t gpu)
{
	int pin = dev->pool >= 0 && dev->pool < VGPU_MAX_POOLS ?
		bk->cfg.exec.pool_gpu[dev->pool] : -1;

	return gpu < bk->ngpus && (pin < 0 || gpu == (uint32_t)pin);
}

static void session_open(struct vgpu_dev *dev, const struct vgpuif_request *req)
{
	struct vgpuback *bk = dev->bk;
	struct vgpu_reply r = { .len = sizeof(int64_t) };
	struct vgpu_session *s;
	struct vgpu_domain_use u;
	int64_t id;

	domain_use(bk, dev->domid, &u);
	if (!session_gpu_allowed(bk, dev, req->u.session_open.gpu)) {
		respond(dev, req, VGPU_ERANGE, NULL);
		return;
	}
	s = u.sessions >= bk->cfg.max_sessions ? NULL : calloc(1, sizeof(*s));
	if (!s) {
		respond(dev, req, VGPU_ENOMEM, NULL);
		return;
	}
	do
		s->id = ++dev->next_session ? dev->next_session : ++dev->next_session;
	while (session_find(dev, s->id));
	s->gpu = (int)req->u.session_open.gpu;
	s->next = dev->sessions;
	dev->sessions = s;
	dev->nsessions++;
	id = s->id;
	r.result = &id;
	respond(dev, req, VGPU_OK, &r);
}

/* MEM_FREE: the allocation that starts at the address, of this session. */
static int mem_free(struct vgpu_dev *dev, struct vgpu_session *s, uint64_t dptr)
{
	struct vgpu_alloc **pa;

	for (pa = &s->allocs; *pa; pa = &(*pa)->next)
		if ((*pa)->ref.id == dptr) {
			struct vgpu_alloc *a = *pa;

			*pa = a->next;
			alloc_kill(dev, a);
			return VGPU_OK;
		}
	return VGPU_EBADPTR;
}

/* An op of the session table but SESSION_OPEN: its status, *scalar its result. */
static int session_op(struct vgpu_dev *dev, struct vgpu_session *s,
		      const struct vgpuif_request *req, int64_t *scalar)
{
	switch (req->op) {
	case VGPU_OP_SESSION_CLOSE:
		session_close(dev, s);
		return VGPU_OK;
	case VGPU_OP_MODULE_UNLOAD:
		return modules_unload(dev, s, req->u.module_unload.module);
	case VGPU_OP_STREAM_CREATE:
		return streams_create(dev, s, scalar);
	case VGPU_OP_STREAM_DESTROY:
		return streams_destroy(dev, s, req->u.stream.stream);
	case VGPU_OP_EVENT_CREATE:
		return events_create(dev, s, req->u.event.flags, scalar);
	case VGPU_OP_EVENT_DESTROY:
		return events_destroy(dev, s, req->u.event.event);
	case VGPU_OP_EVENT_QUERY:
		return events_query(s, req->u.event.event, scalar);
	default:
		return mem_free(dev, s, req->u.mem_free.dptr);
	}
}

void sessions_request(struct vgpu_dev *dev, const struct vgpuif_request *req)
{
	struct vgpu_reply r = { .len = sizeof(int64_t) };
	struct vgpu_session *s;
	int64_t scalar = 0;
	int rc;

	if (req->op == VGPU_OP_SESSION_OPEN) {
		session_open(dev, req);
		return;
	}
	s = session_find(dev, req->session);
	rc = s ? session_op(dev, s, req, &scalar) : VGPU_ESESSION;
	r.result = &scalar;
	respond(dev, req, rc,
		!rc && vgpu_op_desc(req->op)->result == VGPU_RESULT_SCALAR ? &r : NULL);
}

/* The live allocation of @s that holds all of @r. */
static struct vgpu_alloc *covering(struct vgpu_session *s, const struct vgpu_drange *r)
{
	struct vgpu_alloc *a;

	for (a = s->allocs; a; a = a->next)
		if (r->ptr >= a->ref.id && r->ptr - a->ref.id <= a->len &&
		    r->len <= a->len - (r->ptr - a->ref.id))
			return a;
	return NULL;
}

/*
 * Job @j names @r (its range @i), which lies in an allocation or in a
 * loaded module's global: that stays until the job is done.
 */
static void hold_range(struct vgpu_session *s, struct vgpu_job *j, unsigned i,
		       const struct vgpu_drange *r)
{
	struct vgpu_alloc *a = covering(s, r);

	if (a) {
		a->refs++;
		j->alloc[i] = a;
		return;
	}
	j->gmodule[i] = modules_global(s, r);
	modules_hold(j->gmodule[i]);
}

static int reserve(struct vgpu_dev *dev, uint64_t len)
{
	struct vgpuback *bk = dev->bk;
	struct vgpu_domain_use u;
	uint64_t quota;

	if (!bk->ex->ops->obj_free)
		return VGPU_ENOSYS;
	domain_use(bk, dev->domid, &u);
	quota = bk->cfg.pool_mem_quota[dev->pool] != VGPU_QUOTA_UNSET ?
		bk->cfg.pool_mem_quota[dev->pool] : bk->cfg.mem_quota;
	if (u.allocs >= bk->cfg.max_allocations || len > quota || u.bytes > quota - len)
		return VGPU_ENOMEM;
	dev->mem_reserved += len;
	dev->nallocs++;
	return VGPU_OK;
}

int sessions_job_start(struct vgpu_dev *dev, struct vgpu_job *j)
{
	const struct vgpu_op_desc *d = vgpu_op_desc(j->req.op);
	struct vgpu_drange r[2];
	struct vgpu_session *s;
	unsigned i, n;

	if (d->session != VGPU_SESSION_NAMED)
		return VGPU_OK;
	s = session_find(dev, j->req.session);
	if (!s)
		return VGPU_ESESSION;
	if (!streams_has(s, vgpu_op_stream(&j->req)))
		return VGPU_ENOENT;	/* destroyed, or never this session's */
	if (j->req.op == VGPU_OP_MEM_ALLOC) {
		int rc = reserve(dev, j->req.u.mem_alloc.bytes);

		if (!rc)
			j->session_gpu = s->gpu;	/* and the job holds the reservation */
		return rc;
	}
	j->session_gpu = s->gpu;
	if (j->req.op == VGPU_OP_EVENT_RECORD || j->req.op == VGPU_OP_EVENT_SYNC ||
	    j->req.op == VGPU_OP_EVENT_ELAPSED)
		return events_job_start(s, j);
	if (j->req.op == VGPU_OP_MODULE_LOAD || j->req.op == VGPU_OP_FUNC_GET ||
	    j->req.op == VGPU_OP_GLOBAL_GET || j->req.op == VGPU_OP_LAUNCH)
		return modules_job_start(dev, s, j);
	n = d->dranges ? d->dranges(&j->req, r) : 0;
	for (i = 0; i < n; i++)
		if (!covering(s, &r[i]) && !modules_global(s, &r[i]))
			return VGPU_EBADPTR;
	for (i = 0; i < n; i++)
		hold_range(s, j, i, &r[i]);
	return VGPU_OK;
}

/* A MEM_ALLOC that ran: the session's now, or freed at once if it is gone. */
static void alloc_done(struct vgpu_dev *dev, struct vgpu_job *j, bool live)
{
	struct vgpu_session *s = live ? session_find(dev, j->req.session) : NULL;
	struct vgpu_alloc *a;

	if (j->status || !j->result.scalar)
		return;
	a = calloc(1, sizeof(*a));
	if (!a)
		abort();	/* the memory must be named to be freed */
	a->len = j->req.u.mem_alloc.bytes;
	a->ref = (struct vgpu_obj_ref){ .id = (uint64_t)j->result.scalar,
		.kind = VGPU_OBJ_MEM, .domid = dev->domid, .gpu = j->session_gpu, .key = vgpu_worker_key(&dev->bk->cfg.exec, dev->domid,
							     dev->pool),
		.worker = j->worker };
	dev->bk->live_allocs++;
	dev->bk->live_mem += a->len;
	if (!s) {
		release(dev->bk, a);	/* answered to no one */
		return;
	}
	dev->mem_bytes += a->len;
	dev->nallocs++;
	a->next = s->allocs;
	s->allocs = a;
}

void sessions_job_end(struct vgpuback *bk, struct vgpu_job *j)
{
	struct vgpu_dev *dev = j->owner;
	unsigned i;

	for (i = 0; i < 2; i++) {
		struct vgpu_alloc *a = j->alloc[i];

		if (a && !--a->refs && a->freed)
			release(bk, a);
		j->alloc[i] = NULL;
		if (j->gmodule[i])
			modules_put(bk, j->gmodule[i]);
		j->gmodule[i] = NULL;
	}
	modules_job_end(bk, j);
	events_job_end(bk, j);
	if (j->req.op != VGPU_OP_MEM_ALLOC || !dev || j->session_gpu < 0)
		return;
	dev->mem_reserved -= j->req.u.mem_alloc.bytes;
	dev->nallocs--;
	if (j->reaped)	/* it ran: the memory may exist */
		alloc_done(dev, j, dev->connected && j->owner_gen == dev->gen);
}

void sessions_drop(struct vgpu_dev *dev)
{
	while (dev->sessions)
		session_close(dev, dev->sessions);
}
