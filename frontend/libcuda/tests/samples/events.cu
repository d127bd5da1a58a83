/* SPDX-License-Identifier: MIT */
/*
 * events: timing a kernel with CUDA events, built with plain `nvcc -o
 * events events.cu`.  Three events around two kernels on one stream:
 * start, kernel, mid, kernel, stop.  Checks: the kernels' result against
 * the CPU, cudaEventQuery of the synchronized stop says done, every
 * elapsed time is >= 0, and start->stop is at least start->mid (the
 * events are ordered as recorded).  Prints only deterministic lines, then
 * PASS, or FAIL and the reason (exit 1); --time also prints the times,
 * on lines starting with TIME.
 */
#include <cuda_runtime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N (1 << 20)

__global__ void add_one(int *p, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;

	if (i < n)
		p[i] += 1;
}

static void check(cudaError_t e, const char *what)
{
	if (e == cudaSuccess)
		return;
	printf("FAIL %s: %s (%s)\n", what, cudaGetErrorName(e), cudaGetErrorString(e));
	exit(1);
}

static float elapsed(cudaEvent_t a, cudaEvent_t b)
{
	float ms = -1;

	check(cudaEventElapsedTime(&ms, a, b), "cudaEventElapsedTime");
	return ms;
}

static void expect(bool ok, const char *what)
{
	if (!ok) {
		printf("FAIL %s\n", what);
		exit(1);
	}
	printf("%s: yes\n", what);
}

int main(int argc, char **argv)
{
	bool show = argc > 1 && !strcmp(argv[1], "--time");
	cudaEvent_t start, mid, stop;
	int *h = (int *)malloc(N * sizeof(int)), *d;
	float t_mid, t_stop, t_second;

	for (int i = 0; i < N; i++)
		h[i] = i;
	check(cudaMalloc((void **)&d, N * sizeof(int)), "cudaMalloc");
	check(cudaMemcpy(d, h, N * sizeof(int), cudaMemcpyHostToDevice), "cudaMemcpy HtoD");
	check(cudaEventCreate(&start), "cudaEventCreate");
	check(cudaEventCreate(&mid), "cudaEventCreate");
	check(cudaEventCreate(&stop), "cudaEventCreate");
	check(cudaEventRecord(start, 0), "cudaEventRecord start");
	add_one<<<(N + 255) / 256, 256>>>(d, N);
	check(cudaGetLastError(), "add_one<<<>>>");
	check(cudaEventRecord(mid, 0), "cudaEventRecord mid");
	add_one<<<(N + 255) / 256, 256>>>(d, N);
	check(cudaGetLastError(), "add_one<<<>>> again");
	check(cudaEventRecord(stop, 0), "cudaEventRecord stop");
	check(cudaEventSynchronize(stop), "cudaEventSynchronize");
	expect(cudaEventQuery(stop) == cudaSuccess, "cudaEventQuery(stop) says done");
	t_mid = elapsed(start, mid);
	t_stop = elapsed(start, stop);
	t_second = elapsed(mid, stop);
	expect(t_mid >= 0, "elapsed start->mid >= 0");
	expect(t_second >= 0, "elapsed mid->stop >= 0");
	expect(t_stop >= t_mid, "elapsed start->stop >= start->mid");
	if (show)
		printf("TIME start_mid_ms=%.3f mid_stop_ms=%.3f start_stop_ms=%.3f\n", t_mid,
		       t_second, t_stop);
	check(cudaMemcpy(h, d, N * sizeof(int), cudaMemcpyDeviceToHost), "cudaMemcpy DtoH");
	for (int i = 0; i < N; i++) {
		if (h[i] != i + 2) {
			printf("FAIL h[%d] = %d, want %d\n", i, h[i], i + 2);
			return 1;
		}
	}
	printf("all %d elements were added to twice\n", N);
	check(cudaEventDestroy(start), "cudaEventDestroy");
	check(cudaEventDestroy(mid), "cudaEventDestroy");
	check(cudaEventDestroy(stop), "cudaEventDestroy");
	check(cudaFree(d), "cudaFree");
	free(h);
	printf("PASS\n");
	return 0;
}
