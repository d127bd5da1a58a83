/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * vgpu_kmod.h: xen-vgpufront's state, shared by its files.
 *
 *   xenbus.c   the xenbus driver: probe, remove, otherend_changed, resume
 *   conn.c     one connection: ring pages, event channel, XenStore nodes
 *   ring.c     requests onto the ring, responses off it (XSA-403 checks)
 *   file.c     /dev/vgpuN: open, release, ioctl, read, poll, mmap
 *   session.c  a file's session and what it may submit
 *   buffers.c  kernel pages granted to the backend and mapped by a process
 *
 * Locking: info->lock (a spinlock taken with interrupts off) guards the
 * ring, the request table, the backlog, the connection state and every
 * file's completion list; completion callbacks run under it and never
 * sleep.  info->conn_mutex serialises connect, disconnect and resume.
 * file->mutex serialises one file's submissions against its buffer list,
 * so that a handle checked for a request is still the file's when the
 * request reaches the ring.
 */
#ifndef VGPU_KMOD_H
#define VGPU_KMOD_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/idr.h>
#include <linux/interrupt.h>
#include <xen/xenbus.h>
#include <xen/grant_table.h>

#include "vgpuif.h"
#include "uapi/vgpu_dev.h"

#define VGPU_SHADOW_MAX VGPUIF_RING_SIZE(VGPUIF_MAX_RING_PAGE_ORDER)
#define VGPU_ID_SLOT_BITS 16

enum vgpu_conn {
	VGPU_CONN_DOWN,		/* no ring */
	VGPU_CONN_UP,		/* ring live, requests flow */
	VGPU_CONN_FAILED,	/* the backend broke the protocol: nothing flows */
};

struct vgpu_info;
struct vgpu_file;

/* Runs under info->lock (interrupts off) when a request is answered or failed. */
typedef void (*vgpu_done_fn)(struct vgpu_info *info, void *arg,
			     const struct vgpuif_response *rsp);

/* A completion waiting in a file's queue (allocated at submission). */
struct vgpu_cmpl {
	struct list_head node;
	struct vgpu_dev_completion c;
};

/* One request on the ring: who gets its answer. */
struct vgpu_shadow {
	u64 id;				/* seq << 16 | slot; 0: slot free */
	u8 op;
	struct vgpu_file *file;		/* a process's request (holds a ref) */
	struct vgpu_cmpl *cmpl;
	vgpu_done_fn done;		/* or the kernel's own */
	void *arg;
};

/* A kernel request waiting for a free slot. */
struct vgpu_pending {
	struct list_head node;
	struct vgpuif_request req;
	vgpu_done_fn done;
	void *arg;
};

struct vgpu_info {
	struct kref ref;		/* the xenbus device and each open file */
	struct xenbus_device *xbdev;	/* NULL once removed */
	unsigned int devid;
	spinlock_t lock;
	struct mutex conn_mutex;
	enum vgpu_conn conn;
	bool removed;
	bool failed_once;		/* no automatic reconnect after a failure */
	u32 generation;
	wait_queue_head_t wq;		/* ring room, connection changes */

	/* The connection (conn.c). */
	unsigned int order;
	void *ring_pages;
	grant_ref_t ring_refs[1u << VGPUIF_MAX_RING_PAGE_ORDER];
	struct vgpuif_front_ring front;
	evtchn_port_t evtchn;
	int irq;
	struct work_struct fail_work;

	/* The request table (ring.c). */
	struct vgpu_shadow shadow[VGPU_SHADOW_MAX];
	u16 free_slots[VGPU_SHADOW_MAX];
	unsigned int nfree;
	unsigned int ring_size;
	u64 next_seq;
	struct list_head backlog;

	/* What the backend offers (read at connect). */
	u32 protocol;
	u32 backend_id;
	char pool[16];
	char priority[16];
	char executor[32];
	char backend[128];

	struct list_head files;		/* under lock */
	struct ida handles;		/* buffer handles, unique per device */
	struct list_head dead_bufs;	/* under lock: done with, to free */
	atomic_t dev_pages;		/* buffer pages granted by all files */
	u32 backend_max_pages;		/* the backend's feature-max-buffer-pages */
	struct work_struct buf_work;	/* frees them (grants end, pages go) */
	struct miscdevice misc;
	bool misc_registered;
	char name[16];
};

enum vgpu_sess_state {
	VGPU_SESS_NONE,
	VGPU_SESS_OPEN,
	VGPU_SESS_LOST,
};

struct vgpu_file {
	struct kref ref;		/* the open file and each request on the ring */
	struct vgpu_info *info;
	struct list_head node;		/* info->files */
	struct mutex mutex;
	bool closing;
	/* Under info->lock. */
	struct list_head done;		/* struct vgpu_cmpl, answered */
	unsigned int inflight;		/* on the ring */
	unsigned int queued;		/* in done */
	wait_queue_head_t wq;
	enum vgpu_sess_state sess_state;
	u32 session;
	/* Under mutex (and lock where changed). */
	struct list_head bufs;
	unsigned int nbufs;
	u64 buf_pages;
};

enum vgpu_buf_state {
	VGPU_BUF_REGISTERING,
	VGPU_BUF_REGISTERED,
	VGPU_BUF_FAILED,
};

struct vgpu_buf {
	struct list_head node;		/* file->bufs */
	struct vgpu_info *info;
	u32 handle;
	u32 flags;			/* VGPU_BUF_F_* */
	unsigned int npages;
	struct page **pages;
	grant_ref_t *refs;		/* data pages */
	/* The directory and indirect pages of one registration. */
	unsigned int nind;
	struct page **ind_pages;	/* nind + 1: the last is the directory */
	grant_ref_t *ind_refs;
	enum vgpu_buf_state state;	/* under info->lock */
	u32 gen;			/* the connection it was registered on */
	struct vgpu_pending pend;	/* its BUF_REGISTER or BUF_UNREGISTER */
	int status;			/* VGPU_E* of a failed registration */
	bool orphan;			/* its file went while it registered */
	bool counted;			/* in info->dev_pages */
	wait_queue_head_t *wq;		/* the file's, to wake the allocator */
};

/* Module parameters (xenbus.c). */
extern unsigned int vgpu_ring_order;
extern unsigned int vgpu_max_file_inflight;
extern unsigned int vgpu_max_file_pages;
extern unsigned int vgpu_max_dev_pages;
extern unsigned int vgpu_call_timeout_ms;

/* xenbus.c */
void vgpu_info_put(struct vgpu_info *info);

/* conn.c */
int vgpu_connect_publish(struct vgpu_info *info);
int vgpu_connect_finish(struct vgpu_info *info);
void vgpu_conn_init(struct vgpu_info *info);
void vgpu_disconnect(struct vgpu_info *info, int status);
void vgpu_fail(struct vgpu_info *info, const char *why, u64 val);

/* ring.c */
void vgpu_ring_reset(struct vgpu_info *info);
irqreturn_t vgpu_interrupt(int irq, void *dev_id);
int vgpu_submit_file(struct vgpu_info *info, struct vgpu_file *file,
		     struct vgpuif_request *req, u64 cookie,
		     struct vgpu_cmpl *cmpl);
void vgpu_submit_kernel(struct vgpu_info *info, struct vgpu_pending *p);
void vgpu_submit_kernel_locked(struct vgpu_info *info, struct vgpu_pending *p);
int vgpu_call(struct vgpu_info *info, const struct vgpuif_request *req,
	      struct vgpuif_response *rsp);
void vgpu_fail_all(struct vgpu_info *info, int status);
void vgpu_orphan_file(struct vgpu_info *info, struct vgpu_file *file);
bool vgpu_file_may_submit(struct vgpu_info *info, struct vgpu_file *file);
unsigned int vgpu_file_limit(struct vgpu_info *info);

/* session.c */
int vgpu_session_open(struct vgpu_file *file, u32 gpu, u32 *session);
void vgpu_session_close(struct vgpu_file *file);
int vgpu_session_submit(struct vgpu_file *file, const struct vgpu_dev_request *ureq,
			bool nonblock);
void vgpu_file_put(struct vgpu_file *file);

/* buffers.c */
int vgpu_buf_alloc(struct vgpu_file *file, struct vgpu_dev_buf *arg);
int vgpu_buf_free(struct vgpu_file *file, u32 handle);
void vgpu_buf_free_all(struct vgpu_file *file);
struct vgpu_buf *vgpu_buf_find(struct vgpu_file *file, u32 handle);
int vgpu_buf_mmap(struct vgpu_file *file, struct vm_area_struct *vma);
int vgpu_bufs_current(struct vgpu_file *file, struct vgpu_buf **bufs,
		      unsigned int n);
void vgpu_bufs_reap(struct work_struct *work);

/* file.c */
int vgpu_misc_register(struct vgpu_info *info);
void vgpu_misc_deregister(struct vgpu_info *info);
void vgpu_files_lose_sessions(struct vgpu_info *info);

#endif /* VGPU_KMOD_H */
