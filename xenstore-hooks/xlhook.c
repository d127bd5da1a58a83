/* SPDX-License-Identifier: MIT */
/* xlhook.c: vgpu= from xl configs to XenStore nodes (see xlhook.h). */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <libxlutil.h>
#include <xenstore.h>

#include "nodes.h"
#include "spec.h"
#include "xlhook.h"
#include "xsnodes.h"

#define MAX_DOMS  1024
#define MAX_SPECS 16

struct vgpu_xlhook {
	struct vgpu_xlhook_config cfg;
	char *dirs;
	char *userdata;
	struct xs_handle *xs;
	char pools[16][16];		/* copied: the caller's array may go */
	uint32_t known[MAX_DOMS];	/* domains already handled */
	unsigned nknown;
};

int vgpu_xl_config_specs(const char *path, struct vgpu_spec *specs,
			 unsigned max, char *err, size_t errlen)
{
	XLU_Config *cfg;
	XLU_ConfigList *list;
	FILE *devnull = fopen("/dev/null", "w");
	int count = 0, i, rc;

	cfg = xlu_cfg_init(devnull ? devnull : stderr, path);
	if (!cfg) {
		snprintf(err, errlen, "%s: cannot start the xl config parser", path);
		count = -1;
		goto out;
	}
	rc = xlu_cfg_readfile(cfg, path);
	if (rc) {
		snprintf(err, errlen, "%s: not a valid xl config (%s)", path, strerror(rc));
		count = -1;
		goto out_cfg;
	}
	if (xlu_cfg_get_list(cfg, "vgpu", &list, &count, 0)) {
		count = 0;	/* no vgpu line: nothing to do */
		goto out_cfg;
	}
	if ((unsigned)count > max) {
		snprintf(err, errlen, "%s: more than %u vgpu devices", path, max);
		count = -1;
		goto out_cfg;
	}
	for (i = 0; i < count; i++) {
		const char *item = xlu_cfg_get_listitem(list, i);
		char e[256];

		if (!item || vgpu_spec_parse(item, &specs[i], e, sizeof(e))) {
			snprintf(err, errlen, "%s: %s", path, item ? e : "vgpu list item is not a string");
			count = -1;
			goto out_cfg;
		}
	}
out_cfg:
	xlu_cfg_destroy(cfg);
out:
	if (devnull)
		fclose(devnull);
	return count;
}

struct vgpu_xlhook *vgpu_xlhook_new(const struct vgpu_xlhook_config *cfg)
{
	struct vgpu_xlhook *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->cfg = *cfg;
	h->cfg.pools = NULL;
	if (h->cfg.npools > 16)
		h->cfg.npools = 16;
	for (unsigned i = 0; i < h->cfg.npools; i++)
		snprintf(h->pools[i], sizeof(h->pools[i]), "%s", cfg->pools[i]);
	h->dirs = strdup(cfg->config_dirs ? cfg->config_dirs : "/etc/xen:/etc/xen/auto");
	h->userdata = strdup(cfg->userdata_dir ? cfg->userdata_dir : "/var/lib/xen");
	h->xs = xs_open(0);
	if (!h->dirs || !h->userdata || !h->xs ||
	    !xs_watch(h->xs, "@introduceDomain", "introduce") ||
	    !xs_watch(h->xs, "@releaseDomain", "release")) {
		vgpu_xlhook_free(h);
		return NULL;
	}
	return h;
}

int vgpu_xlhook_fd(struct vgpu_xlhook *h)
{
	return xs_fileno(h->xs);
}

static bool known(struct vgpu_xlhook *h, uint32_t domid)
{
	unsigned i;

	for (i = 0; i < h->nknown; i++)
		if (h->known[i] == domid)
			return true;
	return false;
}

/* The config path for a domain, or NULL. */
static char *find_config(struct vgpu_xlhook *h, uint32_t domid, const char *name)
{
	char path[1024], *vm, *uuid, *save = NULL, *d, *dirs;
	unsigned int len;

	snprintf(path, sizeof(path), "/local/domain/%u/vm", domid);
	vm = xs_read(h->xs, XBT_NULL, path, &len);
	uuid = vm ? strrchr(vm, '/') : NULL;
	if (uuid) {
		snprintf(path, sizeof(path), "%s/userdata-d.%u.%s.xl", h->userdata, domid,
			 uuid + 1);
		free(vm);
		if (!access(path, R_OK))
			return strdup(path);
	} else {
		free(vm);
	}
	dirs = strdup(h->dirs);
	for (d = dirs ? strtok_r(dirs, ":", &save) : NULL; d; d = strtok_r(NULL, ":", &save)) {
		snprintf(path, sizeof(path), "%s/%s.cfg", d, name);
		if (!access(path, R_OK))
			goto found;
		snprintf(path, sizeof(path), "%s/%s", d, name);
		if (!access(path, R_OK))
			goto found;
	}
	free(dirs);
	return NULL;
found:
	free(dirs);
	return strdup(path);
}

static void attach_domain(struct vgpu_xlhook *h, uint32_t domid, const char *name)
{
	struct vgpu_spec specs[MAX_SPECS];
	char err[512], *path = find_config(h, domid, name);
	int n, i, next = 0;
	unsigned p;

	if (!path)
		return;	/* not ours: no config we can see */
	n = vgpu_xl_config_specs(path, specs, MAX_SPECS, err, sizeof(err));
	if (n < 0) {
		h->cfg.log(LOG_ERR, "xl hook: domain %u (%s): %s; no vgpu device written",
			   domid, name, err);
		goto out;
	}
	for (i = 0; i < n; i++) {
		for (p = 0; p < h->cfg.npools; p++)
			if (!strcmp(h->pools[p], specs[i].pool))
				break;
		if (p == h->cfg.npools) {
			h->cfg.log(LOG_ERR, "xl hook: domain %u (%s): %s: vgpu spec %d: "
				   "key 'pool': unknown pool '%s'; no vgpu device written",
				   domid, name, path, i + 1, specs[i].pool);
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		int devid = specs[i].devid >= 0 ? specs[i].devid : next;
		int rc;

		next = devid + 1;
		rc = vgpu_nodes_write(h->xs, domid, devid, &specs[i]);
		if (rc && rc != -EEXIST)
			h->cfg.log(LOG_ERR, "xl hook: domain %u (%s): device %d: %s", domid,
				   name, devid, strerror(-rc));
		else if (!rc)
			h->cfg.log(LOG_INFO, "xl hook: domain %u (%s): vgpu %d pool %s "
				   "priority %d from %s", domid, name, devid, specs[i].pool,
				   specs[i].prio, path);
	}
out:
	free(path);
}

void vgpu_xlhook_handle(struct vgpu_xlhook *h)
{
	unsigned int n, i, len;
	char **w, **doms, path[128];
	uint32_t live[MAX_DOMS];
	unsigned nlive = 0, k;

	while ((w = xs_check_watch(h->xs)))
		free(w);
	doms = xs_directory(h->xs, XBT_NULL, "/local/domain", &n);
	for (i = 0; doms && i < n && nlive < MAX_DOMS; i++) {
		uint32_t domid = (uint32_t)strtoul(doms[i], NULL, 10);
		char *name;

		if (!domid)
			continue;
		live[nlive++] = domid;
		if (known(h, domid))
			continue;
		snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
		name = xs_read(h->xs, XBT_NULL, path, &len);
		if (!name)
			continue;	/* the toolstack is still building it */
		attach_domain(h, domid, name);
		free(name);
		if (h->nknown < MAX_DOMS)
			h->known[h->nknown++] = domid;
	}
	free(doms);
	/* Domains that went: remove their backend nodes, as libxl does. */
	for (k = 0; k < h->nknown;) {
		uint32_t d = h->known[k];
		unsigned j;

		for (j = 0; j < nlive && live[j] != d; j++)
			;
		if (j < nlive) {
			k++;
			continue;
		}
		snprintf(path, sizeof(path), "/local/domain/0/%s/%u", VGPU_XS_BACKEND_ROOT, d);
		if (xs_rm(h->xs, XBT_NULL, path))
			h->cfg.log(LOG_INFO, "xl hook: domain %u gone: its vgpu nodes removed", d);
		h->known[k] = h->known[--h->nknown];
	}
}

void vgpu_xlhook_free(struct vgpu_xlhook *h)
{
	if (!h)
		return;
	if (h->xs)
		xs_close(h->xs);
	free(h->dirs);
	free(h->userdata);
	free(h);
}
