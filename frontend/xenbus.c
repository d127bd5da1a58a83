/* SPDX-License-Identifier: MIT */
/*
 * xenbus.c: the frontend half of the xenbus handshake (vgpu-xenstore(7)):
 * find the device, wait for the backend's InitWait, share the ring and
 * allocate the event channel, publish them in one transaction, Initialised,
 * wait for the backend's Connected, Connected.  Closing tears down in the
 * reverse order.  The transport takes over once Connected.
 *
 * vgpufront_open() takes the kernel path first ($VGPUFRONT_PATH auto or
 * kernel): where the guest kernel driver's /dev/vgpuN opens, it does all of
 * the above and this file only hands the handle to kdev.c.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/io/xenbus.h>

#include "front_priv.h"
#include "vgpu_clock.h"
#include "vgpu_xs.h"
#include "xsnodes.h"

#define WATCH_TOKEN "vgpufront-backend"
#define DEFAULT_RING_ORDER 2
#define DEFAULT_TIMEOUT_MS 10000

static void set_err(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/* The errno of a failed call (after set_err() said why) as a failure. */
static int fail_errno(int e)
{
	return e ? -e : -EIO;
}

/* Wait until the backend's state satisfies @want; its state, or -ETIMEDOUT. */
static int wait_backend(struct vgpufront *dev, int (*want)(int), int timeout_ms)
{
	int64_t end = vgpu_now_ms() + timeout_ms;
	int st;

	for (;;) {
		struct pollfd pfd = { .fd = xs_fileno(dev->xs), .events = POLLIN };
		int64_t left;

		front_drain_watches(dev);
		st = front_read_state(dev, dev->be_path);
		if (want(st))
			return st;
		left = end - vgpu_now_ms();
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

/* Grant the ring's pages and allocate its event channel. */
static int share_ring(struct vgpufront *dev, uint32_t *refs)
{
	dev->ring_pages = front_share(dev, 1u << dev->order, 1, refs);
	if (!dev->ring_pages)
		return -errno;
	SHARED_RING_INIT((vgpuif_sring_t *)dev->ring_pages);
	FRONT_RING_INIT(&dev->front, (vgpuif_sring_t *)dev->ring_pages,
			VGPUIF_PAGE_SIZE << dev->order);
	dev->port = vgpu_evtchn_alloc_unbound(dev->evtchn, dev->backend_id);
	return dev->port < 0 ? dev->port : 0;
}

struct publish_args {
	struct vgpufront *dev;
	const uint32_t *refs;
};

/*
 * A connection before this one may have used the other form (ring-ref
 * against ring-page-order + ring-refN): its nodes must not outlive it, or
 * the backend reads the old ring.
 */
static int remove_stale_refs(struct vgpufront *dev, xs_transaction_t t)
{
	unsigned i, npages = 1u << dev->order;
	char path[300];

	for (i = 0; i <= (1u << VGPUIF_MAX_RING_PAGE_ORDER); i++) {
		int n;

		if (i == 0)
			n = snprintf(path, sizeof(path), "%s/%s", dev->fe_path, dev->order ?
				     VGPU_XS_RING_REF : VGPU_XS_RING_PAGE_ORDER);
		else if (i - 1 < npages && dev->order)
			continue;	/* written next */
		else
			n = snprintf(path, sizeof(path), "%s/" VGPU_XS_RING_REF_FMT,
				     dev->fe_path, i - 1);
		if (n < 0 || (size_t)n >= sizeof(path))
			return -ENAMETOOLONG;
		if (!xs_rm(dev->xs, t, path) && errno != ENOENT)
			return -errno;
	}
	return 0;
}

static int write_ring_refs(struct vgpufront *dev, xs_transaction_t t,
			   const uint32_t *refs)
{
	unsigned i;
	int rc;

	if (dev->order == 0)
		return vgpu_xs_printf(dev->xs, t, dev->fe_path, VGPU_XS_RING_REF,
				      "%u", refs[0]);
	rc = vgpu_xs_printf(dev->xs, t, dev->fe_path, VGPU_XS_RING_PAGE_ORDER,
			    "%u", dev->order);
	for (i = 0; !rc && i < 1u << dev->order; i++) {
		char name[32];

		snprintf(name, sizeof(name), VGPU_XS_RING_REF_FMT, i);
		rc = vgpu_xs_printf(dev->xs, t, dev->fe_path, name, "%u", refs[i]);
	}
	return rc;
}

static int publish_tx(struct xs_handle *xs, xs_transaction_t t, void *arg)
{
	const struct publish_args *a = arg;
	struct vgpufront *dev = a->dev;
	char *cur = vgpu_xs_read(xs, t, dev->fe_path, VGPU_XS_STATE);
	int rc;

	/* Never recreate a removed device (see front_switch_state). */
	if (!cur)
		return errno == ENOENT ? -ENODEV : -errno;
	free(cur);
	rc = remove_stale_refs(dev, t);
	if (!rc)
		rc = write_ring_refs(dev, t, a->refs);
	if (!rc)
		rc = vgpu_xs_printf(xs, t, dev->fe_path, VGPU_XS_EVENT_CHANNEL, "%d",
				    dev->port);
	if (!rc)
		rc = vgpu_xs_printf(xs, t, dev->fe_path, VGPU_XS_PROTOCOL, "%s",
				    VGPUIF_PROTOCOL_NAME);
	if (!rc)
		rc = vgpu_xs_printf(xs, t, dev->fe_path, VGPU_XS_STATE, "%d",
				    XenbusStateInitialised);
	return rc;
}

/* The ring and its event channel, published with Initialised at once. */
static int publish(struct vgpufront *dev)
{
	uint32_t refs[1u << VGPUIF_MAX_RING_PAGE_ORDER];
	struct publish_args a = { dev, refs };
	int rc = share_ring(dev, refs);

	if (rc)
		return rc;
	return vgpu_xs_transact(dev->xs, publish_tx, &a);
}

/*
 * Find device/vgpu/<devid>; when it is not there, say what is known: the
 * domain has other vgpu devices, or none at all.
 */
static int find_device(struct vgpufront *dev, char *err, size_t errlen)
{
	char *v = vgpu_xs_read(dev->xs, XBT_NULL, dev->fe_path, VGPU_XS_BACKEND);
	char **ids, list[128] = "";
	unsigned int n, i;
	size_t used = 0;

	if (v) {
		snprintf(dev->be_path, sizeof(dev->be_path), "%s", v);
		free(v);
		v = vgpu_xs_read(dev->xs, XBT_NULL, dev->fe_path, VGPU_XS_BACKEND_ID);
		dev->backend_id = v ? (uint32_t)strtoul(v, NULL, 10) : 0;
		free(v);
		return 0;
	}
	ids = xs_directory(dev->xs, XBT_NULL, "device/" VGPU_XS_DEVCLASS, &n);
	for (i = 0; ids && i < n && used < sizeof(list) - 16; i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, " %s", ids[i]);
	free(ids);
	if (used)
		set_err(err, errlen, "no vgpu device %u: this domain's vgpu devices are:%s "
			"(vgpufront --device N)", dev->devid, list);
	else
		set_err(err, errlen, "no vgpu device %u: no vgpu device is configured for "
			"this domain (the host adds one from a vgpu= line in the domain's "
			"config or with vgpuctl attach)", dev->devid);
	return -ENODEV;
}

/* The backend never reached InitWait: say what its directory shows. */
static void explain_no_initwait(struct vgpufront *dev, char *err, size_t errlen)
{
	int st = vgpu_xs_read_state(dev->xs, XBT_NULL, dev->be_path);

	if (st == -EINVAL)
		st = XenbusStateUnknown;	/* garbage: as front_read_state */
	if (st < 0)
		set_err(err, errlen, "vgpu device %u: its backend directory %s is gone "
			"(the device is being removed)", dev->devid, dev->be_path);
	else if (st == XenbusStateClosing || st == XenbusStateClosed)
		set_err(err, errlen, "vgpu device %u: the backend (vgpuback in domain %u) "
			"refused or closed the device (state %d): its log says why",
			dev->devid, dev->backend_id, st);
	else
		set_err(err, errlen, "vgpu device %u: the backend (vgpuback in domain %u) "
			"did not answer within %d ms (backend state %d): is it running?",
			dev->devid, dev->backend_id, dev->timeout_ms, st);
}

static int watch_backend(struct vgpufront *dev, char *err, size_t errlen)
{
	char wpath[300];
	int e;

	snprintf(wpath, sizeof(wpath), "%s/%s", dev->be_path, VGPU_XS_STATE);
	if (xs_watch(dev->xs, wpath, WATCH_TOKEN))
		return 0;
	e = errno;
	set_err(err, errlen, "cannot watch %s: %s", wpath, strerror(e));
	return fail_errno(e);
}

/* The ring order we asked for, capped by what the backend offers. */
static void cap_ring_order(struct vgpufront *dev)
{
	char *v = vgpu_xs_read(dev->xs, XBT_NULL, dev->be_path,
			       VGPU_XS_FEAT_RING_ORDER);
	unsigned max_order = v ? (unsigned)strtoul(v, NULL, 10) : 0;

	free(v);
	if (dev->order > max_order)
		dev->order = max_order;
	/* Read once here: the v2 calls check it before each request (mem.c). */
	dev->protocol = front_read_protocol(dev);
}

/* Initialising (after a goodbye to a stale connection), the backend's InitWait. */
static int handshake_initwait(struct vgpufront *dev, char *err, size_t errlen)
{
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
		set_err(err, errlen, "no vgpu device %u: it was removed", dev->devid);
		return rc;
	}
	st = wait_backend(dev, is_initwait, dev->timeout_ms);
	if (st < 0) {
		explain_no_initwait(dev, err, errlen);
		return st;
	}
	return 0;
}

/* The ring published, the backend's Connected, Connected. */
static int handshake_connect(struct vgpufront *dev, char *err, size_t errlen)
{
	int st, rc;

	cap_ring_order(dev);
	rc = publish(dev);
	if (rc) {
		char why[400];

		set_err(err, errlen, rc == -ENODEV ? "no vgpu device %u: it was removed" :
			"vgpu device %u: cannot publish the ring: %s", dev->devid,
			vgpufront_explain(dev, rc, why, sizeof(why)));
		return rc;
	}
	st = wait_backend(dev, is_connected, dev->timeout_ms);
	if (st != XenbusStateConnected) {
		set_err(err, errlen, st < 0 ?
			"vgpu device %u: backend did not connect within %d ms" :
			"vgpu device %u: backend refused the connection (state %d)",
			dev->devid, st < 0 ? dev->timeout_ms : st);
		return st < 0 ? st : -ECONNREFUSED;
	}
	rc = front_switch_state(dev, XenbusStateConnected);
	if (rc) {
		set_err(err, errlen, "vgpu device %u: %s", dev->devid,
			rc == -ENODEV ? "it was removed" : strerror(-rc));
		return rc;
	}
	return 0;
}

static struct vgpufront *dev_alloc(unsigned devid, const struct vgpufront_opts *opts)
{
	struct vgpufront *dev = calloc(1, sizeof(*dev));

	if (!dev)
		return NULL;
	dev->devid = devid;
	dev->port = -1;
	dev->pollfd = -1;
	dev->order = opts && opts->ring_page_order <= VGPUIF_MAX_RING_PAGE_ORDER ?
		     opts->ring_page_order : DEFAULT_RING_ORDER;
	dev->timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms :
			  DEFAULT_TIMEOUT_MS;
	dev->spin_ns = front_spin_ns(opts ? opts->spin_us : 0);
	dev->next_seq = 1;
	dev->next_handle = 1;
	snprintf(dev->fe_path, sizeof(dev->fe_path), "device/%s/%u",
		 VGPU_XS_DEVCLASS, devid);
	return dev;
}

/* XenStore, our domid, the device's nodes. */
static int open_xenstore(struct vgpufront *dev, char *err, size_t errlen)
{
	unsigned int len;
	char *dom;
	int e;

	dev->xs = xs_open(0);
	if (!dev->xs) {
		e = errno;
		set_err(err, errlen, "cannot reach XenStore: %s", strerror(e));
		return fail_errno(e);
	}
	dom = xs_read(dev->xs, XBT_NULL, "domid", &len);
	dev->domid = dom ? (uint32_t)strtoul(dom, NULL, 10) : 0;
	free(dom);
	return find_device(dev, err, errlen);
}

/* Grants and event channels. */
static int open_platform(struct vgpufront *dev, char *err, size_t errlen)
{
	int e;

	dev->plat = vgpu_platform_open(NULL);
	if (!dev->plat) {
		e = errno;
		set_err(err, errlen, "cannot open grant/event-channel devices: %s",
			strerror(e));
		return fail_errno(e);
	}
	dev->evtchn = vgpu_evtchn_open(dev->plat);
	if (!dev->evtchn) {
		e = errno;
		set_err(err, errlen, "cannot open event channels: %s", strerror(e));
		return fail_errno(e);
	}
	return 0;
}

/* The user-space path: XenStore, grants and event channels of our own. */
static int open_user(struct vgpufront *dev, char *err, size_t errlen)
{
	if (open_xenstore(dev, err, errlen) || open_platform(dev, err, errlen) ||
	    watch_backend(dev, err, errlen) ||
	    handshake_initwait(dev, err, errlen) ||
	    handshake_connect(dev, err, errlen))
		return -1;
	dev->connected = true;
	if (front_transport_init(dev)) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * The kernel path when $VGPUFRONT_PATH allows it and the driver's node
 * opens: 0 taken, 1 go on to user space (@why: why not, "" when there is
 * no node at all), -1 failed (@err says why).
 */
static int open_kernel(struct vgpufront *dev, int mode, char *why, size_t whylen,
		       char *err, size_t errlen)
{
	int rc;

	if (mode < 0) {
		set_err(err, errlen, "VGPUFRONT_PATH=%s: not auto, kernel or user",
			getenv("VGPUFRONT_PATH"));
		return -1;
	}
	rc = mode == FRONT_PATH_USER ? -ENOENT : front_kdev_open(dev, why, whylen);
	if (!rc)
		return 0;
	if (mode == FRONT_PATH_KERNEL) {
		set_err(err, errlen, "VGPUFRONT_PATH=kernel: %s", why);
		return -1;
	}
	/* Our handshake would take the device from under the driver. */
	if (front_kdev_bound(dev->devid)) {
		set_err(err, errlen, "the guest kernel driver xen-vgpufront holds vgpu "
			"device %u, so the user-space path may not%s%s (unbind it "
			"first: vgpu(4))", dev->devid, why[0] ? ": " : "", why);
		return -1;
	}
	if (rc == -ENOENT)
		why[0] = 0;
	return 1;
}

struct vgpufront *vgpufront_open(unsigned devid,
				 const struct vgpufront_opts *opts,
				 char *err, size_t errlen)
{
	struct vgpufront *dev = dev_alloc(devid, opts);
	char why[300] = "";
	size_t used;
	int rc;

	if (!dev) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	rc = open_kernel(dev, front_path_mode(), why, sizeof(why), err, errlen);
	if (rc == 0)
		return dev;
	if (rc > 0 && !open_user(dev, err, errlen))
		return dev;
	/* The driver's node was there and did not open: say that too. */
	if (rc > 0 && why[0] && err && errlen && (used = strlen(err)) < errlen - 1)
		snprintf(err + used, errlen - used, " (and %s)", why);
	vgpufront_close(dev);
	return NULL;
}

int vgpufront_path(const struct vgpufront *dev, char *node, size_t len)
{
	if (!dev)
		return -EINVAL;
	if (node && len)
		snprintf(node, len, "%s", dev->kdev ? front_kdev_node(dev) : "");
	return dev->kdev ? VGPUFRONT_PATH_KERNEL : VGPUFRONT_PATH_USER;
}

void vgpufront_close(struct vgpufront *dev)
{
	if (!dev)
		return;
	front_kdev_close(dev);
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
	front_transport_fini(dev);
	free(dev);
}

uint32_t vgpufront_domid(const struct vgpufront *dev) { return dev->domid; }

/*
 * One node of the backend's directory, such as the pool and the priority
 * the toolstack gave this device.  A plain name only: the guest reads its
 * own device's directory, nothing beside it.
 */
int vgpufront_backend_node(const struct vgpufront *dev, const char *node,
			   char *buf, size_t len)
{
	char *v;
	int rc = 0;

	if (!dev || !node || !node[0] || strchr(node, '/') || !buf || !len)
		return -EINVAL;
	if (dev->kdev) {
		rc = front_kdev_backend_node(dev, node, buf, len);
		if (rc <= 0)
			return rc;
		rc = 0;
		if (!dev->xs)
			return -EACCES;	/* the rest is XenStore's, closed to this user */
	}
	if (!dev->xs || !dev->be_path[0])
		return -ENODEV;
	v = vgpu_xs_read(dev->xs, XBT_NULL, dev->be_path, node);
	if (!v)
		return errno ? -errno : -ENOENT;
	if (strlen(v) >= len)
		rc = -ENAMETOOLONG;
	else
		memcpy(buf, v, strlen(v) + 1);
	free(v);
	return rc;
}
