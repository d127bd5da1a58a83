/* SPDX-License-Identifier: MIT */
/*
 * devices.c: the backend half of the xenbus handshake, after blkback and
 * netback.  vgpuback watches what each device needs and nothing else
 * (storms.h): the backend root, which only dom0 writes (new and removed
 * devices, online and state written by the toolstack), each device's
 * frontend state node, and @releaseDomain.  Each event steps the one device
 * it names:
 *
 *   new device            -> features, InitWait (or Closed if the toolstack
 *                            nodes are bad)
 *   InitWait + frontend Initialised -> map ring, bind port, Connected
 *   Connected + frontend Closing/Closed/gone, or its channel closed
 *                         -> drop its work, unmap, unbind, Closed
 *   online 0 (toolstack detach) -> Closing while the frontend is connected,
 *                            Closed (resources freed) once it is not
 *   Closed + frontend Initialising (and online) -> InitWait again
 *   backend directory removed       -> freed
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <syslog.h>
#include <unistd.h>

#include <xen/io/xenbus.h>

#include "request.h"
#include "vgpu_names.h"
#include "vgpuback.h"
#include "xsnodes.h"

#define BE_ROOT VGPU_BE_ROOT

static char *xread(struct vgpuback *bk, const char *dir, const char *node)
{
	char path[400];
	unsigned int len;

	snprintf(path, sizeof(path), "%s/%s", dir, node);
	return xs_read(bk->xs, XBT_NULL, path, &len);
}

/*
 * Write @path only while @dir exists, as Linux's xenbus_switch_state does:
 * a device the toolstack removed must not come back as a lone node.
 */
static int xwrite_present(struct xs_handle *xs, const char *dir,
			  const char *path, const char *val)
{
	int tries;

	for (tries = 0; tries < 8; tries++) {
		xs_transaction_t t = xs_transaction_start(xs);
		unsigned int len;
		char *d;

		if (t == XBT_NULL)
			return -1;
		d = xs_read(xs, t, dir, &len);
		if (!d) {
			xs_transaction_end(xs, t, true);
			errno = ENOENT;
			return -1;
		}
		free(d);
		if (!xs_write(xs, t, path, val, strlen(val))) {
			int e = errno;

			xs_transaction_end(xs, t, true);
			errno = e;
			return -1;
		}
		if (xs_transaction_end(xs, t, false))
			return 0;
		if (errno != EAGAIN)
			return -1;
	}
	return -1;
}

static void xwrite(struct vgpuback *bk, const char *dir, const char *node,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void xwrite(struct vgpuback *bk, const char *dir, const char *node,
		   const char *fmt, ...)
{
	char path[400], val[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s", dir, node);
	if (xwrite_present(bk->xs, dir, path, val) < 0 && errno != ENOENT)
		vlog(LOG_WARNING, "cannot write %s: %s", path, strerror(errno));
}

static void set_state(struct vgpu_dev *dev, int state)
{
	if (dev->state == state)
		return;
	vlog(LOG_DEBUG, "vgpu %u/%u: state %d -> %d", dev->domid, dev->devid,
	     dev->state, state);
	dev->state = state;
	xwrite(dev->bk, dev->be_path, VGPU_XS_STATE, "%d", state);
}

/* How long a frontend that did work may stay quiet before we look at it. */
#define WATCH_MS 200

/*
 * The event channel and the watch timer wake the loop as one device: a tick
 * of the timer is handled as a wake with no work, which looks at the peer.
 */
static int ep_add_fd(struct vgpu_dev *dev, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &dev->item };

	return epoll_ctl(dev->bk->epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* The storm timer shares the item: a tick is a wake that ends the spell. */
static int ep_add_dev(struct vgpu_dev *dev)
{
	int efd = vgpu_evtchn_fd(dev->evtchn);

	dev->item.kind = EP_DEV;
	dev->item.ptr = dev;
	if (ep_add_fd(dev, efd))
		return -1;
	if (ep_add_fd(dev, dev->watch_fd))
		goto fail_evtchn;
	if (ep_add_fd(dev, dev->throttle_fd))
		goto fail_watch;
	return 0;
fail_watch:
	epoll_ctl(dev->bk->epfd, EPOLL_CTL_DEL, dev->watch_fd, NULL);
fail_evtchn:
	epoll_ctl(dev->bk->epfd, EPOLL_CTL_DEL, efd, NULL);
	return -1;
}

static void timer_close(struct vgpu_dev *dev, int *fd)
{
	if (*fd < 0)
		return;
	epoll_ctl(dev->bk->epfd, EPOLL_CTL_DEL, *fd, NULL);
	close(*fd);
	*fd = -1;
}

static void watch_close(struct vgpu_dev *dev)
{
	timer_close(dev, &dev->watch_fd);
	timer_close(dev, &dev->throttle_fd);
	dev->watch_armed = false;
	dev->throttled = false;
}

static int connect_dev(struct vgpu_dev *dev)
{
	struct vgpuback *bk = dev->bk;
	char *order = xread(bk, dev->fe_path, VGPU_XS_RING_PAGE_ORDER);
	char *port = xread(bk, dev->fe_path, VGPU_XS_EVENT_CHANNEL);
	char *proto = xread(bk, dev->fe_path, VGPU_XS_PROTOCOL);
	char *refs[1u << VGPUIF_MAX_RING_PAGE_ORDER] = { NULL };
	uint32_t grefs[1u << VGPUIF_MAX_RING_PAGE_ORDER], rport;
	unsigned i, n = 1, pages;
	int rc;

	if (order) {
		n = 1u << VGPUIF_MAX_RING_PAGE_ORDER;
		for (i = 0; i < n; i++) {
			char name[32];

			snprintf(name, sizeof(name), VGPU_XS_RING_REF_FMT, i);
			refs[i] = xread(bk, dev->fe_path, name);
		}
	} else {
		refs[0] = xread(bk, dev->fe_path, VGPU_XS_RING_REF);
	}
	rc = vgpu_parse_frontend_nodes(order, (const char *const *)refs, n, port,
				       proto, bk->cfg.max_ring_order, grefs,
				       &pages, &rport);
	for (i = 0; i < n; i++)
		free(refs[i]);
	free(order);
	free(port);
	free(proto);
	if (rc) {
		vlog(LOG_ERR, "vgpu %u/%u: frontend published bad ring nodes (%s)",
		     dev->domid, dev->devid, strerror(-rc));
		return rc;
	}
	dev->ring_addr = vgpu_gnt_map(bk->plat, dev->domid, pages, grefs, 1);
	if (!dev->ring_addr) {
		rc = -errno;
		vlog(LOG_ERR, "vgpu %u/%u: cannot map the ring: %s", dev->domid,
		     dev->devid, strerror(errno));
		return rc;
	}
	dev->ring_pages = pages;
	bk->live_mappings++;
	BACK_RING_INIT(&dev->ring, (vgpuif_sring_t *)dev->ring_addr,
		       VGPUIF_PAGE_SIZE * pages);
	dev->evtchn = vgpu_evtchn_open(bk->plat);
	if (!dev->evtchn) {
		rc = -errno;
		goto fail;
	}
	dev->port = vgpu_evtchn_bind(dev->evtchn, dev->domid, rport);
	if (dev->port < 0) {
		rc = dev->port;
		vlog(LOG_ERR, "vgpu %u/%u: cannot bind event channel %u: %s",
		     dev->domid, dev->devid, rport, strerror(-rc));
		goto fail;
	}
	dev->watch_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	dev->throttle_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (dev->watch_fd < 0 || dev->throttle_fd < 0 || ep_add_dev(dev)) {
		rc = -errno;
		goto fail;
	}
	dev->throttled = false;
	dev->storm.run = 0;
	dev->storm.prod_seen = dev->ring.sring->req_prod;
	dev->connected = true;
	dev->broken = false;
	dev->inflight = 0;
	vlog(LOG_INFO, "vgpu %u/%u: connected (pool %s, priority %s, %u-slot ring)",
	     dev->domid, dev->devid, bk->cfg.exec.pools[dev->pool],
	     vgpu_prio_name(dev->prio), RING_SIZE(&dev->ring));
	return 0;
fail:
	if (dev->watch_fd >= 0) {
		close(dev->watch_fd);
		dev->watch_fd = -1;
	}
	if (dev->throttle_fd >= 0) {
		close(dev->throttle_fd);
		dev->throttle_fd = -1;
	}
	if (dev->evtchn) {
		vgpu_evtchn_close(dev->evtchn);
		dev->evtchn = NULL;
	}
	vgpu_gnt_unmap(bk->plat, dev->ring_addr, dev->ring_pages);
	bk->live_mappings--;
	dev->ring_addr = NULL;
	return rc;
}

static void disconnect_dev(struct vgpu_dev *dev, const char *why)
{
	struct vgpuback *bk = dev->bk;

	if (!dev->connected)
		return;
	vlog(LOG_INFO, "vgpu %u/%u: disconnecting: %s", dev->domid, dev->devid, why);
	dev->connected = false;
	dev->gen++;
	device_drop_work(dev);
	watch_close(dev);
	epoll_ctl(bk->epfd, EPOLL_CTL_DEL, vgpu_evtchn_fd(dev->evtchn), NULL);
	vgpu_evtchn_close(dev->evtchn);
	dev->evtchn = NULL;
	vgpu_gnt_unmap(bk->plat, dev->ring_addr, dev->ring_pages);
	bk->live_mappings--;
	dev->ring_addr = NULL;
}

/* Called for a device the frontend broke (ring overflow, dead channel). */
/* A frontend that broke the ring protocol loses its connection. */
void device_fail(struct vgpu_dev *dev, const char *why)
{
	disconnect_dev(dev, why);
	set_state(dev, XenbusStateClosed);
}

/*
 * Leave the port masked for @ms: its channel leaves the loop and the storm
 * timer brings it back.  -1 if that cannot be done (then it is unmasked).
 */
static int throttle_start(struct vgpu_dev *dev, unsigned ms)
{
	struct itimerspec its = {
		.it_value = { ms / 1000, (long)(ms % 1000) * 1000000L },
	};

	if (timerfd_settime(dev->throttle_fd, 0, &its, NULL))
		return -1;
	epoll_ctl(dev->bk->epfd, EPOLL_CTL_DEL, vgpu_evtchn_fd(dev->evtchn), NULL);
	dev->throttled = true;
	return 0;
}

static void throttle_end(struct vgpu_dev *dev)
{
	dev->throttled = false;
	if (ep_add_fd(dev, vgpu_evtchn_fd(dev->evtchn)) && errno != EEXIST) {
		device_fail(dev, "cannot watch its event channel again");
		return;
	}
	/* What it sent meanwhile is pending: unmasking delivers it. */
	vgpu_evtchn_unmask(dev->evtchn, (uint32_t)dev->port);
}

/* Account one notification; unmask its port unless it storms. */
static void notified(struct vgpu_dev *dev, uint32_t prod)
{
	bool started;
	unsigned ms = vgpu_storm_account(&dev->storm, prod, &started);

	if (started && (dev->storm.episodes == 1 || dev->storm.episodes % 1000 == 0))
		vlog(LOG_WARNING, "vgpu %u/%u: event-channel storm: %u notifications in a "
		     "row brought no request; its notifications are delayed (up to %u ms) "
		     "until one brings work (%llu such storms on this device)",
		     dev->domid, dev->devid, dev->storm.run, VGPU_STORM_MAX_MS,
		     (unsigned long long)dev->storm.episodes);
	if (ms && throttle_start(dev, ms) == 0)
		return;
	vgpu_evtchn_unmask(dev->evtchn, (uint32_t)dev->port);
}

/* A wake of the device: its frontend notified or one of its timers ticked. */
void device_event(struct vgpu_dev *dev)
{
	uint64_t before = dev->submitted, ticks;
	bool got_event = false;
	uint32_t prod;

	if (read(dev->watch_fd, &ticks, sizeof(ticks)) == sizeof(ticks))
		dev->watch_armed = false;
	if (dev->throttled && read(dev->throttle_fd, &ticks, sizeof(ticks)) == sizeof(ticks))
		throttle_end(dev);
	if (!dev->connected)
		return;
	/* A port returned here stays masked until notified() says. */
	while (!dev->throttled && vgpu_evtchn_pending(dev->evtchn) >= 0)
		got_event = true;
	/* The frontend writes req_prod before it notifies: read it after. */
	prod = *(volatile RING_IDX *)&dev->ring.sring->req_prod;
	ring_service(dev);
	if (dev->broken) {
		device_fail(dev, "the frontend broke the ring protocol");
		return;
	}
	if (!dev->connected)
		return;
	if (dev->submitted != before) {
		/*
		 * A peer that dies wakes us through the same channel (simxen),
		 * and that wake may come with its last requests: look again
		 * once it has been quiet a while.  Armed once per period, so a
		 * busy ring costs no more than a syscall per WATCH_MS.
		 */
		struct itimerspec its = { .it_value = { 0, WATCH_MS * 1000000L } };

		if (!dev->watch_armed && !timerfd_settime(dev->watch_fd, 0, &its, NULL))
			dev->watch_armed = true;
	} else if (vgpu_evtchn_peer_alive(dev->evtchn, (uint32_t)dev->port) == 0) {
		/* A wake with no work: the peer may have died (simxen says so). */
		device_fail(dev, dev->state == XenbusStateClosing ? "detached by the toolstack" :
			    "the frontend closed its event channel");
		return;
	}
	if (got_event)
		notified(dev, prod);
}

static struct vgpu_dev *find_dev(struct vgpuback *bk, uint32_t domid,
				 uint32_t devid)
{
	struct vgpu_dev *d;

	for (d = bk->devs; d; d = d->next)
		if (!d->dead && d->domid == domid && d->devid == devid)
			return d;
	return NULL;
}

static void publish_features(struct vgpu_dev *dev)
{
	struct vgpuback *bk = dev->bk;

	xwrite(bk, dev->be_path, VGPU_XS_FEAT_RING_ORDER, "%u", bk->cfg.max_ring_order);
	xwrite(bk, dev->be_path, VGPU_XS_FEAT_VERSION, "%u", VGPUIF_PROTOCOL_VERSION);
	xwrite(bk, dev->be_path, VGPU_XS_FEAT_MAX_INFLIGHT, "%u", bk->cfg.max_inflight);
	xwrite(bk, dev->be_path, VGPU_XS_FEAT_MAX_BUF_PAGES, "%u", bk->cfg.max_buffer_pages);
	xwrite(bk, dev->be_path, VGPU_XS_FEAT_EXECUTOR, "%s", bk->exops->name);
}

/*
 * Watch the frontend's state node, the one the guest moves through the
 * handshake.  The path is the one dom0 recorded (the toolstack's frontend
 * node); the token names the device and is ours.
 */
static bool fe_watch(struct vgpu_dev *dev, bool on)
{
	char path[200], token[VGPU_TOKEN_MAX];
	bool ok;

	if (dev->fe_watched == on)
		return true;
	snprintf(path, sizeof(path), "%s/%s", dev->fe_path, VGPU_XS_STATE);
	snprintf(token, sizeof(token), VGPU_TOKEN_FE_FMT, dev->domid, dev->devid);
	ok = on ? xs_watch(dev->bk->xs, path, token) : xs_unwatch(dev->bk->xs, path, token);
	if (!ok && on)
		vlog(LOG_ERR, "vgpu %u/%u: cannot watch %s: %s", dev->domid, dev->devid,
		     path, strerror(errno));
	dev->fe_watched = on && ok;
	return ok;
}

/* A device the toolstack has finished writing (online 1, a frontend). */
static struct vgpu_dev *new_dev(struct vgpuback *bk, uint32_t domid, uint32_t devid)
{
	struct vgpu_dev *dev;
	char be_path[sizeof(dev->be_path)];
	char *fe, *fe_id = NULL, *pool = NULL, *prio = NULL, *online;

	snprintf(be_path, sizeof(be_path), "%s/%u/%u", BE_ROOT, domid, devid);
	online = xread(bk, be_path, VGPU_XS_ONLINE);
	fe = xread(bk, be_path, VGPU_XS_FRONTEND);
	dev = calloc(1, sizeof(*dev));
	if (!online || strcmp(online, "1") || !fe || !fe[0] || !dev) {
		/* Not written yet: the next event under its directory brings us back. */
		free(dev);
		dev = NULL;
		goto out;
	}
	dev->bk = bk;
	dev->domid = domid;
	dev->devid = devid;
	dev->state = XenbusStateUnknown;
	dev->port = -1;
	dev->watch_fd = -1;
	dev->throttle_fd = -1;
	dev->online = true;
	memcpy(dev->be_path, be_path, sizeof(be_path));
	snprintf(dev->fe_path, sizeof(dev->fe_path), "%s", fe);
	dev->next = bk->devs;
	bk->devs = dev;
	fe_id = xread(bk, be_path, VGPU_XS_FRONTEND_ID);
	pool = xread(bk, be_path, VGPU_XS_POOL);
	prio = xread(bk, be_path, VGPU_XS_PRIORITY);
	dev->pool = pool ? config_pool_index(&bk->cfg, pool) : -1;
	dev->prio = prio ? vgpu_prio_parse(prio) : -1;
	if (!fe_id || strtoul(fe_id, NULL, 10) != domid || dev->pool < 0 ||
	    dev->prio < 0) {
		vlog(LOG_ERR, "vgpu %u/%u: refused: %s%s%s%s", domid, devid,
		     !fe_id || strtoul(fe_id, NULL, 10) != domid ? "frontend-id does not match; " : "",
		     dev->pool < 0 ? "unknown pool '" : "", dev->pool < 0 ? (pool ? pool : "(none)") : "",
		     dev->prio < 0 ? "' or bad priority" : "");
		dev->refused = true;
		set_state(dev, XenbusStateClosed);
		goto out;
	}
	if (!fe_watch(dev, true)) {
		dev->refused = true;
		set_state(dev, XenbusStateClosed);
		goto out;
	}
	publish_features(dev);
	set_state(dev, XenbusStateInitWait);
	vlog(LOG_INFO, "vgpu %u/%u: new device, pool %s, priority %s", domid, devid,
	     bk->cfg.exec.pools[dev->pool], vgpu_prio_name(dev->prio));
out:
	free(online);
	free(fe);
	free(fe_id);
	free(pool);
	free(prio);
	return dev;
}

static void free_dev(struct vgpu_dev *dev)
{
	struct vgpuback *bk = dev->bk;
	struct vgpu_dev **pd;

	for (pd = &bk->devs; *pd; pd = &(*pd)->next)
		if (*pd == dev) {
			*pd = dev->next;
			break;
		}
	/* It may still wait for its turn on the round-robin list. */
	for (pd = &bk->busy_head; dev->busy && *pd; pd = &(*pd)->busy_next)
		if (*pd == dev) {
			*pd = dev->busy_next;
			if (bk->busy_tail == &dev->busy_next)
				bk->busy_tail = pd;
			break;
		}
	free(dev->bufs);
	free(dev);
}

void device_put(struct vgpu_dev *dev)
{
	if (--dev->jobs_out == 0 && dev->dead && !dev->connected)
		free_dev(dev);
}

static void remove_dev(struct vgpu_dev *dev, const char *why)
{
	disconnect_dev(dev, why);
	fe_watch(dev, false);
	dev->dead = true;
	if (!dev->jobs_out)
		free_dev(dev);
}

/* Drop the connection and say Closed: what a detach or a close ends in. */
static void close_dev(struct vgpu_dev *dev, const char *why)
{
	disconnect_dev(dev, why);
	set_state(dev, XenbusStateClosed);
}

static bool fe_down(int fe)
{
	return fe == -1 || fe == XenbusStateClosing || fe == XenbusStateClosed ||
	       fe == XenbusStateInitialising || fe == XenbusStateUnknown;
}

/*
 * Advance one device's state machine against its frontend's state.  With
 * online 0 (a toolstack detach, as libxl does it) a connected device says
 * Closing and waits for its frontend as netback does; any other goes
 * Closed at once, its resources freed, and stays so until it is removed.
 */
static void step(struct vgpu_dev *dev)
{
	struct vgpuback *bk = dev->bk;
	char *v;
	int fe;

	if (dev->refused || dev->dead)
		return;
	v = xread(bk, dev->fe_path, VGPU_XS_STATE);
	fe = vgpu_parse_frontend_state(v);	/* -1: the frontend is gone */
	free(v);
	switch (dev->state) {
	case XenbusStateInitWait:
		if (!dev->online)
			close_dev(dev, "detached by the toolstack");
		else if (fe == XenbusStateInitialised)
			set_state(dev, connect_dev(dev) == 0 ? XenbusStateConnected :
				  XenbusStateClosed);
		break;
	case XenbusStateConnected:
		if (fe_down(fe) || !dev->connected)
			close_dev(dev, fe == -1 ? "the frontend is gone" :
				  "the frontend is closing");
		else if (!dev->online)
			set_state(dev, XenbusStateClosing);
		break;
	case XenbusStateClosing:
		/* Told by the toolstack (or online 0): wait for the frontend. */
		if (fe_down(fe) || !dev->connected)
			close_dev(dev, "detached by the toolstack");
		break;
	case XenbusStateClosed:
		if (fe == XenbusStateInitialising && dev->online) {
			publish_features(dev);
			set_state(dev, XenbusStateInitWait);
		}
		break;
	default:
		break;
	}
}

/* Forget a device whose backend directory is gone; true if it went. */
static bool gone(struct vgpu_dev *dev)
{
	char *fe = xread(dev->bk, dev->be_path, VGPU_XS_FRONTEND);

	if (fe) {
		free(fe);
		return false;
	}
	vlog(LOG_INFO, "vgpu %u/%u: removed by the toolstack", dev->domid, dev->devid);
	remove_dev(dev, "device removed");
	return true;
}

/* The toolstack wrote a node of a device we serve. */
static void backend_node(struct vgpu_dev *dev, enum vgpu_xs_node node)
{
	char *v;

	switch (node) {
	case VGPU_NODE_DIR:
		if (gone(dev))
			return;
		break;
	case VGPU_NODE_ONLINE:
		v = xread(dev->bk, dev->be_path, VGPU_XS_ONLINE);
		dev->online = v && !strcmp(v, "1");
		free(v);
		if (!v && gone(dev))
			return;
		break;
	case VGPU_NODE_STATE:
		/* Our own writes come back here too: act only on a new Closing. */
		v = xread(dev->bk, dev->be_path, VGPU_XS_STATE);
		if (v && atoi(v) == XenbusStateClosing && dev->state != XenbusStateClosing &&
		    dev->state != XenbusStateClosed) {
			vlog(LOG_INFO, "vgpu %u/%u: the toolstack says Closing", dev->domid,
			     dev->devid);
			dev->state = XenbusStateClosing;
		}
		free(v);
		break;
	default:
		return;	/* features and the toolstack's nodes: read once */
	}
	step(dev);
}

static bool canonical(const char *s, unsigned long max, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (s[0] < '0' || s[0] > '9' || (s[0] == '0' && s[1]))
		return false;
	v = strtoul(s, &end, 10);
	if (*end || v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* List one domain's backend directory: new devices come, missing ones go. */
static void scan_domain(struct vgpuback *bk, uint32_t domid)
{
	struct vgpu_dev *d, *next;
	unsigned int n = 0, i;
	char path[128], **ids;

	snprintf(path, sizeof(path), "%s/%u", BE_ROOT, domid);
	ids = xs_directory(bk->xs, XBT_NULL, path, &n);
	for (d = bk->devs; d; d = next) {
		bool listed = false;
		char id[16];

		next = d->next;
		if (d->dead || d->domid != domid)
			continue;
		snprintf(id, sizeof(id), "%u", d->devid);
		for (i = 0; ids && i < n && !listed; i++)
			listed = !strcmp(ids[i], id);
		if (!listed) {
			vlog(LOG_INFO, "vgpu %u/%u: removed by the toolstack", d->domid, d->devid);
			remove_dev(d, "device removed");
			next = bk->devs;	/* the list changed under us */
		}
	}
	for (i = 0; ids && i < n; i++) {
		uint32_t devid;

		if (canonical(ids[i], 0xffffffffu, &devid) && !find_dev(bk, domid, devid))
			new_dev(bk, domid, devid);
	}
	free(ids);
}

/* The whole backend root: at start, and if the root itself changed. */
static void scan_root(struct vgpuback *bk)
{
	struct vgpu_dev *d, *next;
	unsigned int n = 0, i;
	char **doms = xs_directory(bk->xs, XBT_NULL, BE_ROOT, &n);

	for (i = 0; doms && i < n; i++) {
		uint32_t domid;

		if (canonical(doms[i], 0x7fefu, &domid))
			scan_domain(bk, domid);
	}
	/* Domains no longer listed lose their devices. */
	for (d = bk->devs; d; d = next) {
		bool listed = false;
		char id[16];

		next = d->next;
		if (d->dead)
			continue;
		snprintf(id, sizeof(id), "%u", d->domid);
		for (i = 0; doms && i < n && !listed; i++)
			listed = !strcmp(doms[i], id);
		if (!listed) {
			vlog(LOG_INFO, "vgpu %u/%u: removed by the toolstack", d->domid, d->devid);
			remove_dev(d, "device removed");
			next = bk->devs;
		}
	}
	free(doms);
}

static void step_all(struct vgpuback *bk)
{
	struct vgpu_dev *d, *next;

	for (d = bk->devs; d; d = next) {
		next = d->next;
		step(d);
	}
}

/* Everything, as at start: the fuzzer and vgpuback's start use it. */
void devices_scan(struct vgpuback *bk)
{
	scan_root(bk);
	step_all(bk);
}

/*
 * One watch event.  The path is parsed against what dom0 wrote or
 * recorded; an event that names nothing vgpuback serves costs a parse.
 */
void devices_xs_event(struct vgpuback *bk, const char *path, const char *token)
{
	struct vgpu_xs_event ev;
	struct vgpu_dev *dev;

	vgpu_xs_event_parse(path, token, &ev);
	switch (ev.kind) {
	case VGPU_XSE_ROOT:
		devices_scan(bk);
		break;
	case VGPU_XSE_DOMAIN:
		scan_domain(bk, ev.domid);
		break;
	case VGPU_XSE_DEVICE:
		dev = find_dev(bk, ev.domid, ev.devid);
		if (dev)
			backend_node(dev, ev.node);
		else if ((dev = new_dev(bk, ev.domid, ev.devid)))
			step(dev);
		break;
	case VGPU_XSE_FRONTEND:
		dev = find_dev(bk, ev.domid, ev.devid);
		if (dev && dev->fe_watched && vgpu_fe_event_matches(path, dev->fe_path))
			step(dev);
		break;
	case VGPU_XSE_RELEASE:
		/* A domain died: its frontends' nodes went with it. */
		step_all(bk);
		break;
	default:
		break;
	}
}

void devices_shutdown(struct vgpuback *bk)
{
	struct vgpu_dev *d, *next;

	for (d = bk->devs; d; d = next) {
		next = d->next;
		if (!d->dead) {
			if (d->connected)
				set_state(d, XenbusStateClosing);
			disconnect_dev(d, "vgpuback is shutting down");
			set_state(d, XenbusStateClosed);
		}
		/* Freed now, or when the executor hands back its last job. */
		remove_dev(d, "vgpuback is shutting down");
	}
}
