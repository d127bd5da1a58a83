/* SPDX-License-Identifier: MIT */
/*
 * cuda_errors.c: cuGetErrorName / cuGetErrorString from our own table, and
 * libvgpufront's return codes (VGPUFRONT_E(VGPU_E*) or -errno) as CUresult.
 *
 * The table is by number, not by enumerator, so that it compiles against
 * any cuda.h; the words are the driver's.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>

#include "cuda_priv.h"

struct cu_error {
	int code;
	const char *name;
	const char *text;
};

#define E(code, name, text) { code, #name, text }
static const struct cu_error errors[] = {
	E(0, CUDA_SUCCESS, "no error"),
	E(1, CUDA_ERROR_INVALID_VALUE, "invalid argument"),
	E(2, CUDA_ERROR_OUT_OF_MEMORY, "out of memory"),
	E(3, CUDA_ERROR_NOT_INITIALIZED, "initialization error"),
	E(4, CUDA_ERROR_DEINITIALIZED, "driver shutting down"),
	E(5, CUDA_ERROR_PROFILER_DISABLED, "profiler disabled while using external profiling tool"),
	E(6, CUDA_ERROR_PROFILER_NOT_INITIALIZED, "profiler not initialized: call cudaProfilerInitialize()"),
	E(7, CUDA_ERROR_PROFILER_ALREADY_STARTED, "profiler already started"),
	E(8, CUDA_ERROR_PROFILER_ALREADY_STOPPED, "profiler already stopped"),
	E(34, CUDA_ERROR_STUB_LIBRARY, "CUDA driver is a stub library"),
	E(36, CUDA_ERROR_CALL_REQUIRES_NEWER_DRIVER, "API call requires a newer CUDA driver"),
	E(46, CUDA_ERROR_DEVICE_UNAVAILABLE, "CUDA-capable device(s) is/are busy or unavailable"),
	E(100, CUDA_ERROR_NO_DEVICE, "no CUDA-capable device is detected"),
	E(101, CUDA_ERROR_INVALID_DEVICE, "invalid device ordinal"),
	E(102, CUDA_ERROR_DEVICE_NOT_LICENSED, "device doesn't have valid Grid license"),
	E(200, CUDA_ERROR_INVALID_IMAGE, "device kernel image is invalid"),
	E(201, CUDA_ERROR_INVALID_CONTEXT, "invalid device context"),
	E(202, CUDA_ERROR_CONTEXT_ALREADY_CURRENT, "context already current"),
	E(205, CUDA_ERROR_MAP_FAILED, "mapping of buffer object failed"),
	E(206, CUDA_ERROR_UNMAP_FAILED, "unmapping of buffer object failed"),
	E(207, CUDA_ERROR_ARRAY_IS_MAPPED, "array is mapped"),
	E(208, CUDA_ERROR_ALREADY_MAPPED, "resource already mapped"),
	E(209, CUDA_ERROR_NO_BINARY_FOR_GPU, "no kernel image is available for execution on the device"),
	E(210, CUDA_ERROR_ALREADY_ACQUIRED, "resource already acquired"),
	E(211, CUDA_ERROR_NOT_MAPPED, "resource not mapped"),
	E(212, CUDA_ERROR_NOT_MAPPED_AS_ARRAY, "resource not mapped as array"),
	E(213, CUDA_ERROR_NOT_MAPPED_AS_POINTER, "resource not mapped as pointer"),
	E(214, CUDA_ERROR_ECC_UNCORRECTABLE, "uncorrectable ECC error encountered"),
	E(215, CUDA_ERROR_UNSUPPORTED_LIMIT, "limit is not supported on this architecture"),
	E(216, CUDA_ERROR_CONTEXT_ALREADY_IN_USE, "exclusive-thread device already in use by a different thread"),
	E(217, CUDA_ERROR_PEER_ACCESS_UNSUPPORTED, "peer access is not supported between these two devices"),
	E(218, CUDA_ERROR_INVALID_PTX, "a PTX JIT compilation failed"),
	E(219, CUDA_ERROR_INVALID_GRAPHICS_CONTEXT, "invalid OpenGL or DirectX context"),
	E(220, CUDA_ERROR_NVLINK_UNCORRECTABLE, "uncorrectable NVLink error detected during the execution"),
	E(221, CUDA_ERROR_JIT_COMPILER_NOT_FOUND, "PTX JIT compiler library not found"),
	E(222, CUDA_ERROR_UNSUPPORTED_PTX_VERSION, "the provided PTX was compiled with an unsupported toolchain."),
	E(223, CUDA_ERROR_JIT_COMPILATION_DISABLED, "PTX JIT compilation was disabled"),
	E(224, CUDA_ERROR_UNSUPPORTED_EXEC_AFFINITY, "the provided execution affinity is not supported by the device."),
	E(225, CUDA_ERROR_UNSUPPORTED_DEVSIDE_SYNC, "the provided PTX contains unsupported call to cudaDeviceSynchronize"),
	E(226, CUDA_ERROR_CONTAINED, "an exception occurred on the device that is now contained by the GPU's error containment capability"),
	E(300, CUDA_ERROR_INVALID_SOURCE, "device kernel image is invalid"),
	E(301, CUDA_ERROR_FILE_NOT_FOUND, "file not found"),
	E(302, CUDA_ERROR_SHARED_OBJECT_SYMBOL_NOT_FOUND, "shared object symbol not found"),
	E(303, CUDA_ERROR_SHARED_OBJECT_INIT_FAILED, "shared object initialization failed"),
	E(304, CUDA_ERROR_OPERATING_SYSTEM, "OS call failed or operation not supported on this OS"),
	E(400, CUDA_ERROR_INVALID_HANDLE, "invalid resource handle"),
	E(401, CUDA_ERROR_ILLEGAL_STATE, "the operation cannot be performed in the present state"),
	E(402, CUDA_ERROR_LOSSY_QUERY, "attempted introspection would be semantically lossy"),
	E(500, CUDA_ERROR_NOT_FOUND, "named symbol not found"),
	E(600, CUDA_ERROR_NOT_READY, "device not ready"),
	E(700, CUDA_ERROR_ILLEGAL_ADDRESS, "an illegal memory access was encountered"),
	E(701, CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES, "too many resources requested for launch"),
	E(702, CUDA_ERROR_LAUNCH_TIMEOUT, "the launch timed out and was terminated"),
	E(703, CUDA_ERROR_LAUNCH_INCOMPATIBLE_TEXTURING, "launch uses incompatible texturing mode"),
	E(704, CUDA_ERROR_PEER_ACCESS_ALREADY_ENABLED, "peer access is already enabled"),
	E(705, CUDA_ERROR_PEER_ACCESS_NOT_ENABLED, "peer access has not been enabled"),
	E(708, CUDA_ERROR_PRIMARY_CONTEXT_ACTIVE, "cannot set while device is active in this process"),
	E(709, CUDA_ERROR_CONTEXT_IS_DESTROYED, "context is destroyed"),
	E(710, CUDA_ERROR_ASSERT, "device-side assert triggered"),
	E(711, CUDA_ERROR_TOO_MANY_PEERS, "peer mapping resources exhausted"),
	E(712, CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED, "part or all of the requested memory range is already mapped"),
	E(713, CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED, "pointer does not correspond to a registered memory region"),
	E(714, CUDA_ERROR_HARDWARE_STACK_ERROR, "hardware stack error"),
	E(715, CUDA_ERROR_ILLEGAL_INSTRUCTION, "an illegal instruction was encountered"),
	E(716, CUDA_ERROR_MISALIGNED_ADDRESS, "misaligned address"),
	E(717, CUDA_ERROR_INVALID_ADDRESS_SPACE, "operation not supported on global/shared address space"),
	E(718, CUDA_ERROR_INVALID_PC, "invalid program counter"),
	E(719, CUDA_ERROR_LAUNCH_FAILED, "unspecified launch failure"),
	E(720, CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE, "too many blocks in cooperative launch"),
	E(721, CUDA_ERROR_TENSOR_MEMORY_LEAK, "tensor memory not completely freed"),
	E(800, CUDA_ERROR_NOT_PERMITTED, "operation not permitted"),
	E(801, CUDA_ERROR_NOT_SUPPORTED, "operation not supported"),
	E(802, CUDA_ERROR_SYSTEM_NOT_READY, "system not yet initialized"),
	E(803, CUDA_ERROR_SYSTEM_DRIVER_MISMATCH, "system has unsupported display driver / cuda driver combination"),
	E(804, CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE, "forward compatibility was attempted on non supported HW"),
	E(805, CUDA_ERROR_MPS_CONNECTION_FAILED, "MPS client failed to connect to the MPS control daemon or the MPS server"),
	E(806, CUDA_ERROR_MPS_RPC_FAILURE, "the remote procedural call between the MPS server and the MPS client failed"),
	E(807, CUDA_ERROR_MPS_SERVER_NOT_READY, "MPS server is not ready to accept new MPS client requests"),
	E(808, CUDA_ERROR_MPS_MAX_CLIENTS_REACHED, "the hardware resources required to create MPS client have been exhausted"),
	E(809, CUDA_ERROR_MPS_MAX_CONNECTIONS_REACHED, "the hardware resources required to support device connections have been exhausted"),
	E(810, CUDA_ERROR_MPS_CLIENT_TERMINATED, "the MPS client has been terminated by the server"),
	E(811, CUDA_ERROR_CDP_NOT_SUPPORTED, "is using CUDA Dynamic Parallelism, but the current configuration, like MPS, does not support it"),
	E(812, CUDA_ERROR_CDP_VERSION_MISMATCH, "unsupported interaction between different versions of CUDA Dynamic Parallelism"),
	E(900, CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, "operation not permitted when stream is capturing"),
	E(901, CUDA_ERROR_STREAM_CAPTURE_INVALIDATED, "operation failed due to a previous error during capture"),
	E(902, CUDA_ERROR_STREAM_CAPTURE_MERGE, "operation would result in a merge of separate capture sequences"),
	E(903, CUDA_ERROR_STREAM_CAPTURE_UNMATCHED, "capture was not ended in the same stream as it began"),
	E(904, CUDA_ERROR_STREAM_CAPTURE_UNJOINED, "capturing stream has unjoined work"),
	E(905, CUDA_ERROR_STREAM_CAPTURE_ISOLATION, "dependency created on uncaptured work in another stream"),
	E(906, CUDA_ERROR_STREAM_CAPTURE_IMPLICIT, "operation would make the legacy stream depend on a capturing blocking stream"),
	E(907, CUDA_ERROR_CAPTURED_EVENT, "operation not permitted on an event last recorded in a capturing stream"),
	E(908, CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD, "attempt to terminate a thread-local capture sequence from another thread"),
	E(909, CUDA_ERROR_TIMEOUT, "wait operation timed out"),
	E(910, CUDA_ERROR_GRAPH_EXEC_UPDATE_FAILURE, "the graph update was not performed because it included changes which violated constraints specific to instantiated graph update"),
	E(911, CUDA_ERROR_EXTERNAL_DEVICE, "an async error has occured in external entity outside of CUDA"),
	E(912, CUDA_ERROR_INVALID_CLUSTER_SIZE, "a kernel launch error has occurred due to cluster misconfiguration"),
	E(913, CUDA_ERROR_FUNCTION_NOT_LOADED, "the function handle is not loaded when calling an API that requires a loaded function"),
	E(914, CUDA_ERROR_INVALID_RESOURCE_TYPE, "one or more resources passed in are not valid resource types for the operation"),
	E(915, CUDA_ERROR_INVALID_RESOURCE_CONFIGURATION, "one or more resources are insufficient or non-applicable for the operation"),
	E(916, CUDA_ERROR_KEY_ROTATION, "an error happened during the key rotation sequence"),
	E(999, CUDA_ERROR_UNKNOWN, "unknown error"),
};
#undef E

static const struct cu_error *find(CUresult rc)
{
	size_t i;

	for (i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		if (errors[i].code == (int)rc)
			return &errors[i];
	return NULL;
}

const char *cu_error_name(CUresult rc)
{
	const struct cu_error *e = find(rc);

	return e ? e->name : "CUDA_ERROR_?";
}

/* Callable before cuInit, as the driver's; an unknown code: NULL and INVALID_VALUE. */
CUresult CUDAAPI cuGetErrorString(CUresult error, const char **pStr)
{
	const struct cu_error *e = find(error);

	if (!pStr)
		RET(CUDA_ERROR_INVALID_VALUE, "%d, NULL", (int)error);
	*pStr = e ? e->text : NULL;
	RET(e ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE, "%d", (int)error);
}

CUresult CUDAAPI cuGetErrorName(CUresult error, const char **pStr)
{
	const struct cu_error *e = find(error);

	if (!pStr)
		RET(CUDA_ERROR_INVALID_VALUE, "%d, NULL", (int)error);
	*pStr = e ? e->name : NULL;
	RET(e ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE, "%d", (int)error);
}

/* A local failure of libvgpufront (-errno). */
static CUresult from_errno(int rc)
{
	switch (rc) {
	case -EINVAL:
	case -ERANGE:
	case -EOVERFLOW:
		return CUDA_ERROR_INVALID_VALUE;
	case -ENOMEM:
	case -ENOSPC:
		return CUDA_ERROR_OUT_OF_MEMORY;
	case -EOPNOTSUPP:
		return CUDA_ERROR_NOT_SUPPORTED;
	case -ETIMEDOUT:
		return CUDA_ERROR_TIMEOUT;
	case -EPIPE:
	case -EPROTO:
	case -ENODEV:
	case -ENOTCONN:
		/* The device is gone or failed: nothing this process holds lives on. */
		return CUDA_ERROR_DEVICE_UNAVAILABLE;
	default:
		return CUDA_ERROR_UNKNOWN;
	}
}

CUresult cu_status(int rc)
{
	if (!rc)
		return CUDA_SUCCESS;
	if (!vgpufront_is_status(rc))
		return from_errno(rc);
	switch (rc + VGPUFRONT_STATUS_BASE) {
	case VGPU_EINVAL:
	case VGPU_EBADBUF:
	case VGPU_ERANGE:
	case VGPU_EACCES:
	case VGPU_EEXIST:
	case VGPU_EOVERFLOW:
	case VGPU_EBADPTR:	/* not inside a live allocation: as the driver's */
		return CUDA_ERROR_INVALID_VALUE;
	case VGPU_ENOSYS:
		return CUDA_ERROR_NOT_SUPPORTED;
	case VGPU_ENOMEM:
	case VGPU_EGRANT:
		return CUDA_ERROR_OUT_OF_MEMORY;
	case VGPU_ETIMEDOUT:
		return CUDA_ERROR_LAUNCH_TIMEOUT;
	case VGPU_ELOST:
	case VGPU_ERESET:
	case VGPU_ESESSION:
		return CUDA_ERROR_CONTEXT_IS_DESTROYED;
	case VGPU_ESHUTDOWN:
		return CUDA_ERROR_DEINITIALIZED;
	case VGPU_ENOENT:
		return CUDA_ERROR_NOT_FOUND;
	case VGPU_EIMAGE:
		return CUDA_ERROR_INVALID_IMAGE;
	case VGPU_ELAUNCH:
		return CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES;
	case VGPU_EFAULT:
		return CUDA_ERROR_ILLEGAL_ADDRESS;
	case VGPU_ENOTREADY:
		return CUDA_ERROR_NOT_READY;
	default:	/* VGPU_EIO, VGPU_EBUSY, a status newer than this library */
		return CUDA_ERROR_UNKNOWN;
	}
}

CUresult cu_status_handle(int rc)
{
	return rc == VGPUFRONT_E(VGPU_ENOENT) ? CUDA_ERROR_INVALID_HANDLE : cu_status(rc);
}

CUresult cu_status_image(int rc, bool ptx)
{
	if (rc == VGPUFRONT_E(VGPU_EIMAGE))
		return ptx ? CUDA_ERROR_INVALID_PTX : CUDA_ERROR_INVALID_IMAGE;
	return cu_status(rc);
}
