/* SPDX-License-Identifier: MIT */
/*
 * device.c: a device's lifetime.  A device lives on bk->devs from the
 * toolstack's first complete write until its backend directory goes; jobs
 * and mapper work hold references (jobs_out) so a dead device is freed only
 * when the last of them comes back.  The busy list is the loop's list of
 * devices whose ring may hold more work (blkback's waiting_reqs).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/io/xenbus.h>

#include "device.h"
#include "vgpuback.h"

struct vgpu_dev *device_new(struct vgpuback *bk, uint32_t domid, uint32_t devid,
			    const char *be_path, const char *fe_path)
{
	struct vgpu_dev *dev = calloc(1, sizeof(*dev));

	if (!dev)
		return NULL;
	dev->bk = bk;
	dev->domid = domid;
	dev->devid = devid;
	dev->state = XenbusStateUnknown;
	dev->port = -1;
	dev->watch_fd = -1;
	dev->throttle_fd = -1;
	dev->online = true;
	snprintf(dev->be_path, sizeof(dev->be_path), "%s", be_path);
	snprintf(dev->fe_path, sizeof(dev->fe_path), "%s", fe_path);
	dev->next = bk->devs;
	bk->devs = dev;
	return dev;
}

struct vgpu_dev *device_find(struct vgpuback *bk, uint32_t domid, uint32_t devid)
{
	struct vgpu_dev *d;

	for (d = bk->devs; d; d = d->next)
		if (!d->dead && d->domid == domid && d->devid == devid)
			return d;
	return NULL;
}

static void device_free(struct vgpu_dev *dev)
{
	struct vgpuback *bk = dev->bk;
	struct vgpu_dev **pd;

	for (pd = &bk->devs; *pd; pd = &(*pd)->next)
		if (*pd == dev) {
			*pd = dev->next;
			break;
		}
	/* It may still wait for its turn on the round-robin list. */
	for (pd = &bk->busy_head; dev->busy && *pd; pd = &(*pd)->busy_next)
		if (*pd == dev) {
			*pd = dev->busy_next;
			if (bk->busy_tail == &dev->busy_next)
				bk->busy_tail = pd;
			break;
		}
	free(dev->bufs);
	free(dev);
}

void device_release(struct vgpu_dev *dev)
{
	dev->dead = true;
	if (!dev->jobs_out)
		device_free(dev);
}

void device_put(struct vgpu_dev *dev)
{
	if (--dev->jobs_out == 0 && dev->dead && !dev->connected)
		device_free(dev);
}

void device_mark_busy(struct vgpu_dev *dev)
{
	struct vgpuback *bk = dev->bk;

	if (dev->busy)
		return;
	dev->busy = true;
	dev->busy_next = NULL;
	*bk->busy_tail = dev;
	bk->busy_tail = &dev->busy_next;
}

struct vgpu_dev *device_busy_take(struct vgpuback *bk)
{
	struct vgpu_dev *d = bk->busy_head;

	bk->busy_head = NULL;
	bk->busy_tail = &bk->busy_head;
	return d;
}

void device_retire_worker(struct vgpuback *bk, uint32_t key)
{
	struct vgpu_dev *d;

	if (!bk->ex->ops->retire)
		return;
	for (d = bk->devs; d; d = d->next)
		if (d->connected && vgpu_worker_key(&bk->cfg.exec, d->domid, d->pool) == key)
			return;
	bk->ex->ops->retire(bk->ex, key);
}
