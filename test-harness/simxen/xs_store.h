/* SPDX-License-Identifier: MIT */
/*
 * xs_store.h: simxen's XenStore tree: nodes with values, permissions and a
 * generation, plus access checks as xenstored makes them.  No I/O here.
 */
#ifndef SIMXEN_XS_STORE_H
#define SIMXEN_XS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XS_PERM_NONE  'n'
#define XS_PERM_READ  'r'
#define XS_PERM_WRITE 'w'
#define XS_PERM_BOTH  'b'

#define XS_MAX_PERMS  16
#define XS_MAX_VALUE  2048	/* xenstored's default entry-size quota */
#define XS_MAX_PATH   3072	/* XENSTORE_ABS_PATH_MAX */

struct xs_perm {
	uint32_t id;
	char perm;
};

struct xs_node {
	char *name;			/* last path component ("" for /) */
	char *value;
	size_t len;
	struct xs_perm perms[XS_MAX_PERMS];
	unsigned nperms;
	uint64_t gen;			/* store generation of the last change */
	struct xs_node *parent;
	struct xs_node **children;
	unsigned nchildren;
};

struct xs_node *xs_node_new(struct xs_node *parent, const char *name);
void xs_node_free(struct xs_node *n);
struct xs_node *xs_node_clone(const struct xs_node *n, struct xs_node *parent);
struct xs_node *xs_node_lookup(struct xs_node *root, const char *path);
struct xs_node *xs_node_child(struct xs_node *n, const char *name, size_t len);
void xs_node_unlink(struct xs_node *n);
unsigned xs_node_count(const struct xs_node *n);
/* Full path of @n into @buf. */
void xs_node_path(const struct xs_node *n, char *buf, size_t len);

/* Effective permission of @domid on @n (dom0 and the owner: 'b'). */
char xs_node_perm(const struct xs_node *n, uint32_t domid);
bool xs_can_read(const struct xs_node *n, uint32_t domid);
bool xs_can_write(const struct xs_node *n, uint32_t domid);

/* Path syntax: absolute, [A-Za-z0-9/_@-], no "//", no trailing '/'. */
bool xs_path_valid(const char *path);
/* Parse "r5" style permission strings; false on bad syntax. */
bool xs_perm_parse(const char *s, struct xs_perm *out);

#endif /* SIMXEN_XS_STORE_H */
