/* SPDX-License-Identifier: MIT */
/* simclient.c: request/reply over simxen's hv.sock with SCM_RIGHTS. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "simclient.h"

int sim_connect(const char *dir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (!dir)
		dir = getenv("SIMXEN_DIR");
	if (!dir || !*dir)
		return -ENOENT;
	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", dir,
		     SIMXEN_HV_SOCK) >= (int)sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

int sim_call(int fd, struct sim_msg *q, size_t qlen, struct sim_msg *r,
	     int *fds, unsigned maxfds, unsigned *nfds)
{
	char cbuf[CMSG_SPACE(sizeof(int) * SIM_MAX_FDS)];
	struct iovec iov = { .iov_base = q, .iov_len = sizeof(*q) + qlen };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	ssize_t n;

	if (nfds)
		*nfds = 0;
	do
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	iov.iov_base = r;
	iov.iov_len = SIM_MSG_MAX;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	do
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EPIPE;
	if ((size_t)n < sizeof(*r) || r->op != q->op)
		return -EPROTO;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		unsigned i, k;
		int *p;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		k = (unsigned)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		p = (int *)CMSG_DATA(cm);
		for (i = 0; i < k; i++) {
			if (fds && nfds && *nfds < maxfds)
				fds[(*nfds)++] = p[i];
			else
				close(p[i]);
		}
	}
	return r->rc;
}
