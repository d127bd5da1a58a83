/* SPDX-License-Identifier: MIT */
/*
 * workers_jobs.c: jobs to workers and back.  The one priority queue still
 * decides what runs next: at most `slots` jobs are out in all the workers
 * together, so a worker never holds a backlog the queue cannot reorder.
 * Each worker's jobs are kept here until it answers them, so that its
 * death fails exactly those, and a job past its pool's deadline gets its
 * worker killed (checked on a timer that runs while jobs are out).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "vgpu_clock.h"
#include "vgpu_ops.h"
#include "workers.h"

#define DEADLINE_TICK_NS  20000000ull	/* how often deadlines are looked at */

static int done_push(struct workers *ws, struct vgpu_job *j)
{
	if (ws->ndone == ws->done_cap) {
		unsigned cap = ws->done_cap ? 2 * ws->done_cap : 64;
		struct vgpu_job **d = realloc(ws->done, cap * sizeof(*d));

		if (!d)
			return -ENOMEM;
		ws->done = d;
		ws->done_cap = cap;
	}
	ws->done[ws->ndone++] = j;
	return 0;
}

static void timer_set(struct workers *ws, bool on)
{
	struct itimerspec its = { 0 };

	if (on == ws->timer_armed)
		return;
	if (on) {
		its.it_value.tv_nsec = DEADLINE_TICK_NS;
		its.it_interval.tv_nsec = DEADLINE_TICK_NS;
	}
	timerfd_settime(ws->timer_fd, 0, &its, NULL);
	ws->timer_armed = on;
}

/* Take @j off @w's list; the done list gets it. */
static void job_finish(struct workers *ws, struct wproc *w, unsigned i)
{
	struct vgpu_job *j = w->jobs[i];

	w->jobs[i] = w->jobs[--w->njobs];
	j->t_done = vgpu_now_ns();
	ws->inflight--;
	if (done_push(ws, j))
		abort();	/* cannot drop a job: its device waits for it */
	if (!ws->inflight)
		timer_set(ws, false);
}

void workers_fail_jobs(struct workers *ws, struct wproc *w, int status)
{
	while (w->njobs) {
		w->jobs[w->njobs - 1]->status = status;
		job_finish(ws, w, w->njobs - 1);
	}
}

bool workers_can_submit(struct vgpu_executor *ex, const struct vgpu_job *job)
{
	(void)job;
	return to_workers(ex)->inflight < to_workers(ex)->slots;
}

static int track(struct wproc *w, struct vgpu_job *j)
{
	if (w->njobs == w->cap) {
		unsigned cap = w->cap ? 2 * w->cap : 16;
		struct vgpu_job **n = realloc(w->jobs, cap * sizeof(*n));

		if (!n)
			return VGPU_ENOMEM;
		w->jobs = n;
		w->cap = cap;
	}
	w->jobs[w->njobs++] = j;
	return VGPU_OK;
}

int workers_submit(struct vgpu_executor *ex, struct vgpu_job *j)
{
	struct workers *ws = to_workers(ex);
	struct wm_job m = { .h.type = WM_JOB, .h.cookie = (uintptr_t)j, .req = j->req,
			    .domid = j->domid, .devid = j->devid, .prio = j->prio,
			    .pool = j->pool, .session_gpu = j->session_gpu,
			    .handle = j->handle };
	struct wproc *w = workers_get(ws, vgpu_worker_key(&ws->cfg, j->domid, j->pool), true);
	unsigned i;
	int rc;

	if (!w)
		return VGPU_EIO;
	for (i = 0; i < 3; i++)
		m.buf_id[i] = j->buf[i] ? j->buf[i]->id : 0;
	rc = track(w, j);
	if (!rc && wmsg_send(w->job_fd, &m, sizeof(m))) {
		w->njobs--;
		rc = VGPU_ELOST;	/* its death comes through the loop */
	}
	workers_put(ws, w);
	if (rc)
		return rc;
	ws->inflight++;
	timer_set(ws, true);
	return VGPU_OK;
}

/* A DONE from @w: its job, answered. */
static void took_done(struct workers *ws, struct wproc *w, const struct wm_done *d)
{
	unsigned i;

	for (i = 0; i < w->njobs; i++)
		if ((uintptr_t)w->jobs[i] == d->h.cookie)
			break;
	if (i == w->njobs) {
		vlog(LOG_ERR, "worker %d answered a job it was not given; killing it",
		     (int)w->pid);
		kill(w->pid, SIGKILL);
		return;
	}
	w->jobs[i]->status = d->status;
	w->jobs[i]->gpu = d->gpu;
	w->jobs[i]->worker = w->serial;
	memcpy(w->jobs[i]->result.raw, d->result, sizeof(d->result));
	job_finish(ws, w, i);
}

/* Everything @w sent; false once it is gone. */
static bool drain(struct workers *ws, struct wproc *w)
{
	union { struct wm_hdr h; struct wm_done d; struct wm_ready r; } m;
	ssize_t n;

	for (;;) {
		n = recv(w->job_fd, &m, sizeof(m), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return true;
		if (n <= 0)
			break;
		if (m.h.type == WM_DONE && n == sizeof(m.d)) {
			took_done(ws, w, &m.d);
		} else if (m.h.type == WM_READY && n == sizeof(m.r)) {
			if (m.r.status)
				vlog(LOG_ERR, "worker %d cannot run its executor: %s",
				     (int)w->pid, strerror(-m.r.status));
		} else {
			vlog(LOG_ERR, "worker %d sent a malformed message", (int)w->pid);
			break;
		}
	}
	workers_died(ws, w);
	return false;
}

/* The timer: a job past its pool's deadline gets its worker killed. */
static void check_deadlines(struct workers *ws)
{
	uint64_t now = vgpu_now_ns(), v;
	struct wproc *w;
	unsigned i;

	if (read(ws->timer_fd, &v, sizeof(v)) < 0)
		return;
	for (w = ws->procs; w; w = w->next) {
		for (i = 0; i < w->njobs && w->end != WEND_DEADLINE; i++) {
			const struct vgpu_job *j = w->jobs[i];
			uint64_t lim = ws->cfg.deadline_ms[j->pool] * 1000000ull;

			if (!lim || now - j->t_dispatch <= lim)
				continue;
			vlog(LOG_WARNING, "domain %u: a %s request ran past pool %s's deadline "
			     "of %u ms; killing its worker %d", j->domid,
			     vgpu_op_desc(j->req.op)->name, ws->cfg.pools[j->pool],
			     ws->cfg.deadline_ms[j->pool], (int)w->pid);
			w->end = WEND_DEADLINE;
			kill(w->pid, SIGKILL);
		}
	}
}

/* Every message waiting, every death: the done list grows. */
static void drain_all(struct workers *ws)
{
	struct epoll_event ev[16];
	int n, i;

	do {
		n = epoll_wait(ws->epfd, ev, 16, 0);
		for (i = 0; i < n; i++) {
			if (!ev[i].data.ptr)
				check_deadlines(ws);
			else if (ev[i].data.ptr == &ws->linger_fd)
				workers_linger_check(ws);
			else
				drain(ws, ev[i].data.ptr);
		}
	} while (n == 16);
}

unsigned workers_reap(struct vgpu_executor *ex, struct vgpu_job **done, unsigned max)
{
	struct workers *ws = to_workers(ex);
	unsigned n;

	drain_all(ws);
	n = ws->ndone < max ? ws->ndone : max;
	if (!n)
		return 0;	/* ws->done may not exist yet */
	memcpy(done, ws->done, n * sizeof(*done));
	memmove(ws->done, ws->done + n, (ws->ndone - n) * sizeof(*done));
	ws->ndone -= n;
	return n;
}

unsigned workers_poll(struct vgpu_executor *ex)
{
	struct workers *ws = to_workers(ex);

	drain_all(ws);
	return ws->ndone;
}

/*
 * On the job channel, after the answers of the jobs that named it.  A
 * worker that died took its memory with it; a new worker for the same guest
 * never gets a free meant for the old one (its addresses may repeat).
 */
void workers_obj_free(struct vgpu_executor *ex, const struct vgpu_obj_ref *m)
{
	struct workers *ws = to_workers(ex);
	struct wm_free f = { .h.type = WM_FREE, .id = m->id, .gpu = m->gpu,
			     .kind = m->kind, .domid = m->domid };
	struct wproc *w = workers_get(ws, m->key, false);

	if (!w)
		return;
	if (w->serial == m->worker && !w->dead)
		wmsg_send(w->job_fd, &f, sizeof(f));	/* a failure: its death frees it */
	workers_put(ws, w);
}

unsigned workers_inflight(struct vgpu_executor *ex)
{
	return to_workers(ex)->inflight;
}
