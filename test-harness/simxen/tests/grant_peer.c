/* SPDX-License-Identifier: MIT */
/*
 * grant_peer: one side of simxen's grant and event-channel test, using only
 * the platform layer (ring/platform.h) and libxenstore, as product code does.
 *
 *   grant_peer offer PEER_DOMID PAGES   share PAGES writable pages and one
 *       read-only page with PEER, fill them, publish refs and a port under
 *       /local/domain/0/data-test (world-readable), wait for the peer's
 *       notification, check the peer's answer in the pages, notify back.
 *   grant_peer take OWNER_DOMID         map them (writable; the read-only
 *       page must refuse a writable map), check the data, write the answer,
 *       bind, notify, wait for the notification back.
 *   grant_peer steal OWNER_DOMID        try to map the refs: must fail.
 * Exit 0 when every check held; messages say which did not.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xenstore.h>

#include "platform.h"

#define DIR "/local/domain/0/data-test"

static int fail(const char *what)
{
	fprintf(stderr, "grant_peer: %s: %s\n", what, strerror(errno));
	return 1;
}

static int wait_event(struct vgpu_evtchn *ch, int port, int ms)
{
	struct pollfd p = { .fd = vgpu_evtchn_fd(ch), .events = POLLIN };
	int got;

	if (poll(&p, 1, ms) != 1)
		return -ETIMEDOUT;
	got = vgpu_evtchn_pending(ch);
	if (got < 0)
		return got;
	vgpu_evtchn_unmask(ch, (uint32_t)got);
	return got == port ? 0 : -EINVAL;
}

static char *rd(struct xs_handle *xs, const char *node, int ms)
{
	char path[128];
	unsigned int len;
	char *v;

	snprintf(path, sizeof(path), DIR "/%s", node);
	for (; ms > 0; ms -= 10) {
		v = xs_read(xs, XBT_NULL, path, &len);
		if (v)
			return v;
		usleep(10000);
	}
	return NULL;
}

static void wr(struct xs_handle *xs, const char *node, const char *fmt, unsigned v)
{
	char path[128], val[32];

	snprintf(path, sizeof(path), DIR "/%s", node);
	snprintf(val, sizeof(val), fmt, v);
	xs_write(xs, XBT_NULL, path, val, strlen(val));
}

static int run(struct vgpu_platform *p, struct xs_handle *xs,
	       struct vgpu_evtchn *ch, int argc, char **argv)
{
	uint32_t refs[64], roref, peer;
	unsigned pages, i;
	uint8_t *mem, *ro;
	int port, rc;
	char *v;

	peer = (uint32_t)atoi(argv[2]);
	if (!strcmp(argv[1], "offer")) {
		pages = (unsigned)atoi(argv[3]);
		if (!pages || pages > 64)
			return 2;
		mem = vgpu_gnt_share(p, peer, pages, 1, refs);
		ro = vgpu_gnt_share(p, peer, 1, 0, &roref);
		if (!mem || !ro)
			return fail("share");
		for (i = 0; i < pages * 4096; i++)
			mem[i] = (uint8_t)(i * 7 + 3);
		memset(ro, 0x5a, 4096);
		port = vgpu_evtchn_alloc_unbound(ch, peer);
		if (port < 0)
			return fail("alloc_unbound");
		for (i = 0; i < pages; i++) {
			char name[16];

			snprintf(name, sizeof(name), "ref%u", i);
			wr(xs, name, "%u", refs[i]);
		}
		wr(xs, "roref", "%u", roref);
		wr(xs, "port", "%u", (unsigned)port);
		wr(xs, "pages", "%u", pages);
		if (wait_event(ch, port, 10000))
			return fail("no notification from the peer");
		for (i = 0; i < pages; i++)
			if (mem[i * 4096] != (uint8_t)(0xa0 + i))
				return fprintf(stderr, "grant_peer: page %u: peer's answer missing\n", i), 1;
		if (vgpu_evtchn_notify(ch, (uint32_t)port))
			return fail("notify back");
		/* Stay until the peer has gone, then leave (tests kill us otherwise). */
		rc = wait_event(ch, port, 10000);
		printf("offer: ok\n");
		return 0;
	}
	v = rd(xs, "pages", 5000);
	if (!v)
		return fail("no offer published");
	pages = (unsigned)atoi(v);
	free(v);
	for (i = 0; i < pages; i++) {
		char name[16];

		snprintf(name, sizeof(name), "ref%u", i);
		v = rd(xs, name, 1000);
		refs[i] = v ? (uint32_t)atoi(v) : 0;
		free(v);
	}
	v = rd(xs, "roref", 1000);
	roref = v ? (uint32_t)atoi(v) : 0;
	free(v);
	if (!strcmp(argv[1], "steal")) {
		mem = vgpu_gnt_map(p, peer, pages, refs, 0);
		if (mem) {
			fprintf(stderr, "grant_peer: a third domain mapped the grant\n");
			return 1;
		}
		printf("steal: refused (%s)\n", strerror(errno));
		return 0;
	}
	mem = vgpu_gnt_map(p, peer, pages, refs, 1);
	if (!mem)
		return fail("map");
	if (vgpu_gnt_map(p, peer, 1, &roref, 1)) {
		fprintf(stderr, "grant_peer: a read-only grant mapped writable\n");
		return 1;
	}
	ro = vgpu_gnt_map(p, peer, 1, &roref, 0);
	if (!ro || ro[100] != 0x5a)
		return fail("read-only map");
	for (i = 0; i < pages * 4096; i++)
		if (mem[i] != (uint8_t)(i * 7 + 3))
			return fprintf(stderr, "grant_peer: byte %u differs\n", i), 1;
	for (i = 0; i < pages; i++)
		mem[i * 4096] = (uint8_t)(0xa0 + i);
	v = rd(xs, "port", 1000);
	port = v ? vgpu_evtchn_bind(ch, peer, (uint32_t)atoi(v)) : -1;
	free(v);
	if (port < 0)
		return fail("bind");
	if (vgpu_evtchn_notify(ch, (uint32_t)port))
		return fail("notify");
	rc = wait_event(ch, port, 10000);
	if (rc)
		return errno = -rc, fail("no notification back");
	vgpu_gnt_unmap(p, ro, 1);
	vgpu_gnt_unmap(p, mem, pages);
	printf("take: ok\n");
	if (argc > 3 && !strcmp(argv[3], "linger"))
		pause();	/* the test kills us while mapped */
	return 0;
}

int main(int argc, char **argv)
{
	struct vgpu_platform *p = vgpu_platform_open(NULL);
	struct xs_handle *xs = xs_open(0);
	struct vgpu_evtchn *ch = p ? vgpu_evtchn_open(p) : NULL;
	int rc;

	if (argc < 3 || !p || !xs || !ch)
		rc = fail("setup");
	else
		rc = run(p, xs, ch, argc, argv);
	if (ch)
		vgpu_evtchn_close(ch);
	if (p)
		vgpu_platform_close(p);
	if (xs)
		xs_close(xs);
	return rc;
}
