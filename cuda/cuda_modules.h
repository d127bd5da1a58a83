/* SPDX-License-Identifier: MIT */
/*
 * cuda_modules.h: the guests' modules and kernel functions in the CUDA
 * executor, filed under vgpuback's handles (vgpu_job.handle).
 *
 * Contract:
 *  - The driver API is reached through cudart's cudaGetDriverEntryPoint*,
 *    so that vgpuback links no libcuda and starts on a host without one.
 *  - Every call runs with the session's GPU current and the executor's
 *    lock held.  Each returns VGPU_OK or a VGPU_E* status, never a CUresult.
 *  - A handle answers only to the domain that made it: vgpuback checked the
 *    session; this table checks again (a shared worker serves many guests).
 *  - An image is copied and NUL-terminated before the driver sees it (PTX
 *    is text); a launch's parameters are copied out of the guest's buffer
 *    once, checked against the function's size, then passed.
 */
#ifndef VGPU_CUDA_MODULES_H
#define VGPU_CUDA_MODULES_H

#include <cuda_runtime.h>
#include <stddef.h>
#include <stdint.h>

extern "C" {
#include "vgpuif.h"
}

struct cuda_modules;

/* -errno (logged) when the driver offers no module API. */
int cuda_modules_create(struct cuda_modules **out);
void cuda_modules_destroy(struct cuda_modules *t);

int cuda_module_load(struct cuda_modules *t, uint64_t handle, uint32_t domid, int gpu,
		     const void *image, size_t len);
/* The function's parameters go to @layout (up to @max entries). */
int cuda_func_get(struct cuda_modules *t, uint64_t module, uint64_t handle, uint32_t domid,
		  const char *name, size_t name_len, struct vgpuif_param *layout,
		  size_t max, struct vgpuif_func_result *r);
/* A global variable's device address and size (VGPU_ENOENT: no such name). */
int cuda_global_get(struct cuda_modules *t, uint64_t module, uint32_t domid, const char *name,
		    size_t name_len, struct vgpuif_global_result *r);
int cuda_launch(struct cuda_modules *t, uint32_t domid, const struct vgpuif_launch_req *l,
		const void *params, cudaStream_t st);
/* Unloads the module (its functions go with it); unknown: nothing. */
void cuda_module_unload(struct cuda_modules *t, uint64_t handle, uint32_t domid);
/* How many modules of @gpu are loaded (a reset loses them). */
unsigned cuda_modules_on(const struct cuda_modules *t, int gpu);

#endif /* VGPU_CUDA_MODULES_H */
