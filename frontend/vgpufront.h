/* SPDX-License-Identifier: MIT */
/*
 * vgpufront.h: libvgpufront, the guest side of xen-vgpu.
 * #include <xen-vgpu/vgpufront.h>; build with
 * `pkg-config --cflags --libs libvgpufront`.
 *
 * Contract:
 *  - vgpufront_open() connects device/vgpu/<devid> through the xenbus
 *    handshake (vgpu-xenstore(7)) and returns once the backend is Connected.
 *  - Buffers are guest pages granted to the backend and registered once
 *    (VGPU_OP_BUF_REGISTER); requests name them by handle and offset.
 *  - vgpufront_submit() queues a request without waiting (the library sets
 *    its id); vgpufront_poll() returns responses as they come.  The sync
 *    helpers submit one request and wait for its response; responses to
 *    other requests that arrive meanwhile are kept for the next poll.
 *  - Return values never mix two meanings.  A call returns 0 on success,
 *    a negative errno value (-1 .. -999) for a local failure, or, for the
 *    sync helpers, the request's VGPU_E* protocol status moved out of errno's
 *    range: VGPUFRONT_E(VGPU_EBUSY) is -1007 (vgpufront_is_status() tells
 *    them apart, vgpufront_strerror() has the text of both).  The responses
 *    vgpufront_poll() hands out keep the wire's VGPU_OK / VGPU_E* in
 *    rsp.status: vgpufront_status() turns one into a return code.
 *  - The backend is not trusted (it may run in a driver domain): a response
 *    producer index the ring cannot hold (RING_RESPONSE_PROD_OVERFLOW), or
 *    a response whose id is not one of ours outstanding (never asked, or
 *    answered already), fails the device: vgpufront_connected() is false,
 *    every later call returns -EPROTO, vgpufront_fault() says why and one
 *    line goes to stderr.  Each response is copied out of the ring once and
 *    only the copy is checked and used.
 *  - The library never recreates a device directory the toolstack removed
 *    (a state change is a read-check-write in a XenStore transaction, as
 *    Linux's xenbus_switch_state does).
 *  - One handle is not thread-safe; use one per thread.
 *  - Two paths reach the device, behind the same calls.  Where the guest
 *    kernel driver xen-vgpufront is loaded and its /dev/vgpu<devid> opens
 *    (vgpu(4)), the handle is one open file of that node: the driver does
 *    the handshake, grants the ring and the buffers (vgpufront_buf.addr
 *    is then the driver's pages, mapped), survives save/restore, and lets
 *    members of the vgpu group in.  Where it does not, the library does it
 *    all in this process through gntalloc and evtchn (root only).
 *    $VGPUFRONT_PATH picks: auto (unset or empty: the driver's node when it
 *    opens, else user space), kernel (only the node: vgpufront_open fails
 *    and says why without it) or user (never the node).
 *    vgpufront_path() says which one a handle took.  On the kernel path
 *    vgpufront_opts' ring_page_order and spin_us do not apply (the ring is
 *    the driver's, shared by all its users; waits are in the driver), and
 *    timeout_ms bounds the wait for the driver's connection and each sync
 *    call.
 *  - On the kernel path a handle holds at most one session at a time (the
 *    driver gives one per open file, and a request may only name buffers
 *    of its own file): a second vgpufront_session_open while one is open
 *    answers -EBUSY (open another handle for another session, with buffers
 *    of its own); requests naming another session are answered
 *    VGPU_ESESSION.  vgpufront_session_close frees the session's device
 *    memory, modules and streams at once when the handle holds no buffer
 *    and no request in flight, else as soon as the last buffer is freed
 *    and the last answer taken (or the handle closes); a session_open on
 *    the same GPU before that gets the same session back.  After the
 *    driver reconnected (xl save/restore, migration) the session is gone:
 *    its requests answer VGPU_ELOST; the buffers serve again.
 */
#ifndef VGPUFRONT_H
#define VGPUFRONT_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Installed as <xen-vgpu/vgpufront.h> beside vgpuif.h: the quotes find it
 * there first; in the tree, ring/ is on the include path.
 */
#include "vgpuif.h"

struct vgpufront;

/*
 * Protocol statuses as calls return them: VGPU_E* (-1 .. -999 on the wire)
 * minus 1000, so that they never meet a -errno.
 */
#define VGPUFRONT_STATUS_BASE	1000
#define VGPUFRONT_E(vgpu_status)	((vgpu_status) - VGPUFRONT_STATUS_BASE)

/* True when @rc is a protocol status (VGPUFRONT_E(VGPU_E*)), not a -errno. */
static inline bool vgpufront_is_status(int rc)
{
	return rc < -VGPUFRONT_STATUS_BASE && rc > -2 * VGPUFRONT_STATUS_BASE;
}

/*
 * A response's wire status (rsp.status) as a return code: 0 for VGPU_OK,
 * VGPUFRONT_E(s) for a VGPU_E* s, -EPROTO for a value no backend may send.
 */
static inline int vgpufront_status(int32_t wire)
{
	if (wire == 0)
		return 0;
	if (wire < 0 && wire > -VGPUFRONT_STATUS_BASE)
		return VGPUFRONT_E(wire);
	return -EPROTO;
}

struct vgpufront_opts {
	unsigned ring_page_order;	/* wanted; capped by the backend (default 2) */
	int timeout_ms;			/* handshake and sync calls (default 10000) */
	/*
	 * Waiting for a response, look at the ring for this many us before
	 * sleeping on the event channel: a wake-up costs several us, a GPU
	 * round trip is tens.  0: $VGPUFRONT_SPIN_US, else 200; < 0: never spin.
	 */
	int spin_us;
};

struct vgpufront_buf {
	void *addr;			/* the granted pages, writable locally */
	size_t len;			/* bytes asked for */
	uint32_t handle;		/* the backend's name for it */
	bool readonly;			/* the backend may only read it */
	unsigned npages;
};

#define VGPUFRONT_BUF_READONLY 0x1

struct vgpufront *vgpufront_open(unsigned devid,
				 const struct vgpufront_opts *opts,
				 char *err, size_t errlen);
void vgpufront_close(struct vgpufront *dev);

int vgpufront_fd(struct vgpufront *dev);	/* readable: poll() has news */
unsigned vgpufront_ring_size(const struct vgpufront *dev);
unsigned vgpufront_inflight(const struct vgpufront *dev);
bool vgpufront_connected(const struct vgpufront *dev);
uint32_t vgpufront_domid(const struct vgpufront *dev);

/* @status gets 0, a -errno or VGPUFRONT_E(VGPU_E*); NULL on failure. */
struct vgpufront_buf *vgpufront_buf_alloc(struct vgpufront *dev, size_t bytes,
					  unsigned flags, int *status);
int vgpufront_buf_free(struct vgpufront *dev, struct vgpufront_buf *buf);

/*
 * 0, -EAGAIN (ring full: poll first), -EPIPE (backend gone) or -EPROTO
 * (the backend broke the protocol).  Sets req->id.
 */
int vgpufront_submit(struct vgpufront *dev, struct vgpuif_request *req);
/*
 * Up to @max responses; waits up to @timeout_ms (-1: forever) for one.
 * Returns how many (0: none in time), -EPIPE or -EPROTO.  rsp.status is
 * the wire's VGPU_OK / VGPU_E*.
 */
int vgpufront_poll(struct vgpufront *dev, struct vgpuif_response *rsps,
		   unsigned max, int timeout_ms);

/*
 * Synchronous helpers: 0, VGPUFRONT_E(VGPU_E*) when the backend refused
 * the request, or -errno (-ETIMEDOUT, -EPIPE, -EPROTO, ...).  vgpufront_call
 * fills @rsp (wire status included) whenever a response came.
 */
int vgpufront_call(struct vgpufront *dev, struct vgpuif_request *req,
		   struct vgpuif_response *rsp);
int vgpufront_ping(struct vgpufront *dev);
int vgpufront_query(struct vgpufront *dev, struct vgpuif_query_result *q,
		    char *text, size_t textlen);
int vgpufront_scalar_add(struct vgpufront *dev, int64_t a, int64_t b,
			 int64_t *sum);
int vgpufront_vector_add(struct vgpufront *dev, uint64_t n,
			 const struct vgpufront_buf *a, uint32_t aoff,
			 const struct vgpufront_buf *b, uint32_t boff,
			 const struct vgpufront_buf *c, uint32_t coff,
			 struct vgpuif_response *rsp);

/*
 * The node @node of this device's backend directory in XenStore, as the
 * guest may read it: "pool" and "priority" are what the toolstack gave the
 * device (vgpu-xenstore(7)).  A plain name, no '/'.  0 with the value in
 * @buf, -ENOENT (no such node), -EACCES, -ENAMETOOLONG (@len too small),
 * -EINVAL (a bad name).  On the kernel path "pool", "priority" and
 * "feature-executor" come from the driver; the other nodes need XenStore,
 * which only root may read in a guest (-EACCES for the others).
 */
int vgpufront_backend_node(const struct vgpufront *dev, const char *node,
			   char *buf, size_t len);

/* Text for any return code above: 0, a -errno or VGPUFRONT_E(VGPU_E*). */
const char *vgpufront_strerror(int rc);

/*
 * @rc explained for a person, in @dev's context where it has one (may be
 * NULL): which grant limit a buffer ran into and how to raise it, what the
 * backend's refusal means, why the device failed.  Returns @buf.
 */
const char *vgpufront_explain(const struct vgpufront *dev, int rc, char *buf,
			      size_t len);

/* Why the device failed (a protocol error of the backend), or NULL. */
const char *vgpufront_fault(const struct vgpufront *dev);

/* The paths to the device (library version node VGPUFRONT_4). */
#define VGPUFRONT_PATH_USER	1	/* gntalloc and evtchn in this process */
#define VGPUFRONT_PATH_KERNEL	2	/* /dev/vgpuN of the xen-vgpufront driver */

/*
 * Which path @dev took: VGPUFRONT_PATH_KERNEL or VGPUFRONT_PATH_USER
 * (-EINVAL for NULL).  @node (may be NULL) gets the device node on the
 * kernel path ("/dev/vgpu0"), "" on the user path, cut to @len.
 */
int vgpufront_path(const struct vgpufront *dev, char *node, size_t len);

/*
 * Protocol version 2: sessions and device memory (library version node
 * VGPUFRONT_2).  Shaped like the CUDA driver API:
 *
 *   CUDA driver API          libvgpufront
 *   cuCtxCreate/Destroy      vgpufront_session_open/close
 *   cuMemAlloc/cuMemFree     vgpufront_mem_alloc/free
 *   cuMemcpyHtoD/DtoH/DtoD   vgpufront_memcpy_htod/dtoh/dtod
 *   cuMemsetD8/D16/D32       vgpufront_memset (elem 1, 2, 4)
 *
 * Contract, for every call below:
 *  - Synchronous: 0, VGPUFRONT_E(VGPU_E*) when the backend refused the
 *    request, or -errno, as the helpers above.  -EINVAL: a NULL argument
 *    (or an elem that does not fit its byte); nothing was sent.
 *  - -EOPNOTSUPP, without sending anything, when the backend speaks an
 *    older protocol (vgpufront_protocol_version() < 2).
 *  - A session belongs to this device (this handle's ring): its id means
 *    nothing on another device or to another guest (VGPU_ESESSION there).
 *    Closing the session, the device, or the guest's death frees all it
 *    holds.
 *  - Device addresses are the GPU's own, in this guest's own context; the
 *    backend checks every range against the session's live allocations
 *    (VGPU_EBADPTR: freed, never allocated, another session's or another
 *    guest's, or running past the allocation's end) and every guest buffer
 *    range against the buffer (VGPU_ERANGE).  Copies and memsets go through
 *    the backend's one priority queue and are complete when the call
 *    returns.
 *  - VGPU_ELOST: the guest's GPU worker died and the session's device
 *    memory with it; VGPU_ETIMEDOUT: the request ran past its pool's
 *    deadline (the worker was killed).  Open a new session to go on.
 */

/*
 * The backend's protocol version (its feature-protocol-version node; 1
 * when it has none), or -errno when XenStore cannot tell.
 */
int vgpufront_protocol_version(const struct vgpufront *dev);

/*
 * A session on GPU @gpu (0 .. ngpus - 1 of vgpufront_query; 0 on the CPU
 * executor); its id in @session.  VGPU_ENOMEM: the domain holds the
 * backend's maximum of sessions (vgpuback --max-sessions).
 */
int vgpufront_session_open(struct vgpufront *dev, unsigned gpu, uint32_t *session);
/* Closes @session and frees its device memory.  VGPU_ESESSION: no such session. */
int vgpufront_session_close(struct vgpufront *dev, uint32_t session);

/*
 * @bytes (1 .. VGPUIF_MAX_ALLOC, else VGPU_ERANGE) of device memory,
 * zeroed by the backend; its address (256-aligned, never 0) in @dptr.  VGPU_ENOMEM: over
 * the domain's quota (vgpuback --mem-quota, --max-allocations) or the GPU
 * is out of memory; nothing is held then.
 */
int vgpufront_mem_alloc(struct vgpufront *dev, uint32_t session, uint64_t bytes,
			uint64_t *dptr);
/* @dptr exactly as vgpufront_mem_alloc returned it, else VGPU_EBADPTR. */
int vgpufront_mem_free(struct vgpufront *dev, uint32_t session, uint64_t dptr);

/*
 * @bytes from buffer @src at @src_off to device address @dptr.  The range
 * must lie inside one allocation (VGPU_EBADPTR) and inside @src
 * (VGPU_ERANGE).  @bytes 0: VGPU_ERANGE.
 */
int vgpufront_memcpy_htod(struct vgpufront *dev, uint32_t session, uint64_t dptr,
			  const struct vgpufront_buf *src, uint32_t src_off,
			  uint64_t bytes);
/* @bytes from device address @dptr into buffer @dst (writable) at @dst_off. */
int vgpufront_memcpy_dtoh(struct vgpufront *dev, uint32_t session,
			  const struct vgpufront_buf *dst, uint32_t dst_off,
			  uint64_t dptr, uint64_t bytes);
/*
 * @bytes from @src to @dst, both inside allocations of the session.
 * Overlapping ranges: VGPU_EINVAL (cuMemcpyDtoD leaves them undefined).
 */
int vgpufront_memcpy_dtod(struct vgpufront *dev, uint32_t session, uint64_t dst,
			  uint64_t src, uint64_t bytes);
/*
 * @count elements of @elem bytes (1, 2 or 4) from @dptr (aligned to @elem)
 * set to @value, stored little-endian.  VGPU_EINVAL: another @elem, a
 * misaligned @dptr, or a @value that does not fit in @elem bytes.
 */
int vgpufront_memset(struct vgpufront *dev, uint32_t session, uint64_t dptr,
		     uint32_t value, unsigned elem, uint64_t count);

/*
 * Modules and launches (protocol version 2, library version node
 * VGPUFRONT_3).  Shaped like the CUDA driver API:
 *
 *   CUDA driver API          libvgpufront
 *   cuModuleLoadData         vgpufront_module_load (PTX, cubin or fatbin)
 *   cuModuleUnload           vgpufront_module_unload
 *   cuModuleGetFunction +    vgpufront_func_get (handle, parameter layout)
 *     cuFuncGetParamInfo
 *   cuLaunchKernel           vgpufront_launch, vgpufront_launch_submit
 *
 * Contract, besides the one above:
 *  - Handles are the backend's, valid in the session that made them.  A
 *    module's functions die with it (VGPU_ENOENT afterwards).
 *  - Only the CUDA executor runs kernels: on the CPU executor module loads
 *    answer VGPU_ENOSYS.  VGPU_EIMAGE: the host's driver refused the image
 *    (wrong architecture, bad PTX: vgpuback's log has the JIT's words).
 *  - A launch names its function and passes the parameter blob from a
 *    registered buffer, packed as the function's layout says (each
 *    parameter at its offset) and exactly param_bytes long (else
 *    VGPU_EINVAL); vgpufront_params_pack() packs it as cuLaunchKernel's
 *    kernelParams would.  Launches run in order with the session's other
 *    requests on the session's stream.  VGPU_ELAUNCH: the driver refused
 *    the shape or resources; VGPU_EFAULT: a kernel of this guest faulted
 *    (illegal address, trap) and the guest's GPU state is gone.
 *  - vgpufront_launch waits for the kernel to finish; vgpufront_launch_submit
 *    only queues it (its response comes through vgpufront_poll, with the
 *    request id in @id), so that launches in a row need no round trip each.
 *    The backend reads the parameter blob when the launch reaches the GPU,
 *    not when it is queued: leave the blob's bytes as they are until the
 *    launch's response came (a blob per launch in flight, or the same
 *    values for all).
 */

/* Most parameters vgpufront_func_get reports in one layout. */
#define VGPUFRONT_MAX_PARAMS 1024

struct vgpufront_func {
	uint64_t handle;
	uint32_t nparams;		/* may exceed VGPUFRONT_MAX_PARAMS */
	uint32_t param_bytes;		/* a launch's parameter blob, exactly */
	struct vgpuif_param *layout;	/* nparams entries (up to the max); free() it */
};

struct vgpufront_launch {
	uint64_t func;			/* vgpufront_func.handle */
	uint32_t grid[3];
	uint32_t block[3];		/* each up to 65535, the product up to 1024 */
	uint32_t shmem;			/* dynamic shared memory, bytes */
	uint32_t stream;		/* 0: the session's own, or vgpufront_stream_create's */
	const struct vgpufront_buf *params;	/* NULL when param_bytes is 0 */
	uint32_t params_off;
	uint32_t params_len;
};

/*
 * Load @len bytes of @image (PTX text, cubin or fatbin; 1 ..
 * VGPUIF_MAX_IMAGE, else -EINVAL and nothing sent) into @session; its
 * handle in @module.  The library hands the image over in a read-only
 * buffer of its own, freed before it returns.  VGPU_ENOMEM: the domain
 * holds vgpuback's --max-modules.
 */
int vgpufront_module_load(struct vgpufront *dev, uint32_t session, const void *image,
			  size_t len, uint64_t *module);
/* VGPU_ENOENT: no such module in the session. */
int vgpufront_module_unload(struct vgpufront *dev, uint32_t session, uint64_t module);
/*
 * The kernel @name (its mangled name for C++; extern "C" kernels keep
 * theirs; 1 .. VGPUIF_MAX_NAME bytes, else -EINVAL and nothing sent) in
 * @module, with its parameter layout, into @f (f->layout is malloc()ed:
 * free it; NULL when there are no parameters).  VGPU_ENOENT: no such
 * module or kernel.  -EPROTO: the backend's answer cannot be true (a
 * parameter past param_bytes, param_bytes past VGPUIF_MAX_PARAM_BYTES);
 * @f is left as it was.
 */
int vgpufront_func_get(struct vgpufront *dev, uint32_t session, uint64_t module,
		       const char *name, struct vgpufront_func *f);
/* Global @name's (__device__/__constant__) @dptr, @bytes; VGPU_ENOENT: none; -EPROTO: bad answer. */
int vgpufront_global_get(struct vgpufront *dev, uint32_t session, uint64_t module,
			 const char *name, uint64_t *dptr, uint64_t *bytes);
/*
 * Pack @args (one pointer per parameter, to its value, as cuLaunchKernel's
 * kernelParams) into @blob (f->param_bytes bytes) at the layout's offsets;
 * the bytes between parameters are zeroed.  -EINVAL, @blob untouched: the
 * layout was cut short (more than VGPUFRONT_MAX_PARAMS), a NULL argument,
 * or a parameter past param_bytes.
 */
int vgpufront_params_pack(const struct vgpufront_func *f, void *const *args, void *blob);
/*
 * Launch and wait until the kernel (and all before it in the session) is
 * done.  -EINVAL, nothing sent: a block side above 65535 (the wire's
 * field is 16 bits), or params_len without a params buffer.
 */
int vgpufront_launch(struct vgpufront *dev, uint32_t session, const struct vgpufront_launch *l);
/* Queue the launch; 0 and its request id in @id, or -errno (-EAGAIN: ring full). */
int vgpufront_launch_submit(struct vgpufront *dev, uint32_t session,
			    const struct vgpufront_launch *l, uint64_t *id);
/*
 * GPU @gpu (0 .. ngpus - 1 of vgpufront_query) as the host's driver sees it:
 * name, UUID, memory, driver version and out->attrs[a], what
 * cuDeviceGetAttribute(a) answers (e.g. 75/76: compute capability, 16:
 * SMs; 0 where the host's driver has none).  VGPU_ENOSYS on the CPU
 * executor, VGPU_ERANGE for a GPU the host does not have.
 */
int vgpufront_device_info(struct vgpufront *dev, unsigned gpu, struct vgpuif_device_info *out);

/*
 * Streams (cuStreamCreate, cuStreamDestroy, cuStreamSynchronize): a
 * session's requests run in order on the stream they name (0, the
 * session's own, for every call above but vgpufront_launch's l->stream);
 * requests of different streams may run side by side.  VGPU_ENOMEM past
 * vgpuback's --max-streams; VGPU_ENOENT for a stream destroyed or never
 * the session's.  Synchronize returns once all queued before it on the
 * stream ran.
 */
int vgpufront_stream_create(struct vgpufront *dev, uint32_t session, uint32_t *stream);
int vgpufront_stream_destroy(struct vgpufront *dev, uint32_t session, uint32_t stream);
int vgpufront_stream_synchronize(struct vgpufront *dev, uint32_t session, uint32_t stream);

/*
 * Events (cuEventCreate, cuEventRecord, cuEventQuery, cuEventSynchronize,
 * cuEventElapsedTime, cuEventDestroy).  An event marks a point of a stream
 * when recorded; it is complete once everything queued on that stream
 * before the record ran (never recorded: complete).  Query sets *complete
 * to 1 or 0; synchronize returns once it is complete; elapsed gives the
 * time from start's latest record to end's, in nanoseconds (the GPU's
 * clock; on the CPU executor the host's): VGPU_EINVAL if either was never
 * recorded or was created with VGPU_EVENT_F_DISABLE_TIMING, VGPU_ENOTREADY
 * if either is not complete.  Flags: VGPU_EVENT_F_* (vgpuif.h).
 * VGPU_ENOMEM past vgpuback's --max-events; VGPU_ENOENT for an event
 * destroyed or never the session's.  A record in flight when its event is
 * destroyed still completes.
 */
int vgpufront_event_create(struct vgpufront *dev, uint32_t session, unsigned flags,
			   uint64_t *event);
int vgpufront_event_destroy(struct vgpufront *dev, uint32_t session, uint64_t event);
int vgpufront_event_record(struct vgpufront *dev, uint32_t session, uint64_t event,
			   uint32_t stream);
int vgpufront_event_query(struct vgpufront *dev, uint32_t session, uint64_t event,
			  int *complete);
int vgpufront_event_synchronize(struct vgpufront *dev, uint32_t session, uint64_t event);
int vgpufront_event_elapsed(struct vgpufront *dev, uint32_t session, uint64_t start,
			    uint64_t end, int64_t *ns);

#endif /* VGPUFRONT_H */
