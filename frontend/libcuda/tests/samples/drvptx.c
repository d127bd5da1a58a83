/* SPDX-License-Identifier: MIT */
/*
 * drvptx: the driver API as a C program uses it (<cuda.h>, -lcuda): a
 * PTX module loaded with cuModuleLoadData (the text below, or the file
 * given as the argument, which must have a kernel "saxpy" of the same
 * parameters), its kernel found by name and launched with cuLaunchKernel
 * on device 0's primary context.  y = a x + y over N floats, small
 * integers: exact, so it must equal the CPU's fmaf() exactly.  Prints
 * deterministic lines, then PASS, or FAIL and the reason (exit 1).
 */
#include <cuda.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N (1 << 16)

/* saxpy(float *y, const float *x, float a, int n): y[i] = a x[i] + y[i]. */
static const char saxpy_ptx[] =
	".version 7.5\n"
	".target sm_75\n"
	".address_size 64\n"
	"\n"
	".visible .entry saxpy(.param .u64 y, .param .u64 x, .param .f32 a, .param .u32 n)\n"
	"{\n"
	"	.reg .pred %p;\n"
	"	.reg .f32 %f<5>;\n"
	"	.reg .b32 %r<5>;\n"
	"	.reg .b64 %rd<7>;\n"
	"\n"
	"	ld.param.u64 %rd1, [y];\n"
	"	ld.param.u64 %rd2, [x];\n"
	"	ld.param.f32 %f1, [a];\n"
	"	ld.param.u32 %r1, [n];\n"
	"	mov.u32 %r2, %ctaid.x;\n"
	"	mov.u32 %r3, %ntid.x;\n"
	"	mov.u32 %r4, %tid.x;\n"
	"	mad.lo.s32 %r2, %r2, %r3, %r4;\n"
	"	setp.ge.s32 %p, %r2, %r1;\n"
	"	@%p bra done;\n"
	"	cvta.to.global.u64 %rd1, %rd1;\n"
	"	cvta.to.global.u64 %rd2, %rd2;\n"
	"	mul.wide.s32 %rd3, %r2, 4;\n"
	"	add.s64 %rd4, %rd2, %rd3;\n"
	"	add.s64 %rd5, %rd1, %rd3;\n"
	"	ld.global.f32 %f2, [%rd4];\n"
	"	ld.global.f32 %f3, [%rd5];\n"
	"	fma.rn.f32 %f4, %f1, %f2, %f3;\n"
	"	st.global.f32 [%rd5], %f4;\n"
	"done:\n"
	"	ret;\n"
	"}\n";

/* A driver error ends the program: FAIL, the call, the error's name and words. */
static void check(CUresult rc, const char *what)
{
	const char *name = NULL, *str = NULL;

	if (rc == CUDA_SUCCESS)
		return;
	cuGetErrorName(rc, &name);
	cuGetErrorString(rc, &str);
	printf("FAIL %s: %s (%s)\n", what, name ? name : "?", str ? str : "?");
	exit(1);
}

/* The whole of @path, NUL-terminated, or NULL. */
static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long len;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		goto out;
	buf = malloc((size_t)len + 1);
	if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[len] = '\0';
out:
	fclose(f);
	return buf;
}

static int run(const char *ptx)
{
	static float x[N], y[N], ref[N];
	CUdevice dev;
	CUcontext ctx;
	CUmodule mod;
	CUfunction fn;
	CUdeviceptr dx, dy;
	float a = 3.0f;
	int n = N;
	void *params[] = { &dy, &dx, &a, &n };

	for (int i = 0; i < N; i++) {
		x[i] = (float)(i % 100);
		y[i] = (float)(i % 7 - 3);
		ref[i] = fmaf(a, x[i], y[i]);
	}
	check(cuInit(0), "cuInit");
	check(cuDeviceGet(&dev, 0), "cuDeviceGet");
	check(cuDevicePrimaryCtxRetain(&ctx, dev), "cuDevicePrimaryCtxRetain");
	check(cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
	check(cuModuleLoadData(&mod, ptx), "cuModuleLoadData");
	check(cuModuleGetFunction(&fn, mod, "saxpy"), "cuModuleGetFunction saxpy");
	printf("module loaded, saxpy found\n");
	check(cuMemAlloc(&dx, sizeof(x)), "cuMemAlloc x");
	check(cuMemAlloc(&dy, sizeof(y)), "cuMemAlloc y");
	check(cuMemcpyHtoD(dx, x, sizeof(x)), "cuMemcpyHtoD x");
	check(cuMemcpyHtoD(dy, y, sizeof(y)), "cuMemcpyHtoD y");
	check(cuLaunchKernel(fn, (N + 255) / 256, 1, 1, 256, 1, 1, 0, NULL, params, NULL),
	      "cuLaunchKernel saxpy");
	check(cuCtxSynchronize(), "cuCtxSynchronize");
	check(cuMemcpyDtoH(y, dy, sizeof(y)), "cuMemcpyDtoH y");
	for (int i = 0; i < N; i++) {
		if (y[i] != ref[i]) {
			printf("FAIL y[%d] = %g, want %g\n", i, y[i], ref[i]);
			return 1;
		}
	}
	printf("saxpy over %d elements matches the CPU\n", N);
	check(cuMemFree(dx), "cuMemFree");
	check(cuMemFree(dy), "cuMemFree");
	check(cuModuleUnload(mod), "cuModuleUnload");
	check(cuDevicePrimaryCtxRelease(dev), "cuDevicePrimaryCtxRelease");
	return 0;
}

int main(int argc, char **argv)
{
	char *file = NULL;
	int rc;

	if (argc > 2) {
		fprintf(stderr, "usage: drvptx [FILE.ptx]\n");
		return 2;
	}
	if (argc == 2 && !(file = read_file(argv[1]))) {
		printf("FAIL cannot read %s\n", argv[1]);
		return 1;
	}
	rc = run(file ? file : saxpy_ptx);
	free(file);
	if (!rc)
		printf("PASS\n");
	return rc;
}
