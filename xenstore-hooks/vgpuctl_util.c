/* SPDX-License-Identifier: MIT */
/* vgpuctl_util.c: what vgpuctl's commands share: text, JSON, numbers, XenStore. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_gen.h"
#include "vgpu_names.h"
#include "vgpuctl.h"

const char *vgpuctl_clean(const char *in, char *out, size_t len, const char *none)
{
	size_t i;

	if (!in)
		return none;
	for (i = 0; in[i] && i + 1 < len; i++)
		out[i] = in[i] >= 0x20 && in[i] < 0x7f ? in[i] : '?';
	out[i] = 0;
	return out;
}

bool vgpuctl_print_json(yajl_gen g)
{
	char *out;
	size_t len;

	if (cgen_finish(g, &out, &len)) {
		fprintf(stderr, "vgpuctl: out of memory\n");
		return false;
	}
	fwrite(out, 1, len, stdout);
	free(out);
	return true;
}

const char *vgpuctl_state_name(int state)
{
	if (state == -2)
		return "invalid";	/* a guest wrote something that is no state */
	return state >= 0 && state <= 6 ? vgpu_state_name(state) : "-";
}

bool vgpuctl_num_arg(const char *what, const char *val, unsigned long max,
		     unsigned long *out)
{
	if (!vgpu_parse_ulong(val, max, out))
		return true;
	fprintf(stderr, "vgpuctl: %s '%s': want a whole number 0-%lu\n", what, val, max);
	return false;
}

struct xs_handle *vgpuctl_xs(struct vgpuctl *c)
{
	if (!c->xs) {
		c->xs = xs_open(0);
		if (!c->xs)
			fprintf(stderr, "vgpuctl: cannot reach XenStore: %s\n", strerror(errno));
	}
	return c->xs;
}
