/* SPDX-License-Identifier: MIT */
/*
 * transport.c: requests onto the ring, responses off it.  Notifications
 * follow the ring's event indices (RING_PUSH_REQUESTS_AND_CHECK_NOTIFY,
 * RING_FINAL_CHECK_FOR_RESPONSES), so a busy ring costs no notifications.
 * The backend is not trusted: every response is checked against the table
 * of requests outstanding (XSA-403) before anyone sees it.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <xen/io/xenbus.h>

#include "front_priv.h"
#include "vgpu_clock.h"

#define DEFAULT_SPIN_US 200
#define MAX_SPIN_US 100000

static int shadow_init(struct vgpufront *dev, unsigned size)
{
	unsigned i;

	dev->shadow = calloc(size, sizeof(*dev->shadow));
	dev->free_slots = calloc(size, sizeof(*dev->free_slots));
	if (!dev->shadow || !dev->free_slots)
		return -ENOMEM;
	for (i = 0; i < size; i++)
		dev->free_slots[i] = (uint16_t)(size - 1 - i);
	dev->nfree = size;
	return 0;
}

static int watch_fd(struct vgpufront *dev, int fd, enum front_wake kind)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = kind };

	return epoll_ctl(dev->pollfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

int front_transport_init(struct vgpufront *dev)
{
	unsigned size = RING_SIZE(&dev->front);

	dev->stash = calloc(size, sizeof(*dev->stash));
	dev->pollfd = epoll_create1(EPOLL_CLOEXEC);
	if (!dev->stash || dev->pollfd < 0 || shadow_init(dev, size))
		return -ENOMEM;
	watch_fd(dev, vgpu_evtchn_fd(dev->evtchn), FRONT_WAKE_EVTCHN);
	watch_fd(dev, xs_fileno(dev->xs), FRONT_WAKE_XENSTORE);
	return 0;
}

void front_transport_fini(struct vgpufront *dev)
{
	if (dev->pollfd >= 0)
		close(dev->pollfd);
	dev->pollfd = -1;
	free(dev->stash);
	free(dev->shadow);
	free(dev->free_slots);
	dev->stash = NULL;
	dev->shadow = NULL;
	dev->free_slots = NULL;
}

void front_fail(struct vgpufront *dev, const char *fmt, ...)
{
	va_list ap;

	if (dev->broken)
		return;
	dev->broken = true;
	va_start(ap, fmt);
	vsnprintf(dev->fault, sizeof(dev->fault), fmt, ap);
	va_end(ap);
	fprintf(stderr, "libvgpufront: vgpu device %u: the backend broke the protocol "
		"(%s): device failed\n", dev->devid, dev->fault);
	/* As xenbus_dev_fatal: tell the backend we are going. */
	front_switch_state(dev, XenbusStateClosing);
}

/*
 * The response's id must be a request of ours still outstanding: take it
 * off the table.  A backend that answers twice, or what was never asked,
 * is not trusted any further (XSA-403).
 */
static bool shadow_take(struct vgpufront *dev, uint64_t id)
{
	uint64_t slot = id & ((1u << FRONT_ID_SLOT_BITS) - 1);

	/* A free slot holds 0: an id of 0 must not match it. */
	if (slot >= RING_SIZE(&dev->front) || !dev->shadow[slot] ||
	    dev->shadow[slot] != id)
		return false;
	dev->shadow[slot] = 0;
	dev->free_slots[dev->nfree++] = (uint16_t)slot;
	dev->inflight--;
	return true;
}

int vgpufront_submit(struct vgpufront *dev, struct vgpuif_request *req)
{
	struct vgpuif_request *slot;
	unsigned s;
	int notify;

	if (dev->kdev)
		return front_kdev_submit(dev, req);
	if (dev->broken)
		return -EPROTO;
	if (!vgpufront_connected(dev))
		return -EPIPE;
	if (RING_FULL(&dev->front) || !dev->nfree)
		return -EAGAIN;
	s = dev->free_slots[--dev->nfree];
	req->id = dev->next_seq++ << FRONT_ID_SLOT_BITS | s;
	dev->shadow[s] = req->id;
	slot = RING_GET_REQUEST(&dev->front, dev->front.req_prod_pvt);
	memcpy(slot, req, sizeof(*slot));
	dev->front.req_prod_pvt++;
	dev->inflight++;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&dev->front, notify);
	if (notify)
		vgpu_evtchn_notify(dev->evtchn, (uint32_t)dev->port);
	return 0;
}

/*
 * Take what the ring holds (and, with @stash, what sync calls kept aside
 * first); re-arm the event index when the ring is empty.  Each response is
 * copied out once and only the copy is checked and handed on.
 */
static unsigned consume(struct vgpufront *dev, struct vgpuif_response *rsps,
			unsigned max, bool stash)
{
	unsigned n = 0;
	int more;

	while (stash && n < max && dev->nstash)
		rsps[n++] = dev->stash[--dev->nstash];
	if (dev->broken)
		return n;
	do {
		RING_IDX prod = dev->front.sring->rsp_prod, i;

		xen_rmb();
		if (RING_RESPONSE_PROD_OVERFLOW(&dev->front, prod)) {
			front_fail(dev, "response producer %u is %u past the consumer, "
				   "the ring holds %u", prod, prod - dev->front.rsp_cons,
				   RING_SIZE(&dev->front));
			return n;
		}
		for (i = dev->front.rsp_cons; i != prod && n < max; i++) {
			RING_COPY_RESPONSE(&dev->front, i, &rsps[n]);
			if (!shadow_take(dev, rsps[n].id)) {
				dev->front.rsp_cons = i + 1;
				front_fail(dev, "a response to id %#" PRIx64 ", which is not "
					   "a request outstanding", rsps[n].id);
				return n;
			}
			n++;
		}
		dev->front.rsp_cons = i;
		if (n == max)
			break;
		RING_FINAL_CHECK_FOR_RESPONSES(&dev->front, more);
	} while (more);
	return n;
}

uint64_t front_spin_ns(int spin_us)
{
	const char *env;

	if (spin_us < 0)
		return 0;
	if (!spin_us) {
		env = getenv("VGPUFRONT_SPIN_US");
		spin_us = env && *env ? atoi(env) : DEFAULT_SPIN_US;
		if (spin_us < 0)
			return 0;
	}
	if (spin_us > MAX_SPIN_US)
		spin_us = MAX_SPIN_US;
	return (uint64_t)spin_us * 1000;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/*
 * Watch the ring for a response for up to spin_ns before the caller sleeps:
 * true when one is there.  Only the shared index is read; consume() takes
 * the response with the usual barriers.
 */
static bool spin_for_response(struct vgpufront *dev)
{
	uint64_t end;
	unsigned i = 0;

	if (!dev->spin_ns || !dev->inflight)
		return false;
	end = vgpu_now_ns() + dev->spin_ns;
	for (;;) {
		if (__atomic_load_n(&dev->front.sring->rsp_prod, __ATOMIC_ACQUIRE) !=
		    dev->front.rsp_cons)
			return true;
		if (++i % 16 == 0 && vgpu_now_ns() >= end)
			return false;
		cpu_relax();
	}
}

void front_handle_wakes(struct vgpufront *dev, const struct epoll_event *ev, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		switch ((enum front_wake)ev[i].data.u32) {
		case FRONT_WAKE_XENSTORE:
			front_check_backend(dev);
			break;
		case FRONT_WAKE_EVTCHN:
			vgpu_evtchn_drain(dev->evtchn, 1);
			break;
		}
	}
}

/*
 * A sync call waits for its own response on the ring only: the stash holds
 * others' responses, which it would take and put back forever.
 */
static int poll_responses(struct vgpufront *dev, struct vgpuif_response *rsps,
			  unsigned max, int timeout_ms, bool stash)
{
	int64_t end = timeout_ms < 0 ? 0 : vgpu_now_ms() + timeout_ms;
	unsigned n;

	for (;;) {
		struct epoll_event ev[2];
		int k, wait;

		n = consume(dev, rsps, max, stash);
		if (n)
			return (int)n;
		if (dev->broken)
			return -EPROTO;
		if (dev->backend_gone || !dev->connected)
			return -EPIPE;
		wait = timeout_ms < 0 ? -1 : (int)(end - vgpu_now_ms());
		if (timeout_ms >= 0 && wait <= 0)
			return 0;
		if (spin_for_response(dev))
			continue;
		k = epoll_wait(dev->pollfd, ev, 2, wait);
		if (k < 0 && errno != EINTR)
			return -errno;
		front_handle_wakes(dev, ev, k);
	}
}

int vgpufront_poll(struct vgpufront *dev, struct vgpuif_response *rsps,
		   unsigned max, int timeout_ms)
{
	if (dev->kdev)
		return front_kdev_poll(dev, rsps, max, timeout_ms);
	return poll_responses(dev, rsps, max, timeout_ms, true);
}

/* Submit @req; while others' requests fill the ring, stash a response. */
static int submit_making_room(struct vgpufront *dev, struct vgpuif_request *req,
			      int64_t end)
{
	int rc;

	for (;;) {
		rc = vgpufront_submit(dev, req);
		if (rc != -EAGAIN)
			return rc;
		if (dev->nstash >= RING_SIZE(&dev->front))
			return -ENOBUFS;
		rc = poll_responses(dev, &dev->stash[dev->nstash], 1, 100, false);
		if (rc < 0)
			return rc;
		dev->nstash += (unsigned)rc;
		if (vgpu_now_ms() > end)
			return -ETIMEDOUT;
	}
}

int vgpufront_call(struct vgpufront *dev, struct vgpuif_request *req,
		   struct vgpuif_response *rsp)
{
	int64_t end;
	int rc;

	if (dev->kdev)
		return front_kdev_call(dev, req, rsp);
	end = vgpu_now_ms() + dev->timeout_ms;
	rc = submit_making_room(dev, req, end);
	if (rc)
		return rc;
	for (;;) {
		struct vgpuif_response r;
		int left = (int)(end - vgpu_now_ms());

		if (left <= 0)
			return -ETIMEDOUT;
		rc = poll_responses(dev, &r, 1, left, false);
		if (rc < 0)
			return rc;
		if (rc == 0)
			continue;
		if (r.id == req->id) {
			*rsp = r;
			return vgpufront_status(r.status);
		}
		if (dev->nstash < RING_SIZE(&dev->front))
			dev->stash[dev->nstash++] = r;
	}
}

int vgpufront_fd(struct vgpufront *dev)
{
	return dev->kdev ? front_kdev_fd(dev) : dev->pollfd;
}

unsigned vgpufront_ring_size(const struct vgpufront *dev)
{
	return dev->kdev ? front_kdev_ring_size(dev) : RING_SIZE(&dev->front);
}

unsigned vgpufront_inflight(const struct vgpufront *dev)
{
	return dev->kdev ? front_kdev_inflight(dev) : dev->inflight;
}

bool vgpufront_connected(const struct vgpufront *dev)
{
	if (dev->kdev)
		return front_kdev_connected(dev);
	return dev->connected && !dev->backend_gone && !dev->broken;
}

const char *vgpufront_fault(const struct vgpufront *dev)
{
	return dev->broken ? dev->fault : NULL;
}
