/* SPDX-License-Identifier: MIT */
/*
 * devices.c: the backend half of the xenbus handshake, after blkback and
 * netback.  Every XenStore event rescans /local/domain/0/backend/vgpu and the
 * frontends' states (a handful of reads per device), which keeps the state
 * machine in one place:
 *
 *   new device            -> features, InitWait (or Closed if the toolstack
 *                            nodes are bad)
 *   InitWait + frontend Initialised -> map ring, bind port, Connected
 *   Connected + frontend Closing/Closed/gone, or its channel closed
 *                         -> drop its work, unmap, unbind, Closed
 *   Closed + frontend Initialising  -> InitWait again (reconnect)
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
#include "vgpuback.h"
#include "xsnodes.h"

#define BE_ROOT "/local/domain/0/" VGPU_XS_BACKEND_ROOT

static char *xread(struct vgpuback *bk, const char *dir, const char *node)
{
	char path[400];
	unsigned int len;

	snprintf(path, sizeof(path), "%s/%s", dir, node);
	return xs_read(bk->xs, XBT_NULL, path, &len);
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
	if (!xs_write(bk->xs, XBT_NULL, path, val, strlen(val)))
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
static int ep_add_dev(struct vgpu_dev *dev)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &dev->item };
	int efd = vgpu_evtchn_fd(dev->evtchn);

	dev->item.kind = EP_DEV;
	dev->item.ptr = dev;
	if (epoll_ctl(dev->bk->epfd, EPOLL_CTL_ADD, efd, &ev))
		return -1;
	if (epoll_ctl(dev->bk->epfd, EPOLL_CTL_ADD, dev->watch_fd, &ev)) {
		epoll_ctl(dev->bk->epfd, EPOLL_CTL_DEL, efd, NULL);
		return -1;
	}
	return 0;
}

static void watch_close(struct vgpu_dev *dev)
{
	if (dev->watch_fd < 0)
		return;
	epoll_ctl(dev->bk->epfd, EPOLL_CTL_DEL, dev->watch_fd, NULL);
	close(dev->watch_fd);
	dev->watch_fd = -1;
	dev->watch_armed = false;
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
	if (dev->watch_fd < 0 || ep_add_dev(dev)) {
		rc = -errno;
		goto fail;
	}
	dev->connected = true;
	dev->broken = false;
	dev->inflight = 0;
	vlog(LOG_INFO, "vgpu %u/%u: connected (pool %s, priority %s, %u-slot ring)",
	     dev->domid, dev->devid, bk->cfg.exec.pools[dev->pool],
	     prio_name(dev->prio), RING_SIZE(&dev->ring));
	return 0;
fail:
	if (dev->watch_fd >= 0) {
		close(dev->watch_fd);
		dev->watch_fd = -1;
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

void device_event(struct vgpu_dev *dev)
{
	uint64_t before = dev->submitted, ticks;

	if (read(dev->watch_fd, &ticks, sizeof(ticks)) == sizeof(ticks))
		dev->watch_armed = false;
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
		device_fail(dev, "the frontend closed its event channel");
	}
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

static void new_dev(struct vgpuback *bk, uint32_t domid, uint32_t devid)
{
	struct vgpu_dev *dev = calloc(1, sizeof(*dev));
	char *fe, *fe_id, *pool, *prio, *online;

	if (!dev)
		return;
	dev->bk = bk;
	dev->domid = domid;
	dev->devid = devid;
	dev->state = XenbusStateUnknown;
	dev->port = -1;
	dev->watch_fd = -1;
	snprintf(dev->be_path, sizeof(dev->be_path), "%s/%u/%u", BE_ROOT, domid, devid);
	online = xread(bk, dev->be_path, VGPU_XS_ONLINE);
	fe = xread(bk, dev->be_path, VGPU_XS_FRONTEND);
	fe_id = xread(bk, dev->be_path, VGPU_XS_FRONTEND_ID);
	pool = xread(bk, dev->be_path, VGPU_XS_POOL);
	prio = xread(bk, dev->be_path, VGPU_XS_PRIORITY);
	dev->next = bk->devs;
	bk->devs = dev;
	if (!online || strcmp(online, "1") || !fe) {
		/* The toolstack has not finished writing it: look again later. */
		dev->dead = true;
		goto out;
	}
	snprintf(dev->fe_path, sizeof(dev->fe_path), "%s", fe);
	dev->pool = pool ? config_pool_index(&bk->cfg, pool) : -1;
	dev->prio = prio ? prio_parse(prio) : -1;
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
	publish_features(dev);
	set_state(dev, XenbusStateInitWait);
	vlog(LOG_INFO, "vgpu %u/%u: new device, pool %s, priority %s", domid, devid,
	     bk->cfg.exec.pools[dev->pool], prio_name(dev->prio));
out:
	free(online);
	free(fe);
	free(fe_id);
	free(pool);
	free(prio);
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
	dev->dead = true;
	if (!dev->jobs_out)
		free_dev(dev);
}

/* Advance one device's state machine against its frontend's state. */
static void step(struct vgpu_dev *dev)
{
	struct vgpuback *bk = dev->bk;
	char *v = xread(bk, dev->fe_path, VGPU_XS_STATE);
	int fe = vgpu_parse_frontend_state(v);	/* -1: the frontend is gone */

	free(v);
	if (dev->refused)
		return;
	switch (dev->state) {
	case XenbusStateInitWait:
		if (fe == XenbusStateInitialised) {
			if (connect_dev(dev) == 0)
				set_state(dev, XenbusStateConnected);
			else
				set_state(dev, XenbusStateClosed);
		}
		break;
	case XenbusStateConnected:
		if (fe == -1 || fe == XenbusStateClosing || fe == XenbusStateClosed ||
		    fe == XenbusStateInitialising || fe == XenbusStateUnknown) {
			disconnect_dev(dev, fe == -1 ? "the frontend is gone" :
				       "the frontend is closing");
			set_state(dev, XenbusStateClosed);
		} else if (!dev->connected) {
			set_state(dev, XenbusStateClosed);
		}
		break;
	case XenbusStateClosed:
		if (fe == XenbusStateInitialising) {
			publish_features(dev);
			set_state(dev, XenbusStateInitWait);
		}
		break;
	default:
		break;
	}
}

void devices_scan(struct vgpuback *bk)
{
	struct vgpu_dev *d, *next;
	unsigned int nd = 0, nv, i, j;
	char **doms, **ids, path[256];

	/* Forget devices whose backend directory went (toolstack detach). */
	for (d = bk->devs; d; d = next) {
		char *st;

		next = d->next;
		if (d->dead)
			continue;
		st = xread(bk, d->be_path, VGPU_XS_FRONTEND);
		if (!st) {
			vlog(LOG_INFO, "vgpu %u/%u: removed by the toolstack", d->domid, d->devid);
			remove_dev(d, "device removed");
		}
		free(st);
	}
	/* Drop placeholders of half-written devices: they are re-read below. */
	for (d = bk->devs; d; d = next) {
		next = d->next;
		if (d->dead && !d->jobs_out && !d->connected)
			free_dev(d);
	}
	doms = xs_directory(bk->xs, XBT_NULL, BE_ROOT, &nd);
	for (i = 0; doms && i < nd; i++) {
		char *end;
		unsigned long domid = strtoul(doms[i], &end, 10);

		if (*end || !doms[i][0])
			continue;
		snprintf(path, sizeof(path), "%s/%s", BE_ROOT, doms[i]);
		ids = xs_directory(bk->xs, XBT_NULL, path, &nv);
		for (j = 0; ids && j < nv; j++) {
			unsigned long devid = strtoul(ids[j], &end, 10);

			if (*end || !ids[j][0])
				continue;
			if (!find_dev(bk, (uint32_t)domid, (uint32_t)devid))
				new_dev(bk, (uint32_t)domid, (uint32_t)devid);
		}
		free(ids);
	}
	free(doms);
	for (d = bk->devs; d; d = d->next)
		if (!d->dead)
			step(d);
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
