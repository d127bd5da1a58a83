/* SPDX-License-Identifier: MIT */
/* vgpu_xs.c: XenStore node read/write/scan, transactions, state switches. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgpu_names.h"
#include "vgpu_xs.h"
#include "xsnodes.h"

/* XenStore paths are at most 3072 bytes (XENSTORE_ABS_PATH_MAX). */
#define XS_PATH_MAX 3072
/* Conflicting transactions retried this often before giving up. */
#define XS_TRIES 16

static int node_path(char *buf, const char *dir, const char *node)
{
	int n = snprintf(buf, XS_PATH_MAX, "%s/%s", dir, node);

	return n < 0 || n >= XS_PATH_MAX ? -ENAMETOOLONG : 0;
}

char *vgpu_xs_read(struct xs_handle *xs, xs_transaction_t t, const char *dir,
		   const char *node)
{
	char path[XS_PATH_MAX];
	unsigned int len;
	int rc = node_path(path, dir, node);

	if (rc) {
		errno = -rc;
		return NULL;
	}
	return xs_read(xs, t, path, &len);
}

int vgpu_xs_printf(struct xs_handle *xs, xs_transaction_t t, const char *dir,
		   const char *node, const char *fmt, ...)
{
	char path[XS_PATH_MAX], *val;
	va_list ap;
	int rc = node_path(path, dir, node), n;

	if (rc)
		return rc;
	va_start(ap, fmt);
	n = vasprintf(&val, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	rc = xs_write(xs, t, path, val, (unsigned int)n) ? 0 : -errno;
	free(val);
	return rc;
}

int vgpu_xs_scanf(struct xs_handle *xs, xs_transaction_t t, const char *dir,
		  const char *node, const char *fmt, ...)
{
	char *val = vgpu_xs_read(xs, t, dir, node);
	va_list ap;
	int n;

	if (!val)
		return -errno;
	va_start(ap, fmt);
	n = vsscanf(val, fmt, ap);
	va_end(ap);
	free(val);
	return n < 0 ? 0 : n;
}

int vgpu_xs_transact(struct xs_handle *xs,
		     int (*fn)(struct xs_handle *xs, xs_transaction_t t, void *arg),
		     void *arg)
{
	int tries, rc;

	for (tries = 0; tries < XS_TRIES; tries++) {
		xs_transaction_t t = xs_transaction_start(xs);

		if (t == XBT_NULL)
			return -errno;
		rc = fn(xs, t, arg);
		if (rc) {
			xs_transaction_end(xs, t, true);
			return rc;
		}
		if (xs_transaction_end(xs, t, false))
			return 0;
		if (errno != EAGAIN)
			return -errno;
	}
	return -EAGAIN;
}

struct present_args {
	const char *dir, *node, *val;
};

static int write_present_tx(struct xs_handle *xs, xs_transaction_t t, void *arg)
{
	const struct present_args *a = arg;
	char path[XS_PATH_MAX];
	unsigned int len;
	char *d = xs_read(xs, t, a->dir, &len);
	int rc;

	if (!d)
		return errno == ENOENT ? -ENODEV : -errno;
	free(d);
	rc = node_path(path, a->dir, a->node);
	if (rc)
		return rc;
	return xs_write(xs, t, path, a->val, strlen(a->val)) ? 0 : -errno;
}

int vgpu_xs_write_present(struct xs_handle *xs, const char *dir,
			  const char *node, const char *val)
{
	struct present_args a = { dir, node, val };

	return vgpu_xs_transact(xs, write_present_tx, &a);
}

int vgpu_xs_read_state(struct xs_handle *xs, xs_transaction_t t, const char *dir)
{
	char *v = vgpu_xs_read(xs, t, dir, VGPU_XS_STATE);
	int st;

	if (!v)
		return -errno;
	st = vgpu_state_parse(v);
	free(v);
	return st;
}

int vgpu_xs_switch_state(struct xs_handle *xs, const char *dir, int state)
{
	char val[12];

	snprintf(val, sizeof(val), "%d", state);
	return vgpu_xs_write_present(xs, dir, VGPU_XS_STATE, val);
}
