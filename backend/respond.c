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

const uint64_t vgpu_hist_bounds_ns[VGPU_HIST_BUCKETS - 1] = {
	10000, 50000, 100000, 500000, 1000000, 5000000, 10000000,
	50000000, 100000000, 500000000, 1000000000,
};

static void hist_add(struct vgpu_hist *h, uint64_t ns)
{
	unsigned i = 0;

	while (i < VGPU_HIST_BUCKETS - 1 && ns > vgpu_hist_bounds_ns[i])
		i++;
	h->bucket[i]++;
	h->sum_ns += ns;
	h->count++;
}

/* A job's time: a few stores, no lock, no allocation (the data path). */
static void record(struct vgpu_dev *dev, const struct vgpu_reply *r)
{
	uint64_t rt = r->queue_ns + r->exec_ns;
	/* Rounded up: a job that took any time shows at least 1us. */
	uint64_t us = (rt + 999) / 1000;

	dev->lat_us[dev->lat_n++ % VGPU_DEV_LAT] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
	if (dev->pool < 0 || dev->pool >= VGPU_MAX_POOLS)
		return;
	hist_add(&dev->bk->hist_request[dev->pool], rt);
	hist_add(&dev->bk->hist_queue[dev->pool], r->queue_ns);
}

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
		if (r->exec_ns)
			record(dev, r);
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
