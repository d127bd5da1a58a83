/* SPDX-License-Identifier: MIT */
/* cuda_streams.cu: a stream per guest session (cuda_streams.h). */
#include <string.h>

#include "cuda_streams.h"

static bool same(const struct cuda_sstream *e, int dev, uint32_t domid, uint32_t devid,
		 uint32_t session, uint32_t stream)
{
	return e->st && e->dev == dev && e->domid == domid && e->devid == devid &&
	       e->session == session && e->stream == stream;
}

/* A free entry, or the least recently used one no job holds. */
static int victim(struct cuda_streams *t)
{
	int i, best = -1;

	for (i = 0; i < CUDA_SESSION_STREAMS; i++) {
		const struct cuda_sstream *e = &t->s[i];

		if (!e->st)
			return i;
		if (!e->busy && (best < 0 || e->used < t->s[best].used))
			best = i;
	}
	return best;
}

int cuda_stream_get(struct cuda_streams *t, int dev, uint32_t domid, uint32_t devid,
		    uint32_t session, uint32_t stream, int prio)
{
	struct cuda_sstream *e;
	int i;

	for (i = 0; i < CUDA_SESSION_STREAMS && !same(&t->s[i], dev, domid, devid, session, stream);
	     i++)
		;
	if (i == CUDA_SESSION_STREAMS) {
		i = victim(t);
		if (i < 0)
			return -1;
		e = &t->s[i];
		if (e->st)
			cudaStreamDestroy(e->st);	/* idle: nothing of it is pending */
		memset(e, 0, sizeof(*e));
		if (cudaStreamCreateWithPriority(&e->st, cudaStreamNonBlocking, prio) !=
		    cudaSuccess) {
			cudaGetLastError();
			e->st = NULL;
			return -1;
		}
		e->dev = dev;
		e->domid = domid;
		e->devid = devid;
		e->session = session;
		e->stream = stream;
	}
	e = &t->s[i];
	e->busy++;
	e->used = ++t->clock;
	return i;
}

void cuda_stream_put(struct cuda_streams *t, int idx)
{
	if (idx >= 0 && idx < CUDA_SESSION_STREAMS && t->s[idx].busy)
		t->s[idx].busy--;
}

void cuda_streams_lost(struct cuda_streams *t, int dev)
{
	int i;

	for (i = 0; i < CUDA_SESSION_STREAMS; i++)
		if (t->s[i].st && t->s[i].dev == dev)
			memset(&t->s[i], 0, sizeof(t->s[i]));
}

bool cuda_streams_on(const struct cuda_streams *t, int dev)
{
	int i;

	for (i = 0; i < CUDA_SESSION_STREAMS; i++)
		if (t->s[i].st && t->s[i].dev == dev)
			return true;
	return false;
}

void cuda_streams_destroy(struct cuda_streams *t)
{
	int i;

	for (i = 0; i < CUDA_SESSION_STREAMS; i++)
		if (t->s[i].st) {
			cudaSetDevice(t->s[i].dev);
			cudaStreamDestroy(t->s[i].st);
		}
	memset(t, 0, sizeof(*t));
}
