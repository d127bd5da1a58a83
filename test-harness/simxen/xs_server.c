/* SPDX-License-Identifier: MIT */
/*
 * xs_server.c: connections, the wire protocol of <xen/io/xs_wire.h>, watches,
 * transactions and domain introduction, on top of xs_store.c.
 *
 * Transactions work on a private copy of the tree; every path a transaction
 * reads or writes is remembered with the generation it saw, and the commit
 * fails with EAGAIN when any of them changed meanwhile (xenstored's rule).
 * A committed transaction's changes are replayed on the live tree.
 * What each message type does is xs_requests.c's.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <xen/io/xs_wire.h>

#include "xs_server.h"
#include "xs_server_priv.h"
#include "xs_store.h"
#include "xs_wire.h"

/* ---------------- output ---------------- */

/* Unread output a connection may have queued before it is dropped. */
static size_t out_limit(const struct xs_conn *c)
{
	return c->domid ? XS_MAX_OUTPUT : XS_MAX_OUTPUT_DOM0;
}

static int out_append(struct xs_conn *c, const void *p, size_t n)
{
	if (c->outlen + n > out_limit(c))
		return -ENOSPC;
	if (c->outlen + n > c->outcap) {
		size_t cap = c->outcap ? c->outcap : 4096;
		uint8_t *b;

		while (cap < c->outlen + n)
			cap *= 2;
		b = realloc(c->out, cap);
		if (!b)
			return -ENOMEM;
		c->out = b;
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, p, n);
	c->outlen += n;
	return 0;
}

static int flush_out(struct xs_conn *c)
{
	while (c->outlen) {
		ssize_t w = send(c->fd, c->out, c->outlen, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			return -errno;
		}
		memmove(c->out, c->out + w, c->outlen - (size_t)w);
		c->outlen -= (size_t)w;
	}
	return 0;
}

void xsrv_send_msg(struct xs_conn *c, uint32_t type, uint32_t req_id,
		   uint32_t tx_id, const void *body, size_t len)
{
	struct xsd_sockmsg h = {
		.type = type, .req_id = req_id, .tx_id = tx_id,
		.len = (uint32_t)len,
	};

	if (out_append(c, &h, sizeof(h)) || out_append(c, body, len))
		c->outlen = out_limit(c);	/* overflowed: close it */
}

void xsrv_send_error(struct xs_conn *c, const struct xsd_sockmsg *req,
		     int err)
{
	const char *s = "EINVAL";
	size_t i;

	for (i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (xsd_errors[i].errnum == err)
			s = xsd_errors[i].errstring;
	xsrv_send_msg(c, XS_ERROR, req->req_id, req->tx_id, s, strlen(s) + 1);
}

void xsrv_send_ok(struct xs_conn *c, const struct xsd_sockmsg *req)
{
	xsrv_send_msg(c, req->type, req->req_id, req->tx_id, "OK", 3);
}

/* ---------------- watches ---------------- */

/* Is @path equal to @prefix or below it? */
static bool path_under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(path, prefix, n))
		return false;
	return path[n] == 0 || path[n] == '/' || !strcmp(prefix, "/");
}

void xsrv_queue_event(struct xs_conn *c, const struct xs_watch *w,
		      const char *path)
{
	char body[XS_MAX_PATH + XENSTORE_PAYLOAD_MAX];
	const char *p = path;
	size_t pl, tl;
	bool had = c->outlen != 0;

	if (w->strip && strlen(path) > w->strip)
		p = path + w->strip;
	pl = strlen(p) + 1;
	tl = strlen(w->token) + 1;
	if (pl + tl > sizeof(body))
		return;
	/*
	 * As xenstored since XSA-326: a guest that does not read its events
	 * loses those past its quota, not its connection, so that others'
	 * writes cannot cut it off; dom0 is not held to a guest's quota.
	 */
	if (c->domid && c->outlen + sizeof(struct xsd_sockmsg) + pl + tl > XS_MAX_OUTPUT)
		return;
	memcpy(body, p, pl);
	memcpy(body + pl, w->token, tl);
	xsrv_send_msg(c, XS_WATCH_EVENT, 0, 0, body, pl + tl);
	if (!had && c->srv->wakeup)
		c->srv->wakeup(c, c->srv->wakeup_arg);
}

/*
 * A change at @path fires watches on it and on its ancestors; a removal also
 * fires watches below it.  @node is the node (or the removed node) whose
 * permissions decide who may see the event.
 */
void xsrv_fire(struct xs_server *srv, const char *path,
	       const struct xs_node *node, bool removed)
{
	struct xs_conn *c;
	struct xs_watch *w;

	for (c = srv->conns; c; c = c->next) {
		if (node && !xs_can_read(node, c->domid))
			continue;
		for (w = c->watches; w; w = w->next) {
			if (path_under(path, w->path))
				xsrv_queue_event(c, w, path);
			else if (removed && path_under(w->path, path))
				xsrv_queue_event(c, w, w->path);
		}
	}
}

static void fire_special(struct xs_server *srv, const char *name)
{
	struct xs_conn *c;
	struct xs_watch *w;

	for (c = srv->conns; c; c = c->next)
		for (w = c->watches; w; w = w->next)
			if (!strcmp(w->path, name))
				xsrv_queue_event(c, w, name);
}

void xsrv_watch_free(struct xs_watch *w)
{
	free(w->path);
	free(w->token);
	free(w);
}

/* ---------------- tree operations (live or transaction) ---------------- */

static unsigned count_owned(const struct xs_node *n, uint32_t domid)
{
	unsigned i, c = n->nperms && n->perms[0].id == domid;

	for (i = 0; i < n->nchildren; i++)
		c += count_owned(n->children[i], domid);
	return c;
}

/* Find or create @path; new nodes are owned by an unprivileged creator. */
static int make_path(struct xs_server *srv, struct xs_node *root,
		     const char *path, uint32_t domid, struct xs_node **out,
		     bool *created)
{
	struct xs_node *n = root, *c;
	const char *p = path + 1, *e;
	unsigned missing = 0;

	*created = false;
	/* Count what is missing first: permission and quota before changing. */
	while (*p) {
		e = strchr(p, '/');
		if (!e)
			e = p + strlen(p);
		c = xs_node_child(n, p, (size_t)(e - p));
		if (!c)
			break;
		n = c;
		p = *e ? e + 1 : e;
	}
	if (!*p) {
		*out = n;
		return 0;
	}
	if (!xs_can_write(n, domid))
		return -EACCES;
	for (e = p; e; e = strchr(e + 1, '/'))
		missing++;
	if (domid && count_owned(root, domid) + missing > XS_QUOTA_NODES)
		return -ENOSPC;
	while (*p) {
		char name[XS_MAX_PATH];

		e = strchr(p, '/');
		if (!e)
			e = p + strlen(p);
		memcpy(name, p, (size_t)(e - p));
		name[e - p] = 0;
		c = xs_node_new(n, name);
		if (!c)
			return -ENOMEM;
		if (domid && c->nperms)
			c->perms[0].id = domid;
		c->gen = ++srv->gen;
		n->gen = srv->gen;
		n = c;
		p = *e ? e + 1 : e;
	}
	*created = true;
	*out = n;
	return 0;
}

int xsrv_op_write(struct xs_server *srv, struct xs_node *root,
		  const char *path, const char *val, size_t len,
		  uint32_t domid)
{
	struct xs_node *n = xs_node_lookup(root, path);
	bool created;
	char *v;
	int rc;

	if (len > XS_MAX_VALUE && domid)
		return -ENOSPC;
	if (n && !xs_can_write(n, domid))
		return -EACCES;
	if (!n) {
		rc = make_path(srv, root, path, domid, &n, &created);
		if (rc)
			return rc;
	}
	v = malloc(len + 1);
	if (!v)
		return -ENOMEM;
	memcpy(v, val, len);
	v[len] = 0;
	free(n->value);
	n->value = v;
	n->len = len;
	n->gen = ++srv->gen;
	return 0;
}

int xsrv_op_mkdir(struct xs_server *srv, struct xs_node *root,
		  const char *path, uint32_t domid)
{
	struct xs_node *n;
	bool created;

	return make_path(srv, root, path, domid, &n, &created);
}

int xsrv_op_rm(struct xs_server *srv, struct xs_node *root, const char *path,
	       uint32_t domid)
{
	struct xs_node *n = xs_node_lookup(root, path), *parent;
	char ppath[XS_MAX_PATH + 1], *slash;

	if (!n) {
		/* xenstored: removing a missing node is fine if its parent exists. */
		snprintf(ppath, sizeof(ppath), "%s", path);
		slash = strrchr(ppath, '/');
		if (slash && slash != ppath)
			*slash = 0;
		else if (slash)
			slash[1] = 0;
		return xs_node_lookup(root, ppath) ? 0 : -ENOENT;
	}
	if (!n->parent)
		return -EINVAL;
	if (!xs_can_write(n, domid))
		return -EACCES;
	parent = n->parent;
	xs_node_unlink(n);
	xs_node_free(n);
	parent->gen = ++srv->gen;
	return 0;
}

int xsrv_op_set_perms(struct xs_server *srv, struct xs_node *root,
		      const char *path, const struct xs_perm *perms,
		      unsigned nperms, uint32_t domid)
{
	struct xs_node *n = xs_node_lookup(root, path);

	if (!n)
		return -ENOENT;
	/* Only the owner (or dom0) may change permissions. */
	if (domid && (!n->nperms || n->perms[0].id != domid))
		return -EACCES;
	memcpy(n->perms, perms, nperms * sizeof(*perms));
	n->nperms = nperms;
	n->gen = ++srv->gen;
	return 0;
}

/* ---------------- transactions ---------------- */

struct xs_tx *xsrv_find_tx(struct xs_conn *c, uint32_t id)
{
	struct xs_tx *t;

	for (t = c->txs; t; t = t->next)
		if (t->id == id)
			return t;
	return NULL;
}

void xsrv_tx_free(struct xs_tx *t)
{
	unsigned i;

	xs_node_free(t->root);
	for (i = 0; i < t->nseen; i++)
		free(t->seen[i].path);
	for (i = 0; i < t->nops; i++) {
		free(t->ops[i].path);
		free(t->ops[i].value);
	}
	free(t->seen);
	free(t->ops);
	free(t);
}

/* Remember the generation a transaction saw at @path, on first access. */
void xsrv_tx_seen(struct xs_tx *t, const char *path)
{
	struct xs_node *n;
	struct tx_seen *s;
	unsigned i;

	for (i = 0; i < t->nseen; i++)
		if (!strcmp(t->seen[i].path, path))
			return;
	s = realloc(t->seen, (t->nseen + 1) * sizeof(*s));
	if (!s)
		return;
	t->seen = s;
	n = xs_node_lookup(t->root, path);
	s[t->nseen].path = strdup(path);
	s[t->nseen].gen = n ? n->gen : 0;
	if (s[t->nseen].path)
		t->nseen++;
}

int xsrv_tx_log(struct xs_tx *t, enum tx_op_kind kind, const char *path,
		const char *val, size_t len, const struct xs_perm *perms,
		unsigned nperms)
{
	struct tx_op *o = realloc(t->ops, (t->nops + 1) * sizeof(*o));

	if (!o)
		return -ENOMEM;
	t->ops = o;
	o = &t->ops[t->nops];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->path = strdup(path);
	if (val) {
		o->value = malloc(len + 1);
		if (o->value) {
			memcpy(o->value, val, len);
			o->value[len] = 0;
		}
	}
	o->len = len;
	if (perms)
		memcpy(o->perms, perms, nperms * sizeof(*perms));
	o->nperms = nperms;
	if (!o->path || (val && !o->value)) {
		free(o->path);
		free(o->value);
		return -ENOMEM;
	}
	t->nops++;
	return 0;
}

bool xsrv_tx_conflicts(struct xs_server *srv, struct xs_tx *t)
{
	unsigned i;

	for (i = 0; i < t->nseen; i++) {
		struct xs_node *n = xs_node_lookup(srv->root, t->seen[i].path);
		uint64_t gen = n ? n->gen : 0;

		if (gen != t->seen[i].gen)
			return true;
	}
	return false;
}

/* Replay a transaction's changes on the live tree (checks were done). */
void xsrv_tx_apply(struct xs_server *srv, struct xs_tx *t)
{
	unsigned i;

	for (i = 0; i < t->nops; i++) {
		struct tx_op *o = &t->ops[i];
		struct xs_node *n;

		switch (o->kind) {
		case TXOP_WRITE:
			xsrv_op_write(srv, srv->root, o->path, o->value, o->len, 0);
			break;
		case TXOP_MKDIR:
			xsrv_op_mkdir(srv, srv->root, o->path, 0);
			break;
		case TXOP_RM:
			xsrv_op_rm(srv, srv->root, o->path, 0);
			break;
		case TXOP_PERMS:
			xsrv_op_set_perms(srv, srv->root, o->path, o->perms,
				     o->nperms, 0);
			break;
		}
		/* Ownership as the transaction's copy decided it. */
		n = xs_node_lookup(t->root, o->path);
		if (n && o->kind != TXOP_RM) {
			struct xs_node *live = xs_node_lookup(srv->root, o->path);

			if (live) {
				memcpy(live->perms, n->perms, sizeof(n->perms));
				live->nperms = n->nperms;
			}
		}
		n = xs_node_lookup(srv->root, o->path);
		xsrv_fire(srv, o->path, n, o->kind == TXOP_RM);
	}
}

/* ---------------- connections ---------------- */

struct xs_conn *xs_conn_new(struct xs_server *srv, int fd, uint32_t domid)
{
	struct xs_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->srv = srv;
	c->fd = fd;
	c->domid = domid;
	c->next = srv->conns;
	srv->conns = c;
	srv->nconns++;
	return c;
}

int xs_conn_fd(const struct xs_conn *conn) { return conn->fd; }
uint32_t xs_conn_domid(const struct xs_conn *conn) { return conn->domid; }
void xs_conn_set_data(struct xs_conn *conn, void *data) { conn->data = data; }
void *xs_conn_data(const struct xs_conn *conn) { return conn->data; }
bool xs_conn_want_write(const struct xs_conn *conn) { return conn->outlen != 0; }

int xs_conn_io(struct xs_conn *c, uint32_t events)
{
	if (events & EPOLLIN) {
		for (;;) {
			struct xsd_sockmsg h;
			ssize_t r;
			size_t need;
			int prc;

			r = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen, 0);
			if (r == 0)
				return -EPIPE;
			if (r < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					break;
				return -errno;
			}
			c->inlen += (size_t)r;
			while ((prc = xs_wire_parse(c->in, c->inlen, &h, &need)) > 0) {
				char body[XENSTORE_PAYLOAD_MAX + 1];

				memcpy(body, c->in + sizeof(h), h.len);
				body[h.len] = 0;
				xsrv_request_handle(c, &h, body);
				memmove(c->in, c->in + need, c->inlen - need);
				c->inlen -= need;
			}
			if (prc < 0)
				return prc;	/* malformed: drop the client */
		}
	}
	if (c->outlen >= out_limit(c))
		return -ENOSPC;
	if (flush_out(c) < 0)
		return -EPIPE;
	if (events & (EPOLLHUP | EPOLLERR))
		return -EPIPE;
	return 0;
}

void xs_conn_free(struct xs_conn *conn)
{
	struct xs_server *srv = conn->srv;
	struct xs_conn **pc;

	for (pc = &srv->conns; *pc; pc = &(*pc)->next) {
		if (*pc == conn) {
			*pc = conn->next;
			srv->nconns--;
			break;
		}
	}
	while (conn->watches) {
		struct xs_watch *w = conn->watches;

		conn->watches = w->next;
		xsrv_watch_free(w);
	}
	while (conn->txs) {
		struct xs_tx *t = conn->txs;

		conn->txs = t->next;
		xsrv_tx_free(t);
	}
	close(conn->fd);
	free(conn->out);
	free(conn);
}

/* ---------------- server and domains ---------------- */

struct xs_server *xs_server_new(xs_wakeup_fn wakeup, void *arg)
{
	struct xs_server *srv = calloc(1, sizeof(*srv));

	if (!srv)
		return NULL;
	srv->root = xs_node_new(NULL, "");
	if (!srv->root) {
		free(srv);
		return NULL;
	}
	srv->root->perms[0] = (struct xs_perm){ 0, XS_PERM_NONE };
	srv->root->nperms = 1;
	srv->wakeup = wakeup;
	srv->wakeup_arg = arg;
	xs_server_write(srv, "/local/domain/0/name", "Domain-0");
	xs_server_write(srv, "/local/domain/0/domid", "0");
	return srv;
}

void xs_server_free(struct xs_server *srv)
{
	if (!srv)
		return;
	while (srv->conns)
		xs_conn_free(srv->conns);
	while (srv->doms) {
		struct introduced *d = srv->doms;

		srv->doms = d->next;
		free(d);
	}
	xs_node_free(srv->root);
	free(srv);
}

int xs_server_write(struct xs_server *srv, const char *path, const char *value)
{
	int rc;

	if (!xs_path_valid(path))
		return -EINVAL;
	rc = xsrv_op_write(srv, srv->root, path, value, strlen(value), 0);
	if (!rc)
		xsrv_fire(srv, path, xs_node_lookup(srv->root, path), false);
	return rc;
}

int xs_server_rm(struct xs_server *srv, const char *path)
{
	struct xs_node *old;
	struct xs_node copy;
	int rc;

	if (!xs_path_valid(path))
		return -EINVAL;
	old = xs_node_lookup(srv->root, path);
	if (old)
		copy = *old;
	rc = xsrv_op_rm(srv, srv->root, path, 0);
	if (!rc && old)
		xsrv_fire(srv, path, &copy, true);
	return rc;
}

char *xs_server_read(struct xs_server *srv, const char *path)
{
	struct xs_node *n = xs_node_lookup(srv->root, path);

	if (!n) {
		errno = ENOENT;
		return NULL;
	}
	return strdup(n->value);
}

static int set_perms_live(struct xs_server *srv, const char *path,
			  const struct xs_perm *p, unsigned np)
{
	return xsrv_op_set_perms(srv, srv->root, path, p, np, 0);
}

int xs_domain_introduce(struct xs_server *srv, uint32_t domid, const char *name)
{
	struct introduced *d;
	char path[96], val[32];
	const char *sub[] = { "device", "data", "control", "drivers", "attr" };
	unsigned i;

	if (!domid || xs_domain_is_introduced(srv, domid))
		return -EEXIST;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->domid = domid;
	d->next = srv->doms;
	srv->doms = d;

	/* As libxl makes a domain: the home dir is dom0's, readable by the
	 * guest; the guest owns device/, data/, control/... */
	snprintf(path, sizeof(path), "/local/domain/%u", domid);
	xsrv_op_mkdir(srv, srv->root, path, 0);
	set_perms_live(srv, path, (struct xs_perm[]){ { 0, 'n' }, { domid, 'r' } }, 2);
	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		snprintf(path, sizeof(path), "/local/domain/%u/%s", domid, sub[i]);
		xsrv_op_mkdir(srv, srv->root, path, 0);
		set_perms_live(srv, path, (struct xs_perm[]){ { domid, 'n' } }, 1);
	}
	snprintf(path, sizeof(path), "/local/domain/%u/domid", domid);
	snprintf(val, sizeof(val), "%u", domid);
	xsrv_op_write(srv, srv->root, path, val, strlen(val), 0);
	if (name) {
		snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
		xsrv_op_write(srv, srv->root, path, name, strlen(name), 0);
	}
	snprintf(path, sizeof(path), "/local/domain/%u", domid);
	xsrv_fire(srv, path, NULL, false);
	fire_special(srv, "@introduceDomain");
	return 0;
}

int xs_domain_release(struct xs_server *srv, uint32_t domid)
{
	struct introduced **pd, *d;
	char path[64];

	for (pd = &srv->doms; (d = *pd); pd = &d->next)
		if (d->domid == domid)
			break;
	if (!d)
		return -ENOENT;
	*pd = d->next;
	free(d);
	snprintf(path, sizeof(path), "/local/domain/%u", domid);
	xs_server_rm(srv, path);
	fire_special(srv, "@releaseDomain");
	return 0;
}

bool xs_domain_is_introduced(struct xs_server *srv, uint32_t domid)
{
	struct introduced *d;

	if (domid == 0)
		return true;
	for (d = srv->doms; d; d = d->next)
		if (d->domid == domid)
			return true;
	return false;
}

void xs_server_get_stats(struct xs_server *srv, struct xs_server_stats *st)
{
	struct xs_conn *c;

	memset(st, 0, sizeof(*st));
	st->nodes = xs_node_count(srv->root);
	st->connections = srv->nconns;
	for (c = srv->conns; c; c = c->next) {
		st->watches += c->nwatches;
		st->transactions += c->ntxs;
	}
}
