/* SPDX-License-Identifier: MIT */
/*
 * cuda_rt.c: the CUDA 13 forms of context calls that take the context as
 * an argument (NULL: the current one), which the CUDA 13 runtime asks
 * cuGetProcAddress for at version 13000.
 */
#include "config.h"

#include "cuda_priv.h"

/* Under the lock: @ctx, or the current context when NULL, checked alive. */
static CUresult ctx_or_current(CUcontext *ctx)
{
	CUresult rc;

	if (!*ctx)
		return cu_current(ctx);
	rc = cu_check_init();
	if (!rc && !cu_ctx_live(*ctx))
		rc = CUDA_ERROR_INVALID_CONTEXT;
	return rc;
}

CUresult CUDAAPI cuCtxGetDevice_v2(CUdevice *device, CUcontext ctx)
{
	CUresult rc;

	if (!device)
		RET(CUDA_ERROR_INVALID_VALUE, "NULL, %p", (void *)ctx);
	cu_lock();
	rc = ctx_or_current(&ctx);
	if (!rc)
		*device = ctx->dev;
	cu_unlock();
	RET(rc, "%p -> %d", (void *)ctx, rc ? -1 : *device);
}

/* Everything queued on @ctx's streams is done: as cuCtxSynchronize. */
CUresult CUDAAPI cuCtxSynchronize_v2(CUcontext ctx)
{
	CUresult rc;

	cu_lock();
	rc = ctx_or_current(&ctx);
	if (!rc)
		rc = cu_drain(ctx);
	cu_unlock();
	RET(rc, "%p", (void *)ctx);
}
