/* SPDX-License-Identifier: MIT */
/*
 * cuda-rt-test: a CUDA runtime-API program, built as a user builds one
 * (plain `nvcc -o cuda-rt-test cuda-rt-test.cu`: cudart linked statically,
 * which reaches the driver through cuGetProcAddress and cuGetExportTable),
 * run on whatever libcuda.so.1 the loader finds; test-libcuda-rt.sh points
 * it at the guest's (libcuda-vgpu(7)).  Each result is checked against the
 * program's own CPU reference and printed as
 *   CHECK ok SUB: WHAT
 *   CHECK FAIL SUB: WHAT
 * then "DONE checks=N failed=M".  It has a kernel, so cudart registers a
 * fatbin at start-up; only the section "launch" runs it: on the CPU
 * executor the launch must fail with cudaErrorNotSupported, cleanly.
 */
#include <cuda_runtime.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *sub = "";
static unsigned checks, failed;
static uint64_t rng = 88172645463325252ull;
static bool gpu;
static unsigned long long quota;

__global__ void rt_fill(int *p, int v, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;

	if (i < n)
		p[i] = v + i;
}

/* One element per launch: each launch's own parameters decide what it writes. */
__global__ void rt_put(int *p, int k, int salt)
{
	p[k] = k * 3 + salt;
}

/* Writes @v after about @cycles of the SM's clock: long after a launch returns. */
__global__ void rt_slow_put(int *p, int v, long long cycles)
{
	long long t0 = clock64();

	while (clock64() - t0 < cycles)
		;
	*p = v;
}

__global__ void rt_plus_one(const int *src, int *dst)
{
	*dst = *src + 1;
}

static bool check(bool pass, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool check(bool pass, const char *fmt, ...)
{
	va_list ap;

	printf("CHECK %s %s: ", pass ? "ok" : "FAIL", sub);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	checks++;
	failed += !pass;
	return pass;
}

/* @got must be @want; says both by name. */
static bool expect(cudaError_t got, cudaError_t want, const char *what)
{
	if (got == want)
		return check(true, "%s: %s", what, cudaGetErrorName(want));
	return check(false, "%s: %s (%d, \"%s\"), want %s", what, cudaGetErrorName(got), (int)got,
		     cudaGetErrorString(got), cudaGetErrorName(want));
}

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ull;
}

static void fill_random(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(rnd() >> 56);
}

/* The first byte where @a and @b differ, or -1. */
static long first_diff(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return (long)i;
	return -1;
}

static bool same(const uint8_t *got, const uint8_t *want, size_t n, const char *what)
{
	long d = first_diff(got, want, n);

	if (d < 0)
		return check(true, "%s: %zu bytes as the reference", what, n);
	return check(false, "%s: byte %ld is %#x, want %#x", what, d, got[d], want[d]);
}

static void t_device(void)
{
	cudaDeviceProp prop;
	int n = -1, d = -1;

	sub = "device";
	expect(cudaGetDeviceCount(&n), cudaSuccess, "cudaGetDeviceCount");
	check(gpu ? n >= 1 : n == 1, "%d device(s)%s", n, gpu ? "" : " (the CPU executor's one)");
	expect(cudaSetDevice(0), cudaSuccess, "cudaSetDevice(0)");
	expect(cudaGetDevice(&d), cudaSuccess, "cudaGetDevice");
	check(d == 0, "the current device is %d", d);
	expect(cudaSetDevice(n), cudaErrorInvalidDevice, "cudaSetDevice past the count");
	expect(cudaGetLastError(), cudaErrorInvalidDevice, "cudaGetLastError says it");
	expect(cudaGetLastError(), cudaSuccess, "and then resets");
	memset(&prop, 0, sizeof(prop));
	expect(cudaGetDeviceProperties(&prop, 0), cudaSuccess, "cudaGetDeviceProperties");
	if (!gpu)
		check(!strcmp(prop.name, "xen-vgpu CPU executor (no GPU)"), "its name: \"%s\"", prop.name);
	check(prop.warpSize == 32 && prop.maxThreadsPerBlock >= 512, "warpSize %d, maxThreadsPerBlock %d",
	      prop.warpSize, prop.maxThreadsPerBlock);
	expect(cudaDeviceSynchronize(), cudaSuccess, "cudaDeviceSynchronize");
}

/* Host -> device -> device -> host at @n bytes and @off bytes in. */
static void round_trip(size_t n, size_t off)
{
	uint8_t *h = (uint8_t *)malloc(n), *back = (uint8_t *)malloc(n);
	uint8_t *d1 = NULL, *d2 = NULL;
	char what[96];

	fill_random(h, n);
	memset(back, 0, n);
	snprintf(what, sizeof(what), "%zu bytes at offset %zu", n, off);
	if (!expect(cudaMalloc((void **)&d1, n + off), cudaSuccess, "cudaMalloc") ||
	    !expect(cudaMalloc((void **)&d2, n + off), cudaSuccess, "cudaMalloc"))
		goto out;
	expect(cudaMemcpy(d1 + off, h, n, cudaMemcpyHostToDevice), cudaSuccess, "cudaMemcpy HtoD");
	expect(cudaMemcpy(d2 + off, d1 + off, n, cudaMemcpyDeviceToDevice), cudaSuccess,
	       "cudaMemcpy DtoD");
	expect(cudaMemcpy(back, d2 + off, n, cudaMemcpyDeviceToHost), cudaSuccess, "cudaMemcpy DtoH");
	same(back, h, n, what);
out:
	expect(cudaFree(d1), cudaSuccess, "cudaFree");
	expect(cudaFree(d2), cudaSuccess, "cudaFree");
	free(h);
	free(back);
}

static void t_memory(void)
{
	static const size_t sizes[] = { 1, 4096, (1u << 20) + 3, 3u << 20 };

	sub = "memory";
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		round_trip(sizes[i], i * 8 + 1);
	expect(cudaFree(NULL), cudaSuccess, "cudaFree(NULL)");
}

static void t_memset(void)
{
	const size_t n = (2u << 20) + 5, off = 100, len = 70000;
	uint8_t *h = (uint8_t *)malloc(n), *ref = (uint8_t *)malloc(n), *d = NULL;

	sub = "memset";
	if (!expect(cudaMalloc((void **)&d, n), cudaSuccess, "cudaMalloc"))
		return;
	expect(cudaMemset(d, 0xa5, n), cudaSuccess, "cudaMemset 0xa5, the whole buffer");
	expect(cudaMemset(d + off, 0x3c, len), cudaSuccess, "cudaMemset 0x3c, a part");
	memset(ref, 0xa5, n);
	memset(ref + off, 0x3c, len);
	memset(h, 0, n);
	expect(cudaMemcpy(h, d, n, cudaMemcpyDeviceToHost), cudaSuccess, "cudaMemcpy DtoH");
	same(h, ref, n, "the memsets as memset(3) made them");
	expect(cudaFree(d), cudaSuccess, "cudaFree");
	free(h);
	free(ref);
}

static void t_async(void)
{
	const size_t n = (1u << 20) + 77;
	uint8_t *h = (uint8_t *)malloc(n), *back = (uint8_t *)malloc(n), *ref = (uint8_t *)malloc(n);
	uint8_t *d = NULL;
	cudaStream_t s = NULL;

	sub = "async";
	fill_random(h, n);
	memcpy(ref, h, n);
	memset(ref + 10, 0x77, 1000);
	memset(back, 0, n);
	if (!expect(cudaStreamCreate(&s), cudaSuccess, "cudaStreamCreate") ||
	    !expect(cudaMalloc((void **)&d, n), cudaSuccess, "cudaMalloc"))
		return;
	expect(cudaMemcpyAsync(d, h, n, cudaMemcpyHostToDevice, s), cudaSuccess, "cudaMemcpyAsync HtoD");
	expect(cudaMemsetAsync(d + 10, 0x77, 1000, s), cudaSuccess, "cudaMemsetAsync");
	expect(cudaMemcpyAsync(back, d, n, cudaMemcpyDeviceToHost, s), cudaSuccess,
	       "cudaMemcpyAsync DtoH");
	expect(cudaStreamSynchronize(s), cudaSuccess, "cudaStreamSynchronize");
	same(back, ref, n, "copied in, memset, copied back on a stream");
	expect(cudaStreamQuery(s), cudaSuccess, "cudaStreamQuery: done");
	expect(cudaStreamDestroy(s), cudaSuccess, "cudaStreamDestroy");
	expect(cudaFree(d), cudaSuccess, "cudaFree");
	free(h);
	free(back);
	free(ref);
}

static void t_events(void)
{
	const size_t n = 4u << 20;
	uint8_t *h = (uint8_t *)calloc(1, n), *d = NULL;
	cudaEvent_t a = NULL, b = NULL;
	cudaStream_t s = NULL;
	float ms = -1;

	sub = "events";
	expect(cudaStreamCreate(&s), cudaSuccess, "cudaStreamCreate");
	expect(cudaEventCreate(&a), cudaSuccess, "cudaEventCreate");
	expect(cudaEventCreate(&b), cudaSuccess, "cudaEventCreate");
	expect(cudaMalloc((void **)&d, n), cudaSuccess, "cudaMalloc");
	expect(cudaEventRecord(a, s), cudaSuccess, "cudaEventRecord (start)");
	expect(cudaMemcpyAsync(d, h, n, cudaMemcpyHostToDevice, s), cudaSuccess, "cudaMemcpyAsync");
	expect(cudaEventRecord(b, s), cudaSuccess, "cudaEventRecord (end)");
	expect(cudaEventSynchronize(b), cudaSuccess, "cudaEventSynchronize");
	expect(cudaEventQuery(b), cudaSuccess, "cudaEventQuery: done");
	expect(cudaEventElapsedTime(&ms, a, b), cudaSuccess, "cudaEventElapsedTime");
	check(ms >= 0 && ms < 60000, "elapsed %.3f ms, in [0, 60 s)", ms);
	expect(cudaEventDestroy(a), cudaSuccess, "cudaEventDestroy");
	expect(cudaEventDestroy(b), cudaSuccess, "cudaEventDestroy");
	expect(cudaStreamDestroy(s), cudaSuccess, "cudaStreamDestroy");
	expect(cudaFree(d), cudaSuccess, "cudaFree");
	free(h);
}

static void t_errors(void)
{
	void *d = NULL;
	uint8_t h[16];

	sub = "errors";
	if (quota) {
		expect(cudaMalloc(&d, quota + (1u << 20)), cudaErrorMemoryAllocation,
		       "cudaMalloc past the domain's quota");
		check(!strcmp(cudaGetErrorString(cudaErrorMemoryAllocation), "out of memory"),
		      "cudaGetErrorString: \"%s\"", cudaGetErrorString(cudaErrorMemoryAllocation));
		expect(cudaGetLastError(), cudaErrorMemoryAllocation, "cudaGetLastError says it");
		expect(cudaMalloc(&d, 64), cudaSuccess, "and the next cudaMalloc works");
		expect(cudaFree(d), cudaSuccess, "cudaFree");
	}
	expect(cudaMemcpy(h, (void *)16, sizeof(h), cudaMemcpyDeviceToHost), cudaErrorInvalidValue,
	       "cudaMemcpy from a pointer that is no allocation");
	check(!strcmp(cudaGetErrorString(cudaErrorInvalidValue), "invalid argument"),
	      "cudaGetErrorString: \"%s\"", cudaGetErrorString(cudaErrorInvalidValue));
	expect(cudaGetLastError(), cudaErrorInvalidValue, "cudaGetLastError says it");
	expect(cudaDeviceSynchronize(), cudaSuccess, "the device still works");
}

/* cudaDeviceReset, as programs end: the primary context goes. */
static void t_reset(void)
{
	void *d = NULL;

	sub = "reset";
	expect(cudaMalloc(&d, 4096), cudaSuccess, "cudaMalloc");
	expect(cudaDeviceReset(), cudaSuccess, "cudaDeviceReset");
}

/*
 * The runtime after a cudaDeviceReset: it makes the old primary context
 * current again (the driver keeps the handle for it) and goes on; memory
 * works again, in a fresh context.
 */
static void t_reuse(void)
{
	t_reset();
	round_trip(5000, 3);
}

/* The kernel: on a GPU it runs; on the CPU executor it cannot, cleanly. */
static void t_launch(void)
{
	const int n = 1000;
	int *d = NULL, h[1000];
	cudaError_t want = gpu ? cudaSuccess : cudaErrorNotSupported;

	sub = "launch";
	if (!expect(cudaMalloc((void **)&d, n * sizeof(int)), cudaSuccess, "cudaMalloc"))
		return;
	expect(cudaMemset(d, 0, n * sizeof(int)), cudaSuccess, "cudaMemset");
	rt_fill<<<(n + 255) / 256, 256>>>(d, 7, n);
	expect(cudaGetLastError(), want, "rt_fill<<<4, 256>>>");
	expect(cudaDeviceSynchronize(), cudaSuccess, "cudaDeviceSynchronize after it");
	expect(cudaMemcpy(h, d, sizeof(h), cudaMemcpyDeviceToHost), cudaSuccess, "cudaMemcpy DtoH");
	int bad = -1;
	for (int i = 0; i < n && bad < 0; i++)
		if (h[i] != (gpu ? 7 + i : 0))
			bad = i;
	check(bad < 0, gpu ? "the kernel wrote 7 + i everywhere" : "memory as the memset left it");
	expect(cudaFree(d), cudaSuccess, "cudaFree");
}

/*
 * Launches queued with no synchronisation between them, each with its own
 * parameters, round-robin on the NULL stream and three streams: more than
 * the library's parameter ring holds at once, so its blobs wrap; then the
 * copy back (which waits for them all) shows every launch ran with its
 * own parameters.  A shape no GPU takes fails at the launch itself.
 */
static void t_many(void)
{
	const int n = 20000, salt = 11;
	cudaStream_t s[4] = { 0 };
	int *d = NULL, *h = (int *)calloc(n, sizeof(int)), bad = -1, k;

	sub = "many";
	if (!gpu) {
		free(h);
		return;
	}
	for (k = 1; k < 4; k++)
		expect(cudaStreamCreate(&s[k]), cudaSuccess, "cudaStreamCreate");
	if (!expect(cudaMalloc((void **)&d, n * sizeof(int)), cudaSuccess, "cudaMalloc"))
		goto out;
	expect(cudaMemset(d, 0xff, n * sizeof(int)), cudaSuccess, "cudaMemset");
	for (k = 0; k < n; k++)
		rt_put<<<1, 1, 0, s[k % 4]>>>(d, k, salt);
	expect(cudaGetLastError(), cudaSuccess, "20000 launches queued on 4 streams");
	rt_put<<<1, 2048>>>(d, 0, 0);
	expect(cudaGetLastError(), cudaErrorInvalidValue, "a block of 2048 threads (as the driver says it)");
	expect(cudaMemcpy(h, d, n * sizeof(int), cudaMemcpyDeviceToHost), cudaSuccess,
	       "cudaMemcpy DtoH after them");
	for (k = 0; k < n && bad < 0; k++)
		if (h[k] != k * 3 + salt)
			bad = k;
	check(bad < 0, "every launch wrote its own element (first wrong: %d)", bad);
	expect(cudaFree(d), cudaSuccess, "cudaFree");
out:
	for (k = 1; k < 4; k++)
		expect(cudaStreamDestroy(s[k]), cudaSuccess, "cudaStreamDestroy");
	free(h);
}

/*
 * The legacy NULL stream: a launch on it waits for the earlier launches of
 * blocking streams, and a launch on a blocking stream for the NULL
 * stream's; here the first kernel is slow, the second reads what it wrote.
 */
static void legacy_pair(cudaStream_t first, cudaStream_t second, const char *what)
{
	int *d = NULL, h[2] = { 0, 0 };

	if (!expect(cudaMalloc((void **)&d, sizeof(h)), cudaSuccess, "cudaMalloc"))
		return;
	expect(cudaMemset(d, 0, sizeof(h)), cudaSuccess, "cudaMemset");
	rt_slow_put<<<1, 1, 0, first>>>(d, 41, 20000000LL);
	rt_plus_one<<<1, 1, 0, second>>>(d, d + 1);
	expect(cudaMemcpy(h, d, sizeof(h), cudaMemcpyDeviceToHost), cudaSuccess, "cudaMemcpy DtoH");
	check(h[0] == 41 && h[1] == 42, "%s: the second kernel read what the first wrote (%d, %d)",
	      what, h[0], h[1]);
	expect(cudaFree(d), cudaSuccess, "cudaFree");
}

static void t_legacy(void)
{
	cudaStream_t s = NULL;

	sub = "legacy";
	if (!gpu)
		return;
	expect(cudaStreamCreate(&s), cudaSuccess, "cudaStreamCreate (blocking)");
	legacy_pair(s, 0, "a stream, then the NULL stream");
	legacy_pair(0, s, "the NULL stream, then a stream");
	expect(cudaStreamDestroy(s), cudaSuccess, "cudaStreamDestroy");
}

static void usage(FILE *f)
{
	fprintf(f, "usage: cuda-rt-test [--executor cpu|cuda] [--quota BYTES] [--seed N] "
		   "device|memory|memset|async|events|errors|reset|reuse|launch|many|legacy...\n");
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} secs[] = {
		{ "device", t_device }, { "memory", t_memory }, { "memset", t_memset },
		{ "async", t_async }, { "events", t_events }, { "errors", t_errors },
		{ "reset", t_reset }, { "reuse", t_reuse }, { "launch", t_launch },
		{ "many", t_many }, { "legacy", t_legacy },
	};
	int i;

	for (i = 1; i < argc && !strncmp(argv[i], "--", 2); i += 2) {
		if (i + 1 >= argc) {
			usage(stderr);
			return 2;
		}
		if (!strcmp(argv[i], "--executor"))
			gpu = !strcmp(argv[i + 1], "cuda");
		else if (!strcmp(argv[i], "--quota"))
			quota = strtoull(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--seed"))
			rng ^= strtoull(argv[i + 1], NULL, 0) * 0x9e3779b97f4a7c15ull;
		else {
			usage(stderr);
			return 2;
		}
	}
	for (; i < argc; i++) {
		size_t k;

		for (k = 0; k < sizeof(secs) / sizeof(secs[0]); k++)
			if (!strcmp(argv[i], secs[k].name))
				break;
		if (k == sizeof(secs) / sizeof(secs[0])) {
			usage(stderr);
			return 2;
		}
		secs[k].fn();
	}
	printf("DONE checks=%u failed=%u\n", checks, failed);
	return failed ? 1 : 0;
}
