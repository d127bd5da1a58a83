/* SPDX-License-Identifier: MIT */
/*
 * xsdev.c: the device's state nodes in XenStore, ours and the backend's.
 * The lowest file of the library: the handshake and the transport both
 * move our state and watch the backend's, and call nothing back.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include <xen/io/xenbus.h>

#include "front_priv.h"
#include "vgpu_xs.h"
#include "xsnodes.h"

/*
 * A node that is missing reads as Unknown, as before a device exists; one
 * that is not a XenbusState in decimal digits (a backend's garbage) reads
 * as Unknown too, so it never passes for Connected.
 */
int front_read_state(struct vgpufront *dev, const char *dir)
{
	int st = vgpu_xs_read_state(dev->xs, XBT_NULL, dir);

	return st < 0 ? XenbusStateUnknown : st;
}

/*
 * As Linux's xenbus_switch_state: after the toolstack removed the device
 * (vgpuctl detach) a plain write would recreate the directory, owned by
 * us, and the devid could not be attached again.
 */
int front_switch_state(struct vgpufront *dev, int state)
{
	return vgpu_xs_switch_state(dev->xs, dev->fe_path, state);
}

void front_drain_watches(struct vgpufront *dev)
{
	char **w;

	while ((w = xs_check_watch(dev->xs)))
		free(w);
}

void front_check_backend(struct vgpufront *dev)
{
	front_drain_watches(dev);
	if (front_read_state(dev, dev->be_path) != XenbusStateConnected)
		dev->backend_gone = true;
}

/* A backend older than version 2 never wrote the node: it speaks version 1. */
int front_read_protocol(struct vgpufront *dev)
{
	char *v = vgpu_xs_read(dev->xs, XBT_NULL, dev->be_path, VGPU_XS_FEAT_VERSION);
	unsigned long n = 0;
	char *end = v;

	if (v) {
		errno = 0;
		n = strtoul(v, &end, 10);
		if (end == v || *end || errno || n > INT_MAX)
			n = 0;
	}
	free(v);
	return n ? (int)n : 1;
}
