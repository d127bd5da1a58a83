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
#include "vgpu_names.h"
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

enum { K_POOL = 1, K_PRIO = 2, K_DEVID = 4, K_BACKEND = 8 };

/* The K_* of a key name, 0 if it is none. */
static unsigned spec_key(const char *k, size_t klen)
{
	if (klen == 4 && !memcmp(k, "pool", 4))
		return K_POOL;
	if ((klen == 4 && !memcmp(k, "prio", 4)) || (klen == 8 && !memcmp(k, "priority", 8)))
		return K_PRIO;
	if (klen == 5 && !memcmp(k, "devid", 5))
		return K_DEVID;
	if (klen == 7 && !memcmp(k, "backend", 7))
		return K_BACKEND;
	return 0;
}

/* VGPU_PRIO_* for the exact name in @val (not NUL-terminated), -1 otherwise. */
static int parse_prio(const char *val, size_t vlen)
{
	char buf[8];

	if (vlen >= sizeof(buf))
		return -1;
	memcpy(buf, val, vlen);
	buf[vlen] = 0;
	return vgpu_prio_parse(buf);
}

/* Store @key's value @val in @out: 0, or -1 with a message in @err. */
static int set_value(const char *spec, unsigned key, const char *val, size_t vlen,
		     struct vgpu_spec *out, char *err, size_t errlen)
{
	long num;

	switch (key) {
	case K_POOL:
		if (!valid_name(val, vlen)) {
			snprintf(err, errlen, "vgpu spec '%s': pool '%.*s': want 1-15 "
				 "letters, digits, '_' or '-'", spec, (int)vlen, val);
			return -1;
		}
		memcpy(out->pool, val, vlen);
		out->pool[vlen] = 0;
		return 0;
	case K_PRIO:
		num = parse_prio(val, vlen);
		if (num < 0) {
			snprintf(err, errlen, "vgpu spec '%s': prio '%.*s': want high, "
				 "medium or low", spec, (int)vlen, val);
			return -1;
		}
		out->prio = (int)num;
		return 0;
	case K_DEVID:
		if (parse_num(val, vlen, 255, &num)) {
			snprintf(err, errlen, "vgpu spec '%s': devid '%.*s': want 0-255",
				 spec, (int)vlen, val);
			return -1;
		}
		out->devid = (int)num;
		return 0;
	}
	/*
	 * K_BACKEND.  vgpuback serves only dom0's backend tree: a device with
	 * another backend domain would never be served.
	 */
	if (parse_num(val, vlen, 32751, &num) || num != 0) {
		snprintf(err, errlen, "vgpu spec '%s': backend '%.*s': want 0 "
			 "(vgpuback serves only dom0's devices)", spec, (int)vlen, val);
		return -1;
	}
	out->backend = 0;
	return 0;
}

/* One key=value item @p of @len bytes: 0, or -1 with a message in @err. */
static int parse_item(const char *spec, const char *p, size_t len, unsigned *seen,
		      struct vgpu_spec *out, char *err, size_t errlen)
{
	const char *eq = memchr(p, '=', len);
	size_t klen;
	unsigned key;

	if (!eq) {
		snprintf(err, errlen, "vgpu spec '%s': '%.*s' is not key=value",
			 spec, (int)len, p);
		return -1;
	}
	klen = (size_t)(eq - p);
	key = spec_key(p, klen);
	if (!key) {
		snprintf(err, errlen, "vgpu spec '%s': unknown key '%.*s' "
			 "(keys: pool, prio, devid, backend)", spec, (int)klen, p);
		return -1;
	}
	if (*seen & key) {
		snprintf(err, errlen, "vgpu spec '%s': key '%.*s' given twice",
			 spec, (int)klen, p);
		return -1;
	}
	*seen |= key;
	return set_value(spec, key, eq + 1, len - klen - 1, out, err, errlen);
}

int vgpu_spec_parse(const char *spec, struct vgpu_spec *out, char *err,
		    size_t errlen)
{
	const char *p = spec;
	unsigned seen = 0;

	memset(out, 0, sizeof(*out));
	out->prio = VGPU_PRIO_MEDIUM;
	out->devid = -1;
	if (!*spec) {
		snprintf(err, errlen, "vgpu spec '': empty (want pool=NAME[,prio=...])");
		return -1;
	}
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (parse_item(spec, p, len, &seen, out, err, errlen))
			return -1;
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
