/* SPDX-License-Identifier: MIT */
/*
 * worker_msg.h: the typed messages between vgpuback and its workers.
 *
 * A worker is vgpuback itself, run again as "vgpuback --worker" with two
 * SOCK_SEQPACKET sockets on fds 3 and 4 (relayd's privilege separation is
 * the model: one message per datagram, a fixed struct per type, checked for
 * type and size on receipt).  Both ends are the same binary, so the structs
 * travel as they are.
 *   fd 3, the job channel:  HELLO first, then JOB -> DONE, in any order;
 *                           FREE (no answer) after the DONEs of every job
 *                           that named the memory.
 *   fd 4, the call channel: MAP -> MAPPED, UNMAP -> UNMAPPED, QUERY ->
 *                           QUERIED, one call at a time (the caller blocks).
 * A worker never acts on anything but what its parent sent; the parent
 * checks every DONE against the jobs it gave that worker.
 */
#ifndef VGPUBACK_WORKER_MSG_H
#define VGPUBACK_WORKER_MSG_H

#include <stdint.h>

#include "executor.h"
#include "vgpuif.h"

#define WORKER_JOB_FD  3
#define WORKER_CALL_FD 4

enum wmsg_type {
	WM_HELLO = 1,	/* parent: what to run */
	WM_READY,	/* worker: running, with which executor (or why not) */
	WM_JOB,		/* parent: run this */
	WM_DONE,	/* worker: it finished */
	WM_MAP,		/* parent: map a guest buffer */
	WM_MAPPED,
	WM_UNMAP,	/* parent: unmap it (no job uses it any more) */
	WM_UNMAPPED,
	WM_QUERY,	/* parent: the executor's query and GPUs */
	WM_QUERIED,
	WM_FREE,	/* parent: free memory or a module (no job names it any more) */
};

struct wm_hdr {
	uint32_t type;
	uint32_t _pad;
	uint64_t cookie;	/* JOB/DONE: the parent's job; calls: echoed */
};

struct wm_hello {
	struct wm_hdr h;
	char executor[16];	/* cpu | cuda | auto */
	uint32_t key;		/* vgpu_worker_key() it serves */
	int32_t log_level;
	uint8_t log_stderr;
	uint8_t _pad[7];
	struct vgpu_exec_config cfg;
};

struct wm_ready {
	struct wm_hdr h;
	int32_t status;		/* 0 or -errno */
	char executor[16];	/* what "auto" became */
};

struct wm_job {
	struct wm_hdr h;
	struct vgpuif_request req;
	uint64_t buf_id[3];	/* vgpu_job.buf[i]; 0: operand unused */
	uint32_t domid, devid;
	int32_t prio, pool;
	int32_t session_gpu;	/* vgpu_job.session_gpu */
	uint32_t _pad;
	uint64_t handle;	/* vgpu_job.handle */
};

struct wm_free {
	struct wm_hdr h;
	uint64_t id;		/* vgpu_obj_ref */
	int32_t gpu;
	int32_t kind;
	uint32_t domid;
	uint32_t _pad;
};

struct wm_done {
	struct wm_hdr h;
	int32_t status;
	int32_t gpu;
	uint8_t result[32];
};

struct wm_map {
	struct wm_hdr h;
	uint64_t id;		/* the parent's number for this mapping */
	uint32_t domid;
	uint8_t readonly;
	uint8_t _pad[3];
	struct vgpuif_buf_register_req reg;
};

struct wm_mapped {
	struct wm_hdr h;
	int32_t status;		/* VGPU_OK or VGPU_E* */
	int32_t err;		/* errno of a failed grant map */
	uint8_t pinned;
	uint8_t _pad[7];
};

struct wm_unmap {
	struct wm_hdr h;
	uint64_t id;
};

#define WM_MAX_GPUS 16

struct wm_queried {
	struct wm_hdr h;
	struct vgpuif_query_result q;
	uint32_t ngpus;
	uint32_t _pad;
	struct vgpu_gpu_stat gpus[WM_MAX_GPUS];
	char text[3072];
};

/* The largest message either side sends. */
#define WM_MAX_SIZE sizeof(struct wm_queried)

#endif /* VGPUBACK_WORKER_MSG_H */
