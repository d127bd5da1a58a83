/* SPDX-License-Identifier: MIT */
/*
 * cuda_mem.c: device memory in the current context's session.  Host memory
 * reaches the backend through granted pages only: page-locked memory is
 * granted itself (cuda_hostmem.c), any other goes through one registered
 * staging buffer ($VGPU_CUDA_STAGING_KB, default 16384) in slots that are
 * in flight together (cuda_copy.c).  The Async forms are the same calls:
 * each returns once its copy is done, so stream order holds.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_priv.h"

#define STAGING_DEFAULT (16u << 20)
#define STAGING_MAX (64u << 20)

static size_t staging_bytes(void)
{
	const char *s = getenv("VGPU_CUDA_STAGING_KB");
	unsigned long kb = s && *s ? strtoul(s, NULL, 10) : 0;

	if (!kb || kb > STAGING_MAX / 1024)
		return STAGING_DEFAULT;
	return kb * 1024;
}

CUresult cu_staging(void)
{
	int rc = 0;

	if (cu.staging)
		return CUDA_SUCCESS;
	cu.staging_len = staging_bytes();
	cu.staging = vgpufront_buf_alloc(cu.dev, cu.staging_len, 0, &rc);
	return cu.staging ? CUDA_SUCCESS : cu_status(rc);
}

CUresult CUDAAPI cuMemAlloc(CUdeviceptr *dptr, size_t bytesize)
{
	CUcontext ctx;
	uint64_t p = 0;
	CUresult rc;

	if (!dptr || !bytesize)
		RET(CUDA_ERROR_INVALID_VALUE, "%p, %zu", (void *)dptr, bytesize);
	/* More than the wire can ask (the backend's VGPU_ERANGE): as the driver says it. */
	if (bytesize > VGPUIF_MAX_ALLOC)
		RET(CUDA_ERROR_OUT_OF_MEMORY, "%zu", bytesize);
	cu_lock();
	rc = cu_current(&ctx);
	if (!rc)
		rc = cu_drain(ctx);
	if (!rc)
		rc = cu_status(vgpufront_mem_alloc(cu.dev, ctx->session, bytesize, &p));
	cu_unlock();
	if (!rc)
		*dptr = (CUdeviceptr)p;
	RET(rc, "%zu -> %#llx", bytesize, (unsigned long long)p);
}

CUresult CUDAAPI cuMemFree(CUdeviceptr dptr)
{
	CUcontext ctx;
	CUresult rc;

	cu_lock();
	rc = cu_current(&ctx);
	/* 0 frees nothing, as the driver: cudaFree(NULL) passes it on. */
	if (!rc && dptr)
		rc = cu_drain(ctx);
	if (!rc && dptr)
		rc = cu_status(vgpufront_mem_free(cu.dev, ctx->session, dptr));
	cu_unlock();
	RET(rc, "%#llx", (unsigned long long)dptr);
}

/*
 * Each copy: the current context's session, checked stream (Async), 0
 * bytes done at once (the backend refuses empty ranges; the driver does not).
 */
enum copy_kind { HTOD, DTOH, DTOD };

static CUresult copy(enum copy_kind k, uint64_t dst, const void *hsrc, void *hdst,
		     uint64_t src, size_t n, CUstream stream)
{
	CUcontext ctx;
	uint32_t sid;
	CUresult rc;

	if ((k == HTOD && !hsrc) || (k == DTOH && !hdst))
		return CUDA_ERROR_INVALID_VALUE;
	cu_lock();
	rc = cu_current(&ctx);
	if (!rc)
		rc = cu_stream_id(ctx, stream, &sid);
	if (!rc && n)
		rc = cu_drain(ctx);
	if (!rc && n) {
		if (k == HTOD)
			rc = cu_copy_htod(ctx, dst, hsrc, n);
		else if (k == DTOH)
			rc = cu_copy_dtoh(ctx, hdst, src, n);
		else
			rc = cu_status(vgpufront_memcpy_dtod(cu.dev, ctx->session, dst, src, n));
	}
	cu_unlock();
	return rc;
}

CUresult CUDAAPI cuMemcpyHtoD(CUdeviceptr dstDevice, const void *srcHost, size_t ByteCount)
{
	RET(copy(HTOD, dstDevice, srcHost, NULL, 0, ByteCount, NULL), "%#llx, %p, %zu",
	    (unsigned long long)dstDevice, srcHost, ByteCount);
}

CUresult CUDAAPI cuMemcpyDtoH(void *dstHost, CUdeviceptr srcDevice, size_t ByteCount)
{
	RET(copy(DTOH, 0, NULL, dstHost, srcDevice, ByteCount, NULL), "%p, %#llx, %zu",
	    dstHost, (unsigned long long)srcDevice, ByteCount);
}

CUresult CUDAAPI cuMemcpyDtoD(CUdeviceptr dstDevice, CUdeviceptr srcDevice, size_t ByteCount)
{
	RET(copy(DTOD, dstDevice, NULL, NULL, srcDevice, ByteCount, NULL), "%#llx, %#llx, %zu",
	    (unsigned long long)dstDevice, (unsigned long long)srcDevice, ByteCount);
}

CUresult CUDAAPI cuMemcpyHtoDAsync(CUdeviceptr dstDevice, const void *srcHost, size_t ByteCount,
				   CUstream hStream)
{
	RET(copy(HTOD, dstDevice, srcHost, NULL, 0, ByteCount, hStream), "%#llx, %p, %zu, %p",
	    (unsigned long long)dstDevice, srcHost, ByteCount, (void *)hStream);
}

CUresult CUDAAPI cuMemcpyDtoHAsync(void *dstHost, CUdeviceptr srcDevice, size_t ByteCount,
				   CUstream hStream)
{
	RET(copy(DTOH, 0, NULL, dstHost, srcDevice, ByteCount, hStream), "%p, %#llx, %zu, %p",
	    dstHost, (unsigned long long)srcDevice, ByteCount, (void *)hStream);
}

CUresult CUDAAPI cuMemcpyDtoDAsync(CUdeviceptr dstDevice, CUdeviceptr srcDevice, size_t ByteCount,
				   CUstream hStream)
{
	RET(copy(DTOD, dstDevice, NULL, NULL, srcDevice, ByteCount, hStream), "%#llx, %#llx, %zu, %p",
	    (unsigned long long)dstDevice, (unsigned long long)srcDevice, ByteCount,
	    (void *)hStream);
}

/* @count elements of @elem bytes set to @value; 0 elements: nothing to do. */
static CUresult set(uint64_t dptr, uint32_t value, unsigned elem, size_t count, CUstream stream)
{
	CUcontext ctx;
	uint32_t sid;
	CUresult rc;

	cu_lock();
	rc = cu_current(&ctx);
	if (!rc)
		rc = cu_stream_id(ctx, stream, &sid);
	if (!rc && count)
		rc = cu_drain(ctx);
	if (!rc && count)
		rc = cu_status(vgpufront_memset(cu.dev, ctx->session, dptr, value, elem, count));
	cu_unlock();
	return rc;
}

CUresult CUDAAPI cuMemsetD8(CUdeviceptr dstDevice, unsigned char uc, size_t N)
{
	RET(set(dstDevice, uc, 1, N, NULL), "%#llx, %#x, %zu", (unsigned long long)dstDevice, uc, N);
}

CUresult CUDAAPI cuMemsetD16(CUdeviceptr dstDevice, unsigned short us, size_t N)
{
	RET(set(dstDevice, us, 2, N, NULL), "%#llx, %#x, %zu", (unsigned long long)dstDevice, us, N);
}

CUresult CUDAAPI cuMemsetD32(CUdeviceptr dstDevice, unsigned int ui, size_t N)
{
	RET(set(dstDevice, ui, 4, N, NULL), "%#llx, %#x, %zu", (unsigned long long)dstDevice, ui, N);
}

CUresult CUDAAPI cuMemsetD8Async(CUdeviceptr dstDevice, unsigned char uc, size_t N, CUstream hStream)
{
	RET(set(dstDevice, uc, 1, N, hStream), "%#llx, %#x, %zu, %p",
	    (unsigned long long)dstDevice, uc, N, (void *)hStream);
}

CUresult CUDAAPI cuMemsetD16Async(CUdeviceptr dstDevice, unsigned short us, size_t N,
				  CUstream hStream)
{
	RET(set(dstDevice, us, 2, N, hStream), "%#llx, %#x, %zu, %p",
	    (unsigned long long)dstDevice, us, N, (void *)hStream);
}

CUresult CUDAAPI cuMemsetD32Async(CUdeviceptr dstDevice, unsigned int ui, size_t N,
				  CUstream hStream)
{
	RET(set(dstDevice, ui, 4, N, hStream), "%#llx, %#x, %zu, %p",
	    (unsigned long long)dstDevice, ui, N, (void *)hStream);
}

/* The per-thread default stream forms: every call is synchronous, the same. */
#define PTDS(ret, name, args, call)						\
	ret CUDAAPI name##_ptds args;						\
	ret CUDAAPI name##_ptds args { return name call; }
#define PTSZ(ret, name, args, call)						\
	ret CUDAAPI name##_ptsz args;						\
	ret CUDAAPI name##_ptsz args { return name call; }

PTDS(CUresult, cuMemcpyHtoD_v2, (CUdeviceptr d, const void *s, size_t n), (d, s, n))
PTDS(CUresult, cuMemcpyDtoH_v2, (void *d, CUdeviceptr s, size_t n), (d, s, n))
PTDS(CUresult, cuMemcpyDtoD_v2, (CUdeviceptr d, CUdeviceptr s, size_t n), (d, s, n))
PTSZ(CUresult, cuMemcpyHtoDAsync_v2, (CUdeviceptr d, const void *s, size_t n, CUstream st),
     (d, s, n, st))
PTSZ(CUresult, cuMemcpyDtoHAsync_v2, (void *d, CUdeviceptr s, size_t n, CUstream st),
     (d, s, n, st))
PTSZ(CUresult, cuMemcpyDtoDAsync_v2, (CUdeviceptr d, CUdeviceptr s, size_t n, CUstream st),
     (d, s, n, st))
PTDS(CUresult, cuMemsetD8_v2, (CUdeviceptr d, unsigned char v, size_t n), (d, v, n))
PTDS(CUresult, cuMemsetD16_v2, (CUdeviceptr d, unsigned short v, size_t n), (d, v, n))
PTDS(CUresult, cuMemsetD32_v2, (CUdeviceptr d, unsigned int v, size_t n), (d, v, n))
PTSZ(CUresult, cuMemsetD8Async, (CUdeviceptr d, unsigned char v, size_t n, CUstream st),
     (d, v, n, st))
PTSZ(CUresult, cuMemsetD16Async, (CUdeviceptr d, unsigned short v, size_t n, CUstream st),
     (d, v, n, st))
PTSZ(CUresult, cuMemsetD32Async, (CUdeviceptr d, unsigned int v, size_t n, CUstream st),
     (d, v, n, st))
