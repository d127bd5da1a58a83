// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * buffers.c: a file's buffers.  Pages the kernel allocates (charged to the
 * process's memory cgroup), grants to the backend and lets the process map;
 * registered once (VGPU_OP_BUF_REGISTER, as libvgpufront does: the grant
 * refs of the data pages in indirect pages listed by one directory page,
 * both granted read-only and ended as soon as the backend answered).
 *
 * A buffer's grants end only once the backend is done with it: after its
 * BUF_UNREGISTER is answered, or once the connection is gone; and then
 * through gnttab_end_foreign_access(), which keeps a page the backend
 * still maps (and its grant) until it lets go.  A page the process still
 * maps stays allocated until it unmaps it (the mapping holds a reference).
 *
 * After a reconnect (a backend restart, a resume after save/restore) a
 * buffer is registered again on its next use, its grant entries rewritten
 * for the backend and the page frames of now.
 */
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/version.h>
#include <xen/page.h>

#include "vgpu_kmod.h"

#define MMAP_SHIFT 32	/* a buffer's mmap offset is handle << 32 */

static void end_grant(grant_ref_t *ref, struct page **page)
{
	if (*ref)
		gnttab_end_foreign_access(*ref, *page);	/* puts the page when done */
	else if (*page)
		put_page(*page);
	*ref = 0;
	*page = NULL;
}

/* The directory and indirect pages of the last registration. */
static void end_indirect(struct vgpu_buf *buf)
{
	unsigned int i;

	if (!buf->ind_pages)
		return;
	for (i = 0; i <= buf->nind; i++)
		end_grant(&buf->ind_refs[i], &buf->ind_pages[i]);
	kfree(buf->ind_pages);
	kfree(buf->ind_refs);
	buf->ind_pages = NULL;
	buf->ind_refs = NULL;
}

/* Process context, nothing held: the buffer is no one's any more. */
static void buf_destroy(struct vgpu_buf *buf)
{
	unsigned int i;

	end_indirect(buf);
	for (i = 0; buf->pages && i < buf->npages; i++)
		end_grant(&buf->refs[i], &buf->pages[i]);
	if (buf->handle)
		ida_free(&buf->info->handles, buf->handle);
	if (buf->counted)
		atomic_sub(buf->npages, &buf->info->dev_pages);
	kvfree(buf->pages);
	kvfree(buf->refs);
	kfree(buf);
}

/* Under lock: to be destroyed by the work item (grants end outside irqs-off). */
static void buf_dead(struct vgpu_info *info, struct vgpu_buf *buf)
{
	list_add_tail(&buf->node, &info->dead_bufs);
	schedule_work(&info->buf_work);
}

void vgpu_bufs_reap(struct work_struct *work)
{
	struct vgpu_info *info = container_of(work, struct vgpu_info, buf_work);
	struct vgpu_buf *buf, *n;
	unsigned long flags;
	LIST_HEAD(dead);

	spin_lock_irqsave(&info->lock, flags);
	list_splice_init(&info->dead_bufs, &dead);
	spin_unlock_irqrestore(&info->lock, flags);
	list_for_each_entry_safe(buf, n, &dead, node)
		buf_destroy(buf);
}

static void buf_unregistered(struct vgpu_info *info, void *arg,
			     const struct vgpuif_response *rsp)
{
	buf_dead(info, arg);
}

static void send_unregister(struct vgpu_info *info, struct vgpu_buf *buf)
{
	memset(&buf->pend, 0, sizeof(buf->pend));
	buf->pend.req.op = VGPU_OP_BUF_UNREGISTER;
	buf->pend.req.u.buf_unregister.handle = buf->handle;
	buf->pend.done = buf_unregistered;
	buf->pend.arg = buf;
	vgpu_submit_kernel_locked(info, &buf->pend);
}

static void buf_registered(struct vgpu_info *info, void *arg,
			   const struct vgpuif_response *rsp)
{
	struct vgpu_buf *buf = arg;

	end_indirect(buf);	/* the backend copied the refs out, or never will */
	buf->status = rsp->status;
	buf->state = rsp->status == VGPU_OK ? VGPU_BUF_REGISTERED : VGPU_BUF_FAILED;
	if (!buf->orphan) {
		wake_up_all(buf->wq);	/* the allocator sleeps killable */
		return;
	}
	if (buf->state == VGPU_BUF_REGISTERED && info->conn == VGPU_CONN_UP)
		send_unregister(info, buf);
	else
		buf_dead(info, buf);
}

static int alloc_data(struct vgpu_buf *buf, domid_t be)
{
	bool ro = buf->flags & VGPU_BUF_F_READONLY;
	unsigned int i;
	int ref;

	buf->pages = kvcalloc(buf->npages, sizeof(*buf->pages), GFP_KERNEL_ACCOUNT);
	buf->refs = kvcalloc(buf->npages, sizeof(*buf->refs), GFP_KERNEL_ACCOUNT);
	if (!buf->pages || !buf->refs)
		return -ENOMEM;
	for (i = 0; i < buf->npages; i++) {
		buf->pages[i] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
		if (!buf->pages[i])
			return -ENOMEM;
		ref = gnttab_grant_foreign_access(be, xen_page_to_gfn(buf->pages[i]), ro);
		if (ref < 0)
			return ref;
		buf->refs[i] = ref;
	}
	return 0;
}

/* Fill and grant the indirect pages, then the directory that lists them. */
static int build_indirect(struct vgpu_buf *buf, domid_t be)
{
	unsigned int i, n = buf->nind + 1;
	int ref;

	buf->ind_pages = kcalloc(n, sizeof(*buf->ind_pages), GFP_KERNEL);
	buf->ind_refs = kcalloc(n, sizeof(*buf->ind_refs), GFP_KERNEL);
	if (!buf->ind_pages || !buf->ind_refs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		buf->ind_pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!buf->ind_pages[i])
			return -ENOMEM;
	}
	for (i = 0; i < buf->npages; i++)
		((u32 *)page_address(buf->ind_pages[i / VGPUIF_GREFS_PER_PAGE]))
			[i % VGPUIF_GREFS_PER_PAGE] = buf->refs[i];
	for (i = 0; i < n; i++) {
		if (i == buf->nind)	/* the directory, once the refs it lists exist */
			memcpy(page_address(buf->ind_pages[i]), buf->ind_refs,
			       buf->nind * sizeof(u32));
		ref = gnttab_grant_foreign_access(be, xen_page_to_gfn(buf->ind_pages[i]), 1);
		if (ref < 0)
			return ref;
		buf->ind_refs[i] = ref;
	}
	return 0;
}

/*
 * Under file->mutex: register @buf (its data pages granted) and wait for
 * the answer.  0 once registered; otherwise the buffer is FAILED, or still
 * REGISTERING when the wait was cut short (its answer is handled then).
 */
static int buf_register(struct vgpu_file *file, struct vgpu_buf *buf)
{
	struct vgpu_info *info = file->info;
	unsigned long flags;
	long left;
	int rc = build_indirect(buf, info->backend_id);

	if (rc) {
		end_indirect(buf);
		return rc;
	}
	memset(&buf->pend, 0, sizeof(buf->pend));
	buf->pend.req.op = VGPU_OP_BUF_REGISTER;
	buf->pend.req.u.buf_register.handle = buf->handle;
	buf->pend.req.u.buf_register.nr_pages = buf->npages;
	buf->pend.req.u.buf_register.dir_gref = buf->ind_refs[buf->nind];
	buf->pend.req.u.buf_register.flags = buf->flags;
	buf->pend.done = buf_registered;
	buf->pend.arg = buf;
	spin_lock_irqsave(&info->lock, flags);
	buf->state = VGPU_BUF_REGISTERING;
	buf->gen = info->generation;
	vgpu_submit_kernel_locked(info, &buf->pend);
	spin_unlock_irqrestore(&info->lock, flags);
	left = wait_event_killable_timeout(file->wq,
			READ_ONCE(buf->state) != VGPU_BUF_REGISTERING,
			msecs_to_jiffies(vgpu_call_timeout_ms));
	if (left == 0)
		return -ETIMEDOUT;
	if (left < 0)
		return -EINTR;
	return buf->state == VGPU_BUF_REGISTERED ? 0 :
	       buf->status == VGPU_ENOMEM ? -ENOMEM :
	       buf->status == VGPU_ESHUTDOWN ? -ENOTCONN : -EIO;
}

static void list_remove(struct vgpu_file *file, struct vgpu_buf *buf)
{
	unsigned long flags;

	spin_lock_irqsave(&file->info->lock, flags);
	list_del(&buf->node);
	file->nbufs--;
	file->buf_pages -= buf->npages;
	spin_unlock_irqrestore(&file->info->lock, flags);
}

/* The device's share of the guest's grant entries, and the backend's limit. */
static unsigned int dev_page_limit(struct vgpu_info *info)
{
	unsigned int max = READ_ONCE(vgpu_max_dev_pages);

	return info->backend_max_pages ? min(max, info->backend_max_pages) : max;
}

static int buf_new(struct vgpu_file *file, u64 bytes, u32 flags,
		   struct vgpu_buf **out)
{
	struct vgpu_info *info = file->info;
	struct vgpu_buf *buf;
	u64 npages = DIV_ROUND_UP(bytes, VGPUIF_PAGE_SIZE);
	int rc;

	if (!bytes || npages > VGPUIF_MAX_BUF_PAGES || (flags & ~VGPU_DEV_BUF_READONLY))
		return -EINVAL;
	if (file->buf_pages + npages > vgpu_max_file_pages)
		return -EDQUOT;
	buf = kzalloc(sizeof(*buf), GFP_KERNEL_ACCOUNT);
	if (!buf)
		return -ENOMEM;
	buf->info = info;
	buf->npages = npages;
	buf->counted = true;
	if (atomic_add_return(npages, &info->dev_pages) > dev_page_limit(info)) {
		atomic_sub(npages, &info->dev_pages);
		kfree(buf);
		return -ENOSPC;
	}
	buf->nind = DIV_ROUND_UP(buf->npages, VGPUIF_GREFS_PER_PAGE);
	buf->flags = flags & VGPU_DEV_BUF_READONLY ? VGPU_BUF_F_READONLY : 0;
	buf->wq = &file->wq;
	rc = ida_alloc_min(&info->handles, 1, GFP_KERNEL);
	if (rc < 0) {
		kfree(buf);
		return rc;
	}
	buf->handle = rc;
	rc = alloc_data(buf, info->backend_id);
	if (rc) {
		buf_destroy(buf);
		return rc;
	}
	*out = buf;
	return 0;
}

/* VGPU_IOC_BUF_ALLOC, under file->mutex. */
int vgpu_buf_alloc(struct vgpu_file *file, struct vgpu_dev_buf *arg)
{
	struct vgpu_info *info = file->info;
	struct vgpu_buf *buf;
	unsigned long flags;
	int rc;

	if (READ_ONCE(info->conn) != VGPU_CONN_UP)
		return -ENOTCONN;
	rc = buf_new(file, arg->bytes, arg->flags, &buf);
	if (rc)
		return rc;
	spin_lock_irqsave(&info->lock, flags);
	buf->state = VGPU_BUF_FAILED;
	list_add_tail(&buf->node, &file->bufs);
	file->nbufs++;
	file->buf_pages += buf->npages;
	spin_unlock_irqrestore(&info->lock, flags);
	rc = buf_register(file, buf);
	if (rc && buf->state == VGPU_BUF_FAILED) {
		list_remove(file, buf);
		buf_destroy(buf);
		return rc;
	}
	if (rc)		/* still registering: freed with the file */
		return rc;
	arg->handle = buf->handle;
	arg->mmap_offset = (u64)buf->handle << MMAP_SHIFT;
	return 0;
}

struct vgpu_buf *vgpu_buf_find(struct vgpu_file *file, u32 handle)
{
	struct vgpu_buf *buf;

	list_for_each_entry(buf, &file->bufs, node)
		if (buf->handle == handle)
			return buf;
	return NULL;
}

/* Rewrite the data pages' grant entries for the backend and frames of now. */
static int regrant(struct vgpu_buf *buf, domid_t be)
{
	bool ro = buf->flags & VGPU_BUF_F_READONLY;
	unsigned int i;

	for (i = 0; i < buf->npages; i++) {
		/* Still mapped by the old backend: the entry is not ours to rewrite. */
		if (!gnttab_end_foreign_access_ref(buf->refs[i]))
			return -EBUSY;
		gnttab_grant_foreign_access_ref(buf->refs[i], be,
						xen_page_to_gfn(buf->pages[i]), ro);
	}
	return 0;
}

/*
 * Under file->mutex, before a request naming @bufs goes out: each is
 * registered on this connection, registered again here if the connection
 * changed since.  -EBADF for one still registering, -ESTALE for one that
 * cannot be registered again.
 */
int vgpu_bufs_current(struct vgpu_file *file, struct vgpu_buf **bufs,
		      unsigned int n)
{
	struct vgpu_info *info = file->info;
	unsigned long flags;
	unsigned int i;
	bool current_;
	int rc;

	for (i = 0; i < n; i++) {
		if (!bufs[i])
			continue;
		spin_lock_irqsave(&info->lock, flags);
		current_ = bufs[i]->state == VGPU_BUF_REGISTERED &&
			   bufs[i]->gen == info->generation;
		rc = bufs[i]->state == VGPU_BUF_REGISTERING ? -EBADF : 0;
		spin_unlock_irqrestore(&info->lock, flags);
		if (current_)
			continue;
		if (rc)
			return rc;
		if (READ_ONCE(info->conn) != VGPU_CONN_UP)
			return -ENOTCONN;
		rc = regrant(bufs[i], info->backend_id);
		if (!rc)
			rc = buf_register(file, bufs[i]);
		if (rc)
			return rc == -EINTR ? rc : -ESTALE;
	}
	return 0;
}

/*
 * Out of the file's list already: unregister it if the backend knows it
 * (its grants end when that is answered), else end them now.  One still
 * registering is orphaned: its answer decides.
 */
static void buf_release(struct vgpu_info *info, struct vgpu_buf *buf)
{
	unsigned long flags;

	spin_lock_irqsave(&info->lock, flags);
	if (buf->state == VGPU_BUF_REGISTERING) {
		buf->orphan = true;
		buf->wq = NULL;
		spin_unlock_irqrestore(&info->lock, flags);
		return;
	}
	if (buf->state == VGPU_BUF_REGISTERED && buf->gen == info->generation &&
	    info->conn == VGPU_CONN_UP) {
		send_unregister(info, buf);
		spin_unlock_irqrestore(&info->lock, flags);
		return;
	}
	spin_unlock_irqrestore(&info->lock, flags);
	buf_destroy(buf);
}

/* VGPU_IOC_BUF_FREE, under file->mutex. */
int vgpu_buf_free(struct vgpu_file *file, u32 handle)
{
	struct vgpu_buf *buf = handle ? vgpu_buf_find(file, handle) : NULL;

	if (!buf)
		return -EBADF;
	list_remove(file, buf);
	buf_release(file->info, buf);
	return 0;
}

/* On release, under file->mutex. */
void vgpu_buf_free_all(struct vgpu_file *file)
{
	struct vgpu_buf *buf, *n;

	list_for_each_entry_safe(buf, n, &file->bufs, node) {
		list_remove(file, buf);
		buf_release(file->info, buf);
	}
}

/*
 * mmap of a buffer: MAP_SHARED, at its offset, no larger than it.  The
 * pages go into the process's page tables with references of their own.
 * Called under mmap_lock; file->mutex is never held across a user copy,
 * so taking it here cannot invert the two.
 */
int vgpu_buf_mmap(struct vgpu_file *file, struct vm_area_struct *vma)
{
	unsigned long pgoff_shift = MMAP_SHIFT - PAGE_SHIFT;
	struct vgpu_buf *buf;
	int rc = -EINVAL;

	if (!(vma->vm_flags & VM_SHARED) ||
	    (vma->vm_pgoff & ((1ul << pgoff_shift) - 1)))
		return -EINVAL;
	mutex_lock(&file->mutex);
	buf = vgpu_buf_find(file, vma->vm_pgoff >> pgoff_shift);
	if (buf && READ_ONCE(buf->state) != VGPU_BUF_REGISTERING &&
	    vma_pages(vma) <= buf->npages) {
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
		vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
#else
		vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
#endif
		rc = vm_map_pages_zero(vma, buf->pages, buf->npages);
	}
	mutex_unlock(&file->mutex);
	return rc;
}
