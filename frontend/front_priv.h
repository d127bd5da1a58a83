/* SPDX-License-Identifier: MIT */
/*
 * front_priv.h: libvgpufront's device state, shared by its files.
 *
 * The files call downwards only (no two call each other):
 *   ops.c -> buffers.c -> transport.c -> xsdev.c
 *   ops.c -> transport.c
 *   xenbus.c -> buffers.c, transport.c, xsdev.c, errors.c
 * errors.c and xsdev.c call no other file of the library.
 * The kernel path (kdev.c, /dev/vgpuN) is called from the public calls of
 * transport.c, buffers.c, mem.c and xenbus.c when dev->kdev is set, and
 * calls none of them (kdev.h says how the two paths split).
 */
#ifndef VGPUFRONT_PRIV_H
#define VGPUFRONT_PRIV_H

#include <sys/epoll.h>

#include <xenstore.h>

#include "kdev.h"
#include "platform.h"
#include "vgpufront.h"

struct vgpufront {
	unsigned devid;
	int timeout_ms;
	uint64_t spin_ns;		/* busy-wait before sleeping */
	struct xs_handle *xs;		/* on the kernel path only where this user may */
	struct front_kdev *kdev;	/* the kernel path (kdev.c); NULL: user space */
	struct vgpu_platform *plat;
	struct vgpu_evtchn *evtchn;
	uint32_t domid;			/* ours */
	uint32_t backend_id;
	char fe_path[128];
	char be_path[256];
	unsigned order;
	int protocol;			/* the backend's feature-protocol-version, read at open */
	void *ring_pages;
	vgpuif_front_ring_t front;
	int port;
	bool connected;
	bool backend_gone;
	bool broken;			/* the backend broke the protocol */
	char fault[200];		/* why, once broken */
	/*
	 * Requests outstanding, one entry per ring slot (XSA-403): a request's
	 * id is seq << FRONT_ID_SLOT_BITS | slot, shadow[slot] holds it until
	 * its response; free_slots stacks the unused slots.
	 */
	uint64_t *shadow;
	uint16_t *free_slots;
	unsigned nfree;
	uint64_t next_seq;
	unsigned granted;		/* pages this handle has granted now */
	unsigned grant_want;		/* pages of the last share that failed */
	uint32_t next_handle;
	unsigned inflight;
	/* Responses that arrived while a sync call waited for its own. */
	struct vgpuif_response *stash;
	unsigned nstash;
	int pollfd;			/* epoll over the event channel and XenStore */
};

#define FRONT_ID_SLOT_BITS 16

/* What woke dev->pollfd: each fd in it carries its kind as epoll data.u32. */
enum front_wake {
	FRONT_WAKE_EVTCHN = 1,		/* a port of ours is pending */
	FRONT_WAKE_XENSTORE,		/* a watch fired: the backend's state */
};

/* xsdev.c: the device's own XenStore nodes. */
/* A state node as a XenbusState; missing or not a state: XenbusStateUnknown. */
int front_read_state(struct vgpufront *dev, const char *dir);
/* Move our state, never recreating a removed directory: 0, -ENODEV, -errno. */
int front_switch_state(struct vgpufront *dev, int state);
/* Drain XenStore watch events; notes a backend that is going away. */
void front_check_backend(struct vgpufront *dev);
/* The backend's feature-protocol-version: 1 when it has none or garbage. */
int front_read_protocol(struct vgpufront *dev);
void front_drain_watches(struct vgpufront *dev);

/* transport.c: the ring and its wake-ups. */
/* The busy-wait budget for @spin_us as vgpufront_opts takes it. */
uint64_t front_spin_ns(int spin_us);
/* Once connected: the request table, the stash and dev->pollfd. */
int front_transport_init(struct vgpufront *dev);
void front_transport_fini(struct vgpufront *dev);
/* Fail the device for a protocol error of the backend (once). */
void front_fail(struct vgpufront *dev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Act on @n events of dev->pollfd (XenStore news, pending ports). */
void front_handle_wakes(struct vgpufront *dev, const struct epoll_event *ev, int n);

/* buffers.c: grants counted against the device (dev->granted). */
void *front_share(struct vgpufront *dev, unsigned count, int writable,
		  uint32_t *refs);
void front_unshare(struct vgpufront *dev, void *addr, unsigned count);

/* mem.c: -EOPNOTSUPP before a version 1 backend; a zeroed request of @op. */
int front_check_v2(struct vgpufront *dev);
/* vgpufront_call of a version 2 request, after front_check_v2 (mem.c). */
int front_call_v2(struct vgpufront *dev, struct vgpuif_request *req,
		  struct vgpuif_response *rsp);
void front_request_init(struct vgpuif_request *req, uint8_t op, uint32_t session);

#endif /* VGPUFRONT_PRIV_H */
