/* SPDX-License-Identifier: MIT */
/*
 * nodes.c: write and remove a vgpu device's XenStore nodes.  Permissions as
 * libxl sets them for vif/vbd: the backend directory belongs to the backend
 * domain and the guest may read it; the frontend directory belongs to the
 * guest and the backend may read it.  So a guest can never write its own
 * pool or priority.
 *
 * The guest can write anything into its frontend directory (and, where it
 * owns device/, create any entry there).  So no decision here reads it:
 * what exists, what to remove and the next devid come from the dom0-only
 * record under VGPU_TOOL_ROOT and dom0's backend tree (nodes.h); the
 * frontend's state is read only to wait for it, and parsed strictly.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <xen/io/xenbus.h>

#include "nodes.h"
#include "vgpu_xs.h"
#include "xsnodes.h"

#define BE_ROOT "/local/domain/0/" VGPU_XS_BACKEND_ROOT

/* Only dom0 may read or write the record: the guest gets nothing. */
static struct xs_permissions rec_perms[1] = {
	{ .id = 0, .perms = XS_PERM_NONE },
};

static void be_path(char *buf, size_t len, uint32_t domid, int devid)
{
	snprintf(buf, len, "%s/%u/%d", BE_ROOT, domid, devid);
}

static void fe_path(char *buf, size_t len, uint32_t domid, int devid)
{
	snprintf(buf, len, "/local/domain/%u/%s/%d", domid, VGPU_XS_FRONTEND_ROOT, devid);
}

static void rec_path(char *buf, size_t len, uint32_t domid, int devid)
{
	snprintf(buf, len, "%s/%u/device/%d", VGPU_TOOL_ROOT, domid, devid);
}

static bool exists(struct xs_handle *xs, xs_transaction_t t, const char *path)
{
	unsigned int len;
	char *v = xs_read(xs, t, path, &len);

	free(v);
	return v != NULL;
}

/* Write @val at @dir/@node: 0 or -errno. */
static int put(struct xs_handle *xs, xs_transaction_t t, const char *dir,
	       const char *node, const char *val)
{
	return vgpu_xs_printf(xs, t, dir, node, "%s", val);
}

/* Make @dir with @n @perms: 0 or -errno. */
static int mkdir_perms(struct xs_handle *xs, xs_transaction_t t, const char *dir,
		       struct xs_permissions *perms, unsigned int n)
{
	if (!xs_mkdir(xs, t, dir) || !xs_set_permissions(xs, t, dir, perms, n))
		return errno ? -errno : -EIO;
	return 0;
}

/* Remove @path if it is an empty directory (libxl's path cleanup). */
static void rm_if_empty(struct xs_handle *xs, xs_transaction_t t, const char *path)
{
	unsigned int n = 1;
	char **ents = xs_directory(xs, t, path, &n);

	if (ents && !n)
		xs_rm(xs, t, path);
	free(ents);
}

/*
 * /tool/vgpu and /tool/vgpu/<domid>, dom0's only (whoever made them).  Each
 * directory is made before anything under it: a transaction then sees every
 * node it touches first as it was (simxen's conflict check compares that).
 */
static int tool_dir(struct xs_handle *xs, xs_transaction_t t, uint32_t domid)
{
	char path[64];

	snprintf(path, sizeof(path), "%s/%u", VGPU_TOOL_ROOT, domid);
	return mkdir_perms(xs, t, VGPU_TOOL_ROOT, rec_perms, 1) ?:
	       mkdir_perms(xs, t, path, rec_perms, 1);
}

long vgpu_domain_lookup(struct xs_handle *xs, const char *who)
{
	unsigned int n, i, len;
	unsigned long id;
	char **doms, path[64];
	long found = -1;

	if (!*who)
		return -1;
	if (!vgpu_parse_ulong(who, VGPU_MAX_DOMID, &id))
		return vgpu_domain_exists(xs, (uint32_t)id) ? (long)id : -1;
	doms = xs_directory(xs, XBT_NULL, "/local/domain", &n);
	for (i = 0; doms && i < n && found < 0; i++) {
		char *name;

		if (vgpu_parse_ulong(doms[i], VGPU_MAX_DOMID, &id))
			continue;
		snprintf(path, sizeof(path), "/local/domain/%lu/name", id);
		name = xs_read(xs, XBT_NULL, path, &len);
		if (name && strlen(name) == len && !strcmp(name, who))
			found = (long)id;
		free(name);
	}
	free(doms);
	return found;
}

bool vgpu_domain_exists(struct xs_handle *xs, uint32_t domid)
{
	char path[32];

	snprintf(path, sizeof(path), "/local/domain/%u", domid);
	return exists(xs, XBT_NULL, path);
}

/* Mark the devids listed under @dir in @used. */
static void mark_used(struct xs_handle *xs, const char *dir, bool *used)
{
	unsigned int n, i;
	unsigned long d;
	char **ids = xs_directory(xs, XBT_NULL, dir, &n);

	for (i = 0; ids && i < n; i++)
		if (!vgpu_parse_ulong(ids[i], VGPU_MAX_DEVID, &d))
			used[d] = true;
	free(ids);
}

int vgpu_next_devid(struct xs_handle *xs, uint32_t domid)
{
	bool used[VGPU_MAX_DEVID + 1] = { false };
	char path[128];
	int d, last = -1;

	snprintf(path, sizeof(path), "%s/%u", BE_ROOT, domid);
	mark_used(xs, path, used);
	snprintf(path, sizeof(path), "%s/%u/device", VGPU_TOOL_ROOT, domid);
	mark_used(xs, path, used);
	for (d = 0; d <= VGPU_MAX_DEVID; d++)
		if (used[d])
			last = d;
	if (last < VGPU_MAX_DEVID)
		return last + 1;
	for (d = 0; d <= VGPU_MAX_DEVID; d++)	/* past the top: the first hole */
		if (!used[d])
			return d;
	return -ENOSPC;
}

struct write_args {
	uint32_t domid;
	int devid;
	const struct vgpu_spec *spec;
};

/* dom0's record of the device: where its two directories are. */
static int write_record(struct xs_handle *xs, xs_transaction_t t, const struct write_args *a,
			const char *rec, const char *be, const char *fe)
{
	return tool_dir(xs, t, a->domid) ?:
	       mkdir_perms(xs, t, rec, rec_perms, 1) ?:
	       put(xs, t, rec, VGPU_XS_FRONTEND, fe) ?:
	       put(xs, t, rec, VGPU_XS_BACKEND, be);
}

/* The guest's directory: the guest owns it, the backend may read it. */
static int write_frontend(struct xs_handle *xs, xs_transaction_t t,
			  const struct write_args *a, const char *fe, const char *be)
{
	struct xs_permissions perms[2] = {
		{ .id = a->domid, .perms = XS_PERM_NONE },
		{ .id = a->spec->backend, .perms = XS_PERM_READ },
	};
	char bnum[16];

	snprintf(bnum, sizeof(bnum), "%u", a->spec->backend);
	return mkdir_perms(xs, t, fe, perms, 2) ?:
	       put(xs, t, fe, VGPU_XS_BACKEND, be) ?:
	       put(xs, t, fe, VGPU_XS_BACKEND_ID, bnum) ?:
	       put(xs, t, fe, VGPU_XS_STATE, "1");
}

/* The backend's directory: the backend owns it, the guest may read it. */
static int write_backend(struct xs_handle *xs, xs_transaction_t t,
			 const struct write_args *a, const char *be, const char *fe)
{
	const struct vgpu_spec *spec = a->spec;
	struct xs_permissions perms[2] = {
		{ .id = spec->backend, .perms = XS_PERM_NONE },
		{ .id = a->domid, .perms = XS_PERM_READ },
	};
	char num[16];

	snprintf(num, sizeof(num), "%u", a->domid);
	return mkdir_perms(xs, t, be, perms, 2) ?:
	       put(xs, t, be, VGPU_XS_FRONTEND, fe) ?:
	       put(xs, t, be, VGPU_XS_FRONTEND_ID, num) ?:
	       put(xs, t, be, VGPU_XS_POOL, spec->pool) ?:
	       put(xs, t, be, VGPU_XS_PRIORITY, vgpu_prio_name(spec->prio)) ?:
	       put(xs, t, be, VGPU_XS_STATE, "1") ?:
	       put(xs, t, be, VGPU_XS_ONLINE, "1");
}

static int write_tx(struct xs_handle *xs, xs_transaction_t t, void *arg)
{
	const struct write_args *a = arg;
	char be[128], fe[128], rec[128];

	be_path(be, sizeof(be), a->domid, a->devid);
	fe_path(fe, sizeof(fe), a->domid, a->devid);
	rec_path(rec, sizeof(rec), a->domid, a->devid);
	if (exists(xs, t, rec) || exists(xs, t, be))
		return -EEXIST;
	/*
	 * The devid is free by dom0's word.  Whatever the guest left in its
	 * own frontend directory (a stale state, made-up nodes) is not asked:
	 * the nodes dom0 writes there are written over, the rest is the
	 * guest's business (the handshake rewrites what matters).
	 */
	return write_record(xs, t, a, rec, be, fe) ?:
	       write_frontend(xs, t, a, fe, be) ?:
	       write_backend(xs, t, a, be, fe);
}

int vgpu_nodes_write(struct xs_handle *xs, uint32_t domid, int devid,
		     const struct vgpu_spec *spec)
{
	struct write_args a = { domid, devid, spec };

	if (devid < 0 || devid > VGPU_MAX_DEVID || spec->backend != 0)
		return -EINVAL;
	return vgpu_xs_transact(xs, write_tx, &a);
}

/*
 * The backend and frontend directories of a device, from the record where
 * there is one, else (a device written before records existed) the
 * well-known paths, if dom0's backend directory is there.  A record naming
 * anything but this device's directories is refused: it can only be damage.
 */
static int find_dirs(struct xs_handle *xs, xs_transaction_t t, uint32_t domid,
		     int devid, char *be, char *fe, size_t len, bool *has_rec)
{
	char rec[128], *rbe, *rfe;
	int rc = 0;

	be_path(be, len, domid, devid);
	fe_path(fe, len, domid, devid);
	rec_path(rec, sizeof(rec), domid, devid);
	*has_rec = exists(xs, t, rec);
	if (!*has_rec)
		return exists(xs, t, be) ? 0 : -ENOENT;
	rbe = vgpu_xs_read(xs, t, rec, VGPU_XS_BACKEND);
	rfe = vgpu_xs_read(xs, t, rec, VGPU_XS_FRONTEND);
	if ((rbe && strcmp(rbe, be)) || (rfe && strcmp(rfe, fe)))
		rc = -EPROTO;
	free(rbe);
	free(rfe);
	return rc;
}

struct dev_args {
	uint32_t domid;
	int devid;
	bool *closing;
};

static int close_tx(struct xs_handle *xs, xs_transaction_t t, void *arg)
{
	const struct dev_args *a = arg;
	char be[128], fe[128];
	bool has_rec;
	int rc = find_dirs(xs, t, a->domid, a->devid, be, fe, sizeof(be), &has_rec);

	if (rc)
		return rc;
	if (!exists(xs, t, be))
		return -ENOENT;	/* nothing to close: the removal cleans up */
	/*
	 * As libxl: only a Connected backend is asked to close.  Any other is
	 * removed at once, and is not written to first (vgpuback would answer
	 * a write with its own, maybe after the removal).
	 */
	if (vgpu_xs_read_state(xs, t, be) != XenbusStateConnected) {
		*a->closing = false;
		return 0;
	}
	rc = put(xs, t, be, VGPU_XS_ONLINE, "0") ?: put(xs, t, be, VGPU_XS_STATE, "5");
	if (rc)
		return rc;
	*a->closing = true;
	return 0;
}

int vgpu_nodes_close(struct xs_handle *xs, uint32_t domid, int devid, bool *closing)
{
	struct dev_args a = { domid, devid, closing };

	return vgpu_xs_transact(xs, close_tx, &a);
}

/*
 * A xenbus state node under @dir: 0-6, -1 if missing (or unreadable), -2
 * if not a state or past Closed: the callers wait on 0-6 only.
 */
static int read_state(struct xs_handle *xs, const char *dir)
{
	char *v = vgpu_xs_read(xs, XBT_NULL, dir, VGPU_XS_STATE);
	int st;

	if (!v)
		return -1;
	st = vgpu_state_parse(v);
	free(v);
	return st < 0 || st > XenbusStateClosed ? -2 : st;
}

int vgpu_backend_state(struct xs_handle *xs, uint32_t domid, int devid)
{
	char be[128];

	be_path(be, sizeof(be), domid, devid);
	return read_state(xs, be);
}

int vgpu_frontend_state(struct xs_handle *xs, uint32_t domid, int devid)
{
	char fe[128];

	fe_path(fe, sizeof(fe), domid, devid);
	return read_state(xs, fe);
}

static int remove_tx(struct xs_handle *xs, xs_transaction_t t, void *arg)
{
	const struct dev_args *a = arg;
	char be[128], fe[128], rec[128], dir[64];
	bool has_rec;
	int rc = find_dirs(xs, t, a->domid, a->devid, be, fe, sizeof(be), &has_rec);

	if (rc)
		return rc;
	rec_path(rec, sizeof(rec), a->domid, a->devid);
	/* The parents, read before they change: see tool_dir. */
	snprintf(dir, sizeof(dir), "%s/%u", BE_ROOT, a->domid);
	exists(xs, t, dir);
	snprintf(dir, sizeof(dir), "%s/%u/device", VGPU_TOOL_ROOT, a->domid);
	exists(xs, t, dir);
	snprintf(dir, sizeof(dir), "%s/%u", VGPU_TOOL_ROOT, a->domid);
	exists(xs, t, dir);
	if ((!xs_rm(xs, t, be) && errno != ENOENT) || (!xs_rm(xs, t, fe) && errno != ENOENT) ||
	    (has_rec && !xs_rm(xs, t, rec)))
		return errno ? -errno : -EIO;
	snprintf(dir, sizeof(dir), "%s/%u", BE_ROOT, a->domid);
	rm_if_empty(xs, t, dir);
	snprintf(dir, sizeof(dir), "%s/%u/device", VGPU_TOOL_ROOT, a->domid);
	rm_if_empty(xs, t, dir);
	snprintf(dir, sizeof(dir), "%s/%u", VGPU_TOOL_ROOT, a->domid);
	rm_if_empty(xs, t, dir);
	return 0;
}

int vgpu_nodes_remove(struct xs_handle *xs, uint32_t domid, int devid)
{
	struct dev_args a = { domid, devid, NULL };

	if (devid < 0 || devid > VGPU_MAX_DEVID)
		return -ENOENT;
	return vgpu_xs_transact(xs, remove_tx, &a);
}

struct refusal_args {
	uint32_t domid;
	const char *reason;
};

static int refusal_tx(struct xs_handle *xs, xs_transaction_t t, void *arg)
{
	const struct refusal_args *a = arg;
	char dir[64], path[96];
	unsigned int n = 0;
	char **ents;

	snprintf(dir, sizeof(dir), "%s/%u/refused", VGPU_TOOL_ROOT, a->domid);
	ents = xs_directory(xs, t, dir, &n);
	free(ents);
	if (!ents)
		n = 0;
	snprintf(path, sizeof(path), "%s/%u", dir, n);
	return tool_dir(xs, t, a->domid) ?: put(xs, t, path, "reason", a->reason);
}

int vgpu_refusal_add(struct xs_handle *xs, uint32_t domid, const char *reason)
{
	struct refusal_args a = { domid, reason };

	return vgpu_xs_transact(xs, refusal_tx, &a);
}

static int clear_tx(struct xs_handle *xs, xs_transaction_t t, void *arg)
{
	const struct dev_args *a = arg;
	char dir[80], top[64];

	snprintf(top, sizeof(top), "%s/%u", VGPU_TOOL_ROOT, a->domid);
	exists(xs, t, top);	/* read before it changes: see tool_dir */
	snprintf(dir, sizeof(dir), "%s/refused", top);
	xs_rm(xs, t, dir);
	rm_if_empty(xs, t, top);
	return 0;
}

void vgpu_refusals_clear(struct xs_handle *xs, uint32_t domid)
{
	struct dev_args a = { domid, 0, NULL };
	char dir[64];

	snprintf(dir, sizeof(dir), "%s/%u/refused", VGPU_TOOL_ROOT, domid);
	if (exists(xs, XBT_NULL, dir))
		vgpu_xs_transact(xs, clear_tx, &a);
}

/* Forget the devices of domains that are gone, found under @root. */
static int sweep_root(struct xs_handle *xs, const char *root,
		      void (*log)(int level, const char *fmt, ...))
{
	unsigned int n, i;
	unsigned long d;
	char **doms = xs_directory(xs, XBT_NULL, root, &n);
	char path[96];
	int cleaned = 0;

	for (i = 0; doms && i < n; i++) {
		if (vgpu_parse_ulong(doms[i], VGPU_MAX_DOMID, &d) ||
		    vgpu_domain_exists(xs, (uint32_t)d))
			continue;
		snprintf(path, sizeof(path), "%s/%lu", BE_ROOT, d);
		xs_rm(xs, XBT_NULL, path);
		snprintf(path, sizeof(path), "%s/%lu", VGPU_TOOL_ROOT, d);
		xs_rm(xs, XBT_NULL, path);
		if (log)
			log(LOG_INFO, "domain %lu is gone: its vgpu nodes removed", d);
		cleaned++;
	}
	free(doms);
	return cleaned;
}

int vgpu_nodes_sweep(struct xs_handle *xs,
		     void (*log)(int level, const char *fmt, ...))
{
	return sweep_root(xs, BE_ROOT, log) + sweep_root(xs, VGPU_TOOL_ROOT, log);
}
