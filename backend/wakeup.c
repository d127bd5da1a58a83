/* SPDX-License-Identifier: MIT */
/*
 * wakeup.c: waking a device.  Its event channel and two timers share one
 * loop item: the watch timer takes a second look at a peer that went quiet
 * (it may have died), the storm timer ends a spell in which a port that
 * notifies without work stays masked (storms.h).  Devices with more work
 * than one batch, or whose responses freed ring slots, get a ring pass
 * after each event batch.
 */
#include "config.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <syslog.h>
#include <unistd.h>

#include <xen/io/xenbus.h>

#include "datapath.h"
#include "device.h"
#include "interface.h"
#include "vgpuback.h"
#include "wakeup.h"
#include "xenbus.h"

/* How long a frontend that did work may stay quiet before we look at it. */
#define WATCH_MS 200

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
	if (interface_watch_fd(dev, vgpu_evtchn_fd(dev->evtchn)) && errno != EEXIST) {
		xenbus_fail(dev, "cannot watch its event channel again");
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

/* The timers that ticked: the watch is disarmed, a storm's spell ends. */
static void timers_read(struct vgpu_dev *dev)
{
	uint64_t ticks;

	if (read(dev->watch_fd, &ticks, sizeof(ticks)) == sizeof(ticks))
		dev->watch_armed = false;
	if (dev->throttled && read(dev->throttle_fd, &ticks, sizeof(ticks)) == sizeof(ticks))
		throttle_end(dev);
}

/*
 * A peer that dies wakes us through the same channel (simxen), and that
 * wake may come with its last requests: look again once it has been quiet
 * a while.  Armed once per period, so a busy ring costs no more than a
 * syscall per WATCH_MS.
 */
static void watch_arm(struct vgpu_dev *dev)
{
	struct itimerspec its = { .it_value = { 0, WATCH_MS * 1000000L } };

	if (!dev->watch_armed && !timerfd_settime(dev->watch_fd, 0, &its, NULL))
		dev->watch_armed = true;
}

void device_event(struct vgpu_dev *dev)
{
	uint64_t before = dev->submitted;
	bool got_event;
	uint32_t prod;

	timers_read(dev);
	if (!dev->connected)
		return;
	/* A port returned here stays masked until notified() says. */
	got_event = !dev->throttled && vgpu_evtchn_drain(dev->evtchn, 0) > 0;
	/* The frontend writes req_prod before it notifies: read it after. */
	prod = *(volatile RING_IDX *)&dev->ring.sring->req_prod;
	ring_service(dev);
	if (dev->broken) {
		xenbus_fail(dev, "the frontend broke the ring protocol");
		return;
	}
	if (!dev->connected)
		return;
	if (dev->submitted != before) {
		watch_arm(dev);
	} else if (vgpu_evtchn_peer_alive(dev->evtchn, (uint32_t)dev->port) == 0) {
		/* A wake with no work: the peer may have died (simxen says so). */
		xenbus_fail(dev, dev->state == XenbusStateClosing ? "detached by the toolstack" :
			    "the frontend closed its event channel");
		return;
	}
	if (got_event)
		notified(dev, prod);
}

void devices_more_work(struct vgpuback *bk)
{
	struct vgpu_dev *d = device_busy_take(bk);

	while (d) {
		struct vgpu_dev *next = d->busy_next;

		d->busy = false;
		if (d->connected)
			ring_service(d);
		if (d->broken)
			xenbus_fail(d, "the frontend broke the ring protocol");
		d = next;
	}
}
