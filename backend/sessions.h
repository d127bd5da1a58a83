/* SPDX-License-Identifier: MIT */
/*
 * sessions.h: each device's sessions and the device memory they hold
 * (protocol version 2; sessions.c).  vgpuback keeps its own record of every
 * allocation (address, size, session) and checks each device range a
 * request names against it before the request is queued; the memory itself
 * lives where the executor runs (the guest's worker).  An allocation that
 * jobs still name outlives its MEM_FREE or its session's close until the
 * last of them is done: only then does the executor free it.  Device
 * memory counts against the domain's quota (mem-quota, pool-mem-quota).
 * Modules and their functions follow the same rules (modules.c).
 */
#ifndef VGPUBACK_SESSIONS_H
#define VGPUBACK_SESSIONS_H

#include <stdint.h>

#include "vgpuif.h"

struct vgpuback;
struct vgpu_dev;
struct vgpu_job;

struct vgpu_session;

/* SESSION_OPEN, SESSION_CLOSE, MEM_FREE: answered here, on the loop. */
void sessions_request(struct vgpu_dev *dev, const struct vgpuif_request *req);
/*
 * A version 2 job about to be queued: its session (job->session_gpu), its
 * quota (MEM_ALLOC reserves its bytes) and its device ranges (each inside a
 * live allocation of the session, or of a global GLOBAL_GET gave it of a
 * module still loaded, which the job then holds).  VGPU_OK or the status
 * to answer.
 */
int sessions_job_start(struct vgpu_dev *dev, struct vgpu_job *j);
/*
 * A job came back, about to be answered: MODULE_LOAD's and FUNC_GET's
 * results carry vgpuback's handle, and a worker's impossible parameter
 * list or global's range (empty, wrapping) fails the job (modules.c).
 */
void sessions_job_result(struct vgpu_job *j);
/* The job is gone (answered or dropped): what it held, what it allocated. */
void sessions_job_end(struct vgpuback *bk, struct vgpu_job *j);
/* The connection ends: every session closes, its memory goes. */
void sessions_drop(struct vgpu_dev *dev);

#endif /* VGPUBACK_SESSIONS_H */
