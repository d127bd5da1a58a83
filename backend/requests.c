/* SPDX-License-Identifier: MIT */
/*
 * requests.c: the ring service.  Each request is copied out of the shared
 * ring once and validated (ring/request.c), answered at once when the
 * backend can (NOP, QUERY, buffers, errors), or stamped with the device's
 * pool and priority and an arrival number and put in the one queue.
 *
 * A request is consumed only while a response slot is guaranteed for it
 * (RING_REQUEST_CONS_OVERFLOW), so responses never outnumber the ring.  At
 * most max_batch requests are taken per turn; a device with more waits on
 * the round-robin list so one busy guest cannot starve the others.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "request.h"
#include "vgpuback.h"
#include "xsnodes.h"

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void respond(struct vgpu_dev *dev, const struct vgpuif_response *rsp)
{
	struct vgpuif_response *slot;
	int notify;

	slot = RING_GET_RESPONSE(&dev->ring, dev->ring.rsp_prod_pvt);
	memcpy(slot, rsp, sizeof(*slot));
	dev->ring.rsp_prod_pvt++;
	dev->inflight--;
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&dev->ring, notify);
	if (notify)
		vgpu_evtchn_notify(dev->evtchn, (uint32_t)dev->port);
}

static void respond_now(struct vgpu_dev *dev, const struct vgpuif_request *req,
			int status, const void *result, size_t rlen)
{
	struct vgpuif_response rsp;

	memset(&rsp, 0, sizeof(rsp));	/* no backend bytes reach the guest */
	rsp.id = req->id;
	rsp.op = req->op;
	rsp.status = status;
	if (result)
		memcpy(&rsp.result, result, rlen);
	if (status)
		dev->failed++;
	else
		dev->completed++;
	respond(dev, &rsp);
}

/* ---------------- buffers ---------------- */

static struct vgpu_buffer *buf_find(struct vgpu_dev *dev, uint32_t handle,
				    unsigned *idx)
{
	unsigned i;

	for (i = 0; i < dev->nbufs; i++)
		if (dev->bufs[i]->handle == handle) {
			if (idx)
				*idx = i;
			return dev->bufs[i];
		}
	return NULL;
}

static void buf_put(struct vgpuback *bk, struct vgpu_buffer *b)
{
	if (--b->refcnt)
		return;
	bk->ex->ops->buf_detach(bk->ex, b);
	vgpu_gnt_unmap(bk->plat, b->addr, (unsigned)(b->len / VGPUIF_PAGE_SIZE));
	bk->live_mappings--;
	bk->live_buffers--;
	free(b);
}

static uint64_t domain_pages(struct vgpuback *bk, uint32_t domid)
{
	struct vgpu_dev *d;
	uint64_t n = 0;

	for (d = bk->devs; d; d = d->next)
		if (d->domid == domid && !d->dead)
			n += d->buf_pages;
	return n;
}

/* Copy @n grant refs out of granted pages of @domid, one page at a time. */
static int copy_refs(struct vgpuback *bk, uint32_t domid, const uint32_t *page_refs,
		     unsigned npages, uint32_t *out, unsigned n)
{
	unsigned p;

	for (p = 0; p < npages; p++) {
		unsigned k = n - p * VGPUIF_GREFS_PER_PAGE;
		uint32_t *page = vgpu_gnt_map(bk->plat, domid, 1, &page_refs[p], 0);

		if (!page)
			return VGPU_EGRANT;
		if (k > VGPUIF_GREFS_PER_PAGE)
			k = VGPUIF_GREFS_PER_PAGE;
		memcpy(out + p * VGPUIF_GREFS_PER_PAGE, page, k * sizeof(uint32_t));
		vgpu_gnt_unmap(bk->plat, page, 1);
	}
	return VGPU_OK;
}

static int buf_register(struct vgpu_dev *dev, const struct vgpuif_request *req)
{
	struct vgpuback *bk = dev->bk;
	const struct vgpuif_buf_register_req *r = &req->u.buf_register;
	unsigned nind = (r->nr_pages + VGPUIF_GREFS_PER_PAGE - 1) / VGPUIF_GREFS_PER_PAGE;
	uint32_t *ind_refs = NULL, *refs = NULL;
	struct vgpu_buffer *b = NULL, **nb;
	bool ro = r->flags & VGPU_BUF_F_READONLY;
	int rc;

	if (buf_find(dev, r->handle, NULL))
		return VGPU_EEXIST;
	if (dev->nbufs >= bk->cfg.max_buffers ||
	    domain_pages(bk, dev->domid) + r->nr_pages > bk->cfg.max_buffer_pages)
		return VGPU_ENOMEM;
	ind_refs = calloc(nind, sizeof(*ind_refs));
	refs = calloc(r->nr_pages, sizeof(*refs));
	b = calloc(1, sizeof(*b));
	nb = realloc(dev->bufs, (dev->nbufs + 1) * sizeof(*nb));
	if (nb)
		dev->bufs = nb;
	if (!ind_refs || !refs || !b || !nb) {
		rc = VGPU_ENOMEM;
		goto out;
	}
	/* Directory page -> indirect pages -> data refs, each copied out once. */
	rc = copy_refs(bk, dev->domid, &r->dir_gref, 1, ind_refs, nind);
	if (!rc)
		rc = copy_refs(bk, dev->domid, ind_refs, nind, refs, r->nr_pages);
	if (rc)
		goto out;
	b->addr = vgpu_gnt_map(bk->plat, dev->domid, r->nr_pages, refs, !ro);
	if (!b->addr) {
		/* The guest sets the pace: say the first few, then every 1000th. */
		if (++dev->map_failures <= 3 || dev->map_failures % 1000 == 0)
			vlog(LOG_WARNING, "vgpu %u/%u: buffer %u: cannot map %u pages%s: %s "
			     "(%llu such failures on this device)", dev->domid, dev->devid,
			     r->handle, r->nr_pages, ro ? "" : " writable", strerror(errno),
			     (unsigned long long)dev->map_failures);
		rc = VGPU_EGRANT;
		goto out;
	}
	b->handle = r->handle;
	b->domid = dev->domid;
	b->len = (size_t)r->nr_pages * VGPUIF_PAGE_SIZE;
	b->readonly = ro;
	b->refcnt = 1;
	bk->live_mappings++;
	bk->live_buffers++;
	if (bk->ex->ops->buf_attach(bk->ex, b)) {
		b->refcnt = 1;
		buf_put(bk, b);
		b = NULL;
		rc = VGPU_EIO;
		goto out;
	}
	dev->bufs[dev->nbufs++] = b;
	dev->buf_pages += r->nr_pages;
	b = NULL;
	rc = VGPU_OK;
out:
	free(b);
	free(refs);
	free(ind_refs);
	return rc;
}

static int buf_unregister(struct vgpu_dev *dev, uint32_t handle)
{
	unsigned i;
	struct vgpu_buffer *b = buf_find(dev, handle, &i);

	if (!b)
		return VGPU_EBADBUF;
	dev->bufs[i] = dev->bufs[--dev->nbufs];
	dev->buf_pages -= b->len / VGPUIF_PAGE_SIZE;
	buf_put(dev->bk, b);	/* jobs still using it keep it mapped */
	return VGPU_OK;
}

/* Resolve a bufref for @bytes bytes; takes a reference on success. */
static int bufref(struct vgpu_dev *dev, const struct vgpuif_bufref *ref,
		  uint64_t bytes, bool write, struct vgpu_buffer **out, void **ptr)
{
	struct vgpu_buffer *b = buf_find(dev, ref->handle, NULL);
	int rc;

	if (!b)
		return VGPU_EBADBUF;
	rc = vgpuif_range_check(ref->offset, bytes, b->len, 1);
	if (rc)
		return rc;
	if (write && b->readonly)
		return VGPU_EACCES;
	b->refcnt++;
	*out = b;
	*ptr = (uint8_t *)b->addr + ref->offset;
	return VGPU_OK;
}

/* ---------------- jobs ---------------- */

static void job_free(struct vgpuback *bk, struct vgpu_job *j)
{
	unsigned i;

	for (i = 0; i < 3; i++)
		if (j->buf[i])
			buf_put(bk, j->buf[i]);
	bk->live_jobs--;
	free(j);
}

static unsigned domain_inflight(struct vgpuback *bk, uint32_t domid)
{
	struct vgpu_dev *d;
	unsigned n = 0;

	for (d = bk->devs; d; d = d->next)
		if (d->domid == domid && d->connected)
			n += d->inflight;
	return n;
}

static void queue_job(struct vgpu_dev *dev, const struct vgpuif_request *req)
{
	struct vgpuback *bk = dev->bk;
	struct vgpu_job *j;
	int rc = VGPU_OK;

	if (domain_inflight(bk, dev->domid) > bk->cfg.max_inflight) {
		respond_now(dev, req, VGPU_EBUSY, NULL, 0);
		return;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		respond_now(dev, req, VGPU_ENOMEM, NULL, 0);
		return;
	}
	bk->live_jobs++;
	j->req = *req;
	if (req->op == VGPU_OP_VECTOR_ADD) {
		const struct vgpuif_vector_add_req *v = &req->u.vector_add;
		uint64_t bytes = vgpuif_vector_bytes(v->n);

		rc = bufref(dev, &v->a, bytes, false, &j->buf[0], &j->ptr[0]);
		if (!rc)
			rc = bufref(dev, &v->b, bytes, false, &j->buf[1], &j->ptr[1]);
		if (!rc)
			rc = bufref(dev, &v->c, bytes, true, &j->buf[2], &j->ptr[2]);
	}
	if (rc) {
		job_free(bk, j);
		respond_now(dev, req, rc, NULL, 0);
		return;
	}
	j->domid = dev->domid;
	j->devid = dev->devid;
	j->prio = dev->prio;
	j->pool = dev->pool;
	j->seq = ++bk->seq;
	j->t_arrive = now_ns();
	j->owner = dev;
	j->owner_gen = dev->gen;
	j->gpu = -1;
	dev->jobs_out++;
	bk->pool_submitted[dev->pool]++;
	if (vgpu_sched_push(&bk->sched, j)) {
		dev->jobs_out--;
		job_free(bk, j);
		respond_now(dev, req, VGPU_ENOMEM, NULL, 0);
	}
}

static void query(struct vgpu_dev *dev, const struct vgpuif_request *req)
{
	struct vgpuback *bk = dev->bk;
	struct vgpuif_query_result q;
	char text[4096];
	int rc = VGPU_OK;

	memset(&q, 0, sizeof(q));
	text[0] = 0;
	bk->ex->ops->query(bk->ex, &q, text, sizeof(text));
	q.version = VGPUIF_PROTOCOL_VERSION;
	q.max_inflight = bk->cfg.max_inflight;
	q.max_buf_pages = bk->cfg.max_buffer_pages;
	q.ring_size = RING_SIZE(&dev->ring);
	if (req->flags & VGPU_REQ_F_QUERY_TEXT) {
		struct vgpu_buffer *b;
		void *p;
		size_t n;

		rc = bufref(dev, &req->u.query.out, req->u.query.out_len, true, &b, &p);
		if (!rc) {
			n = strlen(text) + 1;
			if (n > req->u.query.out_len)
				n = req->u.query.out_len;
			memcpy(p, text, n);
			((char *)p)[n - 1] = 0;
			buf_put(bk, b);
		}
	}
	respond_now(dev, req, rc, rc ? NULL : &q, sizeof(q));
}

static void handle(struct vgpu_dev *dev, const struct vgpuif_request *req, int rc)
{
	dev->submitted++;
	if (rc) {
		vlog(LOG_DEBUG, "vgpu %u/%u: request %llu refused: %s", dev->domid,
		     dev->devid, (unsigned long long)req->id, vgpuif_strerror(rc));
		respond_now(dev, req, rc, NULL, 0);
		return;
	}
	switch (req->op) {
	case VGPU_OP_NOP:
		respond_now(dev, req, VGPU_OK, NULL, 0);
		break;
	case VGPU_OP_QUERY:
		query(dev, req);
		break;
	case VGPU_OP_BUF_REGISTER:
		respond_now(dev, req, buf_register(dev, req), NULL, 0);
		break;
	case VGPU_OP_BUF_UNREGISTER:
		respond_now(dev, req, buf_unregister(dev, req->u.buf_unregister.handle),
			    NULL, 0);
		break;
	default:
		queue_job(dev, req);
		break;
	}
}

static void mark_busy(struct vgpu_dev *dev)
{
	struct vgpuback *bk = dev->bk;

	if (dev->busy)
		return;
	dev->busy = true;
	dev->busy_next = NULL;
	*bk->busy_tail = dev;
	bk->busy_tail = &dev->busy_next;
}

void ring_service(struct vgpu_dev *dev)
{
	unsigned budget = dev->bk->cfg.max_batch;
	int more;

	while (dev->connected && !dev->broken) {
		RING_IDX rp = dev->ring.sring->req_prod, rc = dev->ring.req_cons;

		xen_rmb();	/* see the requests before the index that shows them */
		if (RING_REQUEST_PROD_OVERFLOW(&dev->ring, rp)) {
			vlog(LOG_ERR, "vgpu %u/%u: broken frontend: req_prod %u is %u past "
			     "what the ring holds; disconnecting", dev->domid, dev->devid,
			     rp, rp - dev->ring.rsp_prod_pvt);
			dev->broken = true;	/* the caller tears it down */
			return;
		}
		while (rc != rp) {
			struct vgpuif_request req;
			int st;

			if (RING_REQUEST_CONS_OVERFLOW(&dev->ring, rc))
				break;	/* every slot awaits a response */
			if (!budget) {
				dev->ring.req_cons = rc;
				mark_busy(dev);
				return;
			}
			st = vgpuif_copy_request(&dev->ring, rc, &req);
			dev->ring.req_cons = ++rc;
			dev->inflight++;
			budget--;
			handle(dev, &req, st);
		}
		dev->ring.req_cons = rc;
		if (RING_REQUEST_CONS_OVERFLOW(&dev->ring, rc))
			return;	/* a response will bring us back */
		RING_FINAL_CHECK_FOR_REQUESTS(&dev->ring, more);
		if (!more)
			return;
	}
}

/* One batch from each device that had more than its share. */
void ring_service_busy(struct vgpuback *bk)
{
	struct vgpu_dev *d = bk->busy_head;

	bk->busy_head = NULL;
	bk->busy_tail = &bk->busy_head;
	while (d) {
		struct vgpu_dev *next = d->busy_next;

		d->busy = false;
		if (d->connected)
			ring_service(d);
		if (d->broken)
			device_fail(d, "the frontend broke the ring protocol");
		d = next;
	}
}

void dispatch(struct vgpuback *bk)
{
	struct vgpu_job *j;

	while ((j = vgpu_sched_peek(&bk->sched, now_ns())) &&
	       bk->ex->ops->can_submit(bk->ex, j)) {
		int rc;

		vgpu_sched_pop(&bk->sched, now_ns());
		j->t_dispatch = now_ns();
		rc = bk->ex->ops->submit(bk->ex, j);
		bk->poll_until = j->t_dispatch + bk->cfg.busy_poll_us * 1000ull;
		if (rc) {
			/* Failed at once: answer it like a completion. */
			j->status = rc;
			j->t_done = j->t_dispatch;
			reap_one(bk, j);
		}
	}
}

void reap_one(struct vgpuback *bk, struct vgpu_job *j)
{
	struct vgpu_dev *dev = j->owner;

	if (dev->connected && j->owner_gen == dev->gen) {
		struct vgpuif_response rsp;
		uint64_t q = j->t_dispatch - j->t_arrive, e = j->t_done - j->t_dispatch;

		memset(&rsp, 0, sizeof(rsp));
		rsp.id = j->req.id;
		rsp.op = j->req.op;
		rsp.status = j->status;
		rsp.queue_ns = q;
		rsp.exec_ns = e;
		if (!j->status && j->req.op == VGPU_OP_SCALAR_ADD)
			rsp.result.scalar = j->result.scalar;
		if (j->status)
			dev->failed++;
		else
			dev->completed++;
		bk->pool_completed[j->pool]++;
		bk->lat_queue_us[bk->lat_count % LAT_SAMPLES] = (uint32_t)(q / 1000);
		bk->lat_exec_us[bk->lat_count % LAT_SAMPLES] = (uint32_t)(e / 1000);
		bk->lat_count++;
		respond(dev, &rsp);
		if (!dev->busy)
			ring_service(dev);	/* a slot freed: more may fit */
		/*
		 * Not torn down here: the event batch being handled may still
		 * hold this device's event-channel wake, which needs its
		 * channel.  ring_service_busy() fails it after the batch.
		 */
		if (dev->broken)
			mark_busy(dev);
	}
	job_free(bk, j);
	device_put(dev);
}

void reap(struct vgpuback *bk)
{
	struct vgpu_job *done[64];
	unsigned n, i;

	do {
		n = bk->ex->ops->reap(bk->ex, done, 64);
		for (i = 0; i < n; i++)
			reap_one(bk, done[i]);
		/* Completions keep vgpuback's busy poll going (main.c). */
		if (n)
			bk->poll_until = now_ns() + bk->cfg.busy_poll_us * 1000ull;
	} while (n == 64);
}

/* A device going away: its queued jobs go now, running ones when reaped. */
void device_drop_work(struct vgpu_dev *dev)
{
	struct vgpuback *bk = dev->bk;
	unsigned i = 0;

	while (i < bk->sched.n) {
		struct vgpu_job *j = bk->sched.heap[i];

		if (j->owner != dev) {
			i++;
			continue;
		}
		vgpu_sched_remove(&bk->sched, j);
		job_free(bk, j);
		dev->jobs_out--;
	}
	while (dev->nbufs)
		buf_unregister(dev, dev->bufs[0]->handle);
	dev->inflight = 0;
}
