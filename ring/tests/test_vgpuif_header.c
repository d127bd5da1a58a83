/* SPDX-License-Identifier: MIT */
/*
 * The protocol header must stand alone (this file includes nothing else of
 * ours) and its ring sizes must be what it says.  TAP output.
 */
#include "vgpuif.h"

#include <stdio.h>

static int n, failed;

static void ok(int cond, const char *what)
{
	n++;
	if (!cond)
		failed++;
	printf("%s %d - %s\n", cond ? "ok" : "not ok", n, what);
}

int main(void)
{
	vgpuif_sring_t *s;
	unsigned order;
	char buf[64];

	printf("1..%d\n", 9 + VGPUIF_MAX_RING_PAGE_ORDER + 1);
	ok(sizeof(struct vgpuif_request) == 64, "request is 64 bytes");
	ok(sizeof(struct vgpuif_response) == 64, "response is 64 bytes");
	ok(sizeof(union vgpuif_sring_entry) == 64, "ring slot is 64 bytes");
	ok(offsetof(struct vgpuif_request, u) == 16, "request payload at 16");
	ok(offsetof(struct vgpuif_response, result) == 32, "response result at 32");
	ok(sizeof(struct vgpuif_query_result) <= 32, "query result fits");
	ok(offsetof(vgpuif_sring_t, ring) == 64, "shared ring header is 64 bytes");
	/*
	 * Independent of ring.h's macro: (bytes - header) / slot, rounded down
	 * to a power of two, computed by hand here.
	 */
	for (order = 0; order <= VGPUIF_MAX_RING_PAGE_ORDER; order++) {
		unsigned long fit = ((4096ul << order) - 64) / 64, p2 = 1;

		while (p2 * 2 <= fit)
			p2 *= 2;
		snprintf(buf, sizeof(buf), "order %u ring has %lu slots", order, p2);
		ok(VGPUIF_RING_SIZE(order) == p2, buf);
	}
	ok(VGPUIF_RING_SIZE(0) == 32, "one-page ring: 32 slots");
	s = (vgpuif_sring_t *)buf;	/* only for __RING_SIZE's arithmetic */
	ok(__RING_SIZE(s, 4096) == VGPUIF_RING_SIZE(0),
	   "__RING_SIZE agrees with VGPUIF_RING_SIZE");
	return failed ? 1 : 0;
}
