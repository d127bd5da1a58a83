/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * <xen/io/ring.h> for the kernel build of ring/vgpuif.h: the kernel's copy
 * of Xen's public ring.h, with the kernel's barriers (virt_*mb).
 */
#ifndef VGPU_COMPAT_XEN_IO_RING_H
#define VGPU_COMPAT_XEN_IO_RING_H
#include <xen/interface/io/ring.h>
#endif
