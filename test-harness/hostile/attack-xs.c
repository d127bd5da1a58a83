/* SPDX-License-Identifier: MIT */
/*
 * attack-xs.c: XenStore attacks: garbage in the frontend's nodes
 * (xs-garbage) and writes to the backend's (be-nodes).
 */
#include "config.h"

#include "hostile.h"

/* ---------------- xs-garbage ---------------- */

static const char *const garbage_values[] = {
	"", "0", "-1", "-0", "+1", " 1", "1 ", "0x10", "1e3", "abc", "3junk",
	"4294967295", "4294967296", "18446744073709551615", "18446744073709551616",
	"99999999999999999999999999999999", "2147483648", "1", "2", "7", "100",
	"5", "16", "x86_32-abi", "x86_64-abi\n", "x86_64-abi", "\xff\xfe\x01",
};

static const char *const fe_nodes[] = {
	VGPU_XS_RING_REF, "ring-ref0", "ring-ref1", "ring-ref3", "ring-ref15",
	"ring-ref16", VGPU_XS_RING_PAGE_ORDER, VGPU_XS_EVENT_CHANNEL, VGPU_XS_PROTOCOL,
};

#define NR_FE_NODES (sizeof(fe_nodes) / sizeof(fe_nodes[0]))
#define NR_GARBAGE (sizeof(garbage_values) / sizeof(garbage_values[0]))

static void put_garbage(struct hostile *h, struct xs_handle *xs, const char *fe,
			const char *node, char *big, size_t bigsz)
{
	uint64_t x = rnd(&h->seed);
	size_t i, len;

	switch (x % 8) {
	case 0:			/* a huge value */
		len = 1000 + (size_t)(x >> 8) % (bigsz - 1000);
		memset(big, '9', len);
		xs_put(xs, fe, node, big, len);
		break;
	case 1:			/* random bytes, NULs included */
		len = 1 + (size_t)(x >> 8) % 64;
		for (i = 0; i < len; i++)
			big[i] = (char)rnd(&h->seed);
		xs_put(xs, fe, node, big, len);
		break;
	default:
		xs_puts(xs, fe, node, garbage_values[(x >> 8) % NR_GARBAGE]);
		break;
	}
}

/*
 * A frontend that publishes a real ring page (filled with noise) and a real
 * port: the backend connects, then must survive whatever the page says.
 */
static void xs_fake_connect(struct hostile *h, struct xs_handle *xs, const char *fe,
			    const char *be, struct vgpu_platform *plat,
			    unsigned *connected)
{
	struct vgpu_evtchn *ch = vgpu_evtchn_open(plat);
	uint32_t ref = 0, *page;
	char val[32];
	int port = -1;
	unsigned i;

	page = vgpu_gnt_share(plat, 0, 1, 1, &ref);
	if (!ch || !page)
		goto out;
	for (i = 0; i < VGPUIF_PAGE_SIZE / 4; i++)
		page[i] = (uint32_t)rnd(&h->seed);
	port = vgpu_evtchn_alloc_unbound(ch, 0);
	if (port < 0)
		goto out;
	xs_puts(xs, fe, VGPU_XS_STATE, "1");
	if (wait_state(xs, be, XenbusStateInitWait, 1000) != XenbusStateInitWait)
		goto out;
	for (i = 0; i < NR_FE_NODES; i++) {
		char path[192];

		snprintf(path, sizeof(path), "%s/%s", fe, fe_nodes[i]);
		xs_rm(xs, XBT_NULL, path);
	}
	snprintf(val, sizeof(val), "%u", ref);
	xs_puts(xs, fe, VGPU_XS_RING_REF, val);
	snprintf(val, sizeof(val), "%d", port);
	xs_puts(xs, fe, VGPU_XS_EVENT_CHANNEL, val);
	xs_puts(xs, fe, VGPU_XS_PROTOCOL, VGPUIF_PROTOCOL_NAME);
	xs_puts(xs, fe, VGPU_XS_STATE, "3");
	if (wait_states(xs, be, 1u << XenbusStateConnected | 1u << XenbusStateClosed,
			1000) == XenbusStateConnected) {
		(*connected)++;
		for (i = 0; i < 8; i++) {
			page[0] = (uint32_t)rnd(&h->seed);	/* req_prod */
			vgpu_evtchn_notify(ch, (uint32_t)port);
			msleep(1);
		}
	}
	xs_puts(xs, fe, VGPU_XS_STATE, "5");
	wait_state(xs, be, XenbusStateClosed, 1000);
out:
	if (page)
		vgpu_gnt_unshare(plat, page, 1);
	if (ch)
		vgpu_evtchn_close(ch);
}

void attack_xs_garbage(struct hostile *h)
{
	static const char *const states[] = {
		"0", "1", "2", "3", "4", "5", "6", "7", "8", "-1", "99", "abc", "", "3junk",
		"4294967299",
	};
	struct vgpufront *dev = dev_open(h, 2);
	struct xs_handle *xs = xs_open(0);
	struct vgpu_platform *plat = vgpu_platform_open(NULL);
	char fe[128], be[256], big[3000];
	unsigned it, i, writes = 0, flips = 0, attempts = 0, fakes = 0, connected = 0;

	if (!check(h, 1, dev && xs && plat, "open")) {
		if (dev)
			vgpufront_close(dev);
		goto out;
	}
	snprintf(fe, sizeof(fe), "%s", dev->fe_path);
	snprintf(be, sizeof(be), "%s", dev->be_path);
	for (it = 0; it < h->iterations && !out_of_time(h); it++) {
		uint64_t x = rnd(&h->seed);

		switch (x % 10) {
		case 0: case 1: case 2: case 3: case 4:
			put_garbage(h, xs, fe, fe_nodes[(x >> 8) % NR_FE_NODES], big, sizeof(big));
			writes++;
			break;
		case 5: case 6: case 7:
			xs_puts(xs, fe, VGPU_XS_STATE, states[(x >> 8) % (sizeof(states) / sizeof(states[0]))]);
			flips++;
			break;
		case 8:
			/* Initialising, then Initialised over garbage: a refused connect. */
			xs_puts(xs, fe, VGPU_XS_STATE, "1");
			wait_state(xs, be, XenbusStateInitWait, 200);
			for (i = 0; i < 3; i++)
				put_garbage(h, xs, fe, fe_nodes[rnd(&h->seed) % NR_FE_NODES], big,
					    sizeof(big));
			xs_puts(xs, fe, VGPU_XS_STATE, "3");
			attempts++;
			break;
		default:
			xs_fake_connect(h, xs, fe, be, plat, &connected);
			fakes++;
			break;
		}
		h->done++;
	}
	stat_add(h, " garbage_writes=%u state_flips=%u garbage_connects=%u"
		 " noise_ring_connects=%u noise_ring_connected=%u",
		 writes, flips, attempts, fakes, connected);
	/* Leave as a frontend that gave up: Closed, stale nodes removed. */
	close_now(dev);
	for (i = 0; i < NR_FE_NODES; i++) {
		char path[192];

		snprintf(path, sizeof(path), "%s/%s", fe, fe_nodes[i]);
		xs_rm(xs, XBT_NULL, path);
	}
	xs_puts(xs, fe, VGPU_XS_STATE, "6");
	check_reconnects(h, "reconnect-after");
out:
	if (plat)
		vgpu_platform_close(plat);
	if (xs)
		xs_close(xs);
}

/* ---------------- be-nodes ---------------- */

/* A guest may read its backend's nodes, never write, remove or re-own them. */
void attack_be_nodes(struct hostile *h)
{
	static const char *const nodes[] = {
		VGPU_XS_POOL, VGPU_XS_PRIORITY, VGPU_XS_STATE, VGPU_XS_FRONTEND,
		VGPU_XS_FRONTEND_ID, VGPU_XS_ONLINE, VGPU_XS_FEAT_RING_ORDER,
		VGPU_XS_FEAT_MAX_INFLIGHT, "evil",
	};
	char fe[64], be[256], path[400], *v;
	unsigned int len, it, i, domid;
	struct xs_handle *xs = device_paths(h, fe, sizeof(fe), be, sizeof(be));

	if (!xs)
		return;
	v = xs_read(xs, XBT_NULL, "domid", &len);
	domid = v ? (unsigned int)strtoul(v, NULL, 10) : 0;
	free(v);
	for (it = 0; it < h->iterations && !out_of_time(h); it++) {
		struct xs_permissions perm = { .id = domid, .perms = XS_PERM_NONE };
		xs_transaction_t t;
		bool okw;

		for (i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
			char *before, *after;
			bool same;

			snprintf(path, sizeof(path), "%s/%s", be, nodes[i]);
			before = xs_read(xs, XBT_NULL, path, &len);
			okw = xs_write(xs, XBT_NULL, path, "high", 4);
			check(h, EACCES, okw ? 0 : errno, "write-%s", nodes[i]);
			after = xs_read(xs, XBT_NULL, path, &len);
			same = (!before && !after) || (before && after && !strcmp(before, after));
			check(h, 1, same, "unchanged-%s", nodes[i]);
			free(before);
			free(after);
		}
		okw = xs_rm(xs, XBT_NULL, be);
		check(h, EACCES, okw ? 0 : errno, "rm-backend-dir");
		/* Make ourselves the owner of the backend directory. */
		okw = xs_set_permissions(xs, XBT_NULL, be, &perm, 1);
		check(h, EACCES, okw ? 0 : errno, "set-perms-backend-dir");
		/* A second device of our own, next to the one the toolstack made. */
		if (strrchr(be, '/')) {
			snprintf(path, sizeof(path), "%.*s/7", (int)(strrchr(be, '/') - be), be);
			okw = xs_mkdir(xs, XBT_NULL, path);
			check(h, EACCES, okw ? 0 : errno, "mkdir-backend-device");
		}
		t = xs_transaction_start(xs);
		if (t != XBT_NULL) {
			snprintf(path, sizeof(path), "%s/%s", be, VGPU_XS_PRIORITY);
			okw = xs_write(xs, t, path, "high", 4);
			check(h, EACCES, okw ? 0 : errno, "write-priority-in-transaction");
			xs_transaction_end(xs, t, false);
		}
		if (h->other_domid >= 0) {
			snprintf(path, sizeof(path), "/local/domain/%d/device/%s/0/%s",
				 h->other_domid, VGPU_XS_DEVCLASS, VGPU_XS_STATE);
			okw = xs_write(xs, XBT_NULL, path, "5", 1);
			check(h, EACCES, okw ? 0 : errno, "write-other-guests-state");
			snprintf(path, sizeof(path), "/local/domain/0/%s/%d/0/%s",
				 VGPU_XS_BACKEND_ROOT, h->other_domid, VGPU_XS_POOL);
			okw = xs_write(xs, XBT_NULL, path, "A", 1);
			check(h, EACCES, okw ? 0 : errno, "write-other-guests-pool");
		}
		h->done++;
	}
	xs_close(xs);
	check_reconnects(h, "open-after");
}
