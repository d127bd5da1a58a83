/* SPDX-License-Identifier: MIT */
/*
 * buffers.c: the per-device buffer table.  A BUF_REGISTER is checked
 * against the limits here, mapped by the mapper thread (mapper.c) and
 * answered when its pages are mapped; a BUF_UNREGISTER that drops the last
 * reference is answered when they are unmapped, so a guest that ends its
 * grants after the answer still finds them unused.  Jobs hold references
 * on the buffers they use: a buffer unregistered while queued jobs use it
 * stays mapped, and charged to its domain, until the last of them goes.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "buffers.h"
#include "device.h"
#include "mapper.h"
#include "request.h"
#include "respond.h"
#include "vgpuback.h"

static struct vgpu_buffer *buf_find(struct vgpu_dev *dev, uint32_t handle,
				    unsigned *idx)
{
	unsigned i;

	for (i = 0; i < dev->nbufs; i++)
		if (dev->bufs[i]->handle == handle) {
			if (idx)
				*idx = i;
			return dev->bufs[i];
		}
	return NULL;
}

/* Unmap @w's pages off the loop; @dev (may be NULL) is answered when done. */
static void unmap_later(struct vgpuback *bk, struct map_work *w, struct vgpu_dev *dev,
			const struct vgpuif_request *req)
{
	w->kind = MAP_UNMAP;
	w->dev = dev;
	if (dev) {
		w->gen = dev->gen;
		w->req = *req;
	}
	mapper_push(bk, w);
}

/* The last reference: the executor lets go, then the pages are unmapped. */
static void buf_release(struct vgpuback *bk, struct vgpu_buffer *b,
			struct vgpu_dev *answer, const struct vgpuif_request *req)
{
	struct map_work *w = b->backend_priv;

	bk->ex->ops->buf_detach(bk->ex, b);
	bk->live_buffers--;
	w->addr = b->addr;
	free(b);
	unmap_later(bk, w, answer, req);
}

void buf_put(struct vgpuback *bk, struct vgpu_buffer *b)
{
	if (--b->refcnt)
		return;
	buf_release(bk, b, NULL, NULL);
}

/* Registrations of @dev's current connection still being mapped. */
static unsigned dev_pending(struct vgpu_dev *dev, uint32_t handle, bool *dup)
{
	struct map_work *w;
	unsigned n = 0;

	for (w = dev->bk->map_pending; w; w = w->pend_next)
		if (w->dev == dev && w->gen == dev->gen) {
			n++;
			if (w->req.u.buf_register.handle == handle)
				*dup = true;
		}
	return n;
}

/*
 * Pages @domid has mapped or is having mapped, over all its devices, until
 * they are unmapped: a buffer unregistered while queued jobs still use it
 * stays charged, or a guest could hold many times its cap that way.
 */
static uint64_t domain_pages(struct vgpuback *bk, uint32_t domid)
{
	struct map_work *w;
	uint64_t n = 0;

	for (w = bk->map_held; w; w = w->held_next)
		if (w->domid == domid)
			n += w->nr_pages;
	return n;
}

static void held_add(struct vgpuback *bk, struct map_work *w)
{
	w->held_next = bk->map_held;
	if (bk->map_held)
		bk->map_held->held_pprev = &w->held_next;
	w->held_pprev = &bk->map_held;
	bk->map_held = w;
}

static void held_del(struct map_work *w)
{
	*w->held_pprev = w->held_next;
	if (w->held_next)
		w->held_next->held_pprev = w->held_pprev;
}

static bool answerable(struct vgpu_dev *dev, uint32_t gen)
{
	return dev && dev->connected && gen == dev->gen;
}

/* A deferred answer went out: a slot freed, more requests may fit. */
static void answer_late(struct vgpu_dev *dev, const struct vgpuif_request *req,
			int status)
{
	respond(dev, req, status, NULL);
	device_mark_busy(dev);	/* the loop's ring pass takes what waits */
}

/* The per-domain, per-device and host limits: VGPU_OK or why not. */
static int register_limits(struct vgpu_dev *dev, const struct vgpuif_buf_register_req *r)
{
	struct vgpuback *bk = dev->bk;
	bool dup = false;
	unsigned pend = dev_pending(dev, r->handle, &dup);

	if (dup || buf_find(dev, r->handle, NULL))
		return VGPU_EEXIST;
	if (dev->nbufs + pend >= bk->cfg.max_buffers ||
	    domain_pages(bk, dev->domid) + r->nr_pages > bk->cfg.max_buffer_pages)
		return VGPU_ENOMEM;
	if (bk->host_pages + r->nr_pages > bk->cfg.max_host_buffer_pages) {
		vlog(LOG_DEBUG, "vgpu %u/%u: buffer %u: %u pages refused: the host holds %llu "
		     "of max-host-buffer-pages %u", dev->domid, dev->devid, r->handle,
		     r->nr_pages, (unsigned long long)bk->host_pages,
		     bk->cfg.max_host_buffer_pages);
		return VGPU_ENOMEM;
	}
	return VGPU_OK;
}

static int buf_register(struct vgpu_dev *dev, const struct vgpuif_request *req)
{
	struct vgpuback *bk = dev->bk;
	const struct vgpuif_buf_register_req *r = &req->u.buf_register;
	struct map_work *w;
	int rc = register_limits(dev, r);

	if (rc)
		return rc;
	w = calloc(1, sizeof(*w));
	if (!w)
		return VGPU_ENOMEM;
	w->kind = MAP_REGISTER;
	w->dev = dev;
	w->gen = dev->gen;
	w->req = *req;
	w->domid = dev->domid;
	w->key = vgpu_worker_key(&bk->cfg.exec, dev->domid, dev->pool);
	w->nr_pages = r->nr_pages;
	w->ro = r->flags & VGPU_BUF_F_READONLY;
	w->ex = bk->ex;
	bk->host_pages += r->nr_pages;
	held_add(bk, w);
	w->pend_next = bk->map_pending;
	bk->map_pending = w;
	mapper_push(bk, w);
	return 1;	/* answered when mapped */
}

/* A mapped registration becomes @dev's buffer; VGPU_OK or why not. */
static int buf_add(struct vgpuback *bk, struct vgpu_dev *dev, struct map_work *w)
{
	struct vgpu_buffer *b, **nb;

	nb = realloc(dev->bufs, (dev->nbufs + 1) * sizeof(*nb));
	if (!nb)
		return VGPU_ENOMEM;
	dev->bufs = nb;
	b = calloc(1, sizeof(*b));
	if (!b)
		return VGPU_ENOMEM;
	b->handle = w->req.u.buf_register.handle;
	b->domid = w->domid;
	b->addr = w->addr;
	b->id = w->id;
	b->len = (size_t)w->nr_pages * VGPUIF_PAGE_SIZE;
	b->readonly = w->ro;
	b->pinned = w->pinned;
	b->refcnt = 1;
	b->backend_priv = w;
	if (bk->ex->ops->buf_attach(bk->ex, b)) {
		free(b);
		return VGPU_EIO;
	}
	bk->live_buffers++;
	dev->bufs[dev->nbufs++] = b;
	dev->buf_pages += w->nr_pages;
	return VGPU_OK;
}

/* The guest sets the pace of failed maps: say the first few, then every 1000th. */
static void say_map_failure(struct vgpu_dev *dev, const struct map_work *w)
{
	if (++dev->map_failures > 3 && dev->map_failures % 1000)
		return;
	vlog(LOG_WARNING, "vgpu %u/%u: buffer %u: cannot map %u pages%s: %s "
	     "(%llu such failures on this device)", dev->domid, dev->devid,
	     w->req.u.buf_register.handle, w->nr_pages, w->ro ? "" : " writable",
	     strerror(w->err), (unsigned long long)dev->map_failures);
}

/* The loop: a registration's pages are mapped, or could not be. */
static void register_done(struct vgpuback *bk, struct map_work *w)
{
	struct vgpu_dev *dev = w->dev;
	bool live = answerable(dev, w->gen);
	uint32_t key = w->key;
	struct map_work **pw;
	int rc = w->status;

	for (pw = &bk->map_pending; *pw != w; pw = &(*pw)->pend_next)
		;
	*pw = w->pend_next;
	if (rc == VGPU_EGRANT && w->err)
		say_map_failure(dev, w);
	if (!rc)
		bk->live_mappings++;
	if (!rc && live)
		rc = buf_add(bk, dev, w);	/* w now belongs to the buffer */
	if (live)
		answer_late(dev, &w->req, rc);
	if (w->status) {
		bk->host_pages -= w->nr_pages;	/* never mapped */
		held_del(w);
		free(w);
	} else if (rc || !live) {
		unmap_later(bk, w, NULL, NULL);	/* mapped, but for no one: unpinned there */
	}
	if (!live)
		device_retire_worker(bk, key);	/* it may have started one for no one */
	device_put(dev);
}

/* The loop: pages unmapped; answer the BUF_UNREGISTER that waited for it. */
static void unmap_done(struct vgpuback *bk, struct map_work *w)
{
	struct vgpu_dev *dev = w->dev;

	device_retire_worker(bk, w->key);	/* an unmap after the device went */
	bk->host_pages -= w->nr_pages;
	held_del(w);
	bk->live_mappings--;
	if (dev) {
		if (answerable(dev, w->gen))
			answer_late(dev, &w->req, VGPU_OK);
		device_put(dev);
	}
	free(w);
}

void buffers_reap(struct vgpuback *bk)
{
	struct map_work *w, *next;

	for (w = mapper_take(bk); w; w = next) {
		next = w->next;
		if (w->kind == MAP_REGISTER)
			register_done(bk, w);
		else
			unmap_done(bk, w);
	}
}

void buffers_stop(struct vgpuback *bk)
{
	if (!bk->mapper)
		return;
	while (mapper_outstanding(bk)) {
		mapper_wait(bk);
		buffers_reap(bk);	/* an orphaned mapping comes back as an unmap */
	}
	mapper_stop(bk);
}

/* Take @handle out of @dev's table; the caller drops the registration's ref. */
static struct vgpu_buffer *buf_remove(struct vgpu_dev *dev, uint32_t handle)
{
	unsigned i;
	struct vgpu_buffer *b = buf_find(dev, handle, &i);

	if (!b)
		return NULL;
	dev->bufs[i] = dev->bufs[--dev->nbufs];
	dev->buf_pages -= b->len / VGPUIF_PAGE_SIZE;
	return b;
}

/* 1: answered when the pages are unmapped; else the status to answer now. */
static int buf_unregister(struct vgpu_dev *dev, const struct vgpuif_request *req)
{
	struct vgpu_buffer *b = buf_remove(dev, req->u.buf_unregister.handle);

	if (!b)
		return VGPU_EBADBUF;
	if (b->refcnt > 1) {
		b->refcnt--;	/* jobs still using it keep it mapped */
		return VGPU_OK;
	}
	b->refcnt = 0;
	buf_release(dev->bk, b, dev, req);
	return 1;
}

int buffers_request(struct vgpu_dev *dev, const struct vgpuif_request *req)
{
	return req->op == VGPU_OP_BUF_REGISTER ? buf_register(dev, req) :
	       buf_unregister(dev, req);
}

int buf_resolve(struct vgpu_dev *dev, const struct vgpuif_bufref *ref,
		uint64_t bytes, bool write, unsigned align,
		struct vgpu_buffer **out, void **ptr)
{
	struct vgpu_buffer *b = buf_find(dev, ref->handle, NULL);
	int rc;

	if (!b)
		return VGPU_EBADBUF;
	rc = vgpuif_range_check(ref->offset, bytes, b->len, align);
	if (rc)
		return rc;
	if (write && b->readonly)
		return VGPU_EACCES;
	b->refcnt++;
	*out = b;
	/* Where a worker maps the pages, vgpuback has no address for them. */
	*ptr = b->addr ? (uint8_t *)b->addr + ref->offset : NULL;
	return VGPU_OK;
}

/* Registrations still being mapped are unmapped when they come back. */
void buffers_drop(struct vgpu_dev *dev)
{
	while (dev->nbufs)
		buf_put(dev->bk, buf_remove(dev, dev->bufs[0]->handle));
}
