/* SPDX-License-Identifier: MIT */
/*
 * interface.h: a device's connection (interface.c): the frontend's ring
 * nodes read, the ring mapped, the event channel bound, the watch and
 * storm timers set up; and all of it torn down again.
 */
#ifndef VGPUBACK_INTERFACE_H
#define VGPUBACK_INTERFACE_H

struct vgpu_dev;

/* Connect to what the frontend published: 0 or -errno (logged). */
int interface_connect(struct vgpu_dev *dev);
/* Drop the connection and all its work; nothing if not connected. */
void interface_disconnect(struct vgpu_dev *dev, const char *why);
/* Put @fd in the loop as a wake of @dev (its channel or a timer). */
int interface_watch_fd(struct vgpu_dev *dev, int fd);

#endif /* VGPUBACK_INTERFACE_H */
