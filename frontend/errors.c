/* SPDX-License-Identifier: MIT */
/*
 * errors.c: return codes as text (vgpufront_strerror) and explained for a
 * person in the device's context (vgpufront_explain): which grant limit a
 * share ran into and how to raise it, what a refusal of the backend means
 * (version 2's sessions, device pointers and kernels included).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "front_priv.h"
#include "request.h"

#define GNTALLOC_LIMIT "/sys/module/xen_gntalloc/parameters/limit"

const char *vgpufront_strerror(int rc)
{
	if (rc == 0)
		return "success";
	if (vgpufront_is_status(rc))
		return vgpuif_strerror(rc + VGPUFRONT_STATUS_BASE);
	if (rc == -EPROTO)
		return "the backend broke the protocol (device failed)";
	if (rc == -ENOSPC)
		return "out of grant references (gntalloc's limit or the domain's "
		       "grant table: see vgpufront(1), LIMITS)";
	if (rc < 0 && rc > -VGPUFRONT_STATUS_BASE)
		return strerror(-rc);
	return "unknown error";
}

static long read_limit(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* Which grant limit a share of @want pages ran into, and how to raise it. */
static void explain_grants(const struct vgpufront *dev, long limit, char *buf,
			   size_t len)
{
	if (limit > 0 && dev->granted + dev->grant_want > (unsigned long)limit) {
		snprintf(buf, len, "gntalloc limit: %u more pages granted beside the %u "
			 "this device holds pass %s (%ld pages for the whole guest): raise "
			 "it as root (echo 1048576 > %s, or xen_gntalloc.limit= on the "
			 "kernel command line)", dev->grant_want, dev->granted,
			 GNTALLOC_LIMIT, limit, GNTALLOC_LIMIT);
		return;
	}
	snprintf(buf, len, "no grant reference left for %u more pages (this device "
		 "holds %u): the domain's grant table is full (Xen's max_grant_frames, "
		 "64 frames = 32768 grants by default: set max_grant_frames= in the "
		 "domain's xl config)%s", dev->grant_want, dev->granted,
		 limit > 0 ? ", or other programs hold the rest of gntalloc's limit ("
		 GNTALLOC_LIMIT ")" : "");
}

/* What a protocol status means beyond vgpuif_strerror's words, or NULL. */
static const char *status_hint(int rc)
{
	switch (rc + VGPUFRONT_STATUS_BASE) {
	case VGPU_EGRANT:
		return "the backend could not map this guest's pages; dom0's "
		       "grant-mapping limits (gntdev's limit, "
		       "/sys/module/xen_gntdev/parameters/limit on older dom0 kernels, "
		       "and Xen's max_maptrack_frames) are the host administrator's to raise";
	case VGPU_ENOMEM:
		return "the backend's per-domain caps are in 'vgpufront info' (max "
		       "buffers, max inflight); device memory, sessions and allocations "
		       "are capped per domain too (vgpuback --mem-quota, --max-sessions, "
		       "--max-allocations)";
	case VGPU_ERANGE:
		return "an offset or length outside its buffer or allocation, or, for "
		       "a session, a GPU the host does not have or the device's pool may "
		       "not use (vgpuback --pool-gpu; 'vgpufront info' lists the GPUs)";
	case VGPU_ESESSION:
		return "the session was closed, or was opened on another device (a "
		       "session belongs to the device it was opened on); open a new one";
	case VGPU_EBADPTR:
		return "the device range is not inside one live allocation of this "
		       "session: freed, never allocated here, or running past the "
		       "allocation's end";
	case VGPU_ELOST:
		return "the backend's worker for this guest died, and the sessions' "
		       "device memory with it; open a new session to go on";
	case VGPU_ETIMEDOUT:
		return "the request ran past its pool's deadline and its worker was "
		       "killed; the sessions' device memory is gone, open a new session";
	case VGPU_ENOSYS:
		return "kernels (modules, launches) need vgpuback's CUDA executor; the "
		       "CPU executor cannot run them";
	case VGPU_ENOENT:
		return "no such module or kernel, stream or event in this session: "
		       "unloaded or destroyed, made in another session, or a name not in "
		       "the module (C++ kernels keep their mangled names unless declared "
		       "extern \"C\")";
	case VGPU_EIMAGE:
		return "the host's GPU driver refused the module image (PTX of a newer "
		       "ISA than the driver's, a cubin of another GPU architecture, or "
		       "not an image): vgpuback's log has the driver's words";
	case VGPU_ELAUNCH:
		return "the host's GPU driver refused the launch: grid or block shape, "
		       "shared memory or registers beyond what the kernel and GPU allow";
	case VGPU_EFAULT:
		return "a kernel of this guest faulted (illegal address, trap, "
		       "misaligned access); the guest's GPU state is gone, open a new "
		       "session";
	case VGPU_ENOTREADY:
		return "an event's latest record has not completed yet: synchronize "
		       "on it first (as cuEventElapsedTime answers CUDA_ERROR_NOT_READY)";
	default:
		return NULL;
	}
}

const char *vgpufront_explain(const struct vgpufront *dev, int rc, char *buf,
			      size_t len)
{
	const char *hint = vgpufront_is_status(rc) ? status_hint(rc) : NULL;

	if (!buf || !len)
		return "";
	if (dev && dev->grant_want && (rc == -ENOSPC || rc == -ENOMEM))
		explain_grants(dev, read_limit(GNTALLOC_LIMIT), buf, len);
	else if (rc == -EPROTO && dev && dev->broken)
		snprintf(buf, len, "the backend broke the protocol: %s", dev->fault);
	else if (rc == -EOPNOTSUPP)
		snprintf(buf, len, "%s: the backend speaks an older protocol than "
			 "this call needs (sessions, device memory and kernels need version 2, "
			 "its feature-protocol-version node says less): vgpuback in the "
			 "backend domain is older than this libvgpufront", vgpufront_strerror(rc));
	else if (hint)
		snprintf(buf, len, "%s: %s", vgpufront_strerror(rc), hint);
	else
		snprintf(buf, len, "%s", vgpufront_strerror(rc));
	return buf;
}
