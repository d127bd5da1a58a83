/* SPDX-License-Identifier: MIT */
/*
 * vgpu_xs.h: XenStore node helpers (QEMU's hw/xen/xen-bus-helper.c is the
 * model), for backend, frontend and toolstack alike.
 *
 * Every node is named by a directory and a node name.  Nothing here logs
 * or knows a device struct: ints are 0 (or a count) on success and -errno
 * on failure, pointers are NULL with errno set.  @t may be XBT_NULL.
 */
#ifndef VGPU_XS_H
#define VGPU_XS_H

#include <xenstore.h>

/* The node's value (free() it), NUL-terminated; NULL with errno set. */
char *vgpu_xs_read(struct xs_handle *xs, xs_transaction_t t, const char *dir,
		   const char *node);

int vgpu_xs_printf(struct xs_handle *xs, xs_transaction_t t, const char *dir,
		   const char *node, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Items sscanf matched (>= 0), or -errno (-ENOENT: no such node). */
int vgpu_xs_scanf(struct xs_handle *xs, xs_transaction_t t, const char *dir,
		  const char *node, const char *fmt, ...)
	__attribute__((format(scanf, 5, 6)));

/*
 * Run @fn in a transaction, again while XenStore answers EAGAIN (a bounded
 * number of times).  @fn returns 0 to commit or -errno to abort with that.
 */
int vgpu_xs_transact(struct xs_handle *xs,
		     int (*fn)(struct xs_handle *xs, xs_transaction_t t, void *arg),
		     void *arg);

/*
 * Write @dir/@node only while @dir exists, in one transaction, as Linux's
 * xenbus_switch_state does: a device the toolstack removed must not come
 * back as a lone node owned by the writer.  -ENODEV: @dir is gone.
 */
int vgpu_xs_write_present(struct xs_handle *xs, const char *dir,
			  const char *node, const char *val);

/* @dir/state as a XenbusState (strict, vgpu_state_parse), or -errno. */
int vgpu_xs_read_state(struct xs_handle *xs, xs_transaction_t t, const char *dir);

/* Switch @dir/state to @state with vgpu_xs_write_present. */
int vgpu_xs_switch_state(struct xs_handle *xs, const char *dir, int state);

#endif /* VGPU_XS_H */
