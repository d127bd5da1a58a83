/* SPDX-License-Identifier: MIT */
/*
 * buffers.h: each device's buffer table (buffers.c): registration and
 * unregistration (mapped and unmapped by mapper.c), lookups of a request's
 * buffer references, reference counts, per-domain and host page limits.
 */
#ifndef VGPUBACK_BUFFERS_H
#define VGPUBACK_BUFFERS_H

#include <stdbool.h>
#include <stdint.h>

#include "vgpuif.h"

struct vgpuback;
struct vgpu_dev;
struct vgpu_buffer;

/*
 * A BUF_REGISTER or BUF_UNREGISTER: the status to answer now, or 1 where
 * the answer comes when the mapper is done (buffers_reap()).
 */
int buffers_request(struct vgpu_dev *dev, const struct vgpuif_request *req);
/* Resolve @ref for @bytes bytes; takes a reference on success. */
int buf_resolve(struct vgpu_dev *dev, const struct vgpuif_bufref *ref,
		uint64_t bytes, bool write, unsigned align,
		struct vgpu_buffer **out, void **ptr);
/* Drop a reference buf_resolve() took. */
void buf_put(struct vgpuback *bk, struct vgpu_buffer *b);
/* A connection going away: its table empties (jobs keep theirs mapped). */
void buffers_drop(struct vgpu_dev *dev);
/* EP_MAP: the mapper finished work: tables move, deferred answers go out. */
void buffers_reap(struct vgpuback *bk);
/* At shutdown, devices closed: every mapping asked for is made and unmapped. */
void buffers_stop(struct vgpuback *bk);

#endif /* VGPUBACK_BUFFERS_H */
