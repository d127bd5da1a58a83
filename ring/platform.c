/* SPDX-License-Identifier: MIT */
/* platform.c: run-time choice of the platform, and the thin wrappers. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "platform_impl.h"

static const struct vgpu_platform_ops *const platforms[] = {
	&vgpu_platform_xen_ops,
	&vgpu_platform_sim_ops,
};

struct vgpu_platform *vgpu_platform_open(const char *name)
{
	const struct vgpu_platform_ops *ops = NULL;
	struct vgpu_platform *p;
	size_t i;
	int rc;

	if (!name || !*name)
		name = getenv("VGPU_PLATFORM");
	if (!name || !*name)
		name = "xen";
	for (i = 0; i < sizeof(platforms) / sizeof(platforms[0]); i++)
		if (!strcmp(platforms[i]->name, name))
			ops = platforms[i];
	if (!ops) {
		errno = ENOENT;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->ops = ops;
	rc = ops->open(p);
	if (rc < 0) {
		free(p);
		errno = -rc;
		return NULL;
	}
	return p;
}

void vgpu_platform_close(struct vgpu_platform *p)
{
	if (!p)
		return;
	p->ops->close(p);
	free(p);
}

const char *vgpu_platform_name(const struct vgpu_platform *p)
{
	return p->ops->name;
}

static int set_errno(int rc)
{
	if (rc < 0)
		errno = -rc;
	return rc;
}

void *vgpu_gnt_share(struct vgpu_platform *p, uint32_t domid, unsigned count,
		     int writable, uint32_t *refs)
{
	if (!count) {
		errno = EINVAL;
		return NULL;
	}
	return p->ops->gnt_share(p, domid, count, writable, refs);
}

int vgpu_gnt_unshare(struct vgpu_platform *p, void *addr, unsigned count)
{
	return set_errno(p->ops->gnt_unshare(p, addr, count));
}

void *vgpu_gnt_map(struct vgpu_platform *p, uint32_t domid, unsigned count,
		   const uint32_t *refs, int writable)
{
	if (!count) {
		errno = EINVAL;
		return NULL;
	}
	return p->ops->gnt_map(p, domid, count, refs, writable);
}

int vgpu_gnt_unmap(struct vgpu_platform *p, void *addr, unsigned count)
{
	return set_errno(p->ops->gnt_unmap(p, addr, count));
}

int vgpu_gnt_copy(struct vgpu_platform *p, struct vgpu_gnt_copy_seg *segs,
		  unsigned count)
{
	if (!p->ops->gnt_copy)
		return set_errno(-ENOSYS);
	return set_errno(p->ops->gnt_copy(p, segs, count));
}

struct vgpu_evtchn *vgpu_evtchn_open(struct vgpu_platform *p)
{
	struct vgpu_evtchn *ch = p->ops->evtchn_open(p);

	if (ch) {
		ch->ops = p->ops;
		ch->plat = p;
	}
	return ch;
}

void vgpu_evtchn_close(struct vgpu_evtchn *ch)
{
	if (ch)
		ch->ops->evtchn_close(ch);
}

int vgpu_evtchn_fd(struct vgpu_evtchn *ch)
{
	return ch->ops->evtchn_fd(ch);
}

int vgpu_evtchn_alloc_unbound(struct vgpu_evtchn *ch, uint32_t remote_domid)
{
	return set_errno(ch->ops->evtchn_alloc_unbound(ch, remote_domid));
}

int vgpu_evtchn_bind(struct vgpu_evtchn *ch, uint32_t remote_domid,
		     uint32_t remote_port)
{
	return set_errno(ch->ops->evtchn_bind(ch, remote_domid, remote_port));
}

int vgpu_evtchn_unbind(struct vgpu_evtchn *ch, uint32_t port)
{
	return set_errno(ch->ops->evtchn_unbind(ch, port));
}

int vgpu_evtchn_notify(struct vgpu_evtchn *ch, uint32_t port)
{
	return set_errno(ch->ops->evtchn_notify(ch, port));
}

int vgpu_evtchn_pending(struct vgpu_evtchn *ch)
{
	return set_errno(ch->ops->evtchn_pending(ch));
}

int vgpu_evtchn_unmask(struct vgpu_evtchn *ch, uint32_t port)
{
	return set_errno(ch->ops->evtchn_unmask(ch, port));
}

unsigned vgpu_evtchn_drain(struct vgpu_evtchn *ch, int unmask)
{
	unsigned n = 0;
	int port;

	while ((port = vgpu_evtchn_pending(ch)) >= 0) {
		n++;
		if (unmask)
			vgpu_evtchn_unmask(ch, (uint32_t)port);
	}
	return n;
}

int vgpu_evtchn_peer_alive(struct vgpu_evtchn *ch, uint32_t port)
{
	if (!ch->ops->evtchn_peer_alive)
		return set_errno(-ENOSYS);
	return set_errno(ch->ops->evtchn_peer_alive(ch, port));
}
