/* SPDX-License-Identifier: MIT */
/*
 * platform_impl.h: what a platform implementation provides (see platform.h).
 * Only ring/platform*.c include this.
 */
#ifndef VGPU_PLATFORM_IMPL_H
#define VGPU_PLATFORM_IMPL_H

#include "platform.h"

struct vgpu_platform_ops {
	const char *name;
	int (*open)(struct vgpu_platform *p);		/* sets p->priv */
	void (*close)(struct vgpu_platform *p);

	void *(*gnt_share)(struct vgpu_platform *p, uint32_t domid,
			   unsigned count, int writable, uint32_t *refs);
	int (*gnt_unshare)(struct vgpu_platform *p, void *addr, unsigned count);
	void *(*gnt_map)(struct vgpu_platform *p, uint32_t domid,
			 unsigned count, const uint32_t *refs, int writable);
	int (*gnt_unmap)(struct vgpu_platform *p, void *addr, unsigned count);
	int (*gnt_copy)(struct vgpu_platform *p,
			struct vgpu_gnt_copy_seg *segs, unsigned count);

	struct vgpu_evtchn *(*evtchn_open)(struct vgpu_platform *p);
	void (*evtchn_close)(struct vgpu_evtchn *ch);
	int (*evtchn_fd)(struct vgpu_evtchn *ch);
	int (*evtchn_alloc_unbound)(struct vgpu_evtchn *ch, uint32_t remote);
	int (*evtchn_bind)(struct vgpu_evtchn *ch, uint32_t remote,
			   uint32_t remote_port);
	int (*evtchn_unbind)(struct vgpu_evtchn *ch, uint32_t port);
	int (*evtchn_notify)(struct vgpu_evtchn *ch, uint32_t port);
	int (*evtchn_pending)(struct vgpu_evtchn *ch);
	int (*evtchn_unmask)(struct vgpu_evtchn *ch, uint32_t port);
	int (*evtchn_peer_alive)(struct vgpu_evtchn *ch, uint32_t port);
};

struct vgpu_platform {
	const struct vgpu_platform_ops *ops;
	void *priv;
};

/* Every evtchn handle starts with this, so the wrappers find the ops. */
struct vgpu_evtchn {
	const struct vgpu_platform_ops *ops;
	struct vgpu_platform *plat;
};

extern const struct vgpu_platform_ops vgpu_platform_xen_ops;
extern const struct vgpu_platform_ops vgpu_platform_sim_ops;

#endif /* VGPU_PLATFORM_IMPL_H */
