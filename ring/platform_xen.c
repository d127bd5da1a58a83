/* SPDX-License-Identifier: MIT */
/*
 * platform_xen.c: grants and event channels on a real Xen host or guest,
 * through libxengnttab (xengntshr_* shares, xengnttab_* maps and copies) and
 * libxenevtchn.  Handles are opened on first use: a guest never needs gntdev
 * and dom0 never needs gntalloc.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

#include <sys/mman.h>

#include <xenevtchn.h>
#include <xengnttab.h>
#include <xen/grant_table.h>

#include "platform_impl.h"

struct xen_priv {
	xengnttab_handle *gnttab;	/* map, copy: backend */
	xengntshr_handle *gntshr;	/* share: frontend */
};

struct xen_evtchn {
	struct vgpu_evtchn base;
	xenevtchn_handle *xce;
};

static int neg_errno(void)
{
	return errno ? -errno : -EIO;
}

static int xen_open(struct vgpu_platform *p)
{
	p->priv = calloc(1, sizeof(struct xen_priv));
	return p->priv ? 0 : -ENOMEM;
}

static void xen_close(struct vgpu_platform *p)
{
	struct xen_priv *x = p->priv;

	if (x->gnttab)
		xengnttab_close(x->gnttab);
	if (x->gntshr)
		xengntshr_close(x->gntshr);
	free(x);
}

static xengnttab_handle *gnttab(struct vgpu_platform *p)
{
	struct xen_priv *x = p->priv;

	if (!x->gnttab)
		x->gnttab = xengnttab_open(NULL, 0);
	return x->gnttab;
}

static xengntshr_handle *gntshr(struct vgpu_platform *p)
{
	struct xen_priv *x = p->priv;

	if (!x->gntshr)
		x->gntshr = xengntshr_open(NULL, 0);
	return x->gntshr;
}

static void *xen_gnt_share(struct vgpu_platform *p, uint32_t domid,
			   unsigned count, int writable, uint32_t *refs)
{
	xengntshr_handle *h = gntshr(p);

	if (!h)
		return NULL;
	return xengntshr_share_pages(h, domid, (int)count, refs, writable);
}

static int xen_gnt_unshare(struct vgpu_platform *p, void *addr, unsigned count)
{
	xengntshr_handle *h = gntshr(p);

	if (!h)
		return neg_errno();
	return xengntshr_unshare(h, addr, count) ? neg_errno() : 0;
}

static void *xen_gnt_map(struct vgpu_platform *p, uint32_t domid,
			 unsigned count, const uint32_t *refs, int writable)
{
	xengnttab_handle *h = gnttab(p);
	int prot = PROT_READ | (writable ? PROT_WRITE : 0);

	if (!h)
		return NULL;
	/* libxengnttab takes a non-const array but does not write it. */
	return xengnttab_map_domain_grant_refs(h, count, domid,
					       (uint32_t *)refs, prot);
}

static int xen_gnt_unmap(struct vgpu_platform *p, void *addr, unsigned count)
{
	xengnttab_handle *h = gnttab(p);

	if (!h)
		return neg_errno();
	return xengnttab_unmap(h, addr, count) ? neg_errno() : 0;
}

static int xen_gnt_copy(struct vgpu_platform *p, struct vgpu_gnt_copy_seg *segs,
			unsigned count)
{
	xengnttab_handle *h = gnttab(p);
	xengnttab_grant_copy_segment_t *xs;
	unsigned i;
	int rc = 0;

	if (!h)
		return neg_errno();
	xs = calloc(count, sizeof(*xs));
	if (!xs)
		return -ENOMEM;
	for (i = 0; i < count; i++) {
		union xengnttab_copy_ptr *guest, *local;

		if (segs[i].to_guest) {
			guest = &xs[i].dest;
			local = &xs[i].source;
			xs[i].flags = GNTCOPY_dest_gref;
		} else {
			guest = &xs[i].source;
			local = &xs[i].dest;
			xs[i].flags = GNTCOPY_source_gref;
		}
		guest->foreign.ref = segs[i].ref;
		guest->foreign.offset = segs[i].offset;
		guest->foreign.domid = (uint16_t)segs[i].domid;
		local->virt = segs[i].local;
		xs[i].len = segs[i].len;
	}
	if (xengnttab_grant_copy(h, count, xs))
		rc = neg_errno();
	for (i = 0; i < count; i++) {
		segs[i].status = xs[i].status == GNTST_okay ? 0 : -EIO;
		if (!rc && segs[i].status)
			rc = -EIO;
	}
	free(xs);
	return rc;
}

static struct vgpu_evtchn *xen_evtchn_open(struct vgpu_platform *p)
{
	struct xen_evtchn *e = calloc(1, sizeof(*e));
	int fd, fl;

	(void)p;
	if (!e)
		return NULL;
	e->xce = xenevtchn_open(NULL, 0);
	if (!e->xce) {
		free(e);
		return NULL;
	}
	/*
	 * Callers drain pending ports until -EAGAIN; /dev/xen/evtchn blocks in
	 * read() by default, which would hang them once the ports are drained.
	 */
	fd = xenevtchn_fd(e->xce);
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		xenevtchn_close(e->xce);
		free(e);
		return NULL;
	}
	return &e->base;
}

static struct xen_evtchn *to_xen(struct vgpu_evtchn *ch)
{
	return (struct xen_evtchn *)ch;
}

static void xen_evtchn_close(struct vgpu_evtchn *ch)
{
	xenevtchn_close(to_xen(ch)->xce);
	free(ch);
}

static int xen_evtchn_fd(struct vgpu_evtchn *ch)
{
	return xenevtchn_fd(to_xen(ch)->xce);
}

static int xen_evtchn_alloc_unbound(struct vgpu_evtchn *ch, uint32_t remote)
{
	int port = xenevtchn_bind_unbound_port(to_xen(ch)->xce, remote);

	return port < 0 ? neg_errno() : port;
}

static int xen_evtchn_bind(struct vgpu_evtchn *ch, uint32_t remote,
			   uint32_t remote_port)
{
	int port = xenevtchn_bind_interdomain(to_xen(ch)->xce, remote,
					      remote_port);

	return port < 0 ? neg_errno() : port;
}

static int xen_evtchn_unbind(struct vgpu_evtchn *ch, uint32_t port)
{
	return xenevtchn_unbind(to_xen(ch)->xce, port) ? neg_errno() : 0;
}

static int xen_evtchn_notify(struct vgpu_evtchn *ch, uint32_t port)
{
	return xenevtchn_notify(to_xen(ch)->xce, port) ? neg_errno() : 0;
}

static int xen_evtchn_pending(struct vgpu_evtchn *ch)
{
	int port = xenevtchn_pending(to_xen(ch)->xce);

	if (port >= 0)
		return port;
	return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : neg_errno();
}

static int xen_evtchn_unmask(struct vgpu_evtchn *ch, uint32_t port)
{
	return xenevtchn_unmask(to_xen(ch)->xce, port) ? neg_errno() : 0;
}

const struct vgpu_platform_ops vgpu_platform_xen_ops = {
	.name = "xen",
	.open = xen_open,
	.close = xen_close,
	.gnt_share = xen_gnt_share,
	.gnt_unshare = xen_gnt_unshare,
	.gnt_map = xen_gnt_map,
	.gnt_unmap = xen_gnt_unmap,
	.gnt_copy = xen_gnt_copy,
	.evtchn_open = xen_evtchn_open,
	.evtchn_close = xen_evtchn_close,
	.evtchn_fd = xen_evtchn_fd,
	.evtchn_alloc_unbound = xen_evtchn_alloc_unbound,
	.evtchn_bind = xen_evtchn_bind,
	.evtchn_unbind = xen_evtchn_unbind,
	.evtchn_notify = xen_evtchn_notify,
	.evtchn_pending = xen_evtchn_pending,
	.evtchn_unmask = xen_evtchn_unmask,
	.evtchn_peer_alive = NULL,	/* Xen tells a backend through XenStore */
};
