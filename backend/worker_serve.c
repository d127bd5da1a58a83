/* SPDX-License-Identifier: MIT */
/*
 * worker_serve.c: what a worker does with each message of its parent.
 * The parent validated every request against its own record of the guest's
 * buffers; the worker checks each operand again against its own mappings
 * (a job never touches memory outside the buffer it names) before its
 * executor sees it.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "grantmap.h"
#include "log.h"
#include "request.h"
#include "vgpu_clock.h"
#include "vgpu_ops.h"
#include "worker_priv.h"

void worker_done(uint64_t cookie, int status, int gpu, const void *result, size_t len)
{
	struct wm_done d = { .h.type = WM_DONE, .h.cookie = cookie, .status = status,
			     .gpu = gpu };

	if (result)
		memcpy(d.result, result, len < sizeof(d.result) ? len : sizeof(d.result));
	if (wmsg_send(WORKER_JOB_FD, &d, sizeof(d)))
		exit(0);	/* the parent is gone */
}

static struct wbuf *find(struct wk *k, uint64_t id, struct wbuf ***link)
{
	struct wbuf **pb;

	for (pb = &k->bufs; *pb; pb = &(*pb)->next)
		if ((*pb)->id == id) {
			if (link)
				*link = pb;
			return *pb;
		}
	return NULL;
}

/* Operand @i of @m against this worker's mapping: VGPU_OK or why not. */
static int operand(struct wk *k, const struct vgpu_op_desc *d, const struct wm_job *m,
		   unsigned i, struct vgpu_job *j)
{
	uint64_t len = d->operand_len(&m->req, i);
	const struct vgpuif_bufref *ref = vgpu_op_bufref(d, &m->req, i);
	struct wbuf *b;
	int rc;

	if (!len)
		return VGPU_OK;
	b = find(k, m->buf_id[i], NULL);
	if (!b)
		return VGPU_EBADBUF;
	rc = vgpuif_range_check(ref->offset, len, b->b.len, d->operands[i].align);
	if (rc)
		return rc;
	if (d->operands[i].write && b->b.readonly)
		return VGPU_EACCES;
	j->buf[i] = &b->b;
	j->ptr[i] = (uint8_t *)b->b.addr + ref->offset;
	return VGPU_OK;
}

/* QUERY with text: the executor's summary, written into the guest's buffer. */
static void query_job(struct wk *k, const struct vgpu_job *j, uint64_t cookie)
{
	struct vgpuif_query_result q;
	uint64_t len = vgpu_op_desc(VGPU_OP_QUERY)->operand_len(&j->req, 0);
	char text[4096];
	size_t n;

	memset(&q, 0, sizeof(q));
	text[0] = 0;
	k->ops->query(k->ex, &q, text, sizeof(text));
	n = strlen(text) + 1;
	if (n > len)
		n = len;
	memcpy(j->ptr[0], text, n);
	((char *)j->ptr[0])[n - 1] = 0;
	worker_done(cookie, VGPU_OK, -1, &q, sizeof(q));
}

static void take_job(struct wk *k, const struct wm_job *m)
{
	const struct vgpu_op_desc *d = vgpu_op_desc(m->req.op);
	struct wjob *wj = calloc(1, sizeof(*wj));
	unsigned i;
	int rc = wj && d ? VGPU_OK : wj ? VGPU_ENOSYS : VGPU_ENOMEM;

	if (wj)
		wj->j.req = m->req;
	for (i = 0; !rc && i < d->noperands; i++)
		rc = operand(k, d, m, i, &wj->j);
	if (!rc)
		rc = worker_mem_check(k, &m->req);
	if (rc || m->req.op == VGPU_OP_QUERY) {
		if (!rc)
			query_job(k, &wj->j, m->h.cookie);
		else
			worker_done(m->h.cookie, rc, -1, NULL, 0);
		free(wj);
		return;
	}
	wj->cookie = m->h.cookie;
	wj->j.domid = m->domid;
	wj->j.devid = m->devid;
	wj->j.prio = m->prio;
	wj->j.pool = m->pool;
	wj->j.session_gpu = m->session_gpu;
	wj->j.handle = m->handle;
	wj->j.gpu = -1;
	wj->j.t_arrive = vgpu_now_ns();
	*k->backlog_tail = wj;
	k->backlog_tail = &wj->next;
}

/* MAP: the guest's pages, pinned where the executor pins, attached. */
static void map_buf(struct wk *k, const struct wm_map *m)
{
	struct wm_mapped r = { .h.type = WM_MAPPED, .h.cookie = m->h.cookie };
	struct wbuf *b = calloc(1, sizeof(*b));
	size_t len = (size_t)m->reg.nr_pages * VGPUIF_PAGE_SIZE;
	void *addr = NULL;

	r.status = b ? grantmap_buffer(k->plat, m->domid, &m->reg, m->readonly, &addr,
				       &r.err) : VGPU_ENOMEM;
	if (!r.status) {
		b->b.pinned = k->ops->buf_pin &&
			      !k->ops->buf_pin(k->ex, addr, len, m->readonly);
		b->b.addr = addr;
		b->b.len = len;
		b->b.readonly = m->readonly;
		b->b.domid = m->domid;
		b->b.handle = m->reg.handle;
		b->b.refcnt = 1;
		b->id = m->id;
		b->nr_pages = m->reg.nr_pages;
		if (k->ops->buf_attach(k->ex, &b->b))
			r.status = VGPU_EIO;
	}
	if (r.status && addr) {
		if (b->b.pinned)
			k->ops->buf_unpin(k->ex, addr);
		vgpu_gnt_unmap(k->plat, addr, m->reg.nr_pages);
	}
	if (r.status) {
		free(b);
	} else {
		b->next = k->bufs;
		k->bufs = b;
	}
	r.pinned = !r.status && b->b.pinned;
	wmsg_send(WORKER_CALL_FD, &r, sizeof(r));
}

static void drop_buf(struct wk *k, struct wbuf **link)
{
	struct wbuf *b = *link;

	*link = b->next;
	k->ops->buf_detach(k->ex, &b->b);
	if (b->b.pinned)
		k->ops->buf_unpin(k->ex, b->b.addr);
	vgpu_gnt_unmap(k->plat, b->b.addr, b->nr_pages);
	free(b);
}

static void unmap_buf(struct wk *k, const struct wm_unmap *m)
{
	struct wm_hdr r = { .type = WM_UNMAPPED, .cookie = m->h.cookie };
	struct wbuf **link;

	if (find(k, m->id, &link))
		drop_buf(k, link);
	wmsg_send(WORKER_CALL_FD, &r, sizeof(r));
}

static void query_call(struct wk *k, const struct wm_hdr *m)
{
	static struct wm_queried r;

	memset(&r, 0, sizeof(r));
	r.h.type = WM_QUERIED;
	r.h.cookie = m->cookie;
	k->ops->query(k->ex, &r.q, r.text, sizeof(r.text));
	if (k->ops->gpus)
		r.ngpus = k->ops->gpus(k->ex, r.gpus, WM_MAX_GPUS);
	wmsg_send(WORKER_CALL_FD, &r, sizeof(r));
}

int worker_handle(struct wk *k, int fd, const union wm_any *m, size_t len)
{
	uint32_t t = len >= sizeof(m->h) ? m->h.type : 0;

	if (fd == WORKER_JOB_FD && t == WM_JOB && len == sizeof(m->job))
		take_job(k, &m->job);
	else if (fd == WORKER_JOB_FD && t == WM_FREE && len == sizeof(m->free))
		worker_mem_free(k, &m->free);
	else if (fd == WORKER_CALL_FD && t == WM_MAP && len == sizeof(m->map))
		map_buf(k, &m->map);
	else if (fd == WORKER_CALL_FD && t == WM_UNMAP && len == sizeof(m->unmap))
		unmap_buf(k, &m->unmap);
	else if (fd == WORKER_CALL_FD && t == WM_QUERY && len == sizeof(m->h))
		query_call(k, &m->h);
	else
		return -EPROTO;
	return 0;
}
