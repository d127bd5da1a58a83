/* SPDX-License-Identifier: MIT */
/*
 * exec_cuda.cu: the CUDA executor (backend/executor.h).
 *
 * Each GPU has K stream slots, created with stream priorities that follow
 * the request priority (a hint: the backend's queue already decided what
 * goes next).  A job: copy a and b from the guest's pages to device memory
 * (DMA: the pages were registered with cudaHostRegister once, when the guest
 * registered the buffer), add, copy c back, all on the slot's stream, then an
 * event.  Device memory comes from the stream-ordered pool (cudaMallocAsync).
 * One completion thread polls the slots' events — measured far cheaper than
 * cudaLaunchHostFunc callbacks — and hands finished jobs to vgpuback's loop
 * through an eventfd.  A sticky error resets that GPU: its running jobs fail
 * with VGPU_ERESET, streams and registrations are rebuilt, serving goes on.
 */
#include <cuda_runtime.h>

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

extern "C" {
#include "config.h"
#include "executor.h"
#include "vgpu_clock.h"
#include "vgpu_ops.h"
#include "xsnodes.h"
void vlog(int level, const char *fmt, ...);
}

#include "cuda_events.h"
#include "cuda_modules.h"
#include "cuda_streams.h"

#define MAX_GPUS  16
#define MAX_SLOTS 64
/* Device memory a slot keeps between requests; larger ones use the pool. */
#define SLOT_KEEP_BYTES (64u << 20)

struct slot {
	cudaStream_t stream;
	cudaStream_t run;		/* where the job runs: stream, or its session's */
	int sstream;			/* cuda_streams entry held, -1: none */
	cudaEvent_t done;
	struct vgpu_job *job;		/* NULL: free */
	uint64_t gen;			/* bumps at every submit */
	uint64_t order;			/* the executor's submit count at its submit */
	float *d_vec;			/* a, b, c of small requests, kept */
	size_t d_cap;			/* bytes at d_vec */
	int64_t *d_scalar;
	int64_t *h_scalar;		/* pinned */
};

struct gpu {
	int dev;
	char name[256];
	size_t mem;
	int cc_major, cc_minor, sms;	/* cached at create for QUERY */
	unsigned nslots;
	struct slot slots[MAX_SLOTS];
	unsigned busy;
	uint64_t completed;
	bool dead;			/* did not come back from a reset */
	bool guest_state;		/* sessions ran here: a reset would lose them */
};

/* The completion thread's look at one busy slot, noted under the lock. */
struct look {
	unsigned gi, s;
	uint64_t gen;
	cudaEvent_t ev;
	cudaError_t e;
};

struct cuda_exec {
	struct vgpu_executor base;
	struct vgpu_exec_config cfg;
	unsigned ngpus;
	struct gpu gpus[MAX_GPUS];
	int efd;
	pthread_t poller;
	pthread_mutex_t lock;		/* slots, done list, buffers, resets */
	pthread_cond_t cond;
	bool stop;
	unsigned running;
	uint64_t submits;		/* slot.order */
	struct vgpu_job *done_head, **done_tail;
	/*
	 * Attached buffers, for re-registration after a reset.  A list, not a
	 * table: the backend's limits (per device, per domain, per host) bound
	 * it, and a fixed table shared by all guests let the first ones lock
	 * every later guest out.
	 */
	struct vgpu_buffer *bufs;
	struct look looks[MAX_GPUS * MAX_SLOTS];	/* completion thread's */
	bool staging;			/* some buffer could not be registered */
	/* Cached at create for QUERY: the versions never change while we run. */
	int cuda_driver, cuda_runtime;	/* 13000: 13.0 */
	char nv_driver[32];		/* "580.159.04", or "" when unknown */
	struct cuda_modules *mods;	/* NULL: the driver offers no module API */
	struct cuda_streams streams;	/* one per guest session */
	struct cuda_events events;	/* the guests' events */
};

__global__ void vadd_kernel(const float *a, const float *b, float *c, uint64_t n)
{
	uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x;
	uint64_t stride = (uint64_t)gridDim.x * blockDim.x;

	for (; i < n; i += stride)
		c[i] = a[i] + b[i];
}

__global__ void scalar_kernel(int64_t a, int64_t b, int64_t *out)
{
	*out = a + b;
}

/* Test-only: an illegal address makes the context sticky-fail. */
/* MEMSET of 2- and 4-byte elements (the runtime API sets bytes only). */
template <typename T>
__global__ void fill_kernel(T *p, T v, uint64_t n)
{
	uint64_t i = blockIdx.x * (uint64_t)blockDim.x + threadIdx.x;
	uint64_t stride = (uint64_t)gridDim.x * blockDim.x;

	for (; i < n; i += stride)
		p[i] = v;
}

__global__ void fault_kernel(int *p)
{
	*(volatile int *)((uintptr_t)p + 0xdead0000ull) = 1;
}

static struct cuda_exec *to_cuda(struct vgpu_executor *ex)
{
	return (struct cuda_exec *)ex;
}

static int stream_priority(int prio)
{
	int least, greatest;

	if (cudaDeviceGetStreamPriorityRange(&least, &greatest) != cudaSuccess)
		return 0;
	/* greatest is numerically lowest; map high/medium/low across the range. */
	switch (prio) {
	case VGPU_PRIO_HIGH: return greatest;
	case VGPU_PRIO_MEDIUM: return (least + greatest) / 2;
	default: return least;
	}
}

/*
 * The default memory pool gives its memory back to the driver at every
 * synchronisation (release threshold 0), so each request would map and unmap
 * its device memory anew.  Keep what was freed for the next request instead.
 */
static void keep_pool_memory(int dev)
{
	cudaMemPool_t pool;
	uint64_t keep = UINT64_MAX;

	if (cudaDeviceGetDefaultMemPool(&pool, dev) != cudaSuccess ||
	    cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep) != cudaSuccess) {
		vlog(LOG_WARNING, "cuda: GPU %d: cannot keep pool memory between requests: %s",
		     dev, cudaGetErrorString(cudaGetLastError()));
	}
}

static int gpu_setup(struct cuda_exec *x, struct gpu *g)
{
	unsigned s;

	if (cudaSetDevice(g->dev) != cudaSuccess)
		return -1;
	keep_pool_memory(g->dev);
	for (s = 0; s < g->nslots; s++) {
		struct slot *sl = &g->slots[s];
		/* Slots are spread over the priorities; the job's priority picks. */
		int prio = x->cfg.stream_priorities ? stream_priority((int)(s % 3)) : 0;

		if (cudaStreamCreateWithPriority(&sl->stream, cudaStreamNonBlocking, prio) ||
		    cudaEventCreateWithFlags(&sl->done, cudaEventDisableTiming) ||
		    cudaMalloc(&sl->d_scalar, sizeof(int64_t)) ||
		    cudaMallocHost(&sl->h_scalar, sizeof(int64_t)))
			return -1;
		sl->job = NULL;
	}
	return 0;
}

static void gpu_teardown(struct gpu *g)
{
	unsigned s;

	cudaSetDevice(g->dev);
	for (s = 0; s < g->nslots; s++) {
		struct slot *sl = &g->slots[s];

		if (sl->stream)
			cudaStreamDestroy(sl->stream);
		if (sl->done)
			cudaEventDestroy(sl->done);
		if (sl->d_scalar)
			cudaFree(sl->d_scalar);
		if (sl->d_vec)
			cudaFree(sl->d_vec);
		if (sl->h_scalar)
			cudaFreeHost(sl->h_scalar);
		memset(sl, 0, sizeof(*sl));
	}
}

static int register_buf(struct vgpu_buffer *b)
{
	unsigned flags = cudaHostRegisterPortable;

	if (b->readonly)
		flags |= cudaHostRegisterReadOnly;
	if (cudaHostRegister(b->addr, b->len, flags) != cudaSuccess) {
		cudaGetLastError();
		return -1;
	}
	return 0;
}

static void finish(struct cuda_exec *x, struct gpu *g, struct slot *sl, int status)
{
	struct vgpu_job *j = sl->job;
	uint64_t one = 1;

	j->status = status;
	if (status == VGPU_OK && vgpu_op_desc(j->req.op)->result == VGPU_RESULT_SCALAR)
		j->result.scalar = *sl->h_scalar;
	j->t_done = vgpu_now_ns();
	j->next = NULL;
	cuda_stream_put(&x->streams, sl->sstream);
	sl->sstream = -1;
	*x->done_tail = j;
	x->done_tail = &j->next;
	sl->job = NULL;
	g->busy--;
	g->completed++;
	if (write(x->efd, &one, sizeof(one)) < 0)
		(void)0;
}

/* After a reset: does the GPU compute again (20 + 22 on slot 0)? */
/*
 * @sl's work is done, so is all submitted before it on the same stream:
 * answer those first, so that answers keep a stream's order even when one
 * look sees several done.  Lock held.
 */
static unsigned finish_in_order(struct cuda_exec *x, struct gpu *g, struct slot *sl)
{
	unsigned s, n = 0;

	for (;;) {
		struct slot *first = NULL;

		for (s = 0; s < g->nslots; s++) {
			struct slot *o = &g->slots[s];

			if (o != sl && o->job && o->run == sl->run && o->order < sl->order &&
			    (!first || o->order < first->order))
				first = o;
		}
		if (!first)
			break;
		finish(x, g, first, VGPU_OK);
		n++;
	}
	finish(x, g, sl, VGPU_OK);
	return n + 1;
}

static int gpu_probe(struct gpu *g)
{
	struct slot *sl = &g->slots[0];

	*sl->h_scalar = 0;
	scalar_kernel<<<1, 1, 0, sl->stream>>>(20, 22, sl->d_scalar);
	if (cudaMemcpyAsync(sl->h_scalar, sl->d_scalar, sizeof(int64_t),
			    cudaMemcpyDeviceToHost, sl->stream) != cudaSuccess ||
	    cudaStreamSynchronize(sl->stream) != cudaSuccess || *sl->h_scalar != 42)
		return -1;
	return 0;
}

/*
 * A sticky error where guests' sessions live: their memory, modules and
 * streams died with the context, and no reset brings them back.  Every job
 * there fails with VGPU_EFAULT and the GPU goes out of service: the worker
 * ends (broken()), its guests are told, and a new worker starts clean.
 * Lock held.
 */
static void guest_fault(struct cuda_exec *x, struct gpu *g, cudaError_t why)
{
	unsigned s;

	vlog(LOG_NOTICE, "cuda: GPU %d: a guest's work faulted (%s); %u request%s failed, "
	     "this worker's GPU state is lost", g->dev, cudaGetErrorString(why), g->busy,
	     g->busy == 1 ? "" : "s");
	for (s = 0; s < g->nslots; s++)
		if (g->slots[s].job)
			finish(x, g, &g->slots[s], VGPU_EFAULT);
	g->dead = true;
}

/*
 * A sticky error: fail what runs on this GPU, rebuild it.  A sticky error
 * poisons every stream of the context, so which job caused it is known only
 * when it ran alone (VGPU_EIO); otherwise each fails with VGPU_ERESET.
 * Lock held.
 */
static void gpu_reset(struct cuda_exec *x, struct gpu *g, cudaError_t why)
{
	struct vgpu_buffer *b;
	unsigned s;
	int st = g->busy == 1 ? VGPU_EIO : VGPU_ERESET;
	cudaError_t e;

	if (g->guest_state) {
		guest_fault(x, g, why);
		return;
	}
	vlog(LOG_ERR, "cuda: GPU %d (%s): %s; resetting it (%u request%s running)", g->dev,
	     g->name, cudaGetErrorString(why), g->busy, g->busy == 1 ? "" : "s");
	for (s = 0; s < g->nslots; s++)
		if (g->slots[s].job)
			finish(x, g, &g->slots[s], st);
	cudaSetDevice(g->dev);
	e = cudaDeviceReset();
	cudaGetLastError();
	memset(g->slots, 0, sizeof(g->slots));
	if (e != cudaSuccess || gpu_setup(x, g) || gpu_probe(g)) {
		e = e != cudaSuccess ? e : cudaGetLastError();
		vlog(LOG_ERR, "cuda: GPU %d could not be brought back in this process (%s): out of "
		     "service until vgpuback's worker restarts", g->dev, cudaGetErrorString(e));
		g->dead = true;
		return;
	}
	/* Registrations went with the context: make them again. */
	for (b = x->bufs; b; b = b->ex_next)
		if (b->exec_priv) {
			cudaHostUnregister(b->addr);
			cudaGetLastError();
			if (register_buf(b))
				b->exec_priv = NULL;
		}
	vlog(LOG_NOTICE, "cuda: GPU %d reset; serving again", g->dev);
}

/*
 * vgpuback's loop looks at every busy slot once; finished jobs go to the
 * done list.  A GPU error is left to the completion thread: a reset takes
 * long and must not stall the loop.  Lock held.
 */
static unsigned scan_slots(struct cuda_exec *x)
{
	unsigned gi, s, finished = 0;

	for (gi = 0; gi < x->ngpus; gi++) {
		struct gpu *g = &x->gpus[gi];

		for (s = 0; s < g->nslots; s++) {
			struct slot *sl = &g->slots[s];
			cudaError_t e;

			if (!sl->job)
				continue;
			cudaSetDevice(g->dev);
			e = cudaEventQuery(sl->done);
			if (e == cudaSuccess) {
				finished += finish_in_order(x, g, sl);
			} else if (e != cudaErrorNotReady) {
				cudaGetLastError();	/* the completion thread resets */
			}
		}
	}
	return finished;
}

/* Note the busy slots and their events.  Lock held. */
static unsigned take_looks(struct cuda_exec *x)
{
	unsigned gi, s, n = 0;

	for (gi = 0; gi < x->ngpus; gi++)
		for (s = 0; s < x->gpus[gi].nslots; s++) {
			struct slot *sl = &x->gpus[gi].slots[s];

			if (!sl->job)
				continue;
			x->looks[n].gi = gi;
			x->looks[n].s = s;
			x->looks[n].gen = sl->gen;
			x->looks[n].ev = sl->done;
			x->looks[n++].e = cudaErrorNotReady;
		}
	return n;
}

/*
 * Act on what the queries saw, for slots still running the job they ran
 * then (vgpuback's loop may have reaped and reused a slot meanwhile).
 * Lock held.
 */
static unsigned apply_looks(struct cuda_exec *x, unsigned n)
{
	unsigned i, finished = 0;

	for (i = 0; i < n; i++) {
		struct look *l = &x->looks[i];
		struct gpu *g = &x->gpus[l->gi];
		struct slot *sl = &g->slots[l->s];

		if (!sl->job || sl->gen != l->gen || l->e == cudaErrorNotReady)
			continue;
		if (l->e == cudaSuccess) {
			finished += finish_in_order(x, g, sl);
			continue;
		}
		finished++;
		gpu_reset(x, g, l->e);	/* empties every slot of g */
	}
	return finished;
}

/*
 * The completion thread: the fallback for work that runs long, and the one
 * place a GPU is reset.  It queries events without the lock, so vgpuback's
 * loop (submits, its own busy poll) never waits behind a whole scan; only
 * this thread destroys events (in gpu_reset), so the handles it looks at
 * stay valid.
 */
static void *poller(void *arg)
{
	struct cuda_exec *x = (struct cuda_exec *)arg;
	unsigned spins = 0;

	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	pthread_mutex_lock(&x->lock);
	while (!x->stop) {
		unsigned n = take_looks(x), i;

		if (!n) {
			spins = 0;
			/* Nothing on a GPU: sleep until a submit (it needs the lock). */
			pthread_cond_wait(&x->cond, &x->lock);
			continue;
		}
		pthread_mutex_unlock(&x->lock);
		for (i = 0; i < n; i++) {
			cudaSetDevice(x->gpus[x->looks[i].gi].dev);
			x->looks[i].e = cudaEventQuery(x->looks[i].ev);
			if (x->looks[i].e != cudaSuccess && x->looks[i].e != cudaErrorNotReady)
				cudaGetLastError();
		}
		pthread_mutex_lock(&x->lock);
		if (apply_looks(x, n))
			spins = 0;	/* something finished: keep looking closely */
		/*
		 * Jobs in flight: poll, giving the lock to submitters between
		 * looks.  A sleep costs the timer slack (50 us by default) on
		 * every completion, so spin with sched_yield while work is
		 * fresh and sleep only once it has run long.
		 */
		pthread_mutex_unlock(&x->lock);
		if (++spins < 20000) {
			sched_yield();
		} else {
			struct timespec ts = { 0, 20000 };

			nanosleep(&ts, NULL);
		}
		pthread_mutex_lock(&x->lock);
	}
	pthread_mutex_unlock(&x->lock);
	return NULL;
}

/* vgpuback's loop looks for itself: no thread hand-off, no wake-up. */
static unsigned cuda_poll(struct vgpu_executor *ex)
{
	struct cuda_exec *x = to_cuda(ex);
	unsigned n;

	if (pthread_mutex_trylock(&x->lock))
		return 0;	/* a submit or the completion thread holds it */
	n = scan_slots(x);
	pthread_mutex_unlock(&x->lock);
	return n;
}

/* May @g run @job: in service, and the GPU its pool is pinned to, if any? */
static bool gpu_serves(const struct cuda_exec *x, const struct gpu *g,
		       const struct vgpu_job *job)
{
	int pin = job->pool >= 0 && job->pool < VGPU_MAX_POOLS ? x->cfg.pool_gpu[job->pool] : -1;

	return !g->dead && (pin < 0 || g->dev == pin);
}

static struct gpu *pick_gpu(struct cuda_exec *x, const struct vgpu_job *job)
{
	struct gpu *best = NULL;
	unsigned i;

	for (i = 0; i < x->ngpus; i++) {
		struct gpu *g = &x->gpus[i];

		/* A session's work runs where its memory is. */
		if (job->session_gpu >= 0 && (int)i != job->session_gpu)
			continue;
		if (gpu_serves(x, g, job) && g->busy < g->nslots && (!best || g->busy < best->busy))
			best = g;
	}
	return best;
}

/* Is any GPU this job may use still in service? */
static bool gpu_usable(struct cuda_exec *x, const struct vgpu_job *job)
{
	unsigned i;

	for (i = 0; i < x->ngpus; i++)
		if (gpu_serves(x, &x->gpus[i], job))
			return true;
	return false;
}

static bool cuda_can_submit(struct vgpu_executor *ex, const struct vgpu_job *job)
{
	struct cuda_exec *x = to_cuda(ex);
	bool ok;

	pthread_mutex_lock(&x->lock);
	/* With no GPU left for it, submit() fails the job at once. */
	ok = pick_gpu(x, job) != NULL || !gpu_usable(x, job);
	pthread_mutex_unlock(&x->lock);
	return ok;
}

/*
 * Device memory for one request, stream-ordered on the slot's stream.  Up
 * to SLOT_KEEP_BYTES the slot keeps what it had (no allocation call per
 * small request, a few us each); larger requests take from the pool and
 * give back when they finish.
 */
static int device_memory(struct slot *sl, size_t bytes, float **d)
{
	cudaError_t e;

	if (bytes <= sl->d_cap) {
		*d = sl->d_vec;
		return VGPU_OK;
	}
	if (bytes <= SLOT_KEEP_BYTES) {
		if (sl->d_vec)
			cudaFreeAsync(sl->d_vec, sl->stream);
		sl->d_vec = NULL;
		sl->d_cap = 0;
		e = cudaMallocAsync((void **)&sl->d_vec, bytes, sl->stream);
		if (e == cudaSuccess) {
			sl->d_cap = bytes;
			*d = sl->d_vec;
			return VGPU_OK;
		}
	} else {
		e = cudaMallocAsync((void **)d, bytes, sl->stream);
		if (e == cudaSuccess)
			return VGPU_OK;
	}
	return e == cudaErrorMemoryAllocation ? VGPU_ENOMEM : VGPU_EIO;
}

static bool test_fault(const struct cuda_exec *x, const struct vgpu_job *j)
{
	return (j->req.flags & VGPU_REQ_F_TEST_FAULT) && x->cfg.test_faults;
}

/* The result goes to the slot's pinned h_scalar; finish() takes it from there. */
static int cuda_scalar_add(struct cuda_exec *x, struct slot *sl, struct vgpu_job *j)
{
	cudaStream_t st = sl->stream;

	if (test_fault(x, j))
		fault_kernel<<<1, 1, 0, st>>>((int *)sl->d_scalar);
	else
		scalar_kernel<<<1, 1, 0, st>>>(j->req.u.scalar_add.a,
					       j->req.u.scalar_add.b, sl->d_scalar);
	cudaMemcpyAsync(sl->h_scalar, sl->d_scalar, sizeof(int64_t),
			cudaMemcpyDeviceToHost, st);
	return VGPU_OK;
}

/* Operands in the table's order: ptr[0] = a, ptr[1] = b, ptr[2] = c. */
static int cuda_vector_add(struct cuda_exec *x, struct slot *sl, struct vgpu_job *j)
{
	cudaStream_t st = sl->stream;
	uint64_t n = j->req.u.vector_add.n;
	size_t bytes = n * sizeof(float);
	float *d = NULL;
	unsigned blocks = (unsigned)((n + 255) / 256);
	int rc;

	if (blocks > 65535u * 8)
		blocks = 65535u * 8;
	rc = device_memory(sl, 3 * bytes, &d);
	if (rc)
		return rc;
	cudaMemcpyAsync(d, j->ptr[0], bytes, cudaMemcpyHostToDevice, st);
	cudaMemcpyAsync(d + n, j->ptr[1], bytes, cudaMemcpyHostToDevice, st);
	if (test_fault(x, j))
		fault_kernel<<<1, 1, 0, st>>>((int *)d);
	else
		vadd_kernel<<<blocks, 256, 0, st>>>(d, d + n, d + 2 * n, n);
	cudaMemcpyAsync(j->ptr[2], d + 2 * n, bytes, cudaMemcpyDeviceToHost, st);
	if (d != sl->d_vec)
		cudaFreeAsync(d, st);
	return VGPU_OK;
}

/*
 * Protocol version 2: device memory of the guest's own context (this
 * worker's).  Addresses were checked against the session's allocations.
 * A new allocation is zeroed on the slot's stream: no byte of an earlier
 * user reaches the guest.
 */
static void *dptr(uint64_t p)
{
	return (void *)(uintptr_t)p;
}

static int cuda_mem_alloc(struct cuda_exec *x, struct slot *sl, struct vgpu_job *j)
{
	uint64_t bytes = j->req.u.mem_alloc.bytes;
	void *p = NULL;
	cudaError_t e = cudaMalloc(&p, bytes);

	(void)x;
	if (e != cudaSuccess) {
		cudaGetLastError();
		return e == cudaErrorMemoryAllocation ? VGPU_ENOMEM : VGPU_EIO;
	}
	cudaMemsetAsync(p, 0, bytes, sl->run);
	*sl->h_scalar = (int64_t)(uintptr_t)p;	/* finish() answers it */
	return VGPU_OK;
}

static int cuda_memcpy(struct cuda_exec *x, struct slot *sl, struct vgpu_job *j)
{
	const struct vgpuif_memcpy_req *m = &j->req.u.memcpy;
	bool htod = j->req.op == VGPU_OP_MEMCPY_HTOD;

	(void)x;
	return cudaMemcpyAsync(htod ? dptr(m->dptr) : j->ptr[0], htod ? j->ptr[0] : dptr(m->dptr),
			       m->bytes, htod ? cudaMemcpyHostToDevice : cudaMemcpyDeviceToHost,
			       sl->run) == cudaSuccess ? VGPU_OK : VGPU_EIO;
}

static int cuda_dtod(struct cuda_exec *x, struct slot *sl, struct vgpu_job *j)
{
	const struct vgpuif_memcpy_dtod_req *m = &j->req.u.memcpy_dtod;

	(void)x;
	return cudaMemcpyAsync(dptr(m->dst), dptr(m->src), m->bytes, cudaMemcpyDeviceToDevice,
			       sl->run) == cudaSuccess ? VGPU_OK : VGPU_EIO;
}

static int cuda_memset(struct cuda_exec *x, struct slot *sl, struct vgpu_job *j)
{
	const struct vgpuif_memset_req *m = &j->req.u.memset;
	uint64_t blocks = (m->count + 255) / 256;

	(void)x;
	if (blocks > 65535u * 8)
		blocks = 65535u * 8;
	if (m->elem == 1)
		return cudaMemsetAsync(dptr(m->dptr), (int)m->value, m->count, sl->run) ==
			cudaSuccess ? VGPU_OK : VGPU_EIO;
	if (m->elem == 2)
		fill_kernel<<<(unsigned)blocks, 256, 0, sl->run>>>((uint16_t *)dptr(m->dptr),
			(uint16_t)m->value, m->count);
	else
		fill_kernel<<<(unsigned)blocks, 256, 0, sl->run>>>((uint32_t *)dptr(m->dptr),
			(uint32_t)m->value, m->count);
	return cudaGetLastError() == cudaSuccess ? VGPU_OK : VGPU_EIO;
}

/*
 * Modules and launches: the driver API through cuda_modules.cu.  Loads and
 * look-ups are synchronous (the driver's calls are); their slot's event
 * marks them done in order with the session's other work.
 */
static int cuda_module_load_op(struct cuda_exec *x, struct slot *sl, struct vgpu_job *j)
{
	(void)sl;
	if (!x->mods)
		return VGPU_ENOSYS;
	return cuda_module_load(x->mods, j->handle, j->domid, j->session_gpu, j->ptr[0],
				j->req.u.module_load.bytes);
}

static int cuda_func_get_op(struct cuda_exec *x, struct slot *sl, struct vgpu_job *j)
{
	const struct vgpuif_func_get_req *f = &j->req.u.func_get;
	struct vgpuif_func_result r;
	int rc;

	(void)sl;
	if (!x->mods)
		return VGPU_ENOSYS;
	rc = cuda_func_get(x->mods, f->module, j->handle, j->domid, (const char *)j->ptr[0],
			   f->name_len, (struct vgpuif_param *)j->ptr[1],
			   f->layout_len / sizeof(struct vgpuif_param), &r);
	if (!rc)
		memcpy(j->result.raw, &r, sizeof(r));
	return rc;
}

static int cuda_global_get_op(struct cuda_exec *x, struct slot *sl, struct vgpu_job *j)
{
	const struct vgpuif_global_get_req *g = &j->req.u.global_get;
	struct vgpuif_global_result r;
	int rc;

	(void)sl;
	if (!x->mods)
		return VGPU_ENOSYS;
	rc = cuda_global_get(x->mods, g->module, j->domid, (const char *)j->ptr[0], g->name_len,
			     &r);
	if (!rc)
		memcpy(j->result.raw, &r, sizeof(r));
	return rc;
}

static int cuda_launch_op(struct cuda_exec *x, struct slot *sl, struct vgpu_job *j)
{
	if (!x->mods)
		return VGPU_ENOSYS;
	return cuda_launch(x->mods, j->domid, &j->req.u.launch, j->ptr[0], sl->run);
}

/*
 * DEVICE_INFO, written into the guest's buffer (synchronous: the driver
 * answers from what it knows).  The runtime's attribute numbers are the
 * driver's.
 */
static int cuda_device_info(struct cuda_exec *x, struct slot *sl, struct vgpu_job *j)
{
	struct vgpuif_device_info *out = (struct vgpuif_device_info *)j->ptr[0];
	unsigned gpu = j->req.u.device_info.gpu;
	cudaDeviceProp p;
	int a, v;

	(void)sl;
	if (gpu >= x->ngpus)
		return VGPU_ERANGE;
	memset(out, 0, sizeof(*out));
	if (cudaGetDeviceProperties(&p, x->gpus[gpu].dev) != cudaSuccess) {
		cudaGetLastError();
		return VGPU_EIO;
	}
	snprintf(out->name, sizeof(out->name), "%s", p.name);
	memcpy(out->uuid, p.uuid.bytes, sizeof(out->uuid));
	out->total_mem = p.totalGlobalMem;
	out->driver_version = x->cuda_driver;
	out->nattrs = VGPUIF_DEVICE_ATTRS;
	for (a = 1; a < VGPUIF_DEVICE_ATTRS; a++) {
		if (cudaDeviceGetAttribute(&v, (enum cudaDeviceAttr)a, x->gpus[gpu].dev) ==
		    cudaSuccess)
			out->attrs[a] = v;
		else
			cudaGetLastError();	/* a number this driver does not know */
	}
	return VGPU_OK;
}

/* STREAM_SYNC: nothing to run; its event marks the stream's work before it. */
static int cuda_stream_sync(struct cuda_exec *x, struct slot *sl, struct vgpu_job *j)
{
	(void)x;
	(void)sl;
	(void)j;
	return VGPU_OK;
}

/* EVENT_RECORD: on the stream the guest named, behind its work. */
static int cuda_event_record_op(struct cuda_exec *x, struct slot *sl, struct vgpu_job *j)
{
	return cuda_event_record(&x->events, j->domid, j->req.u.event.event, sl->run);
}

/* EVENT_SYNC (on the slot's own stream): done when the event's record is. */
static int cuda_event_sync_op(struct cuda_exec *x, struct slot *sl, struct vgpu_job *j)
{
	return cuda_event_wait(&x->events, j->domid, j->req.u.event.event, sl->run);
}

/* EVENT_ELAPSED (on the slot's own stream): both complete, vgpuback saw. */
static int cuda_event_elapsed_op(struct cuda_exec *x, struct slot *sl, struct vgpu_job *j)
{
	return cuda_event_elapsed(&x->events, j->domid, j->req.u.event_elapsed.start,
				  j->req.u.event_elapsed.end, sl->h_scalar);
}

/*
 * One kernel per executor op of the table (ring/vgpu_ops.c), indexed by op.
 * C++ has no array designators: a constexpr function fills the table at
 * compile time instead.
 */
typedef int (*cuda_kernel_fn)(struct cuda_exec *x, struct slot *sl, struct vgpu_job *j);

struct cuda_kernel_table {
	cuda_kernel_fn fn[VGPU_OP_MAX + 1];
};

static constexpr struct cuda_kernel_table make_kernels(void)
{
	struct cuda_kernel_table t = {};

	t.fn[VGPU_OP_SCALAR_ADD] = cuda_scalar_add;
	t.fn[VGPU_OP_VECTOR_ADD] = cuda_vector_add;
	t.fn[VGPU_OP_MEM_ALLOC] = cuda_mem_alloc;
	t.fn[VGPU_OP_MEMCPY_HTOD] = cuda_memcpy;
	t.fn[VGPU_OP_MEMCPY_DTOH] = cuda_memcpy;
	t.fn[VGPU_OP_MEMCPY_DTOD] = cuda_dtod;
	t.fn[VGPU_OP_MEMSET] = cuda_memset;
	t.fn[VGPU_OP_MODULE_LOAD] = cuda_module_load_op;
	t.fn[VGPU_OP_FUNC_GET] = cuda_func_get_op;
	t.fn[VGPU_OP_GLOBAL_GET] = cuda_global_get_op;
	t.fn[VGPU_OP_LAUNCH] = cuda_launch_op;
	t.fn[VGPU_OP_DEVICE_INFO] = cuda_device_info;
	t.fn[VGPU_OP_STREAM_SYNC] = cuda_stream_sync;
	t.fn[VGPU_OP_EVENT_RECORD] = cuda_event_record_op;
	t.fn[VGPU_OP_EVENT_SYNC] = cuda_event_sync_op;
	t.fn[VGPU_OP_EVENT_ELAPSED] = cuda_event_elapsed_op;
	return t;
}

static constexpr struct cuda_kernel_table cuda_kernels = make_kernels();

static int launch(struct cuda_exec *x, struct slot *sl, struct vgpu_job *j)
{
	const struct vgpu_op_desc *d = vgpu_op_desc(j->req.op);
	int rc;

	if (!d || d->site != VGPU_SITE_EXECUTOR || !cuda_kernels.fn[j->req.op])
		return VGPU_ENOSYS;
	rc = cuda_kernels.fn[j->req.op](x, sl, j);
	if (rc)
		return rc;
	if (cudaEventRecord(sl->done, sl->run) != cudaSuccess)
		return VGPU_EIO;
	return VGPU_OK;
}

/* A session's work runs on its own stream, in order; the rest on the slot's. */
static int run_on(struct cuda_exec *x, struct gpu *g, struct slot *sl, struct vgpu_job *job)
{
	sl->run = sl->stream;
	sl->sstream = -1;
	if (job->session_gpu < 0)
		return VGPU_OK;
	g->guest_state = true;
	/* They wait for an event, not for their stream's work. */
	if (job->req.op == VGPU_OP_EVENT_SYNC || job->req.op == VGPU_OP_EVENT_ELAPSED)
		return VGPU_OK;
	sl->sstream = cuda_stream_get(&x->streams, g->dev, job->domid, job->devid,
				      job->req.session, vgpu_op_stream(&job->req),
				      x->cfg.stream_priorities ? stream_priority(job->prio) : 0);
	if (sl->sstream < 0)
		return VGPU_EBUSY;
	sl->run = x->streams.s[sl->sstream].st;
	return VGPU_OK;
}

static int cuda_submit(struct vgpu_executor *ex, struct vgpu_job *job)
{
	struct cuda_exec *x = to_cuda(ex);
	struct gpu *g;
	struct slot *sl = NULL;
	unsigned s;
	int rc;

	pthread_mutex_lock(&x->lock);
	g = pick_gpu(x, job);
	if (!g) {
		rc = gpu_usable(x, job) ? VGPU_EBUSY : VGPU_EIO;
		pthread_mutex_unlock(&x->lock);
		return rc;
	}
	/* Prefer a stream of the job's priority; any free one will do. */
	for (s = 0; s < g->nslots; s++)
		if (!g->slots[s].job && (!x->cfg.stream_priorities || (int)(s % 3) == job->prio)) {
			sl = &g->slots[s];
			break;
		}
	for (s = 0; !sl && s < g->nslots; s++)
		if (!g->slots[s].job)
			sl = &g->slots[s];
	cudaSetDevice(g->dev);
	job->gpu = g->dev;
	rc = run_on(x, g, sl, job);
	if (!rc)
		rc = launch(x, sl, job);
	if (rc) {
		cudaGetLastError();
		cuda_stream_put(&x->streams, sl->sstream);
		pthread_mutex_unlock(&x->lock);
		return rc;
	}
	sl->job = job;
	sl->gen++;
	sl->order = ++x->submits;
	g->busy++;
	x->running++;
	pthread_cond_signal(&x->cond);
	pthread_mutex_unlock(&x->lock);
	return 0;
}

static unsigned cuda_reap(struct vgpu_executor *ex, struct vgpu_job **done,
			  unsigned max)
{
	struct cuda_exec *x = to_cuda(ex);
	unsigned n = 0;
	uint64_t v;

	if (read(x->efd, &v, sizeof(v)) < 0)
		(void)0;
	pthread_mutex_lock(&x->lock);
	while (x->done_head && n < max) {
		struct vgpu_job *j = x->done_head;

		x->done_head = j->next;
		if (!x->done_head)
			x->done_tail = &x->done_head;
		j->next = NULL;
		done[n++] = j;
	}
	x->running -= n;
	if (x->done_head) {
		uint64_t one = 1;

		if (write(x->efd, &one, sizeof(one)) < 0)
			(void)0;
	}
	pthread_mutex_unlock(&x->lock);
	return n;
}

static int cuda_buf_attach(struct vgpu_executor *ex, struct vgpu_buffer *b)
{
	struct cuda_exec *x = to_cuda(ex);

	pthread_mutex_lock(&x->lock);
	cudaSetDevice(x->gpus[0].dev);
	if (b->pinned || register_buf(b) == 0) {
		b->exec_priv = b;	/* registered: DMA straight from the pages */
	} else {
		b->exec_priv = NULL;	/* the driver stages through pinned memory */
		if (!x->staging)
			vlog(LOG_WARNING, "cuda: cannot register guest buffer %u of domain %u "
			     "with CUDA; using the staging path (one copy)", b->handle, b->domid);
		x->staging = true;
	}
	b->ex_next = x->bufs;
	b->ex_pprev = &x->bufs;
	if (x->bufs)
		x->bufs->ex_pprev = &b->ex_next;
	x->bufs = b;
	pthread_mutex_unlock(&x->lock);
	return 0;
}

/*
 * On vgpuback's mapper thread, with no lock held: cudaHostRegister is
 * thread-safe, and registering portably needs no current device.
 */
static int cuda_buf_pin(struct vgpu_executor *ex, void *addr, size_t len,
			bool readonly)
{
	unsigned flags = cudaHostRegisterPortable;

	(void)ex;
	if (readonly)
		flags |= cudaHostRegisterReadOnly;
	if (cudaHostRegister(addr, len, flags) != cudaSuccess) {
		cudaGetLastError();
		return -1;
	}
	return 0;
}

static void cuda_buf_unpin(struct vgpu_executor *ex, void *addr)
{
	(void)ex;
	cudaHostUnregister(addr);
	cudaGetLastError();
}

static void cuda_buf_detach(struct vgpu_executor *ex, struct vgpu_buffer *b)
{
	struct cuda_exec *x = to_cuda(ex);

	pthread_mutex_lock(&x->lock);
	if (b->ex_pprev) {
		*b->ex_pprev = b->ex_next;
		if (b->ex_next)
			b->ex_next->ex_pprev = b->ex_pprev;
		b->ex_next = NULL;
		b->ex_pprev = NULL;
	}
	if (b->exec_priv && !b->pinned) {	/* pinned: the mapper thread unpins */
		cudaHostUnregister(b->addr);
		cudaGetLastError();
	}
	pthread_mutex_unlock(&x->lock);
}

/*
 * The NVIDIA driver's version from its proc file ("NVRM version: NVIDIA
 * UNIX ... Kernel Module  580.159.04  Release Build ..."): the first word
 * of digits and dots with a dot in it.  Left empty when there is none.
 */
static void read_nv_driver(char *out, size_t len)
{
	char line[512], *w, *save = NULL;
	FILE *f = fopen("/proc/driver/nvidia/version", "re");

	out[0] = 0;
	if (!f)
		return;
	if (fgets(line, sizeof(line), f))
		for (w = strtok_r(line, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save))
			if (w[0] >= '0' && w[0] <= '9' && strchr(w, '.') &&
			    strspn(w, "0123456789.") == strlen(w)) {
				snprintf(out, len, "%s", w);
				break;
			}
	fclose(f);
}

static void host_versions(struct cuda_exec *x)
{
	if (cudaDriverGetVersion(&x->cuda_driver) != cudaSuccess)
		x->cuda_driver = 0;
	if (cudaRuntimeGetVersion(&x->cuda_runtime) != cudaSuccess)
		x->cuda_runtime = 0;
	read_nv_driver(x->nv_driver, sizeof(x->nv_driver));
}

/* Appends to @text at *@off; stops quietly when it is full. */
static void put(char *text, size_t len, size_t *off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void put(char *text, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(text + *off, len - *off, fmt, ap);
	va_end(ap);
	*off += n > 0 ? (size_t)n : 0;
}

/*
 * The text is key=value lines (vgpufront(1) parses them): only what was
 * cached at create, no CUDA call per query.
 */
static void cuda_query(struct vgpu_executor *ex, struct vgpuif_query_result *q,
		       char *text, size_t len)
{
	struct cuda_exec *x = to_cuda(ex);
	size_t off = 0;
	unsigned i;

	q->executor = VGPU_EXEC_CUDA;
	q->path = x->staging ? VGPU_PATH_STAGING : VGPU_PATH_DMA;
	q->ngpus = (uint16_t)x->ngpus;
	q->slots = (uint16_t)(x->ngpus * x->gpus[0].nslots);
	q->gpu_mem_total = 0;
	for (i = 0; i < x->ngpus; i++)
		q->gpu_mem_total += x->gpus[i].mem;
	if (!text || !len)
		return;
	text[0] = 0;
	put(text, len, &off, "executor=cuda\npath=%s\n", x->staging ? "staging" : "dma");
	if (x->nv_driver[0])
		put(text, len, &off, "driver_version=%s\n", x->nv_driver);
	put(text, len, &off, "cuda_version=%d.%d\nruntime_version=%d.%d\n",
	    x->cuda_driver / 1000, x->cuda_driver % 1000 / 10,
	    x->cuda_runtime / 1000, x->cuda_runtime % 1000 / 10);
	for (i = 0; i < x->ngpus; i++) {
		const struct gpu *g = &x->gpus[i];

		put(text, len, &off, "gpu%u.name=%s\ngpu%u.cc=%d.%d\ngpu%u.sms=%d\n"
		    "gpu%u.mem_total=%zu\ngpu%u.slots=%u\ngpu%u.completed=%llu\n",
		    i, g->name, i, g->cc_major, g->cc_minor, i, g->sms, i, g->mem,
		    i, g->nslots, i, (unsigned long long)g->completed);
	}
}

/*
 * vgpuctl stats' view of each GPU.  The busy counts are copied under the
 * lock (held only briefly by submits and the completion thread, never while
 * jobs run); cudaMemGetInfo then runs without it and does not wait for the
 * GPU's work.
 */
static unsigned cuda_gpus(struct vgpu_executor *ex, struct vgpu_gpu_stat *out,
			  unsigned max)
{
	struct cuda_exec *x = to_cuda(ex);
	unsigned i, n = x->ngpus < max ? x->ngpus : max;

	pthread_mutex_lock(&x->lock);
	for (i = 0; i < n; i++)
		out[i].inflight = x->gpus[i].busy;
	pthread_mutex_unlock(&x->lock);
	for (i = 0; i < n; i++) {
		const struct gpu *g = &x->gpus[i];
		size_t free_b = 0, total = 0;

		snprintf(out[i].name, sizeof(out[i].name), "%s", g->name);
		out[i].index = (unsigned)g->dev;
		out[i].mem_total = g->mem;
		out[i].mem_used = 0;
		if (cudaSetDevice(g->dev) == cudaSuccess &&
		    cudaMemGetInfo(&free_b, &total) == cudaSuccess) {
			out[i].mem_total = total;
			out[i].mem_used = total - free_b;
		} else {
			cudaGetLastError();	/* a GPU out of service: no figure */
		}
	}
	return n;
}

/* No job names it any more (vgpuback waited): cudaFree may wait for the GPU. */
static void cuda_obj_free(struct vgpu_executor *ex, const struct vgpu_obj_ref *m)
{
	struct cuda_exec *x = to_cuda(ex);

	if (m->gpu < 0 || (unsigned)m->gpu >= x->ngpus)
		return;
	cudaSetDevice(x->gpus[m->gpu].dev);
	if (m->kind == VGPU_OBJ_EVENT) {
		cuda_event_destroy(&x->events, m->domid, m->id);
		cudaGetLastError();
		return;
	}
	if (m->kind == VGPU_OBJ_MODULE) {
		if (x->mods)
			cuda_module_unload(x->mods, m->id, m->domid);
		cudaGetLastError();
		return;
	}
	if (cudaFree(dptr(m->id)) != cudaSuccess)
		cudaGetLastError();
}

static bool cuda_broken(struct vgpu_executor *ex)
{
	struct cuda_exec *x = to_cuda(ex);
	bool dead = false;
	unsigned i;

	pthread_mutex_lock(&x->lock);
	for (i = 0; i < x->ngpus; i++)
		dead |= x->gpus[i].dead;
	pthread_mutex_unlock(&x->lock);
	return dead;
}

static unsigned cuda_inflight(struct vgpu_executor *ex)
{
	return to_cuda(ex)->running;
}

static int cuda_event_fd(struct vgpu_executor *ex)
{
	return to_cuda(ex)->efd;
}

static void cuda_destroy(struct vgpu_executor *ex)
{
	struct cuda_exec *x = to_cuda(ex);
	unsigned i;

	pthread_mutex_lock(&x->lock);
	x->stop = true;
	pthread_cond_signal(&x->cond);
	pthread_mutex_unlock(&x->lock);
	if (x->poller)
		pthread_join(x->poller, NULL);
	for (i = 0; i < x->ngpus; i++) {
		cudaSetDevice(x->gpus[i].dev);
		cudaDeviceSynchronize();
	}
	cuda_modules_destroy(x->mods);
	cuda_streams_destroy(&x->streams);
	cuda_events_destroy(&x->events);
	for (i = 0; i < x->ngpus; i++)
		gpu_teardown(&x->gpus[i]);
	if (x->efd >= 0)
		close(x->efd);
	pthread_mutex_destroy(&x->lock);
	pthread_cond_destroy(&x->cond);
	free(x);
}

static int cuda_create(const struct vgpu_exec_config *cfg, struct vgpu_executor **out)
{
	struct cuda_exec *x;
	int count = 0, i;
	cudaError_t e = cudaGetDeviceCount(&count);

	if (e != cudaSuccess || count <= 0) {
		vlog(LOG_INFO, "cuda: no GPU (%s)", e != cudaSuccess ? cudaGetErrorString(e) : "none visible");
		return -ENODEV;
	}
	x = (struct cuda_exec *)calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->base.ops = &vgpu_cuda_executor_ops;
	x->cfg = *cfg;
	x->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	x->done_tail = &x->done_head;
	pthread_mutex_init(&x->lock, NULL);
	pthread_cond_init(&x->cond, NULL);
	for (i = 0; i < count && i < MAX_GPUS; i++) {
		struct gpu *g = &x->gpus[x->ngpus];
		cudaDeviceProp p;

		g->dev = i;
		g->nslots = cfg->slots ? cfg->slots : 8;
		if (g->nslots > MAX_SLOTS)
			g->nslots = MAX_SLOTS;
		if (cudaGetDeviceProperties(&p, i) != cudaSuccess || gpu_setup(x, g)) {
			vlog(LOG_WARNING, "cuda: GPU %d unusable: %s", i,
			     cudaGetErrorString(cudaGetLastError()));
			gpu_teardown(g);
			continue;
		}
		snprintf(g->name, sizeof(g->name), "%s", p.name);
		g->mem = p.totalGlobalMem;
		g->cc_major = p.major;
		g->cc_minor = p.minor;
		g->sms = p.multiProcessorCount;
		vlog(LOG_INFO, "cuda: GPU %d: %s, %.1f GiB, %u stream slots", i, p.name,
		     (double)p.totalGlobalMem / (1u << 30), g->nslots);
		x->ngpus++;
	}
	host_versions(x);
	if (x->ngpus && cuda_modules_create(&x->mods))
		x->mods = NULL;	/* logged: modules and launches answer VGPU_ENOSYS */
	if (!x->ngpus || x->efd < 0 || pthread_create(&x->poller, NULL, poller, x)) {
		x->poller = 0;
		cuda_destroy(&x->base);
		return -ENODEV;
	}
	*out = &x->base;
	return 0;
}

extern "C" const struct vgpu_executor_ops vgpu_cuda_executor_ops = {
	"cuda",
	cuda_create,
	cuda_destroy,
	cuda_event_fd,
	cuda_can_submit,
	cuda_submit,
	cuda_reap,
	cuda_buf_attach,
	cuda_buf_detach,
	cuda_query,
	cuda_inflight,
	cuda_poll,
	cuda_broken,
	cuda_buf_pin,
	cuda_buf_unpin,
	cuda_gpus,
	nullptr,	/* buf_map: vgpuback or its worker maps the pages */
	nullptr,	/* buf_unmap */
	nullptr,	/* lost: no workers of its own */
	cuda_obj_free,
	nullptr,	/* retire: no workers of its own */
};
