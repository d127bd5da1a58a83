/* SPDX-License-Identifier: MIT */
/* main.c: vgpuback's options, start-up, event loop and shutdown. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "vgpuback.h"
#include "xlhook.h"
#include "xsnodes.h"

static int start_executor(struct vgpuback *bk)
{
	const char *name = bk->cfg.executor;
	int rc;

	bk->cfg.exec.slots = bk->cfg.exec.slots;
	if (!strcmp(name, "auto")) {
		bk->exops = vgpu_executor_find("cuda");
		if (bk->exops && bk->exops->create(&bk->cfg.exec, &bk->ex) == 0) {
			vlog(LOG_INFO, "executor: cuda (a GPU answered)");
			return 0;
		}
		vlog(LOG_INFO, "executor: cpu (%s)", bk->exops ? "no GPU answered" :
		     "this vgpuback was built without CUDA");
		name = "cpu";
	}
	bk->exops = vgpu_executor_find(name);
	if (!bk->exops) {
		vlog(LOG_ERR, "executor '%s' is not built into this vgpuback", name);
		return -ENOENT;
	}
	rc = bk->exops->create(&bk->cfg.exec, &bk->ex);
	if (rc)
		vlog(LOG_ERR, "executor '%s' failed to start: %s", name, strerror(-rc));
	else
		vlog(LOG_INFO, "executor: %s", name);
	return rc;
}

/*
 * Supervise where CUDA may run: a GPU's sticky error needs a new process.
 * The decision must not touch CUDA (the supervisor forks after it), so
 * "auto" looks for the NVIDIA control device only.
 */
static bool want_supervisor(const struct vgpuback_config *cfg)
{
	if (!strcmp(cfg->supervise, "yes"))
		return true;
	if (!strcmp(cfg->supervise, "no") || !strcmp(cfg->executor, "cpu") ||
	    !vgpu_executor_find("cuda"))
		return false;
	return !strcmp(cfg->executor, "cuda") || access("/dev/nvidiactl", F_OK) == 0;
}

/* A broken executor: restart the worker, or go on failing its jobs. */
static void check_executor(struct vgpuback *bk)
{
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

static int ep_add(struct vgpuback *bk, int fd, struct ep_item *it)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = it };

	return epoll_ctl(bk->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static int daemonise(const char *pid_file)
{
	pid_t pid = fork();
	FILE *f;
	int fd;

	if (pid < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	setsid();
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	if (chdir("/"))
		return -errno;
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	f = fopen(pid_file, "w");
	if (f) {
		fprintf(f, "%d\n", (int)getpid());
		fclose(f);
	}
	return 0;
}

/*
 * Each event steps what it names (devices.c).  At most a batch per turn:
 * libxenstore's pipe stays readable while events remain, so a guest that
 * writes its state node in a loop cannot hold the loop.
 */
static void handle_xs(struct vgpuback *bk)
{
	unsigned n;
	char **w;

	for (n = 0; n < 256 && (w = xs_check_watch(bk->xs)); n++) {
		devices_xs_event(bk, w[XS_WATCH_PATH], w[XS_WATCH_TOKEN]);
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
	now = now_ns();
	if (now >= bk->poll_until)
		return false;
	if (bk->ex->ops->poll(bk->ex))
		reap(bk);	/* reap_one() keeps the window open */
	return true;
}

static void loop(struct vgpuback *bk)
{
	while (!bk->stop) {
		struct epoll_event ev[64];
		int n, i;

		n = epoll_wait(bk->epfd, ev, 64, bk->busy_head || busy_poll(bk) ? 0 : -1);
		if (n < 0 && errno != EINTR) {
			vlog(LOG_ERR, "epoll_wait: %s", strerror(errno));
			return;
		}
		for (i = 0; i < n; i++) {
			struct ep_item *it = ev[i].data.ptr;

			switch (it->kind) {
			case EP_XS:
				handle_xs(bk);
				/* Devices may be gone: the rest of this batch is stale. */
				i = n;
				break;
			case EP_EXEC:
				reap(bk);
				break;
			case EP_MAP:
				mapper_reap(bk);
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
			case EP_DEV: {
				struct vgpu_dev *dev = it->ptr;

				device_event(dev);	/* drains and unmasks its port */
				if (!dev->connected) {
					/* Its teardown may have freed items later in this batch. */
					i = n;
				}
				break;
			}
			}
		}
		ring_service_busy(bk);
		check_executor(bk);
		if (!bk->stop)
			dispatch(bk);
	}
}

int main(int argc, char **argv)
{
	struct vgpuback *bk = calloc(1, sizeof(*bk));
	sigset_t mask;
	unsigned tries;
	int rc;

	if (!bk)
		return 1;
	config_defaults(&bk->cfg);
	rc = config_parse_args(&bk->cfg, argc, argv);
	if (rc) {
		free(bk);
		return rc < 0 ? 0 : rc;
	}
	vlog_init(bk->cfg.foreground, bk->cfg.log_level);
	signal(SIGPIPE, SIG_IGN);
	if (!bk->cfg.foreground && daemonise(bk->cfg.pid_file)) {
		fprintf(stderr, "vgpuback: cannot daemonise: %s\n", strerror(errno));
		return 1;
	}
	if (want_supervisor(&bk->cfg)) {
		if (supervise())
			return 1;
		bk->supervised = true;
	}
	/*
	 * Block the signals the loop takes through its signalfd before any
	 * thread starts (executor workers, the CUDA runtime's own): a thread
	 * that left them open would get SIGTERM and end the process uncleanly.
	 */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	bk->busy_tail = &bk->busy_head;
	vgpu_sched_init(&bk->sched, bk->cfg.aging_ms * 1000000ull);
	bk->epfd = epoll_create1(EPOLL_CLOEXEC);
	bk->xs = xs_open(0);
	if (!bk->xs) {
		vlog(LOG_ERR, "cannot reach XenStore: %s (is xenstored running?)",
		     strerror(errno));
		return 1;
	}
	bk->plat = vgpu_platform_open(NULL);
	if (!bk->plat) {
		vlog(LOG_ERR, "cannot open the grant and event-channel devices: %s",
		     strerror(errno));
		return 1;
	}
	if (start_executor(bk))
		return 1;
	rc = mapper_start(bk);
	if (rc) {
		vlog(LOG_ERR, "cannot start the buffer mapper: %s", strerror(-rc));
		return 1;
	}
	bk->control_fd = control_open(bk);
	if (bk->control_fd < 0) {
		vlog(LOG_ERR, "control socket %s: %s", bk->cfg.control_socket,
		     strerror(-bk->control_fd));
		return 1;
	}
	bk->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	bk->xs_item = (struct ep_item){ EP_XS, NULL };
	bk->exec_item = (struct ep_item){ EP_EXEC, NULL };
	bk->control_item = (struct ep_item){ EP_CONTROL, NULL };
	bk->signal_item = (struct ep_item){ EP_SIGNAL, NULL };
	/* Each device's frontend state is watched when it comes (devices.c). */
	if (!xs_watch(bk->xs, VGPU_BE_ROOT, VGPU_TOKEN_BACKEND) ||
	    !xs_watch(bk->xs, "@releaseDomain", VGPU_TOKEN_RELEASE)) {
		vlog(LOG_ERR, "cannot watch XenStore: %s", strerror(errno));
		return 1;
	}
	if (ep_add(bk, xs_fileno(bk->xs), &bk->xs_item) ||
	    ep_add(bk, bk->ex->ops->event_fd(bk->ex), &bk->exec_item) ||
	    ep_add(bk, bk->control_fd, &bk->control_item) ||
	    ep_add(bk, bk->signal_fd, &bk->signal_item)) {
		vlog(LOG_ERR, "epoll: %s", strerror(errno));
		return 1;
	}
	if (bk->cfg.xl_hook) {
		const char *pools[VGPU_MAX_POOLS];
		struct vgpu_xlhook_config hc = {
			.config_dirs = bk->cfg.xl_config_dirs,
			.userdata_dir = bk->cfg.xl_userdata_dir,
			.pools = pools,
			.npools = bk->cfg.exec.npools,
			.log = vlog,
		};
		unsigned i;

		for (i = 0; i < bk->cfg.exec.npools; i++)
			pools[i] = bk->cfg.exec.pools[i];
		bk->hook = vgpu_xlhook_new(&hc);
		bk->hook_item = (struct ep_item){ EP_HOOK, NULL };
		if (!bk->hook || ep_add(bk, vgpu_xlhook_fd(bk->hook), &bk->hook_item)) {
			vlog(LOG_ERR, "xl hook: cannot start: %s", strerror(errno));
			return 1;
		}
		vgpu_xlhook_handle(bk->hook);
	}
	vlog(LOG_NOTICE, "vgpuback %s serving (pools:%s%s%s%s)", PACKAGE_VERSION,
	     bk->cfg.exec.pools[0], bk->cfg.exec.npools > 1 ? " " : "",
	     bk->cfg.exec.npools > 1 ? bk->cfg.exec.pools[1] : "",
	     bk->cfg.exec.npools > 2 ? " ..." : "");
	vgpu_xlhook_sweep(bk->xs, vlog);	/* ghosts of domains gone while we were down */
	devices_scan(bk);
	loop(bk);

	vlog(LOG_NOTICE, "shutting down");
	devices_shutdown(bk);
	/* Work still in the executor: let it finish (at most 10 s) and drop it. */
	for (tries = 0; bk->ex->ops->inflight(bk->ex) && tries < 100; tries++) {
		struct pollfd pfd = { .fd = bk->ex->ops->event_fd(bk->ex), .events = POLLIN };

		poll(&pfd, 1, 100);
		reap(bk);
	}
	mapper_stop(bk);	/* every mapping asked for is made and unmapped */
	bk->ex->ops->destroy(bk->ex);	/* joins workers */
	vgpu_sched_free(&bk->sched);
	close(bk->control_fd);
	unlink(bk->cfg.control_socket);
	if (!bk->cfg.foreground && bk->exit_code != VGPUBACK_EXIT_RESTART)
		unlink(bk->cfg.pid_file);	/* the supervisor's pid stays */
	vgpu_xlhook_free(bk->hook);
	vgpu_platform_close(bk->plat);
	xs_close(bk->xs);
	close(bk->signal_fd);
	close(bk->epfd);
	rc = bk->exit_code;
	free(bk);
	return rc;
}
