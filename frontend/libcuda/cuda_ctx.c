/* SPDX-License-Identifier: MIT */
/*
 * cuda_ctx.c: contexts as sessions.  Each thread has its own stack of
 * current contexts (cuCtxPush/PopCurrent; SetCurrent replaces the top); a
 * device's primary context is one session shared by its retainers.
 */
#include "config.h"

#include <stdlib.h>

#include "cuda_priv.h"

#define CTX_STACK 32

static __thread CUcontext stack[CTX_STACK];
static __thread unsigned depth;

bool cu_ctx_live(CUcontext ctx)
{
	CUcontext c;

	for (c = cu.ctxs; c; c = c->next)
		if (c == ctx)
			return true;
	return false;
}

static CUresult ctx_open(CUcontext ctx);

/* The device whose reset primary context @ctx is, or NULL. */
static struct cu_device *dormant_of(CUcontext ctx)
{
	int i;

	for (i = 0; i < cu.ndevs; i++)
		if (cu.devs[i].dormant == ctx)
			return &cu.devs[i];
	return NULL;
}

/*
 * A reset primary context made current again (the runtime does so after
 * cudaDeviceReset, with the handle it kept): it comes back, as a retain.
 */
static bool primary_wakes(CUcontext ctx)
{
	struct cu_device *d = dormant_of(ctx);

	if (!d || d->primary || ctx_open(ctx))
		return false;
	d->dormant = NULL;
	d->primary = ctx;
	d->primary_refs = 1;
	return true;
}

/* Live, or a reset primary context that comes back when used (cu_current). */
static bool settable(CUcontext ctx)
{
	return cu_ctx_live(ctx) || dormant_of(ctx);
}

CUresult cu_current(CUcontext *ctx)
{
	CUresult rc = cu_check_init();

	if (rc)
		return rc;
	if (!depth || !stack[depth - 1])
		return CUDA_ERROR_INVALID_CONTEXT;
	if (!cu_ctx_live(stack[depth - 1]) && !primary_wakes(stack[depth - 1]))
		return CUDA_ERROR_CONTEXT_IS_DESTROYED;
	*ctx = stack[depth - 1];
	return CUDA_SUCCESS;
}

/* Under the lock: @ctx (its dev, flags, primary set) gets a session. */
static CUresult ctx_open(CUcontext ctx)
{
	CUresult rc = cu_status(vgpufront_session_open(cu.dev, (unsigned)ctx->dev, &ctx->session));

	if (rc)
		return rc;
	ctx->mods = NULL;
	ctx->streams = NULL;
	ctx->events = NULL;
	ctx->async_err = CUDA_SUCCESS;
	ctx->next = cu.ctxs;
	cu.ctxs = ctx;
	return CUDA_SUCCESS;
}

CUresult cu_ctx_new(CUdevice d, unsigned flags, bool primary, CUcontext *out)
{
	CUcontext ctx;
	CUresult rc = cu_check_device(d);

	if (rc)
		return rc;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return CUDA_ERROR_OUT_OF_MEMORY;
	ctx->dev = d;
	ctx->flags = flags;
	ctx->primary = primary;
	rc = ctx_open(ctx);
	if (rc) {
		free(ctx);
		return rc;
	}
	*out = ctx;
	return CUDA_SUCCESS;
}

/* Forget @ctx in this thread's stack (other threads find it dead). */
static void unstack(CUcontext ctx)
{
	unsigned i, j = 0;

	for (i = 0; i < depth; i++)
		if (stack[i] != ctx)
			stack[j++] = stack[i];
	depth = j;
}

/* Under the lock: @ctx's session closed and its objects freed, the struct kept. */
static CUresult ctx_close(CUcontext ctx)
{
	CUcontext *pp;
	int rc;

	for (pp = &cu.ctxs; *pp && *pp != ctx; pp = &(*pp)->next)
		;
	if (!*pp)
		return CUDA_ERROR_INVALID_CONTEXT;
	cu_drain(NULL);		/* no launch of it may stay queued */
	*pp = ctx->next;
	unstack(ctx);
	/* The session's close frees its memory, modules, streams and events. */
	rc = vgpufront_session_close(cu.dev, ctx->session);
	cu_modules_free(ctx);
	cu_streams_free(ctx);
	cu_events_free(ctx);
	/* A session the backend lost already is gone all the same. */
	return rc == VGPUFRONT_E(VGPU_ESESSION) ? CUDA_SUCCESS : cu_status(rc);
}

CUresult cu_ctx_free(CUcontext ctx)
{
	CUresult rc = ctx_close(ctx);

	if (rc != CUDA_ERROR_INVALID_CONTEXT)
		free(ctx);
	return rc;
}

static CUresult push(CUcontext ctx)
{
	if (depth == CTX_STACK)
		return CUDA_ERROR_OUT_OF_MEMORY;
	stack[depth++] = ctx;
	return CUDA_SUCCESS;
}

static CUresult ctx_create(const char *fn, CUcontext *pctx, unsigned flags, CUdevice dev)
{
	CUresult rc;

	if (!pctx)
		return cu_ret(fn, CUDA_ERROR_INVALID_VALUE, "NULL, %#x, %d", flags, dev);
	cu_lock();
	rc = cu_ctx_new(dev, flags, false, pctx);
	if (!rc) {
		rc = push(*pctx);
		if (rc)
			cu_ctx_free(*pctx);
	}
	cu_unlock();
	return cu_ret(fn, rc, "%#x, %d -> %p", flags, dev, rc ? NULL : (void *)*pctx);
}

/* cuda.h of CUDA 13 declares only _v4; the driver exports the older ABIs too. */
#undef cuCtxCreate
CUresult CUDAAPI cuCtxCreate(CUcontext *pctx, unsigned int flags, CUdevice dev);
CUresult CUDAAPI cuCtxCreate_v2(CUcontext *pctx, unsigned int flags, CUdevice dev);
CUresult CUDAAPI cuCtxCreate_v3(CUcontext *pctx, CUexecAffinityParam *paramsArray, int numParams,
				unsigned int flags, CUdevice dev);

CUresult CUDAAPI cuCtxCreate(CUcontext *pctx, unsigned int flags, CUdevice dev)
{
	return ctx_create(__func__, pctx, flags, dev);
}

CUresult CUDAAPI cuCtxCreate_v2(CUcontext *pctx, unsigned int flags, CUdevice dev)
{
	return ctx_create(__func__, pctx, flags, dev);
}

/* Execution affinity (SM partitions) is not carried: only none asked. */
CUresult CUDAAPI cuCtxCreate_v3(CUcontext *pctx, CUexecAffinityParam *paramsArray, int numParams,
				unsigned int flags, CUdevice dev)
{
	if (numParams > 0 || (numParams && paramsArray))
		RET(CUDA_ERROR_NOT_SUPPORTED, "%d affinity params", numParams);
	return ctx_create(__func__, pctx, flags, dev);
}

/* Green contexts and CIG (the parameters) are not carried. */
CUresult CUDAAPI cuCtxCreate_v4(CUcontext *pctx, CUctxCreateParams *ctxCreateParams,
				unsigned int flags, CUdevice dev)
{
	if (ctxCreateParams && (ctxCreateParams->numExecAffinityParams > 0 ||
				ctxCreateParams->cigParams))
		RET(CUDA_ERROR_NOT_SUPPORTED, "params");
	return ctx_create(__func__, pctx, flags, dev);
}

CUresult CUDAAPI cuCtxDestroy(CUcontext ctx)
{
	uintptr_t key = (uintptr_t)ctx;	/* names it after the free */
	CUresult rc;

	cu_lock();
	rc = cu_check_init();
	if (!rc && (!ctx || !cu_ctx_live(ctx) || ctx->primary))
		rc = CUDA_ERROR_INVALID_CONTEXT;
	if (!rc)
		rc = cu_ctx_free(ctx);
	cu_unlock();
	if (!rc)
		cu_cls_ctx_gone(key);
	RET(rc, "%#lx", (unsigned long)key);
}

CUresult CUDAAPI cuCtxPushCurrent(CUcontext ctx)
{
	CUresult rc;

	cu_lock();
	rc = cu_check_init();
	if (!rc)
		rc = ctx && settable(ctx) ? push(ctx) : CUDA_ERROR_INVALID_CONTEXT;
	cu_unlock();
	RET(rc, "%p", (void *)ctx);
}

CUresult CUDAAPI cuCtxPopCurrent(CUcontext *pctx)
{
	CUresult rc;
	CUcontext top = NULL;

	cu_lock();
	rc = cu_check_init();
	if (!rc && !depth)
		rc = CUDA_ERROR_INVALID_CONTEXT;
	if (!rc)
		top = stack[--depth];
	cu_unlock();
	if (pctx && !rc)
		*pctx = top;
	RET(rc, "-> %p", (void *)top);
}

CUresult CUDAAPI cuCtxSetCurrent(CUcontext ctx)
{
	CUresult rc;

	cu_lock();
	rc = cu_check_init();
	if (!rc && ctx && !settable(ctx))
		rc = CUDA_ERROR_INVALID_CONTEXT;
	if (!rc) {
		if (!ctx)
			depth -= depth ? 1 : 0;
		else if (depth)
			stack[depth - 1] = ctx;
		else
			rc = push(ctx);
	}
	cu_unlock();
	RET(rc, "%p", (void *)ctx);
}

CUresult CUDAAPI cuCtxGetCurrent(CUcontext *pctx)
{
	CUresult rc;

	if (!pctx)
		RET(CUDA_ERROR_INVALID_VALUE, "NULL");
	cu_lock();
	rc = cu_check_init();
	*pctx = !rc && depth ? stack[depth - 1] : NULL;
	cu_unlock();
	RET(rc, "-> %p", (void *)*pctx);
}

CUresult CUDAAPI cuCtxGetDevice(CUdevice *device)
{
	CUcontext ctx;
	CUresult rc;

	if (!device)
		RET(CUDA_ERROR_INVALID_VALUE, "NULL");
	cu_lock();
	rc = cu_current(&ctx);
	if (!rc)
		*device = ctx->dev;
	cu_unlock();
	RET(rc, "-> %d", rc ? -1 : *device);
}

CUresult CUDAAPI cuCtxGetFlags(unsigned int *flags)
{
	CUcontext ctx;
	CUresult rc;

	if (!flags)
		RET(CUDA_ERROR_INVALID_VALUE, "NULL");
	cu_lock();
	rc = cu_current(&ctx);
	if (!rc)
		*flags = ctx->flags;
	cu_unlock();
	RET0(rc);
}

CUresult CUDAAPI cuCtxGetApiVersion(CUcontext ctx, unsigned int *version)
{
	CUresult rc;

	if (!version)
		RET(CUDA_ERROR_INVALID_VALUE, "%p, NULL", (void *)ctx);
	cu_lock();
	rc = ctx ? cu_check_init() : cu_current(&ctx);
	if (!rc && !cu_ctx_live(ctx))
		rc = CUDA_ERROR_INVALID_CONTEXT;
	cu_unlock();
	*version = 3020;	/* what the driver says of every context since 3.2 */
	RET(rc, "%p", (void *)ctx);
}

/*
 * Everything queued on the context's streams is done once the queued
 * launches are answered: every other request is answered only after its
 * work ran (cuda_async.c), so no stream sync needs asking.
 */
CUresult CUDAAPI cuCtxSynchronize(void)
{
	CUcontext ctx;
	CUresult rc;

	cu_lock();
	rc = cu_current(&ctx);
	if (!rc)
		rc = cu_drain(ctx);
	cu_unlock();
	RET0(rc);
}

/* Priorities are a hint the backend does not take: one level. */
CUresult CUDAAPI cuCtxGetStreamPriorityRange(int *leastPriority, int *greatestPriority)
{
	CUcontext ctx;
	CUresult rc;

	cu_lock();
	rc = cu_current(&ctx);
	cu_unlock();
	if (!rc && leastPriority)
		*leastPriority = 0;
	if (!rc && greatestPriority)
		*greatestPriority = 0;
	RET0(rc);
}

/* ---- primary contexts ---------------------------------------------------- */

CUresult CUDAAPI cuDevicePrimaryCtxRetain(CUcontext *pctx, CUdevice dev)
{
	struct cu_device *d;
	CUresult rc;

	if (!pctx)
		RET(CUDA_ERROR_INVALID_VALUE, "NULL, %d", dev);
	cu_lock();
	rc = cu_check_device(dev);
	d = rc ? NULL : &cu.devs[dev];
	if (d && !d->primary && d->dormant) {	/* the same handle again */
		d->dormant->flags = d->primary_flags;
		rc = ctx_open(d->dormant);
		if (!rc)
			d->primary = d->dormant, d->dormant = NULL;
	} else if (d && !d->primary) {
		rc = cu_ctx_new(dev, d->primary_flags, true, &d->primary);
	}
	if (!rc) {
		d->primary_refs++;
		*pctx = d->primary;
	}
	cu_unlock();
	RET(rc, "%d -> %p", dev, rc ? NULL : (void *)*pctx);
}

static CUresult primary_drop(CUdevice dev, bool reset)
{
	struct cu_device *d;
	CUresult rc = cu_check_device(dev);

	if (rc)
		return rc;
	d = &cu.devs[dev];
	if (!d->primary)
		return reset ? CUDA_SUCCESS : CUDA_ERROR_INVALID_CONTEXT;
	if (!reset && --d->primary_refs)
		return CUDA_SUCCESS;
	/*
	 * Kept, not freed: the runtime holds on to the handle and makes it
	 * current again after cudaDeviceReset; it comes back then, or at the
	 * next retain.
	 */
	rc = ctx_close(d->primary);
	d->dormant = d->primary;
	d->primary = NULL;
	d->primary_refs = 0;
	return rc;
}

CUresult CUDAAPI cuDevicePrimaryCtxRelease(CUdevice dev)
{
	CUcontext was = NULL;
	CUresult rc;

	cu_lock();
	if (!cu_check_device(dev))
		was = cu.devs[dev].primary;
	rc = primary_drop(dev, false);
	if (was && cu.devs[dev].primary)
		was = NULL;		/* still retained: its state stays */
	cu_unlock();
	if (was)
		cu_cls_ctx_gone((uintptr_t)was);
	RET(rc, "%d", dev);
}

CUresult CUDAAPI cuDevicePrimaryCtxReset(CUdevice dev)
{
	CUcontext was = NULL;
	CUresult rc;

	cu_lock();
	if (!cu_check_device(dev))
		was = cu.devs[dev].primary;
	rc = primary_drop(dev, true);
	cu_unlock();
	if (was)
		cu_cls_ctx_gone((uintptr_t)was);
	RET(rc, "%d", dev);
}

CUresult CUDAAPI cuDevicePrimaryCtxGetState(CUdevice dev, unsigned int *flags, int *active)
{
	CUresult rc;

	if (!flags || !active)
		RET(CUDA_ERROR_INVALID_VALUE, "%d, NULL", dev);
	cu_lock();
	rc = cu_check_device(dev);
	if (!rc) {
		*flags = cu.devs[dev].primary_flags;
		*active = cu.devs[dev].primary != NULL;
	}
	cu_unlock();
	RET(rc, "%d", dev);
}

CUresult CUDAAPI cuDevicePrimaryCtxSetFlags(CUdevice dev, unsigned int flags)
{
	CUresult rc;

	cu_lock();
	rc = cu_check_device(dev);
	if (!rc) {
		cu.devs[dev].primary_flags = flags;
		if (cu.devs[dev].primary)
			cu.devs[dev].primary->flags = flags;
	}
	cu_unlock();
	RET(rc, "%d, %#x", dev, flags);
}

/* The pre-11.0 ABIs of the three: the same calls. */
#undef cuDevicePrimaryCtxRelease
#undef cuDevicePrimaryCtxReset
#undef cuDevicePrimaryCtxSetFlags
#undef cuCtxDestroy
#undef cuCtxPushCurrent
#undef cuCtxPopCurrent
CUresult CUDAAPI cuDevicePrimaryCtxRelease(CUdevice dev);
CUresult CUDAAPI cuDevicePrimaryCtxReset(CUdevice dev);
CUresult CUDAAPI cuDevicePrimaryCtxSetFlags(CUdevice dev, unsigned int flags);
CUresult CUDAAPI cuCtxDestroy(CUcontext ctx);
CUresult CUDAAPI cuCtxPushCurrent(CUcontext ctx);
CUresult CUDAAPI cuCtxPopCurrent(CUcontext *pctx);

CUresult CUDAAPI cuDevicePrimaryCtxRelease(CUdevice dev)
{
	return cuDevicePrimaryCtxRelease_v2(dev);
}

CUresult CUDAAPI cuDevicePrimaryCtxReset(CUdevice dev)
{
	return cuDevicePrimaryCtxReset_v2(dev);
}

CUresult CUDAAPI cuDevicePrimaryCtxSetFlags(CUdevice dev, unsigned int flags)
{
	return cuDevicePrimaryCtxSetFlags_v2(dev, flags);
}

CUresult CUDAAPI cuCtxDestroy(CUcontext ctx)
{
	return cuCtxDestroy_v2(ctx);
}

CUresult CUDAAPI cuCtxPushCurrent(CUcontext ctx)
{
	return cuCtxPushCurrent_v2(ctx);
}

CUresult CUDAAPI cuCtxPopCurrent(CUcontext *pctx)
{
	return cuCtxPopCurrent_v2(pctx);
}
