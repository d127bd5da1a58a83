/* SPDX-License-Identifier: MIT */
/*
 * simxend.c: the simulated hypervisor.  One epoll loop serves XenStore
 * clients (xs_server.c) and "hypercalls" (ring/simproto.h): grant tables
 * backed by memfds, event channels backed by eventfds, domain lifecycle.
 *
 * Identity: when a client connects, SO_PEERCRED names its pid; the nearest
 * ancestor registered by `vgpu-sim exec` fixes its domain, else it is dom0.
 * Resources belong to the connection that made them, as they belong to an
 * open /dev/xen/gntalloc, gntdev or evtchn file in Linux: when the process
 * dies its grants are revoked (kept while mapped), its mappings dropped and
 * its channels closed, and the peer is woken to see it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "simproto.h"
#include "simxend.h"
#include "xs_server.h"

#define MAX_DOMAINS      256
#define MAX_GRANTS       (1u << 20)	/* per domain */
#define MAX_PORTS        1024		/* per domain */
#define MAX_REGISTERED   64		/* exec'd pids per domain */

enum item_kind { IT_XS_LISTEN, IT_HV_LISTEN, IT_XS_CONN, IT_HV_CONN, IT_SIGNAL };

struct ep_item {
	enum item_kind kind;
	void *ptr;
};

struct mem {
	int fd;
	unsigned refs;			/* grants pointing at it */
};

struct grant {
	struct mem *mem;		/* NULL: free slot */
	uint32_t page;
	uint32_t grantee;
	bool readonly;
	bool revoked;			/* unshared while still mapped */
	unsigned mapcount;
	struct hv_conn *owner;
};

struct port {
	bool used;
	struct hv_conn *owner;
	uint32_t remote;		/* remote domid */
	uint32_t remote_port;
	bool bound;			/* connected to a peer */
	bool peer_gone;
	int wait_fd;			/* this side waits here */
	int peer_wait_fd;		/* the other side's wait fd: notify */
};

struct domain {
	bool used;
	uint32_t domid;
	char name[64];
	pid_t pids[MAX_REGISTERED];
	unsigned npids;
	struct grant *grants;
	uint32_t ngrants;		/* slots in use in the table */
	struct port ports[MAX_PORTS];
};

struct map {
	uint32_t id;
	struct hv_conn *owner;
	uint32_t granter;
	uint32_t *refs;
	uint32_t count;
	struct map *next;
};

struct hv_conn {
	int fd;
	uint32_t domid;
	struct ep_item item;
	struct hv_conn *next;
};

struct simxend {
	int epfd;
	struct xs_server *xs;
	struct domain doms[MAX_DOMAINS];
	uint32_t next_domid;
	struct hv_conn *hv_conns;
	struct map *maps;
	uint32_t next_map_id;
	struct ep_item xs_listen, hv_listen, sig;
	bool stop;
};

static struct domain *dom_get(struct simxend *s, uint32_t domid)
{
	unsigned i;

	for (i = 0; i < MAX_DOMAINS; i++)
		if (s->doms[i].used && s->doms[i].domid == domid)
			return &s->doms[i];
	return NULL;
}

static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	int ppid = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		sscanf(p + 2, "%*c %d", &ppid);
	fclose(f);
	return ppid;
}

/* The domain of @pid: a registered ancestor's, else 0. */
static uint32_t domain_of(struct simxend *s, pid_t pid)
{
	unsigned i, j, depth;

	for (depth = 0; pid > 1 && depth < 64; depth++) {
		for (i = 0; i < MAX_DOMAINS; i++) {
			struct domain *d = &s->doms[i];

			if (!d->used)
				continue;
			for (j = 0; j < d->npids; j++)
				if (d->pids[j] == pid)
					return d->domid;
		}
		pid = parent_of(pid);
	}
	return 0;
}

/* Forget registered processes that are gone, so the table never fills up. */
static void prune_pids(struct domain *d)
{
	unsigned i = 0;

	while (i < d->npids) {
		if (kill(d->pids[i], 0) && errno == ESRCH)
			d->pids[i] = d->pids[--d->npids];
		else
			i++;
	}
}

static uint32_t peer_domid(struct simxend *s, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return UINT32_MAX;
	return domain_of(s, cred.pid);
}

static int ep_add(struct simxend *s, int fd, struct ep_item *it, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.ptr = it };

	return epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &e);
}

/* ---------------- grants ---------------- */

static void mem_put(struct mem *m)
{
	if (--m->refs == 0) {
		close(m->fd);
		free(m);
	}
}

static void grant_release(struct grant *g)
{
	mem_put(g->mem);
	memset(g, 0, sizeof(*g));
}

static int32_t alloc_refs(struct domain *d, uint32_t count, uint32_t *refs)
{
	uint32_t i, n = 0;

	if (!d->grants) {
		d->grants = calloc(MAX_GRANTS, sizeof(*d->grants));
		if (!d->grants)
			return -ENOMEM;
	}
	/* Ref 0 is never handed out (Xen reserves the first entries). */
	for (i = 1; i < MAX_GRANTS && n < count; i++)
		if (!d->grants[i].mem)
			refs[n++] = i;
	return n == count ? 0 : -ENOSPC;
}

static int32_t gnt_share(struct simxend *s, struct hv_conn *c,
			 struct sim_msg *q, struct sim_msg *r, int *fd_out)
{
	struct domain *d = dom_get(s, c->domid);
	struct mem *m;
	uint32_t i;
	int32_t rc;

	if (!d || !q->count || q->count > SIM_MAX_REFS)
		return -EINVAL;
	if (!dom_get(s, q->a))
		return -ESRCH;
	rc = alloc_refs(d, q->count, r->data);
	if (rc)
		return rc;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->fd = memfd_create("simxen-grant", MFD_CLOEXEC);
	if (m->fd < 0 ||
	    ftruncate(m->fd, (off_t)q->count * SIMXEN_PAGE_SIZE)) {
		rc = -errno;
		if (m->fd >= 0)
			close(m->fd);
		free(m);
		return rc;
	}
	for (i = 0; i < q->count; i++) {
		struct grant *g = &d->grants[r->data[i]];

		g->mem = m;
		g->page = i;
		g->grantee = q->a;
		g->readonly = !q->b;
		g->owner = c;
		m->refs++;
		d->ngrants++;
	}
	r->count = q->count;
	*fd_out = m->fd;
	return 0;
}

static void revoke_ref(struct domain *d, uint32_t ref)
{
	struct grant *g = &d->grants[ref];

	if (!g->mem)
		return;
	if (g->mapcount) {
		g->revoked = true;	/* stays valid for the mapper */
		return;
	}
	grant_release(g);
	d->ngrants--;
}

static int32_t gnt_revoke(struct simxend *s, struct hv_conn *c,
			  struct sim_msg *q)
{
	struct domain *d = dom_get(s, c->domid);
	uint32_t i;

	if (!d || !d->grants || q->count > SIM_MAX_REFS)
		return -EINVAL;
	for (i = 0; i < q->count; i++) {
		uint32_t ref = q->data[i];

		if (ref && ref < MAX_GRANTS && d->grants[ref].mem &&
		    d->grants[ref].owner == c && !d->grants[ref].revoked)
			revoke_ref(d, ref);
	}
	return 0;
}

static void unmap_refs(struct simxend *s, struct map *mp)
{
	struct domain *d = dom_get(s, mp->granter);
	uint32_t i;

	for (i = 0; d && d->grants && i < mp->count; i++) {
		struct grant *g = &d->grants[mp->refs[i]];

		if (!g->mem || !g->mapcount)
			continue;
		if (--g->mapcount == 0 && g->revoked) {
			grant_release(g);
			d->ngrants--;
		}
	}
}

static int32_t gnt_map(struct simxend *s, struct hv_conn *c, struct sim_msg *q,
		       struct sim_msg *r, int *fds, unsigned *nfds)
{
	struct domain *d = dom_get(s, q->a);
	struct sim_run *runs = (struct sim_run *)r->data;
	struct mem *mems[SIM_MAX_FDS];
	unsigned nruns = 0, i, k;
	struct map *mp;

	if (!q->count || q->count > SIM_MAX_REFS)
		return -EINVAL;
	if (!d || !d->grants)
		return -EPERM;
	*nfds = 0;
	for (i = 0; i < q->count; i++) {
		uint32_t ref = q->data[i];
		struct grant *g;

		if (!ref || ref >= MAX_GRANTS)
			return -EINVAL;
		g = &d->grants[ref];
		if (!g->mem || g->revoked || g->grantee != c->domid)
			return -EPERM;
		if (q->b && g->readonly)
			return -EPERM;
		if (nruns && mems[runs[nruns - 1].fd_index] == g->mem &&
		    runs[nruns - 1].page + runs[nruns - 1].npages == g->page) {
			runs[nruns - 1].npages++;
			continue;
		}
		for (k = 0; k < *nfds; k++)
			if (mems[k] == g->mem)
				break;
		if (k == *nfds) {
			if (*nfds == SIM_MAX_FDS)
				return -E2BIG;
			mems[k] = g->mem;
			fds[k] = g->mem->fd;
			(*nfds)++;
		}
		runs[nruns].fd_index = k;
		runs[nruns].page = g->page;
		runs[nruns].npages = 1;
		nruns++;
	}
	mp = calloc(1, sizeof(*mp));
	if (!mp)
		return -ENOMEM;
	mp->refs = malloc(q->count * sizeof(uint32_t));
	if (!mp->refs) {
		free(mp);
		return -ENOMEM;
	}
	memcpy(mp->refs, q->data, q->count * sizeof(uint32_t));
	mp->count = q->count;
	mp->granter = q->a;
	mp->owner = c;
	do
		mp->id = ++s->next_map_id;
	while (!mp->id);
	for (i = 0; i < q->count; i++)
		d->grants[q->data[i]].mapcount++;
	mp->next = s->maps;
	s->maps = mp;
	r->a = mp->id;
	r->count = nruns * 3;
	return 0;
}

static void map_free(struct simxend *s, struct map *mp)
{
	struct map **pp;

	for (pp = &s->maps; *pp; pp = &(*pp)->next) {
		if (*pp == mp) {
			*pp = mp->next;
			break;
		}
	}
	unmap_refs(s, mp);
	free(mp->refs);
	free(mp);
}

static int32_t gnt_unmap(struct simxend *s, struct hv_conn *c, uint32_t id)
{
	struct map *mp;

	for (mp = s->maps; mp; mp = mp->next)
		if (mp->id == id && mp->owner == c) {
			map_free(s, mp);
			return 0;
		}
	return -ENOENT;
}

static int32_t gnt_copy(struct simxend *s, struct hv_conn *c, struct sim_msg *q,
			struct sim_msg *r)
{
	struct domain *d = dom_get(s, q->a);
	uint32_t off = q->c >> 16, len = q->c & 0xffff;
	struct grant *g;
	uint8_t *page;
	int32_t rc = 0;

	if (!d || !d->grants || !q->b || q->b >= MAX_GRANTS)
		return -EPERM;
	g = &d->grants[q->b];
	if (!g->mem || g->revoked || g->grantee != c->domid)
		return -EPERM;
	if (q->d && g->readonly)
		return -EPERM;
	if (off + len > SIMXEN_PAGE_SIZE || (q->d && q->count != len))
		return -EINVAL;
	page = mmap(NULL, SIMXEN_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		    g->mem->fd, (off_t)g->page * SIMXEN_PAGE_SIZE);
	if (page == MAP_FAILED)
		return -errno;
	if (q->d) {
		memcpy(page + off, q->data, len);
	} else {
		memcpy(r->data, page + off, len);
		r->count = len;
	}
	munmap(page, SIMXEN_PAGE_SIZE);
	return rc;
}

/* ---------------- event channels ---------------- */

static int new_port(struct domain *d)
{
	int i;

	for (i = 1; i < MAX_PORTS; i++)
		if (!d->ports[i].used)
			return i;
	return -ENOSPC;
}

static int32_t evt_alloc(struct simxend *s, struct hv_conn *c,
			 struct sim_msg *q, struct sim_msg *r, int *fds)
{
	struct domain *d = dom_get(s, c->domid);
	struct port *p;
	int port;

	if (!d || !dom_get(s, q->a))
		return -ESRCH;
	port = new_port(d);
	if (port < 0)
		return port;
	p = &d->ports[port];
	p->wait_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	p->peer_wait_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->wait_fd < 0 || p->peer_wait_fd < 0) {
		if (p->wait_fd >= 0)
			close(p->wait_fd);
		if (p->peer_wait_fd >= 0)
			close(p->peer_wait_fd);
		return -errno;
	}
	p->used = true;
	p->owner = c;
	p->remote = q->a;
	p->remote_port = 0;
	p->bound = false;
	p->peer_gone = false;
	fds[0] = p->wait_fd;
	fds[1] = p->peer_wait_fd;
	r->a = (uint32_t)port;
	return 0;
}

static int32_t evt_bind(struct simxend *s, struct hv_conn *c, struct sim_msg *q,
			struct sim_msg *r, int *fds)
{
	struct domain *d = dom_get(s, c->domid), *rd = dom_get(s, q->a);
	struct port *rp, *p;
	int port;

	if (!d || !rd || !q->b || q->b >= MAX_PORTS)
		return -EINVAL;
	rp = &rd->ports[q->b];
	/* Only the domain the port was allocated for may bind it, once. */
	if (!rp->used || rp->bound || rp->remote != c->domid)
		return -EINVAL;
	port = new_port(d);
	if (port < 0)
		return port;
	p = &d->ports[port];
	p->wait_fd = dup(rp->peer_wait_fd);
	p->peer_wait_fd = dup(rp->wait_fd);
	if (p->wait_fd < 0 || p->peer_wait_fd < 0)
		return -errno;
	p->used = true;
	p->owner = c;
	p->remote = q->a;
	p->remote_port = q->b;
	p->bound = true;
	p->peer_gone = false;
	rp->bound = true;
	rp->remote_port = (uint32_t)port;
	fds[0] = p->wait_fd;
	fds[1] = p->peer_wait_fd;
	r->a = (uint32_t)port;
	return 0;
}

static void port_close(struct simxend *s, struct domain *d, uint32_t port)
{
	struct port *p = &d->ports[port];
	uint64_t one = 1;

	if (p->bound && !p->peer_gone) {
		struct domain *rd = dom_get(s, p->remote);

		if (rd && p->remote_port < MAX_PORTS && rd->ports[p->remote_port].used) {
			struct port *rp = &rd->ports[p->remote_port];

			rp->peer_gone = true;
			/* Wake the survivor once so it looks. */
			if (write(rp->wait_fd, &one, sizeof(one)) < 0)
				(void)0;
		}
	}
	close(p->wait_fd);
	close(p->peer_wait_fd);
	memset(p, 0, sizeof(*p));
}

static int32_t evt_close(struct simxend *s, struct hv_conn *c, uint32_t port)
{
	struct domain *d = dom_get(s, c->domid);

	if (!d || !port || port >= MAX_PORTS || !d->ports[port].used ||
	    d->ports[port].owner != c)
		return -EINVAL;
	port_close(s, d, port);
	return 0;
}

static int32_t evt_status(struct simxend *s, struct hv_conn *c, uint32_t port,
			  struct sim_msg *r)
{
	struct domain *d = dom_get(s, c->domid);
	struct port *p;

	if (!d || !port || port >= MAX_PORTS || !d->ports[port].used)
		return -EINVAL;
	p = &d->ports[port];
	r->a = p->bound && !p->peer_gone;
	return 0;
}

/* ---------------- domains ---------------- */

static void text_reply(struct sim_msg *r, const char *text)
{
	size_t n = strlen(text);

	if (n > SIM_MAX_REFS * 12 - 1)
		n = SIM_MAX_REFS * 12 - 1;
	memcpy(r->data, text, n);
	((char *)r->data)[n] = 0;
	r->count = (uint32_t)n + 1;
}

static int32_t dom_create(struct simxend *s, struct sim_msg *q, struct sim_msg *r)
{
	char name[64];
	unsigned i;
	int rc;

	if (!q->count || q->count > sizeof(name))
		return -EINVAL;
	memcpy(name, q->data, q->count);
	name[q->count - 1] = 0;
	if (!name[0])
		return -EINVAL;
	for (i = 0; i < MAX_DOMAINS; i++)
		if (s->doms[i].used && !strcmp(s->doms[i].name, name))
			return -EEXIST;
	for (i = 1; i < MAX_DOMAINS; i++)
		if (!s->doms[i].used)
			break;
	if (i == MAX_DOMAINS)
		return -ENOSPC;
	memset(&s->doms[i], 0, sizeof(s->doms[i]));
	s->doms[i].used = true;
	s->doms[i].domid = s->next_domid++;
	snprintf(s->doms[i].name, sizeof(s->doms[i].name), "%s", name);
	rc = xs_domain_introduce(s->xs, s->doms[i].domid, name);
	if (rc) {
		s->doms[i].used = false;
		return rc;
	}
	r->a = s->doms[i].domid;
	return 0;
}

static bool descends_from(pid_t pid, const struct domain *d)
{
	unsigned j, depth;

	for (depth = 0; pid > 1 && depth < 64; depth++) {
		for (j = 0; j < d->npids; j++)
			if (d->pids[j] == pid)
				return true;
		pid = parent_of(pid);
	}
	return false;
}

static void kill_domain_processes(const struct domain *d)
{
	char path[64];
	int pass;

	/* Twice: a process may fork while we look. */
	for (pass = 0; pass < 2; pass++) {
		FILE *ls = popen("ls /proc", "r");
		char line[32];

		if (!ls)
			return;
		while (fgets(line, sizeof(line), ls)) {
			pid_t pid = (pid_t)atoi(line);

			if (pid > 1 && pid != getpid() && descends_from(pid, d))
				kill(pid, SIGKILL);
		}
		pclose(ls);
	}
	(void)path;
}

static void hv_conn_close(struct simxend *s, struct hv_conn *c);

static int32_t dom_destroy(struct simxend *s, uint32_t domid)
{
	struct domain *d = dom_get(s, domid);
	struct hv_conn *c, *next;
	uint32_t i;

	if (!d || domid == 0)
		return -ESRCH;
	kill_domain_processes(d);
	for (c = s->hv_conns; c; c = next) {
		next = c->next;
		if (c->domid == domid)
			hv_conn_close(s, c);
	}
	/* What the domain granted goes with it once unmapped. */
	for (i = 1; d->grants && i < MAX_GRANTS; i++)
		if (d->grants[i].mem)
			revoke_ref(d, i);
	for (i = 1; i < MAX_PORTS; i++)
		if (d->ports[i].used)
			port_close(s, d, i);
	xs_domain_release(s->xs, domid);
	d->npids = 0;
	d->name[0] = 0;
	/* Keep the table while others still map its grants. */
	if (!d->ngrants) {
		free(d->grants);
		d->grants = NULL;	/* the slot is reused by a later domain */
		d->used = false;
	} else {
		snprintf(d->name, sizeof(d->name), "(dying)");
	}
	return 0;
}

static void list_text(struct simxend *s, struct sim_msg *r, bool stats)
{
	char buf[16384];
	size_t off = 0;
	unsigned i, j;
	struct map *mp;

	buf[0] = 0;
	for (i = 0; i < MAX_DOMAINS; i++) {
		struct domain *d = &s->doms[i];
		unsigned ports = 0, maps = 0, mapped = 0;

		if (!d->used)
			continue;
		if (!stats) {
			if (d->name[0] && strcmp(d->name, "(dying)"))
				off += (size_t)snprintf(buf + off, sizeof(buf) - off,
							"%u %s\n", d->domid, d->name);
			continue;
		}
		for (j = 1; j < MAX_PORTS; j++)
			ports += d->ports[j].used;
		for (mp = s->maps; mp; mp = mp->next) {
			struct hv_conn *c = mp->owner;

			if (c && c->domid == d->domid) {
				maps++;
				mapped += mp->count;
			}
		}
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
			"domain %u grants %u maps %u mapped-pages %u ports %u\n",
			d->domid, d->ngrants, maps, mapped, ports);
		if (off >= sizeof(buf))
			break;
	}
	if (stats) {
		struct xs_server_stats st;

		xs_server_get_stats(s->xs, &st);
		snprintf(buf + off, sizeof(buf) - off,
			 "xenstore nodes %u watches %u transactions %u connections %u\n",
			 st.nodes, st.watches, st.transactions, st.connections);
	}
	text_reply(r, buf);
}

/* ---------------- hv connections ---------------- */

static void hv_conn_close(struct simxend *s, struct hv_conn *c)
{
	struct hv_conn **pc;
	struct map *mp, *next;
	struct domain *d = dom_get(s, c->domid);
	uint32_t i;

	for (mp = s->maps; mp; mp = next) {
		next = mp->next;
		if (mp->owner == c)
			map_free(s, mp);
	}
	if (d) {
		for (i = 1; d->grants && i < MAX_GRANTS; i++)
			if (d->grants[i].mem && d->grants[i].owner == c) {
				d->grants[i].owner = NULL;
				revoke_ref(d, i);
			}
		for (i = 1; i < MAX_PORTS; i++)
			if (d->ports[i].used && d->ports[i].owner == c)
				port_close(s, d, i);
	}
	for (pc = &s->hv_conns; *pc; pc = &(*pc)->next)
		if (*pc == c) {
			*pc = c->next;
			break;
		}
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c);
	/* A dying domain whose grants are all unmapped now goes away. */
	for (i = 0; i < MAX_DOMAINS; i++) {
		struct domain *dd = &s->doms[i];

		if (dd->used && !strcmp(dd->name, "(dying)") && !dd->ngrants) {
			free(dd->grants);
			dd->grants = NULL;
			dd->used = false;
		}
	}
}

static int send_reply(int fd, struct sim_msg *r, const int *fds, unsigned nfds)
{
	char cbuf[CMSG_SPACE(sizeof(int) * SIM_MAX_FDS)];
	struct iovec iov = {
		.iov_base = r,
		.iov_len = sizeof(*r) + (r->op == SIM_CTL_LIST || r->op == SIM_CTL_STATS ||
					 r->op == SIM_GNT_COPY ? r->count : r->count * 4u),
	};
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nfds) {
		struct cmsghdr *cm;

		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	return sendmsg(fd, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* Bytes of data a request carries: count means pages, words or bytes. */
static size_t payload_len(const struct sim_msg *q)
{
	switch (q->op) {
	case SIM_GNT_REVOKE:
	case SIM_GNT_MAP:
		return (size_t)q->count * 4;
	case SIM_CTL_CREATE:
	case SIM_GNT_COPY:
		return q->count;
	default:
		return 0;
	}
}

/* SIM_CTL_REGISTER, SIM_CTL_CREATE, SIM_CTL_DESTROY: the toolstack's (dom0's). */
static int32_t ctl_toolstack(struct simxend *s, uint32_t domid, struct sim_msg *q,
			     struct sim_msg *r)
{
	struct domain *d;

	if (domid)
		return -EPERM;
	if (q->op == SIM_CTL_CREATE)
		return dom_create(s, q, r);
	if (q->op == SIM_CTL_DESTROY)
		return dom_destroy(s, q->a);
	d = dom_get(s, q->a);
	if (d)
		prune_pids(d);
	if (!d || d->npids >= MAX_REGISTERED)
		return -ESRCH;
	d->pids[d->npids++] = (pid_t)q->b;
	return 0;
}

/* Carry out request @q into reply @r; *@nfds of @fds go with the reply. */
static int32_t hv_request(struct simxend *s, struct hv_conn *c, struct sim_msg *q,
			  struct sim_msg *r, int *fds, unsigned *nfds)
{
	int32_t rc;

	switch (q->op) {
	case SIM_GNT_SHARE:
		rc = gnt_share(s, c, q, r, fds);
		*nfds = rc ? 0 : 1;
		return rc;
	case SIM_GNT_REVOKE:
		return gnt_revoke(s, c, q);
	case SIM_GNT_MAP:
		rc = gnt_map(s, c, q, r, fds, nfds);
		if (rc)
			*nfds = 0;
		return rc;
	case SIM_GNT_UNMAP:
		return gnt_unmap(s, c, q->a);
	case SIM_GNT_COPY:
		return gnt_copy(s, c, q, r);
	case SIM_EVT_ALLOC:
		rc = evt_alloc(s, c, q, r, fds);
		*nfds = rc ? 0 : 2;
		return rc;
	case SIM_EVT_BIND:
		rc = evt_bind(s, c, q, r, fds);
		*nfds = rc ? 0 : 2;
		return rc;
	case SIM_EVT_CLOSE:
		return evt_close(s, c, q->a);
	case SIM_EVT_STATUS:
		return evt_status(s, c, q->a, r);
	case SIM_CTL_WHOAMI:
		r->a = c->domid;
		return 0;
	case SIM_CTL_LIST:
	case SIM_CTL_STATS:
		list_text(s, r, q->op == SIM_CTL_STATS);
		return 0;
	case SIM_CTL_REGISTER:
	case SIM_CTL_CREATE:
	case SIM_CTL_DESTROY:
		return ctl_toolstack(s, c->domid, q, r);
	default:
		return -ENOSYS;
	}
}

static void hv_conn_io(struct simxend *s, struct hv_conn *c, uint32_t events)
{
	static uint32_t qbuf[SIM_MSG_MAX / 4 + 1], rbuf[SIM_MSG_MAX / 4 + 1];
	struct sim_msg *q = (struct sim_msg *)qbuf, *r = (struct sim_msg *)rbuf;
	int fds[SIM_MAX_FDS];
	unsigned nfds = 0;
	ssize_t n;

	if (!(events & EPOLLIN)) {
		hv_conn_close(s, c);
		return;
	}
	n = recv(c->fd, q, SIM_MSG_MAX, MSG_DONTWAIT);
	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		hv_conn_close(s, c);
		return;
	}
	if ((size_t)n < sizeof(*q) || (size_t)n < sizeof(*q) + payload_len(q)) {
		hv_conn_close(s, c);	/* malformed: drop it */
		return;
	}
	memset(r, 0, sizeof(*r));
	r->op = q->op;
	/* A domain destroyed under a live connection can do nothing more. */
	if (c->domid && !dom_get(s, c->domid))
		r->rc = -ESRCH;
	else
		r->rc = hv_request(s, c, q, r, fds, &nfds);
	if (send_reply(c->fd, r, fds, nfds) < 0)
		hv_conn_close(s, c);
}

/* ---------------- XenStore connections ---------------- */

static void xs_rearm(struct simxend *s, struct xs_conn *xc)
{
	struct ep_item *it = xs_conn_data(xc);
	struct epoll_event e = {
		.events = EPOLLIN | (xs_conn_want_write(xc) ? EPOLLOUT : 0),
		.data.ptr = it,
	};

	epoll_ctl(s->epfd, EPOLL_CTL_MOD, xs_conn_fd(xc), &e);
}

static void xs_wakeup(struct xs_conn *xc, void *arg)
{
	xs_rearm(arg, xc);
}

static void xs_close(struct simxend *s, struct xs_conn *xc)
{
	struct ep_item *it = xs_conn_data(xc);

	epoll_ctl(s->epfd, EPOLL_CTL_DEL, xs_conn_fd(xc), NULL);
	xs_conn_free(xc);
	free(it);
}

static void accept_one(struct simxend *s, int lfd, bool xs)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	uint32_t domid;

	if (fd < 0)
		return;
	domid = peer_domid(s, fd);
	if (domid == UINT32_MAX) {
		close(fd);
		return;
	}
	if (xs) {
		struct ep_item *it = calloc(1, sizeof(*it));
		struct xs_conn *xc = it ? xs_conn_new(s->xs, fd, domid) : NULL;

		if (!xc) {
			free(it);
			close(fd);
			return;
		}
		it->kind = IT_XS_CONN;
		it->ptr = xc;
		xs_conn_set_data(xc, it);
		if (ep_add(s, fd, it, EPOLLIN)) {
			xs_close(s, xc);
			return;
		}
		xs_rearm(s, xc);	/* watch events may already wait */
	} else {
		struct hv_conn *c = calloc(1, sizeof(*c));

		if (!c) {
			close(fd);
			return;
		}
		c->fd = fd;
		c->domid = domid;
		c->item.kind = IT_HV_CONN;
		c->item.ptr = c;
		c->next = s->hv_conns;
		s->hv_conns = c;
		if (ep_add(s, fd, &c->item, EPOLLIN))
			hv_conn_close(s, c);
	}
}

static void close_domain_xs(struct simxend *s)
{
	(void)s;	/* XenStore connections of dead processes close themselves */
}

static int listen_on(const char *dir, const char *name, int type)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", dir, name) >=
	    (int)sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	unlink(sa.sun_path);
	fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 128)) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

/* The event loop, until SIGTERM or SIGINT. */
static void serve(struct simxend *s, int xfd, int hfd)
{
	while (!s->stop) {
		struct epoll_event ev[64];
		int n = epoll_wait(s->epfd, ev, 64, -1), i;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		for (i = 0; i < n; i++) {
			struct ep_item *it = ev[i].data.ptr;
			enum item_kind kind = it->kind;	/* it may be freed below */

			switch (kind) {
			case IT_XS_LISTEN:
				accept_one(s, xfd, true);
				break;
			case IT_HV_LISTEN:
				accept_one(s, hfd, false);
				break;
			case IT_XS_CONN:
				if (xs_conn_io(it->ptr, ev[i].events) < 0)
					xs_close(s, it->ptr);
				else
					xs_rearm(s, it->ptr);
				break;
			case IT_HV_CONN:
				hv_conn_io(s, it->ptr, ev[i].events);
				break;
			case IT_SIGNAL:
				s->stop = true;
				break;
			}
			/* A closed connection may have freed later items: restart. */
			if (kind == IT_HV_CONN || kind == IT_XS_CONN)
				break;
		}
	}
}

/* Every domain's grant table, at exit. */
static void free_grants(struct simxend *s)
{
	for (unsigned i = 0; i < MAX_DOMAINS; i++)
		if (s->doms[i].grants) {
			for (uint32_t j = 1; j < MAX_GRANTS; j++)
				if (s->doms[i].grants[j].mem)
					grant_release(&s->doms[i].grants[j]);
			free(s->doms[i].grants);
		}
}

int simxend_run(const char *dir)
{
	struct simxend *s = calloc(1, sizeof(*s));
	int xfd = -1, hfd = -1, sfd = -1, rc = 1;
	sigset_t mask;

	if (!s)
		return 1;
	s->next_domid = 1;
	s->doms[0].used = true;		/* dom0 */
	s->doms[0].domid = 0;
	snprintf(s->doms[0].name, sizeof(s->doms[0].name), "Domain-0");
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->xs = xs_server_new(xs_wakeup, s);
	xfd = listen_on(dir, SIMXEN_XS_SOCK, SOCK_STREAM);
	hfd = listen_on(dir, SIMXEN_HV_SOCK, SOCK_SEQPACKET);
	if (s->epfd < 0 || !s->xs || xfd < 0 || hfd < 0) {
		fprintf(stderr, "simxend: cannot serve in %s: %s\n", dir,
			strerror(xfd < 0 ? -xfd : hfd < 0 ? -hfd : errno));
		goto out;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	s->xs_listen = (struct ep_item){ IT_XS_LISTEN, NULL };
	s->hv_listen = (struct ep_item){ IT_HV_LISTEN, NULL };
	s->sig = (struct ep_item){ IT_SIGNAL, NULL };
	ep_add(s, xfd, &s->xs_listen, EPOLLIN);
	ep_add(s, hfd, &s->hv_listen, EPOLLIN);
	ep_add(s, sfd, &s->sig, EPOLLIN);

	serve(s, xfd, hfd);
	close_domain_xs(s);
	rc = 0;
out:
	while (s->hv_conns)
		hv_conn_close(s, s->hv_conns);
	xs_server_free(s->xs);
	free_grants(s);
	if (xfd >= 0)
		close(xfd);
	if (hfd >= 0)
		close(hfd);
	if (sfd >= 0)
		close(sfd);
	if (s->epfd >= 0)
		close(s->epfd);
	free(s);
	return rc;
}
