/* SPDX-License-Identifier: MIT */
/*
 * vgpuctl_attach.c: vgpuctl attach and detach: the toolstack's nodes of a
 * device (nodes.h), written or closed and removed the way libxl does; the
 * pool checked against the pools vgpuback serves.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/io/xenbus.h>

#include "control_gen.h"
#include "nodes.h"
#include "spec.h"
#include "vgpu_clock.h"
#include "vgpu_names.h"
#include "vgpuctl.h"
#include "vgpuctl_control.h"
#include "xsnodes.h"

/*
 * A domain id that is no domain any more but has vgpu devices in dom0's
 * backend tree or record: detach may clean them up (nothing left to wait for).
 */
static long gone_domain(struct xs_handle *xs, const char *who)
{
	unsigned long id;
	char path[64];
	unsigned int len;
	char *v;

	if (vgpu_parse_ulong(who, VGPU_MAX_DOMID, &id) || !id)
		return -1;
	snprintf(path, sizeof(path), "/local/domain/0/%s/%lu", VGPU_XS_BACKEND_ROOT, id);
	v = xs_read(xs, XBT_NULL, path, &len);
	if (!v) {
		snprintf(path, sizeof(path), "%s/%lu", VGPU_TOOL_ROOT, id);
		v = xs_read(xs, XBT_NULL, path, &len);
	}
	free(v);
	return v ? (long)id : -1;
}

/* The guest domain @who names (a gone one too for detach); -1 after a line. */
static long guest_domain(struct xs_handle *xs, const char *cmd, const char *who)
{
	long domid = vgpu_domain_lookup(xs, who);

	if (domid < 0 && !strcmp(cmd, "detach"))
		domid = gone_domain(xs, who);
	if (domid < 0) {
		fprintf(stderr, "vgpuctl: %s: no such domain: %s\n", cmd, who);
		return -1;
	}
	if (domid == 0) {
		fprintf(stderr, "vgpuctl: %s: %s is dom0: vgpu devices are for guest domains\n",
			cmd, who);
		return -1;
	}
	return domid;
}

/* Whether vgpuback serves @pool: 1 yes, 0 no (its pools in @have), -1 cannot ask. */
static int backend_has_pool(const char *sock, const char *pool, char *have, size_t len)
{
	struct vc_pools pl;
	char why[256];
	size_t i, n = 0;
	int rc = 0;

	if (vc_get_pools(sock, &pl, why, sizeof(why)))
		return -1;
	have[0] = 0;
	for (i = 0; i < pl.npools; i++) {
		rc |= !strcmp(pl.pools[i].name, pool);
		n += (size_t)snprintf(have + n, n < len ? len - n : 0, "%s%s", n ? ", " : "",
				      pl.pools[i].name);
	}
	vc_pools_free(&pl);
	return rc;
}

/* What attach and detach say: the devid alone, or --json {"domid":D,"devid":N}. */
static int said(const struct vgpuctl *c, uint32_t domid, int devid)
{
	yajl_gen g;

	if (!c->json) {
		printf("%d\n", devid);
		return 0;
	}
	g = cgen_new();
	if (g) {
		yajl_gen_map_open(g);
		cgen_u64(g, "domid", domid);
		cgen_u64(g, "devid", (uint64_t)devid);
		yajl_gen_map_close(g);
	}
	return vgpuctl_print_json(g) ? 0 : EXIT_FAILED;
}

int vgpuctl_attach(struct vgpuctl *c, int argc, char **argv)
{
	struct xs_handle *xs = vgpuctl_xs(c);
	const char *who = argv[0], *text = argv[1];
	char err[256], pools[256];
	struct vgpu_spec spec;
	long domid;
	int e;

	(void)argc;
	if (!xs || (domid = guest_domain(xs, "attach", who)) < 0)
		return EXIT_FAILED;
	if (vgpu_spec_parse(text, &spec, err, sizeof(err))) {
		fprintf(stderr, "vgpuctl: attach %s: %s\n", who, err);
		return EXIT_FAILED;
	}
	e = backend_has_pool(c->sock, spec.pool, pools, sizeof(pools));
	if (e == 0) {
		fprintf(stderr, "vgpuctl: attach %s: vgpu spec '%s': unknown pool '%s' "
			"(vgpuback serves: %s)\n", who, text, spec.pool, pools);
		return EXIT_FAILED;
	}
	if (e < 0)
		fprintf(stderr, "vgpuctl: attach %s: warning: vgpuback is not running, pool "
			"'%s' not checked (vgpuback refuses an unknown pool when it starts)\n",
			who, spec.pool);
	if (spec.devid < 0)
		spec.devid = vgpu_next_devid(xs, (uint32_t)domid);
	if (spec.devid < 0) {
		fprintf(stderr, "vgpuctl: attach %s: no free devid (0-%d all used)\n", who,
			VGPU_MAX_DEVID);
		return EXIT_FAILED;
	}
	e = vgpu_nodes_write(xs, (uint32_t)domid, spec.devid, &spec);
	if (e) {
		fprintf(stderr, "vgpuctl: attach %s devid %d: %s\n", who, spec.devid,
			e == -EEXIST ? "that device exists" : strerror(-e));
		return EXIT_FAILED;
	}
	return said(c, (uint32_t)domid, spec.devid);
}

/*
 * A frontend that holds no connection: closed, never connected, gone, or
 * writing what is no state (vgpuback treats that as gone too).
 */
static bool frontend_done(int st)
{
	return st == XenbusStateClosed || st == XenbusStateUnknown ||
	       st == XenbusStateInitialising || st < 0;
}

struct closing {
	uint32_t domid;
	int devid;
	char fpath[128], bpath[128];
};

static void closing_watch(struct xs_handle *xs, struct closing *w, bool on)
{
	bool (*op)(struct xs_handle *, const char *, const char *) = on ? xs_watch : xs_unwatch;

	op(xs, w->fpath, "fe");
	op(xs, w->bpath, "be");
	op(xs, "@releaseDomain", "rel");
}

/*
 * Wait up to @timeout_ms until the device is closed: vgpuback says Closed
 * (it let go of the ring), or the domain is gone, or, with no vgpuback to
 * say so, the frontend let go.  True if it is; the last states in @fst, @bst.
 */
static bool wait_closed(struct xs_handle *xs, const char *sock, struct closing *w,
			long timeout_ms, int *fst, int *bst)
{
	int64_t end = vgpu_now_ms() + timeout_ms;
	bool done;

	closing_watch(xs, w, true);
	for (;;) {
		struct pollfd pfd = { .fd = xs_fileno(xs), .events = POLLIN };
		int64_t left;
		char **ev;
		unsigned int n;

		while (poll(&pfd, 1, 0) > 0 && (ev = xs_read_watch(xs, &n)))
			free(ev);
		*bst = vgpu_backend_state(xs, w->domid, w->devid);
		*fst = vgpu_frontend_state(xs, w->domid, w->devid);
		done = *bst == XenbusStateClosed || *bst == -1 ||
		       !vgpu_domain_exists(xs, w->domid) ||
		       (frontend_done(*fst) && !vc_backend_alive(sock));
		left = end - vgpu_now_ms();
		if (done || left <= 0)
			break;
		/* A watch wakes us; the 100 ms is a guard against a lost one. */
		poll(&pfd, 1, left < 100 ? (int)left : 100);
	}
	closing_watch(xs, w, false);
	return done;
}

/* Close a connected device first, as libxl does; false after a line if it stays open. */
static bool detach_close(struct vgpuctl *c, const char *who, struct closing *w)
{
	bool closing = false;
	int e, fst = -1, bst = -1;

	e = vgpu_nodes_close(c->xs, w->domid, w->devid, &closing);
	if (e && e != -ENOENT) {	/* -ENOENT: the removal says why */
		fprintf(stderr, "vgpuctl: detach %s %d: %s\n", who, w->devid,
			e == -EPROTO ? "dom0's record of the device is damaged; "
			"nothing removed" : strerror(-e));
		return false;
	}
	if (e || !closing ||
	    wait_closed(c->xs, c->sock, w, (long)c->timeout_s * 1000, &fst, &bst))
		return true;
	fprintf(stderr, "vgpuctl: detach %s %d: the frontend did not close within %lu s "
		"(frontend %s, backend %s); the device is left Closing with online 0 and "
		"not removed: close it in the guest, or detach --force\n", who, w->devid,
		c->timeout_s, vgpuctl_state_name(fst), vgpuctl_state_name(bst));
	return false;
}

int vgpuctl_detach(struct vgpuctl *c, int argc, char **argv)
{
	struct closing w = { 0 };
	unsigned long devid = 0;
	long domid;
	int e;

	if (argc == 2 && !vgpuctl_num_arg("detach: DEVID", argv[1], VGPU_MAX_DEVID, &devid))
		return EXIT_USAGE;
	if (!vgpuctl_xs(c) || (domid = guest_domain(c->xs, "detach", argv[0])) < 0)
		return EXIT_FAILED;
	w.domid = (uint32_t)domid;
	w.devid = (int)devid;
	snprintf(w.fpath, sizeof(w.fpath), "/local/domain/%u/%s/%d/%s", w.domid,
		 VGPU_XS_FRONTEND_ROOT, w.devid, VGPU_XS_STATE);
	snprintf(w.bpath, sizeof(w.bpath), "/local/domain/0/%s/%u/%d/%s",
		 VGPU_XS_BACKEND_ROOT, w.domid, w.devid, VGPU_XS_STATE);
	if (!c->force && !detach_close(c, argv[0], &w))
		return EXIT_FAILED;
	e = vgpu_nodes_remove(c->xs, w.domid, w.devid);
	if (e) {
		fprintf(stderr, "vgpuctl: detach %s %d: %s\n", argv[0], w.devid,
			e == -ENOENT ? "no such device" :
			e == -EPROTO ? "dom0's record of the device is damaged; nothing removed" :
			strerror(-e));
		return EXIT_FAILED;
	}
	/* Text: nothing, as before; --json: which device went. */
	return c->json ? said(c, w.domid, w.devid) : 0;
}
