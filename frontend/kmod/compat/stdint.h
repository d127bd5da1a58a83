/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* stdint.h for the kernel build of ring/vgpuif.h: the kernel's own types. */
#ifndef VGPU_COMPAT_STDINT_H
#define VGPU_COMPAT_STDINT_H
#include <linux/types.h>
#endif
