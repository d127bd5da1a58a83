/* SPDX-License-Identifier: MIT */
/*
 * workers.c: the table of worker processes, their start and their death.
 *
 * A worker is this same binary run as "vgpuback --worker" (fork, then exec
 * at once: nothing of the parent's threads, descriptors or heap crosses but
 * its two sockets).  It dies with its parent (PR_SET_PDEATHSIG).  The table
 * is shared by the loop (jobs, deaths) and the mapper thread (map calls
 * start a guest's worker at its first registration), under ws->lock.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "vgpu_clock.h"
#include "workers.h"

#define PROBE_KEY    0xffffffffu
/*
 * A worker whose guest has no device connected lingers this long: a guest
 * running one short command after another keeps its worker (and its GPU
 * context, which takes a while to make), an idle guest holds nothing.
 */
#define LINGER_NS    2000000000ull
#define HELLO_WAIT_MS 60000	/* CUDA's first context takes a while */

int wmsg_send(int fd, const void *msg, size_t size)
{
	ssize_t n;

	do
		n = send(fd, msg, size, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)size ? 0 : -(n < 0 ? errno : EPROTO);
}

int wmsg_recv(int fd, void *buf, size_t size, uint32_t type, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int rc;

	do
		rc = poll(&pfd, 1, ms);
	while (rc < 0 && errno == EINTR);
	if (rc == 0)
		return -ETIMEDOUT;
	n = recv(fd, buf, size, MSG_DONTWAIT);
	if (n == 0)
		return -EPIPE;
	if (n < 0)
		return -errno;
	if ((size_t)n != size || ((struct wm_hdr *)buf)->type != type)
		return -EPROTO;
	return 0;
}

/* The child, between fork and exec: async-signal-safe calls only. */
static void exec_worker(const char *self, int job_fd, int call_fd)
{
	static char *const argv[] = { "vgpuback-worker", "--worker", NULL };
	sigset_t none;

	if (dup2(job_fd, WORKER_JOB_FD) < 0 || dup2(call_fd, WORKER_CALL_FD) < 0)
		_exit(127);
	close_range(WORKER_CALL_FD + 1, ~0u, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);	/* the loop's signalfd mask */
	execv(self, argv);
	_exit(127);
}

static int spawn(struct workers *ws, struct wproc *w)
{
	int js[2], cs[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, js))
		return -errno;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, cs)) {
		close(js[0]);
		close(js[1]);
		return -errno;
	}
	w->pid = fork();
	if (w->pid == 0)
		exec_worker(ws->self, js[1], cs[1]);
	close(js[1]);
	close(cs[1]);
	w->job_fd = js[0];
	w->call_fd = cs[0];
	if (w->pid < 0)
		return -errno;
	return 0;
}

/*
 * HELLO; the probe's READY is waited for (it says what "auto" became),
 * a guest worker's comes later through the loop, so that no thread waits
 * for a CUDA context to be made: its first jobs wait in the socket.
 */
static int greet(struct workers *ws, struct wproc *w, const char *executor)
{
	struct wm_hello hi = { .h.type = WM_HELLO, .key = w->key,
			       .log_level = ws->log_level, .log_stderr = ws->log_stderr };
	struct wm_ready rd;
	int rc;

	snprintf(hi.executor, sizeof(hi.executor), "%s", executor);
	hi.cfg = ws->cfg;
	rc = wmsg_send(w->job_fd, &hi, sizeof(hi));
	if (rc || w->key != PROBE_KEY)
		return rc;
	rc = wmsg_recv(w->job_fd, &rd, sizeof(rd), WM_READY, HELLO_WAIT_MS);
	if (!rc && rd.status)
		rc = rd.status;
	if (!rc)
		memcpy(ws->executor, rd.executor, sizeof(ws->executor) - 1);
	return rc;
}

/* Reap a child that takes its time to exit (a GPU context to tear down). */
static void *reaper(void *arg)
{
	int st;

	waitpid((pid_t)(intptr_t)arg, &st, 0);
	return NULL;
}

/*
 * Wait for @pid at most about @ms (its status in *@st, true), else leave
 * it to a thread of its own: the loop never waits for a driver's cleanup.
 */
static bool reap_child(pid_t pid, int *st, unsigned ms)
{
	pthread_attr_t a;
	pthread_t t;
	unsigned i;

	for (i = 0; i <= ms; i++) {
		if (waitpid(pid, st, WNOHANG) == pid)
			return true;
		usleep(1000);
	}
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &a, reaper, (void *)(intptr_t)pid))
		waitpid(pid, st, 0);	/* no thread: wait here rather than leave a zombie */
	pthread_attr_destroy(&a);
	return false;
}

static void wproc_free(struct wproc *w)
{
	int st;

	if (w->pid > 0) {
		kill(w->pid, SIGKILL);
		reap_child(w->pid, &st, 0);
	}
	if (w->job_fd >= 0)
		close(w->job_fd);
	if (w->call_fd >= 0)
		close(w->call_fd);
	pthread_mutex_destroy(&w->call_lock);
	free(w->jobs);
	free(w);
}

static struct wproc *start(struct workers *ws, uint32_t key, const char *executor)
{
	struct wproc *w = calloc(1, sizeof(*w));
	struct epoll_event ev = { .events = EPOLLIN };
	int rc;

	if (!w)
		return NULL;
	w->key = key;
	w->job_fd = w->call_fd = -1;
	w->refs = 1;
	pthread_mutex_init(&w->call_lock, NULL);
	w->started_ns = vgpu_now_ns();
	w->serial = ++ws->next_serial;
	rc = spawn(ws, w);
	if (!rc)
		rc = greet(ws, w, executor);
	ev.data.ptr = w;
	if (!rc && key != PROBE_KEY && epoll_ctl(ws->epfd, EPOLL_CTL_ADD, w->job_fd, &ev))
		rc = -errno;
	if (rc) {
		vlog(LOG_ERR, "worker for %s %u: cannot start: %s",
		     key & VGPU_WORKER_SHARED ? "pool" : "domain",
		     key & ~VGPU_WORKER_SHARED, strerror(-rc));
		wproc_free(w);
		return NULL;
	}
	vlog(LOG_INFO, "worker %d started for %s %u (executor %s)", (int)w->pid,
	     key == PROBE_KEY ? "the host, key" : key & VGPU_WORKER_SHARED ? "pool" : "domain",
	     key & ~VGPU_WORKER_SHARED, executor);
	return w;
}

struct wproc *workers_get(struct workers *ws, uint32_t key, bool want_start)
{
	struct wproc *w;

	pthread_mutex_lock(&ws->lock);
	for (w = ws->procs; w && w->key != key; w = w->next)
		;
	if (!w && want_start) {
		w = start(ws, key, ws->executor);
		if (w) {
			w->next = ws->procs;
			ws->procs = w;
		}
	}
	if (w) {
		w->refs++;
		w->retire_at = 0;	/* used again: it stays */
	}
	pthread_mutex_unlock(&ws->lock);
	return w;
}

void workers_put(struct workers *ws, struct wproc *w)
{
	bool last;

	pthread_mutex_lock(&ws->lock);
	last = !--w->refs;
	pthread_mutex_unlock(&ws->lock);
	if (last)
		wproc_free(w);
}

static const char *end_said(const struct wproc *w, int st)
{
	static char buf[64];

	if (w->end == WEND_DEADLINE)
		return "killed: a job passed its deadline";
	if (WIFSIGNALED(st))
		snprintf(buf, sizeof(buf), "killed by signal %d", WTERMSIG(st));
	else if (WIFEXITED(st) && WEXITSTATUS(st) == 75)
		snprintf(buf, sizeof(buf), "its GPU state was lost (a fault)");
	else
		snprintf(buf, sizeof(buf), "exited %d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return buf;
}

void workers_died(struct workers *ws, struct wproc *w)
{
	struct wproc **pw;
	int st = 0;

	pthread_mutex_lock(&ws->lock);
	for (pw = &ws->procs; *pw && *pw != w; pw = &(*pw)->next)
		;
	if (*pw)
		*pw = w->next;
	w->dead = true;
	pthread_mutex_unlock(&ws->lock);
	epoll_ctl(ws->epfd, EPOLL_CTL_DEL, w->job_fd, NULL);
	if (w->end != WEND_DEADLINE)
		kill(w->pid, SIGKILL);	/* a closed channel ends it for sure */
	vlog(LOG_WARNING, "worker %d of %s %u ended (%s); %u jobs of it fail", (int)w->pid,
	     w->key & VGPU_WORKER_SHARED ? "pool" : "domain", w->key & ~VGPU_WORKER_SHARED,
	     reap_child(w->pid, &st, 100) ? end_said(w, st) : "still exiting", w->njobs);
	w->pid = -1;
	workers_fail_jobs(ws, w, w->end == WEND_DEADLINE ? VGPU_ETIMEDOUT : VGPU_ELOST);
	if (ws->nlost < sizeof(ws->lost) / sizeof(ws->lost[0]))
		ws->lost[ws->nlost++] = w->key;
	workers_put(ws, w);	/* the table's reference */
}

/* @w ends now, reported to no one; its jobs fail.  Lock not held. */
static void end_idle(struct workers *ws, struct wproc *w)
{
	epoll_ctl(ws->epfd, EPOLL_CTL_DEL, w->job_fd, NULL);
	vlog(LOG_INFO, "worker %d of %s %u ends: no device of it is connected", (int)w->pid,
	     w->key & VGPU_WORKER_SHARED ? "pool" : "domain", w->key & ~VGPU_WORKER_SHARED);
	workers_fail_jobs(ws, w, VGPU_ELOST);	/* answered to no one */
	workers_put(ws, w);	/* the table's: the last reference ends it */
}

void workers_linger_check(struct workers *ws)
{
	uint64_t now = vgpu_now_ns(), next = 0, v;
	struct itimerspec its = { 0 };
	struct wproc **pw, *w;

	if (read(ws->linger_fd, &v, sizeof(v)) < 0)
		(void)0;	/* a look at the table costs nothing */
	for (;;) {
		pthread_mutex_lock(&ws->lock);
		for (pw = &ws->procs; *pw && !((*pw)->retire_at && (*pw)->retire_at <= now);
		     pw = &(*pw)->next)
			;
		w = *pw;
		if (w) {
			*pw = w->next;
			w->dead = true;
		}
		pthread_mutex_unlock(&ws->lock);
		if (!w)
			break;
		end_idle(ws, w);
	}
	pthread_mutex_lock(&ws->lock);
	for (w = ws->procs; w; w = w->next)
		if (w->retire_at && (!next || w->retire_at < next))
			next = w->retire_at;
	pthread_mutex_unlock(&ws->lock);
	if (next) {
		its.it_value.tv_sec = (time_t)((next - now) / 1000000000ull);
		its.it_value.tv_nsec = (long)((next - now) % 1000000000ull) + 1;
	}
	timerfd_settime(ws->linger_fd, 0, &its, NULL);
}

/* No device of @key is connected: its worker ends after LINGER_NS unless used. */
static void workers_retire(struct vgpu_executor *ex, uint32_t key)
{
	struct workers *ws = to_workers(ex);
	struct wproc *w;

	pthread_mutex_lock(&ws->lock);
	for (w = ws->procs; w && w->key != key; w = w->next)
		;
	if (w && !w->retire_at)
		w->retire_at = vgpu_now_ns() + LINGER_NS;
	pthread_mutex_unlock(&ws->lock);
	if (w)
		workers_linger_check(ws);	/* arms the timer */
}

static unsigned workers_lost(struct vgpu_executor *ex, uint32_t *keys, unsigned max)
{
	struct workers *ws = to_workers(ex);
	unsigned n = ws->nlost < max ? ws->nlost : max;

	memcpy(keys, ws->lost, n * sizeof(*keys));
	memmove(ws->lost, ws->lost + n, (ws->nlost - n) * sizeof(*keys));
	ws->nlost -= n;
	return n;
}

static void workers_destroy(struct vgpu_executor *ex)
{
	struct workers *ws = to_workers(ex);
	struct wproc *w;

	while ((w = ws->procs)) {
		ws->procs = w->next;
		workers_put(ws, w);	/* closing its channels ends it */
	}
	if (ws->probe)
		workers_put(ws, ws->probe);
	close(ws->timer_fd);
	close(ws->linger_fd);
	close(ws->epfd);
	pthread_mutex_destroy(&ws->lock);
	free(ws->done);
	free(ws);
}

static int workers_create(const struct vgpu_exec_config *cfg, struct vgpu_executor **out)
{
	struct workers *ws = calloc(1, sizeof(*ws));
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

	if (!ws)
		return -ENOMEM;
	ws->base.ops = &vgpu_worker_executor_ops;
	ws->cfg = *cfg;
	snprintf(ws->executor, sizeof(ws->executor), "%s", cfg->worker_executor);
	ws->log_level = cfg->log_level;
	ws->log_stderr = cfg->log_stderr;
	/* Read once (valgrind answers this readlink with the program it runs). */
	if (readlink("/proc/self/exe", ws->self, sizeof(ws->self) - 1) <= 0) {
		free(ws);
		return -errno;
	}
	pthread_mutex_init(&ws->lock, NULL);
	ws->epfd = epoll_create1(EPOLL_CLOEXEC);
	ws->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	ws->linger_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (ws->epfd < 0 || ws->timer_fd < 0 || ws->linger_fd < 0 ||
	    epoll_ctl(ws->epfd, EPOLL_CTL_ADD, ws->timer_fd, &ev))
		goto fail;
	ev.data.ptr = &ws->linger_fd;	/* told apart from a worker by its address */
	if (epoll_ctl(ws->epfd, EPOLL_CTL_ADD, ws->linger_fd, &ev))
		goto fail;
	ws->probe = start(ws, PROBE_KEY, ws->executor);
	if (!ws->probe)
		goto fail;
	/* As many jobs out as one executor would run: the queue keeps the rest. */
	ws->slots = cfg->slots ? cfg->slots : workers_probe_slots(ws);
	if (!ws->slots)
		ws->slots = 16;
	*out = &ws->base;
	return 0;
fail:
	if (ws->epfd >= 0)
		close(ws->epfd);
	if (ws->timer_fd >= 0)
		close(ws->timer_fd);
	if (ws->linger_fd >= 0)
		close(ws->linger_fd);
	free(ws);
	return -EIO;
}

const char *workers_executor(struct vgpu_executor *ex)
{
	return to_workers(ex)->executor;
}

static int workers_event_fd(struct vgpu_executor *ex)
{
	return to_workers(ex)->epfd;
}

static void workers_attach_nothing(struct vgpu_executor *ex, struct vgpu_buffer *b)
{
	(void)ex;
	(void)b;	/* the worker attached it when it mapped it */
}

static int workers_attach(struct vgpu_executor *ex, struct vgpu_buffer *b)
{
	workers_attach_nothing(ex, b);
	return 0;
}

const struct vgpu_executor_ops vgpu_worker_executor_ops = {
	.name = "workers",
	.create = workers_create,
	.destroy = workers_destroy,
	.event_fd = workers_event_fd,
	.can_submit = workers_can_submit,
	.submit = workers_submit,
	.reap = workers_reap,
	.poll = workers_poll,
	.buf_attach = workers_attach,
	.buf_detach = workers_attach_nothing,
	.query = workers_query,
	.inflight = workers_inflight,
	.gpus = workers_gpus,
	.buf_map = workers_buf_map,
	.buf_unmap = workers_buf_unmap,
	.lost = workers_lost,
	.obj_free = workers_obj_free,
	.retire = workers_retire,
};
