/* SPDX-License-Identifier: MIT */
/*
 * nodes.h: the toolstack's side of a vgpu device in XenStore, written and
 * removed the way libxl does for vif/vbd (vgpu-xenstore(7)).
 *
 * Nothing here acts on a value a guest wrote.  What the toolstack created is
 * kept in a record only dom0 can read or write (as libxl keeps
 * /libxl/<domid>/device/<kind>/<devid>):
 *
 *   /tool/vgpu/<domid>/device/<devid>/frontend   the frontend directory
 *   /tool/vgpu/<domid>/device/<devid>/backend    the backend directory
 *   /tool/vgpu/<domid>/refused/<n>/reason        a vgpu= device refused
 *
 * and removal, next devid and listing read that record and dom0's backend
 * tree only.
 */
#ifndef VGPU_NODES_H
#define VGPU_NODES_H

#include <stdbool.h>
#include <stdint.h>

#include <xenstore.h>

#include "spec.h"
#include "vgpu_names.h"

#define VGPU_TOOL_ROOT	"/tool/vgpu"
#define VGPU_MAX_DEVID	255
#define VGPU_MAX_DOMID	32751	/* DOMID_FIRST_RESERVED - 1 */

/* Domain id for a name or a number, as xl takes them; -1 if none. */
long vgpu_domain_lookup(struct xs_handle *xs, const char *who);
/* Whether /local/domain/<domid> exists. */
bool vgpu_domain_exists(struct xs_handle *xs, uint32_t domid);
/* The next free devid of @domid from dom0's record and backend tree, or -ENOSPC. */
int vgpu_next_devid(struct xs_handle *xs, uint32_t domid);
/*
 * Write both directories and the record in one transaction: 0 or -errno
 * (-EEXIST if the record or the backend directory exists).
 */
int vgpu_nodes_write(struct xs_handle *xs, uint32_t domid, int devid,
		     const struct vgpu_spec *spec);
/*
 * Start a detach as libxl does: a Connected backend gets online 0 and state
 * Closing (*@closing true); any other is left as it is, to be removed at
 * once (*@closing false).  0, or -ENOENT if there is no backend directory.
 */
int vgpu_nodes_close(struct xs_handle *xs, uint32_t domid, int devid, bool *closing);
/* The backend's state (0-6) in dom0's tree, -1 if gone, -2 if not a state. */
int vgpu_backend_state(struct xs_handle *xs, uint32_t domid, int devid);
/*
 * The frontend's state (0-6) at the well-known frontend path, -1 if its
 * directory or state node is gone, -2 if the state is not a state.
 */
int vgpu_frontend_state(struct xs_handle *xs, uint32_t domid, int devid);
/* Remove what the record names: 0 or -errno (-ENOENT if there is no such device). */
int vgpu_nodes_remove(struct xs_handle *xs, uint32_t domid, int devid);
/* Record / forget the toolstack's refusals of a domain's vgpu= devices. */
int vgpu_refusal_add(struct xs_handle *xs, uint32_t domid, const char *reason);
void vgpu_refusals_clear(struct xs_handle *xs, uint32_t domid);
/*
 * Remove the backend nodes and records of every domain that no longer
 * exists (no /local/domain/<domid>); @log (may be NULL) hears each.  The
 * number of domains cleaned.
 */
int vgpu_nodes_sweep(struct xs_handle *xs,
		     void (*log)(int level, const char *fmt, ...)
		     __attribute__((format(printf, 2, 3))));

#endif /* VGPU_NODES_H */
