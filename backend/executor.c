/* SPDX-License-Identifier: MIT */
/* executor.c: the executors built into this vgpuback. */
#include "config.h"

#include <string.h>

#include "executor.h"

const struct vgpu_executor_ops *vgpu_executor_find(const char *name)
{
	if (!strcmp(name, "cpu"))
		return &vgpu_cpu_executor_ops;
#ifdef HAVE_CUDA_EXECUTOR
	if (!strcmp(name, "cuda"))
		return &vgpu_cuda_executor_ops;
#endif
	return NULL;
}
