/* SPDX-License-Identifier: MIT */
/*
 * storms.h: what a guest can make vgpuback do without asking for work.
 *
 * XenStore: vgpuback watches the backend root (written by dom0 only), each
 * device's frontend state node and @releaseDomain, as netback does, and
 * parses every fired path strictly against what dom0 recorded; a guest's
 * writes anywhere else never reach it.
 *
 * Event channels: a notification that finds no request the frontend
 * produced since the last one is spurious.  Like Linux's lateeoi
 * (XSA-332), a device whose notifications are spurious many times in a row
 * has its port left masked for a delay that doubles up to a bound; the
 * first notification that finds work ends the run.  A well-behaved
 * frontend only notifies after producing a request, so it never gets there.
 */
#ifndef VGPU_STORMS_H
#define VGPU_STORMS_H

#include <stdbool.h>
#include <stdint.h>

#include "xsnodes.h"

#define VGPU_BE_ROOT		"/local/domain/0/" VGPU_XS_BACKEND_ROOT

/* Watch tokens: ours, never read from XenStore. */
#define VGPU_TOKEN_BACKEND	"vgpuback/backend"
#define VGPU_TOKEN_RELEASE	"vgpuback/release"
#define VGPU_TOKEN_FE_FMT	"vgpuback/fe/%u/%u"	/* domid, devid */
#define VGPU_TOKEN_MAX		40

enum vgpu_xs_kind {
	VGPU_XSE_IGNORE,	/* nothing vgpuback acts on */
	VGPU_XSE_ROOT,		/* the backend root itself: list every domain */
	VGPU_XSE_DOMAIN,	/* root/<domid>: list that domain's devices */
	VGPU_XSE_DEVICE,	/* root/<domid>/<devid>[/<node>...] */
	VGPU_XSE_FRONTEND,	/* a device's frontend-state watch (path unchecked) */
	VGPU_XSE_RELEASE,	/* @releaseDomain */
};

enum vgpu_xs_node {
	VGPU_NODE_DIR,		/* the device directory itself */
	VGPU_NODE_ONLINE,
	VGPU_NODE_STATE,
	VGPU_NODE_OTHER,	/* one of ours or a toolstack node we read once */
};

struct vgpu_xs_event {
	enum vgpu_xs_kind kind;
	enum vgpu_xs_node node;	/* VGPU_XSE_DEVICE */
	uint32_t domid, devid;	/* VGPU_XSE_DOMAIN, _DEVICE, _FRONTEND */
};

/*
 * Classify one watch event.  Numbers must be canonical decimals (what the
 * toolstack and vgpuback write with %u) and a domid below DOMID_FIRST_RESERVED;
 * anything else is VGPU_XSE_IGNORE.  A VGPU_XSE_FRONTEND event must still be
 * checked against the device's recorded path (vgpu_fe_event_matches).
 */
void vgpu_xs_event_parse(const char *path, const char *token,
			 struct vgpu_xs_event *ev);

/* Is @path exactly @fe_path/state, the node dom0 recorded for the device? */
bool vgpu_fe_event_matches(const char *path, const char *fe_path);

/* Spurious runs before a port is left masked, and the longest mask (ms). */
#define VGPU_STORM_THRESHOLD	8
#define VGPU_STORM_MAX_MS	1000u

struct vgpu_storm {
	uint64_t spurious;	/* notifications that found nothing new, ever */
	uint64_t throttles;	/* ... after which the port stayed masked */
	uint64_t episodes;	/* runs that reached the threshold */
	unsigned run;		/* spurious in a row since one found work */
	uint32_t prod_seen;	/* req_prod at the last notification */
};

/*
 * One notification that saw req_prod @prod.  Returns how many ms to leave
 * the port masked (0: unmask now).  Sets *@started on the notification that
 * starts a throttled run (the caller logs it once).
 */
unsigned vgpu_storm_account(struct vgpu_storm *s, uint32_t prod, bool *started);

#endif /* VGPU_STORMS_H */
