/* SPDX-License-Identifier: MIT */
/*
 * simproto.h: the "hypercall" protocol between simxen's daemon and the sim
 * platform (ring/platform_sim.c) and the vgpu-sim command.
 *
 * One SOCK_SEQPACKET connection to $SIMXEN_DIR/hv.sock per process handle;
 * the daemon fixes the caller's domain from its credentials when it
 * connects.  Every request gets exactly one reply with the same op; file
 * descriptors (memfds of granted pages, eventfds of channels) travel as
 * SCM_RIGHTS.  Grant refs index the granting domain's grant table.
 */
#ifndef VGPU_SIMPROTO_H
#define VGPU_SIMPROTO_H

#include <stdint.h>

#define SIMXEN_HV_SOCK   "hv.sock"
#define SIMXEN_XS_SOCK   "xenstored.sock"
#define SIMXEN_PID_FILE  "simxend.pid"
#define SIMXEN_PAGE_SIZE 4096u

enum sim_op {
	SIM_GNT_SHARE = 1,	/* a=grantee b=writable count=pages -> data=refs, fd=memfd */
	SIM_GNT_REVOKE,		/* count refs in data (unshare) */
	SIM_GNT_MAP,		/* a=granter b=writable data=refs -> a=map id, data=runs, fds */
	SIM_GNT_UNMAP,		/* a=map id */
	SIM_GNT_COPY,		/* a=granter b=ref c=offset<<16|len, to_guest in d; data=bytes */
	SIM_EVT_ALLOC,		/* a=remote domid -> a=port, fds=[wait, notify] */
	SIM_EVT_BIND,		/* a=remote domid b=remote port -> a=port, fds=[wait, notify] */
	SIM_EVT_CLOSE,		/* a=port */
	SIM_EVT_STATUS,		/* a=port -> a=1 peer bound, 0 not */
	SIM_CTL_WHOAMI,		/* -> a=domid */
	SIM_CTL_REGISTER,	/* dom0 only: a=domid b=pid: pid and children are that domain */
	SIM_CTL_CREATE,		/* dom0 only: data=name -> a=domid */
	SIM_CTL_DESTROY,	/* dom0 only: a=domid */
	SIM_CTL_LIST,		/* -> data=text lines "domid name" */
	SIM_CTL_STATS,		/* -> data=text: live grants, mappings, ports */
};

struct sim_msg {
	uint32_t op;
	int32_t rc;		/* reply: 0 or -errno */
	uint32_t a, b, c, d;
	uint32_t count;		/* bytes of data for text, elements otherwise */
	uint32_t data[];
};

/* One mapped run of a SIM_GNT_MAP reply: 3 words in data. */
struct sim_run {
	uint32_t fd_index;	/* into the SCM_RIGHTS fds of the reply */
	uint32_t page;		/* page offset in that memfd */
	uint32_t npages;
};

#define SIM_MAX_REFS    8192	/* refs per message */
#define SIM_MAX_FDS     64	/* fds per reply */
#define SIM_MSG_MAX     (sizeof(struct sim_msg) + 4 * (SIM_MAX_REFS * 3))

#endif /* VGPU_SIMPROTO_H */
