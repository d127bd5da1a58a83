/* SPDX-License-Identifier: MIT */
/*
 * cuda_event.c: events are the session's (vgpufront_event_*), timed by the
 * backend's clock (the GPU's, or the host's on the CPU executor).
 */
#include "config.h"

#include <stdlib.h>

#include "cuda_priv.h"

void cu_events_free(CUcontext ctx)
{
	CUevent e, next;

	for (e = ctx->events; e; e = next) {
		next = e->next;
		free(e);
	}
	ctx->events = NULL;
}

/* Under the lock: the live context @e belongs to. */
static CUresult owner(CUevent e, CUcontext *ctx)
{
	CUresult rc = cu_check_init();
	CUcontext c;
	CUevent p;

	if (rc)
		return rc;
	for (c = cu.ctxs; c && e; c = c->next)
		for (p = c->events; p; p = p->next)
			if (p == e) {
				*ctx = c;
				return CUDA_SUCCESS;
			}
	return CUDA_ERROR_INVALID_HANDLE;
}

CUresult CUDAAPI cuEventCreate(CUevent *phEvent, unsigned int Flags)
{
	CUcontext ctx;
	CUevent e;
	CUresult rc;

	if (!phEvent || (Flags & ~(unsigned)(CU_EVENT_BLOCKING_SYNC | CU_EVENT_DISABLE_TIMING |
					     CU_EVENT_INTERPROCESS)))
		RET(CUDA_ERROR_INVALID_VALUE, "%p, %#x", (void *)phEvent, Flags);
	if (Flags & CU_EVENT_INTERPROCESS)
		RET(CUDA_ERROR_NOT_SUPPORTED, "%#x: interprocess", Flags);
	e = calloc(1, sizeof(*e));
	if (!e)
		RET(CUDA_ERROR_OUT_OF_MEMORY, "%#x", Flags);
	cu_lock();
	rc = cu_current(&ctx);
	/* CU_EVENT_* and VGPU_EVENT_F_* are the same bits. */
	if (!rc)
		rc = cu_drain(ctx);
	if (!rc)
		rc = cu_status(vgpufront_event_create(cu.dev, ctx->session, Flags, &e->id));
	if (!rc) {
		e->ctx = ctx;
		e->flags = Flags;
		e->next = ctx->events;
		ctx->events = e;
		*phEvent = e;
	}
	cu_unlock();
	if (rc)
		free(e);
	RET(rc, "%#x -> %p", Flags, rc ? NULL : (void *)e);
}

CUresult CUDAAPI cuEventDestroy(CUevent hEvent)
{
	CUcontext ctx;
	CUevent *pp;
	CUresult rc;

	cu_lock();
	rc = owner(hEvent, &ctx);
	if (!rc)
		rc = cu_drain(ctx);
	if (!rc) {
		for (pp = &ctx->events; *pp != hEvent; pp = &(*pp)->next)
			;
		*pp = hEvent->next;
		rc = cu_status_handle(vgpufront_event_destroy(cu.dev, ctx->session, hEvent->id));
		free(hEvent);
	}
	cu_unlock();
	RET(rc, "%p", (void *)hEvent);
}

CUresult CUDAAPI cuEventRecord(CUevent hEvent, CUstream hStream)
{
	CUcontext ctx;
	uint32_t sid = 0;
	CUresult rc;

	cu_lock();
	rc = owner(hEvent, &ctx);
	if (!rc)
		rc = cu_stream_id(ctx, hStream, &sid);
	if (!rc)
		rc = cu_status_handle(vgpufront_event_record(cu.dev, ctx->session, hEvent->id, sid));
	cu_unlock();
	RET(rc, "%p, %p", (void *)hEvent, (void *)hStream);
}

/* CU_EVENT_RECORD_EXTERNAL is for graphs: only the default. */
CUresult CUDAAPI cuEventRecordWithFlags(CUevent hEvent, CUstream hStream, unsigned int flags)
{
	if (flags)
		RET(CUDA_ERROR_NOT_SUPPORTED, "%p, %p, %#x", (void *)hEvent, (void *)hStream, flags);
	return cuEventRecord(hEvent, hStream);
}

CUresult CUDAAPI cuEventQuery(CUevent hEvent)
{
	CUcontext ctx;
	int complete = 0;
	CUresult rc;

	cu_lock();
	rc = owner(hEvent, &ctx);
	if (!rc)
		rc = cu_drain(ctx);
	if (!rc)
		rc = cu_status_handle(vgpufront_event_query(cu.dev, ctx->session, hEvent->id,
							    &complete));
	cu_unlock();
	if (!rc && !complete)
		rc = CUDA_ERROR_NOT_READY;
	RET(rc, "%p", (void *)hEvent);
}

CUresult CUDAAPI cuEventSynchronize(CUevent hEvent)
{
	CUcontext ctx;
	CUresult rc;

	cu_lock();
	rc = owner(hEvent, &ctx);
	if (!rc)
		rc = cu_drain(ctx);
	if (!rc)
		rc = cu_status_handle(vgpufront_event_synchronize(cu.dev, ctx->session, hEvent->id));
	cu_unlock();
	RET(rc, "%p", (void *)hEvent);
}

/*
 * Milliseconds from @start's latest record to @end's.  Not recorded, or
 * created with CU_EVENT_DISABLE_TIMING (the backend's VGPU_EINVAL):
 * CUDA_ERROR_INVALID_HANDLE, as the driver says.
 */
static CUresult elapsed(float *ms, CUevent start, CUevent end)
{
	CUcontext c1, c2;
	int64_t ns = 0;
	CUresult rc;
	int r;

	if (!ms)
		return CUDA_ERROR_INVALID_VALUE;
	cu_lock();
	rc = owner(start, &c1);
	if (!rc)
		rc = owner(end, &c2);
	if (!rc && c1 != c2)
		rc = CUDA_ERROR_INVALID_CONTEXT;
	if (!rc)
		rc = cu_drain(c1);
	if (!rc) {
		r = vgpufront_event_elapsed(cu.dev, c1->session, start->id, end->id, &ns);
		rc = r == VGPUFRONT_E(VGPU_EINVAL) ? CUDA_ERROR_INVALID_HANDLE : cu_status_handle(r);
	}
	cu_unlock();
	if (!rc)
		*ms = (float)((double)ns / 1e6);
	return rc;
}

static CUresult elapsed_ret(const char *fn, float *ms, CUevent start, CUevent end)
{
	CUresult rc = elapsed(ms, start, end);

	return cu_ret(fn, rc, "%p, %p -> %g ms", (void *)start, (void *)end,
		      rc ? 0.0 : (double)*ms);
}

CUresult CUDAAPI cuEventElapsedTime(float *pMilliseconds, CUevent hStart, CUevent hEnd)
{
	return elapsed_ret(__func__, pMilliseconds, hStart, hEnd);
}

/* The v1 ABIs of cuEventElapsedTime and cuEventDestroy: the same calls. */
#undef cuEventElapsedTime
#undef cuEventDestroy
CUresult CUDAAPI cuEventElapsedTime(float *pMilliseconds, CUevent hStart, CUevent hEnd);
CUresult CUDAAPI cuEventDestroy(CUevent hEvent);

CUresult CUDAAPI cuEventElapsedTime(float *pMilliseconds, CUevent hStart, CUevent hEnd)
{
	return elapsed_ret(__func__, pMilliseconds, hStart, hEnd);
}

CUresult CUDAAPI cuEventDestroy(CUevent hEvent)
{
	return cuEventDestroy_v2(hEvent);
}

CUresult CUDAAPI cuEventRecord_ptsz(CUevent hEvent, CUstream hStream);
CUresult CUDAAPI cuEventRecord_ptsz(CUevent hEvent, CUstream hStream)
{
	return cuEventRecord(hEvent, hStream);
}

CUresult CUDAAPI cuEventRecordWithFlags_ptsz(CUevent hEvent, CUstream hStream, unsigned int flags);
CUresult CUDAAPI cuEventRecordWithFlags_ptsz(CUevent hEvent, CUstream hStream, unsigned int flags)
{
	return cuEventRecordWithFlags(hEvent, hStream, flags);
}
