/* SPDX-License-Identifier: MIT */
/*
 * fault: the classic bug, a kernel writing through a pointer the host
 * never allocated (NULL: the cudaMalloc of the output was forgotten),
 * built with plain `nvcc -o fault fault.cu`.  A GPU says
 * cudaErrorIllegalAddress ("an illegal memory access was encountered"),
 * at the launch or at the next synchronization, wherever the driver
 * notices it first; the program takes the first error of the two, prints
 * its name, and passes when it is that one.  Otherwise FAIL and the error
 * seen (exit 1).
 */
#include <cuda_runtime.h>
#include <stdio.h>
#include <stdlib.h>

#define N 1024

__global__ void twice(const int *in, int *out, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;

	if (i < n)
		out[i] = 2 * in[i];
}

static void check(cudaError_t e, const char *what)
{
	if (e == cudaSuccess)
		return;
	printf("FAIL %s: %s (%s)\n", what, cudaGetErrorName(e), cudaGetErrorString(e));
	exit(1);
}

int main(void)
{
	int *in, *out = NULL;	/* out: the cudaMalloc forgotten */
	cudaError_t launch, sync, e;

	check(cudaMalloc((void **)&in, N * sizeof(int)), "cudaMalloc in");
	check(cudaMemset(in, 0, N * sizeof(int)), "cudaMemset in");
	twice<<<N / 256, 256>>>(in, out, N);
	launch = cudaGetLastError();
	sync = cudaDeviceSynchronize();
	e = launch != cudaSuccess ? launch : sync;
	printf("error: %s\n", cudaGetErrorName(e));
	if (e != cudaErrorIllegalAddress) {
		printf("FAIL want cudaErrorIllegalAddress, got %s (%s)\n", cudaGetErrorName(e),
		       cudaGetErrorString(e));
		return 1;
	}
	printf("PASS\n");
	return 0;
}
