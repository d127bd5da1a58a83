/* SPDX-License-Identifier: MIT */
/*
 * buffers.c: guest memory the backend may use.  The data pages are granted
 * once; their refs reach the backend through indirect pages listed in one
 * directory page (vgpuif.h, BUF_REGISTER), which the backend copies out
 * once, so the directory and indirect pages are unshared right after.
 * Every grant of the device goes through front_share(), so that a failed
 * one can be explained (errors.c reads dev->granted and dev->grant_want).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "front_priv.h"

/* Grants that count against gntalloc's limit: remember how many. */
void *front_share(struct vgpufront *dev, unsigned count, int writable,
		  uint32_t *refs)
{
	void *p = vgpu_gnt_share(dev->plat, dev->backend_id, count, writable, refs);

	if (p)
		dev->granted += count;
	else
		dev->grant_want = count;
	return p;
}

void front_unshare(struct vgpufront *dev, void *addr, unsigned count)
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

	if (dev->kdev)
		return front_kdev_buf_alloc(dev, bytes, flags, status);
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
	buf->addr = front_share(dev, npages, !ro, refs);
	if (!buf->addr) {
		rc = -errno;
		goto fail;
	}
	buf->npages = npages;
	buf->len = bytes;
	buf->readonly = ro;
	ind = front_share(dev, nind, 0, ind_refs);
	dir = ind ? front_share(dev, 1, 0, &dir_ref) : NULL;
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
	front_unshare(dev, dir, 1);
	front_unshare(dev, ind, nind);
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
		front_unshare(dev, dir, 1);
	if (ind)
		front_unshare(dev, ind, nind);
	if (buf && buf->addr)
		front_unshare(dev, buf->addr, buf->npages);
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
	if (dev->kdev)
		return front_kdev_buf_free(dev, buf);
	if (vgpufront_connected(dev)) {
		memset(&req, 0, sizeof(req));
		req.op = VGPU_OP_BUF_UNREGISTER;
		req.u.buf_unregister.handle = buf->handle;
		rc = vgpufront_call(dev, &req, &rsp);
	}
	front_unshare(dev, buf->addr, buf->npages);
	free(buf);
	return rc;
}
