/* SPDX-License-Identifier: MIT */
/* vgpufront: what a guest user types to use its vgpu device (vgpufront(1)). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static void usage(FILE *f)
{
	fprintf(f,
"Usage: vgpufront [OPTIONS] COMMAND [ARGS]\n"
"Use this guest's xen-vgpu device (GPU compute through the dom0 backend).\n"
"\n"
"Commands:\n"
"  info                      what the backend offers: executor, GPUs, data path, limits\n"
"  ping [--count N]          NOP round trips; prints the latency\n"
"  add NUM1 NUM2             prints NUM1 + NUM2, computed by the backend\n"
"  vadd --n N [--verify] [--repeat R]\n"
"                            c = a + b over N floats; --verify checks every element\n"
"  bench [--seconds S] [--inflight K]\n"
"                            latency (one in flight) and throughput (K in flight) tables\n"
"\n"
"Options:\n"
"  -d, --device N            vgpu device number (default 0)\n"
"  -t, --timeout MS          handshake and request timeout (default 10000)\n"
"  -r, --ring-order N        ring pages = 2^N, capped by the backend (default 2)\n"
"  -h, --help                this help\n"
"  -V, --version             version\n"
"\n"
"Environment: VGPUFRONT_SPIN_US: watch the ring this many us before sleeping\n"
"on the event channel (default 200; -1 never).\n"
"\n"
"Exit status: 0 success, 1 a request or a verification failed, 2 usage,\n"
"3 no device, backend gone or timeout.\n");
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int fail(const char *what, int rc)
{
	fprintf(stderr, "vgpufront: %s: %s\n", what, vgpufront_strerror(rc));
	if (rc == -EPIPE || rc == -ETIMEDOUT)
		return EXIT_NODEV;
	return EXIT_FAILED;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmd_info(struct tool *t)
{
	static const char *const exec[] = { "cpu", "cuda" };
	static const char *const path[] = { "cpu (mapped pages)", "dma (registered guest pages)",
					    "staging (pinned bounce buffers)" };
	struct vgpuif_query_result q;
	char text[4096];
	int rc = vgpufront_query(t->dev, &q, text, sizeof(text));

	if (rc)
		return fail("info", rc);
	printf("device:        %u (domain %u)\n", t->devid, vgpufront_domid(t->dev));
	printf("protocol:      %u\n", q.version);
	printf("executor:      %s\n", q.executor < 2 ? exec[q.executor] : "?");
	printf("data path:     %s\n", q.path < 3 ? path[q.path] : "?");
	printf("gpus:          %u\n", q.ngpus);
	printf("gpu memory:    %.1f GiB\n", (double)q.gpu_mem_total / (1u << 30));
	printf("slots:         %u\n", q.slots);
	printf("ring size:     %u (local %u)\n", q.ring_size, vgpufront_ring_size(t->dev));
	printf("max inflight:  %u per domain\n", q.max_inflight);
	printf("max buffers:   %u pages per domain\n", q.max_buf_pages);
	if (text[0])
		printf("%s%s", text, text[strlen(text) - 1] == '\n' ? "" : "\n");
	return 0;
}

static int cmd_ping(struct tool *t, unsigned count)
{
	uint64_t *lat = calloc(count, sizeof(*lat));
	unsigned i;
	int rc;

	if (!lat)
		return EXIT_FAILED;
	for (i = 0; i < count; i++) {
		uint64_t t0 = now_ns();

		rc = vgpufront_ping(t->dev);
		if (rc) {
			free(lat);
			return fail("ping", rc);
		}
		lat[i] = now_ns() - t0;
	}
	qsort(lat, count, sizeof(*lat), cmp_u64);
	printf("%u pings: median %.1f us, p99 %.1f us, min %.1f us\n", count,
	       lat[count / 2] / 1e3, lat[(count * 99) / 100 < count ? (count * 99) / 100 : count - 1] / 1e3,
	       lat[0] / 1e3);
	free(lat);
	return 0;
}

static int parse_i64(const char *s, int64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoll(s, &end, 0);
	return errno || !*s || *end ? -1 : 0;
}

static int cmd_add(struct tool *t, const char *a, const char *b)
{
	int64_t x, y, sum;
	int rc;

	if (parse_i64(a, &x) || parse_i64(b, &y)) {
		fprintf(stderr, "vgpufront: add: NUM1 and NUM2 must be integers\n");
		return EXIT_USAGE;
	}
	rc = vgpufront_scalar_add(t->dev, x, y, &sum);
	if (rc)
		return fail("add", rc);
	printf("%" PRId64 "\n", sum);
	return 0;
}

/* Deterministic, never-zero inputs: a xorshift generator. */
static float rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (float)((*s >> 40) % 2000000) / 1000.0f - 999.5f;
}

static int cmd_vadd(struct tool *t, uint64_t n, bool verify, unsigned repeat)
{
	struct vgpufront_buf *a, *b, *c;
	struct vgpuif_response rsp;
	size_t bytes = n * sizeof(float);
	uint64_t seed = now_ns() | 1, i, bad = 0, best = UINT64_MAX;
	float *fa, *fb, *fc;
	unsigned r;
	int rc = 0, st;

	a = vgpufront_buf_alloc(t->dev, bytes, VGPUFRONT_BUF_READONLY, &st);
	b = a ? vgpufront_buf_alloc(t->dev, bytes, VGPUFRONT_BUF_READONLY, &st) : NULL;
	c = b ? vgpufront_buf_alloc(t->dev, bytes, 0, &st) : NULL;
	if (!c) {
		rc = fail("vadd: buffer", st);
		goto out;
	}
	fa = a->addr;
	fb = b->addr;
	fc = c->addr;
	for (i = 0; i < n; i++) {
		fa[i] = rnd(&seed);
		fb[i] = rnd(&seed);
	}
	for (r = 0; r < repeat; r++) {
		uint64_t t0;

		for (i = 0; i < n; i++)
			fc[i] = NAN;	/* poison: every element must be written */
		t0 = now_ns();
		st = vgpufront_vector_add(t->dev, n, a, 0, b, 0, c, 0, &rsp);
		t0 = now_ns() - t0;
		if (st) {
			rc = fail("vadd", st);
			goto out;
		}
		if (t0 < best)
			best = t0;
	}
	printf("vadd n=%" PRIu64 ": %.1f us round trip (queued %.1f us, executed %.1f us), %.2f GB/s\n",
	       n, best / 1e3, rsp.queue_ns / 1e3, rsp.exec_ns / 1e3,
	       3.0 * (double)bytes / (double)best);
	if (verify) {
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
			rc = EXIT_FAILED;
		} else {
			printf("verified: all %" PRIu64 " elements equal a + b\n", n);
		}
	}
out:
	vgpufront_buf_free(t->dev, a);
	vgpufront_buf_free(t->dev, b);
	vgpufront_buf_free(t->dev, c);
	return rc;
}

/* K requests kept in flight for @secs; returns requests per second. */
static double throughput(struct tool *t, struct vgpuif_request *tmpl,
			 unsigned k, double secs, int *err)
{
	struct vgpuif_response rsps[64];
	uint64_t end = now_ns() + (uint64_t)(secs * 1e9), t0 = now_ns(), done = 0;
	unsigned inflight = 0;

	*err = 0;
	while (now_ns() < end) {
		while (inflight < k) {
			struct vgpuif_request r = *tmpl;

			if (vgpufront_submit(t->dev, &r))
				break;
			inflight++;
		}
		int n = vgpufront_poll(t->dev, rsps, 64, 1000);

		if (n < 0) {
			*err = n;
			return 0;
		}
		for (int i = 0; i < n; i++)
			if (rsps[i].status)
				*err = rsps[i].status;
		inflight -= (unsigned)n;
		done += (unsigned)n;
	}
	while (inflight) {
		int n = vgpufront_poll(t->dev, rsps, 64, 1000);

		if (n <= 0)
			break;
		inflight -= (unsigned)n;
		done += (unsigned)n;
	}
	return (double)done / ((now_ns() - t0) / 1e9);
}

static int cmd_bench(struct tool *t, double secs, unsigned k)
{
	struct vgpufront_buf *a, *b, *c;
	struct vgpuif_request nop, vadd;
	uint64_t lat[2][2000], seed = 7;
	unsigned i, j, n = 2000;
	double tp[2];
	int st, err;

	a = vgpufront_buf_alloc(t->dev, 4096, VGPUFRONT_BUF_READONLY, &st);
	b = a ? vgpufront_buf_alloc(t->dev, 4096, VGPUFRONT_BUF_READONLY, &st) : NULL;
	c = b ? vgpufront_buf_alloc(t->dev, 4096, 0, &st) : NULL;
	if (!c)
		return fail("bench: buffer", st);
	for (i = 0; i < 1024; i++) {
		((float *)a->addr)[i] = rnd(&seed);
		((float *)b->addr)[i] = rnd(&seed);
	}
	memset(&nop, 0, sizeof(nop));
	nop.op = VGPU_OP_NOP;
	memset(&vadd, 0, sizeof(vadd));
	vadd.op = VGPU_OP_VECTOR_ADD;
	vadd.u.vector_add.n = 1024;
	vadd.u.vector_add.a.handle = a->handle;
	vadd.u.vector_add.b.handle = b->handle;
	vadd.u.vector_add.c.handle = c->handle;
	for (j = 0; j < 2; j++) {
		for (i = 0; i < n; i++) {
			struct vgpuif_request r = j ? vadd : nop;
			struct vgpuif_response rsp;
			uint64_t t0 = now_ns();

			st = vgpufront_call(t->dev, &r, &rsp);
			if (st)
				return fail("bench", st);
			lat[j][i] = now_ns() - t0;
		}
		qsort(lat[j], n, sizeof(lat[j][0]), cmp_u64);
		tp[j] = throughput(t, j ? &vadd : &nop, k, secs, &err);
		if (err)
			return fail("bench", err);
	}
	printf("%-18s %12s %12s %16s\n", "request", "median us", "p99 us",
	       "req/s (K in flight)");
	for (j = 0; j < 2; j++)
		printf("%-18s %12.1f %12.1f %16.0f\n", j ? "vadd 1K floats" : "nop",
		       lat[j][n / 2] / 1e3, lat[j][n * 99 / 100] / 1e3, tp[j]);
	printf("(latency: %u sequential round trips; throughput: %u in flight for %.1f s)\n",
	       n, k, secs);
	vgpufront_buf_free(t->dev, a);
	vgpufront_buf_free(t->dev, b);
	vgpufront_buf_free(t->dev, c);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
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
		{ NULL, 0, NULL, 0 },
	};
	struct tool t = { .devid = 0, .timeout_ms = 10000, .order = 2 };
	struct vgpufront_opts fo;
	unsigned count = 100, repeat = 1, k = 32;
	uint64_t n = 0;
	double secs = 1.0;
	bool verify = false;
	const char *cmd;
	char err[512];
	int c, rc;

	while ((c = getopt_long(argc, argv, "+d:t:r:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'd': t.devid = (unsigned)strtoul(optarg, NULL, 10); break;
		case 't': t.timeout_ms = atoi(optarg); break;
		case 'r': t.order = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("vgpufront %s\n", PACKAGE_VERSION); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind];
	optind++;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c': count = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'n': n = strtoull(optarg, NULL, 0); break;
		case 'v': verify = true; break;
		case 'R': repeat = (unsigned)strtoul(optarg, NULL, 10); break;
		case 's': secs = atof(optarg); break;
		case 'k': k = (unsigned)strtoul(optarg, NULL, 10); break;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (!strcmp(cmd, "add") ? argc - optind != 2 : argc != optind) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(cmd, "vadd") && (n == 0 || repeat == 0)) {
		fprintf(stderr, "vgpufront: vadd needs --n N (N > 0)\n");
		return EXIT_USAGE;
	}
	if (strcmp(cmd, "info") && strcmp(cmd, "ping") && strcmp(cmd, "add") &&
	    strcmp(cmd, "vadd") && strcmp(cmd, "bench")) {
		fprintf(stderr, "vgpufront: unknown command '%s'\n", cmd);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!count || !k || secs <= 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	fo.ring_page_order = t.order;
	fo.timeout_ms = t.timeout_ms;
	t.dev = vgpufront_open(t.devid, &fo, err, sizeof(err));
	if (!t.dev) {
		fprintf(stderr, "vgpufront: %s\n", err);
		return EXIT_NODEV;
	}
	if (!strcmp(cmd, "info"))
		rc = cmd_info(&t);
	else if (!strcmp(cmd, "ping"))
		rc = cmd_ping(&t, count);
	else if (!strcmp(cmd, "add"))
		rc = cmd_add(&t, argv[optind], argv[optind + 1]);
	else if (!strcmp(cmd, "vadd"))
		rc = cmd_vadd(&t, n, verify, repeat);
	else
		rc = cmd_bench(&t, secs, k > vgpufront_ring_size(t.dev) ?
			       vgpufront_ring_size(t.dev) : k);
	vgpufront_close(t.dev);
	return rc;
}
