// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * conn.c: one connection to the backend (vgpu-xenstore(7)): the ring's
 * pages granted from the kernel, an event channel allocated for the
 * backend's domain and bound with the late-EOI API, both published in one
 * XenStore transaction; torn down in the reverse order.  Callers hold
 * info->conn_mutex.
 */
#include <linux/slab.h>
#include <linux/interrupt.h>
#include <xen/events.h>
#include <xen/page.h>

#include "vgpu_kmod.h"
#include "xsnodes.h"

/* A backend node as a string, cut to @len; "" when missing. */
static void read_node(struct xenbus_device *dev, const char *node,
		      char *buf, size_t len)
{
	char *v = xenbus_read(XBT_NIL, dev->otherend, node, NULL);

	if (IS_ERR(v)) {
		buf[0] = 0;
		return;
	}
	strscpy(buf, v, len);
	kfree(v);
}

static int share_ring(struct vgpu_info *info)
{
	struct xenbus_device *dev = info->xbdev;
	unsigned int max = xenbus_read_unsigned(dev->otherend,
						VGPU_XS_FEAT_RING_ORDER, 0);
	struct vgpuif_sring *sring;
	int rc;

	info->order = min3(vgpu_ring_order, max,
			   (unsigned int)VGPUIF_MAX_RING_PAGE_ORDER);
	rc = xenbus_setup_ring(dev, GFP_KERNEL, &info->ring_pages,
			       1u << info->order, info->ring_refs);
	if (rc)
		return rc;
	sring = info->ring_pages;
	SHARED_RING_INIT(sring);	/* event indices 1: the first answer notifies */
	FRONT_RING_INIT(&info->front, sring, XEN_PAGE_SIZE << info->order);
	rc = xenbus_alloc_evtchn(dev, &info->evtchn);
	if (rc)
		return rc;
	rc = bind_evtchn_to_irqhandler_lateeoi(info->evtchn, vgpu_interrupt, 0,
					       info->name, info);
	if (rc < 0) {
		xenbus_free_evtchn(dev, info->evtchn);
		info->evtchn = 0;
		return rc;
	}
	info->irq = rc;
	return 0;
}

/*
 * An earlier connection may have used the other form (ring-ref against
 * ring-page-order + ring-refN): its nodes must not outlive it, or the
 * backend maps the old ring.
 */
static int remove_stale(struct xenbus_transaction t, struct vgpu_info *info)
{
	const char *dir = info->xbdev->nodename;
	char name[24];
	unsigned int i;
	int rc;

	rc = xenbus_rm(t, dir, info->order ? VGPU_XS_RING_REF : VGPU_XS_RING_PAGE_ORDER);
	if (rc && rc != -ENOENT)
		return rc;
	for (i = info->order ? 1u << info->order : 0;
	     i < 1u << VGPUIF_MAX_RING_PAGE_ORDER; i++) {
		snprintf(name, sizeof(name), VGPU_XS_RING_REF_FMT, i);
		rc = xenbus_rm(t, dir, name);
		if (rc && rc != -ENOENT)
			return rc;
	}
	return 0;
}

static int write_nodes(struct xenbus_transaction t, struct vgpu_info *info)
{
	const char *dir = info->xbdev->nodename;
	char name[24];
	unsigned int i;
	int rc;

	rc = remove_stale(t, info);
	if (!rc && info->order == 0)
		rc = xenbus_printf(t, dir, VGPU_XS_RING_REF, "%u", info->ring_refs[0]);
	else if (!rc)
		rc = xenbus_printf(t, dir, VGPU_XS_RING_PAGE_ORDER, "%u", info->order);
	for (i = 0; !rc && info->order && i < 1u << info->order; i++) {
		snprintf(name, sizeof(name), VGPU_XS_RING_REF_FMT, i);
		rc = xenbus_printf(t, dir, name, "%u", info->ring_refs[i]);
	}
	if (!rc)
		rc = xenbus_printf(t, dir, VGPU_XS_EVENT_CHANNEL, "%u", info->evtchn);
	if (!rc)
		rc = xenbus_printf(t, dir, VGPU_XS_PROTOCOL, "%s", VGPUIF_PROTOCOL_NAME);
	return rc;
}

/* Everything conn.c made, in the reverse order; safe to call twice. */
static void teardown(struct vgpu_info *info)
{
	if (info->irq > 0) {
		/* Waits for a running handler; closes the channel. */
		unbind_from_irqhandler(info->irq, info);
		info->irq = 0;
		info->evtchn = 0;
	} else if (info->evtchn && info->xbdev) {
		xenbus_free_evtchn(info->xbdev, info->evtchn);
		info->evtchn = 0;
	}
	/* Ends each grant, deferred (page and all) while the backend maps it. */
	if (info->ring_pages)
		xenbus_teardown_ring(&info->ring_pages, 1u << info->order,
				     info->ring_refs);
}

/* The backend's InitWait: share, publish, Initialised. */
int vgpu_connect_publish(struct vgpu_info *info)
{
	struct xenbus_device *dev = info->xbdev;
	struct xenbus_transaction t;
	unsigned long flags;
	int rc;

	vgpu_disconnect(info, VGPU_ESHUTDOWN);	/* whatever a last connection left */
	rc = share_ring(info);
	if (rc)
		goto fail;
	spin_lock_irqsave(&info->lock, flags);
	vgpu_ring_reset(info);
	spin_unlock_irqrestore(&info->lock, flags);
again:
	rc = xenbus_transaction_start(&t);
	if (rc)
		goto fail;
	rc = write_nodes(t, info);
	if (rc) {
		xenbus_transaction_end(t, 1);
		goto fail;
	}
	rc = xenbus_transaction_end(t, 0);
	if (rc == -EAGAIN)
		goto again;
	if (rc)
		goto fail;
	return xenbus_switch_state(dev, XenbusStateInitialised);
fail:
	teardown(info);
	xenbus_dev_fatal(dev, rc, "publishing the ring of %s", info->name);
	return rc;
}

/* What the backend offers and the toolstack set, for VGPU_IOC_INFO. */
static void read_backend(struct vgpu_info *info)
{
	struct xenbus_device *dev = info->xbdev;

	info->protocol = xenbus_read_unsigned(dev->otherend,
					      VGPU_XS_FEAT_VERSION, 1);
	info->backend_id = dev->otherend_id;
	info->backend_max_pages = xenbus_read_unsigned(dev->otherend,
						       VGPU_XS_FEAT_MAX_BUF_PAGES, 0);
	read_node(dev, VGPU_XS_POOL, info->pool, sizeof(info->pool));
	read_node(dev, VGPU_XS_PRIORITY, info->priority, sizeof(info->priority));
	read_node(dev, VGPU_XS_FEAT_EXECUTOR, info->executor, sizeof(info->executor));
	strscpy(info->backend, dev->otherend, sizeof(info->backend));
}

/* The backend's Connected: requests may flow; Connected. */
int vgpu_connect_finish(struct vgpu_info *info)
{
	unsigned long flags;
	int rc;

	if (!info->ring_pages || info->irq <= 0)
		return -EPROTO;
	read_backend(info);
	spin_lock_irqsave(&info->lock, flags);
	info->conn = VGPU_CONN_UP;
	info->generation++;
	spin_unlock_irqrestore(&info->lock, flags);
	rc = vgpu_misc_register(info);
	if (rc) {
		xenbus_dev_fatal(info->xbdev, rc, "registering /dev/%s", info->name);
		return rc;
	}
	wake_up_interruptible_all(&info->wq);
	return xenbus_switch_state(info->xbdev, XenbusStateConnected);
}

/*
 * The connection ends (the backend closes, the device goes, a resume):
 * every request outstanding completes with @status, sessions are lost
 * (their GPU state lived in the backend), the ring and channel go.
 */
void vgpu_disconnect(struct vgpu_info *info, int status)
{
	unsigned long flags;

	spin_lock_irqsave(&info->lock, flags);
	if (info->conn == VGPU_CONN_UP)
		vgpu_fail_all(info, status);
	info->conn = VGPU_CONN_DOWN;
	spin_unlock_irqrestore(&info->lock, flags);
	vgpu_files_lose_sessions(info);
	teardown(info);
	wake_up_interruptible_all(&info->wq);
}

static void fail_work(struct work_struct *work)
{
	struct vgpu_info *info = container_of(work, struct vgpu_info, fail_work);

	mutex_lock(&info->conn_mutex);
	if (info->xbdev && info->conn == VGPU_CONN_FAILED)
		xenbus_dev_fatal(info->xbdev, -EPROTO,
				 "the backend broke the ring protocol");
	mutex_unlock(&info->conn_mutex);
}

void vgpu_conn_init(struct vgpu_info *info)
{
	INIT_WORK(&info->fail_work, fail_work);
}

/*
 * Under lock, from the interrupt: the backend broke the protocol.  Nothing
 * it writes is read again; what was outstanding fails with VGPU_EIO; the
 * xenbus side (Closing) follows from a work item, since XenStore sleeps.
 */
void vgpu_fail(struct vgpu_info *info, const char *why, u64 val)
{
	if (info->conn != VGPU_CONN_UP)
		return;
	info->conn = VGPU_CONN_FAILED;
	info->failed_once = true;
	pr_alert_ratelimited("xen-vgpufront: %s: %s (%#llx): device disabled\n",
			     info->name, why, (unsigned long long)val);
	vgpu_fail_all(info, VGPU_EIO);
	schedule_work(&info->fail_work);
}
