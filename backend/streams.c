/* SPDX-License-Identifier: MIT */
/*
 * streams.c: a session's streams (protocol version 2).  vgpuback names
 * them (1, 2, ... per session, never reused in it) and keeps the list a
 * request's stream is checked against; the executors need no call: each
 * makes a stream the first time a request names it and may recycle one no
 * request uses.  Streams are bounded per domain (max-streams).
 */
#include "config.h"

#include <stdlib.h>

#include "sessions_priv.h"
#include "vgpuback.h"

static unsigned domain_streams(struct vgpuback *bk, uint32_t domid)
{
	struct vgpu_dev *d;
	unsigned n = 0;

	for (d = bk->devs; d; d = d->next)
		if (d->domid == domid)
			n += d->nstreams;
	return n;
}

int streams_create(struct vgpu_dev *dev, struct vgpu_session *s, int64_t *id)
{
	uint32_t *n;

	if (domain_streams(dev->bk, dev->domid) >= dev->bk->cfg.max_streams ||
	    s->next_stream == UINT32_MAX)
		return VGPU_ENOMEM;
	n = realloc(s->streams, (s->nstreams + 1) * sizeof(*n));
	if (!n)
		return VGPU_ENOMEM;
	s->streams = n;
	s->streams[s->nstreams++] = ++s->next_stream;
	dev->nstreams++;
	*id = s->next_stream;
	return VGPU_OK;
}

int streams_destroy(struct vgpu_dev *dev, struct vgpu_session *s, uint32_t id)
{
	unsigned i;

	for (i = 0; i < s->nstreams; i++)
		if (s->streams[i] == id) {
			s->streams[i] = s->streams[--s->nstreams];
			dev->nstreams--;
			return VGPU_OK;
		}
	return VGPU_ENOENT;
}

bool streams_has(const struct vgpu_session *s, uint32_t id)
{
	unsigned i;

	for (i = 0; id && i < s->nstreams && s->streams[i] != id; i++)
		;
	return !id || i < s->nstreams;
}

void streams_close(struct vgpu_dev *dev, struct vgpu_session *s)
{
	dev->nstreams -= s->nstreams;
	s->nstreams = 0;
	free(s->streams);
	s->streams = NULL;
}
