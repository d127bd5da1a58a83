/* SPDX-License-Identifier: MIT */
/*
 * vadd: c = a + b over N floats (default 1M, --n N), written as a CUDA user
 * writes it and built with plain `nvcc -o vadd vadd.cu`.  Every element is
 * checked against the CPU's sum (one IEEE addition each: exact).  Prints
 * deterministic lines, then PASS, or FAIL and the reason (exit 1).
 * --time R: also `TIME median_ms=...` over R runs of copy in, kernel,
 * copy out, timed with clock_gettime as a user would.
 */
#include <cuda_runtime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

__global__ void vadd(const float *a, const float *b, float *c, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;

	if (i < n)
		c[i] = a[i] + b[i];
}

/* A CUDA error ends the program: FAIL, the call, the error's name and words. */
static void check(cudaError_t e, const char *what)
{
	if (e == cudaSuccess)
		return;
	printf("FAIL %s: %s (%s)\n", what, cudaGetErrorName(e), cudaGetErrorString(e));
	exit(1);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One run as a program does it: a and b in, the kernel, c out. */
static void run(const float *a, const float *b, float *c, float *da, float *db, float *dc, int n)
{
	size_t bytes = (size_t)n * sizeof(float);

	check(cudaMemcpy(da, a, bytes, cudaMemcpyHostToDevice), "cudaMemcpy a");
	check(cudaMemcpy(db, b, bytes, cudaMemcpyHostToDevice), "cudaMemcpy b");
	vadd<<<(n + 255) / 256, 256>>>(da, db, dc, n);
	check(cudaGetLastError(), "vadd<<<>>>");
	check(cudaMemcpy(c, dc, bytes, cudaMemcpyDeviceToHost), "cudaMemcpy c");
}

static void time_runs(const float *a, const float *b, float *c, float *da, float *db, float *dc,
		      int n, int runs)
{
	double *ms = (double *)malloc(runs * sizeof(double));

	for (int r = 0; r < runs; r++) {
		double t0 = now_ms();

		run(a, b, c, da, db, dc, n);
		ms[r] = now_ms() - t0;
	}
	qsort(ms, runs, sizeof(double), cmp_double);
	printf("TIME median_ms=%.3f runs=%d n=%d\n", ms[runs / 2], runs, n);
	free(ms);
}

int main(int argc, char **argv)
{
	int n = 1 << 20, runs = 0, bad = 0;
	float *a, *b, *c, *da, *db, *dc;
	size_t bytes;

	for (int i = 1; i < argc; i += 2) {
		if (i + 1 < argc && !strcmp(argv[i], "--n"))
			n = atoi(argv[i + 1]);
		else if (i + 1 < argc && !strcmp(argv[i], "--time"))
			runs = atoi(argv[i + 1]);
		else
			bad = 1;
	}
	if (bad || n < 1 || runs < 0) {
		fprintf(stderr, "usage: vadd [--n N] [--time RUNS]\n");
		return 2;
	}
	bytes = (size_t)n * sizeof(float);
	a = (float *)malloc(bytes);
	b = (float *)malloc(bytes);
	c = (float *)malloc(bytes);
	for (int i = 0; i < n; i++) {
		a[i] = (float)(i % 1000) * 0.5f;
		b[i] = (float)(i % 777) * 0.25f - 100.0f;
	}
	printf("vadd n=%d\n", n);
	check(cudaMalloc((void **)&da, bytes), "cudaMalloc a");
	check(cudaMalloc((void **)&db, bytes), "cudaMalloc b");
	check(cudaMalloc((void **)&dc, bytes), "cudaMalloc c");
	memset(c, 0, bytes);
	run(a, b, c, da, db, dc, n);
	for (int i = 0; i < n; i++) {
		if (c[i] != a[i] + b[i]) {
			printf("FAIL c[%d] = %g, want %g\n", i, c[i], a[i] + b[i]);
			return 1;
		}
	}
	printf("all %d elements match the CPU\n", n);
	if (runs)
		time_runs(a, b, c, da, db, dc, n, runs);
	check(cudaFree(da), "cudaFree");
	check(cudaFree(db), "cudaFree");
	check(cudaFree(dc), "cudaFree");
	free(a);
	free(b);
	free(c);
	printf("PASS\n");
	return 0;
}
