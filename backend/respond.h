/* SPDX-License-Identifier: MIT */
/* respond.h: the one writer of responses into a device's ring (respond.c). */
#ifndef VGPUBACK_RESPOND_H
#define VGPUBACK_RESPOND_H

#include <stddef.h>
#include <stdint.h>

#include "vgpuif.h"

struct vgpu_dev;

/* What a response carries besides its status; all optional. */
struct vgpu_reply {
	const void *result;		/* copied into response.result */
	size_t len;
	uint64_t queue_ns, exec_ns;
};

/* The histograms' upper bounds (inclusive), 10us to 1s; +Inf is the last bucket. */
extern const uint64_t vgpu_hist_bounds_ns[];

/*
 * Answer @req with @status (and @r, may be NULL): the response slot is
 * written, the device's counters move and the frontend is notified if it
 * asked.  Every response vgpuback writes goes through here.  A response
 * with a time (an executor's job: @r's exec_ns) also goes into the device's
 * round trips and its pool's histograms.
 */
void respond(struct vgpu_dev *dev, const struct vgpuif_request *req, int status,
	     const struct vgpu_reply *r);

#endif /* VGPUBACK_RESPOND_H */
