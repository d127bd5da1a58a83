/* SPDX-License-Identifier: MIT */
/*
 * buffers.c: guest memory the backend may use.  The data pages are granted
 * once; their refs reach the backend through indirect pages listed in one
 * directory page (vgpuif.h, BUF_REGISTER), which the backend copies out
 * once, so the directory and indirect pages are unshared right after.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "front_priv.h"

#define GNTALLOC_LIMIT "/sys/module/xen_gntalloc/parameters/limit"

/* Grants that count against gntalloc's limit: remember how many. */
static void *share(struct vgpufront *dev, unsigned count, int writable,
		   uint32_t *refs)
{
	void *p = vgpu_gnt_share(dev->plat, dev->backend_id, count, writable, refs);

	if (p)
		dev->granted += count;
	else
		dev->grant_want = count;
	return p;
}

static void unshare(struct vgpufront *dev, void *addr, unsigned count)
{
	vgpu_gnt_unshare(dev->plat, addr, count);
	dev->granted -= count;
}

struct vgpufront_buf *vgpufront_buf_alloc(struct vgpufront *dev, size_t bytes,
					  unsigned flags, int *status)
{
	struct vgpufront_buf *buf;
	uint32_t *refs = NULL, *ind_refs = NULL, dir_ref;
	uint32_t *ind = NULL, *dir = NULL;
	unsigned npages, nind;
	struct vgpuif_request req;
	struct vgpuif_response rsp;
	bool ro = flags & VGPUFRONT_BUF_READONLY;
	int rc = -ENOMEM;

	if (!bytes || bytes > (size_t)VGPUIF_MAX_BUF_PAGES * VGPUIF_PAGE_SIZE) {
		*status = -EINVAL;
		return NULL;
	}
	dev->grant_want = 0;
	npages = (unsigned)((bytes + VGPUIF_PAGE_SIZE - 1) / VGPUIF_PAGE_SIZE);
	nind = (npages + VGPUIF_GREFS_PER_PAGE - 1) / VGPUIF_GREFS_PER_PAGE;
	buf = calloc(1, sizeof(*buf));
	refs = calloc(npages, sizeof(*refs));
	ind_refs = calloc(nind, sizeof(*ind_refs));
	if (!buf || !refs || !ind_refs)
		goto fail;
	buf->addr = share(dev, npages, !ro, refs);
	if (!buf->addr) {
		rc = -errno;
		goto fail;
	}
	buf->npages = npages;
	buf->len = bytes;
	buf->readonly = ro;
	ind = share(dev, nind, 0, ind_refs);
	dir = ind ? share(dev, 1, 0, &dir_ref) : NULL;
	if (!dir) {
		rc = -errno;
		goto fail;
	}
	memcpy(ind, refs, npages * sizeof(*refs));
	memcpy(dir, ind_refs, nind * sizeof(*ind_refs));

	memset(&req, 0, sizeof(req));
	req.op = VGPU_OP_BUF_REGISTER;
	req.u.buf_register.handle = dev->next_handle++;
	req.u.buf_register.nr_pages = npages;
	req.u.buf_register.dir_gref = dir_ref;
	req.u.buf_register.flags = ro ? VGPU_BUF_F_READONLY : 0;
	rc = vgpufront_call(dev, &req, &rsp);
	unshare(dev, dir, 1);
	unshare(dev, ind, nind);
	dir = ind = NULL;
	if (rc)
		goto fail;
	buf->handle = req.u.buf_register.handle;
	free(refs);
	free(ind_refs);
	*status = 0;
	return buf;
fail:
	if (dir)
		unshare(dev, dir, 1);
	if (ind)
		unshare(dev, ind, nind);
	if (buf && buf->addr)
		unshare(dev, buf->addr, buf->npages);
	free(buf);
	free(refs);
	free(ind_refs);
	*status = rc;
	return NULL;
}

int vgpufront_buf_free(struct vgpufront *dev, struct vgpufront_buf *buf)
{
	struct vgpuif_request req;
	struct vgpuif_response rsp;
	int rc = 0;

	if (!buf)
		return 0;
	if (vgpufront_connected(dev)) {
		memset(&req, 0, sizeof(req));
		req.op = VGPU_OP_BUF_UNREGISTER;
		req.u.buf_unregister.handle = buf->handle;
		rc = vgpufront_call(dev, &req, &rsp);
	}
	unshare(dev, buf->addr, buf->npages);
	free(buf);
	return rc;
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
