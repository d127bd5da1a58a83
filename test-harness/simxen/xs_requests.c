/* SPDX-License-Identifier: MIT */
/*
 * xs_requests.c: what simxen's XenStore server does with each message
 * type, one function per type dispatched through wire_funcs[] as
 * xenstored's core.c does.  Connections, watches and transactions
 * themselves are xs_server.c's (xs_server_priv.h).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/io/xs_wire.h>

#include "xs_server_priv.h"
#include "xs_store.h"
#include "xs_wire.h"

/* Make @in absolute for @c into @out; false if invalid. */
static bool canon_path(struct xs_conn *c, const char *in, char *out,
		       size_t len, size_t *strip)
{
	int w;

	if (strip)
		*strip = 0;
	if (in[0] == '/') {
		w = snprintf(out, len, "%s", in);
	} else {
		w = snprintf(out, len, "/local/domain/%u/%s", c->domid, in);
		if (strip && w > 0)
			*strip = (size_t)w - strlen(in);
	}
	if (w < 0 || (size_t)w >= len)
		return false;
	return xs_path_valid(out);
}

/*
 * One request as the handlers see it: its header, its arguments, the
 * transaction it runs in (NULL: the live tree) and, for the requests that
 * name a node, that node's absolute path.
 */
struct xs_req {
	struct xs_conn *c;
	const struct xsd_sockmsg *h;
	const char *body;
	const char *argv[XS_MAX_PERMS + 4];
	unsigned argc;
	struct xs_tx *tx;
	struct xs_node *root;
	char path[XS_MAX_PATH + 64];
};

/* A handler's return: it sent its own reply (else 0: "OK", <0: an error). */
#define XS_REPLIED 1

/* Send @len bytes of @body as the reply to @r. */
static int reply(struct xs_req *r, const void *body, size_t len)
{
	xsrv_send_msg(r->c, r->h->type, r->h->req_id, r->h->tx_id, body, len);
	return XS_REPLIED;
}

/* The node at @r's path if the caller may read it; else NULL with *@rc. */
static struct xs_node *readable(struct xs_req *r, int *rc)
{
	struct xs_node *n = xs_node_lookup(r->root, r->path);

	*rc = !n ? -ENOENT : !xs_can_read(n, r->c->domid) ? -EACCES : 0;
	return *rc ? NULL : n;
}

/* Tell the watchers of a change made outside a transaction. */
static void fire_live(struct xs_req *r)
{
	xsrv_fire(r->c->srv, r->path, xs_node_lookup(r->root, r->path), false);
}

static int do_read(struct xs_req *r)
{
	int rc;
	struct xs_node *n = readable(r, &rc);

	return n ? reply(r, n->value, n->len) : rc;
}

/*
 * XS_DIRECTORY: every child's name, or E2BIG.  XS_DIRECTORY_PART: the
 * node's generation, then the names from byte @argv[1] on that fit, then
 * an empty name once the list is complete.
 */
static int do_directory(struct xs_req *r)
{
	char out[XENSTORE_PAYLOAD_MAX];
	bool part = r->h->type == XS_DIRECTORY_PART;
	unsigned long off = 0;
	size_t rl = 0;
	unsigned i;
	int rc;
	struct xs_node *n = readable(r, &rc);

	if (!n)
		return rc;
	if (part) {
		if (r->argc < 2)
			return -EINVAL;
		off = strtoul(r->argv[1], NULL, 10);
		rl = (size_t)snprintf(out, sizeof(out), "%" PRIu64, n->gen) + 1;
	}
	for (i = 0; i < n->nchildren; i++) {
		size_t l = strlen(n->children[i]->name) + 1;

		if (part) {
			if (off) {
				off = off > l ? off - l : 0;
				continue;
			}
			if (rl + l + 1 > sizeof(out))
				break;
		} else if (rl + l > sizeof(out)) {
			return -E2BIG;
		}
		memcpy(out + rl, n->children[i]->name, l);
		rl += l;
	}
	if (part && i == n->nchildren)
		out[rl++] = 0;	/* the end */
	return reply(r, out, rl);
}

static int do_get_perms(struct xs_req *r)
{
	char out[XENSTORE_PAYLOAD_MAX];
	size_t rl = 0;
	unsigned i;
	int rc;
	struct xs_node *n = readable(r, &rc);

	if (!n)
		return rc;
	for (i = 0; i < n->nperms; i++)
		rl += (size_t)snprintf(out + rl, sizeof(out) - rl, "%c%u",
				       n->perms[i].perm, n->perms[i].id) + 1;
	return reply(r, out, rl);
}

static int do_write(struct xs_req *r)
{
	size_t plen = strlen(r->argv[0]) + 1;
	const char *val = r->body + plen;
	size_t vlen = r->h->len - plen;
	int rc;

	if (plen > r->h->len)
		return -EINVAL;
	rc = xsrv_op_write(r->c->srv, r->root, r->path, val, vlen, r->c->domid);
	if (!rc && r->tx)
		return xsrv_tx_log(r->tx, TXOP_WRITE, r->path, val, vlen, NULL, 0);
	if (!rc)
		fire_live(r);
	return rc;
}

static int do_mkdir(struct xs_req *r)
{
	int rc = xsrv_op_mkdir(r->c->srv, r->root, r->path, r->c->domid);

	if (!rc && r->tx)
		return xsrv_tx_log(r->tx, TXOP_MKDIR, r->path, NULL, 0, NULL, 0);
	if (!rc)
		fire_live(r);
	return rc;
}

static int do_rm(struct xs_req *r)
{
	struct xs_node *old = xs_node_lookup(r->root, r->path);
	struct xs_node copy;
	int rc;

	if (old)
		copy = *old;	/* permissions decide who sees it go */
	rc = xsrv_op_rm(r->c->srv, r->root, r->path, r->c->domid);
	if (!rc && r->tx)
		return xsrv_tx_log(r->tx, TXOP_RM, r->path, NULL, 0, NULL, 0);
	if (!rc && old)
		xsrv_fire(r->c->srv, r->path, &copy, true);
	return rc;
}

static int do_set_perms(struct xs_req *r)
{
	struct xs_perm perms[XS_MAX_PERMS];
	unsigned np = 0, i;
	int rc;

	for (i = 1; i < r->argc && np < XS_MAX_PERMS; i++) {
		if (!xs_perm_parse(r->argv[i], &perms[np]))
			return -EINVAL;
		np++;
	}
	if (!np || i < r->argc)
		return -EINVAL;
	rc = xsrv_op_set_perms(r->c->srv, r->root, r->path, perms, np, r->c->domid);
	if (!rc && r->tx)
		return xsrv_tx_log(r->tx, TXOP_PERMS, r->path, NULL, 0, perms, np);
	if (!rc)
		fire_live(r);
	return rc;
}

/* A watch's path into @r->path: "@introduceDomain", "@releaseDomain" or a node. */
static int watch_path(struct xs_req *r, size_t *strip)
{
	const char *p = r->argv[0];

	if (p[0] != '@')
		return canon_path(r->c, p, r->path, sizeof(r->path), strip) ? 0 : -EINVAL;
	if (strcmp(p, "@introduceDomain") && strcmp(p, "@releaseDomain"))
		return -EINVAL;
	snprintf(r->path, sizeof(r->path), "%s", p);
	*strip = 0;
	return 0;
}

static int do_watch(struct xs_req *r)
{
	struct xs_conn *c = r->c;
	struct xs_watch *w;
	size_t strip;
	int rc;

	if (r->argc < 2)
		return -EINVAL;
	rc = watch_path(r, &strip);
	if (rc)
		return rc;
	for (w = c->watches; w; w = w->next)
		if (!strcmp(w->path, r->path) && !strcmp(w->token, r->argv[1]))
			return -EEXIST;
	if (c->domid && c->nwatches >= XS_QUOTA_WATCHES)
		return -E2BIG;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->path = strdup(r->path);
	w->token = strdup(r->argv[1]);
	w->strip = strip;
	if (!w->path || !w->token) {
		xsrv_watch_free(w);
		return -ENOMEM;
	}
	w->next = c->watches;
	c->watches = w;
	c->nwatches++;
	xsrv_send_ok(c, r->h);
	xsrv_queue_event(c, w, r->path);	/* the initial event */
	return XS_REPLIED;
}

static int do_unwatch(struct xs_req *r)
{
	struct xs_conn *c = r->c;
	struct xs_watch **pw, *w;

	if (r->argc < 2)
		return -EINVAL;
	if (r->argv[0][0] == '@')
		snprintf(r->path, sizeof(r->path), "%s", r->argv[0]);
	else if (!canon_path(c, r->argv[0], r->path, sizeof(r->path), NULL))
		return -EINVAL;
	for (pw = &c->watches; (w = *pw); pw = &w->next) {
		if (!strcmp(w->path, r->path) && !strcmp(w->token, r->argv[1])) {
			*pw = w->next;
			xsrv_watch_free(w);
			c->nwatches--;
			return 0;
		}
	}
	return -ENOENT;
}

static int do_reset_watches(struct xs_req *r)
{
	struct xs_conn *c = r->c;

	while (c->watches) {
		struct xs_watch *w = c->watches;

		c->watches = w->next;
		xsrv_watch_free(w);
	}
	c->nwatches = 0;
	return 0;
}

static int do_transaction_start(struct xs_req *r)
{
	struct xs_conn *c = r->c;
	struct xs_server *srv = c->srv;
	char out[16];
	struct xs_tx *t;
	size_t rl;

	if (r->h->tx_id)
		return -EBUSY;
	if (c->domid && c->ntxs >= XS_QUOTA_TRANSACTIONS)
		return -ENOSPC;
	t = calloc(1, sizeof(*t));
	if (!t || !(t->root = xs_node_clone(srv->root, NULL))) {
		free(t);
		return -ENOMEM;
	}
	do
		t->id = ++srv->next_txid;
	while (!t->id);
	t->next = c->txs;
	c->txs = t;
	c->ntxs++;
	rl = (size_t)snprintf(out, sizeof(out), "%u", t->id) + 1;
	xsrv_send_msg(c, r->h->type, r->h->req_id, 0, out, rl);
	return XS_REPLIED;
}

static int do_transaction_end(struct xs_req *r)
{
	struct xs_conn *c = r->c;
	struct xs_tx **pt, *tx = r->tx;
	bool commit;
	int rc = 0;

	if (!tx || r->argc < 1 || (strcmp(r->argv[0], "T") && strcmp(r->argv[0], "F")))
		return -EINVAL;
	commit = !strcmp(r->argv[0], "T");
	for (pt = &c->txs; *pt != tx; pt = &(*pt)->next)
		;
	*pt = tx->next;
	c->ntxs--;
	if (commit && xsrv_tx_conflicts(c->srv, tx))
		rc = -EAGAIN;
	else if (commit)
		xsrv_tx_apply(c->srv, tx);
	xsrv_tx_free(tx);
	return rc;
}

/* The first argument as a domain id (the wire's decimal, unchecked). */
static uint32_t arg_domid(const struct xs_req *r)
{
	return (uint32_t)strtoul(r->argv[0], NULL, 10);
}

static int do_get_domain_path(struct xs_req *r)
{
	char out[64];
	size_t rl;

	if (r->argc < 1)
		return -EINVAL;
	rl = (size_t)snprintf(out, sizeof(out), "/local/domain/%lu",
			      strtoul(r->argv[0], NULL, 10)) + 1;
	return reply(r, out, rl);
}

/* XS_INTRODUCE and XS_RELEASE: the toolstack's, dom0's only. */
static int do_introduce_release(struct xs_req *r)
{
	if (r->c->domid)
		return -EACCES;
	if (r->argc < 1)
		return -EINVAL;
	if (r->h->type == XS_INTRODUCE)
		return xs_domain_introduce(r->c->srv, arg_domid(r), NULL);
	return xs_domain_release(r->c->srv, arg_domid(r));
}

static int do_is_domain_introduced(struct xs_req *r)
{
	if (r->argc < 1)
		return -EINVAL;
	return reply(r, xs_domain_is_introduced(r->c->srv, arg_domid(r)) ? "T" : "F", 2);
}

/* The request's first argument names a node: checked, made absolute, seen. */
#define XS_FLAG_PATH	(1u << 0)

/*
 * What each message type does, as xenstored's wire_funcs[]: a type with no
 * function (XS_CONTROL, XS_WATCH_EVENT, XS_ERROR, ...) is refused EINVAL.
 */
static const struct {
	const char *name;
	int (*func)(struct xs_req *r);
	unsigned flags;
} wire_funcs[XS_TYPE_COUNT] = {
	[XS_DIRECTORY]		= { "DIRECTORY", do_directory, XS_FLAG_PATH },
	[XS_READ]		= { "READ", do_read, XS_FLAG_PATH },
	[XS_GET_PERMS]		= { "GET_PERMS", do_get_perms, XS_FLAG_PATH },
	[XS_WATCH]		= { "WATCH", do_watch, 0 },
	[XS_UNWATCH]		= { "UNWATCH", do_unwatch, 0 },
	[XS_TRANSACTION_START]	= { "TRANSACTION_START", do_transaction_start, 0 },
	[XS_TRANSACTION_END]	= { "TRANSACTION_END", do_transaction_end, 0 },
	[XS_INTRODUCE]		= { "INTRODUCE", do_introduce_release, 0 },
	[XS_RELEASE]		= { "RELEASE", do_introduce_release, 0 },
	[XS_GET_DOMAIN_PATH]	= { "GET_DOMAIN_PATH", do_get_domain_path, 0 },
	[XS_WRITE]		= { "WRITE", do_write, XS_FLAG_PATH },
	[XS_MKDIR]		= { "MKDIR", do_mkdir, XS_FLAG_PATH },
	[XS_RM]			= { "RM", do_rm, XS_FLAG_PATH },
	[XS_SET_PERMS]		= { "SET_PERMS", do_set_perms, XS_FLAG_PATH },
	[XS_IS_DOMAIN_INTRODUCED] = { "IS_DOMAIN_INTRODUCED", do_is_domain_introduced, 0 },
	[XS_RESET_WATCHES]	= { "RESET_WATCHES", do_reset_watches, 0 },
	[XS_DIRECTORY_PART]	= { "DIRECTORY_PART", do_directory, XS_FLAG_PATH },
};

/* Answer one request: its transaction first, then its type's function. */
void xsrv_request_handle(struct xs_conn *c, const struct xsd_sockmsg *h,
			 const char *body)
{
	struct xs_req r = { .c = c, .h = h, .body = body, .root = c->srv->root };
	unsigned flags;
	int rc;

	r.argc = xs_wire_split(body, h->len, r.argv, XS_MAX_PERMS + 4);
	if (h->tx_id) {
		r.tx = xsrv_find_tx(c, h->tx_id);
		if (!r.tx) {
			xsrv_send_error(c, h, ENOENT);
			return;
		}
		r.root = r.tx->root;
	}
	if (h->type >= XS_TYPE_COUNT || !wire_funcs[h->type].func) {
		xsrv_send_error(c, h, EINVAL);
		return;
	}
	flags = wire_funcs[h->type].flags;
	if (flags & XS_FLAG_PATH) {
		if (r.argc < 1 || !canon_path(c, r.argv[0], r.path, sizeof(r.path), NULL)) {
			xsrv_send_error(c, h, EINVAL);
			return;
		}
		if (r.tx)
			xsrv_tx_seen(r.tx, r.path);
	}
	rc = wire_funcs[h->type].func(&r);
	if (rc < 0)
		xsrv_send_error(c, h, -rc);
	else if (!rc)
		xsrv_send_ok(c, h);
}
