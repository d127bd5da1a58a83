/* SPDX-License-Identifier: MIT */
/*
 * xenbus.h: the backend half of the xenbus handshake (xenbus.c): devices
 * found in XenStore, their state machine against the frontend's state, and
 * the one writer of their state node.
 */
#ifndef VGPUBACK_XENBUS_H
#define VGPUBACK_XENBUS_H

struct vgpuback;
struct vgpu_dev;

/* Everything, as at start: the backend root scanned, every device stepped. */
void xenbus_scan(struct vgpuback *bk);
/* One XenStore watch event (path, token as xs_check_watch gives them). */
void xenbus_event(struct vgpuback *bk, const char *path, const char *token);
/* A device its frontend broke (ring, channel): disconnected and Closed. */
void xenbus_fail(struct vgpu_dev *dev, const char *why);
/* At shutdown: every device Closed and removed. */
void xenbus_shutdown(struct vgpuback *bk);

#endif /* VGPUBACK_XENBUS_H */
