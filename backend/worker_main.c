/* SPDX-License-Identifier: MIT */
/*
 * worker_main.c: a worker process ("vgpuback --worker").  It serves one
 * guest (or one pool of guests that trust each other): maps that guest's
 * buffers, owns its executor (for CUDA: its contexts), runs the jobs its
 * parent sends and sends back what finished.  It holds only its two
 * sockets, the grant device and what its executor opens; it may not gain
 * privileges (PR_SET_NO_NEW_PRIVS) and dies with its parent.
 *
 * A worker whose executor broke (a sticky CUDA error) answers what it can
 * and exits 75: its parent fails the rest and its guest gets a new worker.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "vgpu_clock.h"
#include "worker_priv.h"

/* What the executor finished, back to the parent. */
static void reap_all(struct wk *k)
{
	struct vgpu_job *done[64];
	unsigned n, i;

	do {
		n = k->ops->reap(k->ex, done, 64);
		for (i = 0; i < n; i++) {
			struct wjob *wj = (struct wjob *)done[i];

			worker_mem_done(k, done[i]);
			worker_done(wj->cookie, done[i]->status, done[i]->gpu,
				  done[i]->result.raw, sizeof(done[i]->result.raw));
			free(wj);
		}
		if (n)
			k->poll_until = vgpu_now_ns() + k->cfg.busy_poll_us * 1000ull;
	} while (n == 64);
}

/* Jobs the executor had no slot for, in arrival order. */
static void submit_backlog(struct wk *k)
{
	struct wjob *wj;
	int rc;

	while ((wj = k->backlog) && k->ops->can_submit(k->ex, &wj->j)) {
		k->backlog = wj->next;
		if (!k->backlog)
			k->backlog_tail = &k->backlog;
		wj->j.t_dispatch = vgpu_now_ns();
		rc = k->ops->submit(k->ex, &wj->j);
		k->poll_until = wj->j.t_dispatch + k->cfg.busy_poll_us * 1000ull;
		if (rc) {
			worker_done(wj->cookie, rc, -1, NULL, 0);
			free(wj);
		}
	}
}

/* Every message waiting on @fd; false once the parent closed it. */
static bool serve_fd(struct wk *k, int fd)
{
	static union wm_any m;
	ssize_t n;

	for (;;) {
		n = recv(fd, &m, sizeof(m), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return true;
		if (n <= 0)
			return false;
		if (worker_handle(k, fd, &m, (size_t)n))
			return false;	/* malformed: the parent is not what we think */
		k->poll_until = vgpu_now_ns() + k->cfg.busy_poll_us * 1000ull;
	}
}

static void serve(struct wk *k)
{
	struct epoll_event ev[4];
	int n, i, tmo;

	for (;;) {
		/*
		 * Spin for a while after every message and completion, as
		 * vgpuback does: a guest's next request follows its answer
		 * within microseconds, and a sleeping worker takes tens of them
		 * to wake.  Only where the executor can be polled (CUDA): the
		 * CPU executor's jobs take their threads' time anyway.
		 */
		bool spin = k->ops->poll && vgpu_now_ns() < k->poll_until;
		bool poll = spin && k->ops->inflight(k->ex);

		tmo = spin || k->backlog ? 0 : -1;
		n = epoll_wait(k->epfd, ev, 4, tmo);
		if (n < 0 && errno != EINTR)
			exit(1);
		if (poll && k->ops->poll(k->ex))
			reap_all(k);
		for (i = 0; i < n; i++) {
			int fd = ev[i].data.fd;

			if (fd == k->ops->event_fd(k->ex))
				reap_all(k);
			else if (!serve_fd(k, fd))
				return;
		}
		submit_backlog(k);
		if (k->ops->broken && k->ops->broken(k->ex)) {
			reap_all(k);
			vlog(LOG_ERR, "worker for key %#x: the executor lost its GPU state; "
			     "exiting for a new worker", k->key);
			exit(75);
		}
	}
}

static int watch(struct wk *k, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(k->epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* HELLO in, the executor made, READY out: 0, or the exit status. */
static int start(struct wk *k)
{
	struct wm_hello hi;
	struct wm_ready rd = { .h.type = WM_READY };
	int rc = wmsg_recv(WORKER_JOB_FD, &hi, sizeof(hi), WM_HELLO, 60000);

	if (rc)
		return 2;
	vlog_init(hi.log_stderr, hi.log_level);
	k->cfg = hi.cfg;
	k->key = hi.key;
	k->backlog_tail = &k->backlog;
	k->plat = vgpu_platform_open(NULL);
	k->epfd = epoll_create1(EPOLL_CLOEXEC);
	rc = k->plat && k->epfd >= 0 ? 0 : -errno;
	if (!rc)
		rc = vgpu_executor_start(hi.executor, &k->cfg, &k->ops, &k->ex);
	if (!rc && (watch(k, WORKER_JOB_FD) || watch(k, WORKER_CALL_FD) ||
		    watch(k, k->ops->event_fd(k->ex))))
		rc = -errno;
	rd.status = rc;
	if (!rc)
		snprintf(rd.executor, sizeof(rd.executor), "%s", k->ops->name);
	if (wmsg_send(WORKER_JOB_FD, &rd, sizeof(rd)) || rc)
		return 1;
	return 0;
}

void worker_main(void)
{
	static struct wk k;
	int rc;

	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	prctl(PR_SET_NAME, "vgpu-worker", 0, 0, 0);
	rc = start(&k);
	if (rc)
		exit(rc);
	serve(&k);
	/*
	 * The parent closed the channel: no one waits for an answer.  Leave
	 * at once; the kernel unmaps the guest's pages and the driver frees
	 * the contexts, whatever the executor's threads are doing.
	 */
	_exit(0);
}
