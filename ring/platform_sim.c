/* SPDX-License-Identifier: MIT */
/*
 * platform_sim.c: grants and event channels on simxen (test-harness/simxen).
 *
 * Granted pages are memfd pages mapped MAP_SHARED, so a mapping is ordinary
 * shared memory (the CUDA executor can register it).  A buffer larger than
 * one message's worth of refs is shared in chunks, each chunk its own
 * memfd, all mapped into one reserved address range.  An event channel is a
 * pair of eventfds: notify writes the peer's, the handle's epoll fd watches
 * its own, so a notification costs one write() and no round trip.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

#include "platform_impl.h"
#include "simclient.h"

struct region {
	void *addr;
	unsigned count;
	bool mapped;			/* map (backend) or share (frontend) */
	uint32_t *ids;			/* refs (share) or map ids (map) */
	unsigned nids;
	struct region *next;
};

struct sim_priv {
	int fd;
	struct sim_msg *q, *r;
	struct region *regions;
};

struct sim_port {
	uint32_t port;
	int wait_fd;
	int notify_fd;
	struct sim_port *next;
};

struct sim_evtchn {
	struct vgpu_evtchn base;
	struct sim_priv *sp;
	int epfd;
	struct sim_port *ports;
};

static int sim_open(struct vgpu_platform *p)
{
	struct sim_priv *sp = calloc(1, sizeof(*sp));
	int fd;

	if (!sp)
		return -ENOMEM;
	fd = sim_connect(NULL);
	sp->q = malloc(SIM_MSG_MAX);
	sp->r = malloc(SIM_MSG_MAX);
	if (fd < 0 || !sp->q || !sp->r) {
		if (fd >= 0)
			close(fd);
		free(sp->q);
		free(sp->r);
		free(sp);
		return fd < 0 ? fd : -ENOMEM;
	}
	sp->fd = fd;
	p->priv = sp;
	return 0;
}

static void sim_close(struct vgpu_platform *p)
{
	struct sim_priv *sp = p->priv;

	/* Closing the connection releases what it held, as closing gntdev does. */
	while (sp->regions) {
		struct region *rg = sp->regions;

		sp->regions = rg->next;
		munmap(rg->addr, (size_t)rg->count * SIMXEN_PAGE_SIZE);
		free(rg->ids);
		free(rg);
	}
	close(sp->fd);
	free(sp->q);
	free(sp->r);
	free(sp);
}

static struct sim_msg *q_init(struct sim_priv *sp, uint32_t op)
{
	memset(sp->q, 0, sizeof(*sp->q));
	sp->q->op = op;
	return sp->q;
}

static void *reserve(unsigned count)
{
	void *a = mmap(NULL, (size_t)count * SIMXEN_PAGE_SIZE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return a == MAP_FAILED ? NULL : a;
}

static struct region *region_new(struct sim_priv *sp, void *addr,
				 unsigned count, bool mapped, unsigned nids)
{
	struct region *rg = calloc(1, sizeof(*rg));

	if (!rg)
		return NULL;
	rg->ids = calloc(nids ? nids : 1, sizeof(uint32_t));
	if (!rg->ids) {
		free(rg);
		return NULL;
	}
	rg->addr = addr;
	rg->count = count;
	rg->mapped = mapped;
	rg->next = sp->regions;
	sp->regions = rg;
	return rg;
}

static struct region *region_take(struct sim_priv *sp, void *addr, bool mapped)
{
	struct region **pr, *rg;

	for (pr = &sp->regions; (rg = *pr); pr = &rg->next)
		if (rg->addr == addr && rg->mapped == mapped) {
			*pr = rg->next;
			return rg;
		}
	return NULL;
}

static void revoke_ids(struct sim_priv *sp, const uint32_t *refs, unsigned n)
{
	unsigned off, chunk;

	for (off = 0; off < n; off += chunk) {
		struct sim_msg *q = q_init(sp, SIM_GNT_REVOKE);

		chunk = n - off > SIM_MAX_REFS ? SIM_MAX_REFS : n - off;
		q->count = chunk;
		memcpy(q->data, refs + off, chunk * sizeof(uint32_t));
		sim_call(sp->fd, q, chunk * sizeof(uint32_t), sp->r, NULL, 0, NULL);
	}
}

static void *sim_gnt_share(struct vgpu_platform *p, uint32_t domid,
			   unsigned count, int writable, uint32_t *refs)
{
	struct sim_priv *sp = p->priv;
	struct region *rg;
	unsigned off, chunk;
	uint8_t *base = reserve(count);
	int rc = 0;

	if (!base)
		return NULL;
	rg = region_new(sp, base, count, false, count);
	if (!rg) {
		munmap(base, (size_t)count * SIMXEN_PAGE_SIZE);
		errno = ENOMEM;
		return NULL;
	}
	for (off = 0; off < count; off += chunk) {
		struct sim_msg *q = q_init(sp, SIM_GNT_SHARE);
		unsigned nfds;
		int fd;

		chunk = count - off > SIM_MAX_REFS ? SIM_MAX_REFS : count - off;
		q->a = domid;
		q->b = writable ? 1 : 0;
		q->count = chunk;
		rc = sim_call(sp->fd, q, 0, sp->r, &fd, 1, &nfds);
		if (rc || nfds != 1 || sp->r->count != chunk) {
			if (!rc)
				rc = -EPROTO;
			if (!rc || nfds == 1)
				close(fd);
			break;
		}
		memcpy(refs + off, sp->r->data, chunk * sizeof(uint32_t));
		memcpy(rg->ids + off, sp->r->data, chunk * sizeof(uint32_t));
		rg->nids = off + chunk;
		if (mmap(base + (size_t)off * SIMXEN_PAGE_SIZE,
			 (size_t)chunk * SIMXEN_PAGE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)
			rc = -errno;
		close(fd);
		if (rc)
			break;
	}
	if (rc) {
		region_take(sp, base, false);
		revoke_ids(sp, rg->ids, rg->nids);
		munmap(base, (size_t)count * SIMXEN_PAGE_SIZE);
		free(rg->ids);
		free(rg);
		errno = -rc;
		return NULL;
	}
	return base;
}

static int sim_gnt_unshare(struct vgpu_platform *p, void *addr, unsigned count)
{
	struct sim_priv *sp = p->priv;
	struct region *rg = region_take(sp, addr, false);

	if (!rg || rg->count != count) {
		if (rg) {
			rg->next = sp->regions;
			sp->regions = rg;
		}
		return -EINVAL;
	}
	revoke_ids(sp, rg->ids, rg->nids);
	munmap(addr, (size_t)count * SIMXEN_PAGE_SIZE);
	free(rg->ids);
	free(rg);
	return 0;
}

static void unmap_ids(struct sim_priv *sp, struct region *rg)
{
	unsigned i;

	for (i = 0; i < rg->nids; i++) {
		struct sim_msg *q = q_init(sp, SIM_GNT_UNMAP);

		q->a = rg->ids[i];
		sim_call(sp->fd, q, 0, sp->r, NULL, 0, NULL);
	}
}

static void *sim_gnt_map(struct vgpu_platform *p, uint32_t domid,
			 unsigned count, const uint32_t *refs, int writable)
{
	struct sim_priv *sp = p->priv;
	unsigned off, chunk, nchunks = (count + SIM_MAX_REFS - 1) / SIM_MAX_REFS;
	struct region *rg;
	uint8_t *base = reserve(count);
	int rc = 0;

	if (!base)
		return NULL;
	rg = region_new(sp, base, count, true, nchunks);
	if (!rg) {
		munmap(base, (size_t)count * SIMXEN_PAGE_SIZE);
		errno = ENOMEM;
		return NULL;
	}
	for (off = 0; off < count && !rc; off += chunk) {
		struct sim_msg *q = q_init(sp, SIM_GNT_MAP);
		int fds[SIM_MAX_FDS];
		unsigned nfds = 0, i, page = off;
		const struct sim_run *runs;

		chunk = count - off > SIM_MAX_REFS ? SIM_MAX_REFS : count - off;
		q->a = domid;
		q->b = writable ? 1 : 0;
		q->count = chunk;
		memcpy(q->data, refs + off, chunk * sizeof(uint32_t));
		rc = sim_call(sp->fd, q, chunk * sizeof(uint32_t), sp->r, fds,
			      SIM_MAX_FDS, &nfds);
		if (!rc)
			rg->ids[rg->nids++] = sp->r->a;
		runs = (const struct sim_run *)sp->r->data;
		for (i = 0; !rc && i < sp->r->count / 3; i++) {
			if (runs[i].fd_index >= nfds ||
			    page + runs[i].npages > off + chunk) {
				rc = -EPROTO;
				break;
			}
			if (mmap(base + (size_t)page * SIMXEN_PAGE_SIZE,
				 (size_t)runs[i].npages * SIMXEN_PAGE_SIZE,
				 PROT_READ | (writable ? PROT_WRITE : 0),
				 MAP_SHARED | MAP_FIXED, fds[runs[i].fd_index],
				 (off_t)runs[i].page * SIMXEN_PAGE_SIZE) == MAP_FAILED)
				rc = -errno;
			page += runs[i].npages;
		}
		if (!rc && page != off + chunk)
			rc = -EPROTO;
		for (i = 0; i < nfds; i++)
			close(fds[i]);
	}
	if (rc) {
		region_take(sp, base, true);
		unmap_ids(sp, rg);
		munmap(base, (size_t)count * SIMXEN_PAGE_SIZE);
		free(rg->ids);
		free(rg);
		errno = -rc;
		return NULL;
	}
	return base;
}

static int sim_gnt_unmap(struct vgpu_platform *p, void *addr, unsigned count)
{
	struct sim_priv *sp = p->priv;
	struct region *rg = region_take(sp, addr, true);

	if (!rg || rg->count != count) {
		if (rg) {
			rg->next = sp->regions;
			sp->regions = rg;
		}
		return -EINVAL;
	}
	munmap(addr, (size_t)count * SIMXEN_PAGE_SIZE);
	unmap_ids(sp, rg);
	free(rg->ids);
	free(rg);
	return 0;
}

static int sim_gnt_copy(struct vgpu_platform *p, struct vgpu_gnt_copy_seg *segs,
			unsigned count)
{
	struct sim_priv *sp = p->priv;
	unsigned i;
	int rc = 0;

	for (i = 0; i < count; i++) {
		struct sim_msg *q = q_init(sp, SIM_GNT_COPY);
		size_t qlen = 0;

		if ((uint32_t)segs[i].offset + segs[i].len > SIMXEN_PAGE_SIZE) {
			segs[i].status = -EINVAL;
			rc = -EIO;
			continue;
		}
		q->a = segs[i].domid;
		q->b = segs[i].ref;
		q->c = ((uint32_t)segs[i].offset << 16) | segs[i].len;
		q->d = segs[i].to_guest ? 1 : 0;
		if (segs[i].to_guest) {
			memcpy(q->data, segs[i].local, segs[i].len);
			q->count = segs[i].len;
			qlen = segs[i].len;
		}
		segs[i].status = (int16_t)sim_call(sp->fd, q, qlen, sp->r, NULL, 0, NULL);
		if (!segs[i].status && !segs[i].to_guest)
			memcpy(segs[i].local, sp->r->data, segs[i].len);
		if (segs[i].status)
			rc = -EIO;
	}
	return rc;
}

/* ---------------- event channels ---------------- */

static struct sim_evtchn *to_sim(struct vgpu_evtchn *ch)
{
	return (struct sim_evtchn *)ch;
}

static struct vgpu_evtchn *sim_evtchn_open(struct vgpu_platform *p)
{
	struct sim_evtchn *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->sp = p->priv;
	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (e->epfd < 0) {
		free(e);
		return NULL;
	}
	return &e->base;
}

static struct sim_port *find_port(struct sim_evtchn *e, uint32_t port)
{
	struct sim_port *sp;

	for (sp = e->ports; sp; sp = sp->next)
		if (sp->port == port)
			return sp;
	return NULL;
}

static int add_port(struct sim_evtchn *e, uint32_t port, const int *fds)
{
	struct sim_port *p = calloc(1, sizeof(*p));
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = port };

	if (!p || epoll_ctl(e->epfd, EPOLL_CTL_ADD, fds[0], &ev)) {
		free(p);
		close(fds[0]);
		close(fds[1]);
		return -ENOMEM;
	}
	p->port = port;
	p->wait_fd = fds[0];
	p->notify_fd = fds[1];
	p->next = e->ports;
	e->ports = p;
	return (int)port;
}

static int evt_call(struct sim_evtchn *e, uint32_t op, uint32_t a, uint32_t b)
{
	struct sim_msg *q = q_init(e->sp, op);
	int fds[2];
	unsigned nfds = 0;
	int rc;

	q->a = a;
	q->b = b;
	rc = sim_call(e->sp->fd, q, 0, e->sp->r, fds, 2, &nfds);
	if (op != SIM_EVT_ALLOC && op != SIM_EVT_BIND)
		return rc ? rc : (int)e->sp->r->a;
	if (rc || nfds != 2) {
		while (nfds)
			close(fds[--nfds]);
		return rc ? rc : -EPROTO;
	}
	return add_port(e, e->sp->r->a, fds);
}

static int sim_evtchn_alloc_unbound(struct vgpu_evtchn *ch, uint32_t remote)
{
	return evt_call(to_sim(ch), SIM_EVT_ALLOC, remote, 0);
}

static int sim_evtchn_bind(struct vgpu_evtchn *ch, uint32_t remote,
			   uint32_t remote_port)
{
	return evt_call(to_sim(ch), SIM_EVT_BIND, remote, remote_port);
}

static void drop_port(struct sim_evtchn *e, struct sim_port *p)
{
	struct sim_port **pp;

	for (pp = &e->ports; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	epoll_ctl(e->epfd, EPOLL_CTL_DEL, p->wait_fd, NULL);
	close(p->wait_fd);
	close(p->notify_fd);
	free(p);
}

static int sim_evtchn_unbind(struct vgpu_evtchn *ch, uint32_t port)
{
	struct sim_evtchn *e = to_sim(ch);
	struct sim_port *p = find_port(e, port);
	int rc;

	if (!p)
		return -EINVAL;
	rc = evt_call(e, SIM_EVT_CLOSE, port, 0);
	drop_port(e, p);
	return rc < 0 ? rc : 0;
}

static void sim_evtchn_close(struct vgpu_evtchn *ch)
{
	struct sim_evtchn *e = to_sim(ch);

	while (e->ports)
		sim_evtchn_unbind(ch, e->ports->port);
	close(e->epfd);
	free(e);
}

static int sim_evtchn_fd(struct vgpu_evtchn *ch)
{
	return to_sim(ch)->epfd;
}

static int sim_evtchn_notify(struct vgpu_evtchn *ch, uint32_t port)
{
	struct sim_port *p = find_port(to_sim(ch), port);
	uint64_t one = 1;

	if (!p)
		return -EINVAL;
	if (write(p->notify_fd, &one, sizeof(one)) != sizeof(one))
		return -errno;
	return 0;
}

static int sim_evtchn_pending(struct vgpu_evtchn *ch)
{
	struct sim_evtchn *e = to_sim(ch);
	struct epoll_event ev;
	struct sim_port *p;
	uint64_t v;
	int n;

	n = epoll_wait(e->epfd, &ev, 1, 0);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EAGAIN;
	p = find_port(e, ev.data.u32);
	if (!p)
		return -EAGAIN;
	/* Reading clears it: the port stays quiet until the next notify. */
	if (read(p->wait_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return -errno;
	return (int)p->port;
}

static int sim_evtchn_unmask(struct vgpu_evtchn *ch, uint32_t port)
{
	/* pending() consumed the event; a later notify re-arms the eventfd. */
	return find_port(to_sim(ch), port) ? 0 : -EINVAL;
}

static int sim_evtchn_peer_alive(struct vgpu_evtchn *ch, uint32_t port)
{
	return evt_call(to_sim(ch), SIM_EVT_STATUS, port, 0);
}

const struct vgpu_platform_ops vgpu_platform_sim_ops = {
	.name = "sim",
	.open = sim_open,
	.close = sim_close,
	.gnt_share = sim_gnt_share,
	.gnt_unshare = sim_gnt_unshare,
	.gnt_map = sim_gnt_map,
	.gnt_unmap = sim_gnt_unmap,
	.gnt_copy = sim_gnt_copy,
	.evtchn_open = sim_evtchn_open,
	.evtchn_close = sim_evtchn_close,
	.evtchn_fd = sim_evtchn_fd,
	.evtchn_alloc_unbound = sim_evtchn_alloc_unbound,
	.evtchn_bind = sim_evtchn_bind,
	.evtchn_unbind = sim_evtchn_unbind,
	.evtchn_notify = sim_evtchn_notify,
	.evtchn_pending = sim_evtchn_pending,
	.evtchn_unmask = sim_evtchn_unmask,
	.evtchn_peer_alive = sim_evtchn_peer_alive,
};
