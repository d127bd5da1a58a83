/* SPDX-License-Identifier: MIT */
/*
 * events.c: a session's events (cuEventCreate, cuEventRecord, cuEventQuery,
 * cuEventSynchronize, cuEventElapsedTime, cuEventDestroy).  The backend
 * names them and keeps their state; the library packs and checks answers.
 */
#include "config.h"

#include <errno.h>

#include "front_priv.h"

int vgpufront_event_create(struct vgpufront *dev, uint32_t session, unsigned flags,
			   uint64_t *event)
{
	struct vgpuif_response rsp;
	struct vgpuif_request req;
	int rc;

	if (!event)
		return -EINVAL;
	front_request_init(&req, VGPU_OP_EVENT_CREATE, session);
	req.u.event.flags = flags;
	rc = front_call_v2(dev, &req, &rsp);
	if (rc)
		return rc;
	if (rsp.result.scalar <= 0)	/* 0 is never an event */
		return -EPROTO;
	*event = (uint64_t)rsp.result.scalar;
	return 0;
}

/* DESTROY, RECORD, QUERY and SYNC: the event (and RECORD's stream). */
static int event_op(struct vgpufront *dev, uint8_t op, uint32_t session, uint64_t event,
		    uint32_t stream, struct vgpuif_response *rsp)
{
	struct vgpuif_request req;

	front_request_init(&req, op, session);
	req.u.event.event = event;
	req.u.event.stream = stream;
	return front_call_v2(dev, &req, rsp);
}

int vgpufront_event_destroy(struct vgpufront *dev, uint32_t session, uint64_t event)
{
	struct vgpuif_response rsp;

	return event_op(dev, VGPU_OP_EVENT_DESTROY, session, event, 0, &rsp);
}

int vgpufront_event_record(struct vgpufront *dev, uint32_t session, uint64_t event,
			   uint32_t stream)
{
	struct vgpuif_response rsp;

	return event_op(dev, VGPU_OP_EVENT_RECORD, session, event, stream, &rsp);
}

int vgpufront_event_query(struct vgpufront *dev, uint32_t session, uint64_t event,
			  int *complete)
{
	struct vgpuif_response rsp;
	int rc;

	if (!complete)
		return -EINVAL;
	rc = event_op(dev, VGPU_OP_EVENT_QUERY, session, event, 0, &rsp);
	if (rc)
		return rc;
	if (rsp.result.scalar != 0 && rsp.result.scalar != 1)
		return -EPROTO;
	*complete = (int)rsp.result.scalar;
	return 0;
}

int vgpufront_event_synchronize(struct vgpufront *dev, uint32_t session, uint64_t event)
{
	struct vgpuif_response rsp;

	return event_op(dev, VGPU_OP_EVENT_SYNC, session, event, 0, &rsp);
}

int vgpufront_event_elapsed(struct vgpufront *dev, uint32_t session, uint64_t start,
			    uint64_t end, int64_t *ns)
{
	struct vgpuif_response rsp;
	struct vgpuif_request req;
	int rc;

	if (!ns)
		return -EINVAL;
	front_request_init(&req, VGPU_OP_EVENT_ELAPSED, session);
	req.u.event_elapsed.start = start;
	req.u.event_elapsed.end = end;
	rc = front_call_v2(dev, &req, &rsp);
	if (!rc)
		*ns = rsp.result.scalar;
	return rc;
}
