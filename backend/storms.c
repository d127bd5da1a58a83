/* SPDX-License-Identifier: MIT */
/* storms.c: watch-event parsing and spurious-notification accounting. */
#include "config.h"

#include <string.h>

#include "storms.h"

#define DOMID_FIRST_RESERVED 0x7FF0u

/*
 * A canonical decimal ("0" or no leading zero) of at most @max, ending at
 * '/' or the end of the string; *@s moves past it.  strtoul would accept
 * "007", " 7" and "+7", none of which names the node vgpuback writes.
 */
static bool take_number(const char **s, unsigned long max, uint32_t *out)
{
	const char *p = *s;
	unsigned long v = 0;

	if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' && p[1] <= '9'))
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > max)
			return false;
	}
	if (*p && *p != '/')
		return false;
	*out = (uint32_t)v;
	*s = p;
	return true;
}

static enum vgpu_xs_node node_kind(const char *p)
{
	size_t n = strcspn(p, "/");

	if (n == strlen(VGPU_XS_ONLINE) && !strncmp(p, VGPU_XS_ONLINE, n))
		return p[n] ? VGPU_NODE_OTHER : VGPU_NODE_ONLINE;
	if (n == strlen(VGPU_XS_STATE) && !strncmp(p, VGPU_XS_STATE, n))
		return p[n] ? VGPU_NODE_OTHER : VGPU_NODE_STATE;
	return VGPU_NODE_OTHER;
}

static void parse_backend(const char *path, struct vgpu_xs_event *ev)
{
	size_t rl = strlen(VGPU_BE_ROOT);
	const char *p = path + rl;

	if (strncmp(path, VGPU_BE_ROOT, rl) || (*p && *p != '/'))
		return;
	if (!*p || !p[1]) {
		ev->kind = VGPU_XSE_ROOT;
		return;
	}
	p++;
	if (!take_number(&p, DOMID_FIRST_RESERVED - 1, &ev->domid))
		return;
	if (!*p || !p[1]) {
		ev->kind = VGPU_XSE_DOMAIN;
		return;
	}
	p++;
	if (!take_number(&p, 0xffffffffu, &ev->devid))
		return;
	ev->kind = VGPU_XSE_DEVICE;
	ev->node = !*p || !p[1] ? VGPU_NODE_DIR : node_kind(p + 1);
}

static void parse_fe_token(const char *token, struct vgpu_xs_event *ev)
{
	const char *pre = "vgpuback/fe/", *p = token + strlen(pre);
	uint32_t domid, devid;

	if (strncmp(token, pre, strlen(pre)) ||
	    !take_number(&p, DOMID_FIRST_RESERVED - 1, &domid) || *p != '/')
		return;
	p++;
	if (!take_number(&p, 0xffffffffu, &devid) || *p)
		return;
	ev->kind = VGPU_XSE_FRONTEND;
	ev->domid = domid;
	ev->devid = devid;
}

void vgpu_xs_event_parse(const char *path, const char *token,
			 struct vgpu_xs_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = VGPU_XSE_IGNORE;
	if (!path || !token)
		return;
	if (!strcmp(token, VGPU_TOKEN_BACKEND))
		parse_backend(path, ev);
	else if (!strcmp(token, VGPU_TOKEN_RELEASE))
		ev->kind = !strcmp(path, "@releaseDomain") ? VGPU_XSE_RELEASE : VGPU_XSE_IGNORE;
	else
		parse_fe_token(token, ev);
}

bool vgpu_fe_event_matches(const char *path, const char *fe_path)
{
	size_t n = strlen(fe_path);

	return n && !strncmp(path, fe_path, n) && path[n] == '/' &&
	       !strcmp(path + n + 1, VGPU_XS_STATE);
}

unsigned vgpu_storm_account(struct vgpu_storm *s, uint32_t prod, bool *started)
{
	unsigned shift;

	*started = false;
	if (prod != s->prod_seen) {
		s->prod_seen = prod;
		s->run = 0;
		return 0;
	}
	s->spurious++;
	if (s->run < VGPU_STORM_THRESHOLD + 32)
		s->run++;
	if (s->run <= VGPU_STORM_THRESHOLD)
		return 0;
	if (s->run == VGPU_STORM_THRESHOLD + 1) {
		s->episodes++;
		*started = true;
	}
	s->throttles++;
	shift = s->run - VGPU_STORM_THRESHOLD - 1;
	return shift >= 10 || (1u << shift) > VGPU_STORM_MAX_MS ? VGPU_STORM_MAX_MS :
	       1u << shift;
}
