/* SPDX-License-Identifier: MIT */
/*
 * devquery: what a program learns of its GPU, built with plain `nvcc -o
 * devquery devquery.cu`: the driver's and runtime's versions, and device
 * 0's name, compute capability, memory, multiprocessors, warp size,
 * threads a block, shared memory a block and clock.  Each property read
 * with cudaGetDeviceProperties is checked against cudaDeviceGetAttribute's
 * answer, and against what every CUDA device must say (warps of 32, at
 * least one multiprocessor, a driver no older than the runtime, or the
 * runtime would not start).  Prints deterministic lines, then PASS, or
 * FAIL and the reason (exit 1).
 *
 * Left out so that a guest's output is the host's (libcuda-vgpu(7): a
 * guest's driver answers from the host GPU's own attributes): the number
 * of devices (a guest sees its pool's GPUs, not the host's) and free
 * memory (cudaMemGetInfo: the host's other users, or the guest's quota).
 * totalGlobalMem is the GPU's, in both.
 */
#include <cuda_runtime.h>
#include <stdio.h>
#include <stdlib.h>

static void check(cudaError_t e, const char *what)
{
	if (e == cudaSuccess)
		return;
	printf("FAIL %s: %s (%s)\n", what, cudaGetErrorName(e), cudaGetErrorString(e));
	exit(1);
}

static int attr(cudaDeviceAttr a)
{
	int v = -1;

	check(cudaDeviceGetAttribute(&v, a, 0), "cudaDeviceGetAttribute");
	return v;
}

/* @what, read as a property, must be what the attribute says. */
static void same(long long prop, cudaDeviceAttr a, const char *what)
{
	if (prop == attr(a))
		return;
	printf("FAIL %s: cudaGetDeviceProperties says %lld, cudaDeviceGetAttribute %d\n", what, prop,
	       attr(a));
	exit(1);
}

static void expect(bool ok, const char *what)
{
	if (ok)
		return;
	printf("FAIL %s\n", what);
	exit(1);
}

int main(void)
{
	int count = 0, drv = 0, rt = 0;
	cudaDeviceProp p;

	check(cudaGetDeviceCount(&count), "cudaGetDeviceCount");
	expect(count >= 1, "cudaGetDeviceCount: at least one device");
	check(cudaDriverGetVersion(&drv), "cudaDriverGetVersion");
	check(cudaRuntimeGetVersion(&rt), "cudaRuntimeGetVersion");
	printf("driver version: %d.%d\n", drv / 1000, drv % 1000 / 10);
	printf("runtime version: %d.%d\n", rt / 1000, rt % 1000 / 10);
	expect(drv >= rt, "the driver is no older than the runtime");
	check(cudaGetDeviceProperties(&p, 0), "cudaGetDeviceProperties");
	expect(p.name[0] != '\0', "the device has a name");
	printf("device 0: %s\n", p.name);
	printf("compute capability: %d.%d\n", p.major, p.minor);
	same(p.major, cudaDevAttrComputeCapabilityMajor, "major");
	same(p.minor, cudaDevAttrComputeCapabilityMinor, "minor");
	printf("totalGlobalMem: %zu bytes\n", p.totalGlobalMem);
	expect(p.totalGlobalMem > 0, "totalGlobalMem > 0");
	printf("multiProcessorCount: %d\n", p.multiProcessorCount);
	same(p.multiProcessorCount, cudaDevAttrMultiProcessorCount, "multiProcessorCount");
	expect(p.multiProcessorCount >= 1, "at least one multiprocessor");
	printf("warpSize: %d\n", p.warpSize);
	same(p.warpSize, cudaDevAttrWarpSize, "warpSize");
	expect(p.warpSize == 32, "warps of 32");
	printf("maxThreadsPerBlock: %d\n", p.maxThreadsPerBlock);
	same(p.maxThreadsPerBlock, cudaDevAttrMaxThreadsPerBlock, "maxThreadsPerBlock");
	printf("maxThreadsDim: %d %d %d\n", p.maxThreadsDim[0], p.maxThreadsDim[1], p.maxThreadsDim[2]);
	same(p.maxThreadsDim[0], cudaDevAttrMaxBlockDimX, "maxThreadsDim[0]");
	printf("maxGridSize: %d %d %d\n", p.maxGridSize[0], p.maxGridSize[1], p.maxGridSize[2]);
	same(p.maxGridSize[0], cudaDevAttrMaxGridDimX, "maxGridSize[0]");
	printf("sharedMemPerBlock: %zu bytes\n", p.sharedMemPerBlock);
	same((long long)p.sharedMemPerBlock, cudaDevAttrMaxSharedMemoryPerBlock, "sharedMemPerBlock");
	printf("regsPerBlock: %d\n", p.regsPerBlock);
	same(p.regsPerBlock, cudaDevAttrMaxRegistersPerBlock, "regsPerBlock");
	/* CUDA 13's cudaDeviceProp has no clockRate: the attribute says it. */
	printf("clock rate: %d kHz\n", attr(cudaDevAttrClockRate));
	printf("PASS\n");
	return 0;
}
