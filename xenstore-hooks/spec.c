/* SPDX-License-Identifier: MIT */
/* spec.c: parse one vgpu= device spec (xl-vgpu(5)). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"
#include "xsnodes.h"

static bool valid_name(const char *s, size_t len)
{
	size_t i;

	if (!len || len >= sizeof(((struct vgpu_spec *)0)->pool))
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

static int parse_num(const char *s, size_t len, long max, long *out)
{
	char buf[16], *end;

	if (!len || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = 0;
	if (!isdigit((unsigned char)buf[0]))
		return -1;
	errno = 0;
	*out = strtol(buf, &end, 10);
	return errno || *end || *out > max ? -1 : 0;
}

int vgpu_spec_parse(const char *spec, struct vgpu_spec *out, char *err,
		    size_t errlen)
{
	const char *p = spec;
	unsigned seen = 0;
	enum { K_POOL = 1, K_PRIO = 2, K_DEVID = 4, K_BACKEND = 8 };

	memset(out, 0, sizeof(*out));
	out->prio = VGPU_PRIO_MEDIUM;
	out->devid = -1;
	if (!*spec) {
		snprintf(err, errlen, "vgpu spec '': empty (want pool=NAME[,prio=...])");
		return -1;
	}
	while (*p) {
		const char *comma = strchr(p, ','), *eq;
		size_t len = comma ? (size_t)(comma - p) : strlen(p), klen, vlen;
		const char *val;
		unsigned key;
		long num;

		eq = memchr(p, '=', len);
		if (!eq) {
			snprintf(err, errlen, "vgpu spec '%s': '%.*s' is not key=value",
				 spec, (int)len, p);
			return -1;
		}
		klen = (size_t)(eq - p);
		val = eq + 1;
		vlen = len - klen - 1;
		if (klen == 4 && !memcmp(p, "pool", 4))
			key = K_POOL;
		else if ((klen == 4 && !memcmp(p, "prio", 4)) ||
			 (klen == 8 && !memcmp(p, "priority", 8)))
			key = K_PRIO;
		else if (klen == 5 && !memcmp(p, "devid", 5))
			key = K_DEVID;
		else if (klen == 7 && !memcmp(p, "backend", 7))
			key = K_BACKEND;
		else {
			snprintf(err, errlen, "vgpu spec '%s': unknown key '%.*s' "
				 "(keys: pool, prio, devid, backend)", spec, (int)klen, p);
			return -1;
		}
		if (seen & key) {
			snprintf(err, errlen, "vgpu spec '%s': key '%.*s' given twice",
				 spec, (int)klen, p);
			return -1;
		}
		seen |= key;
		switch (key) {
		case K_POOL:
			if (!valid_name(val, vlen)) {
				snprintf(err, errlen, "vgpu spec '%s': pool '%.*s': want 1-15 "
					 "letters, digits, '_' or '-'", spec, (int)vlen, val);
				return -1;
			}
			memcpy(out->pool, val, vlen);
			out->pool[vlen] = 0;
			break;
		case K_PRIO:
			if (vlen == 4 && !memcmp(val, "high", 4))
				out->prio = VGPU_PRIO_HIGH;
			else if (vlen == 6 && !memcmp(val, "medium", 6))
				out->prio = VGPU_PRIO_MEDIUM;
			else if (vlen == 3 && !memcmp(val, "low", 3))
				out->prio = VGPU_PRIO_LOW;
			else {
				snprintf(err, errlen, "vgpu spec '%s': prio '%.*s': want high, "
					 "medium or low", spec, (int)vlen, val);
				return -1;
			}
			break;
		case K_DEVID:
			if (parse_num(val, vlen, 255, &num)) {
				snprintf(err, errlen, "vgpu spec '%s': devid '%.*s': want 0-255",
					 spec, (int)vlen, val);
				return -1;
			}
			out->devid = (int)num;
			break;
		case K_BACKEND:
			/*
			 * vgpuback serves only dom0's backend tree: a device
			 * with another backend domain would never be served.
			 */
			if (parse_num(val, vlen, 32751, &num) || num != 0) {
				snprintf(err, errlen, "vgpu spec '%s': backend '%.*s': want 0 "
					 "(vgpuback serves only dom0's devices)", spec, (int)vlen, val);
				return -1;
			}
			out->backend = 0;
			break;
		}
		p += len;
		if (*p == ',') {
			p++;
			if (!*p) {
				snprintf(err, errlen, "vgpu spec '%s': trailing comma", spec);
				return -1;
			}
		}
	}
	if (!(seen & K_POOL)) {
		snprintf(err, errlen, "vgpu spec '%s': key 'pool' is required", spec);
		return -1;
	}
	return 0;
}
