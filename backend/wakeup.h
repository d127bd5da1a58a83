/* SPDX-License-Identifier: MIT */
/*
 * wakeup.h: what services a device's ring (wakeup.c): a wake of the device
 * (its event channel, its watch or storm timer), and the loop's pass over
 * devices marked as having more work.
 */
#ifndef VGPUBACK_WAKEUP_H
#define VGPUBACK_WAKEUP_H

struct vgpuback;
struct vgpu_dev;

/* EP_DEV: the frontend notified or a timer ticked.  May disconnect @dev. */
void device_event(struct vgpu_dev *dev);
/* One ring pass for each device marked busy; broken ones are torn down. */
void devices_more_work(struct vgpuback *bk);

#endif /* VGPUBACK_WAKEUP_H */
