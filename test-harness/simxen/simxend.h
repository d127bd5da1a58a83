/* SPDX-License-Identifier: MIT */
/*
 * simxend.h: simxen's daemon, standing in for the hypervisor (grant tables,
 * event channels, domains) and xenstored (through xs_server.h) on one host.
 */
#ifndef SIMXEN_SIMXEND_H
#define SIMXEN_SIMXEND_H

/* Serve $dir/xenstored.sock and $dir/hv.sock until SIGTERM; 0 on a clean exit. */
int simxend_run(const char *dir);

#endif /* SIMXEN_SIMXEND_H */
