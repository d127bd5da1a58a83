// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * file.c: /dev/vgpuN, a misc device per vgpu device (vgpu(4)).  Each open
 * file is a session of its own; several processes share the one ring.
 * The file holds a reference to the device's state, which outlives the
 * xenbus device: after a remove the file answers -ENODEV (poll: EPOLLHUP)
 * until it is closed.
 */
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vgpu_kmod.h"

static int vgpu_open(struct inode *inode, struct file *filp)
{
	/* misc_open holds misc_mtx: the device cannot be deregistered now. */
	struct vgpu_info *info = container_of(filp->private_data,
					      struct vgpu_info, misc);
	struct vgpu_file *vf;
	unsigned long flags;

	if (READ_ONCE(info->removed))
		return -ENODEV;
	vf = kzalloc(sizeof(*vf), GFP_KERNEL_ACCOUNT);
	if (!vf)
		return -ENOMEM;
	kref_get(&info->ref);
	vf->info = info;
	mutex_init(&vf->mutex);
	INIT_LIST_HEAD(&vf->done);
	INIT_LIST_HEAD(&vf->bufs);
	init_waitqueue_head(&vf->wq);
	spin_lock_irqsave(&info->lock, flags);
	list_add_tail(&vf->node, &info->files);
	spin_unlock_irqrestore(&info->lock, flags);
	filp->private_data = vf;
	return stream_open(inode, filp);
}

static int vgpu_release(struct inode *inode, struct file *filp)
{
	struct vgpu_file *vf = filp->private_data;
	struct vgpu_info *info = vf->info;
	unsigned long flags;

	mutex_lock(&vf->mutex);
	vgpu_buf_free_all(vf);
	vgpu_session_close(vf);
	mutex_unlock(&vf->mutex);
	spin_lock_irqsave(&info->lock, flags);
	list_del(&vf->node);
	vgpu_orphan_file(info, vf);
	spin_unlock_irqrestore(&info->lock, flags);
	wake_up_interruptible_all(&info->wq);	/* its slots count no more */
	kfree(vf);
	vgpu_info_put(info);
	return 0;
}

/* Under lock, for a disconnect: open sessions died with the connection. */
void vgpu_files_lose_sessions(struct vgpu_info *info)
{
	struct vgpu_file *vf;
	unsigned long flags;

	spin_lock_irqsave(&info->lock, flags);
	list_for_each_entry(vf, &info->files, node) {
		if (vf->sess_state == VGPU_SESS_OPEN)
			vf->sess_state = VGPU_SESS_LOST;
		wake_up_all(&vf->wq);
	}
	spin_unlock_irqrestore(&info->lock, flags);
}

/* Take one completion off the file's queue; NULL if none. */
static struct vgpu_cmpl *take_cmpl(struct vgpu_file *vf)
{
	struct vgpu_info *info = vf->info;
	struct vgpu_cmpl *c = NULL;
	unsigned long flags;

	spin_lock_irqsave(&info->lock, flags);
	if (!list_empty(&vf->done)) {
		c = list_first_entry(&vf->done, struct vgpu_cmpl, node);
		list_del(&c->node);
		vf->queued--;
	}
	spin_unlock_irqrestore(&info->lock, flags);
	return c;
}

static void untake_cmpl(struct vgpu_file *vf, struct vgpu_cmpl *c)
{
	unsigned long flags;

	spin_lock_irqsave(&vf->info->lock, flags);
	list_add(&c->node, &vf->done);
	vf->queued++;
	spin_unlock_irqrestore(&vf->info->lock, flags);
}

/* Something to reap, or a reason to stop waiting. */
static bool reap_ready(struct vgpu_file *vf)
{
	return !list_empty(&vf->done) || !READ_ONCE(vf->inflight) ||
	       READ_ONCE(vf->info->removed);
}

/* Copy up to @max completions to @out, waiting up to @timeout for one. */
static int reap(struct vgpu_file *vf, struct vgpu_dev_completion __user *out,
		unsigned int max, long timeout, unsigned int *count)
{
	struct vgpu_cmpl *c;
	long rc;

	*count = 0;
	if (timeout && list_empty(&vf->done)) {
		rc = timeout < 0 ?
		     wait_event_interruptible(vf->wq, reap_ready(vf)) :
		     wait_event_interruptible_timeout(vf->wq, reap_ready(vf), timeout);
		if (rc < 0)
			return rc;
	}
	while (*count < max && (c = take_cmpl(vf))) {
		if (copy_to_user(&out[*count], &c->c, sizeof(c->c))) {
			untake_cmpl(vf, c);
			return *count ? 0 : -EFAULT;
		}
		kfree(c);
		(*count)++;
	}
	if (*count)
		wake_up_interruptible_all(&vf->info->wq);	/* credit back */
	if (!*count && READ_ONCE(vf->info->removed))
		return -ENODEV;
	return 0;
}

static ssize_t vgpu_read(struct file *filp, char __user *buf, size_t len,
			 loff_t *ppos)
{
	struct vgpu_file *vf = filp->private_data;
	unsigned int n = len / sizeof(struct vgpu_dev_completion), count;
	int rc;

	if (!n)
		return -EINVAL;
	rc = reap(vf, (struct vgpu_dev_completion __user *)buf, n,
		  filp->f_flags & O_NONBLOCK ? 0 : -1, &count);
	if (rc)
		return rc;
	if (!count)
		return filp->f_flags & O_NONBLOCK || !vf->inflight ? -EAGAIN : 0;
	return count * sizeof(struct vgpu_dev_completion);
}

static __poll_t vgpu_poll(struct file *filp, poll_table *wait)
{
	struct vgpu_file *vf = filp->private_data;
	struct vgpu_info *info = vf->info;
	unsigned long flags;
	__poll_t mask = 0;

	poll_wait(filp, &vf->wq, wait);
	poll_wait(filp, &info->wq, wait);
	spin_lock_irqsave(&info->lock, flags);
	if (!list_empty(&vf->done))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (info->removed)
		mask |= EPOLLHUP | EPOLLERR;
	else if (info->conn == VGPU_CONN_FAILED || vf->sess_state == VGPU_SESS_LOST)
		mask |= EPOLLERR;
	else if (info->conn == VGPU_CONN_UP && vgpu_file_may_submit(info, vf))
		mask |= EPOLLOUT | EPOLLWRNORM;
	spin_unlock_irqrestore(&info->lock, flags);
	return mask;
}

static u32 dev_state(struct vgpu_info *info)
{
	if (info->removed)
		return VGPU_DEV_REMOVED;
	if (info->conn == VGPU_CONN_UP)
		return VGPU_DEV_CONNECTED;
	return info->failed_once ? VGPU_DEV_FAILED : VGPU_DEV_DISCONNECTED;
}

static void fill_info(struct vgpu_file *vf, struct vgpu_dev_info *di)
{
	static const u32 sess[] = {
		[VGPU_SESS_NONE] = VGPU_DEV_SESSION_NONE,
		[VGPU_SESS_OPEN] = VGPU_DEV_SESSION_OPEN,
		[VGPU_SESS_LOST] = VGPU_DEV_SESSION_LOST,
	};
	struct vgpu_info *info = vf->info;
	unsigned long flags;

	memset(di, 0, sizeof(*di));
	di->abi_version = VGPU_DEV_ABI_VERSION;
	di->devid = info->devid;
	spin_lock_irqsave(&info->lock, flags);
	di->state = dev_state(info);
	di->protocol = info->protocol;
	di->ring_size = info->conn == VGPU_CONN_UP ? info->ring_size : 0;
	di->max_file_inflight = vgpu_file_limit(info);
	di->backend_id = info->backend_id;
	di->generation = info->generation;
	di->session = vf->sess_state == VGPU_SESS_NONE ? 0 : vf->session;
	di->session_state = sess[vf->sess_state];
	di->inflight = vf->inflight;
	di->buffers = vf->nbufs;
	di->buffer_pages = vf->buf_pages;
	memcpy(di->pool, info->pool, sizeof(di->pool));
	memcpy(di->priority, info->priority, sizeof(di->priority));
	memcpy(di->executor, info->executor, sizeof(di->executor));
	memcpy(di->backend, info->backend, sizeof(di->backend));
	spin_unlock_irqrestore(&info->lock, flags);
}

static long ioc_reap(struct vgpu_file *vf, void __user *uarg)
{
	struct vgpu_dev_reap r;
	long timeout;
	int rc;

	if (copy_from_user(&r, uarg, sizeof(r)))
		return -EFAULT;
	if (!r.max || r._pad)
		return -EINVAL;
	timeout = r.timeout_ms < 0 ? -1 : (long)msecs_to_jiffies(r.timeout_ms);
	if (r.timeout_ms > 0 && !timeout)
		timeout = 1;
	rc = reap(vf, u64_to_user_ptr(r.completions), r.max, timeout, &r.count);
	if (rc)
		return rc;
	return put_user(r.count, &((struct vgpu_dev_reap __user *)uarg)->count);
}

static long ioc_buf_alloc(struct vgpu_file *vf, void __user *uarg)
{
	struct vgpu_dev_buf b;
	int rc;

	if (copy_from_user(&b, uarg, sizeof(b)))
		return -EFAULT;
	if (mutex_lock_killable(&vf->mutex))
		return -EINTR;
	rc = vgpu_buf_alloc(vf, &b);
	mutex_unlock(&vf->mutex);
	if (rc)
		return rc;
	/* A failed copy leaves the buffer to the file: freed on release. */
	return copy_to_user(uarg, &b, sizeof(b)) ? -EFAULT : 0;
}

static long ioc_session(struct vgpu_file *vf, void __user *uarg)
{
	struct vgpu_dev_session s;
	int rc;

	if (copy_from_user(&s, uarg, sizeof(s)))
		return -EFAULT;
	if (mutex_lock_killable(&vf->mutex))
		return -EINTR;
	rc = vgpu_session_open(vf, s.gpu, &s.session);
	mutex_unlock(&vf->mutex);
	if (rc)
		return rc;
	return copy_to_user(uarg, &s, sizeof(s)) ? -EFAULT : 0;
}

static long vgpu_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	struct vgpu_file *vf = filp->private_data;
	void __user *uarg = (void __user *)arg;
	struct vgpu_dev_request req;
	struct vgpu_dev_info di;
	u32 handle;
	long rc;

	if (READ_ONCE(vf->info->removed) && cmd != VGPU_IOC_INFO)
		return -ENODEV;
	switch (cmd) {
	case VGPU_IOC_INFO:
		fill_info(vf, &di);
		return copy_to_user(uarg, &di, sizeof(di)) ? -EFAULT : 0;
	case VGPU_IOC_SUBMIT:
		if (copy_from_user(&req, uarg, sizeof(req)))
			return -EFAULT;
		return vgpu_session_submit(vf, &req, filp->f_flags & O_NONBLOCK);
	case VGPU_IOC_REAP:
		return ioc_reap(vf, uarg);
	case VGPU_IOC_BUF_ALLOC:
		return ioc_buf_alloc(vf, uarg);
	case VGPU_IOC_BUF_FREE:
		if (get_user(handle, (u32 __user *)uarg))
			return -EFAULT;
		if (mutex_lock_killable(&vf->mutex))
			return -EINTR;
		rc = vgpu_buf_free(vf, handle);
		mutex_unlock(&vf->mutex);
		return rc;
	case VGPU_IOC_SESSION:
		return ioc_session(vf, uarg);
	default:
		return -ENOTTY;
	}
}

static int vgpu_mmap(struct file *filp, struct vm_area_struct *vma)
{
	struct vgpu_file *vf = filp->private_data;

	if (READ_ONCE(vf->info->removed))
		return -ENODEV;
	return vgpu_buf_mmap(vf, vma);
}

static const struct file_operations vgpu_fops = {
	.owner = THIS_MODULE,
	.open = vgpu_open,
	.release = vgpu_release,
	.read = vgpu_read,
	.poll = vgpu_poll,
	.unlocked_ioctl = vgpu_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = vgpu_mmap,
	.llseek = no_llseek,
};

/* Once, at the first connection; the node stays across reconnects. */
int vgpu_misc_register(struct vgpu_info *info)
{
	int rc;

	if (info->misc_registered)
		return 0;
	info->misc.minor = MISC_DYNAMIC_MINOR;
	info->misc.name = info->name;
	info->misc.fops = &vgpu_fops;
	info->misc.mode = 0660;	/* group: the udev rule's (vgpu) */
	rc = misc_register(&info->misc);
	if (!rc)
		info->misc_registered = true;
	return rc;
}

void vgpu_misc_deregister(struct vgpu_info *info)
{
	if (!info->misc_registered)
		return;
	misc_deregister(&info->misc);
	info->misc_registered = false;
}
