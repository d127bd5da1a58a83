/* SPDX-License-Identifier: MIT */
/*
 * worker_priv.h: a worker process's one context (worker_main.c: its loop;
 * worker_serve.c: what each message from the parent does).
 */
#ifndef VGPUBACK_WORKER_PRIV_H
#define VGPUBACK_WORKER_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform.h"
#include "workers.h"

/* A guest buffer this worker mapped, by the parent's number for it. */
struct wbuf {
	struct vgpu_buffer b;		/* first: the executor sees this */
	uint64_t id;
	unsigned nr_pages;
	struct wbuf *next;
};

/* A job given to the executor: the parent's cookie comes back with it. */
struct wjob {
	struct vgpu_job j;		/* first: executors hand &j back */
	uint64_t cookie;
	struct wjob *next;		/* the backlog */
};

/* Device memory this worker allocated for its guest, or a module's global. */
struct wmem {
	uint64_t ptr, len;
	uint64_t module;		/* the global's module; 0: an allocation */
};

struct wk {
	struct vgpu_exec_config cfg;
	uint32_t key;
	const struct vgpu_executor_ops *ops;
	struct vgpu_executor *ex;
	struct vgpu_platform *plat;
	int epfd;
	struct wbuf *bufs;
	struct wjob *backlog, **backlog_tail;
	uint64_t poll_until;
	struct wmem *mem;
	unsigned nmem, capmem;
};

union wm_any {
	struct wm_hdr h;
	struct wm_job job;
	struct wm_map map;
	struct wm_unmap unmap;
	struct wm_free free;
};

/* A job's answer to the parent (exits if the parent is gone). */
void worker_done(uint64_t cookie, int status, int gpu, const void *result, size_t len);
/* worker_mem.c: the device ranges of @req lie in this worker's memory. */
int worker_mem_check(const struct wk *k, const struct vgpuif_request *req);
/* A job answered: a MEM_ALLOC's memory, a GLOBAL_GET's global is recorded. */
void worker_mem_done(struct wk *k, const struct vgpu_job *j);
void worker_mem_free(struct wk *k, const struct wm_free *f);

/* One message of @len bytes from @fd: 0, or -EPROTO for a malformed one. */
int worker_handle(struct wk *k, int fd, const union wm_any *m, size_t len);

#endif /* VGPUBACK_WORKER_PRIV_H */
