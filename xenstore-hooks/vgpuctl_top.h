/* SPDX-License-Identifier: MIT */
/*
 * vgpuctl_top.h: what vgpuctl top's two files share: one frame of the view
 * (vgpuback's stats, each device's domain name and rate) and its rendering
 * as lines, the same lines for the curses screen and for batch mode, or
 * as one JSON object per frame (--json).
 */
#ifndef VGPUCTL_TOP_H
#define VGPUCTL_TOP_H

#include <stdbool.h>
#include <stddef.h>

#include "control_gen.h"

struct top_row {
	const struct vc_dev *d;
	char name[VC_NAME_MAX];		/* the domain's name, cleaned */
	double rate;			/* completed per second since the last frame */
	bool have_rate;
};

struct top_frame {
	bool up;			/* vgpuback answered */
	char why[256];			/* when not: why */
	struct vc_stats st;
	struct top_row *rows;		/* sorted, one per st.devs */
	const char *sort;		/* the sort key's name */
	unsigned long count;		/* frames so far, this one included */
};

/* Receives each line of a frame; @row: its line number from 0. */
typedef void (*top_line_fn)(void *arg, int row, const char *line);

/* The frame as lines (vgpuctl_top_render.c). */
void top_render(const struct top_frame *f, top_line_fn out, void *arg);

/*
 * --json: the frame as one JSON object on one line of stdout
 * (vgpuctl_top_json.c); false (after a line on stderr) if out of memory.
 */
bool top_json(const struct top_frame *f);

#endif /* VGPUCTL_TOP_H */
