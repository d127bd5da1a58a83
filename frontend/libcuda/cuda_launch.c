/* SPDX-License-Identifier: MIT */
/*
 * cuda_launch.c: functions (vgpufront_func_get: a handle and the parameter
 * layout) and launches.  kernelParams are packed by the layout the backend
 * returned (vgpufront_params_pack); an `extra` CU_LAUNCH_PARAM_BUFFER_POINTER
 * blob is the caller's packing already.  A launch is queued (cuda_async.c):
 * its blob goes in the blob ring and it returns at once; with
 * CUDA_LAUNCH_BLOCKING=1, or a blob above CU_ASYNC_MAX_BLOB, the blob goes
 * in one registered buffer and the launch returns once the kernel ran.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cuda_priv.h"

#define PARAMS_BUF 32768u	/* VGPUIF_MAX_PARAM_BYTES, to a page multiple */

CUresult cu_params_buf(void)
{
	int rc = 0;

	if (cu.params)
		return CUDA_SUCCESS;
	cu.params = vgpufront_buf_alloc(cu.dev, PARAMS_BUF, VGPUFRONT_BUF_READONLY, &rc);
	return cu.params ? CUDA_SUCCESS : cu_status(rc);
}

/* Under the lock: @f if it is a function of a live module. */
static bool func_live(CUfunction f)
{
	CUfunction p;

	if (!f || !cu_module_live(f->mod))
		return false;
	for (p = f->mod->funcs; p; p = p->next)
		if (p == f)
			return true;
	return false;
}

/* Under the lock: the module's function @name, asked of the backend once. */
static CUresult get_function(CUmodule m, const char *name, CUfunction *out)
{
	size_t len = strlen(name);
	CUfunction f;
	CUresult rc;

	for (f = m->funcs; f; f = f->next)
		if (!strcmp(f->name, name)) {
			*out = f;
			return CUDA_SUCCESS;
		}
	f = calloc(1, sizeof(*f) + len + 1);
	if (!f)
		return CUDA_ERROR_OUT_OF_MEMORY;
	rc = cu_drain(m->ctx);
	if (!rc)
		rc = cu_status(vgpufront_func_get(cu.dev, m->ctx->session, m->handle, name, &f->f));
	if (!rc && f->f.nparams > VGPUFRONT_MAX_PARAMS)
		rc = CUDA_ERROR_NOT_SUPPORTED;	/* its layout was cut short */
	if (rc) {
		free(f->f.layout);
		free(f);
		return rc;
	}
	memcpy(f->name, name, len + 1);
	f->mod = m;
	f->next = m->funcs;
	m->funcs = f;
	*out = f;
	return CUDA_SUCCESS;
}

CUresult CUDAAPI cuModuleGetFunction(CUfunction *hfunc, CUmodule hmod, const char *name)
{
	CUresult rc;

	if (!hfunc || !name || !*name)
		RET(CUDA_ERROR_INVALID_VALUE, "%p, %p", (void *)hmod, (const void *)name);
	cu_lock();
	rc = cu_check_init();
	if (!rc && !cu_module_live(hmod))
		rc = CUDA_ERROR_INVALID_HANDLE;
	if (!rc)
		rc = get_function(hmod, name, hfunc);
	cu_unlock();
	RET(rc, "%p, \"%s\" -> %p", (void *)hmod, name, rc ? NULL : (void *)*hfunc);
}

CUresult CUDAAPI cuFuncGetParamInfo(CUfunction func, size_t paramIndex, size_t *paramOffset,
				    size_t *paramSize)
{
	CUresult rc;

	cu_lock();
	rc = cu_check_init();
	if (!rc && !func_live(func))
		rc = CUDA_ERROR_INVALID_HANDLE;
	if (!rc && paramIndex >= func->f.nparams)
		rc = CUDA_ERROR_INVALID_VALUE;
	if (!rc && paramOffset)
		*paramOffset = func->f.layout[paramIndex].offset;
	if (!rc && paramSize)
		*paramSize = func->f.layout[paramIndex].size;
	cu_unlock();
	RET(rc, "%p, %zu", (void *)func, paramIndex);
}

CUresult CUDAAPI cuFuncGetName(const char **name, CUfunction hfunc)
{
	CUresult rc;

	if (!name)
		RET(CUDA_ERROR_INVALID_VALUE, "NULL, %p", (void *)hfunc);
	cu_lock();
	rc = cu_check_init();
	if (!rc && !func_live(hfunc))
		rc = CUDA_ERROR_INVALID_HANDLE;
	if (!rc)
		*name = hfunc->name;
	cu_unlock();
	RET(rc, "%p", (void *)hfunc);
}

CUresult CUDAAPI cuFuncGetModule(CUmodule *hmod, CUfunction hfunc)
{
	CUresult rc;

	if (!hmod)
		RET(CUDA_ERROR_INVALID_VALUE, "NULL, %p", (void *)hfunc);
	cu_lock();
	rc = cu_check_init();
	if (!rc && !func_live(hfunc))
		rc = CUDA_ERROR_INVALID_HANDLE;
	if (!rc)
		*hmod = hfunc->mod;
	cu_unlock();
	RET(rc, "%p", (void *)hfunc);
}

/*
 * The `extra` form: CU_LAUNCH_PARAM_BUFFER_POINTER and _SIZE, then
 * CU_LAUNCH_PARAM_END.  The buffer must hold the kernel's param_bytes (a
 * struct's tail padding past them is not sent).
 */
static CUresult pack_extra(const struct vgpufront_func *f, void **extra, void *blob)
{
	const void *ptr = NULL;
	size_t size = 0;
	bool has_size = false;
	unsigned i;

	for (i = 0; extra[i] != CU_LAUNCH_PARAM_END; i += 2) {
		if (extra[i] == CU_LAUNCH_PARAM_BUFFER_POINTER) {
			ptr = extra[i + 1];
		} else if (extra[i] == CU_LAUNCH_PARAM_BUFFER_SIZE) {
			size = *(const size_t *)extra[i + 1];
			has_size = true;
		} else {
			return CUDA_ERROR_INVALID_VALUE;
		}
	}
	if (!ptr || !has_size || size < f->param_bytes)
		return CUDA_ERROR_INVALID_VALUE;
	memcpy(blob, ptr, f->param_bytes);
	return CUDA_SUCCESS;
}

static CUresult pack(const struct vgpufront_func *f, void **kernelParams, void **extra,
			void *blob)
{
	if (!f->param_bytes)
		return CUDA_SUCCESS;
	if (kernelParams)
		return cu_status(vgpufront_params_pack(f, (void *const *)kernelParams, blob));
	if (extra)
		return pack_extra(f, extra, blob);
	return CUDA_ERROR_INVALID_VALUE;
}

struct launch_args {
	CUfunction f;
	unsigned grid[3], block[3], shmem;
	CUstream stream;
	void **kernelParams, **extra;
};

/*
 * A shape no GPU takes, refused here as the driver refuses it at the call:
 * a queued launch would only hear of it at the next synchronising call.
 */
static CUresult check_shape(const struct launch_args *a)
{
	uint64_t threads = (uint64_t)a->block[0] * a->block[1] * a->block[2];

	if (!a->grid[0] || !a->grid[1] || !a->grid[2] || !threads)
		return CUDA_ERROR_INVALID_VALUE;
	if (threads > 1024 || a->block[2] > 64 || a->grid[1] > 65535 || a->grid[2] > 65535)
		return CUDA_ERROR_INVALID_VALUE;
	return CUDA_SUCCESS;
}

/* Under the lock: launch and wait (CUDA_LAUNCH_BLOCKING, large blobs). */
static CUresult launch_wait(const struct launch_args *a, CUcontext ctx,
			    struct vgpufront_launch *l)
{
	CUresult rc = cu_drain(ctx);

	if (!rc)
		rc = cu_params_buf();
	if (!rc)
		rc = pack(&a->f->f, a->kernelParams, a->extra, cu.params->addr);
	if (rc)
		return rc;
	l->params = l->params_len ? cu.params : NULL;
	return cu_status(vgpufront_launch(cu.dev, ctx->session, l));
}

/* Under the lock: queue the launch, its blob in the blob ring. */
static CUresult launch_queued(const struct launch_args *a, CUcontext ctx,
			      struct vgpufront_launch *l)
{
	bool blocking = cu_stream_blocking(a->stream);
	CUresult rc = ctx->async_err;
	void *blob = NULL;

	if (rc) {			/* an earlier launch's error, not yet told */
		ctx->async_err = CUDA_SUCCESS;
		return rc;
	}
	rc = cu_async_order(ctx, l->stream, blocking);
	if (!rc)
		rc = cu_async_reserve(l->params_len, &blob, &l->params_off);
	if (!rc)
		rc = pack(&a->f->f, a->kernelParams, a->extra, blob);
	if (!rc)
		rc = cu_async_submit(ctx, l, blocking);
	return rc;
}

static CUresult launch(const struct launch_args *a)
{
	struct vgpufront_launch l = { 0 };
	CUcontext ctx;
	CUresult rc;

	if (a->kernelParams && a->extra)
		return CUDA_ERROR_INVALID_VALUE;
	cu_lock();
	rc = cu_check_init();
	if (!rc && !func_live(a->f))
		rc = CUDA_ERROR_INVALID_HANDLE;
	ctx = rc ? NULL : a->f->mod->ctx;
	if (!rc)
		rc = cu_stream_id(ctx, a->stream, &l.stream);
	if (!rc)
		rc = check_shape(a);
	if (!rc) {
		l.func = a->f->f.handle;
		memcpy(l.grid, a->grid, sizeof(l.grid));
		memcpy(l.block, a->block, sizeof(l.block));
		l.shmem = a->shmem;
		l.params_len = a->f->f.param_bytes;
		rc = cu_async_blocking(l.params_len) ? launch_wait(a, ctx, &l)
						     : launch_queued(a, ctx, &l);
	}
	cu_unlock();
	return rc;
}

CUresult CUDAAPI cuLaunchKernel(CUfunction f, unsigned int gridDimX, unsigned int gridDimY,
				unsigned int gridDimZ, unsigned int blockDimX, unsigned int blockDimY,
				unsigned int blockDimZ, unsigned int sharedMemBytes, CUstream hStream,
				void **kernelParams, void **extra)
{
	struct launch_args a = {
		.f = f, .grid = { gridDimX, gridDimY, gridDimZ },
		.block = { blockDimX, blockDimY, blockDimZ }, .shmem = sharedMemBytes,
		.stream = hStream, .kernelParams = kernelParams, .extra = extra,
	};

	RET(launch(&a), "%p, <<<(%u,%u,%u), (%u,%u,%u), %u, %p>>>", (void *)f,
	    gridDimX, gridDimY, gridDimZ,
	    blockDimX, blockDimY, blockDimZ, sharedMemBytes, (void *)hStream);
}

CUresult CUDAAPI cuLaunchKernel_ptsz(CUfunction f, unsigned int gx, unsigned int gy,
				     unsigned int gz, unsigned int bx, unsigned int by,
				     unsigned int bz, unsigned int shmem, CUstream s,
				     void **kernelParams, void **extra);
CUresult CUDAAPI cuLaunchKernel_ptsz(CUfunction f, unsigned int gx, unsigned int gy,
				     unsigned int gz, unsigned int bx, unsigned int by,
				     unsigned int bz, unsigned int shmem, CUstream s,
				     void **kernelParams, void **extra)
{
	return cuLaunchKernel(f, gx, gy, gz, bx, by, bz, shmem, s, kernelParams, extra);
}
