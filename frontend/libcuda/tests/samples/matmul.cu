/* SPDX-License-Identifier: MIT */
/*
 * matmul: C = A B for n x n floats (default 512, --n N), the textbook
 * tiled kernel with shared memory, built with plain `nvcc -o matmul
 * matmul.cu`.  Checked against a CPU reference in double: every cell for
 * n <= 512, and for larger n (4096 in the benchmarks) whole rows and
 * columns at a sample of places.  A cell passes within the classic bound
 * for a sum of n float products, n * FLT_EPSILON * sum |a b|, whatever the
 * order of the additions.  Prints deterministic lines, then PASS, or FAIL
 * and the reason (exit 1).  --time R: also `TIME median_ms=...` over R runs
 * of copy in, kernel, copy out, timed with clock_gettime.
 */
#include <cuda_runtime.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TILE 16
#define SAMPLES 8	/* rows and columns checked when n > 512 */

__global__ void matmul(const float *a, const float *b, float *c, int n)
{
	__shared__ float ta[TILE][TILE], tb[TILE][TILE];
	int tx = threadIdx.x, ty = threadIdx.y;
	int row = blockIdx.y * TILE + ty, col = blockIdx.x * TILE + tx;
	float sum = 0;

	for (int t = 0; t < n; t += TILE) {
		ta[ty][tx] = row < n && t + tx < n ? a[row * n + t + tx] : 0.0f;
		tb[ty][tx] = col < n && t + ty < n ? b[(t + ty) * n + col] : 0.0f;
		__syncthreads();
		for (int k = 0; k < TILE; k++)
			sum += ta[ty][k] * tb[k][tx];
		__syncthreads();
	}
	if (row < n && col < n)
		c[row * n + col] = sum;
}

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

/* Uniform in [-1, 1), from a fixed xorshift: the same matrices every run. */
static float rnd(void)
{
	static uint64_t s = 88172645463325252ull;

	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return (float)((s >> 40) / (double)(1 << 23) - 1.0);
}

/* Cell (i, j) of @c against the reference; prints and fails when outside. */
static void check_cell(const float *a, const float *b, const float *c, int n, int i, int j)
{
	double ref = 0, mag = 0;

	for (int k = 0; k < n; k++) {
		double p = (double)a[(size_t)i * n + k] * b[(size_t)k * n + j];

		ref += p;
		mag += fabs(p);
	}
	if (fabs(c[(size_t)i * n + j] - ref) <= n * FLT_EPSILON * mag)
		return;
	printf("FAIL c[%d][%d] = %.7g, want %.7g\n", i, j, c[(size_t)i * n + j], ref);
	exit(1);
}

static void check_result(const float *a, const float *b, const float *c, int n)
{
	if (n <= 512) {
		for (int i = 0; i < n; i++)
			for (int j = 0; j < n; j++)
				check_cell(a, b, c, n, i, j);
		printf("all %d x %d cells match the CPU\n", n, n);
		return;
	}
	for (int s = 0; s < SAMPLES; s++) {
		int at = (int)((long long)s * (n - 1) / (SAMPLES - 1));

		for (int k = 0; k < n; k++) {
			check_cell(a, b, c, n, at, k);
			check_cell(a, b, c, n, k, at);
		}
	}
	printf("%d rows and %d columns of %d x %d match the CPU\n", SAMPLES, SAMPLES, n, n);
}

struct bufs {
	float *a, *b, *c, *da, *db, *dc;
	int n;
};

/* One run as a program does it: A and B in, the kernel, C out. */
static void run(struct bufs *m)
{
	size_t bytes = (size_t)m->n * m->n * sizeof(float);
	dim3 block(TILE, TILE), grid((m->n + TILE - 1) / TILE, (m->n + TILE - 1) / TILE);

	check(cudaMemcpy(m->da, m->a, bytes, cudaMemcpyHostToDevice), "cudaMemcpy A");
	check(cudaMemcpy(m->db, m->b, bytes, cudaMemcpyHostToDevice), "cudaMemcpy B");
	matmul<<<grid, block>>>(m->da, m->db, m->dc, m->n);
	check(cudaGetLastError(), "matmul<<<>>>");
	check(cudaMemcpy(m->c, m->dc, bytes, cudaMemcpyDeviceToHost), "cudaMemcpy C");
}

static void time_runs(struct bufs *m, int runs)
{
	double *ms = (double *)malloc(runs * sizeof(double));

	for (int r = 0; r < runs; r++) {
		double t0 = now_ms();

		run(m);
		ms[r] = now_ms() - t0;
	}
	qsort(ms, runs, sizeof(double), cmp_double);
	printf("TIME median_ms=%.3f runs=%d n=%d\n", ms[runs / 2], runs, m->n);
	free(ms);
}

int main(int argc, char **argv)
{
	struct bufs m = { 0 };
	int runs = 0, bad = 0;
	size_t bytes;

	m.n = 512;
	for (int i = 1; i < argc; i += 2) {
		if (i + 1 < argc && !strcmp(argv[i], "--n"))
			m.n = atoi(argv[i + 1]);
		else if (i + 1 < argc && !strcmp(argv[i], "--time"))
			runs = atoi(argv[i + 1]);
		else
			bad = 1;
	}
	if (bad || m.n < 1 || m.n > 16384 || runs < 0) {
		fprintf(stderr, "usage: matmul [--n N] [--time RUNS]\n");
		return 2;
	}
	bytes = (size_t)m.n * m.n * sizeof(float);
	m.a = (float *)malloc(bytes);
	m.b = (float *)malloc(bytes);
	m.c = (float *)calloc(1, bytes);
	for (size_t i = 0; i < (size_t)m.n * m.n; i++)
		m.a[i] = rnd();
	for (size_t i = 0; i < (size_t)m.n * m.n; i++)
		m.b[i] = rnd();
	printf("matmul n=%d tile=%d\n", m.n, TILE);
	check(cudaMalloc((void **)&m.da, bytes), "cudaMalloc A");
	check(cudaMalloc((void **)&m.db, bytes), "cudaMalloc B");
	check(cudaMalloc((void **)&m.dc, bytes), "cudaMalloc C");
	run(&m);
	check_result(m.a, m.b, m.c, m.n);
	if (runs)
		time_runs(&m, runs);
	check(cudaFree(m.da), "cudaFree");
	check(cudaFree(m.db), "cudaFree");
	check(cudaFree(m.dc), "cudaFree");
	free(m.a);
	free(m.b);
	free(m.c);
	printf("PASS\n");
	return 0;
}
