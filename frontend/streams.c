/* SPDX-License-Identifier: MIT */
/*
 * streams.c: a session's streams (cuStreamCreate, cuStreamDestroy,
 * cuStreamSynchronize).  The backend names them; the library only packs.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>

#include "front_priv.h"

static int stream_call(struct vgpufront *dev, uint8_t op, uint32_t session, uint32_t stream,
		       struct vgpuif_response *rsp)
{
	struct vgpuif_request req;

	front_request_init(&req, op, session);
	req.u.stream.stream = stream;
	return front_call_v2(dev, &req, rsp);
}

int vgpufront_stream_create(struct vgpufront *dev, uint32_t session, uint32_t *stream)
{
	struct vgpuif_response rsp;
	int rc;

	if (!stream)
		return -EINVAL;
	rc = stream_call(dev, VGPU_OP_STREAM_CREATE, session, 0, &rsp);
	if (rc)
		return rc;
	/* Ids are 32 bits on the wire and never 0 (the session's own). */
	if (rsp.result.scalar <= 0 || rsp.result.scalar > UINT32_MAX)
		return -EPROTO;
	*stream = (uint32_t)rsp.result.scalar;
	return 0;
}

int vgpufront_stream_destroy(struct vgpufront *dev, uint32_t session, uint32_t stream)
{
	struct vgpuif_response rsp;

	return stream_call(dev, VGPU_OP_STREAM_DESTROY, session, stream, &rsp);
}

int vgpufront_stream_synchronize(struct vgpufront *dev, uint32_t session, uint32_t stream)
{
	struct vgpuif_response rsp;

	return stream_call(dev, VGPU_OP_STREAM_SYNC, session, stream, &rsp);
}
