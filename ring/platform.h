/* SPDX-License-Identifier: MIT */
/*
 * platform.h: the grant and event-channel operations frontend and backend use.
 *
 * One small table of operations, chosen at run time (QEMU's hw/xen
 * backend-ops split is the model):
 *   "xen"  libxengnttab (xengntshr_* to share, xengnttab_* to map) and
 *          libxenevtchn, on a real Xen host or guest;
 *   "sim"  simxen, the one-host simulation (test-harness/simxen).
 * vgpu_platform_open(NULL) takes $VGPU_PLATFORM, else "xen".  Product code
 * never knows which one it runs on.  XenStore is not here: everyone uses
 * libxenstore directly (simxen serves the real wire protocol).
 *
 * Return values: pointers are NULL on failure, ints are >= 0 on success and
 * -errno on failure; errno is set as well.
 */
#ifndef VGPU_PLATFORM_H
#define VGPU_PLATFORM_H

#include <stdint.h>
#include <stddef.h>

struct vgpu_platform;
struct vgpu_evtchn;

struct vgpu_platform *vgpu_platform_open(const char *name);
void vgpu_platform_close(struct vgpu_platform *p);
const char *vgpu_platform_name(const struct vgpu_platform *p);

/*
 * Frontend side: allocate @count zeroed pages shared with @domid; the grant
 * refs land in @refs.  The mapping is ordinary shared memory.
 */
void *vgpu_gnt_share(struct vgpu_platform *p, uint32_t domid, unsigned count,
		     int writable, uint32_t *refs);
int vgpu_gnt_unshare(struct vgpu_platform *p, void *addr, unsigned count);

/*
 * Backend side: map @count grant refs of @domid at one contiguous address.
 * Fails (EPERM/EINVAL) for refs not granted to us, or granted read-only when
 * @writable is set.
 */
void *vgpu_gnt_map(struct vgpu_platform *p, uint32_t domid, unsigned count,
		   const uint32_t *refs, int writable);
int vgpu_gnt_unmap(struct vgpu_platform *p, void *addr, unsigned count);

/* Grant copy: the safe path that needs no mapping (optional: -ENOSYS). */
struct vgpu_gnt_copy_seg {
	uint32_t domid;
	uint32_t ref;
	uint16_t offset;	/* within the granted page */
	uint16_t len;		/* offset + len <= page size */
	int to_guest;		/* 1: local -> granted page, 0: the reverse */
	void *local;
	int16_t status;		/* 0 or -errno, per segment */
};
int vgpu_gnt_copy(struct vgpu_platform *p, struct vgpu_gnt_copy_seg *segs,
		  unsigned count);

/*
 * Event channels: one handle, one pollable fd, any number of ports.  A
 * port returned by vgpu_evtchn_pending() stays masked until unmasked.
 */
struct vgpu_evtchn *vgpu_evtchn_open(struct vgpu_platform *p);
void vgpu_evtchn_close(struct vgpu_evtchn *ch);
int vgpu_evtchn_fd(struct vgpu_evtchn *ch);
int vgpu_evtchn_alloc_unbound(struct vgpu_evtchn *ch, uint32_t remote_domid);
int vgpu_evtchn_bind(struct vgpu_evtchn *ch, uint32_t remote_domid,
		     uint32_t remote_port);
int vgpu_evtchn_unbind(struct vgpu_evtchn *ch, uint32_t port);
int vgpu_evtchn_notify(struct vgpu_evtchn *ch, uint32_t port);
int vgpu_evtchn_pending(struct vgpu_evtchn *ch);	/* port, or -EAGAIN */
int vgpu_evtchn_unmask(struct vgpu_evtchn *ch, uint32_t port);
/*
 * Take every pending port off @ch: how many there were.  With @unmask each
 * is unmasked at once (a frontend); without, they stay masked until the
 * caller unmasks them (a backend that throttles a noisy peer).
 */
unsigned vgpu_evtchn_drain(struct vgpu_evtchn *ch, int unmask);
/* 1: peer bound, 0: peer closed or dead, -ENOSYS: platform cannot tell. */
int vgpu_evtchn_peer_alive(struct vgpu_evtchn *ch, uint32_t port);

#endif /* VGPU_PLATFORM_H */
