/* SPDX-License-Identifier: MIT */
/*
 * spec.h: one `vgpu=` device spec, as in xl-vgpu(5):
 *   pool=NAME,prio=high|medium|low,devid=N,backend=DOMID
 * Comma-separated key=value, as xl's vif= and disk= specs are.  Pure code.
 */
#ifndef VGPU_SPEC_H
#define VGPU_SPEC_H

#include <stddef.h>
#include <stdint.h>

struct vgpu_spec {
	char pool[16];
	int prio;		/* VGPU_PRIO_*; default medium */
	int devid;		/* -1: the next free */
	uint32_t backend;	/* backend domain: 0, the only one vgpuback serves */
};

/* 0, or -1 with a message naming the spec and the key in @err. */
int vgpu_spec_parse(const char *spec, struct vgpu_spec *out, char *err,
		    size_t errlen);

#endif /* VGPU_SPEC_H */
