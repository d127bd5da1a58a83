/* SPDX-License-Identifier: MIT */
/*
 * nodes.h: the toolstack's side of a vgpu device in XenStore, written and
 * removed the way libxl does for vif/vbd (vgpu-xenstore(7)).
 */
#ifndef VGPU_NODES_H
#define VGPU_NODES_H

#include <stdint.h>

#include <xenstore.h>

#include "spec.h"

/* Domain id for a name or a number, as xl takes them; -1 if none. */
long vgpu_domain_lookup(struct xs_handle *xs, const char *who);
/* The next free devid of @domid. */
int vgpu_next_devid(struct xs_handle *xs, uint32_t domid);
/* Write both directories in one transaction: 0 or -errno (-EEXIST if taken). */
int vgpu_nodes_write(struct xs_handle *xs, uint32_t domid, int devid,
		     const struct vgpu_spec *spec);
/* Remove both directories: 0 or -errno (-ENOENT if there is no such device). */
int vgpu_nodes_remove(struct xs_handle *xs, uint32_t domid, int devid);

#endif /* VGPU_NODES_H */
