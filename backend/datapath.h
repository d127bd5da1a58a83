/* SPDX-License-Identifier: MIT */
/*
 * datapath.h: the ring's data path (datapath.c): intake of requests,
 * dispatch of jobs to the executor, reaping of their completions.
 */
#ifndef VGPUBACK_DATAPATH_H
#define VGPUBACK_DATAPATH_H

struct vgpuback;
struct vgpu_dev;

/*
 * Take up to max_batch requests from @dev's ring and act on each; a device
 * with more is marked busy.  A broken ring sets dev->broken: the caller
 * tears the device down.
 */
void ring_service(struct vgpu_dev *dev);
/* Hand queued jobs to the executor while it takes them. */
void dispatch(struct vgpuback *bk);
/* Completions: answered, and their devices marked as having more work. */
void reap(struct vgpuback *bk);
/* A connection going away: its queued jobs go now, running ones when reaped. */
void datapath_drop_work(struct vgpu_dev *dev);

#endif /* VGPUBACK_DATAPATH_H */
