/* SPDX-License-Identifier: MIT */
/*
 * cuda_hostmem.c: page-locked host memory (cuMemAllocHost, cuMemHostAlloc)
 * is a buffer granted to the backend, so that copies from and to it need
 * no staging: the backend's DMA reads and writes the guest's pages.  Where
 * the backend grants no more (its per-domain page bound), the memory is
 * plain and its copies are staged, as for any host memory; said once.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cuda_priv.h"

struct cu_host {
	struct cu_host *next;
	struct vgpufront_buf *buf;
};

const struct vgpufront_buf *cu_host_find(const void *p, size_t n, size_t *off)
{
	const struct cu_host *h;
	uintptr_t a = (uintptr_t)p;

	for (h = cu.hosts; h; h = h->next) {
		uintptr_t b = (uintptr_t)h->buf->addr;

		if (a >= b && a - b <= h->buf->len && n <= h->buf->len - (a - b)) {
			*off = a - b;
			return h->buf;
		}
	}
	return NULL;
}

/* Under the lock: @bytes granted, or NULL and why in @st. */
static void *granted(size_t bytes, int *st)
{
	struct cu_host *h = calloc(1, sizeof(*h));

	*st = -ENOMEM;
	if (!h)
		return NULL;
	h->buf = vgpufront_buf_alloc(cu.dev, bytes, 0, st);
	if (!h->buf) {
		free(h);
		return NULL;
	}
	h->next = cu.hosts;
	cu.hosts = h;
	return h->buf->addr;
}

CUresult CUDAAPI cuMemAllocHost(void **pp, size_t bytesize)
{
	static bool told;
	CUresult rc;
	int st = 0;

	if (!pp || !bytesize)
		RET(CUDA_ERROR_INVALID_VALUE, "%p, %zu", (void *)pp, bytesize);
	cu_lock();
	rc = cu_check_init();
	*pp = rc ? NULL : granted(bytesize, &st);
	if (!rc && !*pp) {
		if (!told)
			fprintf(stderr, "vgpu-cuda: cuMemAllocHost: %zu bytes not granted (%s): "
				"plain memory, its copies staged\n", bytesize,
				vgpufront_strerror(st));
		told = true;
		if (posix_memalign(pp, (size_t)sysconf(_SC_PAGESIZE), bytesize))
			rc = CUDA_ERROR_OUT_OF_MEMORY;
	}
	cu_unlock();
	RET(rc, "%zu -> %p", bytesize, rc ? NULL : *pp);
}

CUresult CUDAAPI cuMemHostAlloc(void **pp, size_t bytesize, unsigned int Flags)
{
	/* Mapped host memory would be the device's to address: not over a ring. */
	if (Flags & CU_MEMHOSTALLOC_DEVICEMAP)
		RET(CUDA_ERROR_NOT_SUPPORTED, "%zu, %#x", bytesize, Flags);
	return cuMemAllocHost_v2(pp, bytesize);
}

CUresult CUDAAPI cuMemFreeHost(void *p)
{
	uintptr_t was = (uintptr_t)p;	/* for the trace: p is not used after free */
	struct cu_host **pp, *h = NULL;

	cu_lock();
	for (pp = &cu.hosts; *pp; pp = &(*pp)->next)
		if ((*pp)->buf->addr == p) {
			h = *pp;
			*pp = h->next;
			break;
		}
	if (h) {
		/* No request waits on it: only synchronous copies name host memory. */
		vgpufront_buf_free(cu.dev, h->buf);
		free(h);
	}
	cu_unlock();
	if (!h)
		free(p);
	RET(CUDA_SUCCESS, "%#lx", (unsigned long)was);
}

/* Under the lock, at cuInit's undoing: the buffers went with the device. */
void cu_hosts_forget(void)
{
	while (cu.hosts) {
		struct cu_host *h = cu.hosts;

		cu.hosts = h->next;
		free(h);
	}
}
