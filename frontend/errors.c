/* SPDX-License-Identifier: MIT */
/*
 * errors.c: return codes as text (vgpufront_strerror) and explained for a
 * person in the device's context (vgpufront_explain): which grant limit a
 * share ran into and how to raise it, what a refusal of the backend means.
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

const char *vgpufront_explain(const struct vgpufront *dev, int rc, char *buf,
			      size_t len)
{
	if (!buf || !len)
		return "";
	if (dev && dev->grant_want && (rc == -ENOSPC || rc == -ENOMEM))
		explain_grants(dev, read_limit(GNTALLOC_LIMIT), buf, len);
	else if (rc == -EPROTO && dev && dev->broken)
		snprintf(buf, len, "the backend broke the protocol: %s", dev->fault);
	else if (rc == VGPUFRONT_E(VGPU_EGRANT))
		snprintf(buf, len, "%s: the backend could not map this guest's pages; "
			 "dom0's grant-mapping limits (gntdev's limit, "
			 "/sys/module/xen_gntdev/parameters/limit on older dom0 kernels, and "
			 "Xen's max_maptrack_frames) are the host administrator's to raise",
			 vgpufront_strerror(rc));
	else if (rc == VGPUFRONT_E(VGPU_ENOMEM))
		snprintf(buf, len, "%s: the backend's per-domain caps are in "
			 "'vgpufront info' (max buffers, max inflight)", vgpufront_strerror(rc));
	else
		snprintf(buf, len, "%s", vgpufront_strerror(rc));
	return buf;
}
