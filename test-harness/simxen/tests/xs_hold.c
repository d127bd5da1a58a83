/* SPDX-License-Identifier: MIT */
/*
 * xs_hold: a XenStore client that holds something open until it is killed,
 * for the fault tests of simxend.
 *
 *   xs_hold tx [--go FILE] PATH=VALUE...
 *	starts a transaction, writes every PATH=VALUE in it, prints "OPEN",
 *	then waits: without --go until it is killed; with --go until FILE
 *	exists, then commits and prints "COMMITTED" or "END FAILED: reason".
 *   xs_hold watch PATH TOKEN
 *	speaks the wire protocol itself (libxenstore would read every event
 *	into the process): registers a watch, reads only the reply, prints
 *	"WATCHING", then never reads again; every 20 ms it prints
 *	"PENDING N" when N, the bytes of events waiting unread in its
 *	socket, changed.  It waits until it is killed.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <xenstore.h>
#include <xen/io/xs_wire.h>

static int tx(int argc, char **argv)
{
	const char *go = NULL;
	struct xs_handle *h;
	xs_transaction_t t;
	unsigned i;
	int a = 0;

	if (argc > 1 && !strcmp(argv[0], "--go")) {
		go = argv[1];
		a = 2;
	}
	if (a >= argc)
		return 2;
	h = xs_open(0);
	if (!h) {
		printf("OPEN FAILED: %s\n", strerror(errno));
		return 1;
	}
	t = xs_transaction_start(h);
	if (t == XBT_NULL) {
		printf("OPEN FAILED: transaction_start: %s\n", strerror(errno));
		return 1;
	}
	for (; a < argc; a++) {
		char *eq = strchr(argv[a], '=');

		if (!eq)
			return 2;
		*eq = 0;
		if (!xs_write(h, t, argv[a], eq + 1, strlen(eq + 1))) {
			printf("OPEN FAILED: write %s: %s\n", argv[a], strerror(errno));
			return 1;
		}
	}
	printf("OPEN\n");
	fflush(stdout);
	if (!go) {
		for (;;)
			pause();
	}
	for (i = 0; access(go, F_OK) && i < 60000; i++)
		usleep(1000);
	if (xs_transaction_end(h, t, false))
		printf("COMMITTED\n");
	else
		printf("END FAILED: %s\n", strerror(errno));
	xs_close(h);
	return 0;
}

static int full_write(int fd, const void *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p = (const char *)p + w;
		n -= (size_t)w;
	}
	return 0;
}

static int full_read(int fd, void *p, size_t n)
{
	while (n) {
		ssize_t r = read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p = (char *)p + r;
		n -= (size_t)r;
	}
	return 0;
}

static int watch(const char *path, const char *token)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *sock = getenv("XENSTORED_PATH");
	char body[XENSTORE_PAYLOAD_MAX];
	struct xsd_sockmsg h;
	size_t pl = strlen(path) + 1, tl = strlen(token) + 1;
	int fd, last = -1;

	if (!sock || snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock) >=
	    (int)sizeof(sa.sun_path) || pl + tl > sizeof(body))
		return 2;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		printf("WATCH FAILED: connect %s: %s\n", sock, strerror(errno));
		return 1;
	}
	memset(&h, 0, sizeof(h));
	h.type = XS_WATCH;
	h.req_id = 1;
	h.len = (uint32_t)(pl + tl);
	memcpy(body, path, pl);
	memcpy(body + pl, token, tl);
	if (full_write(fd, &h, sizeof(h)) || full_write(fd, body, pl + tl)) {
		printf("WATCH FAILED: send: %s\n", strerror(errno));
		return 1;
	}
	/* The reply comes first; the initial event after it stays unread. */
	if (full_read(fd, &h, sizeof(h)) || h.len > sizeof(body) ||
	    full_read(fd, body, h.len) || h.type != XS_WATCH) {
		printf("WATCH FAILED: reply type %u\n", h.type);
		return 1;
	}
	printf("WATCHING\n");
	fflush(stdout);
	for (;;) {
		int n = 0;

		if (ioctl(fd, FIONREAD, &n))
			n = -1;
		if (n != last) {
			printf("PENDING %d\n", n);
			fflush(stdout);
			last = n;
		}
		usleep(20000);
	}
}

int main(int argc, char **argv)
{
	int rc = 2;

	if (argc >= 3 && !strcmp(argv[1], "tx"))
		rc = tx(argc - 2, argv + 2);
	else if (argc == 4 && !strcmp(argv[1], "watch"))
		rc = watch(argv[2], argv[3]);
	if (rc == 2)
		fprintf(stderr, "Usage: xs_hold tx [--go FILE] PATH=VALUE...\n"
				"       xs_hold watch PATH TOKEN\n");
	return rc;
}
