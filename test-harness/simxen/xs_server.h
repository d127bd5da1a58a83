/* SPDX-License-Identifier: MIT */
/*
 * xs_server.h: simxen's XenStore server, speaking the real wire protocol of
 * <xen/io/xs_wire.h> to stock libxenstore clients.
 *
 * Contract with simxend's event loop (which owns sockets, epoll and domain
 * identity):
 *  - simxend accepts a connection, decides its domain from the peer's
 *    credentials, and hands the non-blocking fd to xs_conn_new(); from then
 *    on the server owns the fd.
 *  - When the fd is ready, simxend calls xs_conn_io() with the epoll events;
 *    a negative return means the connection is finished: simxend removes the
 *    fd from epoll and calls xs_conn_free().
 *  - Handling one connection can queue output (watch events) on others; the
 *    server then calls the wakeup callback so the loop can ask for EPOLLOUT
 *    on that connection (xs_conn_want_write() says whether output is queued).
 *  - Domain lifecycle comes from simxend: xs_domain_introduce() writes
 *    /local/domain/<id> as the toolstack does and fires @introduceDomain;
 *    xs_domain_release() removes it and fires @releaseDomain.
 * Permissions, quotas and transactions behave as xenstored's do: dom0 is
 * privileged, a guest reaches only what node permissions allow.
 */
#ifndef SIMXEN_XS_SERVER_H
#define SIMXEN_XS_SERVER_H

#include <stdbool.h>
#include <stdint.h>

struct xs_server;
struct xs_conn;

typedef void (*xs_wakeup_fn)(struct xs_conn *conn, void *arg);

struct xs_server *xs_server_new(xs_wakeup_fn wakeup, void *arg);
void xs_server_free(struct xs_server *srv);

struct xs_conn *xs_conn_new(struct xs_server *srv, int fd, uint32_t domid);
int xs_conn_fd(const struct xs_conn *conn);
uint32_t xs_conn_domid(const struct xs_conn *conn);
/* Per-connection user pointer for the event loop. */
void xs_conn_set_data(struct xs_conn *conn, void *data);
void *xs_conn_data(const struct xs_conn *conn);
/* @events: EPOLLIN/EPOLLOUT/EPOLLHUP/EPOLLERR bits.  <0: close it. */
int xs_conn_io(struct xs_conn *conn, uint32_t events);
bool xs_conn_want_write(const struct xs_conn *conn);
void xs_conn_free(struct xs_conn *conn);

/* Toolstack side: 0 or -errno. */
int xs_domain_introduce(struct xs_server *srv, uint32_t domid, const char *name);
int xs_domain_release(struct xs_server *srv, uint32_t domid);
bool xs_domain_is_introduced(struct xs_server *srv, uint32_t domid);

/* Direct access for simxend itself (acts as dom0): 0 or -errno. */
int xs_server_write(struct xs_server *srv, const char *path, const char *value);
int xs_server_rm(struct xs_server *srv, const char *path);
/* Returns a malloc'd copy or NULL (errno set). */
char *xs_server_read(struct xs_server *srv, const char *path);

/* For leak checks: nodes, watches and open transactions in the store. */
struct xs_server_stats {
	unsigned nodes;
	unsigned watches;
	unsigned transactions;
	unsigned connections;
};
void xs_server_get_stats(struct xs_server *srv, struct xs_server_stats *st);

#endif /* SIMXEN_XS_SERVER_H */
