/* SPDX-License-Identifier: MIT */
/*
 * vgpuctl.h: what vgpuctl's files share: the options every command sees,
 * the exit codes of vgpuctl(8), and each command's entry point.
 */
#ifndef VGPUCTL_H
#define VGPUCTL_H

#include <stdbool.h>
#include <stddef.h>

#include <xenstore.h>
#include <yajl/yajl_gen.h>

#define EXIT_FAILED    1
#define EXIT_USAGE     2
#define EXIT_NOBACKEND 3

struct vgpuctl {
	const char *sock;		/* vgpuback's control socket */
	bool json;			/* --json */
	bool prometheus;		/* --prometheus (stats) */
	bool force;			/* --force */
	unsigned long timeout_s;	/* --timeout */
	struct xs_handle *xs;		/* opened by vgpuctl_xs() on first use */
};

/* XenStore, opened on first use; NULL (and a line on stderr) if unreachable. */
struct xs_handle *vgpuctl_xs(struct vgpuctl *c);

/*
 * @in fit for a table and a JSON string: printable ASCII only, anything else
 * replaced by '?', at most @len - 1 characters; @none if @in is NULL.
 * XenStore and daemon text is shown, never trusted.
 */
const char *vgpuctl_clean(const char *in, char *out, size_t len, const char *none);

/* --json: the document @g built, on stdout (frees @g); false if out of memory. */
bool vgpuctl_print_json(yajl_gen g);

/* A state from nodes.h as shown: its name, "-" if gone (-1), "invalid" (-2). */
const char *vgpuctl_state_name(int state);

/* A number argument in 0..@max, or false after a line saying what is allowed. */
bool vgpuctl_num_arg(const char *what, const char *val, unsigned long max,
		     unsigned long *out);

/* The commands; @argv holds the @argc arguments after the command's name. */
int vgpuctl_list(struct vgpuctl *c, int argc, char **argv);	/* vgpuctl_list.c */
int vgpuctl_attach(struct vgpuctl *c, int argc, char **argv);	/* vgpuctl_attach.c */
int vgpuctl_detach(struct vgpuctl *c, int argc, char **argv);	/* vgpuctl_attach.c */
int vgpuctl_stats(struct vgpuctl *c, int argc, char **argv);	/* vgpuctl_stats.c */
int vgpuctl_pools(struct vgpuctl *c, int argc, char **argv);	/* vgpuctl_stats.c */
int vgpuctl_top(struct vgpuctl *c, int argc, char **argv);	/* vgpuctl_top.c */

/* stats --prometheus: @st in the text exposition format on stdout (vgpuctl_prom.c). */
struct vc_stats;
bool vgpuctl_prom(const struct vc_stats *st);

#endif /* VGPUCTL_H */
