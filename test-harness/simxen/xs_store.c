/* SPDX-License-Identifier: MIT */
/* xs_store.c: the XenStore tree and xenstored's access rules. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs_store.h"

struct xs_node *xs_node_new(struct xs_node *parent, const char *name)
{
	struct xs_node *n = calloc(1, sizeof(*n));
	struct xs_node **nc;

	if (!n)
		return NULL;
	n->name = strdup(name);
	n->value = strdup("");
	if (!n->name || !n->value)
		goto fail;
	if (parent) {
		nc = realloc(parent->children,
			     (parent->nchildren + 1) * sizeof(*nc));
		if (!nc)
			goto fail;
		parent->children = nc;
		nc[parent->nchildren++] = n;
		n->parent = parent;
		/* xenstored: a new node takes its parent's permissions. */
		memcpy(n->perms, parent->perms, sizeof(n->perms));
		n->nperms = parent->nperms;
	}
	return n;
fail:
	free(n->name);
	free(n->value);
	free(n);
	return NULL;
}

void xs_node_free(struct xs_node *n)
{
	unsigned i;

	if (!n)
		return;
	for (i = 0; i < n->nchildren; i++)
		xs_node_free(n->children[i]);
	free(n->children);
	free(n->name);
	free(n->value);
	free(n);
}

struct xs_node *xs_node_clone(const struct xs_node *n, struct xs_node *parent)
{
	struct xs_node *c = calloc(1, sizeof(*c));
	unsigned i;

	if (!c)
		return NULL;
	c->name = strdup(n->name);
	c->value = malloc(n->len + 1);
	c->children = n->nchildren ? calloc(n->nchildren, sizeof(*c->children)) : NULL;
	if (!c->name || !c->value || (n->nchildren && !c->children))
		goto fail;
	memcpy(c->value, n->value, n->len + 1);
	c->len = n->len;
	memcpy(c->perms, n->perms, sizeof(c->perms));
	c->nperms = n->nperms;
	c->gen = n->gen;
	c->parent = parent;
	for (i = 0; i < n->nchildren; i++) {
		c->children[i] = xs_node_clone(n->children[i], c);
		if (!c->children[i])
			goto fail;
		c->nchildren++;
	}
	return c;
fail:
	xs_node_free(c);
	return NULL;
}

struct xs_node *xs_node_child(struct xs_node *n, const char *name, size_t len)
{
	unsigned i;

	for (i = 0; i < n->nchildren; i++)
		if (strlen(n->children[i]->name) == len &&
		    !memcmp(n->children[i]->name, name, len))
			return n->children[i];
	return NULL;
}

struct xs_node *xs_node_lookup(struct xs_node *root, const char *path)
{
	struct xs_node *n = root;
	const char *p = path, *e;

	while (*p == '/')
		p++;
	while (*p && n) {
		e = strchr(p, '/');
		if (!e)
			e = p + strlen(p);
		n = xs_node_child(n, p, (size_t)(e - p));
		p = *e ? e + 1 : e;
	}
	return n;
}

void xs_node_unlink(struct xs_node *n)
{
	struct xs_node *p = n->parent;
	unsigned i;

	if (!p)
		return;
	for (i = 0; i < p->nchildren; i++)
		if (p->children[i] == n)
			break;
	if (i < p->nchildren) {
		memmove(&p->children[i], &p->children[i + 1],
			(p->nchildren - i - 1) * sizeof(*p->children));
		p->nchildren--;
	}
	n->parent = NULL;
}

unsigned xs_node_count(const struct xs_node *n)
{
	unsigned i, c = 1;

	for (i = 0; i < n->nchildren; i++)
		c += xs_node_count(n->children[i]);
	return c;
}

void xs_node_path(const struct xs_node *n, char *buf, size_t len)
{
	const struct xs_node *stack[XS_MAX_PATH / 2];
	size_t depth = 0, off = 0;

	for (; n && n->parent && depth < XS_MAX_PATH / 2; n = n->parent)
		stack[depth++] = n;
	if (!depth) {
		snprintf(buf, len, "/");
		return;
	}
	buf[0] = 0;
	while (depth--) {
		int w = snprintf(buf + off, len - off, "/%s", stack[depth]->name);

		if (w < 0 || (size_t)w >= len - off)
			return;
		off += (size_t)w;
	}
}

char xs_node_perm(const struct xs_node *n, uint32_t domid)
{
	unsigned i;

	if (domid == 0 || !n->nperms || n->perms[0].id == domid)
		return XS_PERM_BOTH;
	for (i = 1; i < n->nperms; i++)
		if (n->perms[i].id == domid)
			return n->perms[i].perm;
	return n->perms[0].perm;
}

bool xs_can_read(const struct xs_node *n, uint32_t domid)
{
	char p = xs_node_perm(n, domid);

	return p == XS_PERM_READ || p == XS_PERM_BOTH;
}

bool xs_can_write(const struct xs_node *n, uint32_t domid)
{
	char p = xs_node_perm(n, domid);

	return p == XS_PERM_WRITE || p == XS_PERM_BOTH;
}

bool xs_path_valid(const char *path)
{
	size_t len = strlen(path), i;

	if (len == 0 || len > XS_MAX_PATH || path[0] != '/')
		return false;
	if (len > 1 && path[len - 1] == '/')
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)path[i];

		if (c == '/' && i > 0 && path[i - 1] == '/')
			return false;
		if (!isalnum(c) && !strchr("/_@-.", c))
			return false;
	}
	return true;
}

bool xs_perm_parse(const char *s, struct xs_perm *out)
{
	char *end;
	unsigned long id;

	if (!strchr("nrwb", s[0]) || !s[0] || !isdigit((unsigned char)s[1]))
		return false;
	errno = 0;
	id = strtoul(s + 1, &end, 10);
	if (errno || *end || id > UINT16_MAX)
		return false;
	out->perm = s[0];
	out->id = (uint32_t)id;
	return true;
}
