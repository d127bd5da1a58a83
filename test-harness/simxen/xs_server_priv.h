/* SPDX-License-Identifier: MIT */
/*
 * xs_server_priv.h: what xs_server.c (connections, output, watches, the
 * tree operations, transactions, domains) and xs_requests.c (one function
 * per message type) share.  Not for simxend: it has xs_server.h.
 */
#ifndef SIMXEN_XS_SERVER_PRIV_H
#define SIMXEN_XS_SERVER_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/io/xs_wire.h>

#include "xs_server.h"
#include "xs_store.h"

#define XS_QUOTA_NODES        1000	/* per unprivileged domain */
#define XS_QUOTA_WATCHES      128
#define XS_QUOTA_TRANSACTIONS 10
#define XS_MAX_OUTPUT         (1u << 20)	/* a guest that never reads */
#define XS_MAX_OUTPUT_DOM0    (64u << 20)	/* dom0 has no quota; still bounded */

enum tx_op_kind { TXOP_WRITE, TXOP_MKDIR, TXOP_RM, TXOP_PERMS };

struct tx_op {
	enum tx_op_kind kind;
	char *path;
	char *value;
	size_t len;
	struct xs_perm perms[XS_MAX_PERMS];
	unsigned nperms;
};

struct tx_seen {
	char *path;
	uint64_t gen;			/* 0: the node did not exist */
};

struct xs_tx {
	uint32_t id;
	struct xs_node *root;		/* private copy */
	struct tx_seen *seen;
	unsigned nseen;
	struct tx_op *ops;
	unsigned nops;
	struct xs_tx *next;
};

struct xs_watch {
	char *path;			/* absolute, or @special */
	char *token;
	size_t strip;			/* prefix to strip for relative watches */
	struct xs_watch *next;
};

struct xs_conn {
	struct xs_server *srv;
	int fd;
	uint32_t domid;
	void *data;
	uint8_t in[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
	size_t inlen;
	uint8_t *out;
	size_t outlen, outcap;
	struct xs_watch *watches;
	unsigned nwatches;
	struct xs_tx *txs;
	unsigned ntxs;
	struct xs_conn *next;
};

struct introduced {
	uint32_t domid;
	struct introduced *next;
};

struct xs_server {
	struct xs_node *root;
	uint64_t gen;
	struct xs_conn *conns;
	unsigned nconns;
	struct introduced *doms;
	uint32_t next_txid;
	xs_wakeup_fn wakeup;
	void *wakeup_arg;
};

/* Output: a reply, an error reply (errno @err), "OK". */
void xsrv_send_msg(struct xs_conn *c, uint32_t type, uint32_t req_id,
		   uint32_t tx_id, const void *body, size_t len);
void xsrv_send_error(struct xs_conn *c, const struct xsd_sockmsg *req,
		     int err);
void xsrv_send_ok(struct xs_conn *c, const struct xsd_sockmsg *req);

/* Watches. */
void xsrv_queue_event(struct xs_conn *c, const struct xs_watch *w,
		      const char *path);
void xsrv_fire(struct xs_server *srv, const char *path,
	       const struct xs_node *node, bool removed);
void xsrv_watch_free(struct xs_watch *w);

/* The tree, live (@root = srv->root) or a transaction's copy: 0 or -errno. */
int xsrv_op_write(struct xs_server *srv, struct xs_node *root,
		  const char *path, const char *val, size_t len,
		  uint32_t domid);
int xsrv_op_mkdir(struct xs_server *srv, struct xs_node *root,
		  const char *path, uint32_t domid);
int xsrv_op_rm(struct xs_server *srv, struct xs_node *root, const char *path,
	       uint32_t domid);
int xsrv_op_set_perms(struct xs_server *srv, struct xs_node *root,
		      const char *path, const struct xs_perm *perms,
		      unsigned nperms, uint32_t domid);

/* Transactions. */
struct xs_tx *xsrv_find_tx(struct xs_conn *c, uint32_t id);
void xsrv_tx_free(struct xs_tx *t);
void xsrv_tx_seen(struct xs_tx *t, const char *path);
int xsrv_tx_log(struct xs_tx *t, enum tx_op_kind kind, const char *path,
		const char *val, size_t len, const struct xs_perm *perms,
		unsigned nperms);
bool xsrv_tx_conflicts(struct xs_server *srv, struct xs_tx *t);
void xsrv_tx_apply(struct xs_server *srv, struct xs_tx *t);

/* Answer one whole message from @c (xs_requests.c). */
void xsrv_request_handle(struct xs_conn *c, const struct xsd_sockmsg *h,
			const char *body);

#endif /* SIMXEN_XS_SERVER_PRIV_H */
