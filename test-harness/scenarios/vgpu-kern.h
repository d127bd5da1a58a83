/* SPDX-License-Identifier: MIT */
/*
 * vgpu-kern.h: the scenario guest for modules and launches (vgpu-kern.c:
 * its frame and what every executor must answer; vgpu-kern-gpu.c: kernels
 * that run, on the CUDA executor).
 */
#ifndef VGPU_KERN_H
#define VGPU_KERN_H

#include <stdbool.h>
#include <stdint.h>

#include "guest_checks.h"
#include "vgpufront.h"

#define KBUF_BYTES (4u << 20)	/* each staging buffer */

struct kctx {
	struct checks ck;
	const char *name, *cubin, *peer_out, *peer_in;
	const char *expect_name, *expect_cc;	/* nvidia-smi's, for devinfo */
	uint64_t expect_mem_mib;
	unsigned devid, max_modules, max_streams, max_events;
	unsigned delay_us;		/* vgpuback's --cpu-delay-us, 0: unknown */
	struct vgpufront *dev;
	struct vgpufront_buf *in;	/* read-only to the backend: HtoD, images, blobs */
	struct vgpufront_buf *out;	/* writable: DtoH, layouts */
};

#define E(s) VGPUFRONT_E(VGPU_##s)

bool kcheck(struct kctx *c, bool pass, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
bool kexpect(struct kctx *c, int got, int want, const char *what);

/* A raw request of @op in @session, all else zero. */
void kreq(struct vgpuif_request *q, uint8_t op, uint32_t session);
/* Send @q, return the status as the library's calls do. */
int kcall(struct kctx *c, struct vgpuif_request *q, struct vgpuif_response *rsp);

/* (Re)open the device and its two buffers; false after a check said why. */
bool kern_open(struct kctx *c);
/* vgpu_vadd from module @mod on 2^19 floats, checked (vgpu-kern-gpu.c). */
void kern_vadd(struct kctx *c, uint32_t s, uint64_t mod);

/* Sub-tests needing the CUDA executor (vgpu-kern-gpu.c, vgpu-kern-iso.c). */
void t_kernels(struct kctx *c);
void t_layout(struct kctx *c);
void t_stream(struct kctx *c);
void t_errors(struct kctx *c);
void t_cubin(struct kctx *c);
void t_fault(struct kctx *c);
void t_victim(struct kctx *c);
void t_spin(struct kctx *c);
void t_devinfo(struct kctx *c);
void t_globals(struct kctx *c);
/* Any executor (vgpu-kern-events.c). */
void t_events(struct kctx *c);

#endif /* VGPU_KERN_H */
