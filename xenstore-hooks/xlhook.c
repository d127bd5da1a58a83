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
#include "vgpu_xs.h"
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

/* The whole file, NUL-terminated, or NULL. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, n;

	if (!f)
		return NULL;
	buf = malloc(1 << 20);
	if (buf) {
		n = fread(buf, 1, (1 << 20) - 1, f);
		len = n;
		buf[len] = 0;
	}
	fclose(f);
	return buf;
}

static int line_of(const char *text, const char *at)
{
	int line = 1;

	for (; text < at; text++)
		line += *text == '\n';
	return line;
}

/* Where the `vgpu =` (or `vgpu +=`) setting starts in @text, or NULL. */
static const char *vgpu_setting(const char *text)
{
	const char *p = text;

	while (p && *p) {
		const char *q = p + strspn(p, " \t");

		if (!strncmp(q, "vgpu", 4)) {
			const char *r = q + 4 + strspn(q + 4, " \t");

			if (*r == '=' || (r[0] == '+' && r[1] == '='))
				return q;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

/*
 * The line of the next quoted @item at or after *@cursor in @text (0 if not
 * found): libxlutil keeps no line for a list item, so the messages find it.
 */
static int item_line(const char *text, const char **cursor, const char *item)
{
	const char *p = *cursor, *hit = NULL;
	size_t len = strlen(item);

	while (p && (p = strstr(p, item))) {
		if (p > text && (p[-1] == '\'' || p[-1] == '"') && p[len] == p[-1]) {
			hit = p;
			break;
		}
		p++;
	}
	if (!hit)
		return 0;
	*cursor = hit + len;
	return line_of(text, hit);
}

/* libxlutil's report: its first line, without the newline. */
static const char *report_text(FILE *rep, char **bufp)
{
	char *nl, *buf;

	fflush(rep);	/* sets *bufp */
	buf = *bufp;
	nl = buf ? strchr(buf, '\n') : NULL;
	if (nl)
		*nl = 0;
	return buf && *buf ? buf : "no detail from the parser";
}

/* Give each device without a devid the next one, refuse a devid used twice. */
static int resolve_devids(const char *path, struct vgpu_spec *specs, const int *lines,
			  int count, char *err, size_t errlen)
{
	int i, j, next = 0;

	for (i = 0; i < count; i++) {
		if (specs[i].devid < 0)
			specs[i].devid = next;
		next = specs[i].devid + 1;
		if (specs[i].devid > VGPU_MAX_DEVID) {
			snprintf(err, errlen, "%s:%d: vgpu device %d: no devid left (0-%d)",
				 path, lines[i], i + 1, VGPU_MAX_DEVID);
			return -1;
		}
		for (j = 0; j < i; j++)
			if (specs[j].devid == specs[i].devid) {
				snprintf(err, errlen, "%s:%d: vgpu device %d: devid %d is also "
					 "device %d's (line %d): give each device its own devid",
					 path, lines[i], i + 1, specs[i].devid, j + 1, lines[j]);
				return -1;
			}
	}
	return 0;
}

int vgpu_xl_config_specs(const char *path, struct vgpu_spec *specs, int *lines,
			 unsigned max, char *err, size_t errlen)
{
	XLU_Config *cfg;
	XLU_ConfigList *list;
	char *rbuf = NULL, *text = slurp(path);
	size_t rlen = 0;
	FILE *rep = text ? open_memstream(&rbuf, &rlen) : NULL;
	const char *set, *cursor;
	int count = -1, i, rc, line;

	err[0] = 0;
	if (!text) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	cfg = rep ? xlu_cfg_init(rep, path) : NULL;
	if (!cfg) {
		snprintf(err, errlen, "%s: cannot start the xl config parser", path);
		goto out;
	}
	rc = xlu_cfg_readfile(cfg, path);
	if (rc) {
		const char *r = report_text(rep, &rbuf);

		/* libxlutil's line already says "PATH:LINE: ..." */
		if (!strncmp(r, path, strlen(path)) && r[strlen(path)] == ':')
			snprintf(err, errlen, "%s (not a valid xl config)", r);
		else
			snprintf(err, errlen, "%s: not a valid xl config: %s", path, r);
		goto out_cfg;
	}
	set = vgpu_setting(text);
	line = set ? line_of(text, set) : 0;
	rc = xlu_cfg_get_list(cfg, "vgpu", &list, &count, 1);
	if (rc == ESRCH) {
		count = 0;	/* no vgpu line: nothing to do */
		goto out_cfg;
	}
	if (rc) {
		snprintf(err, errlen, "%s:%d: vgpu is a single value, not a list: write "
			 "vgpu = [ 'pool=...' ]", path, line);
		count = -1;
		goto out_cfg;
	}
	if ((unsigned)count > max) {
		snprintf(err, errlen, "%s:%d: more than %u vgpu devices", path, line, max);
		count = -1;
		goto out_cfg;
	}
	cursor = set ? set : text;
	for (i = 0; i < count; i++) {
		const char *item = xlu_cfg_get_listitem(list, i);
		char e[256];

		lines[i] = item ? item_line(text, &cursor, item) : 0;
		if (!lines[i])
			lines[i] = line;
		if (!item || vgpu_spec_parse(item, &specs[i], e, sizeof(e))) {
			snprintf(err, errlen, "%s:%d: %s", path, lines[i], item ? e :
				 "vgpu list item is not a string");
			count = -1;
			goto out_cfg;
		}
	}
	if (resolve_devids(path, specs, lines, count, err, errlen))
		count = -1;
out_cfg:
	xlu_cfg_destroy(cfg);
out:
	if (rep)
		fclose(rep);
	free(rbuf);
	free(text);
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

	/* A name is a file name here: nothing that leaves the config dirs. */
	if (!name[0] || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return NULL;

	snprintf(path, sizeof(path), "/local/domain/%u", domid);
	vm = vgpu_xs_read(h->xs, XBT_NULL, path, "vm");
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

/* An error at err priority, and the refusal in dom0's record for vgpuctl list. */
static void refuse(struct vgpu_xlhook *h, uint32_t domid, const char *name,
		   const char *why)
{
	char reason[600];

	snprintf(reason, sizeof(reason), "%s; no vgpu device written", why);
	h->cfg.log(LOG_ERR, "xl hook: domain %u (%s): %s", domid, name, reason);
	vgpu_refusal_add(h->xs, domid, reason);
}

/* The configured pools, for messages. */
static void pool_names(const struct vgpu_xlhook *h, char *buf, size_t len)
{
	size_t n = 0;
	unsigned p;

	buf[0] = 0;
	for (p = 0; p < h->cfg.npools && n < len; p++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", p ? ", " : "", h->pools[p]);
}

static void attach_domain(struct vgpu_xlhook *h, uint32_t domid, const char *name)
{
	struct vgpu_spec specs[MAX_SPECS];
	char err[512], *path = find_config(h, domid, name);
	int n, i, lines[MAX_SPECS];
	unsigned p;

	if (!path)
		return;	/* not ours: no config we can see */
	vgpu_refusals_clear(h->xs, domid);	/* this reading of the config decides */
	n = vgpu_xl_config_specs(path, specs, lines, MAX_SPECS, err, sizeof(err));
	if (n < 0) {
		refuse(h, domid, name, err);
		goto out;
	}
	for (i = 0; i < n; i++) {
		char pools[200];

		for (p = 0; p < h->cfg.npools; p++)
			if (!strcmp(h->pools[p], specs[i].pool))
				break;
		if (p < h->cfg.npools)
			continue;
		pool_names(h, pools, sizeof(pools));
		if (snprintf(err, sizeof(err), "%s:%d: vgpu device %d: key 'pool': unknown pool "
			     "'%s' (vgpuback serves: %s)", path, lines[i], i + 1, specs[i].pool,
			     pools) >= (int)sizeof(err))
			strcpy(err + sizeof(err) - 4, "...");	/* a long path: keep the start */
		refuse(h, domid, name, err);
		goto out;
	}
	for (i = 0; i < n; i++) {
		int rc = vgpu_nodes_write(h->xs, domid, specs[i].devid, &specs[i]);

		if (rc && rc != -EEXIST)
			h->cfg.log(LOG_ERR, "xl hook: domain %u (%s): %s:%d: device %d: %s", domid,
				   name, path, lines[i], specs[i].devid, strerror(-rc));
		else if (!rc)
			h->cfg.log(LOG_INFO, "xl hook: domain %u (%s): vgpu %d pool %s "
				   "priority %s from %s:%d", domid, name, specs[i].devid,
				   specs[i].pool, vgpu_prio_name(specs[i].prio), path, lines[i]);
	}
out:
	free(path);
}

void vgpu_xlhook_handle(struct vgpu_xlhook *h)
{
	unsigned int n, i;
	char **w, **doms, path[128];
	uint32_t live[MAX_DOMS];
	unsigned nlive = 0, k;

	while ((w = xs_check_watch(h->xs)))
		free(w);
	doms = xs_directory(h->xs, XBT_NULL, "/local/domain", &n);
	for (i = 0; doms && i < n && nlive < MAX_DOMS; i++) {
		unsigned long domid;
		char *name;

		if (vgpu_parse_ulong(doms[i], VGPU_MAX_DOMID, &domid) || !domid)
			continue;
		live[nlive++] = (uint32_t)domid;
		if (known(h, (uint32_t)domid))
			continue;
		snprintf(path, sizeof(path), "/local/domain/%lu", domid);
		name = vgpu_xs_read(h->xs, XBT_NULL, path, "name");
		if (!name)
			continue;	/* the toolstack is still building it */
		attach_domain(h, (uint32_t)domid, name);
		free(name);
		if (h->nknown < MAX_DOMS)
			h->known[h->nknown++] = (uint32_t)domid;
	}
	free(doms);
	/* Forget the domains that went. */
	for (k = 0; k < h->nknown;) {
		uint32_t d = h->known[k];
		unsigned j;

		for (j = 0; j < nlive && live[j] != d; j++)
			;
		if (j < nlive)
			k++;
		else
			h->known[k] = h->known[--h->nknown];
	}
	/*
	 * Remove the backend nodes and records of every domain that is gone,
	 * as libxl does for its devices; at start this also takes those of
	 * domains destroyed while vgpuback was down.
	 */
	vgpu_nodes_sweep(h->xs, h->cfg.log);
}

int vgpu_xlhook_sweep(struct xs_handle *xs,
		      void (*log)(int level, const char *fmt, ...))
{
	return vgpu_nodes_sweep(xs, log);
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
