/* SPDX-License-Identifier: MIT */
/*
 * cuda_async.c: launches that do not wait for the backend (libcuda-vgpu(7),
 * "Asynchronous launches").
 *
 * cuLaunchKernel queues the launch on the ring and returns; its parameter
 * blob lives in a byte ring of its own (the backend reads a blob when the
 * launch reaches the GPU, so each launch in flight keeps its bytes until it
 * is answered).  Every other call that reaches the backend first waits for
 * the launches in flight (cu_drain): whatever the streams, nothing the
 * program does afterwards can overtake a launch.  Launches among themselves
 * keep the legacy NULL stream's implicit synchronisation (cu_async_order).  A launch that
 * failed reports its error at the next such call of its context, as CUDA
 * reports an asynchronous error at the next synchronising call.
 * CUDA_LAUNCH_BLOCKING=1 makes every launch wait, as it does with CUDA.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "cuda_priv.h"

#define BLOB_RING   (256u << 10)	/* bytes of parameter blobs in flight */
#define BLOB_ALIGN  16u

static struct cu_async *aq(void)
{
	return &cu.async;
}

/* Under the lock: CUDA_LAUNCH_BLOCKING=1, or a blob too large for the ring. */
bool cu_async_blocking(uint32_t param_bytes)
{
	return cu.launch_blocking || param_bytes > CU_ASYNC_MAX_BLOB;
}

static struct cu_async_ent *ent_at(unsigned i)
{
	return &aq()->ent[(aq()->first + i) % CU_ASYNC_MAX];
}

/* Retire answered launches at the head: their blob bytes are free again. */
static void retire(void)
{
	struct cu_async *q = aq();

	while (q->n && q->ent[q->first].done) {
		q->tail = q->ent[q->first].end;
		q->first = (q->first + 1) % CU_ASYNC_MAX;
		q->n--;
	}
	if (!q->n)
		q->tail = q->head;
}

/* A response: which launch it answers, and its error for the context. */
static void answered(const struct vgpuif_response *r)
{
	unsigned i;

	for (i = 0; i < aq()->n; i++) {
		struct cu_async_ent *e = ent_at(i);

		if (e->done || e->id != r->id)
			continue;
		e->done = true;
		aq()->pending--;
		if (r->status != VGPU_OK && !e->ctx->async_err)
			e->ctx->async_err = cu_status(vgpufront_status(r->status));
		return;
	}
}

/* Under the lock: wait for at least one launch to be answered. */
static CUresult reap_one(void)
{
	struct vgpuif_response r[16];
	int n, i;

	n = vgpufront_poll(cu.dev, r, 16, -1);
	if (n < 0)
		return cu_status(n);
	for (i = 0; i < n; i++)
		answered(&r[i]);
	retire();
	return CUDA_SUCCESS;
}

/*
 * Under the lock: every launch in flight answered; then @ctx's error from
 * one of them, once (NULL: any context's errors stay for their context).
 * A backend that is gone fails every launch still out.
 */
CUresult cu_drain(CUcontext ctx)
{
	CUresult rc = CUDA_SUCCESS;

	while (aq()->pending && !rc)
		rc = reap_one();
	if (rc) {
		unsigned i;

		for (i = 0; i < aq()->n; i++)
			if (!ent_at(i)->done && !ent_at(i)->ctx->async_err)
				ent_at(i)->ctx->async_err = rc;
		aq()->n = aq()->pending = 0;
		aq()->tail = aq()->head;
	}
	if (ctx && ctx->async_err) {
		rc = ctx->async_err;
		ctx->async_err = CUDA_SUCCESS;
		return rc;
	}
	return CUDA_SUCCESS;
}

/* Room for @len bytes at the head of the blob ring, without wrapping. */
static bool blob_fits(uint32_t len, uint64_t *off)
{
	struct cu_async *q = aq();
	uint64_t at = q->head, used;

	if (at % BLOB_RING + len > BLOB_RING)
		at += BLOB_RING - at % BLOB_RING;	/* skip the tail end */
	used = at + len - q->tail;
	if (used > BLOB_RING)
		return false;
	*off = at;
	return true;
}

/*
 * Under the lock: a slot and @len blob bytes for one more launch, waiting
 * for answers while the ring, the slots or the bytes are full.  The blob's
 * address in @blob, its offset in the buffer in @off.
 */
CUresult cu_async_reserve(uint32_t len, void **blob, uint32_t *off)
{
	struct cu_async *q = aq();
	unsigned max = vgpufront_ring_size(cu.dev) / 2;
	uint64_t at = 0;
	int rc = 0;

	if (!q->buf) {
		q->buf = vgpufront_buf_alloc(cu.dev, BLOB_RING, VGPUFRONT_BUF_READONLY, &rc);
		if (!q->buf)
			return cu_status(rc);
	}
	if (max > CU_ASYNC_MAX)
		max = CU_ASYNC_MAX;
	len = (len + BLOB_ALIGN - 1) & ~(BLOB_ALIGN - 1);
	while (q->n >= max || !blob_fits(len, &at)) {
		CUresult r = q->pending ? reap_one() : CUDA_ERROR_UNKNOWN;

		if (r)
			return r;
	}
	q->resv_end = at + len;
	*off = (uint32_t)(at % BLOB_RING);
	*blob = (char *)q->buf->addr + *off;
	return CUDA_SUCCESS;
}

/*
 * The legacy NULL stream: work on it waits for all earlier work of the
 * blocking streams of its context, and theirs for its earlier work.  The
 * backend orders each stream alone, so a launch that CUDA would make wait
 * waits here until the queued launches are answered.
 */
CUresult cu_async_order(CUcontext ctx, uint32_t sid, bool blocking)
{
	unsigned i;

	for (i = 0; i < aq()->n; i++) {
		const struct cu_async_ent *e = ent_at(i);

		if (e->done || e->ctx != ctx)
			continue;
		if (sid == 0 ? e->stream != 0 && e->blocking : blocking && e->stream == 0)
			return cu_drain(ctx);
	}
	return CUDA_SUCCESS;
}

/* Under the lock: submit @l (its blob from cu_async_reserve) for @ctx. */
CUresult cu_async_submit(CUcontext ctx, struct vgpufront_launch *l, bool blocking)
{
	struct cu_async *q = aq();
	struct cu_async_ent *e;
	uint64_t id;
	int rc;

	l->params = l->params_len ? q->buf : NULL;
	while ((rc = vgpufront_launch_submit(cu.dev, ctx->session, l, &id)) == -EAGAIN) {
		CUresult r = q->pending ? reap_one() : cu_status(rc);

		if (r)
			return r;
	}
	if (rc)
		return cu_status(rc);
	e = ent_at(q->n++);
	*e = (struct cu_async_ent){ .id = id, .ctx = ctx, .end = q->resv_end,
				    .stream = l->stream, .blocking = blocking };
	q->head = q->resv_end;
	q->pending++;
	return CUDA_SUCCESS;
}

/* Under the lock, at cuInit's undoing: the blob buffer goes with the device. */
void cu_async_reset(void)
{
	memset(aq(), 0, sizeof(*aq()));
}
