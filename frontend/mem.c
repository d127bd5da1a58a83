/* SPDX-License-Identifier: MIT */
/*
 * mem.c: protocol version 2's sessions and device memory, one synchronous
 * helper per operation, shaped like the CUDA driver API (cuCtxCreate,
 * cuMemAlloc, cuMemcpyHtoD, cuMemsetD8...).  Each fills a request (the
 * session in request.session, everything the operation does not use zero,
 * as the backend's validation demands) and hands it to vgpufront_call().
 *
 * The library packs, the backend judges: ranges, alignment and values are
 * checked once, against the session's allocations, in the backend, and the
 * caller gets its exact VGPU_E* status.  Only what a request cannot carry
 * (an element size that does not fit its byte) is refused here.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "front_priv.h"

/* The backend's feature-protocol-version node, as xsdev.c read it at open. */
int vgpufront_protocol_version(const struct vgpufront *dev)
{
	return dev ? dev->protocol : -EINVAL;
}

/*
 * -EOPNOTSUPP when the backend does not speak version 2: nothing must go
 * on the ring then (a version 1 backend would refuse the op with
 * VGPU_ENOSYS, or worse, read request.session as padding).  A device that
 * is gone or failed answers through vgpufront_call/submit as every call
 * does (-EPIPE, -EPROTO).  launch.c uses it too.
 */
int front_check_v2(struct vgpufront *dev)
{
	int v;

	if (!dev)
		return -EINVAL;
	if (!vgpufront_connected(dev))
		return 0;
	v = vgpufront_protocol_version(dev);
	if (v < 0)
		return v;
	return v < 2 ? -EOPNOTSUPP : 0;
}

void front_request_init(struct vgpuif_request *req, uint8_t op, uint32_t session)
{
	memset(req, 0, sizeof(*req));
	req->op = op;
	req->session = session;
}

int front_call_v2(struct vgpufront *dev, struct vgpuif_request *req,
		  struct vgpuif_response *rsp)
{
	int rc = front_check_v2(dev);

	return rc ? rc : vgpufront_call(dev, req, rsp);
}

int vgpufront_session_open(struct vgpufront *dev, unsigned gpu, uint32_t *session)
{
	struct vgpuif_request req;
	struct vgpuif_response rsp;
	int rc;

	if (!session)
		return -EINVAL;
	if (dev && dev->kdev) {
		rc = front_check_v2(dev);
		return rc ? rc : front_kdev_session_open(dev, gpu, session);
	}
	front_request_init(&req, VGPU_OP_SESSION_OPEN, 0);
	req.u.session_open.gpu = gpu;
	rc = front_call_v2(dev, &req, &rsp);
	if (rc)
		return rc;
	/* Ids are 32 bits on the wire (request.session): anything else is a lie. */
	if (rsp.result.scalar < 0 || rsp.result.scalar > UINT32_MAX)
		return -EPROTO;
	*session = (uint32_t)rsp.result.scalar;
	return 0;
}

int vgpufront_session_close(struct vgpufront *dev, uint32_t session)
{
	struct vgpuif_request req;
	struct vgpuif_response rsp;
	int rc;

	if (dev && dev->kdev) {
		rc = front_check_v2(dev);
		return rc ? rc : front_kdev_session_close(dev, session);
	}
	front_request_init(&req, VGPU_OP_SESSION_CLOSE, session);
	return front_call_v2(dev, &req, &rsp);
}

int vgpufront_mem_alloc(struct vgpufront *dev, uint32_t session, uint64_t bytes,
			uint64_t *dptr)
{
	struct vgpuif_request req;
	struct vgpuif_response rsp;
	int rc;

	if (!dptr)
		return -EINVAL;
	front_request_init(&req, VGPU_OP_MEM_ALLOC, session);
	req.u.mem_alloc.bytes = bytes;
	rc = front_call_v2(dev, &req, &rsp);
	if (rc)
		return rc;
	/* 0 is never an allocation (the backend refuses it in every request). */
	if (rsp.result.scalar == 0)
		return -EPROTO;
	*dptr = (uint64_t)rsp.result.scalar;
	return 0;
}

int vgpufront_mem_free(struct vgpufront *dev, uint32_t session, uint64_t dptr)
{
	struct vgpuif_request req;
	struct vgpuif_response rsp;

	front_request_init(&req, VGPU_OP_MEM_FREE, session);
	req.u.mem_free.dptr = dptr;
	return front_call_v2(dev, &req, &rsp);
}

/* HTOD and DTOH differ only in the op (which way the bytes go). */
static int memcpy_buf(struct vgpufront *dev, uint8_t op, uint32_t session,
		      uint64_t dptr, const struct vgpufront_buf *buf, uint32_t off,
		      uint64_t bytes)
{
	struct vgpuif_request req;
	struct vgpuif_response rsp;

	if (!buf)
		return -EINVAL;
	front_request_init(&req, op, session);
	req.u.memcpy.dptr = dptr;
	req.u.memcpy.bytes = bytes;
	req.u.memcpy.buf = (struct vgpuif_bufref){ buf->handle, off };
	return front_call_v2(dev, &req, &rsp);
}

int vgpufront_memcpy_htod(struct vgpufront *dev, uint32_t session, uint64_t dptr,
			  const struct vgpufront_buf *src, uint32_t src_off,
			  uint64_t bytes)
{
	return memcpy_buf(dev, VGPU_OP_MEMCPY_HTOD, session, dptr, src, src_off,
			  bytes);
}

int vgpufront_memcpy_dtoh(struct vgpufront *dev, uint32_t session,
			  const struct vgpufront_buf *dst, uint32_t dst_off,
			  uint64_t dptr, uint64_t bytes)
{
	return memcpy_buf(dev, VGPU_OP_MEMCPY_DTOH, session, dptr, dst, dst_off,
			  bytes);
}

int vgpufront_memcpy_dtod(struct vgpufront *dev, uint32_t session, uint64_t dst,
			  uint64_t src, uint64_t bytes)
{
	struct vgpuif_request req;
	struct vgpuif_response rsp;

	front_request_init(&req, VGPU_OP_MEMCPY_DTOD, session);
	req.u.memcpy_dtod.dst = dst;
	req.u.memcpy_dtod.src = src;
	req.u.memcpy_dtod.bytes = bytes;
	return front_call_v2(dev, &req, &rsp);
}

int vgpufront_memset(struct vgpufront *dev, uint32_t session, uint64_t dptr,
		     uint32_t value, unsigned elem, uint64_t count)
{
	struct vgpuif_request req;
	struct vgpuif_response rsp;

	/* elem travels in one byte: 256 must not become 0. */
	if (elem > UINT8_MAX)
		return -EINVAL;
	front_request_init(&req, VGPU_OP_MEMSET, session);
	req.u.memset.dptr = dptr;
	req.u.memset.count = count;
	req.u.memset.value = value;
	req.u.memset.elem = (uint8_t)elem;
	return front_call_v2(dev, &req, &rsp);
}
