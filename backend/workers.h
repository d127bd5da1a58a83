/* SPDX-License-Identifier: MIT */
/*
 * workers.h: the worker executor, vgpuback's side of its worker processes.
 *
 * vgpuback holds no CUDA context: each guest's work runs in a process of
 * its own (a pool's guests share one where the pool says they trust each
 * other), which maps that guest's buffers, owns its GPU contexts and runs
 * the real executor (cpu or cuda).  A worker's fault, crash or kill fails
 * only its own jobs; a job past its pool's deadline gets its worker killed.
 * To the rest of vgpuback this is one more executor (executor.h).
 *
 *   workers.c        the table, spawning, deaths, create/destroy
 *   workers_jobs.c   submit, reap, deadlines
 *   workers_calls.c  map, unmap, query: calls answered by the worker
 *   worker_main.c    the worker process itself
 */
#ifndef VGPUBACK_WORKERS_H
#define VGPUBACK_WORKERS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "executor.h"
#include "worker_msg.h"

enum wproc_end { WEND_NONE, WEND_DEADLINE, WEND_EXIT };

struct wproc {
	uint32_t key;			/* vgpu_worker_key(); ~0u: the probe */
	pid_t pid;
	int job_fd, call_fd;
	bool dead;			/* off the table; freed when refs go */
	enum wproc_end end;		/* why it was killed */
	unsigned refs;			/* the table's, and callers' (lock held) */
	pthread_mutex_t call_lock;	/* one call at a time on call_fd */
	struct vgpu_job **jobs;		/* given to it, not done */
	unsigned njobs, cap;
	uint64_t started_ns;
	uint64_t serial;		/* this worker, among all ever started */
	uint64_t retire_at;		/* ns: ends then unless used again; 0: not */
	struct wproc *next;
};

struct workers {
	struct vgpu_executor base;
	struct vgpu_exec_config cfg;
	char executor[16];		/* what the probe settled on */
	char self[4096];		/* this program, run again as the workers */
	int log_level;
	bool log_stderr;
	int epfd;			/* every worker's job_fd, and the timer */
	int timer_fd;			/* deadline checks while jobs run */
	bool timer_armed;
	int linger_fd;			/* workers of no connected device end */
	pthread_mutex_t lock;		/* the table: the loop and the mapper thread */
	struct wproc *procs;
	struct wproc *probe;		/* no guest: answers QUERY for the host */
	unsigned inflight;
	unsigned slots;			/* jobs out in all workers at most */
	struct vgpu_job **done;		/* finished, not reaped yet */
	unsigned ndone, done_cap;
	uint32_t lost[64];		/* keys whose worker died, not yet asked */
	unsigned nlost;
	uint64_t next_map_id;
	uint64_t next_serial;
};

static inline struct workers *to_workers(struct vgpu_executor *ex)
{
	return (struct workers *)ex;
}

/* workers.c */
/* The executor the workers run (what "auto" became). */
const char *workers_executor(struct vgpu_executor *ex);
/* The worker for @key, started if need be; a reference the caller puts. */
struct wproc *workers_get(struct workers *ws, uint32_t key, bool start);
void workers_put(struct workers *ws, struct wproc *w);
/* The loop: the linger timer fired; workers idle long enough end. */
void workers_linger_check(struct workers *ws);
/* The loop: @w's job channel closed; fail its jobs, note the loss. */
void workers_died(struct workers *ws, struct wproc *w);
/* Receive one message of @type and @size on @fd, waiting at most @ms. */
int wmsg_recv(int fd, void *buf, size_t size, uint32_t type, int ms);
int wmsg_send(int fd, const void *msg, size_t size);

/* workers_jobs.c */
bool workers_can_submit(struct vgpu_executor *ex, const struct vgpu_job *job);
int workers_submit(struct vgpu_executor *ex, struct vgpu_job *job);
unsigned workers_reap(struct vgpu_executor *ex, struct vgpu_job **done, unsigned max);
unsigned workers_poll(struct vgpu_executor *ex);
unsigned workers_inflight(struct vgpu_executor *ex);
/* @w's jobs, each failed with @status, onto the done list. */
void workers_fail_jobs(struct workers *ws, struct wproc *w, int status);

/* workers_calls.c */
int workers_buf_map(struct vgpu_executor *ex, uint32_t key, uint32_t domid,
		    const struct vgpuif_buf_register_req *reg, bool readonly,
		    uint64_t *id, bool *pinned, int *err);
void workers_buf_unmap(struct vgpu_executor *ex, uint32_t key, uint64_t id);
/* Device memory of a worker: freed there, if that worker still runs. */
void workers_obj_free(struct vgpu_executor *ex, const struct vgpu_obj_ref *m);
void workers_query(struct vgpu_executor *ex, struct vgpuif_query_result *q,
		   char *text, size_t len);
/* The probe's executor's own slot count (0: it did not say). */
unsigned workers_probe_slots(struct workers *ws);
unsigned workers_gpus(struct vgpu_executor *ex, struct vgpu_gpu_stat *out, unsigned max);

/* worker_main.c: vgpuback --worker; never returns. */
void worker_main(void) __attribute__((noreturn));

#endif /* VGPUBACK_WORKERS_H */
