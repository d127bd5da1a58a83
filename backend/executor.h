/* SPDX-License-Identifier: MIT */
/*
 * executor.h: the seam between vgpuback's scheduler and whatever computes.
 *
 * Contract:
 *  - The scheduler owns the one priority queue; an executor only sees jobs
 *    it was given by submit(), when can_submit() said a slot is free.
 *  - submit() never blocks.  It returns 0 (the job completes later) or a
 *    negative VGPU_E* status (the job failed now; the caller answers it).
 *  - Completions come back on the event loop: event_fd() turns readable,
 *    the loop calls reap(), which hands back finished jobs with job->status
 *    and job->result filled in.  No executor thread ever touches a ring or
 *    a backend structure other than its own.
 *  - Buffers are attached once when the guest registers them (the CUDA
 *    executor registers the mapping with the driver then) and detached only
 *    when no submitted job still uses them.  The backend bounds how many
 *    there are (per device, per domain, for the host); an executor keeps
 *    no table of its own that could fill before those limits do.
 *  - Jobs of a guest that went away are still reaped; the backend drops them.
 *  - Each executor dispatches through a kernel table indexed by op and
 *    answers VGPU_ENOSYS for an op whose row is not VGPU_SITE_EXECUTOR or
 *    for which it has no kernel.
 */
#ifndef VGPU_EXECUTOR_H
#define VGPU_EXECUTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vgpuif.h"

#define VGPU_MAX_POOLS      16
#define VGPU_POOL_NAME_MAX  16

/* A registered guest buffer, as the backend mapped it. */
struct vgpu_buffer {
	uint32_t handle;
	uint32_t domid;
	void *addr;			/* nr_pages granted pages, contiguous */
	size_t len;
	bool readonly;
	bool pinned;			/* buf_pin succeeded on these pages */
	unsigned refcnt;		/* backend-owned: registration + jobs */
	uint64_t id;			/* backend's: the mapping's number (buf_map) */
	void *backend_priv;		/* backend's: the mapper's work item */
	void *exec_priv;		/* executor's state (e.g. host registration) */
	/* Executor's: its list of attached buffers (no fixed table). */
	struct vgpu_buffer *ex_next, **ex_pprev;
};

struct vgpu_job {
	struct vgpuif_request req;	/* the validated private copy */
	uint32_t domid;
	uint32_t devid;
	int prio;			/* VGPU_PRIO_* (xsnodes.h) */
	int pool;			/* index into vgpu_exec_config.pools */
	uint64_t seq;			/* global arrival order */
	/*
	 * Operand i of vgpu_op_desc(req.op) (ring/vgpu_ops.h), in the table's
	 * order: vector_add 0 = a, 1 = b, 2 = c.  NULL where unused.
	 */
	struct vgpu_buffer *buf[3];
	void *ptr[3];			/* resolved addresses inside buf[i] */
	uint64_t t_arrive;		/* CLOCK_MONOTONIC ns */
	uint64_t t_dispatch;
	uint64_t t_done;
	/* Filled by the executor. */
	int32_t status;
	union {
		int64_t scalar;
		uint8_t raw[32];
	} result;
	int gpu;			/* which GPU ran it (-1: CPU) */
	/*
	 * Version 2 ops: the GPU of the request's session (its device memory
	 * lives there; -1 for version 1 ops, which run on any GPU of the
	 * pool).  Device addresses in req were checked against the session's
	 * allocations.  MEM_ALLOC answers the address in result.scalar.
	 */
	int session_gpu;
	uint64_t worker;		/* which worker ran it (workers.c), 0: none */
	/*
	 * MODULE_LOAD, FUNC_GET: vgpuback's handle for the module or function
	 * the job makes (unique while vgpuback runs); executors file what they
	 * make under it, and later requests name it.
	 */
	uint64_t handle;
	void *alloc[2];			/* backend's: allocations it names (sessions.c) */
	void *module;			/* backend's: the module it names (sessions.c) */
	void *gmodule[2];		/* backend's: modules whose globals it names */
	void *event[2];			/* backend's: the events it names (events.c) */
	uint64_t event_seq;		/* backend's: EVENT_SYNC, the RECORD it waits for */
	bool reaped;			/* backend's: the executor gave it back */
	void *exec_priv;
	void *owner;			/* backend's: the device the job came from */
	unsigned heap_idx;		/* scheduler's: position in the queue */
	uint32_t owner_gen;		/* backend's: connection the job belongs to */
	struct vgpu_job *next;		/* backend's: per-device lists */
};

struct vgpu_exec_config {
	unsigned slots;			/* concurrent jobs; 0 = executor default */
	uint64_t cpu_delay_us;		/* CPU executor: added to every job */
	bool test_faults;		/* honour VGPU_REQ_F_TEST_FAULT */
	bool stream_priorities;		/* CUDA: stream priority follows prio */
	unsigned npools;
	char pools[VGPU_MAX_POOLS][VGPU_POOL_NAME_MAX];
	int pool_gpu[VGPU_MAX_POOLS];	/* -1: any GPU */
	/* Worker processes (workers.c). */
	uint32_t deadline_ms[VGPU_MAX_POOLS];	/* a job's limit on the GPU */
	bool pool_shared[VGPU_MAX_POOLS];	/* one worker for the pool's guests */
	unsigned busy_poll_us;		/* a worker spins this long for completions */
	char worker_executor[16];	/* what workers run: cpu | cuda | auto */
	int log_level;			/* the workers' log */
	bool log_stderr;
};

/*
 * Which worker process runs a guest's work: its own (the domain id), or
 * its pool's one shared worker for pools whose guests trust each other.
 */
#define VGPU_WORKER_SHARED 0x80000000u
static inline uint32_t vgpu_worker_key(const struct vgpu_exec_config *cfg,
				       uint32_t domid, int pool)
{
	if (pool >= 0 && pool < VGPU_MAX_POOLS && cfg->pool_shared[pool])
		return VGPU_WORKER_SHARED | (uint32_t)pool;
	return domid;
}

/* What a guest's session holds on the GPU, to give back. */
enum vgpu_obj_kind {
	VGPU_OBJ_MEM,			/* MEM_FREE, a session or device closing */
	VGPU_OBJ_MODULE,		/* MODULE_UNLOAD: its functions go with it */
	VGPU_OBJ_EVENT,			/* EVENT_DESTROY (once no job names it) */
};

struct vgpu_obj_ref {
	uint64_t id;			/* MEM_ALLOC's address, MODULE_LOAD's handle */
	int kind;			/* enum vgpu_obj_kind */
	int gpu;			/* the session's GPU */
	uint32_t key;			/* the worker it lives in (vgpu_worker_key) */
	uint32_t domid;
	uint64_t worker;		/* vgpu_job.worker of the job that made it */
};

/* One device an executor drives, as vgpuctl stats shows it. */
struct vgpu_gpu_stat {
	char name[64];			/* e.g. "NVIDIA H200" */
	unsigned index;			/* CUDA device ordinal */
	uint64_t mem_total;		/* bytes */
	uint64_t mem_used;		/* bytes, by every process on the GPU */
	unsigned inflight;		/* jobs this executor runs there now */
};

struct vgpu_executor;

struct vgpu_executor_ops {
	const char *name;		/* "cpu", "cuda" */
	int (*create)(const struct vgpu_exec_config *cfg,
		      struct vgpu_executor **out);	/* -errno, logs why */
	void (*destroy)(struct vgpu_executor *ex);	/* waits for running jobs */
	int (*event_fd)(struct vgpu_executor *ex);
	bool (*can_submit)(struct vgpu_executor *ex, const struct vgpu_job *job);
	int (*submit)(struct vgpu_executor *ex, struct vgpu_job *job);
	unsigned (*reap)(struct vgpu_executor *ex, struct vgpu_job **done,
			 unsigned max);
	int (*buf_attach)(struct vgpu_executor *ex, struct vgpu_buffer *buf);
	void (*buf_detach)(struct vgpu_executor *ex, struct vgpu_buffer *buf);
	/* Fill what the executor knows; text gets a NUL-terminated summary. */
	void (*query)(struct vgpu_executor *ex, struct vgpuif_query_result *q,
		      char *text, size_t len);
	unsigned (*inflight)(struct vgpu_executor *ex);
	/*
	 * Optional (NULL: completions only through event_fd): look for
	 * finished jobs from the caller's thread, without blocking; returns
	 * how many became ready for reap().  vgpuback busy-polls with it for a
	 * short while after each submit and completion (busy-poll-us), which
	 * saves the hand-off and wake-up of a completion thread.
	 */
	unsigned (*poll)(struct vgpu_executor *ex);
	/*
	 * Optional: true once the executor cannot go on in this process (a
	 * sticky CUDA error survives every reset short of a new process).
	 * vgpuback then shuts its devices down and its supervisor starts a
	 * new worker (supervise.c).
	 */
	bool (*broken)(struct vgpu_executor *ex);
	/*
	 * Optional: the slow half of buf_attach (pinning the pages for DMA:
	 * cudaHostRegister takes about 150 ms a GiB), called on vgpuback's
	 * mapper thread right after the pages are mapped, so that the event
	 * loop never waits for it; safe against every other op running on
	 * the loop.  0: pinned, and the buffer then reaches buf_attach with
	 * pinned set; buf_detach leaves such pages pinned, and the mapper
	 * thread gives them back with buf_unpin right before unmapping them
	 * (unpinning a GiB takes about 20 ms).
	 */
	int (*buf_pin)(struct vgpu_executor *ex, void *addr, size_t len,
		       bool readonly);
	void (*buf_unpin)(struct vgpu_executor *ex, void *addr);
	/*
	 * Optional (NULL: no GPUs, as the CPU executor): fill up to @max
	 * entries, one per GPU this executor drives; returns how many.  Called
	 * on the event loop; must not wait for running jobs.
	 */
	unsigned (*gpus)(struct vgpu_executor *ex, struct vgpu_gpu_stat *out,
			 unsigned max);
	/*
	 * Optional (NULL: vgpuback maps guest pages itself, in its mapper
	 * thread): the executor maps them where the work runs.  Called on the
	 * mapper thread and may block.  buf_map reads @reg's grant refs of
	 * @domid and maps them for the worker of @key; on success *@id names
	 * the mapping (vgpu_buffer.id) and *@pinned says whether it was pinned.
	 * Returns VGPU_OK or a VGPU_E* status (*@err: errno of a failed map).
	 */
	int (*buf_map)(struct vgpu_executor *ex, uint32_t key, uint32_t domid,
		       const struct vgpuif_buf_register_req *reg, bool readonly,
		       uint64_t *id, bool *pinned, int *err);
	void (*buf_unmap)(struct vgpu_executor *ex, uint32_t key, uint64_t id);
	/*
	 * Optional: the worker keys (vgpu_worker_key) whose worker died since
	 * the last call, up to @max; their jobs were failed and reaped first.
	 * vgpuback closes those guests' devices (their mappings died too).
	 */
	unsigned (*lost)(struct vgpu_executor *ex, uint32_t *keys, unsigned max);
	/*
	 * Version 2: free device memory MEM_ALLOC gave, or unload a module
	 * MODULE_LOAD made.  Called on the loop only once no job that names
	 * it is queued or running.  NULL: the executor has no device memory
	 * (MEM_ALLOC answers VGPU_ENOSYS).
	 */
	void (*obj_free)(struct vgpu_executor *ex, const struct vgpu_obj_ref *m);
	/*
	 * Optional: no device of worker key @key is connected any more: its
	 * worker ends (its jobs, answered to no one, fail; its mappings and
	 * GPU state go with it).  The next request of that key starts a new one.
	 */
	void (*retire)(struct vgpu_executor *ex, uint32_t key);
};

struct vgpu_executor {
	const struct vgpu_executor_ops *ops;
};

extern const struct vgpu_executor_ops vgpu_cpu_executor_ops;
extern const struct vgpu_executor_ops vgpu_worker_executor_ops;	/* workers.c */
#ifdef HAVE_CUDA_EXECUTOR
extern const struct vgpu_executor_ops vgpu_cuda_executor_ops;
#endif

/* Look an executor up by name ("cpu", "cuda"); NULL if not built in. */
const struct vgpu_executor_ops *vgpu_executor_find(const char *name);
/* Create executor @name ("auto": cuda if a GPU answers, else cpu); -errno, logged. */
int vgpu_executor_start(const char *name, const struct vgpu_exec_config *cfg,
			const struct vgpu_executor_ops **ops, struct vgpu_executor **ex);

#endif /* VGPU_EXECUTOR_H */
