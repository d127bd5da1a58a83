/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * vgpu_dev.h: the ABI of /dev/vgpuN, the xen-vgpufront kernel driver's
 * device (vgpu(4)).
 *
 * One open file is one session of the device.  A process submits requests
 * (the wire protocol's request, ring/vgpuif.h, 64 bytes) with
 * VGPU_IOC_SUBMIT and reaps their completions with VGPU_IOC_REAP or read();
 * poll()/epoll say when completions wait (EPOLLIN) and when a submission
 * would not block (EPOLLOUT).  Buffers are pages the kernel allocates and
 * grants to the backend (VGPU_IOC_BUF_ALLOC); the process maps them with
 * mmap() at the offset the ioctl returns and names them in requests by
 * handle.  Only this header and the payload layouts of vgpuif.h are needed
 * to use the device: the structures below repeat vgpuif.h's request and
 * response envelopes byte for byte.
 */
#ifndef _UAPI_VGPU_DEV_H
#define _UAPI_VGPU_DEV_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define VGPU_DEV_ABI_VERSION 1

/* A request: struct vgpuif_request with the id replaced by a cookie. */
struct vgpu_dev_request {
	__u64 cookie;		/* the caller's: echoed in the completion */
	__u8 op;		/* VGPU_OP_* of vgpuif.h */
	__u8 flags;		/* VGPU_REQ_F_* */
	__u16 _pad0;		/* zero */
	__u32 session;		/* ignored: the kernel writes the file's own */
	__u8 payload[48];	/* the op's union member of vgpuif.h */
};

/* A completion: struct vgpuif_response with the id replaced by the cookie. */
struct vgpu_dev_completion {
	__u64 cookie;
	__s32 status;		/* VGPU_OK (0) or a VGPU_E* code of vgpuif.h */
	__u8 op;		/* the request's op, as submitted */
	__u8 _pad0[3];
	__u64 queue_ns;
	__u64 exec_ns;
	__u8 result[32];	/* the response's result union */
};

/* Connection states in vgpu_dev_info.state. */
#define VGPU_DEV_DISCONNECTED	0	/* no ring now (handshake, resume) */
#define VGPU_DEV_CONNECTED	1
#define VGPU_DEV_FAILED		2	/* the backend broke the protocol */
#define VGPU_DEV_REMOVED	3	/* the device is gone: close the file */

/* Session states in vgpu_dev_info.session_state. */
#define VGPU_DEV_SESSION_NONE	0	/* not opened yet (opened on first use) */
#define VGPU_DEV_SESSION_OPEN	1
#define VGPU_DEV_SESSION_LOST	2	/* its GPU state went with a connection */

struct vgpu_dev_info {
	__u32 abi_version;	/* VGPU_DEV_ABI_VERSION */
	__u32 devid;		/* N of /dev/vgpuN and device/vgpu/N */
	__u32 state;		/* VGPU_DEV_* */
	__u32 protocol;		/* the backend's feature-protocol-version */
	__u32 ring_size;	/* slots of the shared ring */
	__u32 max_file_inflight; /* requests + unreaped completions per file */
	__u32 backend_id;	/* the backend's domain */
	__u32 generation;	/* connections so far: changes on every reconnect */
	__u32 session;		/* this file's session id; 0: none */
	__u32 session_state;	/* VGPU_DEV_SESSION_* */
	__u32 inflight;		/* this file's requests not answered yet */
	__u32 buffers;		/* this file's buffers */
	__u64 buffer_pages;	/* pages of this file's buffers */
	char pool[16];		/* the backend's pool node ("" if none) */
	char priority[16];	/* the backend's priority node */
	char executor[32];	/* the backend's feature-executor node */
	char backend[128];	/* the backend's XenStore directory */
};

struct vgpu_dev_reap {
	__u64 completions;	/* user pointer: struct vgpu_dev_completion[max] */
	__u32 max;
	__s32 timeout_ms;	/* < 0: wait for at least one; 0: do not wait */
	__u32 count;		/* out: completions written */
	__u32 _pad;
};

#define VGPU_DEV_BUF_READONLY	0x1	/* the backend may only read it */

struct vgpu_dev_buf {
	__u64 bytes;		/* in: size (rounded up to pages) */
	__u32 flags;		/* in: VGPU_DEV_BUF_* */
	__u32 handle;		/* out: the handle requests name */
	__u64 mmap_offset;	/* out: mmap(..., MAP_SHARED, fd, mmap_offset) */
};

struct vgpu_dev_session {
	__u32 gpu;		/* in: the GPU the session is opened on */
	__u32 session;		/* out: its id */
};

#define VGPU_IOC_MAGIC 0xB7

#define VGPU_IOC_INFO     _IOR(VGPU_IOC_MAGIC, 0, struct vgpu_dev_info)
#define VGPU_IOC_SUBMIT   _IOW(VGPU_IOC_MAGIC, 1, struct vgpu_dev_request)
#define VGPU_IOC_REAP     _IOWR(VGPU_IOC_MAGIC, 2, struct vgpu_dev_reap)
#define VGPU_IOC_BUF_ALLOC _IOWR(VGPU_IOC_MAGIC, 3, struct vgpu_dev_buf)
#define VGPU_IOC_BUF_FREE _IOW(VGPU_IOC_MAGIC, 4, __u32)
#define VGPU_IOC_SESSION  _IOWR(VGPU_IOC_MAGIC, 5, struct vgpu_dev_session)

#endif /* _UAPI_VGPU_DEV_H */
