/* SPDX-License-Identifier: MIT */
/*
 * cuda_procaddr.c: cuGetProcAddress (both ABIs) over cuda_stubs.c's table,
 * cuGetExportTable, and what a stub does when called.
 */
#include "config.h"

#include <stdio.h>

#include "cuda_priv.h"

int cu_stub_called(const char *name, int *once);

int cu_stub_called(const char *name, int *once)
{
	if (!__atomic_exchange_n(once, 1, __ATOMIC_RELAXED) && !cu.trace)
		fprintf(stderr, "vgpu-cuda: %s is not supported (CUDA_ERROR_NOT_SUPPORTED)\n", name);
	return (int)cu_ret(name, CUDA_ERROR_NOT_SUPPORTED, "...");
}

static CUresult lookup(const char *symbol, void **pfn, int cudaVersion, cuuint64_t flags,
		       CUdriverProcAddressQueryResult *symbolStatus)
{
	int status = CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND;

	if (!symbol || !pfn ||
	    (flags & ~(cuuint64_t)(CU_GET_PROC_ADDRESS_LEGACY_STREAM |
				   CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM)))
		return CUDA_ERROR_INVALID_VALUE;
	*pfn = cu_proc_lookup(symbol, cudaVersion,
			      flags & CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM, &status);
	if (symbolStatus)
		*symbolStatus = (CUdriverProcAddressQueryResult)status;
	return *pfn ? CUDA_SUCCESS : CUDA_ERROR_NOT_FOUND;
}

CUresult CUDAAPI cuGetProcAddress(const char *symbol, void **pfn, int cudaVersion, cuuint64_t flags,
				  CUdriverProcAddressQueryResult *symbolStatus)
{
	RET(lookup(symbol, pfn, cudaVersion, flags, symbolStatus), "\"%s\", %d, %#llx",
	    symbol ? symbol : "(null)", cudaVersion, (unsigned long long)flags);
}

/* CUDA 11.3 to 11.8's ABI: no status. */
#undef cuGetProcAddress
CUresult CUDAAPI cuGetProcAddress(const char *symbol, void **pfn, int cudaVersion, cuuint64_t flags);

CUresult CUDAAPI cuGetProcAddress(const char *symbol, void **pfn, int cudaVersion, cuuint64_t flags)
{
	RET(lookup(symbol, pfn, cudaVersion, flags, NULL), "\"%s\", %d, %#llx",
	    symbol ? symbol : "(null)", cudaVersion, (unsigned long long)flags);
}
