/* SPDX-License-Identifier: MIT */
/*
 * attack-flood.c: ring and event-channel floods past the in-flight cap
 * (flood).
 */
#include "config.h"

#include "hostile.h"

/* ---------------- flood ---------------- */

/*
 * Fill the ring with as many requests as it takes, notify again and again
 * with nothing new, leave the responses unread for a while, then read them
 * all; repeat.  Queued ops beyond the per-domain in-flight cap must come
 * back VGPU_EBUSY; everything accepted must be right.
 */
enum { FL_NOP, FL_ADD, FL_VADD };

struct flood_req {
	uint64_t id;
	int kind;
	int64_t a, b;
	unsigned slice;
	bool answered;
};

#define FLOOD_SLICE 32u	/* floats per vector add, one slice of c each */

struct flood {
	struct hostile *h;
	struct vgpufront *dev;
	struct vgpufront_buf *a, *b, *c;
	struct flood_req *fr;		/* by ring slot */
	struct vgpuif_response *rsps;
	unsigned size;			/* ring slots */
	uint64_t total, busy, wrong, bad_status, missing, storms;
};

/* Request @n of round @it: a nop, an add or a vector add into slice @n of c. */
static void flood_request(struct flood *fl, unsigned it, unsigned n,
			  struct vgpuif_request *req)
{
	struct flood_req *f = &fl->fr[n];
	uint64_t x = rnd(&fl->h->seed);
	uint32_t off = n * FLOOD_SLICE * 4;

	memset(f, 0, sizeof(*f));
	f->kind = it % 4 == 3 ? (int)(x % 3) : (int)(it % 4);
	memset(req, 0, sizeof(*req));
	switch (f->kind) {
	case FL_NOP:
		req->op = VGPU_OP_NOP;
		break;
	case FL_ADD:
		f->a = (int64_t)(x % 1000000) - 500000;
		f->b = (int64_t)(x >> 32) % 1000000;
		req->op = VGPU_OP_SCALAR_ADD;
		req->u.scalar_add.a = f->a;
		req->u.scalar_add.b = f->b;
		break;
	default:
		f->slice = n;
		req->op = VGPU_OP_VECTOR_ADD;
		req->u.vector_add.n = FLOOD_SLICE;
		req->u.vector_add.a = (struct vgpuif_bufref){ fl->a->handle, off };
		req->u.vector_add.b = (struct vgpuif_bufref){ fl->b->handle, off };
		req->u.vector_add.c = (struct vgpuif_bufref){ fl->c->handle, off };
		break;
	}
}

/* Fill the ring without reading a single response: how many went in. */
static unsigned flood_fill(struct flood *fl, unsigned it)
{
	unsigned n;

	for (n = 0; n < fl->size; n++) {
		struct vgpuif_request req;

		flood_request(fl, it, n, &req);
		if (vgpufront_submit(fl->dev, &req))
			break;
		fl->fr[n].id = req.id;
	}
	return n;
}

/* Judge the response @rsp to @f: EBUSY untouched, or OK and right. */
static void flood_judge(struct flood *fl, const struct flood_req *f,
			const struct vgpuif_response *rsp)
{
	const float *fa = (float *)fl->a->addr + f->slice * FLOOD_SLICE;
	const float *fb = (float *)fl->b->addr + f->slice * FLOOD_SLICE;
	const float *fc = (float *)fl->c->addr + f->slice * FLOOD_SLICE;
	unsigned k;

	if (rsp->status == VGPU_EBUSY && f->kind != FL_NOP) {
		fl->busy++;
		if (f->kind == FL_VADD && count_not(fc, FLOOD_SLICE, POISON))
			fl->wrong++;	/* refused, yet written */
		return;
	}
	if (rsp->status != VGPU_OK) {
		fl->bad_status++;
		return;
	}
	if (f->kind == FL_ADD && rsp->result.scalar != f->a + f->b)
		fl->wrong++;
	if (f->kind == FL_VADD)
		for (k = 0; k < FLOOD_SLICE; k++)
			fl->wrong += fc[k] != fa[k] + fb[k];
}

/* Read the answers to the @n requests (10 s at most): how many came. */
static unsigned flood_collect(struct flood *fl, unsigned n)
{
	uint64_t t_end = vgpu_now_ns() + 10000000000ull;
	unsigned got = 0, k;

	while (got < n && vgpu_now_ns() < t_end) {
		int m = vgpufront_poll(fl->dev, fl->rsps, fl->size, 1000);
		int j;

		if (m < 0)
			break;
		for (j = 0; j < m; j++) {
			struct flood_req *f = NULL;

			for (k = 0; k < n; k++)
				if (fl->fr[k].id == fl->rsps[j].id && !fl->fr[k].answered)
					f = &fl->fr[k];
			if (!f) {
				fl->wrong++;
				continue;
			}
			f->answered = true;
			got++;
			flood_judge(fl, f, &fl->rsps[j]);
		}
	}
	return got;
}

/* One round: fill, notify with nothing new, wait, read; false if some went unanswered. */
static bool flood_round(struct flood *fl, unsigned it)
{
	unsigned n, got, k, i;

	for (i = 0; i < BUF_FLOATS; i++)
		((float *)fl->c->addr)[i] = POISON;
	n = flood_fill(fl, it);
	fl->total += n;
	/* Notifications with nothing new: the backend must shrug them off. */
	for (k = 0; k < 200; k++)
		vgpu_evtchn_notify(fl->dev->evtchn, (uint32_t)fl->dev->port);
	fl->storms += k;
	msleep(10);
	got = flood_collect(fl, n);
	fl->missing += n - got;
	return got == n;
}

/* a, b, c and the request table; false if not. */
static bool flood_setup(struct flood *fl)
{
	struct vgpufront *dev = fl->dev;
	unsigned i;

	fl->size = RING_SIZE(&dev->front);
	fl->a = buf_new(dev, BUF_PAGES, VGPUFRONT_BUF_READONLY, 0.0f);
	fl->b = fl->a ? buf_new(dev, BUF_PAGES, VGPUFRONT_BUF_READONLY, 0.0f) : NULL;
	fl->c = fl->b ? buf_new(dev, BUF_PAGES, 0, POISON) : NULL;
	fl->fr = calloc(fl->size, sizeof(*fl->fr));
	fl->rsps = calloc(fl->size, sizeof(*fl->rsps));
	if (!check(fl->h, 1, fl->c && fl->fr && fl->rsps &&
		   fl->size * FLOOD_SLICE <= BUF_FLOATS, "setup"))
		return false;
	for (i = 0; i < BUF_FLOATS; i++) {
		((float *)fl->a->addr)[i] = (float)(i % 4099);
		((float *)fl->b->addr)[i] = (float)(i % 13) * 0.5f;
	}
	return true;
}

void attack_flood(struct hostile *h)
{
	struct flood fl = { .h = h, .dev = dev_open(h, VGPUIF_MAX_RING_PAGE_ORDER) };
	unsigned it;

	if (!check(h, 1, fl.dev != NULL, "open"))
		return;
	if (!flood_setup(&fl))
		goto out;
	for (it = 0; it < h->iterations && !out_of_time(h); it++) {
		if (!flood_round(&fl, it))
			break;
		h->done++;
	}
	check(h, 0, (long long)fl.missing, "requests-never-answered");
	check(h, 0, (long long)fl.wrong, "wrong-results-or-unknown-ids");
	check(h, 0, (long long)fl.bad_status, "statuses-other-than-ok-or-ebusy");
	/* With more slots than the cap, queued floods must meet the cap. */
	if (h->max_inflight && fl.size > h->max_inflight && h->done >= 3)
		check(h, 1, fl.busy > 0, "in-flight-cap-enforced-ebusy-seen");
	stat_add(h, " ring=%u requests=%" PRIu64 " ebusy=%" PRIu64 " idle_notifies=%" PRIu64,
		 fl.size, fl.total, fl.busy, fl.storms);
	check_serves(h, fl.dev, "after");
out:
	free(fl.fr);
	free(fl.rsps);
	vgpufront_buf_free(fl.dev, fl.a);
	vgpufront_buf_free(fl.dev, fl.b);
	vgpufront_buf_free(fl.dev, fl.c);
	vgpufront_close(fl.dev);
}
