/* SPDX-License-Identifier: MIT */
/*
 * tool_matmul.c: vgpufront matmul, the built-in vgpu_matmul on N x N
 * random floats: the median time of --repeat launches as the guest sees
 * it (launch + wait, through the ring) and the GFLOP/s that makes, and
 * with --verify C checked against a product the guest computes itself in
 * double.  Past N = 1024 the full reference would take minutes, so 4096
 * random entries are checked instead (and the output says so).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "kernels/vgpu_kernels.h"
#include "tool_json.h"
#include "tool_priv.h"
#include "vgpu_clock.h"

#define MATMUL_MAX_N	16384u	/* 1 GiB a matrix */
#define MATMUL_FULL_N	1024u	/* up to this, every entry is verified */
#define MATMUL_SAMPLES	4096u
#define TILE		16u

struct matmul {
	uint64_t n;
	bool verify;			/* C comes back (a buffer for it) */
	struct kernel_ctx k;
	struct vgpufront_buf *a, *b, *c, *params;
	uint64_t d[3];			/* A, B, C on the device */
	uint64_t median_ns;
	/* --verify */
	uint64_t checked, bad, first_bad;
	double max_err;
};

int tool_matmul_check(char **argv, struct args *a)
{
	(void)argv;
	if (a->given & 1u << OPT_N && a->n > MATMUL_MAX_N) {
		fprintf(stderr, "vgpufront: --n '%" PRIu64 "': matmul's N is a whole number "
			"from 1 to %u\n", a->n, MATMUL_MAX_N);
		return EXIT_USAGE;
	}
	return 0;
}

/* Uniform in [-1, 1): sums of n products stay near sqrt(n), float keeps them. */
static float rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (float)(*s >> 40) / (float)(1u << 23) - 1.0f;
}

/* The guest's buffers and the device's matrices, A and B copied in. */
static int set_up(struct tool *t, struct matmul *m, uint64_t seed)
{
	uint64_t bytes = m->n * m->n * sizeof(float), i;
	float *fa, *fb;
	int rc = 0;

	m->a = vgpufront_buf_alloc(t->dev, bytes, VGPUFRONT_BUF_READONLY, &rc);
	if (!rc)
		m->b = vgpufront_buf_alloc(t->dev, bytes, VGPUFRONT_BUF_READONLY, &rc);
	if (!rc && m->verify)
		m->c = vgpufront_buf_alloc(t->dev, bytes, 0, &rc);
	for (i = 0; i < 3 && !rc; i++)
		rc = vgpufront_mem_alloc(t->dev, m->k.session, bytes, &m->d[i]);
	if (rc)
		return rc;
	fa = m->a->addr;
	fb = m->b->addr;
	seed = seed * 0x9e3779b97f4a7c15ull | 1;	/* xorshift: never 0 */
	for (i = 0; i < m->n * m->n; i++) {
		fa[i] = rnd(&seed);
		fb[i] = rnd(&seed);
	}
	rc = vgpufront_memcpy_htod(t->dev, m->k.session, m->d[0], m->a, 0, bytes);
	if (!rc)
		rc = vgpufront_memcpy_htod(t->dev, m->k.session, m->d[1], m->b, 0, bytes);
	return rc;
}

/* vgpu_matmul(const float *, const float *, float *, int): as the module says? */
static int check_kernel(const struct vgpufront_func *f)
{
	static const uint32_t size[4] = { 8, 8, 8, 4 };
	unsigned i;

	for (i = 0; f->nparams == 4 && i < 4; i++)
		if (f->layout[i].size != size[i])
			break;
	if (f->nparams == 4 && i == 4)
		return 0;
	fprintf(stderr, "vgpufront: matmul: the backend reports vgpu_matmul with %u "
		"parameters, not (pointer, pointer, pointer, int)\n", f->nparams);
	return EXIT_FAILED;
}

/* @repeat launches, each timed (launch + wait); the median into m->median_ns. */
static int run(struct tool *t, struct matmul *m, unsigned repeat)
{
	int32_t n = (int32_t)m->n;
	void *args[4] = { &m->d[0], &m->d[1], &m->d[2], &n };
	uint32_t tiles = (uint32_t)((m->n + TILE - 1) / TILE);
	struct vgpufront_launch l = {
		.func = m->k.f.handle, .grid = { tiles, tiles, 1 }, .block = { TILE, TILE, 1 },
		.params_len = m->k.f.param_bytes,
	};
	uint64_t *ns = calloc(repeat, sizeof(*ns)), t0;
	unsigned r;
	int rc;

	if (!ns)
		return -ENOMEM;
	rc = tool_kernel_params(t, &m->k.f, args, &m->params);
	l.params = m->params;
	for (r = 0; !rc && r < repeat; r++) {
		t0 = vgpu_now_ns();
		rc = vgpufront_launch(t->dev, m->k.session, &l);
		ns[r] = vgpu_now_ns() - t0;
	}
	if (!rc) {
		qsort(ns, repeat, sizeof(*ns), tool_cmp_u64);
		m->median_ns = ns[repeat / 2];
	}
	free(ns);
	return rc;
}

/* Entry (i, j) of A B in double, and how far C's is from it (relative, floor 1). */
static double entry_err(const struct matmul *m, const float *c, uint64_t i, uint64_t j)
{
	const float *fa = m->a->addr, *fb = m->b->addr;
	double ref = 0;
	uint64_t k;

	for (k = 0; k < m->n; k++)
		ref += (double)fa[i * m->n + k] * fb[k * m->n + j];
	return fabs(c[i * m->n + j] - ref) / fmax(1.0, fabs(ref));
}

static void note(struct matmul *m, uint64_t idx, double err, double tol)
{
	m->checked++;
	if (err > m->max_err || isnan(err))
		m->max_err = err;
	if (!(err <= tol) && m->bad++ == 0)
		m->first_bad = idx;
}

/* C read back and checked: every entry, or MATMUL_SAMPLES random ones. */
static int verify(struct tool *t, struct matmul *m, uint64_t seed)
{
	uint64_t bytes = m->n * m->n * sizeof(float), i, j, s = (seed ^ 0x5bd1e995) | 1;
	double tol = 1e-4 * sqrt((double)m->n);
	float *c = m->c->addr;
	int rc;

	for (i = 0; i < m->n * m->n; i++)
		c[i] = NAN;	/* poison: every entry must come from the device */
	rc = vgpufront_memcpy_dtoh(t->dev, m->k.session, m->c, 0, m->d[2], bytes);
	if (rc)
		return rc;
	if (m->n <= MATMUL_FULL_N) {
		for (i = 0; i < m->n; i++)
			for (j = 0; j < m->n; j++)
				note(m, i * m->n + j, entry_err(m, c, i, j), tol);
		return 0;
	}
	for (i = 0; i < MATMUL_SAMPLES; i++) {
		uint64_t r;

		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		r = s % (m->n * m->n);
		note(m, r, entry_err(m, c, r / m->n, r % m->n), tol);
	}
	return 0;
}

static void report_json(const struct matmul *m, unsigned repeat, bool verified)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	size_t len;

	if (!g)
		return;
	yajl_gen_map_open(g);
	tool_json_key(g, "n");
	yajl_gen_integer(g, (long long)m->n);
	tool_json_key(g, "repeat");
	yajl_gen_integer(g, repeat);
	tool_json_num(g, "median_us", "%.3f", m->median_ns / 1e3);
	tool_json_num(g, "gflops", "%.3f", 2.0 * m->n * m->n * m->n / (double)m->median_ns);
	if (verified) {
		tool_json_key(g, "checked");
		yajl_gen_integer(g, (long long)m->checked);
		tool_json_key(g, "sampled");
		yajl_gen_bool(g, m->n > MATMUL_FULL_N);
		tool_json_key(g, "bad");
		yajl_gen_integer(g, (long long)m->bad);
		if (isfinite(m->max_err))
			tool_json_num(g, "max_error", "%.3g", m->max_err);
	}
	yajl_gen_map_close(g);
	if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
		printf("%.*s\n", (int)len, buf);
	yajl_gen_free(g);
}

/* The times, then --verify's verdict; EXIT_FAILED when an entry is wrong. */
static int report(const struct args *a, const struct matmul *m, unsigned repeat)
{
	uint64_t n = m->n;

	if (a->json)
		report_json(m, repeat, a->verify);
	else
		printf("matmul n=%" PRIu64 ": median %.1f us over %u launches (launch + wait), "
		       "%.1f GFLOP/s\n", n, m->median_ns / 1e3, repeat,
		       2.0 * n * n * n / (double)m->median_ns);
	if (!a->verify)
		return 0;
	if (m->bad) {
		fprintf(stderr, "vgpufront: matmul: %" PRIu64 " of %" PRIu64 " entries checked "
			"are wrong; first C[%" PRIu64 "][%" PRIu64 "], max relative error %.3g "
			"(tolerance %.3g)\n", m->bad, m->checked, m->first_bad / n,
			m->first_bad % n, m->max_err, 1e-4 * sqrt((double)n));
		return EXIT_FAILED;
	}
	if (!a->json)
		printf("verified: %s%" PRIu64 " entries against the CPU (double), max relative "
		       "error %.3g\n", n > MATMUL_FULL_N ? "a random sample of " : "all ",
		       m->checked, m->max_err);
	return 0;
}

int cmd_matmul(struct tool *t, const struct args *a)
{
	struct matmul m = { .n = a->given & 1u << OPT_N ? a->n : MATMUL_FULL_N,
			    .verify = a->verify };
	unsigned repeat = a->given & 1u << OPT_REPEAT ? a->repeat : 5;
	uint64_t seed = a->given & 1u << OPT_SEED ? a->seed : 1;
	int rc;

	rc = tool_kernel_open(t, "matmul", vgpu_kernels_ptx, vgpu_kernels_ptx_len,
			      "vgpu_matmul", &m.k);
	if (rc)
		return rc;
	rc = check_kernel(&m.k.f);
	if (!rc) {
		rc = set_up(t, &m, seed);
		if (!rc)
			rc = run(t, &m, repeat);
		if (!rc && a->verify)
			rc = verify(t, &m, seed);
		rc = rc ? tool_fail(t, "matmul", rc) : report(a, &m, repeat);
	}
	if (m.params)
		vgpufront_buf_free(t->dev, m.params);
	if (m.c)
		vgpufront_buf_free(t->dev, m.c);
	if (m.b)
		vgpufront_buf_free(t->dev, m.b);
	if (m.a)
		vgpufront_buf_free(t->dev, m.a);
	tool_kernel_close(t, &m.k);	/* the session: module and matrices */
	return rc;
}
