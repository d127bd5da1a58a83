/* SPDX-License-Identifier: MIT */
/*
 * hostile-common.c: what every attack shares: cases and stats, connections
 * made by libvgpufront, XenStore state polling, raw ring access (hostile.h).
 */
#include "config.h"

#include "hostile.h"

uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s * 0x2545f4914f6cdd1dull;
}

bool out_of_time(const struct hostile *h)
{
	return h->seconds > 0 && (double)(vgpu_now_ns() - h->t_start) / 1e9 > h->seconds;
}

void msleep(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

bool check(struct hostile *h, long long expected, long long got,
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

void stat_add(struct hostile *h, const char *fmt, ...)
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
int wire(int rc)
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

struct vgpufront *dev_open(struct hostile *h, unsigned order)
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

int xs_state(struct xs_handle *xs, const char *dir)
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
int wait_states(struct xs_handle *xs, const char *dir, unsigned mask,
		int timeout_ms)
{
	uint64_t end = vgpu_now_ns() + (uint64_t)timeout_ms * 1000000ull;
	int st;

	for (;;) {
		st = xs_state(xs, dir);
		if ((st >= 0 && st < 32 && (mask & 1u << st)) || vgpu_now_ns() > end)
			return st;
		msleep(5);
	}
}

int wait_state(struct xs_handle *xs, const char *dir, int want, int timeout_ms)
{
	return wait_states(xs, dir, 1u << want, timeout_ms);
}

bool xs_put(struct xs_handle *xs, const char *dir, const char *node,
	    const char *val, size_t len)
{
	char path[400];

	snprintf(path, sizeof(path), "%s/%s", dir, node);
	return xs_write(xs, XBT_NULL, path, val, (unsigned int)len);
}

bool xs_puts(struct xs_handle *xs, const char *dir, const char *node,
	     const char *val)
{
	return xs_put(xs, dir, node, val, strlen(val));
}

/* Tear our side down without waiting for the backend, as a crashing guest would. */
void close_now(struct vgpufront *dev)
{
	dev->backend_gone = true;
	vgpufront_close(dev);
}

struct vgpufront_buf *buf_new(struct vgpufront *dev, unsigned pages,
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
void check_serves(struct hostile *h, struct vgpufront *dev, const char *when)
{
	int64_t a = (int64_t)(h->seed % 100000), sum = 0;
	int rc;

	rc = vgpufront_scalar_add(dev, a, 1000, &sum);
	check(h, VGPU_OK, rc, "%s-add-status", when);
	check(h, a + 1000, rc ? -1 : sum, "%s-add-result", when);
}

/* After an attack, a well-behaved connection to the device is served. */
void check_reconnects(struct hostile *h, const char *label)
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

void raw_push(struct vgpufront *dev, const struct vgpuif_request *req)
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
int raw_take(struct vgpufront *dev, struct vgpuif_response *rsp)
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
int raw_wait(struct vgpufront *dev, int ms)
{
	struct epoll_event ev[2];
	int k = epoll_wait(vgpufront_fd(dev), ev, 2, ms);

	front_handle_wakes(dev, ev, k);
	return dev->backend_gone ? -EPIPE : k;
}

/* ---------------- shared by several attacks ---------------- */

/* How many of @n floats are not @want. */
unsigned count_not(const float *f, size_t n, float want)
{
	unsigned bad = 0;
	size_t i;

	for (i = 0; i < n; i++)
		bad += f[i] != want;
	return bad;
}

/*
 * XenStore, and this device's frontend path and backend path (read from the
 * frontend's "backend" node, as a guest finds it); NULL after a failed check.
 */
struct xs_handle *device_paths(struct hostile *h, char *fe, size_t felen,
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
