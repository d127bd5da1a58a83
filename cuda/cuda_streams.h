/* SPDX-License-Identifier: MIT */
/*
 * cuda_streams.h: one CUDA stream per guest stream (a session's own, 0,
 * and those it created), so that a stream's requests run in the order they
 * came (a copy, then the launch that reads it, then the copy back) while
 * several are on the GPU at once.  Version 1 requests keep the executor's
 * slot streams.
 *
 * Contract: a bounded table, used under the executor's lock.  get() takes a
 * reference for a job on the GPU; put() drops it.  A stream no job holds
 * may be recycled for another session when the table is full; one that a
 * job holds never is, so order is never lost.
 */
#ifndef VGPU_CUDA_STREAMS_H
#define VGPU_CUDA_STREAMS_H

#include <cuda_runtime.h>
#include <stdint.h>

#define CUDA_SESSION_STREAMS 256

struct cuda_sstream {
	cudaStream_t st;
	int dev;
	uint32_t domid, devid, session, stream;
	unsigned busy;
	uint64_t used;			/* last get(), for recycling */
};

struct cuda_streams {
	struct cuda_sstream s[CUDA_SESSION_STREAMS];
	uint64_t clock;
};

/* The guest stream's on @dev (@prio: its stream priority); -1: none to be had. */
int cuda_stream_get(struct cuda_streams *t, int dev, uint32_t domid, uint32_t devid,
		    uint32_t session, uint32_t stream, int prio);
void cuda_stream_put(struct cuda_streams *t, int idx);
/* @dev was reset: its streams are gone. */
void cuda_streams_lost(struct cuda_streams *t, int dev);
/* Are streams of @dev in use by sessions (state a reset would lose)? */
bool cuda_streams_on(const struct cuda_streams *t, int dev);
void cuda_streams_destroy(struct cuda_streams *t);

#endif /* VGPU_CUDA_STREAMS_H */
