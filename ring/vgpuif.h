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
#define VGPU_OP_MAX            13

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
#define VGPU_ELAST      -17

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
	uint32_t stream;		/* must be 0 (the session's stream) */
	uint32_t _pad;
};

struct vgpuif_memcpy_dtod_req {
	uint64_t dst;
	uint64_t src;			/* the ranges may not overlap */
	uint64_t bytes;
	uint32_t stream;		/* must be 0 */
	uint32_t _pad;
};

struct vgpuif_memset_req {
	uint64_t dptr;			/* aligned to elem */
	uint64_t count;			/* elements */
	uint32_t value;			/* the low elem bytes are stored */
	uint8_t  elem;			/* 1, 2 or 4 */
	uint8_t  _pad[3];
	uint32_t stream;		/* must be 0 */
	uint32_t _pad2;
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

struct vgpuif_response {
	uint64_t id;			/* the request's id */
	int32_t  status;		/* VGPU_OK or VGPU_E* */
	uint8_t  op;			/* the request's op (0 if it was unreadable) */
	uint8_t  _pad0[3];
	uint64_t queue_ns;		/* arrival to dispatch */
	uint64_t exec_ns;		/* dispatch to completion */
	union {
		int64_t scalar;		/* SCALAR_ADD */
		struct vgpuif_query_result query;
		uint8_t raw[32];
	} result;
};

DEFINE_RING_TYPES(vgpuif, struct vgpuif_request, struct vgpuif_response);

/* Ring slots for a ring of 2^order pages. */
#define VGPUIF_RING_SIZE(order) \
	__CONST_RING_SIZE(vgpuif, VGPUIF_PAGE_SIZE << (order))

#endif /* VGPUIF_H */
