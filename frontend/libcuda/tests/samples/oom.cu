/* SPDX-License-Identifier: MIT */
/*
 * oom: asking for far more device memory than there is, built with plain
 * `nvcc -o oom oom.cu`.  cudaMalloc of four times the device's
 * totalGlobalMem must fail with cudaErrorMemoryAllocation;
 * cudaGetLastError says it once, then cudaSuccess (the error is not
 * sticky); then an ordinary cudaMalloc still works: memset on the
 * device, copied back, every byte as set.  Prints deterministic lines,
 * then PASS, or FAIL and the reason (exit 1).
 */
#include <cuda_runtime.h>
#include <stdio.h>
#include <stdlib.h>

#define SMALL (1 << 20)

static void check(cudaError_t e, const char *what)
{
	if (e == cudaSuccess)
		return;
	printf("FAIL %s: %s (%s)\n", what, cudaGetErrorName(e), cudaGetErrorString(e));
	exit(1);
}

static void expect(cudaError_t got, cudaError_t want, const char *what)
{
	printf("%s: %s\n", what, cudaGetErrorName(got));
	if (got == want)
		return;
	printf("FAIL %s: want %s\n", what, cudaGetErrorName(want));
	exit(1);
}

int main(void)
{
	cudaDeviceProp p;
	void *huge = NULL, *d = NULL;
	unsigned char *h = (unsigned char *)malloc(SMALL);

	check(cudaGetDeviceProperties(&p, 0), "cudaGetDeviceProperties");
	expect(cudaMalloc(&huge, 4 * p.totalGlobalMem), cudaErrorMemoryAllocation,
	       "cudaMalloc(4 x totalGlobalMem)");
	expect(cudaGetLastError(), cudaErrorMemoryAllocation, "cudaGetLastError");
	expect(cudaGetLastError(), cudaSuccess, "cudaGetLastError again");
	expect(cudaMalloc(&d, SMALL), cudaSuccess, "cudaMalloc(1 MiB)");
	check(cudaMemset(d, 0x5a, SMALL), "cudaMemset");
	check(cudaMemcpy(h, d, SMALL, cudaMemcpyDeviceToHost), "cudaMemcpy DtoH");
	for (int i = 0; i < SMALL; i++) {
		if (h[i] != 0x5a) {
			printf("FAIL byte %d is %#x, want 0x5a\n", i, h[i]);
			return 1;
		}
	}
	printf("1 MiB set to 0x5a on the device and read back\n");
	check(cudaFree(d), "cudaFree");
	free(h);
	printf("PASS\n");
	return 0;
}
