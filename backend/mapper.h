/* SPDX-License-Identifier: MIT */
/*
 * mapper.h: the mapper thread (mapper.c), which maps, pins, unpins and
 * unmaps guest buffers off the loop.  buffers.c decides what to map and
 * answers when the work comes back.
 */
#ifndef VGPUBACK_MAPPER_H
#define VGPUBACK_MAPPER_H

#include <stdbool.h>
#include <stdint.h>

#include "vgpuif.h"

struct vgpuback;
struct vgpu_dev;
struct vgpu_executor;

enum map_kind { MAP_REGISTER, MAP_UNMAP };

struct map_work {
	enum map_kind kind;
	struct vgpu_dev *dev;		/* to answer (holds a job reference), or NULL */
	uint32_t gen;			/* dev's connection when asked */
	struct vgpuif_request req;	/* the request answered */
	uint32_t domid;
	uint32_t key;			/* the worker it is mapped for (buf_map) */
	uint64_t id;			/* the worker's name for the mapping */
	uint32_t nr_pages;
	bool ro;
	bool pinned;			/* REGISTER: the executor pinned the mapping */
	struct vgpu_executor *ex;	/* REGISTER: pins on the thread (buf_pin) */
	void *addr;			/* REGISTER: the mapping; UNMAP: what goes */
	int status;			/* REGISTER: VGPU_OK or why not */
	int err;			/* errno of a failed map */
	struct map_work *next;		/* the thread's queues */
	/* buffers.c's, on the loop only: */
	struct map_work *pend_next;	/* registrations not yet reaped */
	struct map_work *held_next, **held_pprev; /* pages not yet unmapped */
};

struct vgpu_mapper;

int mapper_start(struct vgpuback *bk);	/* -errno */
/* Stops the thread; buffers_stop() first waits for everything asked. */
void mapper_stop(struct vgpuback *bk);
/* Hand @w to the thread; a @w->dev stays until the work comes back. */
void mapper_push(struct vgpuback *bk, struct map_work *w);
/* EP_MAP: the work the thread finished, in order (linked by next). */
struct map_work *mapper_take(struct vgpuback *bk);
/* Work handed to the thread and not taken back yet. */
unsigned mapper_outstanding(struct vgpuback *bk);
/* Wait (at most 100 ms) for the thread to finish something. */
void mapper_wait(struct vgpuback *bk);

#endif /* VGPUBACK_MAPPER_H */
