/* SPDX-License-Identifier: MIT */
/* vgpu_names.c: priority and xenbus state names, strict number parsing. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <xen/io/xenbus.h>

#include "vgpu_names.h"
#include "xsnodes.h"

static const char *const prio_names[VGPU_NR_PRIOS] = {
	[VGPU_PRIO_HIGH] = "high",
	[VGPU_PRIO_MEDIUM] = "medium",
	[VGPU_PRIO_LOW] = "low",
};

const char *vgpu_prio_name(int prio)
{
	return prio >= 0 && prio < VGPU_NR_PRIOS ? prio_names[prio] : "?";
}

int vgpu_prio_parse(const char *s)
{
	int i;

	for (i = 0; s && i < VGPU_NR_PRIOS; i++)
		if (!strcmp(s, prio_names[i]))
			return i;
	return -1;
}

const char *vgpu_state_name(int state)
{
	static const char *const n[] = {
		[XenbusStateUnknown] = "Unknown",
		[XenbusStateInitialising] = "Initialising",
		[XenbusStateInitWait] = "InitWait",
		[XenbusStateInitialised] = "Initialised",
		[XenbusStateConnected] = "Connected",
		[XenbusStateClosing] = "Closing",
		[XenbusStateClosed] = "Closed",
		[XenbusStateReconfiguring] = "Reconfiguring",
		[XenbusStateReconfigured] = "Reconfigured",
	};

	return state >= 0 && state <= XenbusStateReconfigured ? n[state] : "?";
}

int vgpu_state_parse(const char *s)
{
	unsigned long v;

	if (!s)
		return -ENOENT;
	if (vgpu_parse_ulong(s, XenbusStateReconfigured, &v))
		return -EINVAL;
	return (int)v;
}

int vgpu_parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	const char *p;

	if (!s || !*s || strlen(s) > 10)
		return -1;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}
