/* SPDX-License-Identifier: MIT */
/*
 * cuda_events.h: the guests' events as CUDA events, by (domain,
 * vgpuback's handle).  Made at an event's first RECORD on the session's
 * GPU, timing on (vgpuback refuses ELAPSED for an event the guest made
 * without), destroyed when vgpuback says no job names it any more.
 *
 * Contract: used from the executor's submitting thread only (submit and
 * obj_free both run there), so it needs no lock of its own.  vgpuback
 * bounds how many a domain holds (max-events).
 */
#ifndef VGPU_CUDA_EVENTS_H
#define VGPU_CUDA_EVENTS_H

#include <cuda_runtime.h>
#include <stdint.h>

struct cuda_event;

struct cuda_events {
	struct cuda_event *e;
	unsigned n, cap;
};

/* Record it on @st (current device: the session's): VGPU_OK or VGPU_E*. */
int cuda_event_record(struct cuda_events *t, uint32_t domid, uint64_t handle,
		      cudaStream_t st);
/* Make @st wait for its latest record (none: nothing to wait for). */
int cuda_event_wait(struct cuda_events *t, uint32_t domid, uint64_t handle,
		    cudaStream_t st);
/* end - start in ns: VGPU_OK, VGPU_ENOTREADY, or VGPU_EINVAL. */
int cuda_event_elapsed(struct cuda_events *t, uint32_t domid, uint64_t start,
		       uint64_t end, int64_t *ns);
void cuda_event_destroy(struct cuda_events *t, uint32_t domid, uint64_t handle);
void cuda_events_destroy(struct cuda_events *t);

#endif /* VGPU_CUDA_EVENTS_H */
