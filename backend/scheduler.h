/* SPDX-License-Identifier: MIT */
/*
 * scheduler.h: the one queue of vgpuback, across all pools.
 *
 * Order: priority (VGPU_PRIO_HIGH first), then arrival (seq); the pool never
 * changes it.  A binary heap: push, pop and remove are O(log n).  Optional
 * aging (off by default): a job that has waited longer than aging_ns is
 * served as if it were one priority higher, so low priority cannot starve.
 */
#ifndef VGPU_SCHEDULER_H
#define VGPU_SCHEDULER_H

#include <stdint.h>

#include "executor.h"

struct vgpu_sched {
	struct vgpu_job **heap;
	unsigned n, cap;
	unsigned per_prio[3];
	uint64_t aging_ns;		/* 0: strict priority */
	uint64_t now;			/* the time keys are computed at */
};

void vgpu_sched_init(struct vgpu_sched *s, uint64_t aging_ns);
void vgpu_sched_free(struct vgpu_sched *s);
int vgpu_sched_push(struct vgpu_sched *s, struct vgpu_job *job);	/* 0 / -ENOMEM */
struct vgpu_job *vgpu_sched_peek(struct vgpu_sched *s, uint64_t now_ns);
struct vgpu_job *vgpu_sched_pop(struct vgpu_sched *s, uint64_t now_ns);
void vgpu_sched_remove(struct vgpu_sched *s, struct vgpu_job *job);
static inline unsigned vgpu_sched_size(const struct vgpu_sched *s) { return s->n; }

#endif /* VGPU_SCHEDULER_H */
