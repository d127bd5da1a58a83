/* SPDX-License-Identifier: MIT */
/*
 * respond.c: the one writer of responses.  A request was consumed only
 * while a response slot was guaranteed for it (datapath.c), so the slot
 * written here is always free.
 */
#include "config.h"

#include <string.h>

#include "respond.h"
#include "vgpuback.h"

void respond(struct vgpu_dev *dev, const struct vgpuif_request *req, int status,
	     const struct vgpu_reply *r)
{
	struct vgpuif_response rsp, *slot;
	int notify;

	memset(&rsp, 0, sizeof(rsp));	/* no backend bytes reach the guest */
	rsp.id = req->id;
	rsp.op = req->op;
	rsp.status = status;
	if (r) {
		rsp.queue_ns = r->queue_ns;
		rsp.exec_ns = r->exec_ns;
		if (r->result)
			memcpy(&rsp.result, r->result, r->len);
	}
	if (status)
		dev->failed++;
	else
		dev->completed++;
	slot = RING_GET_RESPONSE(&dev->ring, dev->ring.rsp_prod_pvt);
	memcpy(slot, &rsp, sizeof(*slot));
	dev->ring.rsp_prod_pvt++;
	dev->inflight--;
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&dev->ring, notify);
	if (notify)
		vgpu_evtchn_notify(dev->evtchn, (uint32_t)dev->port);
}
