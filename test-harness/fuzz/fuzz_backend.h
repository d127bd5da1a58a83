/* SPDX-License-Identifier: MIT */
/*
 * fuzz_backend.h: the fakes fuzz_backend links vgpuback's request and device
 * code against (fuzz_backend_stubs.c): an in-memory XenStore behind the
 * libxenstore calls, a grant/event-channel platform whose guests' pages are
 * memfd pages (a backend mapping aliases them, as a grant mapping does), and
 * a stub executor whose jobs finish only when the fuzz input says so.
 */
#ifndef FUZZ_BACKEND_H
#define FUZZ_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include "executor.h"
#include "platform.h"

#define FZ_NDOMS	2		/* guests: domid 1 and 2 */
#define FZ_NREFS	64		/* grant refs per guest: 1 .. 63 usable */
#define FZ_PAGE		4096u

/* ---- XenStore ---- */
void fxs_reset(void);
void fxs_write(const char *path, const char *val);
char *fxs_read(const char *path);	/* malloc'd, or NULL */
void fxs_rm(const char *path);
void fxs_release_domain(void);		/* fire @releaseDomain watches */
int fxs_next_event(char **path, char **token);	/* 0: both malloc'd; -1: none */
unsigned fxs_nwatches(void);
extern unsigned fxs_events_dropped;

/* ---- Grants and event channels ---- */
struct fz_guest {
	uint8_t *view;			/* the guest's FZ_NREFS pages */
	uint8_t granted[FZ_NREFS];	/* 0: no, 1: read-only, 2: writable */
	bool dead;			/* maps fail, peer_alive says 0 */
};

extern struct fz_guest fz_guests[FZ_NDOMS + 1];	/* by domid; [0] unused */
extern struct vgpu_platform *fz_plat;
extern unsigned fz_map_fail;		/* the next this many maps fail */
extern unsigned fz_live_maps, fz_live_evtchns;

void fz_platform_reset(void);
/* Open or close the gate the mapper thread's grant operations wait at. */
void fz_gate(bool open);
uint64_t fz_mapped_pages(uint32_t domid);	/* rings included */		/* between inputs: drop guard pages */
/* Is [addr, addr + pages) one live mapping?  Its first ref and domid, or -1. */
int fz_mapping_find(const void *addr, unsigned pages, uint32_t *domid);
void fz_evtchn_guest_notify(uint32_t domid, uint32_t port);
bool fz_evtchn_ready(struct vgpu_evtchn *ch);
void fz_timers_fire(void);		/* every armed timerfd ticks now */
/* The harness's guest model hears of notifications (fuzz_backend.c). */
void fz_guest_notified(uint32_t domid, uint32_t remote_port);

/* ---- Executor ---- */
#define FZ_MAX_SLOTS	8

struct fz_exec {
	struct vgpu_executor base;
	unsigned slots;
	struct vgpu_job *run[FZ_MAX_SLOTS];	/* submitted, not finished */
	unsigned nrun;
	struct vgpu_job *done[FZ_MAX_SLOTS];	/* finished, not reaped */
	unsigned ndone;
	unsigned fail_submit;			/* the next this many submits fail */
	unsigned fail_attach;			/* ... and buffer attaches */
	struct vgpu_buffer **att;		/* attached buffers */
	unsigned natt, catt;
	/* The harness checks each submit (order, owner, buffers). */
	void (*on_submit)(struct vgpu_job *j);
	/* Device memory it gave out (protocol 2): live until mem_free. */
	struct fz_mem { uint64_t ptr, len; } *mem;
	unsigned nmem, cmem;
	uint64_t next_ptr;
	/* Modules and functions it made (protocol 2), under vgpuback's handles. */
	struct fz_mod { uint64_t handle; } *mods;
	unsigned nmods, cmods;
	struct fz_fn { uint64_t handle, module; uint32_t param_bytes; } *fns;
	unsigned nfns, cfns;
	/* Globals it answered GLOBAL_GET with: live until their module goes. */
	struct fz_global { uint64_t module, ptr, len; } *globals;
	unsigned nglobals, cglobals;
};

/*
 * The stub's globals: module M's lie at FZ_GLOBAL_BASE + M * 64 KiB, 8 to
 * 14 KiB each.  Names of a length 14 or 15 mod 16 get a range no executor
 * may answer (wrapping, empty): vgpuback must answer VGPU_EIO.
 */
#define FZ_GLOBAL_BASE	0x7e0000000000ull

extern const struct vgpu_executor_ops fz_exec_ops;
/* Finish running job @idx with @status (its buffers are read and written). */
void fz_exec_finish(struct fz_exec *x, unsigned idx, int32_t status);
/* Events the executor was told to free (obj_free), since its fz_create. */
extern unsigned fz_events_freed;

#endif /* FUZZ_BACKEND_H */
