/* SPDX-License-Identifier: MIT */
/*
 * supervise.c: vgpuback as a supervisor and a worker.
 *
 * CUDA cannot clear a sticky error (an illegal address in a kernel, a GPU
 * that faulted) inside the process that met it: cudaDeviceReset() leaves
 * the context unusable, only a new process gets a working one.  So when
 * vgpuback drives GPUs, the process that started (the supervisor) never
 * touches CUDA: it forks the worker, which does everything else.  A worker
 * whose executor is broken shuts its devices down as on SIGTERM (guests see
 * Closing, their requests in flight fail, they reconnect) and exits with
 * VGPUBACK_EXIT_RESTART; the supervisor then starts a new worker.  Any
 * other exit of the worker ends the supervisor with the same status.
 * SIGTERM and SIGINT are passed on to the worker.  The pid file, systemd
 * and the init script see the supervisor, whose pid does not change.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "vgpuback.h"

/* More restarts than this in a minute: something is wrong beyond a reset. */
#define MAX_RESTARTS_PER_MIN 5

static time_t mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* The worker's exit status as the supervisor's own. */
static int exit_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int supervise(void)
{
	time_t window = mono_s();
	unsigned restarts = 0;
	sigset_t mask, old;
	bool stopping = false;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &old);
	for (;;) {
		pid_t self = getpid(), pid = fork(), got;
		int status, sig;

		if (pid < 0) {
			vlog(LOG_ERR, "supervisor: cannot start the worker: %s", strerror(errno));
			return -1;
		}
		if (pid == 0) {
			/* The worker goes when the supervisor goes, as on SIGTERM. */
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			if (getppid() != self)
				_exit(1);	/* it went before we could ask */
			sigprocmask(SIG_SETMASK, &old, NULL);
			return 0;
		}
		vlog(LOG_INFO, "supervisor: worker %d started", (int)pid);
		for (;;) {
			sig = sigwaitinfo(&mask, NULL);
			if (sig == SIGTERM || sig == SIGINT) {
				stopping = true;
				kill(pid, sig);
				continue;
			}
			if (sig != SIGCHLD)
				continue;
			got = waitpid(pid, &status, WNOHANG);
			if (got == pid)
				break;
		}
		if (stopping || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != VGPUBACK_EXIT_RESTART)
			exit(exit_status(status));
		if (mono_s() - window >= 60) {
			window = mono_s();
			restarts = 0;
		}
		if (++restarts > MAX_RESTARTS_PER_MIN) {
			vlog(LOG_ERR, "supervisor: the worker needed %u restarts within a minute; "
			     "giving up", restarts);
			exit(1);
		}
		vlog(LOG_NOTICE, "supervisor: the worker's GPU state was lost; starting a new worker");
	}
}
