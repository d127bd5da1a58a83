/* SPDX-License-Identifier: MIT */
/*
 * attack-ring.c: ring attacks: producer indices the ring cannot hold
 * (prod-ahead) and slots rewritten while the backend reads them (rewrite).
 */
#include "config.h"

#include "hostile.h"

/* ---------------- prod-ahead ---------------- */

/* Queue up to @n well-formed adds through libvgpufront: work in flight. */
static void queue_adds(struct vgpufront *dev, unsigned n)
{
	unsigned k;

	for (k = 0; k < n; k++) {
		struct vgpuif_request req;

		memset(&req, 0, sizeof(req));
		req.op = VGPU_OP_SCALAR_ADD;
		req.u.scalar_add.a = k;
		if (vgpufront_submit(dev, &req))
			break;
	}
}

/*
 * A producer index the ring cannot hold (RING_REQUEST_PROD_OVERFLOW): the
 * backend must disconnect the device, set Closed and let it reconnect.
 * Variants: one past a full ring, 2^31 ahead, one behind the consumer, one
 * past full with queued work in flight, and (half of all runs) the same
 * without a notification until a random moment later: then a completion
 * may find the broken index before the event channel does, which once
 * crashed vgpuback (the device was torn down while the same event batch
 * still held its event-channel wake).
 */
void attack_prod_ahead(struct hostile *h)
{
	unsigned it;

	for (it = 0; it < h->iterations && !out_of_time(h); it++) {
		/* Half of them the silent kind: it found a crash (see case 4). */
		unsigned v = h->variant >= 0 ? (unsigned)h->variant % 5 : it % 8 < 4 ? it % 8 : 4;
		unsigned order = it % 3, size;
		struct vgpufront *dev = dev_open(h, order);
		RING_IDX bad;
		int st, rc;

		if (!check(h, 1, dev != NULL, "open-%u", it))
			break;
		size = RING_SIZE(&dev->front);
		check_serves(h, dev, "before");
		switch (v) {
		case 0:
			bad = dev->front.req_prod_pvt + size + 1;
			break;
		case 1:
			bad = dev->front.req_prod_pvt + 0x80000000u;
			break;
		case 2:
			bad = dev->front.req_prod_pvt - 1;
			break;
		case 4: {
			/*
			 * Silent: work in flight, the index broken without a
			 * notification, then one after a random pause, so that a
			 * completion, not the event channel, may find it first.
			 */
			struct timespec ts = { 0, (long)(rnd(&h->seed) % 300) * 1000 };

			queue_adds(dev, size / 2);
			msleep(1);
			/*
			 * Keep the backend busy on XenStore (any write of ours
			 * makes it rescan) while completions become due.
			 */
			xs_puts(dev->xs, dev->fe_path, "hostile-poke", "1");
			bad = dev->front.req_prod_pvt + size + 1;
			xen_wmb();
			__atomic_store_n(&dev->front.sring->req_prod, bad, __ATOMIC_RELEASE);
			nanosleep(&ts, NULL);
			break;
		}
		default:
			queue_adds(dev, size / 2);
			bad = dev->front.req_prod_pvt + size + 1;
			break;
		}
		xen_wmb();
		__atomic_store_n(&dev->front.sring->req_prod, bad, __ATOMIC_RELEASE);
		vgpu_evtchn_notify(dev->evtchn, (uint32_t)dev->port);
		st = wait_state(dev->xs, dev->be_path, XenbusStateClosed, STATE_WAIT_MS);
		check(h, XenbusStateClosed, st, "variant%u-backend-closed", v);
		/* Answers that made it out first: take them, so the ping below is alone. */
		{
			struct vgpuif_response rsp[64];

			while (vgpufront_poll(dev, rsp, 64, 0) > 0)
				;
		}
		/* The library notices too: a call fails instead of waiting forever. */
		rc = vgpufront_ping(dev);
		check(h, -EPIPE, rc, "variant%u-ping-after-close", v);
		vgpufront_close(dev);
		h->done++;
	}
	/* A well-behaved reconnect is served. */
	check_reconnects(h, "reconnect-after");
}

/* ---------------- rewrite (XSA-155) ---------------- */

/*
 * The main thread submits valid VECTOR_ADDs; a second thread rewrites the
 * in-flight slots word by word (8-byte stores) with valid and invalid
 * values, to catch a backend that reads a field twice.  a is all 1.0, b all
 * 2.0, c starts poisoned, and every rewrite keeps a on a's handle or an
 * invalid one, b likewise, c on c's handle or read-only a's: whatever the
 * backend copied, a request it runs writes 3.0 and nothing else.
 *
 * Words 1 (op, flags, padding) of a slot are rewritten with values whose
 * low byte is non-zero and whose fourth byte is zero: when the rewrite
 * lands on a response in the same slot (the guest racing itself), the
 * status reads as a small positive number, which no backend sends.  Those
 * responses are counted apart; all others must make sense.
 */
struct rewriter {
	struct vgpufront *dev;
	uint32_t ha, hb, hc;
	RING_IDX lo, hi;		/* published by the main thread */
	bool stop;
	uint64_t writes;
	uint64_t seed;
};

static uint64_t bufref_word(uint32_t handle, uint32_t offset)
{
	return (uint64_t)handle | (uint64_t)offset << 32;
}

static uint64_t rewrite_value(struct rewriter *r, unsigned word, uint64_t x)
{
	static const uint64_t w1[] = {
		VGPU_OP_VECTOR_ADD, VGPU_OP_VECTOR_ADD, VGPU_OP_VECTOR_ADD,
		0x77, 0xfe, VGPU_OP_SCALAR_ADD,
		VGPU_OP_VECTOR_ADD | 0x40u << 8,		/* unknown flag */
		VGPU_OP_VECTOR_ADD | 1ull << 32,		/* _pad1 */
	};
	static const uint32_t offs[] = { 0, 4096, 16384, 32768 };
	uint32_t off = offs[x % 4];

	switch (word) {
	case 1:
		return w1[(x >> 8) % 8];
	case 2:
		switch ((x >> 8) % 6) {
		case 0: return 0;
		case 1: return BUF_FLOATS + 1;
		case 2: return 1ull << 40;
		case 3: return VGPUIF_MAX_VECTOR_ELEMS + 1;
		case 4: return 256;
		default: return 1024;
		}
	case 3:
	case 4: {
		uint32_t h = word == 3 ? r->ha : r->hb;

		switch ((x >> 8) % 6) {
		case 0: return bufref_word(0xdead, off);
		case 1: return bufref_word(h, BUF_BYTES);
		case 2: return bufref_word(h, 2);
		case 3: return bufref_word(h, 0xfffffffcu);
		default: return bufref_word(h, off);
		}
	}
	case 5:
		switch ((x >> 8) % 5) {
		case 0: return bufref_word(r->ha, off);		/* read-only */
		case 1: return bufref_word(0xbeef, off);
		case 2: return bufref_word(r->hc, BUF_BYTES);
		default: return bufref_word(r->hc, off);
		}
	default:
		return (x >> 8) % 16 ? 0 : x | 1;		/* the tail */
	}
}

static void *rewriter_main(void *arg)
{
	struct rewriter *r = arg;
	vgpuif_front_ring_t *fr = &r->dev->front;
	unsigned size = RING_SIZE(fr);

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		RING_IDX lo = __atomic_load_n(&r->lo, __ATOMIC_RELAXED);
		RING_IDX hi = __atomic_load_n(&r->hi, __ATOMIC_RELAXED);
		RING_IDX i;

		/*
		 * The slots in flight, and a few the main thread is about to
		 * fill; not those already holding a response (slot k gets the
		 * k-th response), so that fewer of our own rewrites land on one.
		 */
		for (i = lo; i != hi + 4 && i - lo <= size; i++) {
			uint64_t *slot = (uint64_t *)&fr->sring->ring[i & (size - 1)];
			RING_IDX rp = __atomic_load_n(&fr->sring->rsp_prod, __ATOMIC_ACQUIRE);
			uint64_t x = rnd(&r->seed);
			unsigned word = 1 + (unsigned)(x % 7);

			if ((RING_IDX)(i - lo) < (RING_IDX)(rp - lo))
				continue;
			__atomic_store_n(&slot[word], rewrite_value(r, word, x),
					 __ATOMIC_RELAXED);
			r->writes++;
		}
	}
	return NULL;
}

static bool rewrite_status_ok(uint8_t op, int status)
{
	switch (op) {
	case VGPU_OP_VECTOR_ADD:
		return status == VGPU_OK || status == VGPU_EINVAL ||
		       status == VGPU_EBADBUF || status == VGPU_ERANGE ||
		       status == VGPU_EACCES;
	case VGPU_OP_SCALAR_ADD:	/* the vector payload is not a scalar one */
		return status == VGPU_EINVAL;
	case 0x77:
	case 0xfe:
		return status == VGPU_ENOSYS;
	default:			/* an op nobody wrote */
		return false;
	}
}

/* What came back from the rewritten requests. */
struct rewrite_tally {
	uint64_t id0;			/* the first request's id */
	uint64_t total, sent, answered;
	uint64_t self;			/* our own rewrite landed on the response */
	uint64_t bad_status, dup, unknown, pad;
	uint64_t hist[16];		/* by -status */
	uint8_t *seen;			/* answered, by request */
};

/* Queue vector adds over a, b into c while the window and the ring allow. */
static void rewrite_send(struct hostile *h, struct vgpufront *dev, struct rewriter *r,
			 struct rewrite_tally *t)
{
	const unsigned window = 48;

	while (t->sent < t->total && t->sent - t->answered < window &&
	       !RING_FULL(&dev->front) && !out_of_time(h)) {
		struct vgpuif_request req;
		uint64_t x = rnd(&h->seed);
		uint32_t off = (uint32_t)(x % 4) * 8192;

		memset(&req, 0, sizeof(req));
		req.id = t->id0 + t->sent;
		req.op = VGPU_OP_VECTOR_ADD;
		req.u.vector_add.n = x & 16 ? 1024 : 256;
		req.u.vector_add.a = (struct vgpuif_bufref){ r->ha, off };
		req.u.vector_add.b = (struct vgpuif_bufref){ r->hb, off };
		req.u.vector_add.c = (struct vgpuif_bufref){ r->hc, off };
		__atomic_store_n(&r->hi, dev->front.req_prod_pvt + 1, __ATOMIC_RELAXED);
		raw_push(dev, &req);
		t->sent++;
	}
}

/* Take and sort every response on the ring. */
static void rewrite_take(struct vgpufront *dev, struct rewrite_tally *t)
{
	struct vgpuif_response rsp;

	while (raw_take(dev, &rsp)) {
		uint64_t k = rsp.id - t->id0;

		t->answered++;
		if (rsp.id < t->id0 || k >= t->sent) {
			t->unknown++;
			continue;
		}
		if (t->seen[k]++) {
			t->dup++;
			continue;
		}
		if (rsp.status > 0) {
			t->self++;		/* our own rewrite landed on it */
			continue;
		}
		t->hist[(uint32_t)-(int64_t)rsp.status & 15]++;
		if (!rewrite_status_ok(rsp.op, rsp.status))
			t->bad_status++;
		if (rsp._pad0[0] || rsp._pad0[1] || rsp._pad0[2])
			t->pad++;
	}
}

/* Send and take until every request is answered (or time or the backend runs out). */
static void rewrite_run(struct hostile *h, struct vgpufront *dev, struct rewriter *r,
			struct rewrite_tally *t)
{
	while (t->answered < t->total) {
		rewrite_send(h, dev, r, t);
		if (t->sent == t->answered)
			break;		/* out of time before sending more */
		rewrite_take(dev, t);
		__atomic_store_n(&r->lo, dev->front.rsp_cons, __ATOMIC_RELAXED);
		if (t->answered < t->sent) {
			int rc = raw_wait(dev, 5000);

			if (rc <= 0 && !RING_HAS_UNCONSUMED_RESPONSES(&dev->front)) {
				check(h, 1, 0, "response-within-5s");
				break;
			}
		}
	}
}

/* The responses' cases, then the buffers': c only ever a + b, a and b untouched. */
static void rewrite_check(struct hostile *h, const struct rewrite_tally *t,
			  const struct rewriter *r, const struct vgpufront_buf *a,
			  const struct vgpufront_buf *b, const struct vgpufront_buf *c)
{
	unsigned bad_c = 0, bad_ab = 0, threes = 0;
	const uint64_t *hist = t->hist;
	size_t i;

	check(h, (long long)t->sent, (long long)t->answered, "every-request-answered");
	check(h, 0, (long long)t->unknown, "responses-with-unknown-id");
	check(h, 0, (long long)t->dup, "responses-answered-twice");
	check(h, 0, (long long)t->bad_status, "status-impossible-for-echoed-op");
	check(h, 0, (long long)t->pad, "response-padding-not-zero");
	/* Some rewrites reached the backend, or the attack tried nothing. */
	check(h, 1, hist[-VGPU_OK] > 0 && t->answered - t->self - hist[-VGPU_OK] > 0,
	      "both-accepted-and-refused-requests");
	for (i = 0; i < BUF_FLOATS; i++) {
		float fc = ((float *)c->addr)[i];

		threes += fc == 3.0f;
		bad_c += fc != 3.0f && fc != POISON;
		bad_ab += ((float *)a->addr)[i] != 1.0f || ((float *)b->addr)[i] != 2.0f;
	}
	check(h, 0, bad_c, "c-holds-only-poison-or-a-plus-b");
	check(h, 0, bad_ab, "read-only-a-and-b-unchanged");
	stat_add(h, " requests=%" PRIu64 " rewrites=%" PRIu64 " self_raced=%" PRIu64
		 " ok=%" PRIu64 " einval=%" PRIu64 " enosys=%" PRIu64 " ebadbuf=%" PRIu64
		 " erange=%" PRIu64 " eacces=%" PRIu64 " c_written=%u", t->sent, r->writes,
		 t->self, hist[0], hist[1], hist[2], hist[3], hist[4], hist[5], threes);
}

/* With the rewriter gone, a plain vadd over the whole buffer is right. */
static void rewrite_clean_vadd(struct hostile *h, struct vgpufront *dev,
			       struct vgpufront_buf *a, struct vgpufront_buf *b,
			       struct vgpufront_buf *c)
{
	unsigned bad_c = 0;
	size_t i;
	int rc;

	for (i = 0; i < BUF_FLOATS; i++)
		((float *)c->addr)[i] = POISON;
	rc = vgpufront_vector_add(dev, BUF_FLOATS, a, 0, b, 0, c, 0, NULL);
	check(h, VGPU_OK, rc, "clean-vadd-after");
	for (i = 0; i < BUF_FLOATS; i++)
		bad_c += ((float *)c->addr)[i] != 3.0f;
	check(h, 0, bad_c, "clean-vadd-result-wrong-elements");
}

void attack_rewrite(struct hostile *h)
{
	struct vgpufront *dev = dev_open(h, 2);
	struct vgpufront_buf *a = NULL, *b = NULL, *c = NULL;
	struct rewrite_tally t = { .id0 = 1ull << 40 };
	struct rewriter r;
	pthread_t th;

	if (!check(h, 1, dev != NULL, "open"))
		return;
	a = buf_new(dev, BUF_PAGES, VGPUFRONT_BUF_READONLY, 1.0f);
	b = a ? buf_new(dev, BUF_PAGES, VGPUFRONT_BUF_READONLY, 2.0f) : NULL;
	c = b ? buf_new(dev, BUF_PAGES, 0, POISON) : NULL;
	t.total = (uint64_t)h->iterations;
	t.seen = calloc(t.total ? t.total : 1, 1);
	if (!check(h, 1, c && t.seen, "buffers"))
		goto out;
	memset(&r, 0, sizeof(r));
	r.dev = dev;
	r.ha = a->handle;
	r.hb = b->handle;
	r.hc = c->handle;
	r.seed = h->seed | 1;
	r.lo = r.hi = dev->front.req_prod_pvt;
	if (pthread_create(&th, NULL, rewriter_main, &r)) {
		check(h, 0, errno, "thread");
		goto out;
	}
	rewrite_run(h, dev, &r, &t);
	__atomic_store_n(&r.stop, true, __ATOMIC_RELAXED);
	pthread_join(th, NULL);
	h->done = (unsigned)t.sent;
	rewrite_check(h, &t, &r, a, b, c);
	rewrite_clean_vadd(h, dev, a, b, c);
out:
	free(t.seen);
	vgpufront_buf_free(dev, a);
	vgpufront_buf_free(dev, b);
	vgpufront_buf_free(dev, c);
	vgpufront_close(dev);
}
