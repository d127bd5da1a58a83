// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * xenbus.c: xen-vgpufront, the guest kernel driver of xen-vgpu's
 * paravirtual GPU (vgpu(4), vgpu-xenstore(7)).  A xenbus frontend for
 * device type "vgpu", after netfront and blkfront: the backend's state
 * steps ours (otherend_changed), a resume after save/restore or migration
 * starts a new connection, and each device is /dev/vgpuN.
 *
 *   backend InitWait   (we Initialising or Closed)  -> share, Initialised
 *   backend Connected  (we Initialised)             -> Connected
 *   backend Closing                                 -> disconnect, Closed
 *   backend Closed                                  -> disconnect, Closed,
 *                                                      Initialising if online
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <xen/xen.h>

#include "vgpu_kmod.h"
#include "xsnodes.h"

unsigned int vgpu_ring_order = 2;
module_param_named(ring_order, vgpu_ring_order, uint, 0444);
MODULE_PARM_DESC(ring_order, "ring pages 2^N asked for (capped by the backend)");

unsigned int vgpu_max_file_inflight = 64;
module_param_named(max_file_inflight, vgpu_max_file_inflight, uint, 0644);
MODULE_PARM_DESC(max_file_inflight,
		 "requests plus unreaped completions one open file may hold");

unsigned int vgpu_max_file_pages = 262144;
module_param_named(max_file_pages, vgpu_max_file_pages, uint, 0644);
MODULE_PARM_DESC(max_file_pages, "buffer pages one open file may hold");

/*
 * Grant entries are the guest's, shared with netfront and blkfront (Xen
 * 4.17's default table holds 32768): users of /dev/vgpuN must not be able
 * to take them all.
 */
unsigned int vgpu_max_dev_pages = 16384;
module_param_named(max_dev_pages, vgpu_max_dev_pages, uint, 0644);
MODULE_PARM_DESC(max_dev_pages, "buffer pages all files of one device may hold");

unsigned int vgpu_call_timeout_ms = 60000;
module_param_named(call_timeout_ms, vgpu_call_timeout_ms, uint, 0644);
MODULE_PARM_DESC(call_timeout_ms,
		 "how long an ioctl waits for the backend's answer to the kernel's own request");

static void info_free(struct kref *ref)
{
	struct vgpu_info *info = container_of(ref, struct vgpu_info, ref);

	/* Buffers whose answer came last: their grants end, their pages go. */
	flush_work(&info->buf_work);
	ida_destroy(&info->handles);
	kvfree(info);
}

void vgpu_info_put(struct vgpu_info *info)
{
	kref_put(&info->ref, info_free);
}

/* N of device/vgpu/N. */
static int parse_devid(struct xenbus_device *dev, unsigned int *devid)
{
	const char *s = strrchr(dev->nodename, '/');

	return s ? kstrtouint(s + 1, 10, devid) : -EINVAL;
}

static int vgpu_probe(struct xenbus_device *dev, const struct xenbus_device_id *id)
{
	struct vgpu_info *info;
	unsigned int devid;
	int rc = parse_devid(dev, &devid);

	if (rc) {
		xenbus_dev_fatal(dev, rc, "device name %s", dev->nodename);
		return rc;
	}
	info = kvzalloc(sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	kref_init(&info->ref);
	info->xbdev = dev;
	info->devid = devid;
	spin_lock_init(&info->lock);
	mutex_init(&info->conn_mutex);
	init_waitqueue_head(&info->wq);
	INIT_LIST_HEAD(&info->backlog);
	INIT_LIST_HEAD(&info->files);
	ida_init(&info->handles);
	INIT_LIST_HEAD(&info->dead_bufs);
	INIT_WORK(&info->buf_work, vgpu_bufs_reap);
	vgpu_conn_init(info);
	snprintf(info->name, sizeof(info->name), "vgpu%u", devid);
	dev_set_drvdata(&dev->dev, info);
	return 0;
}

static bool backend_online(struct xenbus_device *dev)
{
	return xenbus_read_unsigned(dev->otherend, VGPU_XS_ONLINE, 0) == 1;
}

static void closed(struct vgpu_info *info, struct xenbus_device *dev)
{
	vgpu_disconnect(info, VGPU_ESHUTDOWN);
	if (dev->state != XenbusStateClosed)
		xenbus_frontend_closed(dev);
}

static void step(struct vgpu_info *info, struct xenbus_device *dev,
		 enum xenbus_state be)
{
	switch (be) {
	case XenbusStateInitWait:
		if (info->failed_once)
			break;
		if (dev->state == XenbusStateInitialising ||
		    dev->state == XenbusStateClosed)
			vgpu_connect_publish(info);
		break;
	case XenbusStateConnected:
		if (dev->state == XenbusStateInitialised)
			vgpu_connect_finish(info);
		else if (dev->state != XenbusStateConnected)
			closed(info, dev);	/* connected to a ring not ours */
		break;
	case XenbusStateClosing:
		closed(info, dev);
		break;
	case XenbusStateClosed:
		/*
		 * Our Closed first (the node may hold another user's state: we
		 * may have been loaded after a user-space frontend closed), then,
		 * unless the device is going, Initialising: the backend offers
		 * the device again with InitWait.
		 */
		if (dev->state != XenbusStateClosed)
			closed(info, dev);
		if (!info->failed_once && backend_online(dev))
			xenbus_switch_state(dev, XenbusStateInitialising);
		break;
	case XenbusStateUnknown:	/* the backend's directory is gone */
		vgpu_disconnect(info, VGPU_ESHUTDOWN);
		break;
	default:
		break;
	}
}

static void vgpu_otherend_changed(struct xenbus_device *dev,
				  enum xenbus_state backend_state)
{
	struct vgpu_info *info = dev_get_drvdata(&dev->dev);

	dev_dbg(&dev->dev, "backend %s, we %s\n", xenbus_strstate(backend_state),
		xenbus_strstate(dev->state));
	mutex_lock(&info->conn_mutex);
	if (!info->removed)
		step(info, dev, backend_state);
	mutex_unlock(&info->conn_mutex);
}

/*
 * After save/restore or migration: the ring, the channel and every grant
 * the backend mapped belonged to the old domain.  What was in flight fails
 * with VGPU_ESHUTDOWN, sessions are lost (their GPU state went with the
 * old backend connection), and the xenbus core brings the backend's
 * InitWait, which starts a new connection that re-registers the buffers.
 */
static int vgpu_resume(struct xenbus_device *dev)
{
	struct vgpu_info *info = dev_get_drvdata(&dev->dev);

	dev_info(&dev->dev, "resuming: reconnecting %s\n", info->name);
	mutex_lock(&info->conn_mutex);
	vgpu_disconnect(info, VGPU_ESHUTDOWN);
	info->failed_once = false;
	mutex_unlock(&info->conn_mutex);
	return 0;
}

static void vgpu_remove(struct xenbus_device *dev)
{
	struct vgpu_info *info = dev_get_drvdata(&dev->dev);

	mutex_lock(&info->conn_mutex);
	info->removed = true;
	vgpu_disconnect(info, VGPU_ESHUTDOWN);
	mutex_unlock(&info->conn_mutex);
	cancel_work_sync(&info->fail_work);
	vgpu_misc_deregister(info);
	mutex_lock(&info->conn_mutex);
	info->xbdev = NULL;
	mutex_unlock(&info->conn_mutex);
	dev_set_drvdata(&dev->dev, NULL);
	wake_up_interruptible_all(&info->wq);
	vgpu_info_put(info);
}

static const struct xenbus_device_id vgpu_ids[] = {
	{ "vgpu" },
	{ "" }
};

static struct xenbus_driver vgpu_driver = {
	.ids = vgpu_ids,
	.probe = vgpu_probe,
	.remove = vgpu_remove,
	.resume = vgpu_resume,
	.otherend_changed = vgpu_otherend_changed,
	.not_essential = true,
};

static int __init vgpu_init(void)
{
	if (!xen_domain())
		return -ENODEV;
	return xenbus_register_frontend(&vgpu_driver);
}
module_init(vgpu_init);

static void __exit vgpu_exit(void)
{
	xenbus_unregister_driver(&vgpu_driver);
}
module_exit(vgpu_exit);

MODULE_DESCRIPTION("Xen paravirtual GPU frontend (xen-vgpu)");
MODULE_LICENSE("Dual MIT/GPL");
MODULE_ALIAS("xen:vgpu");
