/* SPDX-License-Identifier: MIT */
/*
 * kdev.h: libvgpufront's two paths to the device, and the kernel one.
 *
 * A handle reaches its device either through the guest kernel driver
 * (xen-vgpufront.ko, /dev/vgpuN, vgpu(4): kdev.c) or through the user-space
 * path (gntalloc and evtchn, the xenbus handshake done in this process:
 * xenbus.c, transport.c, buffers.c).  vgpufront_open() picks one
 * ($VGPUFRONT_PATH: auto, kernel or user) and sets dev->kdev for the kernel
 * path; each public call that differs between the two asks dev->kdev first
 * and hands the call to front_kdev_*() below, so the rest of the library
 * (ops.c, mem.c, launch.c, streams.c, events.c) packs requests once for both.
 *
 * Sessions on the kernel path: the driver gives one session per open file
 * and a request may name only the file's own buffers, so a handle is one
 * file and holds at most one session at a time (kdev.c says how closing it
 * works).
 */
#ifndef VGPUFRONT_KDEV_H
#define VGPUFRONT_KDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vgpufront.h"

struct front_kdev;

/* Where the driver's nodes are ("/dev"): tests point it elsewhere. */
extern const char *front_kdev_dir;

enum front_path_mode {
	FRONT_PATH_AUTO,		/* the driver's node when it opens, else user space */
	FRONT_PATH_KERNEL,		/* only the driver's node */
	FRONT_PATH_USER,		/* only gntalloc and evtchn */
};

/* $VGPUFRONT_PATH as a mode: unset or empty is auto; -EINVAL for garbage. */
int front_path_mode(void);

/*
 * Open /dev/vgpu<devid> and take the device through it: 0, or -errno with
 * @err saying why (-ENOENT: no such node, the driver is not loaded or the
 * device is not connected).
 */
int front_kdev_open(struct vgpufront *dev, char *err, size_t errlen);
void front_kdev_close(struct vgpufront *dev);
/* The driver holds device @devid: the user-space path must keep off it. */
bool front_kdev_bound(unsigned devid);

int front_kdev_submit(struct vgpufront *dev, struct vgpuif_request *req);
int front_kdev_poll(struct vgpufront *dev, struct vgpuif_response *rsps,
		    unsigned max, int timeout_ms);
int front_kdev_call(struct vgpufront *dev, struct vgpuif_request *req,
		    struct vgpuif_response *rsp);
struct vgpufront_buf *front_kdev_buf_alloc(struct vgpufront *dev, size_t bytes,
					   unsigned flags, int *status);
int front_kdev_buf_free(struct vgpufront *dev, struct vgpufront_buf *buf);
int front_kdev_fd(const struct vgpufront *dev);
unsigned front_kdev_ring_size(const struct vgpufront *dev);
unsigned front_kdev_inflight(const struct vgpufront *dev);
bool front_kdev_connected(const struct vgpufront *dev);
int front_kdev_session_open(struct vgpufront *dev, unsigned gpu, uint32_t *session);
int front_kdev_session_close(struct vgpufront *dev, uint32_t session);
/* The backend's nodes the driver reports (pool, priority, feature-executor). */
int front_kdev_backend_node(const struct vgpufront *dev, const char *node,
			    char *buf, size_t len);
/* "/dev/vgpuN" */
const char *front_kdev_node(const struct vgpufront *dev);

#endif /* VGPUFRONT_KDEV_H */
