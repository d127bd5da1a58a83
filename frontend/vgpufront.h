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
 * -EINVAL (a bad name).
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

#endif /* VGPUFRONT_H */
