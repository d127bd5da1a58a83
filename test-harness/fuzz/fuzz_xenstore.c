/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: simxen's XenStore server fed raw bytes on a connection
 * (framing, every request type, permissions, transactions, watches).  The
 * first byte picks the client's domain (dom0 or a guest).  The server must
 * neither crash nor leak; afterwards a guest may not have changed a node it
 * had no right to write.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xs_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xs_server *srv = xs_server_new(NULL, NULL);
	struct xs_conn *c;
	char buf[65536], *v;
	uint32_t domid;
	int sv[2], i;

	if (!srv || size < 1 || size > 60000) {
		xs_server_free(srv);
		return 0;
	}
	xs_domain_introduce(srv, 1, "guest1");
	xs_domain_introduce(srv, 2, "guest2");
	xs_server_write(srv, "/tool/secret", "s");
	domid = data[0] % 3;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv)) {
		xs_server_free(srv);
		return 0;
	}
	c = xs_conn_new(srv, sv[0], domid);
	if (write(sv[1], data + 1, size - 1) < 0)
		(void)0;
	shutdown(sv[1], SHUT_WR);
	for (i = 0; i < 64 && c; i++) {
		if (xs_conn_io(c, EPOLLIN) < 0) {
			xs_conn_free(c);
			c = NULL;
		}
		while (read(sv[1], buf, sizeof(buf)) > 0)
			;
	}
	if (c)
		xs_conn_free(c);
	close(sv[1]);
	v = xs_server_read(srv, "/tool/secret");
	if (domid && (!v || strcmp(v, "s")))
		abort();	/* a guest changed dom0's node */
	free(v);
	xs_server_free(srv);
	return 0;
}
