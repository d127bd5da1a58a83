/* SPDX-License-Identifier: MIT */
/*
 * exec_cpu.c: the CPU reference executor.  K worker threads compute each
 * op from the mapped guest pages; finished jobs go on a locked list and an
 * eventfd wakes vgpuback's loop, which reaps them.  cpu_delay_us slows every
 * job on purpose so tests can keep the queue full.  With test_faults, a
 * request carrying the test fault flag fails and leaves the executor broken,
 * as a sticky CUDA error leaves a GPU context, so that the restart path of
 * vgpuback can be tested where there is no GPU.
 *
 * A guest stream (a session's own, or one it created) runs its requests one
 * at a time, in the order they came (a copy, then the memset after it), as
 * the CUDA executor runs them on a CUDA stream; requests of other streams,
 * and version 1 requests, run beside them on the other threads.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "cpu_events.h"
#include "executor.h"
#include "vgpu_clock.h"
#include "vgpu_ops.h"

struct cpu_exec {
	struct vgpu_executor base;
	struct vgpu_exec_config cfg;
	unsigned slots;
	unsigned running;		/* loop thread only */
	int efd;
	pthread_t *threads;
	unsigned nthreads;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct vgpu_job *todo_head, **todo_tail;
	struct vgpu_job **active;	/* slots: what each thread computes */
	unsigned next_me;		/* the next thread's entry in active */
	struct vgpu_job *done_head, **done_tail;
	bool stop;
	bool broken;			/* a test fault was met */
	struct cpu_events events;	/* guest events' times */
};

/* Overflow was refused at validation. */
static int cpu_scalar_add(struct vgpu_job *j)
{
	j->result.scalar = j->req.u.scalar_add.a + j->req.u.scalar_add.b;
	return VGPU_OK;
}

/* Operands in the table's order: 0 = a, 1 = b, 2 = c. */
static int cpu_vector_add(struct vgpu_job *j)
{
	const float *a = j->ptr[0], *b = j->ptr[1];
	float *c = j->ptr[2];
	uint64_t i, n = j->req.u.vector_add.n;

	for (i = 0; i < n; i++)
		c[i] = a[i] + b[i];
	return VGPU_OK;
}

/*
 * Protocol version 2: on the CPU, device memory is host memory and a
 * device address is a host address (checked against the session's
 * allocations before it gets here).  Zeroed, as no byte of the process may
 * reach a guest that did not write it.
 */
#define CPU_MEM_ALIGN 256	/* what cudaMalloc guarantees */

static int cpu_mem_alloc(struct vgpu_job *j)
{
	void *p = NULL;

	if (posix_memalign(&p, CPU_MEM_ALIGN, j->req.u.mem_alloc.bytes))
		return VGPU_ENOMEM;
	memset(p, 0, j->req.u.mem_alloc.bytes);
	j->result.scalar = (int64_t)(uintptr_t)p;
	return VGPU_OK;
}

static void *dev_ptr(uint64_t dptr)
{
	return (void *)(uintptr_t)dptr;
}

static int cpu_htod(struct vgpu_job *j)
{
	memcpy(dev_ptr(j->req.u.memcpy.dptr), j->ptr[0], j->req.u.memcpy.bytes);
	return VGPU_OK;
}

static int cpu_dtoh(struct vgpu_job *j)
{
	memcpy(j->ptr[0], dev_ptr(j->req.u.memcpy.dptr), j->req.u.memcpy.bytes);
	return VGPU_OK;
}

static int cpu_dtod(struct vgpu_job *j)
{
	const struct vgpuif_memcpy_dtod_req *m = &j->req.u.memcpy_dtod;

	memcpy(dev_ptr(m->dst), dev_ptr(m->src), m->bytes);	/* never overlap */
	return VGPU_OK;
}

static int cpu_memset(struct vgpu_job *j)
{
	const struct vgpuif_memset_req *m = &j->req.u.memset;
	uint8_t *p = dev_ptr(m->dptr);
	uint64_t i;

	if (m->elem == 1) {
		memset(p, (int)m->value, m->count);
		return VGPU_OK;
	}
	for (i = 0; i < m->count; i++)	/* little-endian, as on the wire */
		memcpy(p + i * m->elem, &m->value, m->elem);
	return VGPU_OK;
}

/* STREAM_SYNC: it ran, so all before it on its stream did. */
static int cpu_stream_sync(struct vgpu_job *j)
{
	(void)j;
	return VGPU_OK;
}

/* One kernel per executor op of the table (ring/vgpu_ops.c). */
static int (*const cpu_kernels[VGPU_OP_MAX + 1])(struct vgpu_job *j) = {
	[VGPU_OP_SCALAR_ADD] = cpu_scalar_add,
	[VGPU_OP_VECTOR_ADD] = cpu_vector_add,
	[VGPU_OP_MEM_ALLOC] = cpu_mem_alloc,
	[VGPU_OP_MEMCPY_HTOD] = cpu_htod,
	[VGPU_OP_MEMCPY_DTOH] = cpu_dtoh,
	[VGPU_OP_MEMCPY_DTOD] = cpu_dtod,
	[VGPU_OP_MEMSET] = cpu_memset,
	[VGPU_OP_STREAM_SYNC] = cpu_stream_sync,
	[VGPU_OP_EVENT_SYNC] = cpu_stream_sync,	/* vgpuback queued it on the RECORD's stream */
};

/*
 * RECORD runs once all before it on its stream ran: now is the event's
 * time.  vgpuback checked that both events of an ELAPSED are complete.
 */
static int cpu_event_op(struct cpu_exec *x, struct vgpu_job *j)
{
	if (j->req.op == VGPU_OP_EVENT_RECORD)
		return cpu_events_record(&x->events, j->domid, j->req.u.event.event);
	return cpu_events_elapsed(&x->events, j->domid, j->req.u.event_elapsed.start,
				  j->req.u.event_elapsed.end, &j->result.scalar);
}

static int run_kernel(struct cpu_exec *x, struct vgpu_job *j)
{
	const struct vgpu_op_desc *d = vgpu_op_desc(j->req.op);

	if (j->req.op == VGPU_OP_EVENT_RECORD || j->req.op == VGPU_OP_EVENT_ELAPSED)
		return cpu_event_op(x, j);
	if (!d || d->site != VGPU_SITE_EXECUTOR || !cpu_kernels[j->req.op])
		return VGPU_ENOSYS;
	return cpu_kernels[j->req.op](j);
}

static void compute(struct cpu_exec *x, struct vgpu_job *j)
{
	if (x->cfg.cpu_delay_us) {
		struct timespec ts = {
			.tv_sec = (time_t)(x->cfg.cpu_delay_us / 1000000),
			.tv_nsec = (long)(x->cfg.cpu_delay_us % 1000000) * 1000,
		};

		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
	}
	if ((j->req.flags & VGPU_REQ_F_TEST_FAULT) && x->cfg.test_faults) {
		j->status = VGPU_EIO;
		return;
	}
	j->status = run_kernel(x, j);
}

static bool same_stream(const struct vgpu_job *a, const struct vgpu_job *b)
{
	return a->session_gpu >= 0 && b->session_gpu >= 0 && a->domid == b->domid &&
	       a->devid == b->devid && a->req.session == b->req.session &&
	       vgpu_op_stream(&a->req) == vgpu_op_stream(&b->req);
}

/* The first job whose session no thread is computing; lock held. */
static struct vgpu_job *take(struct cpu_exec *x)
{
	struct vgpu_job **pj, *j;
	unsigned t;

	for (pj = &x->todo_head; (j = *pj); pj = &j->next) {
		for (t = 0; t < x->slots && !(x->active[t] && same_stream(x->active[t], j)); t++)
			;
		if (t < x->slots)
			continue;	/* its session runs: it waits its turn */
		*pj = j->next;
		if (!*pj)
			x->todo_tail = pj;
		return j;
	}
	return NULL;
}

static void *worker(void *arg)
{
	struct cpu_exec *x = arg;
	uint64_t one = 1;
	unsigned me;

	pthread_mutex_lock(&x->lock);
	me = x->next_me++;	/* one of slots entries, this thread's */
	for (;;) {
		struct vgpu_job *j;

		while (!(j = take(x)) && !x->stop)
			pthread_cond_wait(&x->cond, &x->lock);
		if (!j)
			break;
		x->active[me] = j;
		pthread_mutex_unlock(&x->lock);

		compute(x, j);
		j->t_done = vgpu_now_ns();

		pthread_mutex_lock(&x->lock);
		x->active[me] = NULL;
		pthread_cond_broadcast(&x->cond);	/* its session's next may go */
		j->next = NULL;
		*x->done_tail = j;
		x->done_tail = &j->next;
		/* Broken only once the failed job can be reaped and answered. */
		if ((j->req.flags & VGPU_REQ_F_TEST_FAULT) && x->cfg.test_faults)
			__atomic_store_n(&x->broken, true, __ATOMIC_RELEASE);
		if (write(x->efd, &one, sizeof(one)) < 0)
			(void)0;	/* the counter cannot overflow in practice */
	}
	pthread_mutex_unlock(&x->lock);
	return NULL;
}

static struct cpu_exec *to_cpu(struct vgpu_executor *ex)
{
	return (struct cpu_exec *)ex;
}

static void cpu_destroy(struct vgpu_executor *ex)
{
	struct cpu_exec *x = to_cpu(ex);
	unsigned i;

	pthread_mutex_lock(&x->lock);
	x->stop = true;
	pthread_cond_broadcast(&x->cond);
	pthread_mutex_unlock(&x->lock);
	for (i = 0; i < x->nthreads; i++)
		pthread_join(x->threads[i], NULL);
	pthread_mutex_destroy(&x->lock);
	pthread_cond_destroy(&x->cond);
	cpu_events_fini(&x->events);
	if (x->efd >= 0)
		close(x->efd);
	free(x->threads);
	free(x->active);
	free(x);
}

static int cpu_create(const struct vgpu_exec_config *cfg,
		      struct vgpu_executor **out)
{
	struct cpu_exec *x = calloc(1, sizeof(*x));
	sigset_t all, old;
	unsigned i;
	int rc = 0;

	if (!x)
		return -ENOMEM;
	x->base.ops = &vgpu_cpu_executor_ops;
	x->cfg = *cfg;
	x->slots = cfg->slots ? cfg->slots : 2;
	x->todo_tail = &x->todo_head;
	x->done_tail = &x->done_head;
	pthread_mutex_init(&x->lock, NULL);
	pthread_cond_init(&x->cond, NULL);
	cpu_events_init(&x->events);
	x->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	x->threads = calloc(x->slots, sizeof(*x->threads));
	x->active = calloc(x->slots, sizeof(*x->active));
	if (x->efd < 0 || !x->threads || !x->active) {
		cpu_destroy(&x->base);
		return -ENOMEM;
	}
	/*
	 * Workers take no signals: SIGTERM and SIGINT are vgpuback's to read
	 * from its signalfd, and a worker that left them unblocked would get
	 * them and end the process without its clean shutdown.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < x->slots && !rc; i++) {
		if (pthread_create(&x->threads[i], NULL, worker, x))
			rc = -EAGAIN;
		else
			x->nthreads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		cpu_destroy(&x->base);
		return rc;
	}
	*out = &x->base;
	return 0;
}

static int cpu_event_fd(struct vgpu_executor *ex)
{
	return to_cpu(ex)->efd;
}

static bool cpu_can_submit(struct vgpu_executor *ex, const struct vgpu_job *job)
{
	(void)job;
	return to_cpu(ex)->running < to_cpu(ex)->slots;
}

static int cpu_submit(struct vgpu_executor *ex, struct vgpu_job *job)
{
	struct cpu_exec *x = to_cpu(ex);

	job->gpu = -1;
	job->next = NULL;
	x->running++;
	pthread_mutex_lock(&x->lock);
	*x->todo_tail = job;
	x->todo_tail = &job->next;
	pthread_cond_signal(&x->cond);
	pthread_mutex_unlock(&x->lock);
	return 0;
}

static unsigned cpu_reap(struct vgpu_executor *ex, struct vgpu_job **done,
			 unsigned max)
{
	struct cpu_exec *x = to_cpu(ex);
	unsigned n = 0;
	uint64_t v;

	if (read(x->efd, &v, sizeof(v)) < 0)
		(void)0;	/* nothing signalled: the list may still hold jobs */
	pthread_mutex_lock(&x->lock);
	while (x->done_head && n < max) {
		struct vgpu_job *j = x->done_head;

		x->done_head = j->next;
		if (!x->done_head)
			x->done_tail = &x->done_head;
		j->next = NULL;
		done[n++] = j;
	}
	if (x->done_head) {
		uint64_t one = 1;

		if (write(x->efd, &one, sizeof(one)) < 0)
			(void)0;
	}
	pthread_mutex_unlock(&x->lock);
	x->running -= n;
	return n;
}

static int cpu_buf_attach(struct vgpu_executor *ex, struct vgpu_buffer *buf)
{
	(void)ex;
	(void)buf;
	return 0;	/* the mapping itself is all the CPU needs */
}

static void cpu_buf_detach(struct vgpu_executor *ex, struct vgpu_buffer *buf)
{
	(void)ex;
	(void)buf;
}

/* The host's CPU as /proc/cpuinfo names it ("model name"), or "". */
static void cpu_model(char *out, size_t len)
{
	char line[512];
	FILE *f = fopen("/proc/cpuinfo", "re");

	out[0] = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *v = strchr(line, ':');

		if (strncmp(line, "model name", 10) || !v)
			continue;
		v += strspn(v + 1, " \t") + 1;
		v[strcspn(v, "\n")] = 0;
		snprintf(out, len, "%s", v);
		break;
	}
	fclose(f);
}

/* The text is key=value lines (vgpufront(1) parses them). */
static void cpu_query(struct vgpu_executor *ex, struct vgpuif_query_result *q,
		      char *text, size_t len)
{
	struct cpu_exec *x = to_cpu(ex);
	char model[256];

	q->executor = VGPU_EXEC_CPU;
	q->path = VGPU_PATH_CPU;
	q->ngpus = 0;
	q->slots = (uint16_t)x->slots;
	q->gpu_mem_total = 0;
	if (!text || !len)
		return;
	cpu_model(model, sizeof(model));
	snprintf(text, len, "executor=cpu\npath=cpu\ncpu_model=%s\nworkers=%u\nslowed=%s\n",
		 model[0] ? model : "unknown", x->slots, x->cfg.cpu_delay_us ? "yes" : "no");
}

static unsigned cpu_inflight(struct vgpu_executor *ex)
{
	return to_cpu(ex)->running;
}

static void cpu_obj_free(struct vgpu_executor *ex, const struct vgpu_obj_ref *m)
{
	if (m->kind == VGPU_OBJ_MEM)
		free(dev_ptr(m->id));
	else if (m->kind == VGPU_OBJ_EVENT)
		cpu_events_forget(&to_cpu(ex)->events, m->domid, m->id);
}

static bool cpu_broken(struct vgpu_executor *ex)
{
	return __atomic_load_n(&to_cpu(ex)->broken, __ATOMIC_ACQUIRE);
}

const struct vgpu_executor_ops vgpu_cpu_executor_ops = {
	.name = "cpu",
	.create = cpu_create,
	.destroy = cpu_destroy,
	.event_fd = cpu_event_fd,
	.can_submit = cpu_can_submit,
	.submit = cpu_submit,
	.reap = cpu_reap,
	.buf_attach = cpu_buf_attach,
	.buf_detach = cpu_buf_detach,
	.query = cpu_query,
	.inflight = cpu_inflight,
	.broken = cpu_broken,
	.obj_free = cpu_obj_free,
};
