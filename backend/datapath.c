/* SPDX-License-Identifier: MIT */
/*
 * datapath.c: the ring service.  Each request is copied out of the shared
 * ring once and validated (ring/request.c), then acted on where the
 * operation table (ring/vgpu_ops.h) says: answered on the loop (NOP,
 * QUERY), by the buffer table (buffers.c), or made a job (its buffer
 * operands resolved, stamped with the device's pool and priority and an
 * arrival number) and put in the one queue for the executor.
 *
 * A request is consumed only while a response slot is guaranteed for it
 * (RING_REQUEST_CONS_OVERFLOW), so responses never outnumber the ring.  At
 * most max_batch requests are taken per turn; a device with more waits on
 * the busy list so one busy guest cannot starve the others.  Completions
 * never take requests themselves: reaping marks the device busy and the
 * loop's ring pass (wakeup.c) takes what fits, as blkback's waiting_reqs.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "buffers.h"
#include "datapath.h"
#include "device.h"
#include "request.h"
#include "respond.h"
#include "sessions.h"
#include "vgpu_clock.h"
#include "vgpu_ops.h"
#include "vgpuback.h"

static void job_free(struct vgpuback *bk, struct vgpu_job *j)
{
	unsigned i;

	for (i = 0; i < VGPU_OP_MAX_OPERANDS; i++)
		if (j->buf[i])
			buf_put(bk, j->buf[i]);
	sessions_job_end(bk, j);
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

/* Each operand the request uses, against the buffer table: job->buf/ptr[i]. */
static int resolve_operands(struct vgpu_dev *dev, const struct vgpu_op_desc *d,
			    struct vgpu_job *j)
{
	unsigned i;
	int rc;

	for (i = 0; i < d->noperands; i++) {
		uint64_t len = d->operand_len(&j->req, i);

		if (!len)
			continue;
		rc = buf_resolve(dev, vgpu_op_bufref(d, &j->req, i), len,
				 d->operands[i].write, d->operands[i].align,
				 &j->buf[i], &j->ptr[i]);
		if (rc)
			return rc;
	}
	return VGPU_OK;
}

/* VGPU_SITE_EXECUTOR: a job in the queue, or an answer now saying why not. */
static void queue_job(struct vgpu_dev *dev, const struct vgpuif_request *req,
		      const struct vgpu_op_desc *d)
{
	struct vgpuback *bk = dev->bk;
	struct vgpu_job *j;
	int rc;

	if (domain_inflight(bk, dev->domid) > bk->cfg.max_inflight) {
		respond(dev, req, VGPU_EBUSY, NULL);
		return;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		respond(dev, req, VGPU_ENOMEM, NULL);
		return;
	}
	bk->live_jobs++;
	j->req = *req;
	j->owner = dev;
	j->session_gpu = -1;
	rc = resolve_operands(dev, d, j);
	if (!rc)
		rc = sessions_job_start(dev, j);
	if (rc) {
		job_free(bk, j);
		respond(dev, req, rc, NULL);
		return;
	}
	j->domid = dev->domid;
	j->devid = dev->devid;
	j->prio = dev->prio;
	j->pool = dev->pool;
	j->seq = ++bk->seq;
	j->t_arrive = vgpu_now_ns();
	j->owner = dev;
	j->owner_gen = dev->gen;
	j->gpu = -1;
	dev->jobs_out++;
	bk->pool_submitted[dev->pool]++;
	if (vgpu_sched_push(&bk->sched, j)) {
		dev->jobs_out--;
		job_free(bk, j);
		respond(dev, req, VGPU_ENOMEM, NULL);
	}
}

/* What vgpuback itself adds to the executor's query. */
static void query_fill(struct vgpu_dev *dev, struct vgpuif_query_result *q)
{
	q->version = VGPUIF_PROTOCOL_VERSION;
	q->max_inflight = dev->bk->cfg.max_inflight;
	q->max_buf_pages = dev->bk->cfg.max_buffer_pages;
	q->ring_size = RING_SIZE(&dev->ring);
}

/*
 * QUERY: the executor's numbers, and its text in operand 0 if asked.  Where
 * workers map the guest's pages, the text is written by the guest's worker:
 * the request becomes a job.
 */
static void query(struct vgpu_dev *dev, const struct vgpuif_request *req,
		  const struct vgpu_op_desc *d)
{
	struct vgpuback *bk = dev->bk;
	struct vgpuif_query_result q;
	struct vgpu_reply r = { .result = &q, .len = sizeof(q) };
	uint64_t len = d->operand_len(req, 0);
	char text[4096];
	int rc = VGPU_OK;

	if (len && bk->ex->ops->buf_map) {
		queue_job(dev, req, d);
		return;
	}
	memset(&q, 0, sizeof(q));
	text[0] = 0;
	bk->ex->ops->query(bk->ex, &q, text, sizeof(text));
	query_fill(dev, &q);
	if (len) {
		struct vgpu_buffer *b;
		void *p;
		size_t n;

		rc = buf_resolve(dev, vgpu_op_bufref(d, req, 0), len, d->operands[0].write,
				 d->operands[0].align, &b, &p);
		if (!rc) {
			n = strlen(text) + 1;
			if (n > len)
				n = len;
			memcpy(p, text, n);
			((char *)p)[n - 1] = 0;
			buf_put(bk, b);
		}
	}
	respond(dev, req, rc, rc ? NULL : &r);
}

/* One request taken from the ring; @rc: what validation said. */
static void intake(struct vgpu_dev *dev, const struct vgpuif_request *req, int rc)
{
	const struct vgpu_op_desc *d;
	int st;

	dev->submitted++;
	if (rc) {
		vlog(LOG_DEBUG, "vgpu %u/%u: request %llu refused: %s", dev->domid,
		     dev->devid, (unsigned long long)req->id, vgpuif_strerror(rc));
		respond(dev, req, rc, NULL);
		return;
	}
	d = vgpu_op_desc(req->op);	/* validated: a known op */
	switch (d->site) {
	case VGPU_SITE_LOOP:
		if (d->result == VGPU_RESULT_QUERY)
			query(dev, req, d);
		else
			respond(dev, req, VGPU_OK, NULL);
		break;
	case VGPU_SITE_BUFFERS:
		st = buffers_request(dev, req);
		if (st <= 0)
			respond(dev, req, st, NULL);
		break;
	case VGPU_SITE_SESSIONS:
		sessions_request(dev, req);
		break;
	default:
		queue_job(dev, req, d);
		break;
	}
}

/*
 * Take what the ring holds, at most @budget requests: 1 if more wait
 * (the device goes on the busy list), 0 otherwise.
 */
static int take_requests(struct vgpu_dev *dev, RING_IDX rp, unsigned *budget)
{
	RING_IDX rc = dev->ring.req_cons;

	while (rc != rp) {
		struct vgpuif_request req;
		int st;

		if (RING_REQUEST_CONS_OVERFLOW(&dev->ring, rc))
			break;	/* every slot awaits a response */
		if (!*budget) {
			dev->ring.req_cons = rc;
			device_mark_busy(dev);
			return 1;
		}
		st = vgpuif_copy_request(&dev->ring, rc, &req);
		dev->ring.req_cons = ++rc;
		dev->inflight++;
		(*budget)--;
		intake(dev, &req, st);
	}
	dev->ring.req_cons = rc;
	return 0;
}

void ring_service(struct vgpu_dev *dev)
{
	unsigned budget = dev->bk->cfg.max_batch;
	int more;

	while (dev->connected && !dev->broken) {
		RING_IDX rp = dev->ring.sring->req_prod;

		xen_rmb();	/* see the requests before the index that shows them */
		if (RING_REQUEST_PROD_OVERFLOW(&dev->ring, rp)) {
			vlog(LOG_ERR, "vgpu %u/%u: broken frontend: req_prod %u is %u past "
			     "what the ring holds; disconnecting", dev->domid, dev->devid,
			     rp, rp - dev->ring.rsp_prod_pvt);
			dev->broken = true;	/* the caller tears it down */
			return;
		}
		if (take_requests(dev, rp, &budget))
			return;
		if (RING_REQUEST_CONS_OVERFLOW(&dev->ring, dev->ring.req_cons))
			return;	/* a response will bring us back */
		RING_FINAL_CHECK_FOR_REQUESTS(&dev->ring, more);
		if (!more)
			return;
	}
}

/* One completion: answered if its connection is still there. */
static void reap_one(struct vgpuback *bk, struct vgpu_job *j)
{
	struct vgpu_dev *dev = j->owner;
	const struct vgpu_op_desc *d = vgpu_op_desc(j->req.op);

	j->reaped = true;
	if (dev->connected && j->owner_gen == dev->gen) {
		struct vgpu_reply r = {
			.queue_ns = j->t_dispatch - j->t_arrive,
			.exec_ns = j->t_done - j->t_dispatch,
		};

		struct vgpuif_query_result q;

		sessions_job_result(j);
		if (!j->status && d->result == VGPU_RESULT_SCALAR) {
			r.result = &j->result.scalar;
			r.len = sizeof(j->result.scalar);
		} else if (!j->status && d->result == VGPU_RESULT_QUERY) {
			memcpy(&q, j->result.raw, sizeof(q));	/* a worker's */
			query_fill(dev, &q);
			r.result = &q;
			r.len = sizeof(q);
		} else if (!j->status && d->result == VGPU_RESULT_FUNC) {
			r.result = j->result.raw;
			r.len = sizeof(struct vgpuif_func_result);
		} else if (!j->status && d->result == VGPU_RESULT_GLOBAL) {
			r.result = j->result.raw;
			r.len = sizeof(struct vgpuif_global_result);
		}
		bk->pool_completed[j->pool]++;
		bk->lat_queue_us[bk->lat_count % LAT_SAMPLES] = (uint32_t)(r.queue_ns / 1000);
		bk->lat_exec_us[bk->lat_count % LAT_SAMPLES] = (uint32_t)(r.exec_ns / 1000);
		bk->lat_count++;
		respond(dev, &j->req, j->status, &r);
		/*
		 * A slot freed: more may fit.  The loop's ring pass takes them
		 * (and tears a broken device down) after this event batch.
		 */
		device_mark_busy(dev);
	}
	job_free(bk, j);
	device_put(dev);
}

void dispatch(struct vgpuback *bk)
{
	struct vgpu_job *j;

	while ((j = vgpu_sched_peek(&bk->sched, vgpu_now_ns())) &&
	       bk->ex->ops->can_submit(bk->ex, j)) {
		int rc;

		vgpu_sched_pop(&bk->sched, vgpu_now_ns());
		j->t_dispatch = vgpu_now_ns();
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

void reap(struct vgpuback *bk)
{
	struct vgpu_job *done[64];
	unsigned n, i;

	do {
		n = bk->ex->ops->reap(bk->ex, done, 64);
		for (i = 0; i < n; i++)
			reap_one(bk, done[i]);
		/* Completions keep vgpuback's busy poll going (loop.c). */
		if (n)
			bk->poll_until = vgpu_now_ns() + bk->cfg.busy_poll_us * 1000ull;
	} while (n == 64);
}

void datapath_drop_work(struct vgpu_dev *dev)
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
	buffers_drop(dev);
	sessions_drop(dev);
	dev->inflight = 0;
	device_retire_worker(bk, vgpu_worker_key(&bk->cfg.exec, dev->domid, dev->pool));
}
