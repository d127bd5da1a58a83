/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* stddef.h for the kernel build of ring/vgpuif.h. */
#ifndef VGPU_COMPAT_STDDEF_H
#define VGPU_COMPAT_STDDEF_H
#include <linux/stddef.h>
#endif
