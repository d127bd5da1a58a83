/* SPDX-License-Identifier: MIT */
/*
 * cuda-drv-test: a CUDA driver-API program as a CUDA user writes one
 * (<cuda.h>, -lcuda), run in a guest on the guest libcuda.so.1
 * (test-libcuda.sh).  Every result is checked against the program's own
 * reference: the random bytes it wrote and a CPU copy of every copy and
 * memset, the exact CUresult each refusal must get.  One line per check:
 *
 *   CHECK ok SUB: WHAT
 *   CHECK FAIL SUB: WHAT
 *
 * then `DONE checks=N failed=F` (exit 0 when F is 0, 1 otherwise, 2 for bad
 * usage).  --executor cpu|cuda says what the host runs: the CPU executor
 * holds memory but runs no kernels (module loads: CUDA_ERROR_NOT_SUPPORTED);
 * the CUDA one runs vgpu_vadd from --ptx and checks it against the CPU.
 *
 * Sub-tests, run in the order given: preinit (before cuInit) init ctx
 * memory memset dtod async bad quota (needs --quota) module procaddr
 * versions (needs no device) events threads (after ctx).
 */
#define _GNU_SOURCE	/* RTLD_DEFAULT */
#include <cuda.h>
#include <dlfcn.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *sub = "";
static unsigned checks, failed;
static uint64_t rng = 88172645463325252ull;
static bool gpu;
static const char *ptx_file;
static unsigned long long quota;

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

static const char *name_of(CUresult rc)
{
	const char *s = NULL;

	return cuGetErrorName(rc, &s) == CUDA_SUCCESS && s ? s : "(unknown CUresult)";
}

/* @got must be @want; says both by name. */
static bool expect(CUresult got, CUresult want, const char *what)
{
	if (got == want)
		return check(true, "%s: %s", what, name_of(want));
	return check(false, "%s: %s (%d), want %s", what, name_of(got), (int)got, name_of(want));
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
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(rnd() >> 56);
}

/* Every byte of @got against @want; says where the first difference is. */
static bool same_bytes(const uint8_t *got, const uint8_t *want, size_t n, const char *what)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (got[i] != want[i])
			return check(false, "%s: byte %zu of %zu is %#x, want %#x", what, i, n,
				     got[i], want[i]);
	return check(true, "%s: all %zu bytes right", what, n);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		fprintf(stderr, "cuda-drv-test: out of memory\n");
		exit(2);
	}
	return p;
}

/* ---- before cuInit, device, contexts --------------------------------------- */

static void t_preinit(void)
{
	CUdeviceptr d;
	const char *s = NULL;
	int n = -1;

	expect(cuDeviceGetCount(&n), CUDA_ERROR_NOT_INITIALIZED, "cuDeviceGetCount before cuInit");
	expect(cuMemAlloc(&d, 16), CUDA_ERROR_NOT_INITIALIZED, "cuMemAlloc before cuInit");
	expect(cuGetErrorString(CUDA_ERROR_INVALID_VALUE, &s), CUDA_SUCCESS,
	       "cuGetErrorString before cuInit");
	check(s && !strcmp(s, "invalid argument"), "CUDA_ERROR_INVALID_VALUE says \"%s\"",
	      s ? s : "(null)");
}

static void t_init(void)
{
	char name[256] = "";
	int n = 0, v = 0, major = 0;
	size_t mem = 0;
	CUdevice dev = -1;

	expect(cuInit(0), CUDA_SUCCESS, "cuInit");
	expect(cuInit(0), CUDA_SUCCESS, "cuInit again");
	expect(cuDriverGetVersion(&v), CUDA_SUCCESS, "cuDriverGetVersion");
	check(gpu ? v >= 12000 : v == 13000, "driver version %d (%s)", v,
	      gpu ? "the host's, 12.0 or later" : "13000 on the CPU executor");
	expect(cuDeviceGetCount(&n), CUDA_SUCCESS, "cuDeviceGetCount");
	check(gpu ? n >= 1 : n == 1, "%d device(s)", n);
	expect(cuDeviceGet(&dev, 0), CUDA_SUCCESS, "cuDeviceGet(0)");
	check(dev == 0, "device 0 is %d", dev);
	expect(cuDeviceGet(&dev, n), CUDA_ERROR_INVALID_DEVICE, "cuDeviceGet past the count");
	expect(cuDeviceGetName(name, sizeof(name), 0), CUDA_SUCCESS, "cuDeviceGetName");
	check(gpu ? name[0] != 0 : !strcmp(name, "xen-vgpu CPU executor (no GPU)"),
	      "device 0 is \"%s\"", name);
	if (!gpu) {
		/* A nominal device (cuda_cpudev.c), for the runtime's start-up. */
		expect(cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, 0),
		       CUDA_SUCCESS, "compute capability on the CPU executor");
		check(major == 0, "compute capability major %d: no GPU architecture", major);
		expect(cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_WARP_SIZE, 0), CUDA_SUCCESS,
		       "warp size on the CPU executor");
		check(major == 32, "warp size %d", major);
		expect(cuDeviceTotalMem(&mem, 0), CUDA_SUCCESS, "cuDeviceTotalMem on the CPU executor");
		check(mem == (1ull << 30), "%zu bytes: the nominal 1 GiB", mem);
		return;
	}
	expect(cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, 0),
	       CUDA_SUCCESS, "compute capability");
	check(major >= 8, "compute capability major %d (the PTX is for compute_80)", major);
	expect(cuDeviceTotalMem(&mem, 0), CUDA_SUCCESS, "cuDeviceTotalMem");
	check(mem >= (1ull << 30), "%zu bytes of device memory", mem);
}

static void t_ctx(void)
{
	CUcontext c = NULL, p1 = NULL, p2 = NULL, cur = (CUcontext)1;
	CUdevice dev = -1;
	CUdeviceptr d;
	unsigned flags;
	int active = -1;

	expect(cuCtxGetCurrent(&cur), CUDA_SUCCESS, "cuCtxGetCurrent with none");
	check(cur == NULL, "no context is current at first");
	expect(cuMemAlloc(&d, 16), CUDA_ERROR_INVALID_CONTEXT, "cuMemAlloc with no context");
	expect(cuCtxCreate(&c, NULL, 0, 0), CUDA_SUCCESS, "cuCtxCreate");
	cuCtxGetCurrent(&cur);
	check(cur == c && c, "the new context is current");
	expect(cuCtxGetDevice(&dev), CUDA_SUCCESS, "cuCtxGetDevice");
	check(dev == 0, "its device is %d", dev);
	expect(cuCtxSynchronize(), CUDA_SUCCESS, "cuCtxSynchronize");
	expect(cuCtxDestroy(c), CUDA_SUCCESS, "cuCtxDestroy");
	cuCtxGetCurrent(&cur);
	check(cur == NULL, "a destroyed context is no longer current");
	expect(cuCtxDestroy(c), CUDA_ERROR_INVALID_CONTEXT, "cuCtxDestroy twice");
	expect(cuDevicePrimaryCtxRetain(&p1, 0), CUDA_SUCCESS, "cuDevicePrimaryCtxRetain");
	expect(cuDevicePrimaryCtxRetain(&p2, 0), CUDA_SUCCESS, "cuDevicePrimaryCtxRetain again");
	check(p1 && p1 == p2, "the primary context is one context");
	cuDevicePrimaryCtxGetState(0, &flags, &active);
	check(active == 1, "the primary context is active");
	expect(cuCtxDestroy(p1), CUDA_ERROR_INVALID_CONTEXT, "cuCtxDestroy of a primary context");
	expect(cuDevicePrimaryCtxRelease(0), CUDA_SUCCESS, "cuDevicePrimaryCtxRelease");
	expect(cuDevicePrimaryCtxRelease(0), CUDA_SUCCESS, "cuDevicePrimaryCtxRelease again");
	cuDevicePrimaryCtxGetState(0, &flags, &active);
	check(active == 0, "released as often as retained: inactive");
	/* The rest of the program runs in the primary context. */
	expect(cuDevicePrimaryCtxRetain(&p1, 0), CUDA_SUCCESS, "retain the primary context");
	expect(cuCtxSetCurrent(p1), CUDA_SUCCESS, "cuCtxSetCurrent(primary)");
}

/* ---- memory ------------------------------------------------------------------ */

/* Host -> device -> host of @n random bytes, then @m of them written at @off. */
static void roundtrip(size_t n, size_t off, size_t m)
{
	uint8_t *want = xmalloc(n), *got = xmalloc(n), *part = xmalloc(m);
	CUdeviceptr d = 0;
	char what[96];

	snprintf(what, sizeof(what), "%zu bytes there and back", n);
	if (!expect(cuMemAlloc(&d, n), CUDA_SUCCESS, what))
		goto out;
	fill_random(want, n);
	expect(cuMemcpyHtoD(d, want, n), CUDA_SUCCESS, "cuMemcpyHtoD");
	memset(got, 0x5a, n);
	expect(cuMemcpyDtoH(got, d, n), CUDA_SUCCESS, "cuMemcpyDtoH");
	same_bytes(got, want, n, what);
	fill_random(part, m);
	memcpy(want + off, part, m);
	expect(cuMemcpyHtoD(d + off, part, m), CUDA_SUCCESS, "cuMemcpyHtoD at an offset");
	memset(got, 0x5a, n);
	expect(cuMemcpyDtoH(got + off / 2, d + off / 2, n - off / 2), CUDA_SUCCESS,
	       "cuMemcpyDtoH from an offset");
	snprintf(what, sizeof(what), "%zu bytes written at %zu of %zu, read from %zu", m, off, n,
		 off / 2);
	same_bytes(got + off / 2, want + off / 2, n - off / 2, what);
	expect(cuMemFree(d), CUDA_SUCCESS, "cuMemFree");
out:
	free(want);
	free(got);
	free(part);
}

/* 0 bytes: nothing to do, as the driver; a NULL host pointer: refused. */
static void zero_and_null(void)
{
	uint8_t b[16] = { 0 };
	CUdeviceptr d = 0;

	if (!expect(cuMemAlloc(&d, 16), CUDA_SUCCESS, "cuMemAlloc 16"))
		return;
	expect(cuMemcpyHtoD(d, b, 0), CUDA_SUCCESS, "cuMemcpyHtoD of 0 bytes");
	expect(cuMemcpyDtoH(b, d, 0), CUDA_SUCCESS, "cuMemcpyDtoH of 0 bytes");
	expect(cuMemcpyHtoD(d, NULL, 16), CUDA_ERROR_INVALID_VALUE, "cuMemcpyHtoD from NULL");
	expect(cuMemcpyDtoH(NULL, d, 16), CUDA_ERROR_INVALID_VALUE, "cuMemcpyDtoH to NULL");
	cuMemFree(d);
}

static void t_memory(void)
{
	/* Sizes around a page, a staging slot (4 MiB) and the staging buffer (16). */
	roundtrip(1, 0, 1);
	roundtrip(4097, 1, 4095);
	roundtrip(65536 + 3, 4099, 60000);
	roundtrip((1u << 20) + 1, 17, (1u << 20) - 20);
	roundtrip((3u << 20) + 17, (1u << 20) - 5, (2u << 20) + 9);
	roundtrip((21u << 20) + 5, (4u << 20) + 3, (13u << 20) + 1);
	zero_and_null();
}

/*
 * Page-locked host memory (cuMemAllocHost, cuMemHostAlloc): copies from
 * and to it, whole and at offsets, against plain memory's bytes.
 */
static void t_pinned(void)
{
	size_t n = (5u << 20) + 3, off = 4093;
	uint8_t *a = NULL, *b = NULL, *want = xmalloc(n);
	CUdeviceptr d = 0;

	expect(cuMemAllocHost((void **)&a, n), CUDA_SUCCESS, "cuMemAllocHost");
	expect(cuMemHostAlloc((void **)&b, n, CU_MEMHOSTALLOC_PORTABLE), CUDA_SUCCESS,
	       "cuMemHostAlloc PORTABLE");
	expect(cuMemHostAlloc((void **)&d, 4096, CU_MEMHOSTALLOC_DEVICEMAP), CUDA_ERROR_NOT_SUPPORTED,
	       "cuMemHostAlloc DEVICEMAP (the device cannot address guest memory)");
	if (!a || !b || !expect(cuMemAlloc(&d, n), CUDA_SUCCESS, "cuMemAlloc"))
		goto out;
	fill_random(want, n);
	memcpy(a, want, n);
	memset(b, 0x5a, n);
	expect(cuMemcpyHtoD(d, a, n), CUDA_SUCCESS, "cuMemcpyHtoD from page-locked memory");
	expect(cuMemcpyDtoH(b, d, n), CUDA_SUCCESS, "cuMemcpyDtoH to page-locked memory");
	same_bytes(b, want, n, "page-locked there and back");
	memset(b, 0x5a, n);
	expect(cuMemcpyDtoH(b + off, d + off, n - 2 * off), CUDA_SUCCESS,
	       "cuMemcpyDtoH into the middle of page-locked memory");
	check(b[off - 1] == 0x5a && b[n - off] == 0x5a, "the bytes around it untouched");
	same_bytes(b + off, want + off, n - 2 * off, "page-locked, the middle");
	expect(cuMemFree(d), CUDA_SUCCESS, "cuMemFree");
out:
	expect(cuMemFreeHost(a), CUDA_SUCCESS, "cuMemFreeHost");
	expect(cuMemFreeHost(b), CUDA_SUCCESS, "cuMemFreeHost");
	free(want);
}

static void set_model(uint8_t *p, size_t off, unsigned elem, uint32_t v, size_t count)
{
	size_t i;
	unsigned b;

	for (i = 0; i < count; i++)
		for (b = 0; b < elem; b++)
			p[off + i * elem + b] = (uint8_t)(v >> (8 * b));	/* little-endian */
}

static void t_memset(void)
{
	size_t n = (2u << 20) + 64;
	uint8_t *want = xmalloc(n), *got = xmalloc(n);
	CUdeviceptr d = 0;

	if (!expect(cuMemAlloc(&d, n), CUDA_SUCCESS, "cuMemAlloc for memset"))
		goto out;
	fill_random(want, n);
	cuMemcpyHtoD(d, want, n);
	expect(cuMemsetD8(d + 3, 0xab, 1000001), CUDA_SUCCESS, "cuMemsetD8");
	set_model(want, 3, 1, 0xab, 1000001);
	expect(cuMemsetD16(d + 1000006, 0xbeef, 77777), CUDA_SUCCESS, "cuMemsetD16");
	set_model(want, 1000006, 2, 0xbeef, 77777);
	expect(cuMemsetD32(d + 1200000, 0xdeadbeef, 200001), CUDA_SUCCESS, "cuMemsetD32");
	set_model(want, 1200000, 4, 0xdeadbeef, 200001);
	expect(cuMemsetD8(d, 0x11, 0), CUDA_SUCCESS, "cuMemsetD8 of 0 bytes");
	expect(cuMemsetD32(d + 2, 1, 4), CUDA_ERROR_INVALID_VALUE, "cuMemsetD32 misaligned");
	cuMemcpyDtoH(got, d, n);
	same_bytes(got, want, n, "D8, D16, D32 against the CPU's model");
	cuMemFree(d);
out:
	free(want);
	free(got);
}

static void t_dtod(void)
{
	size_t n = (1u << 20) + 333;
	uint8_t *a = xmalloc(n), *b = xmalloc(n), *got = xmalloc(n);
	CUdeviceptr da = 0, db = 0;

	if (!expect(cuMemAlloc(&da, n), CUDA_SUCCESS, "cuMemAlloc a") ||
	    !expect(cuMemAlloc(&db, n), CUDA_SUCCESS, "cuMemAlloc b"))
		goto out;
	fill_random(a, n);
	fill_random(b, n);
	cuMemcpyHtoD(da, a, n);
	cuMemcpyHtoD(db, b, n);
	expect(cuMemcpyDtoD(db + 5, da + 100, n - 200), CUDA_SUCCESS, "cuMemcpyDtoD");
	memcpy(b + 5, a + 100, n - 200);
	cuMemcpyDtoH(got, db, n);
	same_bytes(got, b, n, "b after DtoD of a's middle at 5");
	cuMemcpyDtoH(got, da, n);
	same_bytes(got, a, n, "a, the source, unchanged");
	expect(cuMemcpyDtoD(db, db + 8, 64), CUDA_ERROR_INVALID_VALUE, "cuMemcpyDtoD overlapping");
	cuMemFree(da);
	cuMemFree(db);
out:
	free(a);
	free(b);
	free(got);
}

static void t_async(void)
{
	size_t n = (1u << 20) * 2 + 99;
	uint8_t *want = xmalloc(n), *got = xmalloc(n);
	CUdeviceptr d = 0, e = 0;
	CUstream s = NULL;

	expect(cuStreamCreate(&s, CU_STREAM_NON_BLOCKING), CUDA_SUCCESS, "cuStreamCreate");
	if (!expect(cuMemAlloc(&d, n), CUDA_SUCCESS, "cuMemAlloc") ||
	    !expect(cuMemAlloc(&e, n), CUDA_SUCCESS, "cuMemAlloc"))
		goto out;
	fill_random(want, n);
	expect(cuMemcpyHtoDAsync(d, want, n, s), CUDA_SUCCESS, "cuMemcpyHtoDAsync");
	expect(cuMemsetD32Async(d + 1024, 0x01020304, 1000, s), CUDA_SUCCESS, "cuMemsetD32Async");
	set_model(want, 1024, 4, 0x01020304, 1000);
	expect(cuMemsetD8Async(d + 7, 0x77, 9, NULL), CUDA_SUCCESS, "cuMemsetD8Async, NULL stream");
	set_model(want, 7, 1, 0x77, 9);
	expect(cuMemcpyDtoDAsync(e, d, n, s), CUDA_SUCCESS, "cuMemcpyDtoDAsync");
	memset(got, 0, n);
	expect(cuMemcpyDtoHAsync(got, e, n, s), CUDA_SUCCESS, "cuMemcpyDtoHAsync");
	expect(cuStreamSynchronize(s), CUDA_SUCCESS, "cuStreamSynchronize");
	same_bytes(got, want, n, "async HtoD, memsets, DtoD, DtoH on a stream");
	expect(cuStreamQuery(s), CUDA_SUCCESS, "cuStreamQuery of an idle stream");
	cuMemFree(d);
	cuMemFree(e);
out:
	expect(cuStreamDestroy(s), CUDA_SUCCESS, "cuStreamDestroy");
	expect(cuStreamSynchronize(s), CUDA_ERROR_INVALID_HANDLE, "cuStreamSynchronize destroyed");
	expect(cuMemcpyHtoDAsync(d, want, 1, s), CUDA_ERROR_INVALID_HANDLE,
	       "cuMemcpyHtoDAsync on a destroyed stream");
	free(want);
	free(got);
}

static void t_bad(void)
{
	uint8_t buf[64] = { 0 };
	CUdeviceptr d = 0, gone = 0;
	const char *s = NULL;

	expect(cuMemAlloc(&d, 0), CUDA_ERROR_INVALID_VALUE, "cuMemAlloc of 0 bytes");
	expect(cuMemFree(0x1234500), CUDA_ERROR_INVALID_VALUE, "cuMemFree of a bad pointer");
	if (!expect(cuMemAlloc(&d, 4096), CUDA_SUCCESS, "cuMemAlloc 4096"))
		return;
	expect(cuMemcpyHtoD(d + 4096 - 10, buf, 64), CUDA_ERROR_INVALID_VALUE,
	       "cuMemcpyHtoD past the allocation's end");
	expect(cuMemcpyDtoH(buf, d + 8192, 8), CUDA_ERROR_INVALID_VALUE,
	       "cuMemcpyDtoH outside any allocation");
	expect(cuMemAlloc(&gone, 256), CUDA_SUCCESS, "cuMemAlloc 256");
	expect(cuMemFree(gone), CUDA_SUCCESS, "cuMemFree it");
	expect(cuMemcpyHtoD(gone, buf, 8), CUDA_ERROR_INVALID_VALUE, "cuMemcpyHtoD to freed memory");
	expect(cuMemFree(gone), CUDA_ERROR_INVALID_VALUE, "cuMemFree twice");
	expect(cuMemsetD8(gone, 1, 1), CUDA_ERROR_INVALID_VALUE, "cuMemsetD8 on freed memory");
	expect(cuMemFree(d), CUDA_SUCCESS, "cuMemFree");
	cuGetErrorName(CUDA_ERROR_OUT_OF_MEMORY, &s);
	check(s && !strcmp(s, "CUDA_ERROR_OUT_OF_MEMORY"), "OUT_OF_MEMORY's name is %s",
	      s ? s : "(null)");
	s = (const char *)1;
	expect(cuGetErrorName((CUresult)12345, &s), CUDA_ERROR_INVALID_VALUE,
	       "cuGetErrorName of no CUresult");
	check(s == NULL, "and gives NULL");
}

/* Past --quota: OUT_OF_MEMORY, and nothing held afterwards (the quota fits again). */
static void t_quota(void)
{
	CUdeviceptr d = 0, half1 = 0, half2 = 0;

	if (!check(quota >= 8192, "--quota %llu given", quota))
		return;

	expect(cuMemAlloc(&d, quota + 1), CUDA_ERROR_OUT_OF_MEMORY, "cuMemAlloc past the quota");
	expect(cuMemAlloc(&d, (size_t)1 << 50), CUDA_ERROR_OUT_OF_MEMORY, "cuMemAlloc of 1 PiB");
	expect(cuMemAlloc(&half1, quota / 2), CUDA_SUCCESS, "half the quota");
	expect(cuMemAlloc(&d, quota / 2 + 4096), CUDA_ERROR_OUT_OF_MEMORY,
	       "another half and a page: past the quota");
	expect(cuMemAlloc(&half2, quota / 2), CUDA_SUCCESS, "the other half fits");
	cuMemFree(half1);
	cuMemFree(half2);
	expect(cuMemAlloc(&d, quota), CUDA_SUCCESS, "all of the quota once freed");
	cuMemFree(d);
}

/* ---- modules and launches ---------------------------------------------------- */

static char *read_ptx(void)
{
	FILE *f = fopen(ptx_file, "rb");
	char *p;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	p = xmalloc((size_t)n + 1);
	p[fread(p, 1, (size_t)n, f)] = 0;
	fclose(f);
	return p;
}

static void t_module_cpu(const char *ptx)
{
	const char *s = NULL;
	CUmodule m = NULL;

	expect(cuModuleLoadData(&m, ptx), CUDA_ERROR_NOT_SUPPORTED, "cuModuleLoadData (PTX)");
	expect(cuModuleLoad(&m, ptx_file), CUDA_ERROR_NOT_SUPPORTED, "cuModuleLoad (PTX file)");
	expect(cuModuleLoadDataEx(&m, ptx, 0, NULL, NULL), CUDA_ERROR_NOT_SUPPORTED,
	       "cuModuleLoadDataEx");
	cuGetErrorName(CUDA_ERROR_NOT_SUPPORTED, &s);
	check(s && !strcmp(s, "CUDA_ERROR_NOT_SUPPORTED"), "its name: %s", s ? s : "(null)");
	cuGetErrorString(CUDA_ERROR_NOT_SUPPORTED, &s);
	check(s && !strcmp(s, "operation not supported"), "its text: %s", s ? s : "(null)");
}

/* c = a + b by vgpu_vadd(const float *a, const float *b, float *c, int n). */
static void vadd(CUfunction f, int n, bool use_extra)
{
	size_t bytes = (size_t)n * sizeof(float);
	float *a = xmalloc(bytes), *b = xmalloc(bytes), *c = xmalloc(bytes);
	CUdeviceptr da, db, dc;
	int i, bad = 0;
	struct { CUdeviceptr a, b, c; int n; } blob;
	size_t blob_size = sizeof(blob);
	void *args[] = { &da, &db, &dc, &n };
	void *extra[] = { CU_LAUNCH_PARAM_BUFFER_POINTER, &blob, CU_LAUNCH_PARAM_BUFFER_SIZE,
			  &blob_size, CU_LAUNCH_PARAM_END };

	for (i = 0; i < n; i++) {
		a[i] = (float)(rnd() % 1000) / 8;
		b[i] = (float)(rnd() % 1000) / 4;
	}
	cuMemAlloc(&da, bytes);
	cuMemAlloc(&db, bytes);
	cuMemAlloc(&dc, bytes);
	cuMemcpyHtoD(da, a, bytes);
	cuMemcpyHtoD(db, b, bytes);
	blob.a = da;
	blob.b = db;
	blob.c = dc;
	blob.n = n;
	expect(cuLaunchKernel(f, (unsigned)(n + 255) / 256, 1, 1, 256, 1, 1, 0, NULL,
			      use_extra ? NULL : args, use_extra ? extra : NULL), CUDA_SUCCESS,
	       use_extra ? "cuLaunchKernel vgpu_vadd (extra)" : "cuLaunchKernel vgpu_vadd");
	expect(cuCtxSynchronize(), CUDA_SUCCESS, "cuCtxSynchronize");
	cuMemcpyDtoH(c, dc, bytes);
	for (i = 0; i < n; i++)
		bad += c[i] != a[i] + b[i];	/* exact: sums of eighths and quarters */
	check(!bad, "vgpu_vadd of %d floats: %d differ from the CPU's", n, bad);
	cuMemFree(da);
	cuMemFree(db);
	cuMemFree(dc);
	free(a);
	free(b);
	free(c);
}

static void t_module_gpu(const char *ptx)
{
	CUmodule m = NULL, m2 = NULL;
	CUfunction f = NULL, g = NULL;
	size_t off = 0, size = 0;

	if (!expect(cuModuleLoadData(&m, ptx), CUDA_SUCCESS, "cuModuleLoadData (PTX)"))
		return;
	expect(cuModuleGetFunction(&g, m, "no_such_kernel"), CUDA_ERROR_NOT_FOUND,
	       "cuModuleGetFunction of no kernel");
	if (expect(cuModuleGetFunction(&f, m, "vgpu_vadd"), CUDA_SUCCESS, "vgpu_vadd")) {
		expect(cuFuncGetParamInfo(f, 3, &off, &size), CUDA_SUCCESS, "cuFuncGetParamInfo");
		check(off == 24 && size == 4, "int n at offset %zu, %zu bytes (want 24, 4)", off, size);
		vadd(f, 1000003, false);
		vadd(f, 4097, true);
	}
	expect(cuModuleLoad(&m2, ptx_file), CUDA_SUCCESS, "cuModuleLoad (PTX file)");
	expect(cuModuleUnload(m2), CUDA_SUCCESS, "cuModuleUnload the file's");
	expect(cuModuleLoadData(&m2, "this is not PTX"), CUDA_ERROR_INVALID_PTX,
	       "cuModuleLoadData of bad PTX");
	expect(cuModuleUnload(m), CUDA_SUCCESS, "cuModuleUnload");
	expect(cuModuleGetFunction(&f, m, "vgpu_vadd"), CUDA_ERROR_INVALID_HANDLE,
	       "cuModuleGetFunction of an unloaded module");
}

static void t_module(void)
{
	char *ptx = read_ptx();
	CUmodule m;

	if (!check(ptx != NULL, "read the PTX (%s)", ptx_file))
		return;
	expect(cuModuleLoad(&m, "/nonexistent.ptx"), CUDA_ERROR_FILE_NOT_FOUND,
	       "cuModuleLoad of no file");
	if (gpu)
		t_module_gpu(ptx);
	else
		t_module_cpu(ptx);
	free(ptx);
}

/* ---- cuGetProcAddress, streams and events --------------------------------- */

typedef CUresult (*alloc_fn)(CUdeviceptr *, size_t);
typedef CUresult (*info_fn)(size_t *, size_t *);

static void t_procaddr(void)
{
	CUdriverProcAddressQueryResult st = CU_GET_PROC_ADDRESS_VERSION_NOT_SUFFICIENT;
	void *fn = NULL, *pt = NULL;
	CUdeviceptr d = 0;
	size_t fr = 0, tot = 0;

	expect(cuGetProcAddress("cuMemAlloc", &fn, CUDA_VERSION, CU_GET_PROC_ADDRESS_DEFAULT, &st),
	       CUDA_SUCCESS, "cuGetProcAddress(cuMemAlloc)");
	check(fn == (void *)cuMemAlloc && st == CU_GET_PROC_ADDRESS_SUCCESS,
	      "it is cuMemAlloc_v2, status %d", (int)st);
	if (fn && expect(((alloc_fn)fn)(&d, 100), CUDA_SUCCESS, "allocate through it"))
		expect(cuMemFree(d), CUDA_SUCCESS, "and free");
	fn = (void *)1;
	expect(cuGetProcAddress("cuNoSuchFunction", &fn, CUDA_VERSION, 0, &st),
	       CUDA_ERROR_NOT_FOUND, "cuGetProcAddress of a made-up name");
	check(fn == NULL && st == CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND,
	      "NULL and SYMBOL_NOT_FOUND (%d)", (int)st);
	expect(cuGetProcAddress("cuMemAlloc", &fn, 1000, 0, &st), CUDA_ERROR_NOT_FOUND,
	       "cuGetProcAddress(cuMemAlloc) for CUDA 1.0");
	check(st == CU_GET_PROC_ADDRESS_VERSION_NOT_SUFFICIENT, "VERSION_NOT_SUFFICIENT (%d)", (int)st);
	expect(cuGetProcAddress("cuMemcpyHtoD", &fn, CUDA_VERSION, 0, NULL), CUDA_SUCCESS,
	       "cuMemcpyHtoD, legacy stream");
	expect(cuGetProcAddress("cuMemcpyHtoD", &pt, CUDA_VERSION,
				CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM, NULL),
	       CUDA_SUCCESS, "cuMemcpyHtoD, per-thread default stream");
	check(fn && pt && fn != pt, "two functions (%p, %p)", fn, pt);
	expect(cuGetProcAddress("cuMemGetInfo", &fn, CUDA_VERSION, 0, NULL), CUDA_SUCCESS,
	       "cuGetProcAddress(cuMemGetInfo), a call not implemented");
	if (fn)
		expect(((info_fn)fn)(&fr, &tot), CUDA_ERROR_NOT_SUPPORTED, "calling it");
	expect(cuMemGetInfo(&fr, &tot), CUDA_ERROR_NOT_SUPPORTED, "cuMemGetInfo, linked");
}

/*
 * A name asked at a version gets the ABI of that version, as the driver's
 * own exported name for it (found with dlsym, as cudart finds the driver).
 */
static void t_versions(void)
{
	static const struct {
		const char *name;
		int version;
		const char *sym;
	} v[] = {
		{ "cuCtxCreate", 3020, "cuCtxCreate_v2" }, { "cuCtxCreate", 11040, "cuCtxCreate_v3" },
		{ "cuCtxCreate", 12050, "cuCtxCreate_v4" }, { "cuCtxCreate", 13000, "cuCtxCreate_v4" },
		{ "cuEventElapsedTime", 12000, "cuEventElapsedTime" },
		{ "cuEventElapsedTime", 12080, "cuEventElapsedTime_v2" },
		{ "cuDevicePrimaryCtxRelease", 11000, "cuDevicePrimaryCtxRelease_v2" },
		{ "cuMemcpyDtoH", 3020, "cuMemcpyDtoH_v2" }, { "cuLaunchKernel", 4000, "cuLaunchKernel" },
		{ "cuGetProcAddress", 11030, "cuGetProcAddress" },
		{ "cuGetProcAddress", 12000, "cuGetProcAddress_v2" },
	};
	CUresult (*gpa1)(const char *, void **, int, cuuint64_t);
	void *fn, *want;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		fn = NULL;
		want = dlsym(RTLD_DEFAULT, v[i].sym);
		cuGetProcAddress(v[i].name, &fn, v[i].version, 0, NULL);
		check(fn && fn == want, "%s at %d is %s", v[i].name, v[i].version, v[i].sym);
	}
	*(void **)&gpa1 = dlsym(RTLD_DEFAULT, "cuGetProcAddress");
	fn = NULL;
	if (check(gpa1 != NULL, "the 11.3 ABI cuGetProcAddress is there"))
		expect(gpa1("cuInit", &fn, 11030, 0), CUDA_SUCCESS, "cuGetProcAddress (4 arguments)");
	check(fn == (void *)cuInit, "it finds cuInit");
}

static void t_events(void)
{
	CUevent a = NULL, b = NULL, nt = NULL, never = NULL;
	size_t n = (4u << 20) + 1;
	uint8_t *h = xmalloc(n);
	CUdeviceptr d = 0;
	CUstream s = NULL;
	float ms = -1;

	expect(cuStreamCreate(&s, 0), CUDA_SUCCESS, "cuStreamCreate");
	expect(cuEventCreate(&a, CU_EVENT_DEFAULT), CUDA_SUCCESS, "cuEventCreate start");
	expect(cuEventCreate(&b, CU_EVENT_BLOCKING_SYNC), CUDA_SUCCESS, "cuEventCreate end");
	expect(cuEventCreate(&nt, CU_EVENT_DISABLE_TIMING), CUDA_SUCCESS, "cuEventCreate untimed");
	expect(cuEventCreate(&never, 0), CUDA_SUCCESS, "cuEventCreate never recorded");
	expect(cuEventQuery(never), CUDA_SUCCESS, "cuEventQuery of an event never recorded");
	expect(cuEventElapsedTime(&ms, a, b), CUDA_ERROR_INVALID_HANDLE, "elapsed, never recorded");
	cuMemAlloc(&d, n);
	fill_random(h, n);
	expect(cuEventRecord(a, s), CUDA_SUCCESS, "cuEventRecord start");
	expect(cuMemcpyHtoDAsync(d, h, n, s), CUDA_SUCCESS, "4 MiB HtoD on the stream");
	expect(cuEventRecord(b, s), CUDA_SUCCESS, "cuEventRecord end");
	expect(cuEventRecord(nt, NULL), CUDA_SUCCESS, "cuEventRecord untimed on the NULL stream");
	expect(cuEventSynchronize(b), CUDA_SUCCESS, "cuEventSynchronize end");
	expect(cuEventQuery(b), CUDA_SUCCESS, "cuEventQuery end: complete");
	expect(cuEventElapsedTime(&ms, a, b), CUDA_SUCCESS, "cuEventElapsedTime");
	check(ms >= 0 && ms < 60000, "start to end: %.3f ms", (double)ms);
	expect(cuEventElapsedTime(&ms, a, nt), CUDA_ERROR_INVALID_HANDLE,
	       "elapsed to an event without timing");
	expect(cuStreamWaitEvent(s, b, 0), CUDA_SUCCESS, "cuStreamWaitEvent");
	expect(cuEventDestroy(never), CUDA_SUCCESS, "cuEventDestroy");
	expect(cuEventQuery(never), CUDA_ERROR_INVALID_HANDLE, "cuEventQuery of a destroyed event");
	cuEventDestroy(a);
	cuEventDestroy(b);
	cuEventDestroy(nt);
	cuMemFree(d);
	expect(cuStreamDestroy(s), CUDA_SUCCESS, "cuStreamDestroy");
	free(h);
}

/*
 * Threads: each makes the primary context current (a thread starts with
 * none) and moves its own bytes there and back while the others do.
 */
#define THREADS 4

struct worker {
	CUcontext ctx;
	uint64_t seed;
	CUresult rc;
	int bad;		/* bytes that came back wrong */
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	size_t i, n = (1u << 20) + 4099 * (size_t)w->seed;
	uint8_t *src = xmalloc(n), *got = xmalloc(n);
	CUdeviceptr d = 0;
	int round;

	w->rc = cuCtxSetCurrent(w->ctx);
	if (!w->rc)
		w->rc = cuMemAlloc(&d, n);
	for (round = 0; round < 4 && !w->rc; round++) {
		for (i = 0; i < n; i++)
			src[i] = (uint8_t)(w->seed * 131 + i * 7 + (size_t)round);
		w->rc = cuMemcpyHtoD(d, src, n);
		if (!w->rc)
			w->rc = cuMemcpyDtoH(got, d, n);
		for (i = 0; i < n && !w->rc; i++)
			w->bad += got[i] != src[i];
	}
	if (d)
		cuMemFree(d);
	free(src);
	free(got);
	return NULL;
}

static void t_threads(void)
{
	struct worker w[THREADS] = { 0 };
	pthread_t t[THREADS];
	CUcontext ctx = NULL;
	int i;

	if (!expect(cuCtxGetCurrent(&ctx), CUDA_SUCCESS, "cuCtxGetCurrent") ||
	    !check(ctx != NULL, "a context is current (run ctx first)"))
		return;
	for (i = 0; i < THREADS; i++) {
		w[i].ctx = ctx;
		w[i].seed = (uint64_t)i + 1;
		if (pthread_create(&t[i], NULL, worker_run, &w[i]))
			w[i].rc = CUDA_ERROR_OPERATING_SYSTEM;
	}
	for (i = 0; i < THREADS; i++) {
		if (w[i].rc != CUDA_ERROR_OPERATING_SYSTEM)
			pthread_join(t[i], NULL);
		expect(w[i].rc, CUDA_SUCCESS, "a thread's copies");
		check(!w[i].bad, "thread %d: %d bytes came back wrong in 4 rounds", i, w[i].bad);
	}
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "preinit", t_preinit }, { "init", t_init }, { "ctx", t_ctx },
	{ "memory", t_memory }, { "memset", t_memset }, { "dtod", t_dtod },
	{ "async", t_async }, { "bad", t_bad }, { "quota", t_quota },
	{ "module", t_module }, { "procaddr", t_procaddr }, { "versions", t_versions },
	{ "events", t_events }, { "threads", t_threads }, { "pinned", t_pinned },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: cuda-drv-test [--executor cpu|cuda] [--ptx FILE] [--quota BYTES] "
		"[--seed N] SUBTEST...\n");
}

static int run(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (!strcmp(tests[i].name, name)) {
			sub = name;
			tests[i].fn();
			return 0;
		}
	fprintf(stderr, "cuda-drv-test: no sub-test %s\n", name);
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "executor", required_argument, NULL, 'e' }, { "ptx", required_argument, NULL, 'p' },
		{ "quota", required_argument, NULL, 'q' }, { "seed", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'e')
			gpu = !strcmp(optarg, "cuda");
		else if (c == 'p')
			ptx_file = optarg;
		else if (c == 'q')
			quota = strtoull(optarg, NULL, 0);
		else if (c == 's')
			rng = strtoull(optarg, NULL, 0) | 1;
		else
			return usage(stderr), 2;
	}
	if (optind == argc)
		return usage(stderr), 2;
	for (; optind < argc; optind++)
		if (run(argv[optind]))
			return 2;
	printf("DONE checks=%u failed=%u\n", checks, failed);
	return failed ? 1 : 0;
}
