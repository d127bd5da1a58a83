/* SPDX-License-Identifier: MIT */
/* main.c: vgpuback's start-up and shutdown; the loop is loop.c's. */
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

#include "buffers.h"
#include "datapath.h"
#include "loop.h"
#include "mapper.h"
#include "vgpuback.h"
#include "workers.h"
#include "xenbus.h"
#include "xlhook.h"
#include "xsnodes.h"

/* The worker executor (workers.h), or the executor itself in this process. */
static int start_executor(struct vgpuback *bk)
{
	struct vgpu_exec_config *ec = &bk->cfg.exec;
	unsigned i;
	int rc;

	if (!bk->cfg.workers) {
		rc = vgpu_executor_start(bk->cfg.executor, ec, &bk->exops, &bk->ex);
		bk->exec_name = rc ? NULL : bk->exops->name;
		return rc;
	}
	snprintf(ec->worker_executor, sizeof(ec->worker_executor), "%s", bk->cfg.executor);
	ec->log_level = bk->cfg.log_level;
	ec->log_stderr = bk->cfg.foreground;
	ec->busy_poll_us = bk->cfg.busy_poll_us;
	for (i = 0; i < VGPU_MAX_POOLS; i++)
		ec->deadline_ms[i] = bk->cfg.pool_deadline_ms[i] != VGPU_DEADLINE_UNSET ?
				     bk->cfg.pool_deadline_ms[i] : bk->cfg.deadline_ms;
	bk->exops = &vgpu_worker_executor_ops;
	rc = bk->exops->create(ec, &bk->ex);
	if (rc)
		vlog(LOG_ERR, "cannot start the probe worker (executor '%s')", bk->cfg.executor);
	else
		bk->exec_name = workers_executor(bk->ex);
	return rc;
}

/* Sessions open on a GPU by its index; the CPU executor is one device. */
static unsigned executor_gpus(struct vgpuback *bk)
{
	struct vgpuif_query_result q;
	char text[4096];

	memset(&q, 0, sizeof(q));
	bk->ex->ops->query(bk->ex, &q, text, sizeof(text));
	return q.ngpus ? q.ngpus : 1;
}

/*
 * Supervise where CUDA may run: a GPU's sticky error needs a new process.
 * The decision must not touch CUDA (the supervisor forks after it), so
 * "auto" looks for the NVIDIA control device only.  With workers (the
 * default) CUDA runs only in them, and a worker's fault costs its guest
 * alone a new worker (workers.h): no supervisor is needed.
 */
static bool want_supervisor(const struct vgpuback_config *cfg)
{
	if (!strcmp(cfg->supervise, "yes"))
		return true;
	if (!strcmp(cfg->supervise, "no") || cfg->workers || !strcmp(cfg->executor, "cpu") ||
	    !vgpu_executor_find("cuda"))
		return false;
	return !strcmp(cfg->executor, "cuda") || access("/dev/nvidiactl", F_OK) == 0;
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
 * The process: options, log, daemon, supervisor.  Returns -1 to go on, or
 * the exit status (*@bk freed or not needed).
 */
static int start_process(struct vgpuback *bk, int argc, char **argv, sigset_t *mask)
{
	int rc;

	config_defaults(&bk->cfg);
	rc = config_parse_args(&bk->cfg, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;
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
	sigemptyset(mask);
	sigaddset(mask, SIGTERM);
	sigaddset(mask, SIGINT);
	sigprocmask(SIG_BLOCK, mask, NULL);
	return -1;
}

/* XenStore, the platform, the executor, the mapper, the control socket: 0 or -1. */
static int open_services(struct vgpuback *bk)
{
	int rc;

	bk->busy_tail = &bk->busy_head;
	vgpu_sched_init(&bk->sched, bk->cfg.aging_ms * 1000000ull);
	bk->epfd = epoll_create1(EPOLL_CLOEXEC);
	bk->xs = xs_open(0);
	if (!bk->xs) {
		vlog(LOG_ERR, "cannot reach XenStore: %s (is xenstored running?)",
		     strerror(errno));
		return -1;
	}
	bk->plat = vgpu_platform_open(NULL);
	if (!bk->plat) {
		vlog(LOG_ERR, "cannot open the grant and event-channel devices: %s",
		     strerror(errno));
		return -1;
	}
	if (start_executor(bk))
		return -1;
	bk->ngpus = executor_gpus(bk);
	rc = mapper_start(bk);
	if (rc) {
		vlog(LOG_ERR, "cannot start the buffer mapper: %s", strerror(-rc));
		return -1;
	}
	bk->control_fd = control_open(bk);
	if (bk->control_fd < 0) {
		vlog(LOG_ERR, "control socket %s: %s", bk->cfg.control_socket,
		     strerror(-bk->control_fd));
		return -1;
	}
	return 0;
}

/* The loop's fixed items and the two root watches: 0 or -1. */
static int watch_all(struct vgpuback *bk, const sigset_t *mask)
{
	bk->signal_fd = signalfd(-1, mask, SFD_CLOEXEC | SFD_NONBLOCK);
	bk->xs_item = (struct ep_item){ EP_XS, NULL };
	bk->exec_item = (struct ep_item){ EP_EXEC, NULL };
	bk->control_item = (struct ep_item){ EP_CONTROL, NULL };
	bk->signal_item = (struct ep_item){ EP_SIGNAL, NULL };
	/* Each device's frontend state is watched when it comes (xenbus.c). */
	if (!xs_watch(bk->xs, VGPU_BE_ROOT, VGPU_TOKEN_BACKEND) ||
	    !xs_watch(bk->xs, "@releaseDomain", VGPU_TOKEN_RELEASE)) {
		vlog(LOG_ERR, "cannot watch XenStore: %s", strerror(errno));
		return -1;
	}
	if (loop_add(bk, xs_fileno(bk->xs), &bk->xs_item) ||
	    loop_add(bk, bk->ex->ops->event_fd(bk->ex), &bk->exec_item) ||
	    loop_add(bk, bk->control_fd, &bk->control_item) ||
	    loop_add(bk, bk->signal_fd, &bk->signal_item)) {
		vlog(LOG_ERR, "epoll: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* The xl hook (--xl-hook): 0 or -1. */
static int start_hook(struct vgpuback *bk)
{
	const char *pools[VGPU_MAX_POOLS];
	struct vgpu_xlhook_config hc = {
		.config_dirs = bk->cfg.xl_config_dirs,
		.userdata_dir = bk->cfg.xl_userdata_dir,
		.pools = pools,
		.npools = bk->cfg.exec.npools,
		.log = vlog,
	};
	unsigned i;

	if (!bk->cfg.xl_hook)
		return 0;
	for (i = 0; i < bk->cfg.exec.npools; i++)
		pools[i] = bk->cfg.exec.pools[i];
	bk->hook = vgpu_xlhook_new(&hc);
	bk->hook_item = (struct ep_item){ EP_HOOK, NULL };
	if (!bk->hook || loop_add(bk, vgpu_xlhook_fd(bk->hook), &bk->hook_item)) {
		vlog(LOG_ERR, "xl hook: cannot start: %s", strerror(errno));
		return -1;
	}
	vgpu_xlhook_handle(bk->hook);
	return 0;
}

/* Devices closed, work finished or dropped, everything released. */
static int shut_down(struct vgpuback *bk)
{
	unsigned tries;
	int rc;

	vlog(LOG_NOTICE, "shutting down");
	xenbus_shutdown(bk);
	/* Work still in the executor: let it finish (at most 10 s) and drop it. */
	for (tries = 0; bk->ex->ops->inflight(bk->ex) && tries < 100; tries++) {
		struct pollfd pfd = { .fd = bk->ex->ops->event_fd(bk->ex), .events = POLLIN };

		poll(&pfd, 1, 100);
		reap(bk);
	}
	buffers_stop(bk);	/* every mapping asked for is made and unmapped */
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

int main(int argc, char **argv)
{
	struct vgpuback *bk = calloc(1, sizeof(*bk));
	sigset_t mask;
	int rc;

	if (argc == 2 && !strcmp(argv[1], "--worker"))
		worker_main();	/* a guest's worker (workers.h), never returns */
	if (!bk)
		return 1;
	rc = start_process(bk, argc, argv, &mask);
	if (rc >= 0) {
		free(bk);
		return rc;
	}
	if (open_services(bk) || watch_all(bk, &mask) || start_hook(bk))
		return 1;
	vlog(LOG_NOTICE, "vgpuback %s serving (pools:%s%s%s%s)", PACKAGE_VERSION,
	     bk->cfg.exec.pools[0], bk->cfg.exec.npools > 1 ? " " : "",
	     bk->cfg.exec.npools > 1 ? bk->cfg.exec.pools[1] : "",
	     bk->cfg.exec.npools > 2 ? " ..." : "");
	vgpu_xlhook_sweep(bk->xs, vlog);	/* ghosts of domains gone while we were down */
	xenbus_scan(bk);
	loop_run(bk);
	return shut_down(bk);
}
