/* SPDX-License-Identifier: MIT */
/*
 * cuda_stream.c: streams are the session's (vgpufront_stream_*).  The NULL
 * stream, CU_STREAM_LEGACY and CU_STREAM_PER_THREAD are the session's own
 * stream 0: every call returns once its work is done, so the legacy
 * stream's implicit synchronisation holds as it is.
 */
#include "config.h"

#include <stdlib.h>

#include "cuda_priv.h"

static bool is_default(CUstream s)
{
	return !s || s == CU_STREAM_LEGACY || s == CU_STREAM_PER_THREAD;
}

static CUstream find(CUcontext ctx, CUstream s)
{
	CUstream p;

	for (p = ctx->streams; p; p = p->next)
		if (p == s)
			return p;
	return NULL;
}

CUresult cu_stream_id(CUcontext ctx, CUstream s, uint32_t *id)
{
	if (is_default(s)) {
		*id = 0;
		return CUDA_SUCCESS;
	}
	if (!find(ctx, s))
		return CUDA_ERROR_INVALID_HANDLE;
	*id = s->id;
	return CUDA_SUCCESS;
}

bool cu_stream_blocking(CUstream s)
{
	return is_default(s) || !(s->flags & CU_STREAM_NON_BLOCKING);
}

void cu_streams_free(CUcontext ctx)
{
	CUstream s, next;

	for (s = ctx->streams; s; s = next) {
		next = s->next;
		free(s);
	}
	ctx->streams = NULL;
}

/* Under the lock: the live context @s belongs to (the current one for a default). */
static CUresult owner(CUstream s, CUcontext *ctx)
{
	CUcontext c;
	CUresult rc = cu_check_init();

	if (rc)
		return rc;
	if (is_default(s))
		return cu_current(ctx);
	for (c = cu.ctxs; c; c = c->next)
		if (find(c, s)) {
			*ctx = c;
			return CUDA_SUCCESS;
		}
	return CUDA_ERROR_INVALID_HANDLE;
}

static CUresult create(CUstream *ph, unsigned flags, int priority)
{
	CUcontext ctx;
	CUstream s;
	CUresult rc;

	if (!ph || (flags & ~(unsigned)CU_STREAM_NON_BLOCKING))
		return CUDA_ERROR_INVALID_VALUE;
	s = calloc(1, sizeof(*s));
	if (!s)
		return CUDA_ERROR_OUT_OF_MEMORY;
	cu_lock();
	rc = cu_current(&ctx);
	if (!rc)
		rc = cu_drain(ctx);
	if (!rc)
		rc = cu_status(vgpufront_stream_create(cu.dev, ctx->session, &s->id));
	if (!rc) {
		s->ctx = ctx;
		s->flags = flags;
		s->priority = priority;
		s->next = ctx->streams;
		ctx->streams = s;
		*ph = s;
	}
	cu_unlock();
	if (rc)
		free(s);
	return rc;
}

CUresult CUDAAPI cuStreamCreate(CUstream *phStream, unsigned int Flags)
{
	CUresult rc = create(phStream, Flags, 0);

	RET(rc, "%#x -> %p", Flags, rc ? NULL : (void *)*phStream);
}

/* One priority level (cuCtxGetStreamPriorityRange): every priority is 0. */
CUresult CUDAAPI cuStreamCreateWithPriority(CUstream *phStream, unsigned int flags, int priority)
{
	CUresult rc = create(phStream, flags, 0);

	RET(rc, "%#x, %d -> %p", flags, priority, rc ? NULL : (void *)*phStream);
}

CUresult CUDAAPI cuStreamDestroy(CUstream hStream)
{
	CUstream *pp;
	CUcontext ctx;
	CUresult rc;

	cu_lock();
	rc = is_default(hStream) ? CUDA_ERROR_INVALID_HANDLE : owner(hStream, &ctx);
	if (!rc)
		rc = cu_drain(ctx);
	if (!rc) {
		for (pp = &ctx->streams; *pp != hStream; pp = &(*pp)->next)
			;
		*pp = hStream->next;
		rc = cu_status_handle(vgpufront_stream_destroy(cu.dev, ctx->session, hStream->id));
		free(hStream);
	}
	cu_unlock();
	RET(rc, "%p", (void *)hStream);
}

CUresult CUDAAPI cuStreamSynchronize(CUstream hStream)
{
	CUcontext ctx;
	uint32_t id = 0;
	CUresult rc;

	cu_lock();
	rc = owner(hStream, &ctx);
	if (!rc)
		rc = cu_stream_id(ctx, hStream, &id);
	if (!rc)
		rc = cu_drain(ctx);	/* then the stream is idle: see cuStreamQuery */
	cu_unlock();
	RET(rc, "%p", (void *)hStream);
}

/* Every call but a launch returns once its work is done: with the queued
 * launches answered, a live stream is idle. */
CUresult CUDAAPI cuStreamQuery(CUstream hStream)
{
	CUcontext ctx;
	CUresult rc;

	cu_lock();
	rc = owner(hStream, &ctx);
	if (!rc)
		rc = cu_drain(ctx);	/* its queued launches: done once answered */
	cu_unlock();
	RET(rc, "%p", (void *)hStream);
}

/* With the queued launches answered, the event's work is done (see cuStreamQuery). */
CUresult CUDAAPI cuStreamWaitEvent(CUstream hStream, CUevent hEvent, unsigned int Flags)
{
	CUcontext ctx;
	CUresult rc;

	cu_lock();
	rc = owner(hStream, &ctx);
	if (!rc && !hEvent)
		rc = CUDA_ERROR_INVALID_HANDLE;
	if (!rc)
		rc = cu_drain(ctx);	/* what the event follows, queued launches included */
	cu_unlock();
	RET(rc, "%p, %p, %#x", (void *)hStream, (void *)hEvent, Flags);
}

CUresult CUDAAPI cuStreamGetFlags(CUstream hStream, unsigned int *flags)
{
	CUcontext ctx;
	CUresult rc;

	if (!flags)
		RET(CUDA_ERROR_INVALID_VALUE, "%p, NULL", (void *)hStream);
	cu_lock();
	rc = owner(hStream, &ctx);
	if (!rc)
		*flags = is_default(hStream) ? 0 : hStream->flags;
	cu_unlock();
	RET(rc, "%p", (void *)hStream);
}

CUresult CUDAAPI cuStreamGetPriority(CUstream hStream, int *priority)
{
	CUcontext ctx;
	CUresult rc;

	if (!priority)
		RET(CUDA_ERROR_INVALID_VALUE, "%p, NULL", (void *)hStream);
	cu_lock();
	rc = owner(hStream, &ctx);
	if (!rc)
		*priority = is_default(hStream) ? 0 : hStream->priority;
	cu_unlock();
	RET(rc, "%p", (void *)hStream);
}

CUresult CUDAAPI cuStreamGetCtx(CUstream hStream, CUcontext *pctx)
{
	CUcontext ctx = NULL;
	CUresult rc;

	if (!pctx)
		RET(CUDA_ERROR_INVALID_VALUE, "%p, NULL", (void *)hStream);
	cu_lock();
	rc = owner(hStream, &ctx);
	cu_unlock();
	if (!rc)
		*pctx = ctx;
	RET(rc, "%p -> %p", (void *)hStream, (void *)ctx);
}

#undef cuStreamDestroy
CUresult CUDAAPI cuStreamDestroy(CUstream hStream);

CUresult CUDAAPI cuStreamDestroy(CUstream hStream)
{
	return cuStreamDestroy_v2(hStream);
}

#define PTSZ(name, args, call)							\
	CUresult CUDAAPI name##_ptsz args;					\
	CUresult CUDAAPI name##_ptsz args { return name call; }
PTSZ(cuStreamSynchronize, (CUstream s), (s))
PTSZ(cuStreamQuery, (CUstream s), (s))
PTSZ(cuStreamWaitEvent, (CUstream s, CUevent e, unsigned int f), (s, e, f))
PTSZ(cuStreamGetFlags, (CUstream s, unsigned int *f), (s, f))
PTSZ(cuStreamGetPriority, (CUstream s, int *p), (s, p))
PTSZ(cuStreamGetCtx, (CUstream s, CUcontext *c), (s, c))
