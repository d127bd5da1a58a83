/* SPDX-License-Identifier: MIT */
/*
 * native_launch: the native side of the launch benchmarks, with the very
 * PTX a guest loads (frontend/kernels/vgpu_kernels.ptx) through the driver
 * API, as a guest's worker does.  One line per measure:
 *   NATIVE name=NAME n=N median_us=X p99_us=Y
 *   launch_rt   vgpu_empty launched and synchronised (N = 1), 2000 times
 *   launch_10k  10,000 launches of vgpu_empty back to back, then one
 *               synchronise, 20 times
 *   sgemm       vgpu_matmul of N x N floats (4096), launched and
 *               synchronised, 5 times
 *
 *   native_launch PTXFILE
 */
#include <cuda.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <vector>

#define CK(x) do { cudaError_t e_ = (x); if (e_ != cudaSuccess) { \
	fprintf(stderr, "%s: %s\n", #x, cudaGetErrorString(e_)); exit(1); } } while (0)
#define CU(x) do { CUresult e_ = (x); if (e_ != CUDA_SUCCESS) { \
	fprintf(stderr, "%s: CUresult %d\n", #x, (int)e_); exit(1); } } while (0)

typedef CUresult (*load_fn)(CUmodule *, const void *);
typedef CUresult (*getfn_fn)(CUfunction *, CUmodule, const char *);
typedef CUresult (*launch_fn)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned,
			      unsigned, unsigned, CUstream, void **, void **);

static load_fn load;
static getfn_fn getfn;
static launch_fn launch;

static void *entry(const char *sym)
{
	cudaDriverEntryPointQueryResult q;
	void *fn = NULL;

	CK(cudaGetDriverEntryPointByVersion(sym, &fn, 12040, cudaEnableDefault, &q));
	if (q != cudaDriverEntryPointSuccess || !fn) {
		fprintf(stderr, "no %s in the driver\n", sym);
		exit(1);
	}
	return fn;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void report(const char *name, size_t n, std::vector<double> &t)
{
	std::sort(t.begin(), t.end());
	printf("NATIVE name=%s n=%zu median_us=%.2f p99_us=%.2f\n", name, n, t[t.size() / 2],
	       t[std::min(t.size() - 1, t.size() * 99 / 100)]);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	long len;
	char *p;

	if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		perror(path);
		exit(1);
	}
	p = (char *)calloc(1, (size_t)len + 1);
	if (!p || fread(p, 1, (size_t)len, f) != (size_t)len) {
		perror(path);
		exit(1);
	}
	fclose(f);
	return p;
}

static void bench_empty(CUfunction empty, cudaStream_t st)
{
	std::vector<double> t;
	int i, k;

	for (i = 0; i < 2100; i++) {
		double t0 = now_us();

		CU(launch(empty, 1, 1, 1, 1, 1, 1, 0, (CUstream)st, NULL, NULL));
		CK(cudaStreamSynchronize(st));
		if (i >= 100)
			t.push_back(now_us() - t0);
	}
	report("launch_rt", 1, t);
	t.clear();
	for (i = 0; i < 22; i++) {
		double t0 = now_us();

		for (k = 0; k < 10000; k++)
			CU(launch(empty, 1, 1, 1, 1, 1, 1, 0, (CUstream)st, NULL, NULL));
		CK(cudaStreamSynchronize(st));
		if (i >= 2)
			t.push_back(now_us() - t0);
	}
	report("launch_10k", 10000, t);
}

static void bench_sgemm(CUfunction mm, cudaStream_t st)
{
	int n = 4096, i;
	size_t bytes = (size_t)n * n * sizeof(float);
	float *a, *b, *c;
	void *args[] = { &a, &b, &c, &n };
	std::vector<double> t;

	CK(cudaMalloc(&a, bytes));
	CK(cudaMalloc(&b, bytes));
	CK(cudaMalloc(&c, bytes));
	CK(cudaMemset(a, 0, bytes));
	CK(cudaMemset(b, 0, bytes));
	for (i = 0; i < 6; i++) {
		double t0 = now_us();

		CU(launch(mm, n / 16, n / 16, 1, 16, 16, 1, 0, (CUstream)st, args, NULL));
		CK(cudaStreamSynchronize(st));
		if (i >= 1)
			t.push_back(now_us() - t0);
	}
	report("sgemm", (size_t)n, t);
	cudaFree(a);
	cudaFree(b);
	cudaFree(c);
}

int main(int argc, char **argv)
{
	CUmodule mod;
	CUfunction empty, mm;
	cudaStream_t st;
	char *ptx;

	if (argc != 2) {
		fprintf(stderr, "usage: native_launch PTXFILE\n");
		return 2;
	}
	CK(cudaSetDevice(0));
	CK(cudaStreamCreateWithFlags(&st, cudaStreamNonBlocking));
	load = (load_fn)entry("cuModuleLoadData");
	getfn = (getfn_fn)entry("cuModuleGetFunction");
	launch = (launch_fn)entry("cuLaunchKernel");
	ptx = read_file(argv[1]);
	CU(load(&mod, ptx));
	CU(getfn(&empty, mod, "vgpu_empty"));
	CU(getfn(&mm, mod, "vgpu_matmul"));
	bench_empty(empty, st);
	bench_sgemm(mm, st);
	return 0;
}
