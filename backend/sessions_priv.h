/* SPDX-License-Identifier: MIT */
/*
 * sessions_priv.h: a session as sessions.c (its memory) and modules.c (its
 * modules and functions) both see it.
 */
#ifndef VGPUBACK_SESSIONS_PRIV_H
#define VGPUBACK_SESSIONS_PRIV_H

#include <stdbool.h>
#include <stdint.h>

struct vgpu_alloc;
struct vgpu_drange;
struct vgpu_module;
struct vgpu_event;
struct vgpu_dev;
struct vgpu_job;
struct vgpuback;

struct vgpu_session {
	uint32_t id;
	int gpu;
	struct vgpu_alloc *allocs;	/* live ones */
	struct vgpu_module *mods;	/* loaded, not unloaded */
	uint32_t *streams;		/* ids of its streams (streams.c) */
	unsigned nstreams;
	uint32_t next_stream;
	struct vgpu_event *events;	/* not destroyed (events.c) */
	struct vgpu_session *next;
};

struct vgpu_session *session_find(struct vgpu_dev *dev, uint32_t id);

/* What a domain holds over all its devices, in flight counted (the bounds). */
struct vgpu_domain_use {
	uint64_t bytes;			/* device memory, reserved included */
	unsigned allocs, sessions, modules, funcs, streams, events;
};

void domain_use(struct vgpuback *bk, uint32_t domid, struct vgpu_domain_use *u);

/* modules.c: MODULE_LOAD, FUNC_GET, GLOBAL_GET and LAUNCH about to be queued. */
int modules_job_start(struct vgpu_dev *dev, struct vgpu_session *s, struct vgpu_job *j);
/* The job is gone: the module it named, the object it made. */
void modules_job_end(struct vgpuback *bk, struct vgpu_job *j);
/* MODULE_UNLOAD: VGPU_OK or VGPU_ENOENT. */
int modules_unload(struct vgpu_dev *dev, struct vgpu_session *s, uint64_t handle);
/* The session closes: every module goes (once no launch names it). */
void modules_session_close(struct vgpu_dev *dev, struct vgpu_session *s);
/* The loaded module of @s whose recorded global holds all of @r, or NULL. */
struct vgpu_module *modules_global(struct vgpu_session *s, const struct vgpu_drange *r);
/* A job names one of @m's globals: @m stays (unloaded or not) until put. */
void modules_hold(struct vgpu_module *m);
void modules_put(struct vgpuback *bk, struct vgpu_module *m);

/* streams.c: STREAM_CREATE (ENOMEM past max-streams), STREAM_DESTROY (ENOENT). */
int streams_create(struct vgpu_dev *dev, struct vgpu_session *s, int64_t *id);
int streams_destroy(struct vgpu_dev *dev, struct vgpu_session *s, uint32_t id);
/* Is @id 0 (the session's own) or one of its streams? */
bool streams_has(const struct vgpu_session *s, uint32_t id);
void streams_close(struct vgpu_dev *dev, struct vgpu_session *s);

/* events.c: EVENT_CREATE (ENOMEM past max-events), EVENT_DESTROY, EVENT_QUERY. */
int events_create(struct vgpu_dev *dev, struct vgpu_session *s, uint32_t flags, int64_t *id);
int events_destroy(struct vgpu_dev *dev, struct vgpu_session *s, uint64_t handle);
int events_query(struct vgpu_session *s, uint64_t handle, int64_t *done);
/* EVENT_RECORD, EVENT_SYNC (queued on the latest RECORD's stream), EVENT_ELAPSED. */
int events_job_start(struct vgpu_session *s, struct vgpu_job *j);
void events_job_end(struct vgpuback *bk, struct vgpu_job *j);
void events_session_close(struct vgpu_dev *dev, struct vgpu_session *s);

#endif /* VGPUBACK_SESSIONS_PRIV_H */
