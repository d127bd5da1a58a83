/* SPDX-License-Identifier: MIT */
/*
 * streams: the usual overlap pattern, built with plain `nvcc -o streams
 * streams.cu`.  Pinned host buffers (cudaMallocHost); the data cut in one
 * chunk per stream; each stream copies its chunk in, runs the kernel on
 * it and copies it out, all with cudaMemcpyAsync and <<<..., stream>>>, so
 * that one stream's copies may overlap another's kernel.  Every element is
 * checked against the CPU (small integers: exact).  Prints deterministic
 * lines, then PASS, or FAIL and the reason (exit 1).
 */
#include <cuda_runtime.h>
#include <stdio.h>
#include <stdlib.h>

#define NSTREAMS 4
#define N (1 << 20)
#define CHUNK (N / NSTREAMS)

/* y = 3 x + 1, a few times over, so that the kernel has some work. */
__global__ void affine(const float *x, float *y, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;

	if (i < n) {
		float v = x[i];

		for (int k = 0; k < 4; k++)
			v = v * 3.0f + 1.0f;
		y[i] = v;
	}
}

static void check(cudaError_t e, const char *what)
{
	if (e == cudaSuccess)
		return;
	printf("FAIL %s: %s (%s)\n", what, cudaGetErrorName(e), cudaGetErrorString(e));
	exit(1);
}

static float reference(float v)
{
	for (int k = 0; k < 4; k++)
		v = v * 3.0f + 1.0f;
	return v;
}

int main(void)
{
	cudaStream_t s[NSTREAMS];
	float *hin, *hout, *din, *dout;
	size_t cb = CHUNK * sizeof(float);

	printf("streams=%d n=%d chunk=%d\n", NSTREAMS, N, CHUNK);
	check(cudaMallocHost((void **)&hin, N * sizeof(float)), "cudaMallocHost in");
	check(cudaMallocHost((void **)&hout, N * sizeof(float)), "cudaMallocHost out");
	check(cudaMalloc((void **)&din, N * sizeof(float)), "cudaMalloc in");
	check(cudaMalloc((void **)&dout, N * sizeof(float)), "cudaMalloc out");
	for (int i = 0; i < N; i++) {
		hin[i] = (float)(i % 1024);
		hout[i] = -1.0f;
	}
	for (int k = 0; k < NSTREAMS; k++)
		check(cudaStreamCreate(&s[k]), "cudaStreamCreate");
	for (int k = 0; k < NSTREAMS; k++) {
		size_t off = (size_t)k * CHUNK;

		check(cudaMemcpyAsync(din + off, hin + off, cb, cudaMemcpyHostToDevice, s[k]),
		      "cudaMemcpyAsync HtoD");
		affine<<<(CHUNK + 255) / 256, 256, 0, s[k]>>>(din + off, dout + off, CHUNK);
		check(cudaGetLastError(), "affine<<<..., stream>>>");
		check(cudaMemcpyAsync(hout + off, dout + off, cb, cudaMemcpyDeviceToHost, s[k]),
		      "cudaMemcpyAsync DtoH");
	}
	for (int k = 0; k < NSTREAMS; k++)
		check(cudaStreamSynchronize(s[k]), "cudaStreamSynchronize");
	for (int i = 0; i < N; i++) {
		if (hout[i] != reference(hin[i])) {
			printf("FAIL out[%d] = %g, want %g (stream %d)\n", i, hout[i],
			       reference(hin[i]), i / CHUNK);
			return 1;
		}
	}
	printf("all %d elements of %d streams match the CPU\n", N, NSTREAMS);
	for (int k = 0; k < NSTREAMS; k++)
		check(cudaStreamDestroy(s[k]), "cudaStreamDestroy");
	check(cudaFree(din), "cudaFree");
	check(cudaFree(dout), "cudaFree");
	check(cudaFreeHost(hin), "cudaFreeHost");
	check(cudaFreeHost(hout), "cudaFreeHost");
	printf("PASS\n");
	return 0;
}
