/* SPDX-License-Identifier: MIT */
/*
 * xenbus.c: the frontend half of the xenbus handshake (vgpu-xenstore(7)):
 * wait for the backend's InitWait, share the ring and allocate the event
 * channel, publish them in one transaction, Initialised, wait for the
 * backend's Connected, Connected.  Closing tears down in the reverse order.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <xen/io/xenbus.h>

#include "front_priv.h"
#include "xsnodes.h"

#define WATCH_TOKEN "vgpufront-backend"

void front_set_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

static char *read_node(struct vgpufront *dev, const char *dir, const char *node)
{
	char path[400];
	unsigned int len;

	snprintf(path, sizeof(path), "%s/%s", dir, node);
	return xs_read(dev->xs, XBT_NULL, path, &len);
}

int front_read_state(struct vgpufront *dev, const char *dir)
{
	char *v = read_node(dev, dir, VGPU_XS_STATE);
	int st = v ? atoi(v) : XenbusStateUnknown;

	free(v);
	return st;
}

/*
 * Move our state as Linux's xenbus_switch_state does: read the state node
 * and write it in one transaction, and only while it is there.  After the
 * toolstack removed the device (vgpuctl detach) a plain write would
 * recreate the directory, owned by us, and the devid could not be attached
 * again.  0, -ENODEV (the device is gone) or -errno.
 */
int front_switch_state(struct vgpufront *dev, int state)
{
	char path[200], val[8], *cur;
	unsigned int len;
	int tries, e;

	snprintf(path, sizeof(path), "%s/%s", dev->fe_path, VGPU_XS_STATE);
	snprintf(val, sizeof(val), "%d", state);
	for (tries = 0; tries < 20; tries++) {
		xs_transaction_t t = xs_transaction_start(dev->xs);

		if (t == XBT_NULL)
			return -errno;
		cur = xs_read(dev->xs, t, path, &len);
		if (!cur) {
			e = errno;
			xs_transaction_end(dev->xs, t, true);
			return e == ENOENT ? -ENODEV : -e;
		}
		free(cur);
		if (!xs_write(dev->xs, t, path, val, strlen(val))) {
			e = errno;
			xs_transaction_end(dev->xs, t, true);
			return -e;
		}
		if (xs_transaction_end(dev->xs, t, false))
			return 0;
		if (errno != EAGAIN)
			return -errno;
	}
	return -EAGAIN;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void drain_watches(struct vgpufront *dev)
{
	unsigned int n;
	char **w;

	while ((w = xs_check_watch(dev->xs)))
		free(w);
	(void)n;
}

/* Wait until the backend's state satisfies @want; its state, or -ETIMEDOUT. */
static int wait_backend(struct vgpufront *dev, int (*want)(int), int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;
	int st;

	for (;;) {
		struct pollfd pfd = { .fd = xs_fileno(dev->xs), .events = POLLIN };
		int64_t left;

		drain_watches(dev);
		st = front_read_state(dev, dev->be_path);
		if (want(st))
			return st;
		left = end - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return -errno;
	}
}

static int is_initwait(int st)
{
	return st == XenbusStateInitWait;
}

static int is_connected(int st)
{
	return st == XenbusStateConnected || st >= XenbusStateClosing;
}

static int is_closed(int st)
{
	return st == XenbusStateClosed || st == XenbusStateUnknown ||
	       st == XenbusStateInitWait || st == XenbusStateInitialising;
}

static int publish(struct vgpufront *dev)
{
	unsigned i, npages = 1u << dev->order;
	uint32_t refs[1u << VGPUIF_MAX_RING_PAGE_ORDER];
	char path[300], val[32];
	unsigned int len;
	int tries;

	dev->ring_pages = vgpu_gnt_share(dev->plat, dev->backend_id, npages, 1,
					 refs);
	if (!dev->ring_pages) {
		dev->grant_want = npages;
		return -errno;
	}
	dev->granted = npages;
	SHARED_RING_INIT((vgpuif_sring_t *)dev->ring_pages);
	FRONT_RING_INIT(&dev->front, (vgpuif_sring_t *)dev->ring_pages,
			VGPUIF_PAGE_SIZE << dev->order);
	dev->port = vgpu_evtchn_alloc_unbound(dev->evtchn, dev->backend_id);
	if (dev->port < 0)
		return dev->port;

	for (tries = 0; tries < 20; tries++) {
		xs_transaction_t t = xs_transaction_start(dev->xs);
		bool ok = t != XBT_NULL;
		char *cur;

		/* Never recreate a removed device (see front_switch_state). */
		snprintf(path, sizeof(path), "%s/%s", dev->fe_path, VGPU_XS_STATE);
		cur = ok ? xs_read(dev->xs, t, path, &len) : NULL;
		if (ok && !cur) {
			int e = errno;

			xs_transaction_end(dev->xs, t, true);
			return e == ENOENT ? -ENODEV : -e;
		}
		free(cur);

#define WRITE_NODE(name, ...) do { \
		snprintf(path, sizeof(path), "%s/%s", dev->fe_path, name); \
		snprintf(val, sizeof(val), __VA_ARGS__); \
		ok = ok && xs_write(dev->xs, t, path, val, strlen(val)); \
	} while (0)
		/*
		 * A connection before this one may have used the other form
		 * (ring-ref against ring-page-order + ring-refN): its nodes
		 * must not outlive it, or the backend reads the old ring.
		 */
		for (i = 0; ok && i <= (1u << VGPUIF_MAX_RING_PAGE_ORDER); i++) {
			char name[32];

			if (i == 0)
				snprintf(name, sizeof(name), "%s", dev->order ?
					 VGPU_XS_RING_REF : VGPU_XS_RING_PAGE_ORDER);
			else if (i - 1 < npages && dev->order)
				continue;	/* written below */
			else
				snprintf(name, sizeof(name), VGPU_XS_RING_REF_FMT, i - 1);
			snprintf(path, sizeof(path), "%s/%s", dev->fe_path, name);
			if (!xs_rm(dev->xs, t, path) && errno != ENOENT)
				ok = false;
		}
		if (dev->order == 0) {
			WRITE_NODE(VGPU_XS_RING_REF, "%u", refs[0]);
		} else {
			WRITE_NODE(VGPU_XS_RING_PAGE_ORDER, "%u", dev->order);
			for (i = 0; i < npages; i++) {
				char name[32];

				snprintf(name, sizeof(name), VGPU_XS_RING_REF_FMT, i);
				WRITE_NODE(name, "%u", refs[i]);
			}
		}
		WRITE_NODE(VGPU_XS_EVENT_CHANNEL, "%d", dev->port);
		WRITE_NODE(VGPU_XS_PROTOCOL, "%s", VGPUIF_PROTOCOL_NAME);
		WRITE_NODE(VGPU_XS_STATE, "%d", XenbusStateInitialised);
#undef WRITE_NODE
		if (t == XBT_NULL)
			return -errno;
		if (!ok) {
			int e = errno;

			xs_transaction_end(dev->xs, t, true);
			return -e;
		}
		if (xs_transaction_end(dev->xs, t, false))
			return 0;
		if (errno != EAGAIN)
			return -errno;
	}
	return -EAGAIN;
}

void front_check_backend(struct vgpufront *dev)
{
	int st;

	drain_watches(dev);
	st = front_read_state(dev, dev->be_path);
	if (st != XenbusStateConnected)
		dev->backend_gone = true;
}

/*
 * Find device/vgpu/<devid>; when it is not there, say what is known: the
 * domain has other vgpu devices, or none at all.
 */
static int find_device(struct vgpufront *dev, char *err, size_t errlen)
{
	char *v = read_node(dev, dev->fe_path, VGPU_XS_BACKEND);
	char **ids, list[128] = "";
	unsigned int n, i;
	size_t used = 0;

	if (v) {
		snprintf(dev->be_path, sizeof(dev->be_path), "%s", v);
		free(v);
		v = read_node(dev, dev->fe_path, VGPU_XS_BACKEND_ID);
		dev->backend_id = v ? (uint32_t)strtoul(v, NULL, 10) : 0;
		free(v);
		return 0;
	}
	ids = xs_directory(dev->xs, XBT_NULL, "device/" VGPU_XS_DEVCLASS, &n);
	for (i = 0; ids && i < n && used < sizeof(list) - 16; i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, " %s", ids[i]);
	free(ids);
	if (used)
		front_set_err(err, errlen, "no vgpu device %u: this domain's vgpu devices are:%s "
			      "(vgpufront --device N)", dev->devid, list);
	else
		front_set_err(err, errlen, "no vgpu device %u: no vgpu device is configured for "
			      "this domain (the host adds one from a vgpu= line in the domain's "
			      "config or with vgpuctl attach)", dev->devid);
	return -ENODEV;
}

/* The backend never reached InitWait: say what its directory shows. */
static void explain_no_initwait(struct vgpufront *dev, char *err, size_t errlen)
{
	char *v = read_node(dev, dev->be_path, VGPU_XS_STATE);
	int st = v ? atoi(v) : XenbusStateUnknown;

	if (!v)
		front_set_err(err, errlen, "vgpu device %u: its backend directory %s is gone "
			      "(the device is being removed)", dev->devid, dev->be_path);
	else if (st == XenbusStateClosing || st == XenbusStateClosed)
		front_set_err(err, errlen, "vgpu device %u: the backend (vgpuback in domain %u) "
			      "refused or closed the device (state %d): its log says why",
			      dev->devid, dev->backend_id, st);
	else
		front_set_err(err, errlen, "vgpu device %u: the backend (vgpuback in domain %u) "
			      "did not answer within %d ms (backend state %d): is it running?",
			      dev->devid, dev->backend_id, dev->timeout_ms, st);
	free(v);
}

static int watch_backend(struct vgpufront *dev, char *err, size_t errlen)
{
	char wpath[300];

	snprintf(wpath, sizeof(wpath), "%s/%s", dev->be_path, VGPU_XS_STATE);
	if (xs_watch(dev->xs, wpath, WATCH_TOKEN))
		return 0;
	front_set_err(err, errlen, "cannot watch %s: %s", wpath, strerror(errno));
	return -errno;
}

/* Initialising, the backend's InitWait, the ring published, Connected. */
static int handshake(struct vgpufront *dev, char *err, size_t errlen)
{
	unsigned max_order = 0;
	char *v;
	int st, rc;

	/* A stale connection of ours: say goodbye first, as blkfront does. */
	st = front_read_state(dev, dev->fe_path);
	if (st != XenbusStateInitialising && st != XenbusStateClosed &&
	    st != XenbusStateUnknown) {
		front_switch_state(dev, XenbusStateClosing);
		wait_backend(dev, is_closed, dev->timeout_ms);
	}
	rc = front_switch_state(dev, XenbusStateInitialising);
	if (rc == -ENODEV) {
		front_set_err(err, errlen, "no vgpu device %u: it was removed", dev->devid);
		return rc;
	}
	st = wait_backend(dev, is_initwait, dev->timeout_ms);
	if (st < 0) {
		explain_no_initwait(dev, err, errlen);
		return st;
	}
	v = read_node(dev, dev->be_path, VGPU_XS_FEAT_RING_ORDER);
	if (v)
		max_order = (unsigned)strtoul(v, NULL, 10);
	free(v);
	if (dev->order > max_order)
		dev->order = max_order;
	rc = publish(dev);
	if (rc) {
		char why[400];

		front_set_err(err, errlen, rc == -ENODEV ? "no vgpu device %u: it was removed" :
			      "vgpu device %u: cannot publish the ring: %s", dev->devid,
			      vgpufront_explain(dev, rc, why, sizeof(why)));
		return rc;
	}
	st = wait_backend(dev, is_connected, dev->timeout_ms);
	if (st != XenbusStateConnected) {
		front_set_err(err, errlen, st < 0 ?
			      "vgpu device %u: backend did not connect within %d ms" :
			      "vgpu device %u: backend refused the connection (state %d)",
			      dev->devid, st < 0 ? dev->timeout_ms : st);
		return st < 0 ? st : -ECONNREFUSED;
	}
	rc = front_switch_state(dev, XenbusStateConnected);
	if (rc) {
		front_set_err(err, errlen, "vgpu device %u: %s", dev->devid,
			      rc == -ENODEV ? "it was removed" : strerror(-rc));
		return rc;
	}
	return 0;
}

struct vgpufront *vgpufront_open(unsigned devid,
				 const struct vgpufront_opts *opts,
				 char *err, size_t errlen)
{
	struct vgpufront *dev = calloc(1, sizeof(*dev));
	char *dom;
	unsigned int len;
	struct epoll_event ev = { .events = EPOLLIN };

	if (!dev) {
		front_set_err(err, errlen, "out of memory");
		return NULL;
	}
	dev->devid = devid;
	dev->port = -1;
	dev->pollfd = -1;
	dev->order = opts && opts->ring_page_order <= VGPUIF_MAX_RING_PAGE_ORDER ?
		     opts->ring_page_order : 2;
	dev->timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms : 10000;
	dev->spin_ns = front_spin_ns(opts ? opts->spin_us : 0);
	dev->next_seq = 1;
	dev->next_handle = 1;

	dev->xs = xs_open(0);
	if (!dev->xs) {
		front_set_err(err, errlen, "cannot reach XenStore: %s", strerror(errno));
		goto fail;
	}
	dom = xs_read(dev->xs, XBT_NULL, "domid", &len);
	dev->domid = dom ? (uint32_t)strtoul(dom, NULL, 10) : 0;
	free(dom);
	snprintf(dev->fe_path, sizeof(dev->fe_path), "device/%s/%u",
		 VGPU_XS_DEVCLASS, devid);
	if (find_device(dev, err, errlen))
		goto fail;
	dev->plat = vgpu_platform_open(NULL);
	if (!dev->plat) {
		front_set_err(err, errlen, "cannot open grant/event-channel devices: %s",
			      strerror(errno));
		goto fail;
	}
	dev->evtchn = vgpu_evtchn_open(dev->plat);
	if (!dev->evtchn) {
		front_set_err(err, errlen, "cannot open event channels: %s", strerror(errno));
		goto fail;
	}
	if (watch_backend(dev, err, errlen) || handshake(dev, err, errlen))
		goto fail;
	dev->connected = true;
	dev->stash = calloc(RING_SIZE(&dev->front), sizeof(*dev->stash));
	dev->pollfd = epoll_create1(EPOLL_CLOEXEC);
	if (!dev->stash || dev->pollfd < 0 ||
	    front_shadow_init(dev, RING_SIZE(&dev->front))) {
		front_set_err(err, errlen, "out of memory");
		goto fail;
	}
	ev.data.u32 = 0;
	epoll_ctl(dev->pollfd, EPOLL_CTL_ADD, vgpu_evtchn_fd(dev->evtchn), &ev);
	ev.data.u32 = 1;
	epoll_ctl(dev->pollfd, EPOLL_CTL_ADD, xs_fileno(dev->xs), &ev);
	return dev;
fail:
	vgpufront_close(dev);
	return NULL;
}

void vgpufront_close(struct vgpufront *dev)
{
	if (!dev)
		return;
	/*
	 * Closing, the backend's Closed (not from a backend that is gone or
	 * broke the protocol: it may never answer), Closed; nothing at all
	 * once the toolstack removed the device.
	 */
	if (dev->xs && dev->ring_pages &&
	    front_switch_state(dev, XenbusStateClosing) != -ENODEV) {
		if (!dev->backend_gone && !dev->broken)
			wait_backend(dev, is_closed, dev->timeout_ms);
		front_switch_state(dev, XenbusStateClosed);
	}
	if (dev->evtchn) {
		if (dev->port >= 0)
			vgpu_evtchn_unbind(dev->evtchn, (uint32_t)dev->port);
		vgpu_evtchn_close(dev->evtchn);
	}
	if (dev->ring_pages)
		vgpu_gnt_unshare(dev->plat, dev->ring_pages, 1u << dev->order);
	if (dev->plat)
		vgpu_platform_close(dev->plat);
	if (dev->xs)
		xs_close(dev->xs);
	if (dev->pollfd >= 0)
		close(dev->pollfd);
	free(dev->stash);
	free(dev->shadow);
	free(dev->free_slots);
	free(dev);
}

int vgpufront_fd(struct vgpufront *dev) { return dev->pollfd; }
unsigned vgpufront_ring_size(const struct vgpufront *dev) { return RING_SIZE(&dev->front); }
unsigned vgpufront_inflight(const struct vgpufront *dev) { return dev->inflight; }
bool vgpufront_connected(const struct vgpufront *dev)
{
	return dev->connected && !dev->backend_gone && !dev->broken;
}

const char *vgpufront_fault(const struct vgpufront *dev)
{
	return dev->broken ? dev->fault : NULL;
}
uint32_t vgpufront_domid(const struct vgpufront *dev) { return dev->domid; }
