/* SPDX-License-Identifier: MIT */
/*
 * vgpuback.h: the daemon's one context and its devices.
 *
 * Everything runs on one thread around one epoll loop: XenStore watches,
 * each device's event channel, executor completions, the control socket and
 * signals.  Executors may use threads of their own but touch nothing here.
 *
 * Where each part lives (each file's prototypes are in its own header).
 * Calls only go down this list, never up:
 *   main.c       start-up and shutdown
 *   loop.c       the epoll loop, what each kind of event runs   (loop.h)
 *   wakeup.c     a device's wake (channel, timers, storms), the
 *                ring pass for devices marked busy              (wakeup.h)
 *   xenbus.c     the state machine against the frontend's state,
 *                devices found and removed in XenStore          (xenbus.h)
 *   interface.c  connect (ring, event channel, timers), disconnect (interface.h)
 *   datapath.c   intake, dispatch to the executor, reaping      (datapath.h)
 *   buffers.c    the buffer table, its limits and references    (buffers.h)
 *   sessions.c   sessions, device memory, their limits          (sessions.h)
 *   mapper.c     the thread that maps and unmaps buffers        (mapper.h)
 *   respond.c    the one writer of responses                    (respond.h)
 *   device.c     a device's lifetime, the busy list             (device.h)
 */
#ifndef VGPUBACK_H
#define VGPUBACK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <xenstore.h>

#include "executor.h"
#include "log.h"
#include "options.h"
#include "platform.h"
#include "scheduler.h"
#include "storms.h"
#include "vgpuif.h"

enum ep_kind { EP_XS, EP_EXEC, EP_CONTROL, EP_SIGNAL, EP_DEV, EP_HOOK, EP_MAP };

struct ep_item {
	enum ep_kind kind;
	void *ptr;
};

#define VGPU_DEV_LAT 1024		/* round trips kept per device */
#define VGPU_HIST_BUCKETS 12		/* vgpu_hist_bounds_ns, then +Inf */

/* Times since the start (respond.c): a count per bucket, not cumulative. */
struct vgpu_hist {
	uint64_t bucket[VGPU_HIST_BUCKETS];
	uint64_t sum_ns, count;
};

struct vgpu_dev {
	struct vgpuback *bk;
	uint32_t domid;
	uint32_t devid;
	char be_path[128];
	char fe_path[160];
	int state;			/* our XenbusState */
	int prio;
	int pool;
	bool refused;			/* bad toolstack nodes: stays Closed */
	bool online;			/* the toolstack's online node says 1 */
	bool fe_watched;		/* our watch on fe_path/state is set */
	/* Connection. */
	bool connected;
	bool broken;			/* ring protocol violated: tear down */
	uint32_t gen;			/* bumps on every disconnect */
	struct vgpu_evtchn *evtchn;
	int port;
	int watch_fd;			/* timerfd: a second look at a quiet peer */
	bool watch_armed;
	int throttle_fd;		/* timerfd: ends a storm's masked spell */
	bool throttled;			/* port left masked (storms.h) */
	struct vgpu_storm storm;
	void *ring_addr;
	unsigned ring_pages;
	vgpuif_back_ring_t ring;
	struct ep_item item;
	bool busy;			/* on the busy list: more work (device.c) */
	struct vgpu_dev *busy_next;
	unsigned inflight;		/* consumed, not yet answered */
	struct vgpu_buffer **bufs;
	unsigned nbufs;
	uint64_t map_failures;		/* BUF_REGISTERs whose pages did not map */
	/* Sessions and device memory (sessions.c). */
	struct vgpu_session *sessions;
	uint32_t next_session;
	unsigned nsessions;
	unsigned nallocs;		/* allocated, or MEM_ALLOCs not done */
	uint64_t mem_bytes;		/* allocated and not freed */
	uint64_t mem_reserved;		/* MEM_ALLOCs queued or running */
	unsigned nmodules;		/* loaded, or MODULE_LOADs not done */
	unsigned nfuncs;		/* got (and globals), or FUNC_GET/GLOBAL_GETs not done */
	unsigned nstreams;		/* streams of its sessions */
	unsigned nevents;		/* events of its sessions */
	uint64_t buf_pages;
	unsigned jobs_out;		/* jobs anywhere that point at us */
	bool dead;			/* free when jobs_out reaches 0 */
	/* Statistics. */
	uint64_t submitted, completed, failed;
	uint32_t lat_us[VGPU_DEV_LAT];	/* last jobs' round trips, a ring */
	uint64_t lat_n;			/* jobs ever put in lat_us */
	struct vgpu_dev *next;
};

#define LAT_SAMPLES 4096

struct vgpuback {
	struct vgpuback_config cfg;
	int epfd;
	struct xs_handle *xs;
	struct vgpu_platform *plat;
	const struct vgpu_executor_ops *exops;
	struct vgpu_executor *ex;
	const char *exec_name;		/* cpu | cuda: what runs the work */
	struct vgpu_sched sched;
	uint64_t seq;
	struct vgpu_dev *devs;
	struct vgpu_dev *busy_head, **busy_tail;
	int control_fd;
	int signal_fd;
	struct ep_item xs_item, exec_item, control_item, signal_item, hook_item;
	struct vgpu_xlhook *hook;
	bool stop;
	uint64_t poll_until;		/* busy-poll the executor until (ns) */
	bool supervised;		/* a supervisor restarts us (supervise.c) */
	bool broken_said;		/* the executor broke; acted on once */
	int exit_code;
	/* Statistics. */
	uint64_t pool_submitted[VGPU_MAX_POOLS], pool_completed[VGPU_MAX_POOLS];
	uint32_t lat_queue_us[LAT_SAMPLES], lat_exec_us[LAT_SAMPLES];
	uint64_t lat_count;
	/* Per pool: arrival to response, and arrival to dispatch. */
	struct vgpu_hist hist_request[VGPU_MAX_POOLS], hist_queue[VGPU_MAX_POOLS];
	uint64_t live_jobs, live_buffers, live_mappings;
	uint64_t live_allocs, live_mem;	/* device memory, until the executor frees it */
	uint64_t live_modules;		/* loaded, until the executor unloads them */
	uint64_t next_handle;		/* modules' and functions' (sessions.c) */
	unsigned ngpus;			/* sessions may open on 0 .. ngpus - 1 */
	/* Buffer mapping off the loop (buffers.c, mapper.c). */
	struct vgpu_mapper *mapper;
	struct ep_item map_item;
	uint64_t host_pages;		/* guest pages mapped or being mapped */
	struct map_work *map_pending;	/* registrations not yet reaped */
	struct map_work *map_held;	/* every registration until unmapped */
};

/* log.c: log.h */

/* frontend_nodes.c: what a guest wrote, checked (pure: the fuzzers call it). */
int vgpu_parse_frontend_state(const char *v);
int vgpu_parse_frontend_nodes(const char *order, const char *const *refs,
			      unsigned nrefs, const char *port,
			      const char *protocol, unsigned max_order,
			      uint32_t *out_refs, unsigned *out_pages,
			      uint32_t *out_port);

/* supervise.c: 0 in the worker; the supervisor never returns (-1: fork failed). */
#define VGPUBACK_EXIT_RESTART 75	/* EX_TEMPFAIL: start a new worker */
int supervise(void);

/* control.c */
int control_open(struct vgpuback *bk);
void control_serve(struct vgpuback *bk);

#endif /* VGPUBACK_H */
