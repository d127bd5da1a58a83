/* SPDX-License-Identifier: MIT */
/*
 * templates: several kernels in one translation unit, some of them
 * templates instantiated for float, int and double, built with plain
 * `nvcc -o templates templates.cu` (one fatbin, many kernel names for the
 * runtime to find).  For each type: iota fills x, axpy makes y = a x + y,
 * block_sum reduces y in shared memory, one partial sum a block.  Values
 * are small integers, exact in every type, so each result must equal the
 * CPU's exactly.  Prints deterministic lines, then PASS, or FAIL and the
 * reason (exit 1).
 */
#include <cuda_runtime.h>
#include <stdio.h>
#include <stdlib.h>

#define N 100000
#define BLOCK 256
#define BLOCKS ((N + BLOCK - 1) / BLOCK)

template <typename T> __global__ void iota_mod(T *x, int n, int mod)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;

	if (i < n)
		x[i] = (T)(i % mod);
}

template <typename T> __global__ void axpy(T a, const T *x, T *y, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;

	if (i < n)
		y[i] = a * x[i] + y[i];
}

/* One partial sum per block: a tree in shared memory. */
template <typename T> __global__ void block_sum(const T *x, T *partial, int n)
{
	__shared__ T s[BLOCK];
	int i = blockIdx.x * blockDim.x + threadIdx.x;

	s[threadIdx.x] = i < n ? x[i] : (T)0;
	__syncthreads();
	for (int half = blockDim.x / 2; half > 0; half /= 2) {
		if (threadIdx.x < half)
			s[threadIdx.x] += s[threadIdx.x + half];
		__syncthreads();
	}
	if (threadIdx.x == 0)
		partial[blockIdx.x] = s[0];
}

/* Not a template: y[i] = i % 7, the starting y. */
__global__ void fill_y_int(int *y, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;

	if (i < n)
		y[i] = i % 7;
}

static void check(cudaError_t e, const char *what)
{
	if (e == cudaSuccess)
		return;
	printf("FAIL %s: %s (%s)\n", what, cudaGetErrorName(e), cudaGetErrorString(e));
	exit(1);
}

/* x = i % 100, y = i % 7 (from int), y = 3 x + y, the sum of y. */
template <typename T> static void test_type(const char *type)
{
	T *x, *y, *partial, *hy = (T *)malloc(N * sizeof(T)), hp[BLOCKS];
	int *yi, *hyi = (int *)malloc(N * sizeof(int));
	double sum = 0, want = 0;

	check(cudaMalloc((void **)&x, N * sizeof(T)), "cudaMalloc x");
	check(cudaMalloc((void **)&y, N * sizeof(T)), "cudaMalloc y");
	check(cudaMalloc((void **)&yi, N * sizeof(int)), "cudaMalloc yi");
	check(cudaMalloc((void **)&partial, BLOCKS * sizeof(T)), "cudaMalloc partial");
	iota_mod<T><<<BLOCKS, BLOCK>>>(x, N, 100);
	check(cudaGetLastError(), "iota_mod<<<>>>");
	fill_y_int<<<BLOCKS, BLOCK>>>(yi, N);
	check(cudaGetLastError(), "fill_y_int<<<>>>");
	check(cudaMemcpy(hyi, yi, N * sizeof(int), cudaMemcpyDeviceToHost), "cudaMemcpy yi");
	for (int i = 0; i < N; i++)
		hy[i] = (T)hyi[i];
	check(cudaMemcpy(y, hy, N * sizeof(T), cudaMemcpyHostToDevice), "cudaMemcpy y");
	axpy<T><<<BLOCKS, BLOCK>>>((T)3, x, y, N);
	check(cudaGetLastError(), "axpy<<<>>>");
	block_sum<T><<<BLOCKS, BLOCK>>>(y, partial, N);
	check(cudaGetLastError(), "block_sum<<<>>>");
	check(cudaMemcpy(hy, y, N * sizeof(T), cudaMemcpyDeviceToHost), "cudaMemcpy y");
	check(cudaMemcpy(hp, partial, sizeof(hp), cudaMemcpyDeviceToHost), "cudaMemcpy partial");
	for (int i = 0; i < N; i++) {
		T ref = (T)(3 * (i % 100) + i % 7);

		if (hy[i] != ref) {
			printf("FAIL axpy<%s>: y[%d] = %g, want %g\n", type, i, (double)hy[i], (double)ref);
			exit(1);
		}
		want += (double)ref;
	}
	for (int b = 0; b < BLOCKS; b++)
		sum += (double)hp[b];
	if (sum != want) {
		printf("FAIL block_sum<%s>: %.0f, want %.0f\n", type, sum, want);
		exit(1);
	}
	printf("%s: axpy over %d elements and block_sum = %.0f match the CPU\n", type, N, sum);
	check(cudaFree(x), "cudaFree");
	check(cudaFree(y), "cudaFree");
	check(cudaFree(yi), "cudaFree");
	check(cudaFree(partial), "cudaFree");
	free(hy);
	free(hyi);
}

int main(void)
{
	test_type<float>("float");
	test_type<int>("int");
	test_type<double>("double");
	printf("PASS\n");
	return 0;
}
