/* SPDX-License-Identifier: MIT */
/* platform_sim.c: placeholder until simxen lands (its issue fills it in). */
#include "config.h"

#include <errno.h>

#include "platform_impl.h"

static int sim_open(struct vgpu_platform *p)
{
	(void)p;
	return -ENOSYS;
}

const struct vgpu_platform_ops vgpu_platform_sim_ops = {
	.name = "sim",
	.open = sim_open,
};
