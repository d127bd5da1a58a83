/* SPDX-License-Identifier: MIT */
/*
 * frontend_nodes.c: the ring nodes a guest wrote into XenStore (ring-ref or
 * ring-page-order + ring-ref0..N, event-channel, protocol), checked before
 * vgpuback uses any of them.  Pure: the hostile tests fuzz it.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xen/io/xenbus.h>

#include "vgpu_names.h"
#include "vgpuback.h"

/*
 * A frontend's state node: a XenbusState number, nothing else (atoi() would
 * read "4294967299" as 3).  -1 where the node is gone, 0 (Unknown) where it
 * holds anything but a state.
 */
int vgpu_parse_frontend_state(const char *v)
{
	int st = vgpu_state_parse(v);

	if (st == -ENOENT)
		return -1;
	return st < 0 ? XenbusStateUnknown : st;
}

/*
 * Values a guest wrote, checked before use (the hostile issue fuzzes this).
 * @order may be NULL (single page: refs[0] is "ring-ref").
 */
int vgpu_parse_frontend_nodes(const char *order, const char *const *refs,
			      unsigned nrefs, const char *port,
			      const char *protocol, unsigned max_order,
			      uint32_t *out_refs, unsigned *out_pages,
			      uint32_t *out_port)
{
	unsigned long long v;
	unsigned o = 0, i, pages;
	char *end;

	if (order) {
		errno = 0;
		v = strtoull(order, &end, 10);
		if (errno || !*order || *end || order[0] == '-' || v > max_order)
			return -EINVAL;
		o = (unsigned)v;
	}
	pages = 1u << o;
	if (nrefs < pages)
		return -EINVAL;
	for (i = 0; i < pages; i++) {
		if (!refs[i] || !*refs[i] || refs[i][0] == '-')
			return -EINVAL;
		errno = 0;
		v = strtoull(refs[i], &end, 10);
		if (errno || *end || v == 0 || v > UINT32_MAX)
			return -EINVAL;
		out_refs[i] = (uint32_t)v;
	}
	if (!port || !*port || port[0] == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(port, &end, 10);
	if (errno || *end || v == 0 || v > INT32_MAX)
		return -EINVAL;
	*out_port = (uint32_t)v;
	if (protocol && strcmp(protocol, VGPUIF_PROTOCOL_NAME))
		return -EPROTONOSUPPORT;
	*out_pages = pages;
	return 0;
}
