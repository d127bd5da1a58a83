/* SPDX-License-Identifier: MIT */
/*
 * cuda_priv.h: the guest libcuda.so.1 (libcuda-vgpu(7)), the CUDA driver
 * API over the ring through libvgpufront.
 *
 * The model:
 *  - cuInit opens one vgpufront device (device/vgpu/$VGPU_CUDA_DEVICE,
 *    default 0) for the process; its GPUs (QUERY's ngpus) are the CUdevice
 *    ordinals.  The CPU executor has no GPU but holds device memory: it is
 *    one device that answers memory, stream and event calls and refuses the
 *    GPU-only ones (attributes, modules) with CUDA_ERROR_NOT_SUPPORTED.
 *  - A context is a session; the primary context of a device is one
 *    refcounted session.  Modules, functions, streams and events belong to
 *    the context (session) that made them.
 *  - Launches are queued and do not wait (cuda_async.c); every other call
 *    that reaches the backend first waits for the launches in flight, then
 *    returns once the backend answered, so the Async copies complete before
 *    they return.  Host memory goes through one registered staging buffer.
 *  - One lock (cu.lock) around the device and every object list: a
 *    vgpufront handle is not thread-safe.
 *
 * The handle types are cuda.h's opaque structs, defined here.
 */
#ifndef VGPU_CUDA_PRIV_H
#define VGPU_CUDA_PRIV_H

#include <cuda.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vgpufront.h"

struct CUctx_st {
	struct CUctx_st *next;		/* cu.ctxs */
	uint32_t session;
	CUdevice dev;
	unsigned flags;
	bool primary;
	struct CUmod_st *mods;
	struct CUstream_st *streams;
	struct CUevent_st *events;
	CUresult async_err;		/* a queued launch's, for the next call */
};

struct CUmod_st {
	struct CUmod_st *next;
	CUcontext ctx;
	uint64_t handle;
	struct CUfunc_st *funcs;
};

struct CUfunc_st {
	struct CUfunc_st *next;
	CUmodule mod;
	struct vgpufront_func f;
	char name[];
};

struct CUstream_st {
	struct CUstream_st *next;
	CUcontext ctx;
	uint32_t id;
	unsigned flags;
	int priority;
};

struct CUevent_st {
	struct CUevent_st *next;
	CUcontext ctx;
	uint64_t id;
	unsigned flags;
};

struct cu_device {
	bool has_info;
	struct vgpuif_device_info info;
	CUcontext primary;		/* NULL while not retained */
	CUcontext dormant;		/* the primary after its reset, kept for reuse */
	unsigned primary_refs;
	unsigned primary_flags;
};

/* Launches in flight (cuda_async.c). */
#define CU_ASYNC_MAX      64		/* at most, and half the ring */
#define CU_ASYNC_MAX_BLOB 4096u		/* larger parameter blobs launch waiting */

struct cu_async_ent {
	uint64_t id;			/* the request's */
	CUcontext ctx;
	uint32_t stream;		/* the session's stream id, 0: the NULL stream */
	bool blocking;			/* it synchronises with the NULL stream */
	uint64_t end;			/* its blob's end in the blob ring */
	bool done;
};

struct cu_async {
	struct vgpufront_buf *buf;	/* the blob ring */
	uint64_t head, tail, resv_end;	/* byte positions, only growing */
	struct cu_async_ent ent[CU_ASYNC_MAX];	/* submit order */
	unsigned first, n;		/* ent[] in use, answered or not */
	unsigned pending;		/* of them not answered */
};

struct cu_state {
	pthread_mutex_t lock;
	bool inited;
	bool gpu;			/* the backend's executor is CUDA */
	struct vgpufront *dev;
	unsigned devid;
	struct vgpuif_query_result q;
	int ndevs;
	struct cu_device *devs;
	struct CUctx_st *ctxs;
	struct vgpufront_buf *staging;	/* host <-> device copies */
	struct cu_host *hosts;		/* granted page-locked host memory */
	size_t staging_len;
	struct vgpufront_buf *params;	/* launch parameter blobs */
	int trace;			/* $VGPU_CUDA_TRACE */
	bool launch_blocking;		/* $CUDA_LAUNCH_BLOCKING=1 */
	struct cu_async async;
};

extern struct cu_state cu;

/* The CPU executor's one device has this name. */
#define CU_CPU_NAME "xen-vgpu CPU executor (no GPU)"
/* What cuDriverGetVersion says when the host's driver does not tell. */
#define CU_CPU_DRIVER_VERSION 13000

void cu_lock(void);
void cu_unlock(void);

/*
 * Every entry point returns through cu_ret(): with VGPU_CUDA_TRACE=1 one
 * line on stderr, the call's name, its arguments and its result.
 */
CUresult cu_ret(const char *fn, CUresult rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define RET(rc, ...) return cu_ret(__func__, (rc), __VA_ARGS__)
#define RET0(rc) return cu_ret(__func__, (rc), "%s", "")

/* CUDA_ERROR_* name of @rc, never NULL (the table of cuGetErrorName). */
const char *cu_error_name(CUresult rc);

/* A libvgpufront return code as a CUresult; the *_as forms name what the
 * request was about, where VGPU_ENOENT or VGPU_EIMAGE mean different things. */
CUresult cu_status(int rc);
CUresult cu_status_handle(int rc);	/* VGPU_ENOENT: CUDA_ERROR_INVALID_HANDLE */
CUresult cu_status_image(int rc, bool ptx);	/* VGPU_EIMAGE: INVALID_PTX or _IMAGE */

/* Under the lock: CUDA_ERROR_NOT_INITIALIZED before cuInit succeeded. */
CUresult cu_check_init(void);
/* Under the lock: the device's info (a GPU executor only), fetched once. */
CUresult cu_device_info(CUdevice d, const struct vgpuif_device_info **info);
CUresult cu_check_device(CUdevice d);

/* Under the lock: the calling thread's current context, checked alive. */
CUresult cu_current(CUcontext *ctx);
bool cu_ctx_live(CUcontext ctx);
/* Under the lock: a new context (session) on @d, not made current. */
CUresult cu_ctx_new(CUdevice d, unsigned flags, bool primary, CUcontext *out);
/* Under the lock: close the session, free everything of @ctx. */
CUresult cu_ctx_free(CUcontext ctx);
/* Under the lock: the stream id @s names in @ctx's session. */
CUresult cu_stream_id(CUcontext ctx, CUstream s, uint32_t *id);
/* Whether work on @s waits for the NULL stream's and it for @s's (CUDA's legacy stream). */
bool cu_stream_blocking(CUstream s);
/* Under the lock: @ctx's objects freed with it (modules, streams, events). */
void cu_modules_free(CUcontext ctx);
bool cu_module_live(CUmodule m);
void cu_streams_free(CUcontext ctx);
void cu_events_free(CUcontext ctx);

/* Under the lock: the buffers, allocated on first use. */
CUresult cu_staging(void);
/*
 * Under the lock, queued launches drained: @n bytes between host and
 * device (cuda_copy.c), without staging where the host side lies in
 * granted page-locked memory (cu_host_find: its buffer and offset).
 */
CUresult cu_copy_htod(CUcontext ctx, uint64_t dst, const void *src, size_t n);
CUresult cu_copy_dtoh(CUcontext ctx, void *dst, uint64_t src, size_t n);
const struct vgpufront_buf *cu_host_find(const void *p, size_t n, size_t *off);
void cu_hosts_forget(void);
CUresult cu_params_buf(void);

/*
 * cuda_async.c, all under the lock.  cu_drain: wait for every launch in
 * flight, then @ctx's error from one of them, once (call it before any
 * other request reaches the backend).  cu_async_reserve: room for one more
 * launch and @len blob bytes (write the blob at *@blob); cu_async_submit:
 * queue it.  cu_async_blocking: this launch must wait instead.
 */
CUresult cu_drain(CUcontext ctx);
CUresult cu_async_reserve(uint32_t len, void **blob, uint32_t *off);
CUresult cu_async_submit(CUcontext ctx, struct vgpufront_launch *l, bool blocking);
/*
 * cu_async_order: before queuing on stream @sid (@blocking: it synchronises
 * with the NULL stream), wait for the queued work CUDA's legacy NULL stream
 * puts before it.
 */
CUresult cu_async_order(CUcontext ctx, uint32_t sid, bool blocking);
bool cu_async_blocking(uint32_t param_bytes);
void cu_async_reset(void);

/* cuda_cpudev.c: under the lock, the CPU executor's device described as a
 * GPU's DEVICE_INFO would describe it (a nominal device, no architecture). */
void cu_cpu_device_info(struct vgpuif_device_info *info);

/* cuda_export.c: without the lock, after the context @key names was destroyed: cudart's
 * context-local values of it destroyed and forgotten. */
void cu_cls_ctx_gone(uintptr_t key);

/* cuda_procaddr.c: the function exported as @name for @version, or NULL. */
void *cu_proc_lookup(const char *name, int version, bool per_thread, int *status);

#endif /* VGPU_CUDA_PRIV_H */
