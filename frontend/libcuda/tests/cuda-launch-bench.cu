/* SPDX-License-Identifier: MIT */
/*
 * cuda-launch-bench: kernel launch rates through the CUDA runtime, built as
 * a user builds a program (plain nvcc, static cudart), so that the same
 * binary runs natively and in a guest on libcuda-vgpu(7)
 * (test-harness/bench/run-gpu-bench.sh prints both side by side):
 *   LAUNCH queued n=N us_per_launch=X   N empty launches, one sync at the end
 *   LAUNCH sync us=X                    one empty launch and its sync
 * each the median of REPS runs (default 9) after a warm-up.
 */
#include <cuda_runtime.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

__global__ void empty_kernel(void)
{
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp);
	return v[n / 2];
}

static int fail(const char *what)
{
	fprintf(stderr, "cuda-launch-bench: %s: %s\n", what, cudaGetErrorString(cudaGetLastError()));
	return 1;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10000, reps = argc > 2 ? atoi(argv[2]) : 9, r, i;
	double *v = (double *)calloc(reps > 1000 ? reps : 1000, sizeof(double)), t;

	if (n < 1 || reps < 1 || !v)
		return 2;
	empty_kernel<<<1, 1>>>();
	if (cudaDeviceSynchronize() != cudaSuccess)
		return fail("warm-up");
	for (r = 0; r < reps; r++) {
		t = now_us();
		for (i = 0; i < n; i++)
			empty_kernel<<<1, 1>>>();
		if (cudaDeviceSynchronize() != cudaSuccess)
			return fail("queued launches");
		v[r] = (now_us() - t) / n;
	}
	printf("LAUNCH queued n=%d us_per_launch=%.3f\n", n, median(v, reps));
	for (r = 0; r < 1000; r++) {
		t = now_us();
		empty_kernel<<<1, 1>>>();
		if (cudaDeviceSynchronize() != cudaSuccess)
			return fail("launch and sync");
		v[r] = now_us() - t;
	}
	printf("LAUNCH sync us=%.3f\n", median(v, 1000));
	free(v);
	return 0;
}
