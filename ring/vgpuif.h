/* SPDX-License-Identifier: MIT */
/*
 * vgpuif.h: the xen-vgpu split-driver wire protocol.
 *
 * Contract (in the style of <xen/io/blkif.h>):
 *  - One shared ring of 2^ring-page-order pages, typed with Xen's
 *    DEFINE_RING_TYPES; every slot is 64 bytes, little-endian, fixed layout.
 *  - Bulk data never travels in a slot.  The frontend registers buffers once
 *    (VGPU_OP_BUF_REGISTER: the grant refs of the data pages reach the
 *    backend through a two-level indirect list, as blkif indirect segments
 *    do) and later requests name them by handle + byte offset, so the backend
 *    maps and registers guest memory once per buffer ("persistent grants").
 *  - Every response echoes the request id, carries a status (VGPU_OK or a
 *    negative VGPU_E* code) and the ns the request spent queued and executing.
 *  - The backend copies each request out of the ring once and validates the
 *    copy (vgpuif_copy_request); it never reads a slot field twice.
 *
 * This header includes only Xen's public headers and <stdint.h>/<stddef.h>.
 */
#ifndef VGPUIF_H
#define VGPUIF_H

#include <stddef.h>
#include <stdint.h>

/* User space has no hypervisor barriers: give ring.h C11 fences. */
#ifndef __XEN_INTERFACE_VERSION__
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#endif
#ifndef xen_mb
#define xen_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#endif
#include <xen/io/ring.h>

/*
 * Version 2 adds sessions, device memory and copies (below); a version 1
 * frontend never sends them and works as before.  The backend advertises
 * its version in feature-protocol-version and QUERY.
 */
#define VGPUIF_PROTOCOL_VERSION   2
#define VGPUIF_PROTOCOL_NAME      "x86_64-abi"	/* value of the "protocol" node */
#define VGPUIF_PAGE_SIZE          4096u
#define VGPUIF_MAX_RING_PAGE_ORDER 4		/* 16 pages, 512 slots */
#define VGPUIF_GREFS_PER_PAGE     (VGPUIF_PAGE_SIZE / sizeof(uint32_t))

/* Largest buffer one registration can describe (two indirect levels). */
#define VGPUIF_MAX_BUF_PAGES      (VGPUIF_GREFS_PER_PAGE * VGPUIF_GREFS_PER_PAGE)
/* Largest vector one request may name: 2^28 floats = 1 GiB per operand. */
#define VGPUIF_MAX_VECTOR_ELEMS   (1ull << 28)

/* Operations. */
#define VGPU_OP_NOP            0	/* ping: no payload, no work */
#define VGPU_OP_QUERY          1	/* what the backend and its GPUs offer */
#define VGPU_OP_SCALAR_ADD     2	/* result.scalar = a + b (int64) */
#define VGPU_OP_VECTOR_ADD     3	/* c[i] = a[i] + b[i], float32, n elems */
#define VGPU_OP_BUF_REGISTER   4	/* map a guest buffer once, name it by handle */
#define VGPU_OP_BUF_UNREGISTER 5	/* forget a handle; the backend unmaps it */
/*
 * Version 2.  Every request below but SESSION_OPEN names its session in
 * request.session (version 1 ops leave it 0).  A session's objects (device
 * memory) belong to it: closing it, closing the device or the guest's death
 * frees them.  Device addresses are the GPU's own, in the guest's own
 * context; the backend checks every range against the session's
 * allocations.  Copies and memsets go through the one priority queue.
 */
#define VGPU_OP_SESSION_OPEN   6	/* on GPU u.session_open.gpu: result.scalar = id */
#define VGPU_OP_SESSION_CLOSE  7	/* frees everything the session holds */
#define VGPU_OP_MEM_ALLOC      8	/* result.scalar = device address (256-aligned) */
#define VGPU_OP_MEM_FREE       9
#define VGPU_OP_MEMCPY_HTOD    10	/* guest buffer -> device memory */
#define VGPU_OP_MEMCPY_DTOH    11	/* device memory -> guest buffer */
#define VGPU_OP_MEMCPY_DTOD    12
#define VGPU_OP_MEMSET         13	/* count elements of 1, 2 or 4 bytes */
/*
 * Modules and launches (the CUDA executor; the CPU executor answers
 * VGPU_ENOSYS).  Module and function handles are vgpuback's, per device,
 * never reused while the device is connected.  A module's functions die
 * with it; MODULE_UNLOAD and SESSION_CLOSE take effect for later requests
 * at once, and the module goes once no queued or running launch names it.
 */
#define VGPU_OP_MODULE_LOAD    14	/* PTX, cubin or fatbin: result.scalar = module */
#define VGPU_OP_MODULE_UNLOAD  15
#define VGPU_OP_FUNC_GET       16	/* result.func; layout into a buffer */
#define VGPU_OP_LAUNCH         17	/* a kernel on the session's stream */
#define VGPU_OP_DEVICE_INFO    18	/* a GPU as cuDeviceGet* see it, into a buffer */
/*
 * Streams: a session's requests run in order on the stream they name (0:
 * the session's own); requests of different streams may run side by side.
 * Stream ids are vgpuback's, per session, never reused in it.
 */
#define VGPU_OP_STREAM_CREATE  19	/* result.scalar = stream id */
#define VGPU_OP_STREAM_DESTROY 20	/* later requests naming it: VGPU_ENOENT */
#define VGPU_OP_STREAM_SYNC    21	/* answered once all before it on the stream ran */
/*
 * Events (cuEvent*): RECORD marks a point of a stream; the event is complete
 * once the work before that point ran (an event never recorded is
 * complete).  QUERY, SYNC and ELAPSED concern its latest RECORD.  Event ids
 * are vgpuback's, per device, never reused while it is connected.
 */
#define VGPU_OP_EVENT_CREATE   22	/* u.event.flags: result.scalar = event id */
#define VGPU_OP_EVENT_DESTROY  23	/* a RECORD in flight still completes */
#define VGPU_OP_EVENT_RECORD   24	/* on u.event.stream */
#define VGPU_OP_EVENT_QUERY    25	/* result.scalar: 1 complete, 0 not yet */
#define VGPU_OP_EVENT_SYNC     26	/* answered once the event is complete */
#define VGPU_OP_EVENT_ELAPSED  27	/* result.scalar = end - start, nanoseconds */
/* A module's global (__device__, __constant__): result.global (see FUNC_GET). */
#define VGPU_OP_GLOBAL_GET     28
#define VGPU_OP_MAX            28

/* Request flags (request.flags). */
#define VGPU_REQ_F_QUERY_TEXT  0x01	/* QUERY: also write text into query.out */
#define VGPU_REQ_F_TEST_FAULT  0x80	/* test-only: executor faults (if enabled) */
#define VGPU_REQ_F_ALL         (VGPU_REQ_F_QUERY_TEXT | VGPU_REQ_F_TEST_FAULT)

/* BUF_REGISTER flags. */
#define VGPU_BUF_F_READONLY    0x1	/* granted read-only: input operands only */
#define VGPU_BUF_F_ALL         VGPU_BUF_F_READONLY

/* Status codes (response.status).  Fixed numbers: part of the ABI. */
#define VGPU_OK          0
#define VGPU_EINVAL     -1	/* malformed request */
#define VGPU_ENOSYS     -2	/* unknown op */
#define VGPU_EBADBUF    -3	/* no such buffer handle */
#define VGPU_ERANGE     -4	/* offset/length outside the buffer, or overflow */
#define VGPU_EACCES     -5	/* output into a read-only buffer */
#define VGPU_ENOMEM     -6	/* a per-domain limit or memory ran out */
#define VGPU_EBUSY      -7	/* too many requests in flight for this domain */
#define VGPU_EIO        -8	/* executor or GPU error */
#define VGPU_ERESET     -9	/* GPU context was reset while this ran */
#define VGPU_ESHUTDOWN  -10	/* backend is closing the device */
#define VGPU_EEXIST     -11	/* buffer handle already registered */
#define VGPU_EGRANT     -12	/* grant refs could not be mapped */
#define VGPU_EOVERFLOW  -13	/* arithmetic result does not fit */
#define VGPU_ETIMEDOUT  -14	/* past its pool's deadline: the guest's worker was killed */
#define VGPU_ELOST      -15	/* the guest's worker died: its GPU state is gone */
#define VGPU_ESESSION   -16	/* no such session on this device */
#define VGPU_EBADPTR    -17	/* not inside a live allocation of the session */
#define VGPU_ENOENT     -18	/* no such module or function (name) in the session */
#define VGPU_EIMAGE     -19	/* the GPU's driver refused the module image */
#define VGPU_ELAUNCH    -20	/* the driver refused the launch (shape, resources) */
#define VGPU_EFAULT     -21	/* a kernel of the guest faulted: its GPU state is gone */
#define VGPU_ENOTREADY  -22	/* EVENT_ELAPSED: an event's work has not run yet */
#define VGPU_ELAST      -22

/* A byte range inside a registered buffer. */
struct vgpuif_bufref {
	uint32_t handle;
	uint32_t offset;		/* bytes from the buffer's start */
};

struct vgpuif_scalar_add_req {
	int64_t a;
	int64_t b;
};

struct vgpuif_vector_add_req {
	uint64_t n;			/* float32 elements in a, b and c */
	struct vgpuif_bufref a;
	struct vgpuif_bufref b;
	struct vgpuif_bufref c;		/* written: buffer must be writable */
};

struct vgpuif_query_req {
	struct vgpuif_bufref out;	/* with VGPU_REQ_F_QUERY_TEXT */
	uint32_t out_len;		/* bytes the backend may write, NUL included */
	uint32_t _pad;
};

/*
 * BUF_REGISTER: dir_gref is one page (granted read-only is enough) holding
 * ceil(nr_pages / 1024) grant refs of indirect pages; each indirect page
 * holds up to 1024 grant refs of the buffer's data pages, in order.
 */
struct vgpuif_buf_register_req {
	uint32_t handle;		/* chosen by the frontend, unique per device */
	uint32_t nr_pages;		/* 1 .. VGPUIF_MAX_BUF_PAGES */
	uint32_t dir_gref;
	uint32_t flags;			/* VGPU_BUF_F_* */
};

struct vgpuif_buf_unregister_req {
	uint32_t handle;
	uint32_t _pad;
};

struct vgpuif_session_open_req {
	uint32_t gpu;			/* 0 .. ngpus - 1 (0 on the CPU executor) */
	uint32_t flags;			/* must be zero */
};

/* Largest single allocation: 1 TiB (a GPU's memory, with room). */
#define VGPUIF_MAX_ALLOC (1ull << 40)

struct vgpuif_mem_alloc_req {
	uint64_t bytes;			/* 1 .. VGPUIF_MAX_ALLOC */
};

struct vgpuif_mem_free_req {
	uint64_t dptr;			/* an allocation's address, as returned */
};

/* MEMCPY_HTOD (buf is read) and MEMCPY_DTOH (buf is written). */
struct vgpuif_memcpy_req {
	uint64_t dptr;			/* device side */
	uint64_t bytes;			/* 1 .. the buffer's size */
	struct vgpuif_bufref buf;	/* guest side */
	uint32_t stream;		/* 0 (the session's) or a STREAM_CREATE id */
	uint32_t _pad;
};

struct vgpuif_memcpy_dtod_req {
	uint64_t dst;
	uint64_t src;			/* the ranges may not overlap */
	uint64_t bytes;
	uint32_t stream;		/* as memcpy's */
	uint32_t _pad;
};

struct vgpuif_memset_req {
	uint64_t dptr;			/* aligned to elem */
	uint64_t count;			/* elements */
	uint32_t value;			/* the low elem bytes are stored */
	uint8_t  elem;			/* 1, 2 or 4 */
	uint8_t  _pad[3];
	uint32_t stream;		/* as memcpy's */
	uint32_t _pad2;
};

/* Bounds of modules and launches. */
#define VGPUIF_MAX_IMAGE       (64u << 20)	/* bytes of one module image */
#define VGPUIF_MAX_NAME        256u		/* bytes of a kernel's (mangled) name */
#define VGPUIF_MAX_PARAM_BYTES 32764u		/* CUDA 12.1+: a kernel's parameters */
#define VGPUIF_MAX_BLOCK       1024u		/* threads per block */
#define VGPUIF_MAX_GRID_Y      65535u		/* and z */
#define VGPUIF_MAX_SHMEM       (256u << 10)	/* dynamic shared memory, bytes */

/* MODULE_LOAD: the image (PTX text need not end in NUL) lies in a buffer. */
struct vgpuif_module_load_req {
	struct vgpuif_bufref image;
	uint32_t bytes;			/* 1 .. VGPUIF_MAX_IMAGE */
	uint32_t flags;			/* must be zero */
};

struct vgpuif_module_unload_req {
	uint64_t module;
};

/*
 * FUNC_GET: the kernel named (name_len bytes, no NUL) in a module.  Its
 * parameter layout, one struct vgpuif_param per parameter in order, goes
 * into the layout buffer as far as layout_len allows (0: not wanted);
 * result.func says how many there are and the bytes a launch must pass.
 */
struct vgpuif_func_get_req {
	uint64_t module;
	struct vgpuif_bufref name;
	uint32_t name_len;		/* 1 .. VGPUIF_MAX_NAME */
	uint32_t layout_len;		/* bytes; a multiple of sizeof(vgpuif_param) */
	struct vgpuif_bufref layout;
};

/*
 * GLOBAL_GET: the global variable named (name_len bytes, no NUL) in a
 * module: result.global says where it lies and how many bytes it has.
 * Until its module is unloaded (MODULE_UNLOAD, SESSION_CLOSE) that range
 * is the session's as an allocation is, for MEMCPY_* and MEMSET (never
 * for MEM_FREE); afterwards it is VGPU_EBADPTR.  A name the module does
 * not define: VGPU_ENOENT.
 */
struct vgpuif_global_get_req {
	uint64_t module;
	struct vgpuif_bufref name;
	uint32_t name_len;		/* 1 .. VGPUIF_MAX_NAME */
	uint32_t _pad;			/* must be zero */
};

struct vgpuif_param {
	uint32_t offset;		/* bytes into the parameter blob */
	uint32_t size;
};

/*
 * LAUNCH: the parameter blob is packed as FUNC_GET's layout says (each
 * parameter at its offset) and is exactly param_bytes long; it is read
 * from the buffer when the launch is made (0 bytes: no buffer).
 */
struct vgpuif_launch_req {
	uint64_t func;
	uint32_t grid[3];		/* x: 1 .. 2^31 - 1; y, z: 1 .. 65535 */
	uint16_t block[3];		/* product 1 .. VGPUIF_MAX_BLOCK */
	uint16_t _pad;
	uint32_t shmem;			/* dynamic shared memory bytes */
	uint32_t stream;		/* as memcpy's */
	struct vgpuif_bufref params;
	uint32_t params_len;
};

/*
 * DEVICE_INFO: what cuDeviceGetName, cuDeviceGetUuid, cuDeviceTotalMem and
 * cuDeviceGetAttribute (every attribute below VGPUIF_DEVICE_ATTRS) answer
 * for GPU @gpu, written into the buffer (struct vgpuif_device_info).  The
 * CPU executor has no GPU: VGPU_ENOSYS.
 */
#define VGPUIF_DEVICE_ATTRS 160

struct vgpuif_device_info_req {
	struct vgpuif_bufref out;	/* writable, sizeof(struct vgpuif_device_info) */
	uint32_t gpu;			/* 0 .. ngpus - 1 */
	uint32_t _pad;
};

struct vgpuif_device_info {
	char name[256];			/* NUL-terminated */
	uint8_t uuid[16];
	uint64_t total_mem;		/* bytes */
	int32_t driver_version;		/* the host's: 13000 is CUDA 13.0 */
	uint32_t nattrs;		/* VGPUIF_DEVICE_ATTRS */
	int32_t attrs[VGPUIF_DEVICE_ATTRS];	/* [CUdevice_attribute]; 0: the driver has none */
};

/* STREAM_DESTROY and STREAM_SYNC (STREAM_CREATE has no payload). */
struct vgpuif_stream_req {
	uint32_t stream;		/* DESTROY: not 0; SYNC: 0 is the session's */
	uint32_t _pad;
};

/* EVENT_CREATE flags (CUDA's CU_EVENT_* values). */
#define VGPU_EVENT_F_BLOCKING_SYNC  0x1	/* accepted; the guest decides how it waits */
#define VGPU_EVENT_F_DISABLE_TIMING 0x2	/* EVENT_ELAPSED refuses it (VGPU_EINVAL) */
#define VGPU_EVENT_F_ALL            (VGPU_EVENT_F_BLOCKING_SYNC | VGPU_EVENT_F_DISABLE_TIMING)

/*
 * EVENT_CREATE (flags only), EVENT_DESTROY, EVENT_RECORD (stream: 0 or a
 * STREAM_CREATE id), EVENT_QUERY and EVENT_SYNC (event only; the rest 0).
 */
struct vgpuif_event_req {
	uint64_t event;
	uint32_t stream;
	uint32_t flags;			/* VGPU_EVENT_F_* */
};

/* EVENT_ELAPSED: both recorded, complete, with timing, of one session. */
struct vgpuif_event_elapsed_req {
	uint64_t start;
	uint64_t end;
};

struct vgpuif_request {
	uint64_t id;			/* opaque, echoed in the response */
	uint8_t  op;			/* VGPU_OP_* */
	uint8_t  flags;			/* VGPU_REQ_F_* */
	uint16_t _pad0;			/* must be zero */
	uint32_t session;		/* version 2 ops; 0 for the others */
	union {
		struct vgpuif_scalar_add_req scalar_add;
		struct vgpuif_vector_add_req vector_add;
		struct vgpuif_query_req query;
		struct vgpuif_buf_register_req buf_register;
		struct vgpuif_buf_unregister_req buf_unregister;
		struct vgpuif_session_open_req session_open;
		struct vgpuif_mem_alloc_req mem_alloc;
		struct vgpuif_mem_free_req mem_free;
		struct vgpuif_memcpy_req memcpy;
		struct vgpuif_memcpy_dtod_req memcpy_dtod;
		struct vgpuif_memset_req memset;
		struct vgpuif_module_load_req module_load;
		struct vgpuif_module_unload_req module_unload;
		struct vgpuif_func_get_req func_get;
		struct vgpuif_launch_req launch;
		struct vgpuif_device_info_req device_info;
		struct vgpuif_stream_req stream;
		struct vgpuif_event_req event;
		struct vgpuif_event_elapsed_req event_elapsed;
		struct vgpuif_global_get_req global_get;
		uint8_t raw[48];
	} u;
};

/* QUERY result, in response.result.query. */
#define VGPU_EXEC_CPU   0
#define VGPU_EXEC_CUDA  1

#define VGPU_PATH_CPU       0	/* CPU executor reads mapped pages directly */
#define VGPU_PATH_DMA       1	/* GPU DMA from registered guest pages */
#define VGPU_PATH_STAGING   2	/* one copy through pinned staging buffers */

struct vgpuif_query_result {
	uint16_t version;		/* VGPUIF_PROTOCOL_VERSION */
	uint8_t  executor;		/* VGPU_EXEC_* */
	uint8_t  path;			/* VGPU_PATH_* */
	uint16_t ngpus;
	uint16_t slots;			/* executor slots (concurrent requests) */
	uint64_t gpu_mem_total;		/* bytes, summed over GPUs; 0 for CPU */
	uint32_t max_inflight;		/* per-domain in-flight cap */
	uint32_t max_buf_pages;		/* per-domain registered-page cap */
	uint32_t ring_size;		/* slots in this device's ring */
	uint32_t _pad;
};

struct vgpuif_func_result {
	uint64_t func;			/* the handle LAUNCH names */
	uint32_t nparams;
	uint32_t param_bytes;		/* a launch's params_len, exactly */
};

struct vgpuif_global_result {
	uint64_t dptr;			/* device address, in the session's context */
	uint64_t bytes;			/* 1 or more */
};

struct vgpuif_response {
	uint64_t id;			/* the request's id */
	int32_t  status;		/* VGPU_OK or VGPU_E* */
	uint8_t  op;			/* the request's op (0 if it was unreadable) */
	uint8_t  _pad0[3];
	uint64_t queue_ns;		/* arrival to dispatch */
	uint64_t exec_ns;		/* dispatch to completion */
	union {
		int64_t scalar;		/* SCALAR_ADD, SESSION_OPEN, MEM_ALLOC, MODULE_LOAD, EVENT_* */
		struct vgpuif_query_result query;
		struct vgpuif_func_result func;	/* FUNC_GET */
		struct vgpuif_global_result global;	/* GLOBAL_GET */
		uint8_t raw[32];
	} result;
};

DEFINE_RING_TYPES(vgpuif, struct vgpuif_request, struct vgpuif_response);

/* Ring slots for a ring of 2^order pages. */
#define VGPUIF_RING_SIZE(order) \
	__CONST_RING_SIZE(vgpuif, VGPUIF_PAGE_SIZE << (order))

#endif /* VGPUIF_H */
