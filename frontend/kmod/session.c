// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * session.c: what one open file may put on the ring.  The file is one
 * session: its SESSION_OPEN goes out on the first operation that needs it
 * (or VGPU_IOC_SESSION), its SESSION_CLOSE on release, and every request
 * carries the file's own session (or 0 for operations that name none),
 * whatever the process wrote.  The operations the kernel owns (sessions,
 * buffer registration) are refused, and every buffer a request names must
 * be one of the file's own: a process never reaches another's memory.
 */
#include <linux/slab.h>

#include "vgpu_kmod.h"

/*
 * Where each op names buffers: offsets of struct vgpuif_bufref in a
 * request.  A buffer not listed here would reach the backend unchecked,
 * naming another file's buffer: a new op must be added here (prepare()
 * refuses to build against a protocol with ops this table has not seen).
 */
#define VGPU_KMOD_OPS_KNOWN 28
#define REF(op, f) offsetof(struct vgpuif_request, u.op.f)
static const struct {
	u8 n;
	u16 off[3];
} op_refs[VGPU_OP_MAX + 1] = {
	[VGPU_OP_QUERY] = { 1, { REF(query, out) } },
	[VGPU_OP_VECTOR_ADD] = { 3, { REF(vector_add, a), REF(vector_add, b),
				      REF(vector_add, c) } },
	[VGPU_OP_MEMCPY_HTOD] = { 1, { REF(memcpy, buf) } },
	[VGPU_OP_MEMCPY_DTOH] = { 1, { REF(memcpy, buf) } },
	[VGPU_OP_MODULE_LOAD] = { 1, { REF(module_load, image) } },
	[VGPU_OP_FUNC_GET] = { 2, { REF(func_get, name), REF(func_get, layout) } },
	[VGPU_OP_LAUNCH] = { 1, { REF(launch, params) } },
	[VGPU_OP_DEVICE_INFO] = { 1, { REF(device_info, out) } },
	[VGPU_OP_GLOBAL_GET] = { 1, { REF(global_get, name) } },
};
#undef REF

static bool kernel_only(u8 op)
{
	return op == VGPU_OP_BUF_REGISTER || op == VGPU_OP_BUF_UNREGISTER ||
	       op == VGPU_OP_SESSION_OPEN || op == VGPU_OP_SESSION_CLOSE;
}

/*
 * The ops that carry request.session: every version 2 op but SESSION_OPEN
 * and DEVICE_INFO (vgpuif.h), later ones (events...) included.
 */
static bool names_session(u8 op)
{
	return op > VGPU_OP_SESSION_OPEN && op != VGPU_OP_DEVICE_INFO;
}

/* A VGPU_E* status of the kernel's own request as an errno. */
static int status_errno(int status)
{
	switch (status) {
	case VGPU_OK:		return 0;
	case VGPU_ENOMEM:	return -ENOMEM;
	case VGPU_EBUSY:	return -EBUSY;
	case VGPU_ESHUTDOWN:	return -ENOTCONN;
	case VGPU_EGRANT:	return -EFAULT;
	case VGPU_ENOSYS:	return -EOPNOTSUPP;
	case VGPU_EINVAL:	return -EINVAL;
	default:		return -EIO;
	}
}

static void close_done(struct vgpu_info *info, void *arg,
		       const struct vgpuif_response *rsp)
{
	kfree(arg);
}

/* Under file->mutex: open the file's session on @gpu, or return the open one. */
int vgpu_session_open(struct vgpu_file *file, u32 gpu, u32 *session)
{
	struct vgpu_info *info = file->info;
	struct vgpuif_request req = { .op = VGPU_OP_SESSION_OPEN };
	struct vgpuif_response rsp;
	unsigned long flags;
	u32 gen = READ_ONCE(info->generation);
	int rc;

	if (file->sess_state == VGPU_SESS_OPEN) {
		*session = file->session;
		return 0;
	}
	if (file->sess_state == VGPU_SESS_LOST)
		return -ENOLINK;
	if (info->protocol < 2)
		return -EOPNOTSUPP;
	req.u.session_open.gpu = gpu;
	rc = vgpu_call(info, &req, &rsp);
	if (rc)
		return rc;
	rc = status_errno(rsp.status);
	if (rc)
		return rc;
	/* Ids are 32 bits on the wire and 0 is none: anything else is a lie. */
	if (rsp.result.scalar <= 0 || rsp.result.scalar > U32_MAX)
		return -EPROTO;
	spin_lock_irqsave(&info->lock, flags);
	file->session = (u32)rsp.result.scalar;
	/* A reconnect since the request went: the session died with it. */
	file->sess_state = gen == info->generation ? VGPU_SESS_OPEN : VGPU_SESS_LOST;
	spin_unlock_irqrestore(&info->lock, flags);
	*session = file->session;
	return file->sess_state == VGPU_SESS_OPEN ? 0 : -ENOLINK;
}

/* On release: the backend frees what the session holds. */
void vgpu_session_close(struct vgpu_file *file)
{
	struct vgpu_pending *p;

	if (file->sess_state != VGPU_SESS_OPEN)
		return;
	/* Without memory the backend frees it when the device closes. */
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return;
	p->req.op = VGPU_OP_SESSION_CLOSE;
	p->req.session = file->session;
	p->done = close_done;
	p->arg = p;
	vgpu_submit_kernel(file->info, p);
	file->sess_state = VGPU_SESS_NONE;
}

/* Every buffer @req names is the file's (handle 0 names none). */
static int check_refs(struct vgpu_file *file, const struct vgpuif_request *req,
		      struct vgpu_buf **bufs)
{
	unsigned int i;

	for (i = 0; i < op_refs[req->op].n; i++) {
		const struct vgpuif_bufref *r = (const void *)((const u8 *)req +
						op_refs[req->op].off[i]);

		bufs[i] = NULL;
		if (!r->handle)
			continue;
		bufs[i] = vgpu_buf_find(file, r->handle);
		if (!bufs[i])
			return -EBADF;
	}
	return 0;
}

static int prepare(struct vgpu_file *file, const struct vgpu_dev_request *ureq,
		   struct vgpuif_request *req, struct vgpu_buf **bufs)
{
	u32 session;
	int rc;

	BUILD_BUG_ON(VGPU_OP_MAX != VGPU_KMOD_OPS_KNOWN);
	BUILD_BUG_ON(sizeof(*ureq) != sizeof(*req));
	BUILD_BUG_ON(offsetof(struct vgpu_dev_request, payload) !=
		     offsetof(struct vgpuif_request, u));
	memcpy(req, ureq, sizeof(*req));
	req->id = 0;
	req->session = 0;
	if (req->op > VGPU_OP_MAX || kernel_only(req->op))
		return -EINVAL;
	if (req->op >= VGPU_OP_SESSION_OPEN && file->info->protocol < 2)
		return -EOPNOTSUPP;
	if (names_session(req->op)) {
		rc = vgpu_session_open(file, 0, &session);
		if (rc)
			return rc;
		req->session = session;
	}
	return check_refs(file, req, bufs);
}

/* Room on the ring, or a reason to stop waiting for it. */
static bool ring_room(struct vgpu_info *info)
{
	return READ_ONCE(info->nfree) || info->conn != VGPU_CONN_UP ||
	       info->removed;
}

/*
 * VGPU_IOC_SUBMIT.  -EAGAIN when the file holds its limit of requests and
 * unreaped completions (reap first), or the ring is full and the file is
 * O_NONBLOCK; otherwise a full ring is waited for.
 */
int vgpu_session_submit(struct vgpu_file *file, const struct vgpu_dev_request *ureq,
			bool nonblock)
{
	struct vgpu_info *info = file->info;
	struct vgpu_buf *bufs[3];
	struct vgpuif_request req;
	struct vgpu_cmpl *cmpl;
	int rc;

	cmpl = kzalloc(sizeof(*cmpl), GFP_KERNEL_ACCOUNT);
	if (!cmpl)
		return -ENOMEM;
	if (mutex_lock_interruptible(&file->mutex)) {
		kfree(cmpl);
		return -EINTR;
	}
	rc = prepare(file, ureq, &req, bufs);
	if (!rc)
		rc = vgpu_bufs_current(file, bufs, op_refs[req.op].n);
	while (!rc) {
		rc = vgpu_submit_file(info, file, &req, ureq->cookie, cmpl);
		if (rc != -EBUSY)
			break;
		rc = nonblock ? -EAGAIN :
		     wait_event_interruptible(info->wq, ring_room(info));
	}
	mutex_unlock(&file->mutex);
	if (rc)
		kfree(cmpl);
	return rc;
}
