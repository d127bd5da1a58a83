/* SPDX-License-Identifier: MIT */
/*
 * vgpufront.h: libvgpufront, the guest side of xen-vgpu.
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
 *  - Local failures are negative errno values; a request's own outcome is
 *    the VGPU_OK / VGPU_E* status of its response.
 *  - One handle is not thread-safe; use one per thread.
 */
#ifndef VGPUFRONT_H
#define VGPUFRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vgpuif.h>

struct vgpufront;

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

/* @status gets the registration's VGPU_* status or -errno; NULL on failure. */
struct vgpufront_buf *vgpufront_buf_alloc(struct vgpufront *dev, size_t bytes,
					  unsigned flags, int *status);
int vgpufront_buf_free(struct vgpufront *dev, struct vgpufront_buf *buf);

/* 0, -EAGAIN (ring full: poll first) or -EPIPE (backend gone). */
int vgpufront_submit(struct vgpufront *dev, struct vgpuif_request *req);
/* Up to @max responses; waits up to @timeout_ms (-1: forever) for one. */
int vgpufront_poll(struct vgpufront *dev, struct vgpuif_response *rsps,
		   unsigned max, int timeout_ms);

/* Synchronous helpers: VGPU_OK / VGPU_E* status, or -errno. */
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

/* Text for a VGPU_* status or a -errno. */
const char *vgpufront_strerror(int status);

#endif /* VGPUFRONT_H */
