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

int streams_create(struct vgpu_dev *dev, struct vgpu_session *s, int64_t *id)
{
	struct vgpu_domain_use u;
	uint32_t *n;

	domain_use(dev->bk, dev->domid, &u);
	if (u.streams >= dev->bk->cfg.max_streams ||
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
