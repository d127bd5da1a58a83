/* SPDX-License-Identifier: MIT */
/*
 * vgpuctl_list.c: vgpuctl list, read from XenStore: dom0's backend tree and
 * the toolstack's record of refused devices (nodes.h), as a table or JSON.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "control_gen.h"
#include "nodes.h"
#include "vgpu_names.h"
#include "vgpuctl.h"
#include "xsnodes.h"

static char *rd(struct xs_handle *xs, const char *dir, const char *node)
{
	char path[600];
	unsigned int len;

	snprintf(path, sizeof(path), "%s/%s", dir, node);
	return xs_read(xs, XBT_NULL, path, &len);
}

/* One device of dom0's backend tree; @g NULL: a table row. */
static void list_device(struct xs_handle *xs, unsigned long domid, const char *name,
			unsigned long devid, yajl_gen g)
{
	char be[128], pool[24], prio[16], *p, *q;
	const char *bst, *fst;

	snprintf(be, sizeof(be), "/local/domain/0/%s/%lu/%lu", VGPU_XS_BACKEND_ROOT,
		 domid, devid);
	p = rd(xs, be, VGPU_XS_POOL);
	q = rd(xs, be, VGPU_XS_PRIORITY);
	bst = vgpuctl_state_name(vgpu_backend_state(xs, (uint32_t)domid, (int)devid));
	fst = vgpuctl_state_name(vgpu_frontend_state(xs, (uint32_t)domid, (int)devid));
	if (g) {
		yajl_gen_map_open(g);
		cgen_u64(g, "domid", domid);
		cgen_str(g, "name", name);
		cgen_u64(g, "devid", devid);
		cgen_str(g, "pool", vgpuctl_clean(p, pool, sizeof(pool), ""));
		cgen_str(g, "priority", vgpuctl_clean(q, prio, sizeof(prio), ""));
		cgen_str(g, "backend_state", bst);
		cgen_str(g, "frontend_state", fst);
		yajl_gen_map_close(g);
	} else {
		printf("%-6lu %-16s %-5lu %-6s %-8s %-12s %-12s\n", domid, name[0] ? name : "-",
		       devid, vgpuctl_clean(p, pool, sizeof(pool), "-"),
		       vgpuctl_clean(q, prio, sizeof(prio), "-"), bst, fst);
	}
	free(p);
	free(q);
}

/* The devices the toolstack refused for @domid (nodes.h), from dom0's record. */
static void list_refused(struct xs_handle *xs, unsigned long domid, const char *name,
			 yajl_gen g)
{
	char dir[96], path[128], why[512], **ids;
	unsigned int n, i;

	snprintf(dir, sizeof(dir), "%s/%lu/refused", VGPU_TOOL_ROOT, domid);
	ids = xs_directory(xs, XBT_NULL, dir, &n);
	for (i = 0; ids && i < n; i++) {
		char *r;

		snprintf(path, sizeof(path), "%s/%s", dir, ids[i]);
		r = rd(xs, path, "reason");
		vgpuctl_clean(r, why, sizeof(why), "?");
		if (g) {
			yajl_gen_map_open(g);
			cgen_u64(g, "domid", domid);
			cgen_str(g, "name", name);
			cgen_str(g, "reason", r ? why : "?");
			yajl_gen_map_close(g);
		} else {
			printf("%-6lu %-16s %-5s %-6s %-8s %-12s %-12s %s\n", domid,
			       name[0] ? name : "-", "-", "-", "-", "refused", "-",
			       r ? why : "?");
		}
		free(r);
	}
	free(ids);
}

/* The domain ids listed under @root, strictly numeric ones only. */
static unsigned list_domids(struct xs_handle *xs, const char *root, unsigned long *ids,
			    unsigned max, unsigned have)
{
	unsigned int n, i, k;
	unsigned long d;
	char **ents = xs_directory(xs, XBT_NULL, root, &n);

	for (i = 0; ents && i < n && have < max; i++) {
		if (vgpu_parse_ulong(ents[i], VGPU_MAX_DOMID, &d))
			continue;
		for (k = 0; k < have && ids[k] != d; k++)
			;
		if (k == have)
			ids[have++] = d;
	}
	free(ents);
	return have;
}

/* The domain's name as a guest wrote it, reduced to printable text. */
static void domain_name(struct xs_handle *xs, unsigned long domid, char *out,
			size_t len)
{
	char np[64], *nm;

	snprintf(np, sizeof(np), "/local/domain/%lu", domid);
	nm = rd(xs, np, "name");
	vgpuctl_clean(nm, out, len, "");
	if (!nm)
		out[0] = 0;
	free(nm);
}

/* One domain's devices (and, in a table, its refusals right after). */
static void list_domain(struct xs_handle *xs, unsigned long domid, yajl_gen g)
{
	char path[256], name[64], **ids;
	unsigned int nv, j;
	unsigned long devid;

	domain_name(xs, domid, name, sizeof(name));
	snprintf(path, sizeof(path), "/local/domain/0/%s/%lu", VGPU_XS_BACKEND_ROOT, domid);
	ids = xs_directory(xs, XBT_NULL, path, &nv);
	for (j = 0; ids && j < nv; j++)
		if (!vgpu_parse_ulong(ids[j], VGPU_MAX_DEVID, &devid))
			list_device(xs, domid, name, devid, g);
	free(ids);
	if (!g)
		list_refused(xs, domid, name, NULL);
}

/* {"devices":[...],"refused":[...]} for the @nd domains in @doms. */
static int list_json(struct xs_handle *xs, const unsigned long *doms, unsigned nd)
{
	yajl_gen g = cgen_new();
	char name[64];
	unsigned i;

	if (g) {
		yajl_gen_map_open(g);
		cgen_array(g, "devices");
		for (i = 0; i < nd; i++)
			list_domain(xs, doms[i], g);
		yajl_gen_array_close(g);
		cgen_array(g, "refused");
		for (i = 0; i < nd; i++) {
			domain_name(xs, doms[i], name, sizeof(name));
			list_refused(xs, doms[i], name, g);
		}
		yajl_gen_array_close(g);
		yajl_gen_map_close(g);
	}
	return vgpuctl_print_json(g) ? 0 : EXIT_FAILED;
}

int vgpuctl_list(struct vgpuctl *c, int argc, char **argv)
{
	static unsigned long doms[VGPU_MAX_DOMID + 1];
	struct xs_handle *xs = vgpuctl_xs(c);
	unsigned int nd, i, k;
	long only = -1;

	if (!xs)
		return EXIT_FAILED;
	if (argc) {
		only = vgpu_domain_lookup(xs, argv[0]);
		if (only < 0) {
			fprintf(stderr, "vgpuctl: list: no such domain: %s\n", argv[0]);
			return EXIT_FAILED;
		}
	}
	nd = list_domids(xs, "/local/domain/0/" VGPU_XS_BACKEND_ROOT, doms,
			 VGPU_MAX_DOMID + 1, 0);
	nd = list_domids(xs, VGPU_TOOL_ROOT, doms, VGPU_MAX_DOMID + 1, nd);
	for (i = k = 0; i < nd; i++)
		if (only < 0 || doms[i] == (unsigned long)only)
			doms[k++] = doms[i];
	if (c->json)
		return list_json(xs, doms, k);
	printf("%-6s %-16s %-5s %-6s %-8s %-12s %-12s\n", "domid", "name", "devid",
	       "pool", "priority", "backend", "frontend");
	for (i = 0; i < k; i++)
		list_domain(xs, doms[i], NULL);
	return 0;
}
