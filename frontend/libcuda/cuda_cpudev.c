/* SPDX-License-Identifier: MIT */
/*
 * cuda_cpudev.c: what the CPU executor's one device says of itself, so
 * that the CUDA runtime, which reads a device's name, memory, UUID and
 * some 70 attributes before it will make a context, starts on it.
 *
 * A nominal device: the limits every CUDA GPU since compute capability 2.0
 * shares (1024 threads a block, warps of 32, 48 KiB of shared memory a
 * block), one multiprocessor, compute capability 0.0 (no GPU architecture:
 * no kernel image can match it, which is the truth), unified addressing
 * off, no managed or mapped memory, no concurrent kernels.  Its memory is
 * a nominal 1 GiB: QUERY does not say what the host lets the domain hold
 * (vgpuback --mem-quota); past that, allocations fail OUT_OF_MEMORY.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cuda_priv.h"

struct cpu_attr {
	CUdevice_attribute a;
	int v;
};

static const struct cpu_attr cpu_attrs[] = {
	{ CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK, 1024 },
	{ CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X, 1024 },
	{ CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y, 1024 },
	{ CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z, 64 },
	{ CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X, 2147483647 },
	{ CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y, 65535 },
	{ CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z, 65535 },
	{ CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK, 48 << 10 },
	{ CU_DEVICE_ATTRIBUTE_TOTAL_CONSTANT_MEMORY, 64 << 10 },
	{ CU_DEVICE_ATTRIBUTE_WARP_SIZE, 32 },
	{ CU_DEVICE_ATTRIBUTE_MAX_PITCH, 2147483647 },
	{ CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK, 65536 },
	{ CU_DEVICE_ATTRIBUTE_CLOCK_RATE, 1000000 },
	{ CU_DEVICE_ATTRIBUTE_TEXTURE_ALIGNMENT, 512 },
	{ CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, 1 },
	{ CU_DEVICE_ATTRIBUTE_COMPUTE_MODE, CU_COMPUTEMODE_DEFAULT },
	{ CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE, 1000000 },
	{ CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH, 64 },
	{ CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR, 1024 },
	{ CU_DEVICE_ATTRIBUTE_ASYNC_ENGINE_COUNT, 1 },
	{ CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR, 48 << 10 },
	{ CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_MULTIPROCESSOR, 65536 },
	{ CU_DEVICE_ATTRIBUTE_MAX_BLOCKS_PER_MULTIPROCESSOR, 1 },
	{ CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, 48 << 10 },
	{ CU_DEVICE_ATTRIBUTE_STREAM_PRIORITIES_SUPPORTED, 0 },
};

/* Under the lock: @info as a GPU's DEVICE_INFO would be, for the CPU. */
void cu_cpu_device_info(struct vgpuif_device_info *info)
{
	size_t i;

	memset(info, 0, sizeof(*info));
	snprintf(info->name, sizeof(info->name), "%s", CU_CPU_NAME);
	/* A fixed UUID, version 4 form, "vgpu-cpu" in it. */
	memcpy(info->uuid, "vgpu-cpu\x40\x00\x80\x00\x00\x00\x00\x01", 16);
	info->total_mem = 1ULL << 30;
	info->driver_version = CU_CPU_DRIVER_VERSION;
	info->nattrs = VGPUIF_DEVICE_ATTRS;
	for (i = 0; i < sizeof(cpu_attrs) / sizeof(cpu_attrs[0]); i++)
		if ((unsigned)cpu_attrs[i].a < VGPUIF_DEVICE_ATTRS)
			info->attrs[cpu_attrs[i].a] = cpu_attrs[i].v;
}
