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

/* Command options, as bits of struct args.given. */
enum { OPT_COUNT, OPT_N, OPT_VERIFY, OPT_REPEAT, OPT_SECONDS, OPT_INFLIGHT, OPT_JSON,
	OPT_SVG, OPT_MODULE, OPT_KERNEL, OPT_GRID, OPT_BLOCK, OPT_SHMEM, OPT_ARG,
	OPT_PRINT, OPT_DUMP, OPT_SEED };

/* run: the most --arg, --print and --dump options one command takes. */
#define RUN_MAX_ARGS	64
#define RUN_MAX_OUTS	16

/* One --arg SPEC of run: a scalar's bytes, or a device buffer and its filling. */
enum run_fill { RUN_SCALAR, RUN_ZEROS, RUN_FILE, RUN_SEQ, RUN_FILL };

struct run_arg {
	const char *spec;		/* as given, for messages */
	enum run_fill kind;
	unsigned size;			/* RUN_SCALAR: 4 or 8 bytes in val */
	uint8_t val[8];
	uint64_t bytes;			/* a buffer's size (RUN_FILE: read at run time) */
	float fill;			/* RUN_FILL's value */
};

/* One --print I[:TYPE[:COUNT]] or --dump I:FILE of run. */
struct run_out {
	unsigned arg;
	char type;			/* 'f' f32, 'i' i32, 'u' u32, 'b' u8 */
	uint64_t count;
	const char *path;		/* --dump's file; NULL for --print */
};

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
	/* run and matmul */
	const char *module;		/* run --module FILE; NULL or "builtin": built in */
	const char *kernel;
	uint32_t grid[3], block[3];
	uint32_t shmem;
	uint64_t seed;			/* matmul's inputs */
	unsigned nargs, nouts;
	struct run_arg args[RUN_MAX_ARGS];
	struct run_out outs[RUN_MAX_OUTS];
};

/* Says what a failed call means here; the exit status (1, or 3: no device). */
int tool_fail(struct tool *t, const char *what, int rc);

int cmd_info(struct tool *t, const struct args *a);	/* tool_info.c */
int cmd_bench(struct tool *t, const struct args *a);	/* tool_bench.c */
int cmd_mem(struct tool *t, const struct args *a);	/* tool_mem.c */
int cmd_run(struct tool *t, const struct args *a);	/* tool_run.c */
int cmd_matmul(struct tool *t, const struct args *a);	/* tool_matmul.c */

/*
 * run's and matmul's own options (tool_run.c): 0, EXIT_USAGE after one line
 * naming the bad value, or -1 when @c is not one of theirs.
 */
int tool_run_option(int c, const char *arg, struct args *a);
/* What only the whole command line can tell; 0 or EXIT_USAGE. */
int tool_run_check(char **argv, struct args *a);
int tool_matmul_check(char **argv, struct args *a);

/*
 * A session, @image loaded in it and its kernel @name: 0, or the exit
 * status after saying what failed (a backend that cannot run kernels in
 * one line).  On failure the session, if any, is closed.
 */
struct kernel_ctx {
	uint32_t session;
	uint64_t module;
	struct vgpufront_func f;
};
int tool_kernel_open(struct tool *t, const char *cmd, const void *image, size_t len,
		     const char *name, struct kernel_ctx *k);
void tool_kernel_close(struct tool *t, struct kernel_ctx *k);
/* The parameter blob @f wants, packed from @args into a read-only buffer. */
int tool_kernel_params(struct tool *t, const struct vgpufront_func *f, void *const *args,
		       struct vgpufront_buf **buf);

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
