// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ring.c: requests onto the shared ring, responses off it.
 *
 * Every request on the ring has a slot of the request table (shadow): its
 * id is seq << 16 | slot, and a response is taken only if its id is that
 * of a request outstanding in that slot (XSA-403); the response producer
 * is checked against the ring's size before any slot is read, and each
 * response is copied out of shared memory once.  A backend that breaks
 * either rule fails the device (vgpu_fail): nothing it writes is believed
 * afterwards, and every request still outstanding completes with VGPU_EIO.
 *
 * The kernel's own requests (session open and close, buffer registration)
 * never wait for room: they queue on the backlog, which goes first
 * whenever a slot frees.  A process's request waits (or gets -EAGAIN).
 */
#include <linux/slab.h>
#include <linux/interrupt.h>
#include <xen/events.h>

#include "vgpu_kmod.h"

/* Under lock, after a connect: every slot free, ids start again. */
void vgpu_ring_reset(struct vgpu_info *info)
{
	unsigned int i;

	info->ring_size = min_t(unsigned int, RING_SIZE(&info->front),
				VGPU_SHADOW_MAX);
	memset(info->shadow, 0, sizeof(info->shadow));
	for (i = 0; i < info->ring_size; i++)
		info->free_slots[i] = info->ring_size - 1 - i;
	info->nfree = info->ring_size;
	info->next_seq = 1;
}

unsigned int vgpu_file_limit(struct vgpu_info *info)
{
	unsigned int size = info->ring_size ? info->ring_size : 1;

	return clamp_t(unsigned int, READ_ONCE(vgpu_max_file_inflight), 1, size);
}

static bool ring_has_room(struct vgpu_info *info)
{
	return info->conn == VGPU_CONN_UP && info->nfree &&
	       !RING_FULL(&info->front);
}

/* Put @req on the ring in a free slot; the caller checked ring_has_room(). */
static struct vgpu_shadow *push(struct vgpu_info *info,
				const struct vgpuif_request *req)
{
	unsigned int slot = info->free_slots[--info->nfree];
	struct vgpu_shadow *s = &info->shadow[slot];
	struct vgpuif_request *r;
	int notify;

	memset(s, 0, sizeof(*s));
	s->id = info->next_seq++ << VGPU_ID_SLOT_BITS | slot;
	s->op = req->op;
	r = RING_GET_REQUEST(&info->front, info->front.req_prod_pvt);
	memcpy(r, req, sizeof(*r));
	r->id = s->id;
	info->front.req_prod_pvt++;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&info->front, notify);
	if (notify)
		notify_remote_via_irq(info->irq);
	return s;
}

/* A response made here for a request the backend will never answer. */
static void local_response(struct vgpuif_response *rsp, u8 op, int status)
{
	memset(rsp, 0, sizeof(*rsp));
	rsp->op = op;
	rsp->status = status;
}

static void push_kernel(struct vgpu_info *info, struct vgpu_pending *p)
{
	struct vgpu_shadow *s = push(info, &p->req);

	s->done = p->done;
	s->arg = p->arg;
}

/* The backlog first, whenever slots free. */
static void flush_backlog(struct vgpu_info *info)
{
	struct vgpu_pending *p;

	while (ring_has_room(info) && !list_empty(&info->backlog)) {
		p = list_first_entry(&info->backlog, struct vgpu_pending, node);
		list_del(&p->node);
		push_kernel(info, p);
	}
}

/*
 * Under lock: send a kernel request, now or when a slot frees.  Without a
 * connection it fails at once (p->done runs before this returns).  @p is
 * the caller's (embedded in what the request is about) and may be reused
 * once p->done ran.
 */
void vgpu_submit_kernel_locked(struct vgpu_info *info, struct vgpu_pending *p)
{
	struct vgpuif_response rsp;

	if (info->conn != VGPU_CONN_UP) {
		local_response(&rsp, p->req.op, info->conn == VGPU_CONN_FAILED ?
			       VGPU_EIO : VGPU_ESHUTDOWN);
		p->done(info, p->arg, &rsp);
		return;
	}
	if (list_empty(&info->backlog) && ring_has_room(info)) {
		push_kernel(info, p);
		return;
	}
	list_add_tail(&p->node, &info->backlog);
}

void vgpu_submit_kernel(struct vgpu_info *info, struct vgpu_pending *p)
{
	unsigned long flags;

	spin_lock_irqsave(&info->lock, flags);
	vgpu_submit_kernel_locked(info, p);
	spin_unlock_irqrestore(&info->lock, flags);
}

/* A kernel request someone waits for; freed by the last of waiter and answer. */
struct vgpu_call {
	struct vgpu_pending p;
	refcount_t ref;
	struct completion done;
	struct vgpuif_response rsp;
};

static void call_put(struct vgpu_call *c)
{
	if (refcount_dec_and_test(&c->ref))
		kfree(c);
}

static void call_done(struct vgpu_info *info, void *arg,
		      const struct vgpuif_response *rsp)
{
	struct vgpu_call *c = arg;

	c->rsp = *rsp;
	complete(&c->done);
	call_put(c);
}

/*
 * A kernel request and its answer: 0 with *rsp filled (its status is the
 * backend's, or VGPU_ESHUTDOWN/VGPU_EIO made here when the connection
 * went), -EINTR when killed, -ETIMEDOUT past vgpu_call_timeout_ms.  The
 * request stays outstanding after either; its answer is then dropped.
 */
int vgpu_call(struct vgpu_info *info, const struct vgpuif_request *req,
	      struct vgpuif_response *rsp)
{
	struct vgpu_call *c = kzalloc(sizeof(*c), GFP_KERNEL);
	long left;

	if (!c)
		return -ENOMEM;
	refcount_set(&c->ref, 2);
	init_completion(&c->done);
	c->p.req = *req;
	c->p.done = call_done;
	c->p.arg = c;
	vgpu_submit_kernel(info, &c->p);
	left = wait_for_completion_killable_timeout(&c->done,
			msecs_to_jiffies(vgpu_call_timeout_ms));
	if (left > 0)
		*rsp = c->rsp;
	call_put(c);
	if (left == 0)
		return -ETIMEDOUT;
	return left < 0 ? -EINTR : 0;
}

static bool file_has_credit(struct vgpu_info *info, struct vgpu_file *file)
{
	return file->inflight + file->queued < vgpu_file_limit(info);
}

/* Under lock, for poll: would a submission go through (or fail) at once? */
bool vgpu_file_may_submit(struct vgpu_info *info, struct vgpu_file *file)
{
	return info->conn != VGPU_CONN_UP || info->removed ||
	       (file_has_credit(info, file) && list_empty(&info->backlog) &&
		ring_has_room(info));
}

/*
 * A process's request: 0 when it is on the ring, -EAGAIN when the file
 * holds its share (until it reaps), -EBUSY when the ring is full,
 * -ENOTCONN without a connection (-EIO after a failure).  @cmpl carries
 * the answer to the file later.
 */
int vgpu_submit_file(struct vgpu_info *info, struct vgpu_file *file,
		     struct vgpuif_request *req, u64 cookie,
		     struct vgpu_cmpl *cmpl)
{
	struct vgpu_shadow *s;
	unsigned long flags;
	int rc = 0;

	spin_lock_irqsave(&info->lock, flags);
	if (info->conn == VGPU_CONN_FAILED)
		rc = -EIO;
	else if (info->conn != VGPU_CONN_UP || info->removed)
		rc = -ENOTCONN;
	else if (!file_has_credit(info, file))
		rc = -EAGAIN;
	else if (!list_empty(&info->backlog) || !ring_has_room(info))
		rc = -EBUSY;
	if (!rc) {
		cmpl->c.cookie = cookie;
		s = push(info, req);
		s->file = file;
		s->cmpl = cmpl;
		file->inflight++;
	}
	spin_unlock_irqrestore(&info->lock, flags);
	return rc;
}

/* Hand a response (checked, or made here) to whoever waits for it. */
static void deliver(struct vgpu_info *info, struct vgpu_shadow *s,
		    const struct vgpuif_response *rsp)
{
	struct vgpu_file *file = s->file;
	struct vgpu_cmpl *cmpl = s->cmpl;

	if (s->done) {
		s->done(info, s->arg, rsp);
		return;
	}
	if (!file)	/* its file is closed: nobody wants it */
		return;
	cmpl->c.status = rsp->status;
	cmpl->c.op = s->op;	/* ours, not what the backend says */
	cmpl->c.queue_ns = rsp->queue_ns;
	cmpl->c.exec_ns = rsp->exec_ns;
	BUILD_BUG_ON(sizeof(cmpl->c.result) != sizeof(rsp->result));
	memcpy(cmpl->c.result, &rsp->result, sizeof(cmpl->c.result));
	list_add_tail(&cmpl->node, &file->done);
	file->inflight--;
	file->queued++;
	wake_up_all(&file->wq);	/* reapers, pollers, a killable allocator */
}

/* Take slot @slot off the table; its entry is copied to @out first. */
static void slot_release(struct vgpu_info *info, unsigned int slot,
			 struct vgpu_shadow *out)
{
	*out = info->shadow[slot];
	memset(&info->shadow[slot], 0, sizeof(info->shadow[slot]));
	info->free_slots[info->nfree++] = slot;
}

/* One response copied out of the ring: false if it answers nothing of ours. */
static bool take_one(struct vgpu_info *info, const struct vgpuif_response *rsp)
{
	u64 slot = rsp->id & ((1u << VGPU_ID_SLOT_BITS) - 1);
	struct vgpu_shadow s;

	/* A free slot holds id 0, which no request carries. */
	if (slot >= info->ring_size || !rsp->id || info->shadow[slot].id != rsp->id)
		return false;
	slot_release(info, slot, &s);
	deliver(info, &s, rsp);
	return true;
}

/* Under lock: every response the ring holds.  True if there was one. */
static bool take_responses(struct vgpu_info *info)
{
	struct vgpuif_response rsp;
	bool any = false;
	RING_IDX prod, i;
	int more;

	do {
		prod = READ_ONCE(info->front.sring->rsp_prod);
		virt_rmb();	/* the responses after the index that says they are there */
		if (RING_RESPONSE_PROD_OVERFLOW(&info->front, prod)) {
			vgpu_fail(info, "response producer too far ahead",
				  prod - info->front.rsp_cons);
			return true;
		}
		for (i = info->front.rsp_cons; i != prod; i++) {
			RING_COPY_RESPONSE(&info->front, i, &rsp);
			info->front.rsp_cons = i + 1;
			any = true;
			if (!take_one(info, &rsp)) {
				vgpu_fail(info, "response to no request outstanding",
					  rsp.id);
				return true;
			}
			if (info->conn != VGPU_CONN_UP)	/* a callback failed it */
				return true;
		}
		RING_FINAL_CHECK_FOR_RESPONSES(&info->front, more);
	} while (more);
	return any;
}

/*
 * The event channel: bound with the late-EOI API (XSA-332), so a backend
 * that signals without work is seen as spurious and throttled by the
 * event core instead of keeping this CPU in the handler.
 */
irqreturn_t vgpu_interrupt(int irq, void *dev_id)
{
	struct vgpu_info *info = dev_id;
	unsigned int eoi = XEN_EOI_FLAG_SPURIOUS;
	unsigned long flags;

	spin_lock_irqsave(&info->lock, flags);
	if (info->conn == VGPU_CONN_UP && take_responses(info)) {
		eoi = 0;
		flush_backlog(info);
		wake_up_interruptible(&info->wq);
	}
	spin_unlock_irqrestore(&info->lock, flags);
	xen_irq_lateeoi(irq, eoi);
	return IRQ_HANDLED;
}

/*
 * Under lock, with the connection already marked down or failed: every
 * request outstanding and every kernel request waiting completes with
 * @status, made here.  Nothing is pushed without a connection and the
 * next connect resets the table, so no late answer can match them.
 */
void vgpu_fail_all(struct vgpu_info *info, int status)
{
	struct vgpuif_response rsp;
	struct vgpu_pending *p, *n;
	struct vgpu_shadow s;
	unsigned int i;

	for (i = 0; i < info->ring_size; i++) {
		if (!info->shadow[i].id)
			continue;
		slot_release(info, i, &s);
		local_response(&rsp, s.op, status);
		rsp.id = s.id;
		deliver(info, &s, &rsp);
	}
	list_for_each_entry_safe(p, n, &info->backlog, node) {
		list_del(&p->node);
		local_response(&rsp, p->req.op, status);
		p->done(info, p->arg, &rsp);
	}
	wake_up_interruptible_all(&info->wq);
}

/* Under lock: a closing file's requests are answered to nobody. */
void vgpu_orphan_file(struct vgpu_info *info, struct vgpu_file *file)
{
	struct vgpu_cmpl *c, *n;
	unsigned int i;

	for (i = 0; i < info->ring_size; i++) {
		if (info->shadow[i].id && info->shadow[i].file == file) {
			kfree(info->shadow[i].cmpl);
			info->shadow[i].cmpl = NULL;
			info->shadow[i].file = NULL;
		}
	}
	list_for_each_entry_safe(c, n, &file->done, node) {
		list_del(&c->node);
		kfree(c);
	}
	file->inflight = 0;
	file->queued = 0;
}
