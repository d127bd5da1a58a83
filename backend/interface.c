/* SPDX-License-Identifier: MIT */
/*
 * interface.c: connecting a device to its frontend and disconnecting it,
 * after netback's interface.c.  The ring nodes a guest wrote are read here
 * and checked by frontend_nodes.c before any of them is used.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <syslog.h>
#include <unistd.h>

#include "datapath.h"
#include "interface.h"
#include "vgpu_names.h"
#include "vgpu_xs.h"
#include "vgpuback.h"
#include "xsnodes.h"

#define MAX_REFS (1u << VGPUIF_MAX_RING_PAGE_ORDER)

/*
 * The event channel and the watch timer wake the loop as one device: a tick
 * of the timer is handled as a wake with no work, which looks at the peer.
 */
int interface_watch_fd(struct vgpu_dev *dev, int fd)
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
	if (interface_watch_fd(dev, efd))
		return -1;
	if (interface_watch_fd(dev, dev->watch_fd))
		goto fail_evtchn;
	if (interface_watch_fd(dev, dev->throttle_fd))
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

/* The frontend's ring nodes, checked: 0 or -errno (logged). */
static int read_ring_nodes(struct vgpu_dev *dev, uint32_t *grefs, unsigned *pages,
			   uint32_t *rport)
{
	struct vgpuback *bk = dev->bk;
	char *order = vgpu_xs_read(bk->xs, XBT_NULL, dev->fe_path, VGPU_XS_RING_PAGE_ORDER);
	char *port = vgpu_xs_read(bk->xs, XBT_NULL, dev->fe_path, VGPU_XS_EVENT_CHANNEL);
	char *proto = vgpu_xs_read(bk->xs, XBT_NULL, dev->fe_path, VGPU_XS_PROTOCOL);
	char *refs[MAX_REFS] = { NULL };
	unsigned i, n = 1;
	int rc;

	if (order) {
		n = MAX_REFS;
		for (i = 0; i < n; i++) {
			char name[32];

			snprintf(name, sizeof(name), VGPU_XS_RING_REF_FMT, i);
			refs[i] = vgpu_xs_read(bk->xs, XBT_NULL, dev->fe_path, name);
		}
	} else {
		refs[0] = vgpu_xs_read(bk->xs, XBT_NULL, dev->fe_path, VGPU_XS_RING_REF);
	}
	rc = vgpu_parse_frontend_nodes(order, (const char *const *)refs, n, port,
				       proto, bk->cfg.max_ring_order, grefs, pages, rport);
	for (i = 0; i < n; i++)
		free(refs[i]);
	free(order);
	free(port);
	free(proto);
	if (rc)
		vlog(LOG_ERR, "vgpu %u/%u: frontend published bad ring nodes (%s)",
		     dev->domid, dev->devid, strerror(-rc));
	return rc;
}

/* Map the ring: 0 or -errno (logged). */
static int map_ring(struct vgpu_dev *dev, const uint32_t *grefs, unsigned pages)
{
	struct vgpuback *bk = dev->bk;

	dev->ring_addr = vgpu_gnt_map(bk->plat, dev->domid, pages, grefs, 1);
	if (!dev->ring_addr) {
		int rc = -errno;

		vlog(LOG_ERR, "vgpu %u/%u: cannot map the ring: %s", dev->domid,
		     dev->devid, strerror(-rc));
		return rc;
	}
	dev->ring_pages = pages;
	bk->live_mappings++;
	BACK_RING_INIT(&dev->ring, (vgpuif_sring_t *)dev->ring_addr,
		       VGPUIF_PAGE_SIZE * pages);
	return 0;
}

static void unmap_ring(struct vgpu_dev *dev)
{
	vgpu_gnt_unmap(dev->bk->plat, dev->ring_addr, dev->ring_pages);
	dev->bk->live_mappings--;
	dev->ring_addr = NULL;
}

/* Bind the frontend's port and make the timers: 0 or -errno. */
static int bind_channel(struct vgpu_dev *dev, uint32_t rport)
{
	dev->evtchn = vgpu_evtchn_open(dev->bk->plat);
	if (!dev->evtchn)
		return -errno;
	dev->port = vgpu_evtchn_bind(dev->evtchn, dev->domid, rport);
	if (dev->port < 0) {
		vlog(LOG_ERR, "vgpu %u/%u: cannot bind event channel %u: %s",
		     dev->domid, dev->devid, rport, strerror(-dev->port));
		return dev->port;
	}
	dev->watch_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	dev->throttle_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (dev->watch_fd < 0 || dev->throttle_fd < 0 || ep_add_dev(dev))
		return -errno;
	return 0;
}

static void unbind_channel(struct vgpu_dev *dev)
{
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
}

int interface_connect(struct vgpu_dev *dev)
{
	struct vgpuback *bk = dev->bk;
	uint32_t grefs[MAX_REFS], rport;
	unsigned pages;
	int rc;

	rc = read_ring_nodes(dev, grefs, &pages, &rport);
	if (!rc)
		rc = map_ring(dev, grefs, pages);
	if (rc)
		return rc;
	rc = bind_channel(dev, rport);
	if (rc) {
		unbind_channel(dev);
		unmap_ring(dev);
		return rc;
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
}

void interface_disconnect(struct vgpu_dev *dev, const char *why)
{
	struct vgpuback *bk = dev->bk;

	if (!dev->connected)
		return;
	vlog(LOG_INFO, "vgpu %u/%u: disconnecting: %s", dev->domid, dev->devid, why);
	dev->connected = false;
	dev->gen++;
	datapath_drop_work(dev);
	watch_close(dev);
	epoll_ctl(bk->epfd, EPOLL_CTL_DEL, vgpu_evtchn_fd(dev->evtchn), NULL);
	vgpu_evtchn_close(dev->evtchn);
	dev->evtchn = NULL;
	unmap_ring(dev);
}
