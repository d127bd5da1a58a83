/* SPDX-License-Identifier: MIT */
/*
 * constmem: __constant__ memory and __shared__ memory, static and dynamic,
 * built with plain `nvcc -o constmem constmem.cu`.  Filter taps go to a
 * __constant__ array with cudaMemcpyToSymbol and come back with
 * cudaMemcpyFromSymbol unchanged; a 1-D stencil reads them, staging its
 * input in a static __shared__ tile with halos; a second kernel reverses
 * each block's slice through dynamic (extern) __shared__ memory, its size
 * given at launch.  Values are small integers (exact in float); each
 * result must equal the CPU's.  Prints deterministic lines, then PASS, or
 * FAIL and the reason (exit 1).
 */
#include <cuda_runtime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RADIUS 3
#define TAPS (2 * RADIUS + 1)
#define BLOCK 256
#define N (1 << 16)

__constant__ float taps[TAPS];
__constant__ int bias;

/* out[i] = bias + sum taps[k] in[i + k - RADIUS], zero past the ends. */
__global__ void stencil(const float *in, float *out, int n)
{
	__shared__ float tile[BLOCK + 2 * RADIUS];
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	int t = threadIdx.x + RADIUS;

	tile[t] = i < n ? in[i] : 0.0f;
	if (threadIdx.x < RADIUS) {
		int lo = i - RADIUS, hi = i + BLOCK;

		tile[t - RADIUS] = lo >= 0 && lo < n ? in[lo] : 0.0f;
		tile[t + BLOCK] = hi < n ? in[hi] : 0.0f;
	}
	__syncthreads();
	if (i < n) {
		float v = (float)bias;

		for (int k = 0; k < TAPS; k++)
			v += taps[k] * tile[threadIdx.x + k];
		out[i] = v;
	}
}

/* Each block's slice of @p reversed in place (n a multiple of the block). */
__global__ void reverse_blocks(int *p)
{
	extern __shared__ int buf[];
	int i = blockIdx.x * blockDim.x + threadIdx.x;

	buf[threadIdx.x] = p[i];
	__syncthreads();
	p[i] = buf[blockDim.x - 1 - threadIdx.x];
}

static void check(cudaError_t e, const char *what)
{
	if (e == cudaSuccess)
		return;
	printf("FAIL %s: %s (%s)\n", what, cudaGetErrorName(e), cudaGetErrorString(e));
	exit(1);
}

static void test_symbols(const float *h_taps, int h_bias)
{
	float back[TAPS];
	int bias_back = 0;

	check(cudaMemcpyToSymbol(taps, h_taps, sizeof(back)), "cudaMemcpyToSymbol taps");
	check(cudaMemcpyToSymbol(bias, &h_bias, sizeof(int)), "cudaMemcpyToSymbol bias");
	memset(back, 0, sizeof(back));
	check(cudaMemcpyFromSymbol(back, taps, sizeof(back)), "cudaMemcpyFromSymbol taps");
	check(cudaMemcpyFromSymbol(&bias_back, bias, sizeof(int)), "cudaMemcpyFromSymbol bias");
	if (memcmp(back, h_taps, sizeof(back)) || bias_back != h_bias) {
		printf("FAIL the __constant__ symbols read back differ from what was written\n");
		exit(1);
	}
	printf("%d taps and a bias written to __constant__ memory and read back\n", TAPS);
}

static void test_stencil(const float *h_taps, int h_bias)
{
	float *in = (float *)malloc(N * sizeof(float)), *out = (float *)malloc(N * sizeof(float));
	float *din, *dout;

	for (int i = 0; i < N; i++)
		in[i] = (float)(i % 13 - 6);
	check(cudaMalloc((void **)&din, N * sizeof(float)), "cudaMalloc in");
	check(cudaMalloc((void **)&dout, N * sizeof(float)), "cudaMalloc out");
	check(cudaMemcpy(din, in, N * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy in");
	stencil<<<N / BLOCK, BLOCK>>>(din, dout, N);
	check(cudaGetLastError(), "stencil<<<>>>");
	check(cudaMemcpy(out, dout, N * sizeof(float), cudaMemcpyDeviceToHost), "cudaMemcpy out");
	for (int i = 0; i < N; i++) {
		float v = (float)h_bias;

		for (int k = 0; k < TAPS; k++) {
			int j = i + k - RADIUS;

			v += h_taps[k] * (j >= 0 && j < N ? in[j] : 0.0f);
		}
		if (out[i] != v) {
			printf("FAIL stencil: out[%d] = %g, want %g\n", i, out[i], v);
			exit(1);
		}
	}
	printf("stencil over %d elements (static __shared__, __constant__ taps) matches the CPU\n", N);
	check(cudaFree(din), "cudaFree");
	check(cudaFree(dout), "cudaFree");
	free(in);
	free(out);
}

static void test_dynamic_shared(void)
{
	int *h = (int *)malloc(N * sizeof(int)), *d;

	for (int i = 0; i < N; i++)
		h[i] = i;
	check(cudaMalloc((void **)&d, N * sizeof(int)), "cudaMalloc");
	check(cudaMemcpy(d, h, N * sizeof(int), cudaMemcpyHostToDevice), "cudaMemcpy HtoD");
	reverse_blocks<<<N / BLOCK, BLOCK, BLOCK * sizeof(int)>>>(d);
	check(cudaGetLastError(), "reverse_blocks<<<..., dynamic shared>>>");
	check(cudaMemcpy(h, d, N * sizeof(int), cudaMemcpyDeviceToHost), "cudaMemcpy DtoH");
	for (int i = 0; i < N; i++) {
		int want = i / BLOCK * BLOCK + (BLOCK - 1 - i % BLOCK);

		if (h[i] != want) {
			printf("FAIL reverse_blocks: [%d] = %d, want %d\n", i, h[i], want);
			exit(1);
		}
	}
	printf("each block of %d reversed through %zu bytes of dynamic __shared__\n", BLOCK,
	       BLOCK * sizeof(int));
	check(cudaFree(d), "cudaFree");
	free(h);
}

int main(void)
{
	const float h_taps[TAPS] = { 1, -2, 3, 4, 3, -2, 1 };
	const int h_bias = 5;

	test_symbols(h_taps, h_bias);
	test_stencil(h_taps, h_bias);
	test_dynamic_shared();
	printf("PASS\n");
	return 0;
}
