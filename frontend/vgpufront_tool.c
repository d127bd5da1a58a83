/* SPDX-License-Identifier: MIT */
/*
 * vgpufront: what a guest user types to use its vgpu device (vgpufront(1)):
 * options, the command table and the small commands; info: tool_info.c,
 * bench: tool_bench.c.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgpu_clock.h"
#include "tool_priv.h"

#define MAX_DEVID	2147483647u
#define MAX_TIMEOUT_MS	3600000u	/* an hour */
#define MAX_COUNT	10000000u
#define MAX_REPEAT	1000000u
#define MAX_SECONDS	3600.0
#define MAX_INFLIGHT	512u		/* the largest ring's slots */

/*
 * A failed call: say what it means here (which limit, how to raise it);
 * exit 3 when the device is unusable (backend gone or broken, timeout).
 */
int tool_fail(struct tool *t, const char *what, int rc)
{
	char why[512];

	fprintf(stderr, "vgpufront: %s: %s\n", what,
		vgpufront_explain(t->dev, rc, why, sizeof(why)));
	if (rc == -EPIPE || rc == -ETIMEDOUT || rc == -EPROTO)
		return EXIT_NODEV;
	return EXIT_FAILED;
}

/* Bad input: one line naming the option, the value and what is allowed. */
static int bad_value(const char *opt, const char *val, const char *allowed)
{
	fprintf(stderr, "vgpufront: %s '%s': %s\n", opt, val, allowed);
	return EXIT_USAGE;
}

int tool_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmd_ping(struct tool *t, const struct args *a)
{
	unsigned count = a->count;
	uint64_t *lat = calloc(count, sizeof(*lat));
	unsigned i;
	int rc;

	if (!lat) {
		fprintf(stderr, "vgpufront: ping: no memory for %u latencies\n", count);
		return EXIT_FAILED;
	}
	for (i = 0; i < count; i++) {
		uint64_t t0 = vgpu_now_ns();

		rc = vgpufront_ping(t->dev);
		if (rc) {
			free(lat);
			return tool_fail(t, "ping", rc);
		}
		lat[i] = vgpu_now_ns() - t0;
	}
	qsort(lat, count, sizeof(*lat), tool_cmp_u64);
	printf("%u pings: median %.1f us, p99 %.1f us, min %.1f us\n", count,
	       lat[count / 2] / 1e3, lat[(count * 99) / 100 < count ? (count * 99) / 100 : count - 1] / 1e3,
	       lat[0] / 1e3);
	free(lat);
	return 0;
}

static int parse_i64(const char *s, int64_t *v)
{
	char *end;

	/* Decimal only: "010" is ten, not eight; no blank before it. */
	if (!((*s >= '0' && *s <= '9') || *s == '-' || *s == '+'))
		return -1;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return errno || *end ? -1 : 0;
}

static int cmd_add(struct tool *t, const struct args *a)
{
	int64_t sum;
	int rc;

	rc = vgpufront_scalar_add(t->dev, a->x, a->y, &sum);
	if (rc)
		return tool_fail(t, "add", rc);
	printf("%" PRId64 "\n", sum);
	return 0;
}

/* Deterministic, never-zero inputs: a xorshift generator. */
float tool_rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (float)((*s >> 40) % 2000000) / 1000.0f - 999.5f;
}

/* Every c[i] == a[i] + b[i]: 0, or EXIT_FAILED after naming the first wrong. */
static int verify_sum(const float *fa, const float *fb, const float *fc, uint64_t n)
{
	uint64_t i, bad = 0;

	for (i = 0; i < n; i++) {
		float want = fa[i] + fb[i];

		if (fc[i] != want) {
			if (bad < 5)
				fprintf(stderr, "vgpufront: vadd: c[%" PRIu64 "] = %g, want %g\n",
					i, (double)fc[i], (double)want);
			bad++;
		}
	}
	if (bad) {
		fprintf(stderr, "vgpufront: vadd: %" PRIu64 " of %" PRIu64 " elements wrong\n",
			bad, n);
		return EXIT_FAILED;
	}
	printf("verified: all %" PRIu64 " elements equal a + b\n", n);
	return 0;
}

static int cmd_vadd(struct tool *t, const struct args *args)
{
	uint64_t n = args->n;
	struct vgpufront_buf *a, *b, *c;
	struct vgpuif_response rsp;
	size_t bytes = n * sizeof(float);
	uint64_t seed = vgpu_now_ns() | 1, i, best = UINT64_MAX;
	float *fa, *fb, *fc;
	unsigned r, repeat = args->repeat;
	struct progress prog;
	int rc = 0, st;

	a = vgpufront_buf_alloc(t->dev, bytes, VGPUFRONT_BUF_READONLY, &st);
	b = a ? vgpufront_buf_alloc(t->dev, bytes, VGPUFRONT_BUF_READONLY, &st) : NULL;
	c = b ? vgpufront_buf_alloc(t->dev, bytes, 0, &st) : NULL;
	if (!c) {
		rc = tool_fail(t, "vadd: buffer", st);
		goto out;
	}
	fa = a->addr;
	fb = b->addr;
	fc = c->addr;
	for (i = 0; i < n; i++) {
		fa[i] = tool_rnd(&seed);
		fb[i] = tool_rnd(&seed);
	}
	progress_start(&prog, "vadd", repeat);
	for (r = 0; r < repeat; r++) {
		uint64_t t0;

		for (i = 0; i < n; i++)
			fc[i] = NAN;	/* poison: every element must be written */
		t0 = vgpu_now_ns();
		st = vgpufront_vector_add(t->dev, n, a, 0, b, 0, c, 0, &rsp);
		t0 = vgpu_now_ns() - t0;
		if (st) {
			progress_end(&prog);
			rc = tool_fail(t, "vadd", st);
			goto out;
		}
		if (t0 < best)
			best = t0;
		progress_step(&prog, r + 1);
	}
	progress_end(&prog);
	printf("vadd n=%" PRIu64 ": %.1f us round trip (queued %.1f us, executed %.1f us), %.2f GB/s\n",
	       n, best / 1e3, rsp.queue_ns / 1e3, rsp.exec_ns / 1e3,
	       3.0 * (double)bytes / (double)best);
	if (args->verify)
		rc = verify_sum(fa, fb, fc, n);
out:
	vgpufront_buf_free(t->dev, a);
	vgpufront_buf_free(t->dev, b);
	vgpufront_buf_free(t->dev, c);
	return rc;
}

/* add's NUM1 and NUM2, checked before anything runs. */
static int parse_add(char **argv, struct args *a)
{
	if (parse_i64(argv[0], &a->x))
		return bad_value("add NUM1", argv[0], "a 64-bit integer");
	if (parse_i64(argv[1], &a->y))
		return bad_value("add NUM2", argv[1], "a 64-bit integer");
	return 0;
}

struct command {
	const char *name;
	int (*run)(struct tool *t, const struct args *a);
	const char *usage;		/* its lines of --help */
	int nargs;			/* operands after the options */
	int (*parse)(char **argv, struct args *a);	/* checks them, or NULL */
	unsigned opts;			/* options it takes: 1 << OPT_* */
	unsigned needs;			/* options it cannot do without */
	const char *needs_msg;		/* what to say when one is missing */
};

static const struct command commands[] = {
	{ "info", cmd_info,
	  "  info [--json]             this device: GPUs, host driver and CUDA versions, executor,\n"
	  "                            data path, pool and priority, limits (--json: one object)\n",
	  .opts = 1u << OPT_JSON },
	{ "ping", cmd_ping,
	  "  ping [--count N]          N NOP round trips (1-10000000, default 100); the latency\n",
	  .opts = 1u << OPT_COUNT },
	{ "add", cmd_add,
	  "  add NUM1 NUM2             prints NUM1 + NUM2 (64-bit integers), computed by the backend\n",
	  .nargs = 2, .parse = parse_add },
	{ "vadd", cmd_vadd,
	  "  vadd --n N [--verify] [--repeat R]\n"
	  "                            c = a + b over N floats (1-2^28); --verify checks every\n"
	  "                            element; R repetitions (1-1000000, default 1)\n",
	  .opts = 1u << OPT_N | 1u << OPT_VERIFY | 1u << OPT_REPEAT,
	  .needs = 1u << OPT_N, .needs_msg = "vadd needs --n N (1 to 2^28 floats)" },
	{ "bench", cmd_bench,
	  "  bench [--seconds S] [--inflight K] [--json] [--svg FILE]\n"
	  "                            latency (one in flight) and throughput (K in flight,\n"
	  "                            1-512, default 32; S seconds, (0, 3600], default 1);\n"
	  "                            --svg: also 1, 2, 4 ... K in flight, S seconds each,\n"
	  "                            p50/p99 latency and req/s charted into FILE\n",
	  .opts = 1u << OPT_SECONDS | 1u << OPT_INFLIGHT | 1u << OPT_JSON | 1u << OPT_SVG },
	{ "mem", cmd_mem,
	  "  mem [--n BYTES] [--repeat R] [--json]\n"
	  "                            device memory (protocol 2): a session, host -> device ->\n"
	  "                            device -> host with a memset, every byte checked; each\n"
	  "                            step's median rate over R rounds (BYTES 1-2^28, default\n"
	  "                            1048576; R default 1)\n",
	  .opts = 1u << OPT_N | 1u << OPT_REPEAT | 1u << OPT_JSON },
	{ "run", cmd_run,
	  "  run [--module FILE] --kernel NAME --grid X[,Y[,Z]] --block X[,Y[,Z]]\n"
	  "      [--shmem BYTES] --arg SPEC... [--print I[:TYPE[:COUNT]]] [--dump I:FILE]\n"
	  "      [--json]\n"
	  "                            launch a kernel (protocol 2, CUDA executor) of the module\n"
	  "                            FILE (PTX, cubin, fatbin; default: the built-in one), one\n"
	  "                            --arg per parameter: i32:V u32:V i64:V u64:V f32:V f64:V,\n"
	  "                            or device memory: zeros:BYTES file:PATH f32seq:N\n"
	  "                            f32fill:N:V; then print or dump argument I's memory\n"
	  "                            (TYPE f32, i32, u32, u8; COUNT default 8)\n",
	  .opts = 1u << OPT_MODULE | 1u << OPT_KERNEL | 1u << OPT_GRID | 1u << OPT_BLOCK |
		  1u << OPT_SHMEM | 1u << OPT_ARG | 1u << OPT_PRINT | 1u << OPT_DUMP |
		  1u << OPT_JSON,
	  .needs = 1u << OPT_KERNEL | 1u << OPT_GRID | 1u << OPT_BLOCK,
	  .needs_msg = "run needs --kernel NAME, --grid X[,Y[,Z]] and --block X[,Y[,Z]]",
	  .parse = tool_run_check },
	{ "matmul", cmd_matmul,
	  "  matmul [--n N] [--verify] [--repeat R] [--seed S] [--json]\n"
	  "                            C = A B, N x N floats (1-16384, default 1024), with the\n"
	  "                            built-in vgpu_matmul (CUDA executor); the median time of\n"
	  "                            R launches (default 5) and GFLOP/s; --verify checks C\n"
	  "                            against the CPU (4096 sampled entries when N > 1024)\n",
	  .opts = 1u << OPT_N | 1u << OPT_VERIFY | 1u << OPT_REPEAT | 1u << OPT_SEED |
		  1u << OPT_JSON,
	  .parse = tool_matmul_check },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	unsigned i;

	fprintf(f,
"Usage: vgpufront [OPTIONS] COMMAND [ARGS]\n"
"Use this guest's xen-vgpu device (GPU compute through the dom0 backend).\n"
"\n"
"Commands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fputs(commands[i].usage, f);
	fprintf(f,
"\n"
"Options:\n"
"  -d, --device N            vgpu device number (0-2147483647, default 0)\n"
"  -t, --timeout MS          handshake and request timeout (1-3600000, default 10000)\n"
"  -r, --ring-order N        ring pages = 2^N (0-4), capped by the backend (default 2)\n"
"  -h, --help                this help\n"
"  -V, --version             version\n"
"\n"
"On a terminal, vadd and bench show their progress on stderr (one line).\n"
"Kernels (run, matmul) need the backend's CUDA executor.\n"
"\n"
"Environment: VGPUFRONT_SPIN_US: watch the ring this many us before sleeping\n"
"on the event channel (default 200; -1 never).\n"
"\n"
"Exit status: 0 success, 1 a request or a verification failed, 2 usage or a\n"
"bad value, 3 no device, backend not answering, gone or broken, or timeout.\n");
}

/*
 * A whole decimal number in [min, max]: digits only (no sign, no blank, no
 * fraction, no hex), so that "-3", "1.5" and "99999999999" never become
 * something else.  0, or EXIT_USAGE after saying so.
 */
static int parse_uint(const char *opt, const char *s, uint64_t min, uint64_t max,
		      const char *note, uint64_t *v)
{
	char allowed[160], *end;

	snprintf(allowed, sizeof(allowed), "a whole number from %" PRIu64 " to %" PRIu64 "%s",
		 min, max, note);
	if (*s < '0' || *s > '9')
		return bad_value(opt, s, allowed);
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno || *end || *v < min || *v > max)
		return bad_value(opt, s, allowed);
	return 0;
}

static int parse_seconds(const char *s, double *secs)
{
	char *end;

	errno = 0;
	*secs = strtod(s, &end);
	if (errno || end == s || *end || !(*secs > 0) || *secs > MAX_SECONDS)
		return bad_value("--seconds", s, "a number of seconds above 0, at most 3600");
	return 0;
}

/* One command option: its value checked; 0 or EXIT_USAGE. */
static int command_option(int c, const char *arg, struct args *a)
{
	uint64_t v = 0;
	int rc = 0;

	switch (c) {
	case 'c':
		rc = parse_uint("--count", arg, 1, MAX_COUNT, "", &v);
		a->count = (unsigned)v;
		a->given |= 1u << OPT_COUNT;
		break;
	case 'n':
		rc = parse_uint("--n", arg, 1, VGPUIF_MAX_VECTOR_ELEMS,
				" (floats; 2^28 is the protocol's maximum)", &v);
		a->n = v;
		a->given |= 1u << OPT_N;
		break;
	case 'v':
		a->verify = true;
		a->given |= 1u << OPT_VERIFY;
		break;
	case 'R':
		rc = parse_uint("--repeat", arg, 1, MAX_REPEAT, "", &v);
		a->repeat = (unsigned)v;
		a->given |= 1u << OPT_REPEAT;
		break;
	case 's':
		rc = parse_seconds(arg, &a->secs);
		a->given |= 1u << OPT_SECONDS;
		break;
	case 'k':
		rc = parse_uint("--inflight", arg, 1, MAX_INFLIGHT, "", &v);
		a->k = (unsigned)v;
		a->given |= 1u << OPT_INFLIGHT;
		break;
	case 'j':
		a->json = true;
		a->given |= 1u << OPT_JSON;
		break;
	case 'G':
		if (!*arg)
			return bad_value("--svg", arg, "a file name");
		a->svg = arg;
		a->given |= 1u << OPT_SVG;
		break;
	default:
		rc = tool_run_option(c, arg, a);
		if (rc >= 0)
			return rc;
		usage(stderr);
		return EXIT_USAGE;
	}
	return rc;
}

/* The global options; 0, or EXIT_USAGE after saying why. */
static int global_option(int c, const char *arg, struct tool *t)
{
	uint64_t v;
	int rc;

	switch (c) {
	case 'd':
		rc = parse_uint("--device", arg, 0, MAX_DEVID, "", &v);
		t->devid = (unsigned)v;
		return rc;
	case 't':
		rc = parse_uint("--timeout", arg, 1, MAX_TIMEOUT_MS, "", &v);
		t->timeout_ms = (int)v;
		return rc;
	case 'r':
		rc = parse_uint("--ring-order", arg, 0, VGPUIF_MAX_RING_PAGE_ORDER,
				" (ring of 2^N pages)", &v);
		t->order = (unsigned)v;
		return rc;
	}
	return EXIT_USAGE;
}

/* The command @name (NULL after saying so) and its operands checked. */
static const struct command *check_command(const char *name, struct args *a,
					   char **argv, int nargs)
{
	static const char *const names[] = { "--count", "--n", "--verify", "--repeat",
					     "--seconds", "--inflight", "--json", "--svg",
					     "--module", "--kernel", "--grid", "--block",
					     "--shmem", "--arg", "--print", "--dump", "--seed" };
	const struct command *cmd = NULL;
	unsigned i, o;

	for (i = 0; i < NCOMMANDS && !cmd; i++)
		if (!strcmp(name, commands[i].name))
			cmd = &commands[i];
	if (!cmd) {
		fprintf(stderr, "vgpufront: unknown command '%s' (info, ping, add, vadd, bench, mem, "
			"run, matmul)\n",
			name);
		return NULL;
	}
	for (o = 0; o < sizeof(names) / sizeof(names[0]); o++)
		if (a->given & ~cmd->opts & 1u << o) {
			fprintf(stderr, "vgpufront: %s: %s does not apply to this command\n",
				name, names[o]);
			return NULL;
		}
	if (nargs != cmd->nargs) {
		fprintf(stderr, "vgpufront: %s takes %d argument%s, not %d\n", name,
			cmd->nargs, cmd->nargs == 1 ? "" : "s", nargs);
		return NULL;
	}
	if (cmd->needs & ~a->given) {
		fprintf(stderr, "vgpufront: %s\n", cmd->needs_msg);
		return NULL;
	}
	if (cmd->parse && cmd->parse(argv, a))
		return NULL;
	return cmd;
}

static const struct option long_opts[] = {
	{ "device", required_argument, NULL, 'd' },
	{ "timeout", required_argument, NULL, 't' },
	{ "ring-order", required_argument, NULL, 'r' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "count", required_argument, NULL, 'c' },
	{ "n", required_argument, NULL, 'n' },
	{ "verify", no_argument, NULL, 'v' },
	{ "repeat", required_argument, NULL, 'R' },
	{ "seconds", required_argument, NULL, 's' },
	{ "inflight", required_argument, NULL, 'k' },
	{ "json", no_argument, NULL, 'j' },
	{ "svg", required_argument, NULL, 'G' },
	{ "module", required_argument, NULL, 'M' },
	{ "kernel", required_argument, NULL, 'K' },
	{ "grid", required_argument, NULL, 'g' },
	{ "block", required_argument, NULL, 'b' },
	{ "shmem", required_argument, NULL, 'S' },
	{ "arg", required_argument, NULL, 'a' },
	{ "print", required_argument, NULL, 'p' },
	{ "dump", required_argument, NULL, 'D' },
	{ "seed", required_argument, NULL, 'e' },
	{ NULL, 0, NULL, 0 },
};

/*
 * The options before the command: -1 to go on, else the exit status
 * (0 after --help or --version).
 */
static int global_options(int argc, char **argv, struct tool *t)
{
	int c, rc;

	while ((c = getopt_long(argc, argv, "+d:t:r:hV", long_opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("vgpufront %s\n", PACKAGE_VERSION);
			return 0;
		case 'd':
		case 't':
		case 'r':
			rc = global_option(c, optarg, t);
			if (rc)
				return rc;
			break;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct tool t = { .devid = 0, .timeout_ms = 10000, .order = 2 };
	struct vgpufront_opts fo;
	struct args a = { .count = 100, .repeat = 1, .k = 32, .secs = 1.0 };
	const struct command *cmd;
	const char *name;
	char err[512];
	int c, rc;

	rc = global_options(argc, argv, &t);
	if (rc >= 0)
		return rc;
	name = argv[optind];
	optind++;
	while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1)
		if ((rc = command_option(c, optarg, &a)))
			return rc;
	cmd = check_command(name, &a, argv + optind, argc - optind);
	if (!cmd)
		return EXIT_USAGE;
	memset(&fo, 0, sizeof(fo));	/* spin_us 0: $VGPUFRONT_SPIN_US or 200 */
	fo.ring_page_order = t.order;
	fo.timeout_ms = t.timeout_ms;
	t.dev = vgpufront_open(t.devid, &fo, err, sizeof(err));
	if (!t.dev) {
		fprintf(stderr, "vgpufront: %s\n", err);
		return EXIT_NODEV;
	}
	rc = cmd->run(&t, &a);
	vgpufront_close(t.dev);
	return rc;
}
