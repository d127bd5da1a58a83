/* SPDX-License-Identifier: MIT */
/*
 * native_bench: the native-CUDA side of the xen-vgpu benchmark, one process
 * doing what one xen-vgpu request does: copy a and b from pinned host memory
 * to the GPU, add, copy c back, synchronise.  Prints one line per measure:
 *   NATIVE name=NAME n=N median_us=X p99_us=Y gbps=Z
 * (median and p99 over R runs; GB/s counts 3 * n * 4 bytes moved).
 */
#include <cuda_runtime.h>

#include <algorithm>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <vector>

#define CK(x) do { cudaError_t e_ = (x); if (e_ != cudaSuccess) { \
	fprintf(stderr, "%s: %s\n", #x, cudaGetErrorString(e_)); exit(1); } } while (0)

__global__ void vadd(const float *a, const float *b, float *c, size_t n)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
	     i += (size_t)gridDim.x * blockDim.x)
		c[i] = a[i] + b[i];
}

__global__ void empty(void) {}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void report(const char *name, size_t n, std::vector<double> &t, double bytes)
{
	std::sort(t.begin(), t.end());
	double med = t[t.size() / 2], p99 = t[std::min(t.size() - 1, t.size() * 99 / 100)];

	printf("NATIVE name=%s n=%zu median_us=%.2f p99_us=%.2f gbps=%.2f\n", name, n, med,
	       p99, bytes ? bytes / med / 1e3 : 0.0);
}

int main(void)
{
	const size_t sizes[] = { 1024, 65536, 1u << 20, 16u << 20 };
	const int reps[] = { 2000, 1000, 200, 40 };
	size_t maxn = 16u << 20;
	float *ha, *hb, *hc, *d;
	cudaStream_t st;
	std::vector<double> t;

	CK(cudaStreamCreateWithFlags(&st, cudaStreamNonBlocking));
	CK(cudaMallocHost(&ha, maxn * 4));
	CK(cudaMallocHost(&hb, maxn * 4));
	CK(cudaMallocHost(&hc, maxn * 4));
	CK(cudaMalloc(&d, 3 * maxn * 4));
	srand(1);
	for (size_t i = 0; i < maxn; i++) {
		ha[i] = (float)(rand() % 100000) / 7.0f + 1.0f;
		hb[i] = (float)(rand() % 100000) / 3.0f + 2.0f;
	}
	for (int w = 0; w < 100; w++)
		empty<<<1, 1, 0, st>>>();
	CK(cudaStreamSynchronize(st));
	t.clear();
	for (int r = 0; r < 5000; r++) {
		double t0 = now_us();

		empty<<<1, 1, 0, st>>>();
		CK(cudaStreamSynchronize(st));
		t.push_back(now_us() - t0);
	}
	report("launch_sync", 0, t, 0);
	for (unsigned s = 0; s < 4; s++) {
		size_t n = sizes[s], bytes = n * 4;
		unsigned blocks = (unsigned)std::min<size_t>((n + 255) / 256, 65535u * 8);

		t.clear();
		for (int r = 0; r < reps[s] + 10; r++) {
			double t0 = now_us();

			CK(cudaMemcpyAsync(d, ha, bytes, cudaMemcpyHostToDevice, st));
			CK(cudaMemcpyAsync(d + n, hb, bytes, cudaMemcpyHostToDevice, st));
			vadd<<<blocks, 256, 0, st>>>(d, d + n, d + 2 * n, n);
			CK(cudaMemcpyAsync(hc, d + 2 * n, bytes, cudaMemcpyDeviceToHost, st));
			CK(cudaStreamSynchronize(st));
			if (r >= 10)
				t.push_back(now_us() - t0);
		}
		for (size_t i = 0; i < n; i++)
			if (hc[i] != ha[i] + hb[i]) {
				fprintf(stderr, "native: wrong result at %zu\n", i);
				return 1;
			}
		report("vadd", n, t, 3.0 * bytes);
	}
	/* Protocol 2's copies, as a CUDA program makes them: pinned host memory. */
	for (size_t bytes : { (size_t)4096, (size_t)1 << 20, (size_t)64 << 20 }) {
		char *h, *dm;

		CK(cudaMallocHost(&h, bytes));
		CK(cudaMalloc(&dm, bytes));
		for (int dir = 0; dir < 2; dir++) {
			t.clear();
			for (int r = 0; r < 210; r++) {
				double t0 = now_us();

				CK(cudaMemcpyAsync(dir ? h : dm, dir ? dm : h, bytes, dir ?
						   cudaMemcpyDeviceToHost : cudaMemcpyHostToDevice, st));
				CK(cudaStreamSynchronize(st));
				if (r >= 10)
					t.push_back(now_us() - t0);
			}
			report(dir ? "dtoh" : "htod", bytes, t, (double)bytes);
		}
		CK(cudaFree(dm));
		CK(cudaFreeHost(h));
	}
	return 0;
}
