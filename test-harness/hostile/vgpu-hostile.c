/* SPDX-License-Identifier: MIT */
/*
 * vgpu-hostile: a hostile vgpu frontend for test-hostile.sh.
 *
 * It runs inside a simulated guest domain (vgpu-sim exec DOM -- ...) and
 * performs one attack per invocation, the ones Xen's advisories against
 * netback and blkback describe: ring indices far ahead (the backend must
 * disconnect, not crash), requests rewritten while the backend reads them
 * (XSA-155), malformed, out-of-range and ungranted requests, floods, garbage
 * in its XenStore nodes, writes to its backend's nodes, disconnects and
 * deaths with work in flight.  Each attack starts from a real connection
 * made by libvgpufront and then reaches past it to the shared ring
 * (front_priv.h), as a compromised guest kernel would.
 *
 * Every check compares what came back with what this program worked out on
 * its own that the backend must do, and prints one line
 *
 *   CASE attack=A name=N expected=E got=G ok=0|1
 *
 * and at the end one line the test turns into its counts:
 *
 *   SUMMARY attack=A iterations=I cases=C failed=F [key=value ...]
 *
 * Exit status: 0 every case as expected, 1 some case not, 2 usage,
 * 3 not a single case ran.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xen/io/xenbus.h>

#include "front_priv.h"
#include "xsnodes.h"

/* The attacks read and write slots as eight little-endian words. */
_Static_assert(sizeof(struct vgpuif_request) == 64, "request slot is 64 bytes");
_Static_assert(sizeof(struct vgpuif_response) == 64, "response slot is 64 bytes");
_Static_assert(offsetof(struct vgpuif_request, op) == 8, "op in word 1");
_Static_assert(offsetof(struct vgpuif_request, u) == 16, "payload from word 2");
_Static_assert(offsetof(struct vgpuif_response, status) == 8, "status in word 1");
_Static_assert(offsetof(struct vgpuif_response, op) == 12, "op in word 1");

#define BUF_PAGES	16u
#define BUF_BYTES	(BUF_PAGES * VGPUIF_PAGE_SIZE)
#define BUF_FLOATS	(BUF_BYTES / sizeof(float))
#define POISON		-7.0f
#define STATE_WAIT_MS	5000

struct hostile {
	const char *attack;
	unsigned iterations;		/* asked for */
	unsigned done;			/* run */
	double seconds;			/* time budget; 0: none */
	unsigned devid;
	unsigned max_buffers;		/* the backend's limits, as the test set them */
	unsigned max_inflight;
	unsigned max_buffer_pages;
	int other_domid;		/* a domain that is not ours, or -1 */
	int variant;			/* only this variant of an attack, or -1 */
	uint64_t seed;
	uint64_t t_start;
	unsigned cases, failed;
	char stats[1024];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s * 0x2545f4914f6cdd1dull;
}

static bool out_of_time(const struct hostile *h)
{
	return h->seconds > 0 && (double)(now_ns() - h->t_start) / 1e9 > h->seconds;
}

static void msleep(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static bool check(struct hostile *h, long long expected, long long got,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static bool check(struct hostile *h, long long expected, long long got,
		  const char *fmt, ...)
{
	bool ok = expected == got;
	char name[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	h->cases++;
	h->failed += !ok;
	printf("CASE attack=%s name=%s expected=%lld got=%lld ok=%d\n", h->attack,
	       name, expected, got, ok);
	fflush(stdout);
	return ok;
}

static void stat_add(struct hostile *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void stat_add(struct hostile *h, const char *fmt, ...)
{
	size_t len = strlen(h->stats);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->stats + len, sizeof(h->stats) - len, fmt, ap);
	va_end(ap);
}

/*
 * A libvgpufront return code with its protocol status as on the wire
 * (VGPUFRONT_E(VGPU_EBUSY) -> VGPU_EBUSY), so that the cases compare with
 * the VGPU_E* the backend must send; -errno values stay as they are.
 */
static int wire(int rc)
{
	return vgpufront_is_status(rc) ? rc + VGPUFRONT_STATUS_BASE : rc;
}

/* ---------------- connection helpers ---------------- */

/*
 * libvgpufront writes ring-ref for one page and ring-page-order plus
 * ring-refN for more, and removes neither: after a connection of order 2,
 * a single-page ring would leave the backend reading the old order and
 * refs.  Start each connection from a clean directory.
 */
static void clear_ring_nodes(unsigned devid)
{
	struct xs_handle *xs = xs_open(0);
	char path[128];
	unsigned i;

	if (!xs)
		return;
	snprintf(path, sizeof(path), "device/%s/%u/%s", VGPU_XS_DEVCLASS, devid,
		 VGPU_XS_RING_PAGE_ORDER);
	xs_rm(xs, XBT_NULL, path);
	snprintf(path, sizeof(path), "device/%s/%u/%s", VGPU_XS_DEVCLASS, devid,
		 VGPU_XS_RING_REF);
	xs_rm(xs, XBT_NULL, path);
	for (i = 0; i < 1u << VGPUIF_MAX_RING_PAGE_ORDER; i++) {
		snprintf(path, sizeof(path), "device/%s/%u/" VGPU_XS_RING_REF_FMT,
			 VGPU_XS_DEVCLASS, devid, i);
		xs_rm(xs, XBT_NULL, path);
	}
	xs_close(xs);
}

static struct vgpufront *dev_open(struct hostile *h, unsigned order)
{
	struct vgpufront_opts fo = { .ring_page_order = order, .timeout_ms = 10000 };
	char err[512] = "";
	unsigned i;

	clear_ring_nodes(h->devid);
	/* A device just failed may still be on its way back to InitWait. */
	for (i = 0; i < 3; i++) {
		struct vgpufront *dev = vgpufront_open(h->devid, &fo, err, sizeof(err));

		if (dev)
			return dev;
		msleep(200);
	}
	fprintf(stderr, "vgpu-hostile %s: %s\n", h->attack, err);
	return NULL;
}

static int xs_state(struct xs_handle *xs, const char *dir)
{
	char path[400], *v;
	unsigned int len;
	int st;

	snprintf(path, sizeof(path), "%s/%s", dir, VGPU_XS_STATE);
	v = xs_read(xs, XBT_NULL, path, &len);
	st = v ? atoi(v) : -1;
	free(v);
	return st;
}

/* Poll a state node until it reads one of @mask's states; the last value read. */
static int wait_states(struct xs_handle *xs, const char *dir, unsigned mask,
		       int timeout_ms)
{
	uint64_t end = now_ns() + (uint64_t)timeout_ms * 1000000ull;
	int st;

	for (;;) {
		st = xs_state(xs, dir);
		if ((st >= 0 && st < 32 && (mask & 1u << st)) || now_ns() > end)
			return st;
		msleep(5);
	}
}

static int wait_state(struct xs_handle *xs, const char *dir, int want, int timeout_ms)
{
	return wait_states(xs, dir, 1u << want, timeout_ms);
}

static bool xs_put(struct xs_handle *xs, const char *dir, const char *node,
		   const char *val, size_t len)
{
	char path[400];

	snprintf(path, sizeof(path), "%s/%s", dir, node);
	return xs_write(xs, XBT_NULL, path, val, (unsigned int)len);
}

static bool xs_puts(struct xs_handle *xs, const char *dir, const char *node,
		    const char *val)
{
	return xs_put(xs, dir, node, val, strlen(val));
}

/* Tear our side down without waiting for the backend, as a crashing guest would. */
static void close_now(struct vgpufront *dev)
{
	dev->backend_gone = true;
	vgpufront_close(dev);
}

static struct vgpufront_buf *buf_new(struct vgpufront *dev, unsigned pages,
				     unsigned flags, float fill)
{
	struct vgpufront_buf *b;
	size_t i;
	int st;

	b = vgpufront_buf_alloc(dev, (size_t)pages * VGPUIF_PAGE_SIZE, flags, &st);
	if (!b) {
		fprintf(stderr, "vgpu-hostile: buffer of %u pages: %s\n", pages,
			vgpufront_strerror(st));
		return NULL;
	}
	for (i = 0; i < b->len / sizeof(float); i++)
		((float *)b->addr)[i] = fill;
	return b;
}

/* The device still serves a well-behaved request after an attack. */
static void check_serves(struct hostile *h, struct vgpufront *dev, const char *when)
{
	int64_t a = (int64_t)(h->seed % 100000), sum = 0;
	int rc;

	rc = vgpufront_scalar_add(dev, a, 1000, &sum);
	check(h, VGPU_OK, rc, "%s-add-status", when);
	check(h, a + 1000, rc ? -1 : sum, "%s-add-result", when);
}

/* After an attack, a well-behaved connection to the device is served. */
static void check_reconnects(struct hostile *h, const char *label)
{
	struct vgpufront *dev = dev_open(h, 2);

	if (check(h, 1, dev != NULL, "%s", label)) {
		check_serves(h, dev, "after");
		vgpufront_close(dev);
	}
}

/* ---------------- raw ring access ---------------- */

static void slot_put(void *slot, const void *msg)
{
	uint64_t w[8], *p = slot;
	unsigned i;

	memcpy(w, msg, sizeof(w));
	for (i = 0; i < 8; i++)
		__atomic_store_n(&p[i], w[i], __ATOMIC_RELAXED);
}

static void slot_get(const void *slot, void *msg)
{
	const uint64_t *p = slot;
	uint64_t w[8];
	unsigned i;

	for (i = 0; i < 8; i++)
		w[i] = __atomic_load_n(&p[i], __ATOMIC_RELAXED);
	memcpy(msg, w, sizeof(w));
}

static void raw_push(struct vgpufront *dev, const struct vgpuif_request *req)
{
	slot_put(RING_GET_REQUEST(&dev->front, dev->front.req_prod_pvt), req);
	dev->front.req_prod_pvt++;
	xen_wmb();
	__atomic_store_n(&dev->front.sring->req_prod, dev->front.req_prod_pvt,
			 __ATOMIC_RELEASE);
	/* Always: every wake is one more chance for the backend to fetch twice. */
	vgpu_evtchn_notify(dev->evtchn, (uint32_t)dev->port);
}

/* One response off the ring if there is one: 1, else 0. */
static int raw_take(struct vgpufront *dev, struct vgpuif_response *rsp)
{
	int more;

	for (;;) {
		RING_IDX prod = __atomic_load_n(&dev->front.sring->rsp_prod,
						__ATOMIC_ACQUIRE);

		if (dev->front.rsp_cons != prod) {
			slot_get(RING_GET_RESPONSE(&dev->front, dev->front.rsp_cons), rsp);
			dev->front.rsp_cons++;
			return 1;
		}
		RING_FINAL_CHECK_FOR_RESPONSES(&dev->front, more);
		if (!more)
			return 0;
	}
}

/* Wait for the event channel or XenStore: -EPIPE once the backend left. */
static int raw_wait(struct vgpufront *dev, int ms)
{
	struct epoll_event ev[2];
	int k = epoll_wait(vgpufront_fd(dev), ev, 2, ms);

	front_handle_wakes(dev, ev, k);
	return dev->backend_gone ? -EPIPE : k;
}

/* ---------------- prod-ahead ---------------- */

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
static void attack_prod_ahead(struct hostile *h)
{
	unsigned it;

	for (it = 0; it < h->iterations && !out_of_time(h); it++) {
		/* Half of them the silent kind: it found a crash (see case 4). */
		unsigned v = h->variant >= 0 ? (unsigned)h->variant % 5 : it % 8 < 4 ? it % 8 : 4;
		unsigned order = it % 3, k, size;
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

			for (k = 0; k < size / 2; k++) {
				struct vgpuif_request req;

				memset(&req, 0, sizeof(req));
				req.op = VGPU_OP_SCALAR_ADD;
				req.u.scalar_add.a = k;
				if (vgpufront_submit(dev, &req))
					break;
			}
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
			for (k = 0; k < size / 2; k++) {
				struct vgpuif_request req;

				memset(&req, 0, sizeof(req));
				req.op = VGPU_OP_SCALAR_ADD;
				req.u.scalar_add.a = k;
				if (vgpufront_submit(dev, &req))
					break;
			}
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

static void attack_rewrite(struct hostile *h)
{
	struct vgpufront *dev = dev_open(h, 2);
	struct vgpufront_buf *a = NULL, *b = NULL, *c = NULL;
	struct rewriter r;
	pthread_t th;
	uint64_t sent = 0, answered = 0, total, self = 0, bad_status = 0;
	uint64_t dup = 0, unknown = 0, pad = 0, hist[16] = { 0 };
	uint64_t id0 = 1ull << 40;
	uint8_t *seen = NULL;
	unsigned window = 48, bad_c = 0, bad_ab = 0, threes = 0;
	size_t i;
	int rc;

	if (!check(h, 1, dev != NULL, "open"))
		return;
	a = buf_new(dev, BUF_PAGES, VGPUFRONT_BUF_READONLY, 1.0f);
	b = a ? buf_new(dev, BUF_PAGES, VGPUFRONT_BUF_READONLY, 2.0f) : NULL;
	c = b ? buf_new(dev, BUF_PAGES, 0, POISON) : NULL;
	total = (uint64_t)h->iterations;
	seen = calloc(total ? total : 1, 1);
	if (!check(h, 1, c && seen, "buffers"))
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
	while (answered < total) {
		struct vgpuif_response rsp;
		uint64_t x;

		while (sent < total && sent - answered < window && !RING_FULL(&dev->front) &&
		       !out_of_time(h)) {
			struct vgpuif_request req;
			uint32_t off;

			x = rnd(&h->seed);
			off = (uint32_t)(x % 4) * 8192;
			memset(&req, 0, sizeof(req));
			req.id = id0 + sent;
			req.op = VGPU_OP_VECTOR_ADD;
			req.u.vector_add.n = x & 16 ? 1024 : 256;
			req.u.vector_add.a = (struct vgpuif_bufref){ a->handle, off };
			req.u.vector_add.b = (struct vgpuif_bufref){ b->handle, off };
			req.u.vector_add.c = (struct vgpuif_bufref){ c->handle, off };
			__atomic_store_n(&r.hi, dev->front.req_prod_pvt + 1, __ATOMIC_RELAXED);
			raw_push(dev, &req);
			sent++;
		}
		if (sent == answered)
			break;		/* out of time before sending more */
		while (raw_take(dev, &rsp)) {
			uint64_t k = rsp.id - id0;

			answered++;
			if (rsp.id < id0 || k >= sent) {
				unknown++;
				continue;
			}
			if (seen[k]++) {
				dup++;
				continue;
			}
			if (rsp.status > 0) {
				self++;		/* our own rewrite landed on it */
				continue;
			}
			hist[(uint32_t)-(int64_t)rsp.status & 15]++;
			if (!rewrite_status_ok(rsp.op, rsp.status))
				bad_status++;
			if (rsp._pad0[0] || rsp._pad0[1] || rsp._pad0[2])
				pad++;
		}
		__atomic_store_n(&r.lo, dev->front.rsp_cons, __ATOMIC_RELAXED);
		if (answered < sent) {
			rc = raw_wait(dev, 5000);
			if (rc <= 0 && !RING_HAS_UNCONSUMED_RESPONSES(&dev->front)) {
				check(h, 1, 0, "response-within-5s");
				break;
			}
		}
	}
	__atomic_store_n(&r.stop, true, __ATOMIC_RELAXED);
	pthread_join(th, NULL);
	h->done = (unsigned)sent;
	check(h, (long long)sent, (long long)answered, "every-request-answered");
	check(h, 0, (long long)unknown, "responses-with-unknown-id");
	check(h, 0, (long long)dup, "responses-answered-twice");
	check(h, 0, (long long)bad_status, "status-impossible-for-echoed-op");
	check(h, 0, (long long)pad, "response-padding-not-zero");
	/* Some rewrites reached the backend, or the attack tried nothing. */
	check(h, 1, hist[-VGPU_OK] > 0 && answered - self - hist[-VGPU_OK] > 0,
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
		 " erange=%" PRIu64 " eacces=%" PRIu64 " c_written=%u", sent, r.writes, self,
		 hist[0], hist[1], hist[2], hist[3], hist[4], hist[5], threes);
	/* With the rewriter gone, a plain vadd over the whole buffer is right. */
	for (i = 0; i < BUF_FLOATS; i++)
		((float *)c->addr)[i] = POISON;
	rc = vgpufront_vector_add(dev, BUF_FLOATS, a, 0, b, 0, c, 0, NULL);
	check(h, VGPU_OK, rc, "clean-vadd-after");
	for (bad_c = 0, i = 0; i < BUF_FLOATS; i++)
		bad_c += ((float *)c->addr)[i] != 3.0f;
	check(h, 0, bad_c, "clean-vadd-result-wrong-elements");
out:
	free(seen);
	vgpufront_buf_free(dev, a);
	vgpufront_buf_free(dev, b);
	vgpufront_buf_free(dev, c);
	vgpufront_close(dev);
}

/* ---------------- bad-ops ---------------- */

struct badops {
	struct hostile *h;
	struct vgpufront *dev;
	unsigned round;
	unsigned hygiene;		/* responses with stray bytes or a wrong echo */
};

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *q = p;

	while (n--)
		if (*q++)
			return false;
	return true;
}

/* Send @req, compare its status with @expected; the response must be clean. */
static int expect(struct badops *s, struct vgpuif_request *req, int expected,
		  const char *name)
{
	struct vgpuif_response rsp;
	int rc;

	memset(&rsp, 0xa5, sizeof(rsp));
	rc = wire(vgpufront_call(s->dev, req, &rsp));
	check(s->h, expected, rc, "r%u-%s", s->round, name);
	if (rsp.id != req->id || rsp.op != req->op || !all_zero(rsp._pad0, 3))
		s->hygiene++;
	/* Refused at once: nothing of the backend's memory may reach us (XSA-216). */
	else if (rc != VGPU_OK && (rsp.queue_ns || rsp.exec_ns ||
				   !all_zero(&rsp.result, sizeof(rsp.result))))
		s->hygiene++;
	return rc;
}

static void req_init(struct vgpuif_request *req, uint8_t op)
{
	memset(req, 0, sizeof(*req));
	req->op = op;
}

static void vadd_req(struct vgpuif_request *req, uint64_t n, uint32_t ha,
		     uint32_t aoff, uint32_t hb, uint32_t boff, uint32_t hc,
		     uint32_t coff)
{
	req_init(req, VGPU_OP_VECTOR_ADD);
	req->u.vector_add.n = n;
	req->u.vector_add.a = (struct vgpuif_bufref){ ha, aoff };
	req->u.vector_add.b = (struct vgpuif_bufref){ hb, boff };
	req->u.vector_add.c = (struct vgpuif_bufref){ hc, coff };
}

static void reg_req(struct vgpuif_request *req, uint32_t handle, uint32_t pages,
		    uint32_t dir, uint32_t flags)
{
	req_init(req, VGPU_OP_BUF_REGISTER);
	req->u.buf_register.handle = handle;
	req->u.buf_register.nr_pages = pages;
	req->u.buf_register.dir_gref = dir;
	req->u.buf_register.flags = flags;
}

static unsigned count_not(const float *f, size_t n, float want)
{
	unsigned bad = 0;
	size_t i;

	for (i = 0; i < n; i++)
		bad += f[i] != want;
	return bad;
}

/* Grants of our own, for BUF_REGISTER cases: freed by grants_free(). */
struct grant {
	void *addr;
	unsigned count;
};

static void *share(struct badops *s, struct grant *g, uint32_t to, unsigned count,
		   int writable, uint32_t *refs)
{
	g->addr = vgpu_gnt_share(s->dev->plat, to, count, writable, refs);
	g->count = g->addr ? count : 0;
	return g->addr;
}

static void grants_free(struct badops *s, struct grant *g, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (g[i].addr)
			vgpu_gnt_unshare(s->dev->plat, g[i].addr, g[i].count);
	memset(g, 0, n * sizeof(*g));
}

static void badops_register(struct badops *s, uint32_t hw)
{
	struct vgpufront *dev = s->dev;
	uint32_t be = dev->backend_id, me = dev->domid, nh = 0x40000000u + s->round * 1000;
	uint32_t dref, iref, refs[8], *dir, *ind;
	struct vgpuif_request req;
	struct grant g[4];
	unsigned i;

	memset(g, 0, sizeof(g));
	reg_req(&req, hw, 1, 0, 0);
	expect(s, &req, VGPU_EEXIST, "register-duplicate-handle");
	reg_req(&req, nh, 0, 0, 0);
	expect(s, &req, VGPU_ERANGE, "register-zero-pages");
	reg_req(&req, nh, VGPUIF_MAX_BUF_PAGES + 1, 0, 0);
	expect(s, &req, VGPU_ERANGE, "register-too-many-pages");
	reg_req(&req, nh, 1, 0, 0x2);
	expect(s, &req, VGPU_EINVAL, "register-unknown-flag");
	reg_req(&req, nh, 1, 0, 0);
	req.u.raw[20] = 1;
	expect(s, &req, VGPU_EINVAL, "register-payload-tail");
	if (s->h->max_buffer_pages < VGPUIF_MAX_BUF_PAGES) {
		/* Refused before a single grant is looked at. */
		reg_req(&req, nh, s->h->max_buffer_pages + 1, 0, 0);
		expect(s, &req, VGPU_ENOMEM, "register-over-domain-page-limit");
	}
	reg_req(&req, nh, 1, 0, 0);
	expect(s, &req, VGPU_EGRANT, "register-dir-ref-0");
	reg_req(&req, nh, 1, 0xffffffffu, 0);
	expect(s, &req, VGPU_EGRANT, "register-dir-ref-huge");
	reg_req(&req, nh, 1, 900000, 0);
	expect(s, &req, VGPU_EGRANT, "register-dir-ref-never-granted");

	/* A directory page granted to ourselves, not to the backend. */
	dir = share(s, &g[0], me, 1, 0, &dref);
	if (dir) {
		reg_req(&req, nh, 1, dref, 0);
		expect(s, &req, VGPU_EGRANT, "register-dir-granted-elsewhere");
	}
	grants_free(s, g, 4);

	/* Directory fine, indirect refs garbage or never granted. */
	dir = share(s, &g[0], be, 1, 0, &dref);
	if (dir) {
		static const uint32_t garbage[] = { 0, 0xffffffffu, 900001, 1u << 20 };

		for (i = 0; i < 4; i++) {
			dir[0] = garbage[i];
			reg_req(&req, nh, 1, dref, VGPU_BUF_F_READONLY);
			expect(s, &req, VGPU_EGRANT, i == 0 ? "register-indirect-ref-0" :
			       i == 1 ? "register-indirect-ref-huge" :
			       i == 2 ? "register-indirect-never-granted" :
			       "register-indirect-past-table");
		}
	}
	/* Directory and indirect fine, data refs bad in every way. */
	ind = dir ? share(s, &g[1], be, 1, 0, &iref) : NULL;
	if (ind) {
		dir[0] = iref;
		ind[0] = 0;
		reg_req(&req, nh, 1, dref, VGPU_BUF_F_READONLY);
		expect(s, &req, VGPU_EGRANT, "register-data-ref-0");
		ind[0] = 900002;
		expect(s, &req, VGPU_EGRANT, "register-data-never-granted");
		/* Data pages granted to our own domain, not the backend. */
		if (share(s, &g[2], me, 4, 1, refs)) {
			memcpy(ind, refs, 4 * sizeof(*refs));
			reg_req(&req, nh, 4, dref, 0);
			expect(s, &req, VGPU_EGRANT, "register-data-granted-elsewhere");
		}
		grants_free(s, &g[2], 1);
		/* Data granted read-only: a writable registration must fail. */
		if (share(s, &g[2], be, 4, 0, refs)) {
			memcpy(ind, refs, 4 * sizeof(*refs));
			reg_req(&req, nh, 4, dref, 0);
			expect(s, &req, VGPU_EGRANT, "register-ro-grant-as-writable");
			/* One page more than the list names: its ref is 0. */
			reg_req(&req, nh, 5, dref, VGPU_BUF_F_READONLY);
			expect(s, &req, VGPU_EGRANT, "register-page-past-the-list");
			/*
			 * Four more: ref 0 four times, a ref repeated within one
			 * buffer, refused as malformed before anything is mapped.
			 */
			reg_req(&req, nh, 8, dref, VGPU_BUF_F_READONLY);
			expect(s, &req, VGPU_EINVAL, "register-pages-past-the-list");
			/* Two indirect pages needed, the directory names one. */
			reg_req(&req, nh, VGPUIF_GREFS_PER_PAGE + 1, dref, VGPU_BUF_F_READONLY);
			expect(s, &req, s->h->max_buffer_pages < VGPUIF_GREFS_PER_PAGE + 1 + 8 ?
			       VGPU_ENOMEM : VGPU_EGRANT, "register-second-indirect-missing");
			/* The same, read-only as granted: fine; but never an output. */
			reg_req(&req, nh, 4, dref, VGPU_BUF_F_READONLY);
			if (expect(s, &req, VGPU_OK, "register-ro-grant-readonly") == VGPU_OK) {
				vadd_req(&req, 16, nh, 0, nh, 0, nh, 0);
				expect(s, &req, VGPU_EACCES, "vadd-into-ro-registration");
				req_init(&req, VGPU_OP_BUF_UNREGISTER);
				req.u.buf_unregister.handle = nh;
				expect(s, &req, VGPU_OK, "unregister-ro-registration");
			}
		}
	}
	grants_free(s, g, 4);
}

/* Fill the device up to max_buffers with one-page buffers, then unregister. */
static void badops_buffer_limit(struct badops *s, unsigned have)
{
	struct vgpufront_buf **extra;
	unsigned n = 0, want, i;
	int st = VGPU_OK;

	if (!s->h->max_buffers)
		return;
	want = s->h->max_buffers > have ? s->h->max_buffers - have : 0;
	extra = calloc(want + 1, sizeof(*extra));
	if (!extra)
		return;
	for (i = 0; i <= want; i++) {
		extra[i] = vgpufront_buf_alloc(s->dev, VGPUIF_PAGE_SIZE, 0, &st);
		if (!extra[i])
			break;
		n++;
	}
	check(s->h, want, n, "r%u-buffers-registered-before-limit", s->round);
	check(s->h, VGPU_ENOMEM, n <= want ? wire(st) : 0, "r%u-buffer-over-limit", s->round);
	for (i = 0; i < n; i++) {
		st = vgpufront_buf_free(s->dev, extra[i]);
		if (st)
			check(s->h, VGPU_OK, st, "r%u-unregister-extra", s->round);
	}
	free(extra);
}

static void attack_bad_ops(struct hostile *h)
{
	struct vgpufront *dev = dev_open(h, 2);
	struct badops s = { .h = h, .dev = dev };
	unsigned it;

	if (!check(h, 1, dev != NULL, "open"))
		return;
	for (it = 0; it < h->iterations && !out_of_time(h); it++) {
		struct vgpufront_buf *w, *w2, *r;
		struct vgpuif_request req;
		struct vgpuif_response rsp[2];
		float old[1024];
		const size_t nf = 4 * VGPUIF_PAGE_SIZE / sizeof(float);
		size_t i;
		int rc, got;

		s.round = it;
		w = buf_new(dev, 4, 0, 0.0f);
		w2 = w ? buf_new(dev, 4, 0, POISON) : NULL;
		r = w2 ? buf_new(dev, 4, VGPUFRONT_BUF_READONLY, 0.0f) : NULL;
		if (!check(h, 1, r != NULL, "r%u-buffers", it)) {
			vgpufront_buf_free(dev, w);
			vgpufront_buf_free(dev, w2);
			break;
		}
		for (i = 0; i < nf; i++) {
			((float *)r->addr)[i] = (float)(i % 1000);
			((float *)w->addr)[i] = (float)(i % 7);
		}

		/* Header. */
		req_init(&req, 6);
		expect(&s, &req, VGPU_ENOSYS, "op-6");
		req_init(&req, 0x7f);
		expect(&s, &req, VGPU_ENOSYS, "op-0x7f");
		req_init(&req, 0xff);
		expect(&s, &req, VGPU_ENOSYS, "op-0xff");
		req_init(&req, VGPU_OP_NOP);
		req._pad0 = 1;
		expect(&s, &req, VGPU_EINVAL, "pad0");
		req_init(&req, VGPU_OP_NOP);
		req._pad1 = 0x80000000u;
		expect(&s, &req, VGPU_EINVAL, "pad1");
		req_init(&req, VGPU_OP_NOP);
		req.flags = VGPU_REQ_F_QUERY_TEXT;
		expect(&s, &req, VGPU_EINVAL, "nop-with-query-flag");
		req_init(&req, VGPU_OP_NOP);
		req.u.raw[47] = 1;
		expect(&s, &req, VGPU_EINVAL, "nop-with-payload");

		/* Scalar. */
		req_init(&req, VGPU_OP_SCALAR_ADD);
		req.u.scalar_add.a = INT64_MAX;
		req.u.scalar_add.b = 1;
		expect(&s, &req, VGPU_EOVERFLOW, "scalar-overflow-up");
		req.u.scalar_add.a = INT64_MIN;
		req.u.scalar_add.b = -1;
		expect(&s, &req, VGPU_EOVERFLOW, "scalar-overflow-down");
		req.u.scalar_add.a = 40;
		req.u.scalar_add.b = 2;
		req.u.raw[16] = 1;
		expect(&s, &req, VGPU_EINVAL, "scalar-payload-tail");

		/* Vector add: every refusal, each leaving w2 (its c) untouched. */
		vadd_req(&req, 0, r->handle, 0, r->handle, 0, w2->handle, 0);
		expect(&s, &req, VGPU_ERANGE, "vadd-n-0");
		req.u.vector_add.n = VGPUIF_MAX_VECTOR_ELEMS + 1;
		expect(&s, &req, VGPU_ERANGE, "vadd-n-over-max");
		req.u.vector_add.n = 1ull << 62;	/* n * 4 wraps to 0 */
		expect(&s, &req, VGPU_ERANGE, "vadd-n-wraps");
		req.u.vector_add.n = UINT64_MAX;
		expect(&s, &req, VGPU_ERANGE, "vadd-n-max-u64");
		req.u.vector_add.n = nf + 1;
		expect(&s, &req, VGPU_ERANGE, "vadd-n-past-buffer");
		vadd_req(&req, 16, r->handle, 2, r->handle, 0, w2->handle, 0);
		expect(&s, &req, VGPU_EINVAL, "vadd-misaligned-offset");
		vadd_req(&req, 1, r->handle, 0, r->handle, 0, w2->handle,
			 (uint32_t)(nf * sizeof(float)));
		expect(&s, &req, VGPU_ERANGE, "vadd-c-offset-at-end");
		vadd_req(&req, 1, r->handle, 0, r->handle, 0, w2->handle, 0xfffffffcu);
		expect(&s, &req, VGPU_ERANGE, "vadd-c-offset-4g");
		vadd_req(&req, 16, r->handle, (uint32_t)(nf * sizeof(float)) - 32,
			 r->handle, 0, w2->handle, 0);
		expect(&s, &req, VGPU_ERANGE, "vadd-a-runs-past-end");
		vadd_req(&req, 16, 0x7777, 0, r->handle, 0, w2->handle, 0);
		expect(&s, &req, VGPU_EBADBUF, "vadd-a-never-registered");
		vadd_req(&req, 16, r->handle, 0, 0, 0, w2->handle, 0);
		expect(&s, &req, VGPU_EBADBUF, "vadd-b-handle-0");
		vadd_req(&req, 16, r->handle, 0, r->handle, 0, 0x40404040u, 0);
		expect(&s, &req, VGPU_EBADBUF, "vadd-c-never-registered");
		vadd_req(&req, 16, r->handle, 0, r->handle, 0, r->handle, 0);
		expect(&s, &req, VGPU_EACCES, "vadd-c-read-only");
		vadd_req(&req, 16, r->handle, 0, r->handle, 0, w2->handle, 0);
		req.flags = 0x02;
		expect(&s, &req, VGPU_EINVAL, "vadd-unknown-flag");
		vadd_req(&req, 16, r->handle, 0, r->handle, 0, w2->handle, 0);
		req.u.raw[40] = 1;
		expect(&s, &req, VGPU_EINVAL, "vadd-payload-tail");
		check(h, 0, count_not(w2->addr, nf, POISON), "r%u-refused-vadds-wrote-nothing", it);

		/* Overlaps the protocol allows: in place, and one operand twice. */
		memcpy(old, w->addr, sizeof(old));
		vadd_req(&req, 1024, w->handle, 0, r->handle, 0, w->handle, 0);
		if (expect(&s, &req, VGPU_OK, "vadd-in-place-c-is-a") == VGPU_OK) {
			unsigned bad = 0;

			for (i = 0; i < 1024; i++)
				bad += ((float *)w->addr)[i] != old[i] + ((float *)r->addr)[i];
			check(h, 0, bad, "r%u-in-place-result-wrong", it);
		}
		memcpy(old, w->addr, sizeof(old));
		vadd_req(&req, 1024, w->handle, 0, w->handle, 0, w->handle, 0);
		if (expect(&s, &req, VGPU_OK, "vadd-a-b-c-same") == VGPU_OK) {
			unsigned bad = 0;

			for (i = 0; i < 1024; i++)
				bad += ((float *)w->addr)[i] != 2 * old[i];
			check(h, 0, bad, "r%u-a-b-c-same-result-wrong", it);
		}
		/* Partial overlap: order-dependent values, but accepted and harmless. */
		vadd_req(&req, 1024, w->handle, 0, r->handle, 0, w->handle, 4);
		expect(&s, &req, VGPU_OK, "vadd-c-overlaps-a-shifted");

		/* Query. */
		req_init(&req, VGPU_OP_QUERY);
		req.u.query.out.handle = w->handle;
		expect(&s, &req, VGPU_EINVAL, "query-out-without-flag");
		req_init(&req, VGPU_OP_QUERY);
		req.u.query._pad = 1;
		expect(&s, &req, VGPU_EINVAL, "query-pad");
		req_init(&req, VGPU_OP_QUERY);
		req.flags = VGPU_REQ_F_QUERY_TEXT;
		req.u.query.out = (struct vgpuif_bufref){ w2->handle, 0 };
		expect(&s, &req, VGPU_ERANGE, "query-text-len-0");
		req.u.query.out_len = 64;
		req.u.query.out.handle = r->handle;
		expect(&s, &req, VGPU_EACCES, "query-text-into-read-only");
		req.u.query.out.handle = 0x5555;
		expect(&s, &req, VGPU_EBADBUF, "query-text-never-registered");
		req.u.query.out = (struct vgpuif_bufref){ w2->handle,
			(uint32_t)(nf * sizeof(float)) - 10 };
		expect(&s, &req, VGPU_ERANGE, "query-text-past-end");
		check(h, 0, count_not(w2->addr, nf, POISON), "r%u-refused-queries-wrote-nothing", it);

		/* Unregister. */
		req_init(&req, VGPU_OP_BUF_UNREGISTER);
		req.u.buf_unregister.handle = 0x6666;
		expect(&s, &req, VGPU_EBADBUF, "unregister-never-registered");
		req.u.buf_unregister.handle = w2->handle;
		req.u.buf_unregister._pad = 1;
		expect(&s, &req, VGPU_EINVAL, "unregister-pad");

		badops_register(&s, w->handle);
		badops_buffer_limit(&s, 3);

		/*
		 * Unregister a buffer a queued job still uses: the job keeps it
		 * mapped and completes right; the handle is gone at once.
		 */
		vadd_req(&req, nf, r->handle, 0, r->handle, 0, w2->handle, 0);
		rc = vgpufront_submit(dev, &req);
		req_init(&req, VGPU_OP_BUF_UNREGISTER);
		req.u.buf_unregister.handle = w2->handle;
		rc = rc ? rc : vgpufront_submit(dev, &req);
		for (got = 0; !rc && got < 2;) {
			int k = vgpufront_poll(dev, &rsp[got], 2 - (unsigned)got, 5000);

			if (k <= 0) {
				rc = k ? k : -ETIMEDOUT;
				break;
			}
			got += k;
		}
		check(h, 2, rc ? rc : got, "r%u-vadd-and-unregister-answered", it);
		for (i = 0; i < (size_t)(rc ? 0 : 2); i++) {
			if (rsp[i].op == VGPU_OP_VECTOR_ADD)
				check(h, VGPU_OK, rsp[i].status, "r%u-vadd-on-unregistered-buffer", it);
			else
				check(h, VGPU_OK, rsp[i].status, "r%u-unregister-in-use", it);
		}
		{
			unsigned bad = 0;

			for (i = 0; i < nf; i++)
				bad += ((float *)w2->addr)[i] != 2 * ((float *)r->addr)[i];
			check(h, 0, bad, "r%u-vadd-on-unregistered-result-wrong", it);
		}
		vadd_req(&req, 16, r->handle, 0, r->handle, 0, w2->handle, 0);
		expect(&s, &req, VGPU_EBADBUF, "vadd-after-unregister");
		/* w2's handle is gone: free it locally only. */
		{
			bool was = dev->backend_gone;

			dev->backend_gone = true;
			vgpufront_buf_free(dev, w2);
			dev->backend_gone = was;
		}

		/* Still a working device. */
		rc = vgpufront_ping(dev);
		check(h, VGPU_OK, rc, "r%u-ping-after", it);
		check_serves(h, dev, "after-round");
		vgpufront_buf_free(dev, w);
		vgpufront_buf_free(dev, r);
		h->done++;
	}
	check(h, 0, s.hygiene, "responses-with-stray-bytes-or-wrong-echo");
	vgpufront_close(dev);
}

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

static void attack_flood(struct hostile *h)
{
	struct vgpufront *dev = dev_open(h, VGPUIF_MAX_RING_PAGE_ORDER);
	struct vgpufront_buf *a = NULL, *b = NULL, *c = NULL;
	struct flood_req *fr = NULL;
	struct vgpuif_response *rsps = NULL;
	const unsigned slice = 32;
	uint64_t total = 0, busy = 0, wrong = 0, bad_status = 0, missing = 0, storms = 0;
	unsigned size, it, i;

	if (!check(h, 1, dev != NULL, "open"))
		return;
	size = RING_SIZE(&dev->front);
	a = buf_new(dev, BUF_PAGES, VGPUFRONT_BUF_READONLY, 0.0f);
	b = a ? buf_new(dev, BUF_PAGES, VGPUFRONT_BUF_READONLY, 0.0f) : NULL;
	c = b ? buf_new(dev, BUF_PAGES, 0, POISON) : NULL;
	fr = calloc(size, sizeof(*fr));
	rsps = calloc(size, sizeof(*rsps));
	if (!check(h, 1, c && fr && rsps && size * slice <= BUF_FLOATS, "setup"))
		goto out;
	for (i = 0; i < BUF_FLOATS; i++) {
		((float *)a->addr)[i] = (float)(i % 4099);
		((float *)b->addr)[i] = (float)(i % 13) * 0.5f;
	}
	for (it = 0; it < h->iterations && !out_of_time(h); it++) {
		unsigned n = 0, got = 0, k;
		uint64_t t_end;

		for (i = 0; i < BUF_FLOATS; i++)
			((float *)c->addr)[i] = POISON;
		/* Fill the ring without reading a single response. */
		for (n = 0; n < size; n++) {
			struct vgpuif_request req;
			struct flood_req *f = &fr[n];
			uint64_t x = rnd(&h->seed);

			memset(f, 0, sizeof(*f));
			f->kind = it % 4 == 3 ? (int)(x % 3) : (int)(it % 4);
			memset(&req, 0, sizeof(req));
			switch (f->kind) {
			case FL_NOP:
				req.op = VGPU_OP_NOP;
				break;
			case FL_ADD:
				f->a = (int64_t)(x % 1000000) - 500000;
				f->b = (int64_t)(x >> 32) % 1000000;
				req.op = VGPU_OP_SCALAR_ADD;
				req.u.scalar_add.a = f->a;
				req.u.scalar_add.b = f->b;
				break;
			default:
				f->slice = n;
				req.op = VGPU_OP_VECTOR_ADD;
				req.u.vector_add.n = slice;
				req.u.vector_add.a = (struct vgpuif_bufref){ a->handle, n * slice * 4 };
				req.u.vector_add.b = (struct vgpuif_bufref){ b->handle, n * slice * 4 };
				req.u.vector_add.c = (struct vgpuif_bufref){ c->handle, n * slice * 4 };
				break;
			}
			if (vgpufront_submit(dev, &req))
				break;
			f->id = req.id;
		}
		total += n;
		/* Notifications with nothing new: the backend must shrug them off. */
		for (k = 0; k < 200; k++)
			vgpu_evtchn_notify(dev->evtchn, (uint32_t)dev->port);
		storms += k;
		msleep(10);
		t_end = now_ns() + 10000000000ull;
		while (got < n && now_ns() < t_end) {
			int m = vgpufront_poll(dev, rsps, size, 1000);
			int j;

			if (m < 0)
				break;
			for (j = 0; j < m; j++) {
				struct flood_req *f = NULL;

				for (k = 0; k < n; k++)
					if (fr[k].id == rsps[j].id && !fr[k].answered)
						f = &fr[k];
				if (!f) {
					wrong++;
					continue;
				}
				f->answered = true;
				got++;
				if (rsps[j].status == VGPU_EBUSY && f->kind != FL_NOP) {
					busy++;
					if (f->kind == FL_VADD &&
					    count_not((float *)c->addr + f->slice * slice, slice, POISON))
						wrong++;	/* refused, yet written */
					continue;
				}
				if (rsps[j].status != VGPU_OK) {
					bad_status++;
					continue;
				}
				if (f->kind == FL_ADD && rsps[j].result.scalar != f->a + f->b)
					wrong++;
				if (f->kind == FL_VADD) {
					const float *fa = (float *)a->addr + f->slice * slice;
					const float *fb = (float *)b->addr + f->slice * slice;
					const float *fc = (float *)c->addr + f->slice * slice;

					for (k = 0; k < slice; k++)
						wrong += fc[k] != fa[k] + fb[k];
				}
			}
		}
		missing += n - got;
		if (got < n)
			break;
		h->done++;
	}
	check(h, 0, (long long)missing, "requests-never-answered");
	check(h, 0, (long long)wrong, "wrong-results-or-unknown-ids");
	check(h, 0, (long long)bad_status, "statuses-other-than-ok-or-ebusy");
	/* With more slots than the cap, queued floods must meet the cap. */
	if (h->max_inflight && size > h->max_inflight && h->done >= 3)
		check(h, 1, busy > 0, "in-flight-cap-enforced-ebusy-seen");
	stat_add(h, " ring=%u requests=%" PRIu64 " ebusy=%" PRIu64 " idle_notifies=%" PRIu64,
		 size, total, busy, storms);
	check_serves(h, dev, "after");
out:
	free(fr);
	free(rsps);
	vgpufront_buf_free(dev, a);
	vgpufront_buf_free(dev, b);
	vgpufront_buf_free(dev, c);
	vgpufront_close(dev);
}

/* ---------------- xs-garbage ---------------- */

static const char *const garbage_values[] = {
	"", "0", "-1", "-0", "+1", " 1", "1 ", "0x10", "1e3", "abc", "3junk",
	"4294967295", "4294967296", "18446744073709551615", "18446744073709551616",
	"99999999999999999999999999999999", "2147483648", "1", "2", "7", "100",
	"5", "16", "x86_32-abi", "x86_64-abi\n", "x86_64-abi", "\xff\xfe\x01",
};

static const char *const fe_nodes[] = {
	VGPU_XS_RING_REF, "ring-ref0", "ring-ref1", "ring-ref3", "ring-ref15",
	"ring-ref16", VGPU_XS_RING_PAGE_ORDER, VGPU_XS_EVENT_CHANNEL, VGPU_XS_PROTOCOL,
};

#define NR_FE_NODES (sizeof(fe_nodes) / sizeof(fe_nodes[0]))
#define NR_GARBAGE (sizeof(garbage_values) / sizeof(garbage_values[0]))

static void put_garbage(struct hostile *h, struct xs_handle *xs, const char *fe,
			const char *node, char *big, size_t bigsz)
{
	uint64_t x = rnd(&h->seed);
	size_t i, len;

	switch (x % 8) {
	case 0:			/* a huge value */
		len = 1000 + (size_t)(x >> 8) % (bigsz - 1000);
		memset(big, '9', len);
		xs_put(xs, fe, node, big, len);
		break;
	case 1:			/* random bytes, NULs included */
		len = 1 + (size_t)(x >> 8) % 64;
		for (i = 0; i < len; i++)
			big[i] = (char)rnd(&h->seed);
		xs_put(xs, fe, node, big, len);
		break;
	default:
		xs_puts(xs, fe, node, garbage_values[(x >> 8) % NR_GARBAGE]);
		break;
	}
}

/*
 * A frontend that publishes a real ring page (filled with noise) and a real
 * port: the backend connects, then must survive whatever the page says.
 */
static void xs_fake_connect(struct hostile *h, struct xs_handle *xs, const char *fe,
			    const char *be, struct vgpu_platform *plat,
			    unsigned *connected)
{
	struct vgpu_evtchn *ch = vgpu_evtchn_open(plat);
	uint32_t ref = 0, *page;
	char val[32];
	int port = -1;
	unsigned i;

	page = vgpu_gnt_share(plat, 0, 1, 1, &ref);
	if (!ch || !page)
		goto out;
	for (i = 0; i < VGPUIF_PAGE_SIZE / 4; i++)
		page[i] = (uint32_t)rnd(&h->seed);
	port = vgpu_evtchn_alloc_unbound(ch, 0);
	if (port < 0)
		goto out;
	xs_puts(xs, fe, VGPU_XS_STATE, "1");
	if (wait_state(xs, be, XenbusStateInitWait, 1000) != XenbusStateInitWait)
		goto out;
	for (i = 0; i < NR_FE_NODES; i++) {
		char path[192];

		snprintf(path, sizeof(path), "%s/%s", fe, fe_nodes[i]);
		xs_rm(xs, XBT_NULL, path);
	}
	snprintf(val, sizeof(val), "%u", ref);
	xs_puts(xs, fe, VGPU_XS_RING_REF, val);
	snprintf(val, sizeof(val), "%d", port);
	xs_puts(xs, fe, VGPU_XS_EVENT_CHANNEL, val);
	xs_puts(xs, fe, VGPU_XS_PROTOCOL, VGPUIF_PROTOCOL_NAME);
	xs_puts(xs, fe, VGPU_XS_STATE, "3");
	if (wait_states(xs, be, 1u << XenbusStateConnected | 1u << XenbusStateClosed,
			1000) == XenbusStateConnected) {
		(*connected)++;
		for (i = 0; i < 8; i++) {
			page[0] = (uint32_t)rnd(&h->seed);	/* req_prod */
			vgpu_evtchn_notify(ch, (uint32_t)port);
			msleep(1);
		}
	}
	xs_puts(xs, fe, VGPU_XS_STATE, "5");
	wait_state(xs, be, XenbusStateClosed, 1000);
out:
	if (page)
		vgpu_gnt_unshare(plat, page, 1);
	if (ch)
		vgpu_evtchn_close(ch);
}

static void attack_xs_garbage(struct hostile *h)
{
	static const char *const states[] = {
		"0", "1", "2", "3", "4", "5", "6", "7", "8", "-1", "99", "abc", "", "3junk",
		"4294967299",
	};
	struct vgpufront *dev = dev_open(h, 2);
	struct xs_handle *xs = xs_open(0);
	struct vgpu_platform *plat = vgpu_platform_open(NULL);
	char fe[128], be[256], big[3000];
	unsigned it, i, writes = 0, flips = 0, attempts = 0, fakes = 0, connected = 0;

	if (!check(h, 1, dev && xs && plat, "open")) {
		if (dev)
			vgpufront_close(dev);
		goto out;
	}
	snprintf(fe, sizeof(fe), "%s", dev->fe_path);
	snprintf(be, sizeof(be), "%s", dev->be_path);
	for (it = 0; it < h->iterations && !out_of_time(h); it++) {
		uint64_t x = rnd(&h->seed);

		switch (x % 10) {
		case 0: case 1: case 2: case 3: case 4:
			put_garbage(h, xs, fe, fe_nodes[(x >> 8) % NR_FE_NODES], big, sizeof(big));
			writes++;
			break;
		case 5: case 6: case 7:
			xs_puts(xs, fe, VGPU_XS_STATE, states[(x >> 8) % (sizeof(states) / sizeof(states[0]))]);
			flips++;
			break;
		case 8:
			/* Initialising, then Initialised over garbage: a refused connect. */
			xs_puts(xs, fe, VGPU_XS_STATE, "1");
			wait_state(xs, be, XenbusStateInitWait, 200);
			for (i = 0; i < 3; i++)
				put_garbage(h, xs, fe, fe_nodes[rnd(&h->seed) % NR_FE_NODES], big,
					    sizeof(big));
			xs_puts(xs, fe, VGPU_XS_STATE, "3");
			attempts++;
			break;
		default:
			xs_fake_connect(h, xs, fe, be, plat, &connected);
			fakes++;
			break;
		}
		h->done++;
	}
	stat_add(h, " garbage_writes=%u state_flips=%u garbage_connects=%u"
		 " noise_ring_connects=%u noise_ring_connected=%u",
		 writes, flips, attempts, fakes, connected);
	/* Leave as a frontend that gave up: Closed, stale nodes removed. */
	close_now(dev);
	for (i = 0; i < NR_FE_NODES; i++) {
		char path[192];

		snprintf(path, sizeof(path), "%s/%s", fe, fe_nodes[i]);
		xs_rm(xs, XBT_NULL, path);
	}
	xs_puts(xs, fe, VGPU_XS_STATE, "6");
	check_reconnects(h, "reconnect-after");
out:
	if (plat)
		vgpu_platform_close(plat);
	if (xs)
		xs_close(xs);
}

/* ---------------- be-nodes ---------------- */

/*
 * XenStore, and this device's frontend path and backend path (read from the
 * frontend's "backend" node, as a guest finds it); NULL after a failed check.
 */
static struct xs_handle *device_paths(struct hostile *h, char *fe, size_t felen,
				      char *be, size_t belen)
{
	struct xs_handle *xs = xs_open(0);
	char path[400], *v;
	unsigned int len;

	if (!check(h, 1, xs != NULL, "xs-open"))
		return NULL;
	snprintf(fe, felen, "device/%s/%u", VGPU_XS_DEVCLASS, h->devid);
	snprintf(path, sizeof(path), "%s/%s", fe, VGPU_XS_BACKEND);
	v = xs_read(xs, XBT_NULL, path, &len);
	if (!check(h, 1, v != NULL, "backend-path")) {
		xs_close(xs);
		return NULL;
	}
	snprintf(be, belen, "%s", v);
	free(v);
	return xs;
}

/* A guest may read its backend's nodes, never write, remove or re-own them. */
static void attack_be_nodes(struct hostile *h)
{
	static const char *const nodes[] = {
		VGPU_XS_POOL, VGPU_XS_PRIORITY, VGPU_XS_STATE, VGPU_XS_FRONTEND,
		VGPU_XS_FRONTEND_ID, VGPU_XS_ONLINE, VGPU_XS_FEAT_RING_ORDER,
		VGPU_XS_FEAT_MAX_INFLIGHT, "evil",
	};
	char fe[64], be[256], path[400], *v;
	unsigned int len, it, i, domid;
	struct xs_handle *xs = device_paths(h, fe, sizeof(fe), be, sizeof(be));

	if (!xs)
		return;
	v = xs_read(xs, XBT_NULL, "domid", &len);
	domid = v ? (unsigned int)strtoul(v, NULL, 10) : 0;
	free(v);
	for (it = 0; it < h->iterations && !out_of_time(h); it++) {
		struct xs_permissions perm = { .id = domid, .perms = XS_PERM_NONE };
		xs_transaction_t t;
		bool okw;

		for (i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
			char *before, *after;
			bool same;

			snprintf(path, sizeof(path), "%s/%s", be, nodes[i]);
			before = xs_read(xs, XBT_NULL, path, &len);
			okw = xs_write(xs, XBT_NULL, path, "high", 4);
			check(h, EACCES, okw ? 0 : errno, "write-%s", nodes[i]);
			after = xs_read(xs, XBT_NULL, path, &len);
			same = (!before && !after) || (before && after && !strcmp(before, after));
			check(h, 1, same, "unchanged-%s", nodes[i]);
			free(before);
			free(after);
		}
		okw = xs_rm(xs, XBT_NULL, be);
		check(h, EACCES, okw ? 0 : errno, "rm-backend-dir");
		/* Make ourselves the owner of the backend directory. */
		okw = xs_set_permissions(xs, XBT_NULL, be, &perm, 1);
		check(h, EACCES, okw ? 0 : errno, "set-perms-backend-dir");
		/* A second device of our own, next to the one the toolstack made. */
		if (strrchr(be, '/')) {
			snprintf(path, sizeof(path), "%.*s/7", (int)(strrchr(be, '/') - be), be);
			okw = xs_mkdir(xs, XBT_NULL, path);
			check(h, EACCES, okw ? 0 : errno, "mkdir-backend-device");
		}
		t = xs_transaction_start(xs);
		if (t != XBT_NULL) {
			snprintf(path, sizeof(path), "%s/%s", be, VGPU_XS_PRIORITY);
			okw = xs_write(xs, t, path, "high", 4);
			check(h, EACCES, okw ? 0 : errno, "write-priority-in-transaction");
			xs_transaction_end(xs, t, false);
		}
		if (h->other_domid >= 0) {
			snprintf(path, sizeof(path), "/local/domain/%d/device/%s/0/%s",
				 h->other_domid, VGPU_XS_DEVCLASS, VGPU_XS_STATE);
			okw = xs_write(xs, XBT_NULL, path, "5", 1);
			check(h, EACCES, okw ? 0 : errno, "write-other-guests-state");
			snprintf(path, sizeof(path), "/local/domain/0/%s/%d/0/%s",
				 VGPU_XS_BACKEND_ROOT, h->other_domid, VGPU_XS_POOL);
			okw = xs_write(xs, XBT_NULL, path, "A", 1);
			check(h, EACCES, okw ? 0 : errno, "write-other-guests-pool");
		}
		h->done++;
	}
	xs_close(xs);
	check_reconnects(h, "open-after");
}

/* ---------------- disconnect-mid, die-inflight ---------------- */

/* Queue slow work: vadds over a, b into c, and adds; returns how many went in. */
static unsigned submit_slow(struct vgpufront *dev, const struct vgpufront_buf *a,
			    const struct vgpufront_buf *b, const struct vgpufront_buf *c,
			    unsigned count)
{
	const uint32_t n = 1024;
	unsigned i;

	for (i = 0; i < count; i++) {
		struct vgpuif_request req;
		uint32_t off = (uint32_t)((i * n * sizeof(float)) % BUF_BYTES);

		memset(&req, 0, sizeof(req));
		if (i % 3 == 2) {
			req.op = VGPU_OP_SCALAR_ADD;
			req.u.scalar_add.a = i;
			req.u.scalar_add.b = 1;
		} else {
			req.op = VGPU_OP_VECTOR_ADD;
			req.u.vector_add.n = n;
			req.u.vector_add.a = (struct vgpuif_bufref){ a->handle, off };
			req.u.vector_add.b = (struct vgpuif_bufref){ b->handle, off };
			req.u.vector_add.c = (struct vgpuif_bufref){ c->handle, off };
		}
		if (vgpufront_submit(dev, &req))
			break;
	}
	return i;
}

/*
 * Leave with requests queued and running, each time another way: Closing
 * then Closed without waiting; a polite close; straight to Initialising;
 * Closed, then keep using the ring.  The next open must find the device
 * ready again, and the backend must drop the work of the old connection.
 */
static void attack_disconnect_mid(struct hostile *h)
{
	unsigned it, queued = 0;

	for (it = 0; it < h->iterations && !out_of_time(h); it++) {
		unsigned v = it % 4;
		struct vgpufront *dev = dev_open(h, 2);
		struct vgpufront_buf *a, *b, *c;
		int rc;

		if (!check(h, 1, dev != NULL, "open-%u", it))
			break;
		a = buf_new(dev, BUF_PAGES, VGPUFRONT_BUF_READONLY, 1.0f);
		b = a ? buf_new(dev, BUF_PAGES, VGPUFRONT_BUF_READONLY, 2.0f) : NULL;
		c = b ? buf_new(dev, BUF_PAGES, 0, POISON) : NULL;
		if (!check(h, 1, c != NULL, "buffers-%u", it)) {
			vgpufront_buf_free(dev, a);
			vgpufront_buf_free(dev, b);
			vgpufront_close(dev);
			break;
		}
		queued += submit_slow(dev, a, b, c, RING_SIZE(&dev->front) / 2);
		switch (v) {
		case 0:
			xs_puts(dev->xs, dev->fe_path, VGPU_XS_STATE, "5");
			xs_puts(dev->xs, dev->fe_path, VGPU_XS_STATE, "6");
			break;
		case 1:
			break;
		case 2:
			xs_puts(dev->xs, dev->fe_path, VGPU_XS_STATE, "1");
			break;
		default: {
			struct vgpuif_response rsp[64];
			uint64_t end = now_ns() + 5000000000ull;

			/* Closed, yet still waiting for answers: they must stop, not hang. */
			xs_puts(dev->xs, dev->fe_path, VGPU_XS_STATE, "6");
			do
				rc = vgpufront_poll(dev, rsp, 64, 500);
			while (rc >= 0 && now_ns() < end);
			check(h, -EPIPE, rc, "closed-then-poll-%u", it);
			break;
		}
		}
		/*
		 * Unshare the buffers without unregistering them (a sync call
		 * with work in flight would wait on libvgpufront's stash), while
		 * the backend may still map them; then close: politely (Closing,
		 * wait for Closed, Closed) in variant 1, without waiting otherwise.
		 */
		dev->connected = false;
		vgpufront_buf_free(dev, a);
		vgpufront_buf_free(dev, b);
		vgpufront_buf_free(dev, c);
		if (v != 1)
			dev->backend_gone = true;
		vgpufront_close(dev);
		h->done++;
	}
	stat_add(h, " requests_abandoned=%u", queued);
	check_reconnects(h, "reconnect-after");
}

/*
 * A child connects, fills its ring with slow work and dies: _exit, SIGKILL,
 * after its first answer, or with half a ring queued and running.  The
 * backend must see the frontend go (simxen closes its event channel) and
 * close the device by itself: nobody writes Closing for a dead frontend.
 */
static void die_child(struct hostile *h, unsigned v)
{
	struct vgpufront *dev = dev_open(h, 2);
	struct vgpufront_buf *a, *b, *c;
	struct vgpuif_response rsp;

	if (!dev)
		_exit(10);
	a = buf_new(dev, BUF_PAGES, VGPUFRONT_BUF_READONLY, 1.0f);
	b = a ? buf_new(dev, BUF_PAGES, VGPUFRONT_BUF_READONLY, 2.0f) : NULL;
	c = b ? buf_new(dev, BUF_PAGES, 0, POISON) : NULL;
	if (!c)
		_exit(11);
	switch (v) {
	case 0:
		submit_slow(dev, a, b, c, RING_SIZE(&dev->front));
		_exit(0);
	case 1:
		submit_slow(dev, a, b, c, RING_SIZE(&dev->front));
		raise(SIGKILL);
		break;
	case 2:
		submit_slow(dev, a, b, c, RING_SIZE(&dev->front));
		vgpufront_poll(dev, &rsp, 1, 5000);
		_exit(0);
	default:
		submit_slow(dev, a, b, c, RING_SIZE(&dev->front) / 2);
		msleep(2);
		raise(SIGKILL);
		break;
	}
	_exit(12);
}

static void attack_die_inflight(struct hostile *h)
{
	char fe[64], be[256];
	unsigned it;
	struct xs_handle *xs = device_paths(h, fe, sizeof(fe), be, sizeof(be));

	if (!xs)
		return;
	fflush(stdout);
	for (it = 0; it < h->iterations && !out_of_time(h); it++) {
		unsigned var = it % 4;
		int status = 0, st;
		pid_t pid = fork();

		if (pid < 0) {
			check(h, 0, errno, "fork-%u", it);
			break;
		}
		if (pid == 0)
			die_child(h, var);
		waitpid(pid, &status, 0);
		check(h, var % 2 ? SIGKILL : 0, WIFSIGNALED(status) ? WTERMSIG(status) :
		      WEXITSTATUS(status) ? 100 + WEXITSTATUS(status) : 0,
		      "child-%u-died-as-planned", it);
		st = wait_state(xs, be, XenbusStateClosed, STATE_WAIT_MS);
		check(h, XenbusStateClosed, st, "variant%u-backend-closed-dead-frontend", var);
		h->done++;
	}
	xs_close(xs);
	check_reconnects(h, "reconnect-after");
}

/* ---------------- main ---------------- */

static const struct {
	const char *name;
	void (*fn)(struct hostile *h);
	unsigned iterations;
} attacks[] = {
	{ "prod-ahead", attack_prod_ahead, 20 },
	{ "rewrite", attack_rewrite, 20000 },
	{ "bad-ops", attack_bad_ops, 10 },
	{ "flood", attack_flood, 20 },
	{ "xs-garbage", attack_xs_garbage, 300 },
	{ "be-nodes", attack_be_nodes, 10 },
	{ "disconnect-mid", attack_disconnect_mid, 20 },
	{ "die-inflight", attack_die_inflight, 12 },
};

#define NR_ATTACKS (sizeof(attacks) / sizeof(attacks[0]))

static void usage(FILE *f)
{
	unsigned i;

	fprintf(f, "Usage: vgpu-hostile --attack NAME [--iterations N] [--seconds S] [--device D]\n"
		   "                    [--seed S] [--max-inflight N] [--max-buffers N]\n"
		   "                    [--max-buffer-pages N] [--other-domid D] [--variant V]\n"
		   "Attacks (default iterations):");
	for (i = 0; i < NR_ATTACKS; i++)
		fprintf(f, " %s (%u)", attacks[i].name, attacks[i].iterations);
	fprintf(f, "\nThe --max-* values are the backend's limits as the caller set them;\n"
		   "--variant V runs only variant V (0-4) of prod-ahead; --seconds S stops\n"
		   "an attack early, and SUMMARY says how many iterations it ran.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "attack", required_argument, NULL, 'a' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 's' },
		{ "device", required_argument, NULL, 'd' },
		{ "seed", required_argument, NULL, 'r' },
		{ "max-inflight", required_argument, NULL, 'i' },
		{ "max-buffers", required_argument, NULL, 'b' },
		{ "max-buffer-pages", required_argument, NULL, 'p' },
		{ "other-domid", required_argument, NULL, 'o' },
		{ "variant", required_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct hostile h = {
		.max_inflight = 256, .max_buffers = 64, .max_buffer_pages = 1u << 19,
		.other_domid = -1, .variant = -1,
	};
	unsigned i, which = NR_ATTACKS;
	long iterations = -1;
	int ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'a': h.attack = optarg; break;
		case 'n': iterations = strtol(optarg, NULL, 10); break;
		case 's': h.seconds = strtod(optarg, NULL); break;
		case 'd': h.devid = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'r': h.seed = strtoull(optarg, NULL, 0); break;
		case 'i': h.max_inflight = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'b': h.max_buffers = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'p': h.max_buffer_pages = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'o': h.other_domid = atoi(optarg); break;
		case 'v': h.variant = atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	for (i = 0; h.attack && i < NR_ATTACKS; i++)
		if (!strcmp(h.attack, attacks[i].name))
			which = i;
	if (which == NR_ATTACKS || optind < argc || iterations == 0) {
		usage(stderr);
		return 2;
	}
	h.iterations = iterations > 0 ? (unsigned)iterations : attacks[which].iterations;
	if (!h.seed)
		h.seed = now_ns() ^ (uint64_t)getpid() << 20;
	h.seed |= 1;
	signal(SIGPIPE, SIG_IGN);
	printf("START attack=%s seed=%" PRIu64 "\n", h.attack, h.seed);
	fflush(stdout);
	h.t_start = now_ns();
	attacks[which].fn(&h);
	printf("SUMMARY attack=%s iterations=%u cases=%u failed=%u seconds=%.2f%s\n",
	       h.attack, h.done, h.cases, h.failed,
	       (double)(now_ns() - h.t_start) / 1e9, h.stats);
	if (!h.cases)
		return 3;
	return h.failed ? 1 : 0;
}
