/* SPDX-License-Identifier: MIT */
/* tool_priv.h: what the vgpufront tool's files share (vgpufront(1)). */
#ifndef VGPUFRONT_TOOL_PRIV_H
#define VGPUFRONT_TOOL_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "vgpufront.h"

#define EXIT_FAILED   1
#define EXIT_USAGE    2
#define EXIT_NODEV    3

struct tool {
	unsigned devid;
	int timeout_ms;
	unsigned order;
	struct vgpufront *dev;
};

struct args {
	unsigned count, repeat, k;
	uint64_t n;
	int64_t x, y;			/* add's numbers */
	double secs;
	bool verify;
	bool json;			/* info and bench: one JSON object */
	const char *svg;		/* bench --svg: the chart's file */
	unsigned given;			/* command options seen: 1 << OPT_* */
};

/* Says what a failed call means here; the exit status (1, or 3: no device). */
int tool_fail(struct tool *t, const char *what, int rc);

int cmd_info(struct tool *t, const struct args *a);	/* tool_info.c */
int cmd_bench(struct tool *t, const struct args *a);	/* tool_bench.c */
int cmd_mem(struct tool *t, const struct args *a);	/* tool_mem.c */

/* qsort's order for uint64_t, smallest first. */
int tool_cmp_u64(const void *a, const void *b);
/* Deterministic, never-zero test inputs (xorshift) from the state @s. */
float tool_rnd(uint64_t *s);

/*
 * A single updating line on stderr ("vadd 1234/10000 (12%)") for long
 * work, only when stderr is a terminal; at most ten updates a second.
 */
struct progress {
	const char *what;
	uint64_t total;
	uint64_t next_ns;		/* no update before then */
	bool on;
};

void progress_start(struct progress *p, const char *what, uint64_t total);
void progress_step(struct progress *p, uint64_t done);
void progress_end(struct progress *p);	/* clears the line */

#endif /* VGPUFRONT_TOOL_PRIV_H */
