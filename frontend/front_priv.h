/* SPDX-License-Identifier: MIT */
/* front_priv.h: libvgpufront's device state, shared by its files. */
#ifndef VGPUFRONT_PRIV_H
#define VGPUFRONT_PRIV_H

#include <sys/epoll.h>

#include <xenstore.h>

#include "platform.h"
#include "vgpufront.h"

struct vgpufront {
	unsigned devid;
	int timeout_ms;
	uint64_t spin_ns;		/* busy-wait before sleeping */
	struct xs_handle *xs;
	struct vgpu_platform *plat;
	struct vgpu_evtchn *evtchn;
	uint32_t domid;			/* ours */
	uint32_t backend_id;
	char fe_path[128];
	char be_path[256];
	unsigned order;
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

/* xenbus.c */
int front_read_state(struct vgpufront *dev, const char *dir);
void front_set_err(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* xenbus.c: move our state, never recreating a removed directory. */
int front_switch_state(struct vgpufront *dev, int state);
/* io.c: the outstanding-request table for a ring of @size slots. */
int front_shadow_init(struct vgpufront *dev, unsigned size);
/* io.c: fail the device for a protocol error of the backend (once). */
void front_fail(struct vgpufront *dev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* io.c: the busy-wait budget for @spin_us as vgpufront_opts takes it. */
uint64_t front_spin_ns(int spin_us);
/* io.c: act on @n events of dev->pollfd (XenStore news, pending ports). */
void front_handle_wakes(struct vgpufront *dev, const struct epoll_event *ev, int n);
/* Drain XenStore watch events; notes a backend that is going away. */
void front_check_backend(struct vgpufront *dev);

#endif /* VGPUFRONT_PRIV_H */
