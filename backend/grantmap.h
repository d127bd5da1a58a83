/* SPDX-License-Identifier: MIT */
/*
 * grantmap.h: a registered buffer's pages, from its grant refs to one
 * mapping (grantmap.c).  Used where the pages are mapped: vgpuback's mapper
 * thread, or the guest's worker process.
 */
#ifndef VGPUBACK_GRANTMAP_H
#define VGPUBACK_GRANTMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "platform.h"
#include "vgpuif.h"

/*
 * Directory page -> indirect pages -> data refs (each copied out of the
 * guest's pages once) -> one mapping of @r->nr_pages pages at *@addr.
 * Returns VGPU_OK, VGPU_EGRANT (*@err: the map's errno), VGPU_EINVAL (a ref
 * listed twice) or VGPU_ENOMEM.
 */
int grantmap_buffer(struct vgpu_platform *plat, uint32_t domid,
		    const struct vgpuif_buf_register_req *r, bool readonly,
		    void **addr, int *err);

#endif /* VGPUBACK_GRANTMAP_H */
