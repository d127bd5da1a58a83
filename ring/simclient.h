/* SPDX-License-Identifier: MIT */
/*
 * simclient.h: one request/reply exchange with simxen's hv.sock
 * (ring/simproto.h), shared by the sim platform and the vgpu-sim command.
 */
#ifndef VGPU_SIMCLIENT_H
#define VGPU_SIMCLIENT_H

#include <stddef.h>

#include "simproto.h"

/* Connect to $SIMXEN_DIR/hv.sock (or @dir's); fd or -errno. */
int sim_connect(const char *dir);

/*
 * Send @q (payload @qlen bytes after the header), wait for the reply into
 * @r (room for SIM_MSG_MAX bytes), receive up to @maxfds fds.  Returns the
 * reply's rc (0 or -errno), or -errno when the exchange itself failed.
 */
int sim_call(int fd, struct sim_msg *q, size_t qlen, struct sim_msg *r,
	     int *fds, unsigned maxfds, unsigned *nfds);

#endif /* VGPU_SIMCLIENT_H */
