/* SPDX-License-Identifier: MIT */
/*
 * device.h: a device's lifetime, the bottom of vgpuback (device.c).
 * Nothing here calls up into connection, XenStore or ring code.
 */
#ifndef VGPUBACK_DEVICE_H
#define VGPUBACK_DEVICE_H

#include <stdint.h>

struct vgpuback;
struct vgpu_dev;

/* A new device on bk->devs (not connected, state Unknown); NULL: no memory. */
struct vgpu_dev *device_new(struct vgpuback *bk, uint32_t domid, uint32_t devid,
			    const char *be_path, const char *fe_path);
/* The live (not dead) device @domid/@devid, or NULL. */
struct vgpu_dev *device_find(struct vgpuback *bk, uint32_t domid, uint32_t devid);
/* Dead now; freed at once or when its last job reference goes. */
void device_release(struct vgpu_dev *dev);
/* One job reference gone (a reaped job, an answered mapping). */
void device_put(struct vgpu_dev *dev);
/* Its ring may hold more work: the loop's ring pass looks (wakeup.c). */
void device_mark_busy(struct vgpu_dev *dev);
/* Take the whole list of devices marked busy (linked by busy_next). */
struct vgpu_dev *device_busy_take(struct vgpuback *bk);
/*
 * No connected device uses worker key @key (vgpu_worker_key): its worker
 * ends (executor retire).  After a disconnect, and after a mapping made for
 * a device that is gone.
 */
void device_retire_worker(struct vgpuback *bk, uint32_t key);

#endif /* VGPUBACK_DEVICE_H */
