/* SPDX-License-Identifier: MIT */
/*
 * loop.c: the epoll loop.  Each turn handles a batch of events (XenStore,
 * device wakes, executor and mapper completions, the control socket, the xl
 * hook, signals), then gives each device marked busy a ring pass, then
 * hands queued jobs to the executor.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <syslog.h>

#include "buffers.h"
#include "datapath.h"
#include "loop.h"
#include "vgpu_clock.h"
#include "vgpuback.h"
#include "wakeup.h"
#include "xenbus.h"
#include "xlhook.h"

int loop_add(struct vgpuback *bk, int fd, struct ep_item *it)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = it };

	return epoll_ctl(bk->epfd, EPOLL_CTL_ADD, fd, &ev);
}

/*
 * Guests whose worker died: their jobs were failed (and answered by the
 * reap before this), their mappings died with it, so their devices close
 * and they reconnect to a new worker.  Other guests see nothing.
 */
static void check_workers(struct vgpuback *bk)
{
	uint32_t keys[16];
	unsigned n, i;
	struct vgpu_dev *d, *next;

	if (!bk->ex->ops->lost)
		return;
	while ((n = bk->ex->ops->lost(bk->ex, keys, 16))) {
		reap(bk);	/* the failed jobs' answers go out before the close */
		for (i = 0; i < n; i++)
			for (d = bk->devs; d; d = next) {
				next = d->next;
				if (d->connected &&
				    vgpu_worker_key(&bk->cfg.exec, d->domid, d->pool) == keys[i])
					xenbus_fail(d, "its GPU worker died; its work in flight "
						    "failed, it reconnects to a new worker");
			}
	}
}

/* A broken executor: restart the worker, or go on failing its jobs. */
static void check_executor(struct vgpuback *bk)
{
	check_workers(bk);
	if (bk->broken_said || !bk->ex->ops->broken || !bk->ex->ops->broken(bk->ex))
		return;
	bk->broken_said = true;
	if (!bk->supervised) {
		vlog(LOG_ERR, "the executor lost its GPU state and vgpuback is not supervised "
		     "(--supervise no): requests fail until vgpuback is restarted");
		return;
	}
	reap(bk);	/* the jobs it failed get their answers before the close */
	vlog(LOG_ERR, "the executor lost its GPU state; closing every device and "
	     "restarting the worker (guests reconnect)");
	bk->exit_code = VGPUBACK_EXIT_RESTART;
	bk->stop = true;
}

/*
 * Each event steps what it names (xenbus.c).  At most a batch per turn:
 * libxenstore's pipe stays readable while events remain, so a guest that
 * writes its state node in a loop cannot hold the loop.
 */
static void handle_xs(struct vgpuback *bk)
{
	unsigned n;
	char **w;

	for (n = 0; n < 256 && (w = xs_check_watch(bk->xs)); n++) {
		xenbus_event(bk, w[XS_WATCH_PATH], w[XS_WATCH_TOKEN]);
		free(w);
	}
}

/*
 * While GPU work is fresh, spin: ask the executor for completions from this
 * thread instead of sleeping until its completion thread wakes us.  The
 * window restarts at every submit and completion, so a stream of short
 * requests keeps it open and long ones let the loop sleep.
 */
static bool busy_poll(struct vgpuback *bk)
{
	uint64_t now;

	if (!bk->ex->ops->poll || !bk->cfg.busy_poll_us || !bk->ex->ops->inflight(bk->ex))
		return false;
	now = vgpu_now_ns();
	if (now >= bk->poll_until)
		return false;
	if (bk->ex->ops->poll(bk->ex))
		reap(bk);	/* reap() keeps the window open */
	return true;
}

/* One event; false if the rest of the batch is stale (devices may be gone). */
static bool handle_event(struct vgpuback *bk, struct ep_item *it)
{
	struct vgpu_dev *dev;

	switch (it->kind) {
	case EP_XS:
		handle_xs(bk);
		return false;
	case EP_EXEC:
		reap(bk);
		break;
	case EP_MAP:
		buffers_reap(bk);
		break;
	case EP_CONTROL:
		control_serve(bk);
		break;
	case EP_HOOK:
		vgpu_xlhook_handle(bk->hook);
		break;
	case EP_SIGNAL:
		bk->stop = true;
		break;
	case EP_DEV:
		dev = it->ptr;
		device_event(dev);	/* drains and unmasks its port */
		/* Its teardown may have freed items later in this batch. */
		return dev->connected;
	}
	return true;
}

void loop_run(struct vgpuback *bk)
{
	while (!bk->stop) {
		struct epoll_event ev[64];
		int n, i;

		n = epoll_wait(bk->epfd, ev, 64, bk->busy_head || busy_poll(bk) ? 0 : -1);
		if (n < 0 && errno != EINTR) {
			vlog(LOG_ERR, "epoll_wait: %s", strerror(errno));
			return;
		}
		for (i = 0; i < n; i++)
			if (!handle_event(bk, ev[i].data.ptr))
				break;
		devices_more_work(bk);
		check_executor(bk);
		if (!bk->stop)
			dispatch(bk);
	}
}
