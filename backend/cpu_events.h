/* SPDX-License-Identifier: MIT */
/*
 * cpu_events.h: the CPU executor's events: the time each guest event's
 * latest RECORD ran, by (domain, vgpuback's handle).  Its threads record
 * and read them; the loop forgets them (obj_free).  vgpuback bounds how
 * many a domain holds (max-events).
 */
#ifndef VGPU_CPU_EVENTS_H
#define VGPU_CPU_EVENTS_H

#include <pthread.h>
#include <stdint.h>

struct cpu_event;

struct cpu_events {
	pthread_mutex_t lock;
	struct cpu_event *head;
};

void cpu_events_init(struct cpu_events *t);
void cpu_events_fini(struct cpu_events *t);
/* Now is the event's time: VGPU_OK, or VGPU_ENOMEM. */
int cpu_events_record(struct cpu_events *t, uint32_t domid, uint64_t handle);
/* end - start in ns: VGPU_OK, or VGPU_EINVAL for an event never recorded here. */
int cpu_events_elapsed(struct cpu_events *t, uint32_t domid, uint64_t start,
		       uint64_t end, int64_t *ns);
void cpu_events_forget(struct cpu_events *t, uint32_t domid, uint64_t handle);

#endif /* VGPU_CPU_EVENTS_H */
