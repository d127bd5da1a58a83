/* SPDX-License-Identifier: MIT */
/*
 * nodes.c: write and remove a vgpu device's XenStore nodes.  Permissions as
 * libxl sets them for vif/vbd: the backend directory belongs to the backend
 * domain and the guest may read it; the frontend directory belongs to the
 * guest and the backend may read it.  So a guest can never write its own
 * pool or priority.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nodes.h"
#include "xsnodes.h"

long vgpu_domain_lookup(struct xs_handle *xs, const char *who)
{
	unsigned int n, i, len;
	char **doms, *end, path[64];
	long id = strtol(who, &end, 10), found = -1;

	doms = xs_directory(xs, XBT_NULL, "/local/domain", &n);
	for (i = 0; doms && i < n; i++) {
		long d = strtol(doms[i], NULL, 10);
		char *name;

		if (!*end && *who && d == id) {
			found = d;
			break;
		}
		snprintf(path, sizeof(path), "/local/domain/%s/name", doms[i]);
		name = xs_read(xs, XBT_NULL, path, &len);
		if (name && !strcmp(name, who))
			found = d;
		free(name);
		if (found >= 0)
			break;
	}
	free(doms);
	return found;
}

int vgpu_next_devid(struct xs_handle *xs, uint32_t domid)
{
	char path[128];
	unsigned int n, i;
	char **ids;
	int next = 0;

	snprintf(path, sizeof(path), "/local/domain/%u/device/%s", domid,
		 VGPU_XS_DEVCLASS);
	ids = xs_directory(xs, XBT_NULL, path, &n);
	for (i = 0; ids && i < n; i++) {
		int d = atoi(ids[i]);

		if (d >= next)
			next = d + 1;
	}
	free(ids);
	return next;
}

static bool put(struct xs_handle *xs, xs_transaction_t t, const char *dir,
		const char *node, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, node);
	return xs_write(xs, t, path, val, strlen(val));
}

int vgpu_nodes_write(struct xs_handle *xs, uint32_t domid, int devid,
		     const struct vgpu_spec *spec)
{
	static const char *const prio[] = { "high", "medium", "low" };
	char be[128], fe[128], num[16], bnum[16];
	struct xs_permissions be_perms[2] = {
		{ .id = spec->backend, .perms = XS_PERM_NONE },
		{ .id = domid, .perms = XS_PERM_READ },
	};
	struct xs_permissions fe_perms[2] = {
		{ .id = domid, .perms = XS_PERM_NONE },
		{ .id = spec->backend, .perms = XS_PERM_READ },
	};
	unsigned int len;
	int tries;

	snprintf(be, sizeof(be), "/local/domain/%u/backend/%s/%u/%d",
		 spec->backend, VGPU_XS_DEVCLASS, domid, devid);
	snprintf(fe, sizeof(fe), "/local/domain/%u/device/%s/%d", domid,
		 VGPU_XS_DEVCLASS, devid);
	snprintf(num, sizeof(num), "%u", domid);
	snprintf(bnum, sizeof(bnum), "%u", spec->backend);
	for (tries = 0; tries < 16; tries++) {
		xs_transaction_t t = xs_transaction_start(xs);
		char *old;
		bool ok;

		if (t == XBT_NULL)
			return -errno;
		old = xs_read(xs, t, fe, &len);
		if (old) {
			free(old);
			xs_transaction_end(xs, t, true);
			return -EEXIST;
		}
		ok = xs_mkdir(xs, t, fe) && xs_set_permissions(xs, t, fe, fe_perms, 2) &&
		     put(xs, t, fe, VGPU_XS_BACKEND, be) &&
		     put(xs, t, fe, VGPU_XS_BACKEND_ID, bnum) &&
		     put(xs, t, fe, VGPU_XS_STATE, "1") &&
		     xs_mkdir(xs, t, be) && xs_set_permissions(xs, t, be, be_perms, 2) &&
		     put(xs, t, be, VGPU_XS_FRONTEND, fe) &&
		     put(xs, t, be, VGPU_XS_FRONTEND_ID, num) &&
		     put(xs, t, be, VGPU_XS_POOL, spec->pool) &&
		     put(xs, t, be, VGPU_XS_PRIORITY, prio[spec->prio]) &&
		     put(xs, t, be, VGPU_XS_STATE, "1") &&
		     put(xs, t, be, VGPU_XS_ONLINE, "1");
		if (!ok) {
			int e = errno;

			xs_transaction_end(xs, t, true);
			return -e;
		}
		if (xs_transaction_end(xs, t, false))
			return 0;
		if (errno != EAGAIN)
			return -errno;
	}
	return -EAGAIN;
}

int vgpu_nodes_remove(struct xs_handle *xs, uint32_t domid, int devid)
{
	char fe[128], be_path[128], *be;
	unsigned int len;
	bool ok;

	snprintf(fe, sizeof(fe), "/local/domain/%u/device/%s/%d/%s", domid,
		 VGPU_XS_DEVCLASS, devid, VGPU_XS_BACKEND);
	be = xs_read(xs, XBT_NULL, fe, &len);
	if (!be) {
		/* The guest may be gone already: look in dom0's backend tree. */
		snprintf(be_path, sizeof(be_path), "/local/domain/0/backend/%s/%u/%d",
			 VGPU_XS_DEVCLASS, domid, devid);
		be = xs_read(xs, XBT_NULL, be_path, &len);
		if (!be)
			return -ENOENT;
		free(be);
		be = strdup(be_path);
		if (!be)
			return -ENOMEM;
	}
	fe[strlen(fe) - strlen(VGPU_XS_BACKEND) - 1] = 0;
	ok = xs_rm(xs, XBT_NULL, be);
	xs_rm(xs, XBT_NULL, fe);
	free(be);
	return ok ? 0 : -errno;
}
