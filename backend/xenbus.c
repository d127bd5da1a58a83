/* SPDX-License-Identifier: MIT */
/*
 * xenbus.c: the backend half of the xenbus handshake, after netback's
 * xenbus.c.  vgpuback watches what each device needs and nothing else
 * (storms.h): the backend root, which only dom0 writes (new and removed
 * devices, online and state written by the toolstack), each device's
 * frontend state node, and @releaseDomain.  Each event steps the one device
 * it names, against its frontend's state (frontend_changed()):
 *
 *   new device            -> features, InitWait (or Closed if the toolstack
 *                            nodes are bad)
 *   InitWait + frontend Initialised -> map ring, bind port, Connected
 *   Connected + frontend Closing/Closed/gone, or its channel closed
 *                         -> drop its work, unmap, unbind, Closed
 *   online 0 (toolstack detach) -> Closing while the frontend is connected,
 *                            Closed (resources freed) once it is not
 *   Closed + frontend Initialising (and online) -> InitWait again
 *   backend directory removed       -> freed
 *
 * Every change of our state goes through set_backend_state(), the one
 * writer of the state node.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <xen/io/xenbus.h>

#include "device.h"
#include "interface.h"
#include "vgpu_names.h"
#include "vgpu_xs.h"
#include "vgpuback.h"
#include "xenbus.h"
#include "xsnodes.h"

#define BE_ROOT VGPU_BE_ROOT

/* A device the toolstack removed writes nothing and says nothing. */
static void write_failed(struct vgpu_dev *dev, const char *node, int rc)
{
	if (rc && rc != -ENODEV)
		vlog(LOG_WARNING, "cannot write %s/%s: %s", dev->be_path, node,
		     strerror(-rc));
}

static void feature_write(struct vgpu_dev *dev, const char *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Write @dev's @node only while its directory exists (vgpu_xs_write_present). */
static void feature_write(struct vgpu_dev *dev, const char *node, const char *fmt, ...)
{
	char val[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	write_failed(dev, node, vgpu_xs_write_present(dev->bk->xs, dev->be_path, node, val));
}

/* The one writer of our state, as netback's set_backend_state. */
static void set_backend_state(struct vgpu_dev *dev, int state)
{
	if (dev->state == state)
		return;
	vlog(LOG_DEBUG, "vgpu %u/%u: state %s -> %s", dev->domid, dev->devid,
	     vgpu_state_name(dev->state), vgpu_state_name(state));
	dev->state = state;
	write_failed(dev, VGPU_XS_STATE,
		     vgpu_xs_switch_state(dev->bk->xs, dev->be_path, state));
}

static void publish_features(struct vgpu_dev *dev)
{
	struct vgpuback *bk = dev->bk;

	feature_write(dev, VGPU_XS_FEAT_RING_ORDER, "%u", bk->cfg.max_ring_order);
	feature_write(dev, VGPU_XS_FEAT_VERSION, "%u", VGPUIF_PROTOCOL_VERSION);
	feature_write(dev, VGPU_XS_FEAT_MAX_INFLIGHT, "%u", bk->cfg.max_inflight);
	feature_write(dev, VGPU_XS_FEAT_MAX_BUF_PAGES, "%u", bk->cfg.max_buffer_pages);
	feature_write(dev, VGPU_XS_FEAT_EXECUTOR, "%s", bk->exec_name);
	feature_write(dev, VGPU_XS_FEAT_MEM_QUOTA, "%llu", (unsigned long long)
		      (bk->cfg.pool_mem_quota[dev->pool] != VGPU_QUOTA_UNSET ?
		       bk->cfg.pool_mem_quota[dev->pool] : bk->cfg.mem_quota));
}

/*
 * Watch the frontend's state node, the one the guest moves through the
 * handshake.  The path is the one dom0 recorded (the toolstack's frontend
 * node); the token names the device and is ours.
 */
static bool fe_watch(struct vgpu_dev *dev, bool on)
{
	char path[200], token[VGPU_TOKEN_MAX];
	bool ok;

	if (dev->fe_watched == on)
		return true;
	snprintf(path, sizeof(path), "%s/%s", dev->fe_path, VGPU_XS_STATE);
	snprintf(token, sizeof(token), VGPU_TOKEN_FE_FMT, dev->domid, dev->devid);
	ok = on ? xs_watch(dev->bk->xs, path, token) : xs_unwatch(dev->bk->xs, path, token);
	if (!ok && on)
		vlog(LOG_ERR, "vgpu %u/%u: cannot watch %s: %s", dev->domid, dev->devid,
		     path, strerror(errno));
	dev->fe_watched = on && ok;
	return ok;
}

/* Drop the connection and say Closed: what a detach or a close ends in. */
static void close_dev(struct vgpu_dev *dev, const char *why)
{
	interface_disconnect(dev, why);
	set_backend_state(dev, XenbusStateClosed);
}

/* A frontend that broke the ring protocol loses its connection. */
void xenbus_fail(struct vgpu_dev *dev, const char *why)
{
	close_dev(dev, why);
}

static void remove_dev(struct vgpu_dev *dev, const char *why)
{
	interface_disconnect(dev, why);
	fe_watch(dev, false);
	device_release(dev);
}

/*
 * The toolstack's frontend-id, pool and priority nodes: true if they name
 * this domain, a pool we serve and a priority (dev->pool, dev->prio set).
 */
static bool toolstack_nodes(struct vgpu_dev *dev)
{
	struct vgpuback *bk = dev->bk;
	char *fe_id = vgpu_xs_read(bk->xs, XBT_NULL, dev->be_path, VGPU_XS_FRONTEND_ID);
	char *pool = vgpu_xs_read(bk->xs, XBT_NULL, dev->be_path, VGPU_XS_POOL);
	char *prio = vgpu_xs_read(bk->xs, XBT_NULL, dev->be_path, VGPU_XS_PRIORITY);
	bool id_ok = fe_id && strtoul(fe_id, NULL, 10) == dev->domid;

	dev->pool = pool ? config_pool_index(&bk->cfg, pool) : -1;
	dev->prio = prio ? vgpu_prio_parse(prio) : -1;
	if (!id_ok || dev->pool < 0 || dev->prio < 0)
		vlog(LOG_ERR, "vgpu %u/%u: refused: %s%s%s%s", dev->domid, dev->devid,
		     !id_ok ? "frontend-id does not match; " : "",
		     dev->pool < 0 ? "unknown pool '" : "",
		     dev->pool < 0 ? (pool ? pool : "(none)") : "",
		     dev->prio < 0 ? "' or bad priority" : "");
	free(fe_id);
	free(pool);
	free(prio);
	return id_ok && dev->pool >= 0 && dev->prio >= 0;
}

/* A device the toolstack has finished writing (online 1, a frontend). */
static struct vgpu_dev *new_dev(struct vgpuback *bk, uint32_t domid, uint32_t devid)
{
	struct vgpu_dev *dev = NULL;
	char be_path[sizeof(dev->be_path)];
	char *fe, *online;

	snprintf(be_path, sizeof(be_path), "%s/%u/%u", BE_ROOT, domid, devid);
	online = vgpu_xs_read(bk->xs, XBT_NULL, be_path, VGPU_XS_ONLINE);
	fe = vgpu_xs_read(bk->xs, XBT_NULL, be_path, VGPU_XS_FRONTEND);
	/* Not written yet: the next event under its directory brings us back. */
	if (online && !strcmp(online, "1") && fe && fe[0])
		dev = device_new(bk, domid, devid, be_path, fe);
	free(online);
	free(fe);
	if (!dev)
		return NULL;
	if (!toolstack_nodes(dev) || !fe_watch(dev, true)) {
		dev->refused = true;
		set_backend_state(dev, XenbusStateClosed);
		return dev;
	}
	publish_features(dev);
	set_backend_state(dev, XenbusStateInitWait);
	vlog(LOG_INFO, "vgpu %u/%u: new device, pool %s, priority %s", domid, devid,
	     bk->cfg.exec.pools[dev->pool], vgpu_prio_name(dev->prio));
	return dev;
}

/* The frontend is gone, closing, closed, unknown or starting over. */
static void frontend_down(struct vgpu_dev *dev, int fe)
{
	switch (dev->state) {
	case XenbusStateConnected:
		close_dev(dev, fe == -1 ? "the frontend is gone" : "the frontend is closing");
		break;
	case XenbusStateClosing:
		close_dev(dev, "detached by the toolstack");
		break;
	default:
		break;
	}
}

/* The frontend is up (InitWait .. Connected, Reconfiguring, Reconfigured). */
static void frontend_up(struct vgpu_dev *dev)
{
	switch (dev->state) {
	case XenbusStateConnected:
		/* Our connection may have failed under it (its channel closed). */
		if (!dev->connected)
			close_dev(dev, "the frontend is closing");
		else if (!dev->online)
			set_backend_state(dev, XenbusStateClosing);
		break;
	case XenbusStateClosing:
		/* Told by the toolstack (or online 0): wait for the frontend. */
		if (!dev->connected)
			close_dev(dev, "detached by the toolstack");
		break;
	default:
		break;
	}
}

/*
 * Move towards what the frontend's state @fe (-1: gone) asks, as netback's
 * frontend_changed().  With online 0 (a toolstack detach, as libxl does
 * it) a connected device says Closing and waits for its frontend; any
 * other goes Closed at once, its resources freed, and stays so until it is
 * removed.
 */
static void frontend_changed(struct vgpu_dev *dev, int fe)
{
	/* A toolstack detach before the frontend connected: nothing to wait for. */
	if (dev->state == XenbusStateInitWait && !dev->online) {
		close_dev(dev, "detached by the toolstack");
		return;
	}
	switch (fe) {
	case XenbusStateInitialising:
		if (dev->state == XenbusStateClosed && dev->online) {
			publish_features(dev);
			set_backend_state(dev, XenbusStateInitWait);
			break;
		}
		frontend_down(dev, fe);
		break;
	case XenbusStateInitialised:
		if (dev->state == XenbusStateInitWait) {
			set_backend_state(dev, interface_connect(dev) == 0 ?
					  XenbusStateConnected : XenbusStateClosed);
			break;
		}
		frontend_up(dev);
		break;
	case XenbusStateInitWait:
	case XenbusStateConnected:
	case XenbusStateReconfiguring:
	case XenbusStateReconfigured:
		frontend_up(dev);
		break;
	default:	/* gone, Unknown (or garbage), Closing, Closed */
		frontend_down(dev, fe);
		break;
	}
}

static void step(struct vgpu_dev *dev)
{
	char *v;
	int fe;

	if (dev->refused || dev->dead)
		return;
	v = vgpu_xs_read(dev->bk->xs, XBT_NULL, dev->fe_path, VGPU_XS_STATE);
	fe = vgpu_parse_frontend_state(v);	/* -1: the frontend is gone */
	free(v);
	frontend_changed(dev, fe);
}

/* Forget a device whose backend directory is gone; true if it went. */
static bool gone(struct vgpu_dev *dev)
{
	char *fe = vgpu_xs_read(dev->bk->xs, XBT_NULL, dev->be_path, VGPU_XS_FRONTEND);

	if (fe) {
		free(fe);
		return false;
	}
	vlog(LOG_INFO, "vgpu %u/%u: removed by the toolstack", dev->domid, dev->devid);
	remove_dev(dev, "device removed");
	return true;
}

/* The toolstack's state node: act only on a new Closing (our writes come back too). */
static void toolstack_state(struct vgpu_dev *dev)
{
	char *v = vgpu_xs_read(dev->bk->xs, XBT_NULL, dev->be_path, VGPU_XS_STATE);

	if (vgpu_state_parse(v) == XenbusStateClosing &&
	    dev->state != XenbusStateClosing && dev->state != XenbusStateClosed) {
		vlog(LOG_INFO, "vgpu %u/%u: the toolstack says Closing", dev->domid,
		     dev->devid);
		dev->state = XenbusStateClosing;	/* written already: not ours to write */
	}
	free(v);
}

/* The toolstack wrote a node of a device we serve. */
static void backend_node(struct vgpu_dev *dev, enum vgpu_xs_node node)
{
	char *v;

	switch (node) {
	case VGPU_NODE_DIR:
		if (gone(dev))
			return;
		break;
	case VGPU_NODE_ONLINE:
		v = vgpu_xs_read(dev->bk->xs, XBT_NULL, dev->be_path, VGPU_XS_ONLINE);
		dev->online = v && !strcmp(v, "1");
		free(v);
		if (!v && gone(dev))
			return;
		break;
	case VGPU_NODE_STATE:
		toolstack_state(dev);
		break;
	default:
		return;	/* features and the toolstack's nodes: read once */
	}
	step(dev);
}

/* A canonical decimal ("0" or no leading zero) of at most @max. */
static bool canonical(const char *s, unsigned long max, uint32_t *out)
{
	unsigned long v;

	if ((s[0] == '0' && s[1]) || vgpu_parse_ulong(s, max, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool listed(char **ids, unsigned n, uint32_t v)
{
	char id[16];
	unsigned i;

	snprintf(id, sizeof(id), "%u", v);
	for (i = 0; ids && i < n; i++)
		if (!strcmp(ids[i], id))
			return true;
	return false;
}

/* List one domain's backend directory: new devices come, missing ones go. */
static void scan_domain(struct vgpuback *bk, uint32_t domid)
{
	struct vgpu_dev *d, *next;
	unsigned int n = 0, i;
	char path[128], **ids;

	snprintf(path, sizeof(path), "%s/%u", BE_ROOT, domid);
	ids = xs_directory(bk->xs, XBT_NULL, path, &n);
	for (d = bk->devs; d; d = next) {
		next = d->next;
		if (d->dead || d->domid != domid || listed(ids, n, d->devid))
			continue;
		vlog(LOG_INFO, "vgpu %u/%u: removed by the toolstack", d->domid, d->devid);
		remove_dev(d, "device removed");
		next = bk->devs;	/* the list changed under us */
	}
	for (i = 0; ids && i < n; i++) {
		uint32_t devid;

		if (canonical(ids[i], 0xffffffffu, &devid) && !device_find(bk, domid, devid))
			new_dev(bk, domid, devid);
	}
	free(ids);
}

/* The whole backend root: at start, and if the root itself changed. */
static void scan_root(struct vgpuback *bk)
{
	struct vgpu_dev *d, *next;
	unsigned int n = 0, i;
	char **doms = xs_directory(bk->xs, XBT_NULL, BE_ROOT, &n);

	for (i = 0; doms && i < n; i++) {
		uint32_t domid;

		if (canonical(doms[i], 0x7fefu, &domid))
			scan_domain(bk, domid);
	}
	/* Domains no longer listed lose their devices. */
	for (d = bk->devs; d; d = next) {
		next = d->next;
		if (d->dead || listed(doms, n, d->domid))
			continue;
		vlog(LOG_INFO, "vgpu %u/%u: removed by the toolstack", d->domid, d->devid);
		remove_dev(d, "device removed");
		next = bk->devs;
	}
	free(doms);
}

static void step_all(struct vgpuback *bk)
{
	struct vgpu_dev *d, *next;

	for (d = bk->devs; d; d = next) {
		next = d->next;
		step(d);
	}
}

void xenbus_scan(struct vgpuback *bk)
{
	scan_root(bk);
	step_all(bk);
}

/*
 * One watch event.  The path is parsed against what dom0 wrote or
 * recorded; an event that names nothing vgpuback serves costs a parse.
 */
void xenbus_event(struct vgpuback *bk, const char *path, const char *token)
{
	struct vgpu_xs_event ev;
	struct vgpu_dev *dev;

	vgpu_xs_event_parse(path, token, &ev);
	switch (ev.kind) {
	case VGPU_XSE_ROOT:
		xenbus_scan(bk);
		break;
	case VGPU_XSE_DOMAIN:
		scan_domain(bk, ev.domid);
		break;
	case VGPU_XSE_DEVICE:
		dev = device_find(bk, ev.domid, ev.devid);
		if (dev)
			backend_node(dev, ev.node);
		else if ((dev = new_dev(bk, ev.domid, ev.devid)))
			step(dev);
		break;
	case VGPU_XSE_FRONTEND:
		dev = device_find(bk, ev.domid, ev.devid);
		if (dev && dev->fe_watched && vgpu_fe_event_matches(path, dev->fe_path))
			step(dev);
		break;
	case VGPU_XSE_RELEASE:
		/* A domain died: its frontends' nodes went with it. */
		step_all(bk);
		break;
	default:
		break;
	}
}

void xenbus_shutdown(struct vgpuback *bk)
{
	struct vgpu_dev *d, *next;

	for (d = bk->devs; d; d = next) {
		next = d->next;
		if (!d->dead) {
			if (d->connected)
				set_backend_state(d, XenbusStateClosing);
			close_dev(d, "vgpuback is shutting down");
		}
		/* Freed now, or when the executor hands back its last job. */
		remove_dev(d, "vgpuback is shutting down");
	}
}
