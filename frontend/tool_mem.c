/* SPDX-License-Identifier: MIT */
/*
 * tool_mem.c: vgpufront mem, a round trip through this guest's device
 * memory (protocol version 2), checked byte for byte: a session, two
 * allocations, host -> device, device -> device, a 32-bit memset over part
 * of the copy, device -> host, and the result against what the guest
 * computes itself.  Each step's rate is printed (the median of --repeat
 * rounds): what a CUDA user's cudaMemcpy would see through the ring.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "tool_json.h"
#include "tool_priv.h"
#include "vgpu_clock.h"

#define MEMSET_WORD 0xa5c3e10fu

struct mem_run {
	uint32_t session;
	uint64_t d[2];			/* source and copy, on the device */
	struct vgpufront_buf *in, *out;
	uint64_t ns[4];			/* htod, dtod, memset, dtoh: medians */
};

static void fill(uint8_t *p, uint64_t n, uint64_t seed)
{
	uint64_t i;

	for (i = 0; i < n; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		p[i] = (uint8_t)seed;
	}
}

/* The copy, with its second quarter set to MEMSET_WORD: where it differs first. */
static uint64_t first_wrong(const uint8_t *in, const uint8_t *out, uint64_t n)
{
	uint64_t lo = n / 4 / 4 * 4, words = n / 4 / 4, i;
	uint32_t w = MEMSET_WORD;

	for (i = 0; i < n; i++) {
		uint8_t want = in[i];

		if (i >= lo && i < lo + words * 4)
			want = ((const uint8_t *)&w)[(i - lo) % 4];
		if (out[i] != want)
			return i;
	}
	return n;
}

/* One round, each step timed into @ns; 0 or the first failure. */
static int steps(struct tool *t, struct mem_run *r, uint64_t n, uint64_t *ns)
{
	uint64_t lo = n / 4 / 4 * 4, t0 = vgpu_now_ns();
	int rc;

	rc = vgpufront_memcpy_htod(t->dev, r->session, r->d[0], r->in, 0, n);
	ns[0] = vgpu_now_ns() - t0;
	t0 = vgpu_now_ns();
	if (!rc)
		rc = vgpufront_memcpy_dtod(t->dev, r->session, r->d[1], r->d[0], n);
	ns[1] = vgpu_now_ns() - t0;
	t0 = vgpu_now_ns();
	if (!rc && n / 16)
		rc = vgpufront_memset(t->dev, r->session, r->d[1] + lo, MEMSET_WORD, 4, n / 16);
	ns[2] = vgpu_now_ns() - t0;
	t0 = vgpu_now_ns();
	if (!rc)
		rc = vgpufront_memcpy_dtoh(t->dev, r->session, r->out, 0, r->d[1], n);
	ns[3] = vgpu_now_ns() - t0;
	return rc;
}

static double gbps(uint64_t bytes, uint64_t ns)
{
	return ns ? (double)bytes / (double)ns : 0;
}

static void report_json(const struct mem_run *r, uint64_t n, bool ok)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	size_t len;

	if (!g)
		return;
	yajl_gen_map_open(g);
	tool_json_key(g, "bytes");
	yajl_gen_integer(g, (long long)n);
	tool_json_num(g, "htod_gbps", "%.3f", gbps(n, r->ns[0]));
	tool_json_num(g, "dtod_gbps", "%.3f", gbps(n, r->ns[1]));
	tool_json_num(g, "memset_us", "%.3f", r->ns[2] / 1e3);
	tool_json_num(g, "dtoh_gbps", "%.3f", gbps(n, r->ns[3]));
	tool_json_key(g, "verified");
	yajl_gen_bool(g, ok);
	yajl_gen_map_close(g);
	if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
		printf("%.*s\n", (int)len, buf);
	yajl_gen_free(g);
}

static void report(const struct args *a, const struct mem_run *r, uint64_t n, bool ok)
{
	if (a->json) {
		report_json(r, n, ok);
		return;
	}
	printf("device memory: %llu bytes; htod %.2f GB/s, dtod %.2f GB/s, memset %.1f us, "
	       "dtoh %.2f GB/s\n", (unsigned long long)n, gbps(n, r->ns[0]), gbps(n, r->ns[1]),
	       r->ns[2] / 1e3, gbps(n, r->ns[3]));
}

/* The session, its memory and the buffers: 0 or the first failure. */
static int set_up(struct tool *t, struct mem_run *r, uint64_t n)
{
	int rc = vgpufront_session_open(t->dev, 0, &r->session);

	if (!rc)
		rc = vgpufront_mem_alloc(t->dev, r->session, n, &r->d[0]);
	if (!rc)
		rc = vgpufront_mem_alloc(t->dev, r->session, n, &r->d[1]);
	if (!rc)
		r->in = vgpufront_buf_alloc(t->dev, n, VGPUFRONT_BUF_READONLY, &rc);
	if (!rc)
		r->out = vgpufront_buf_alloc(t->dev, n, 0, &rc);
	return rc;
}

/* @rounds rounds; each step's median into r->ns.  0 or the first failure. */
static int rounds(struct tool *t, struct mem_run *r, uint64_t n, unsigned rounds)
{
	uint64_t *ns = calloc((size_t)rounds * 4, sizeof(*ns)), *col;
	unsigned i, s;
	int rc = ns ? 0 : -ENOMEM;

	col = ns ? calloc(rounds, sizeof(*col)) : NULL;
	if (!col)
		rc = -ENOMEM;
	for (i = 0; !rc && i < rounds; i++) {
		memset(r->out->addr, 0, n);	/* each round proves itself */
		rc = steps(t, r, n, ns + 4 * i);
	}
	for (s = 0; !rc && s < 4; s++) {
		for (i = 0; i < rounds; i++)
			col[i] = ns[4 * i + s];
		qsort(col, rounds, sizeof(*col), tool_cmp_u64);
		r->ns[s] = col[rounds / 2];
	}
	free(col);
	free(ns);
	return rc;
}

int cmd_mem(struct tool *t, const struct args *a)
{
	struct mem_run r = { 0 };
	uint64_t n = a->n ? a->n : 1u << 20, bad = n;
	int rc = set_up(t, &r, n);

	if (!rc) {
		fill(r.in->addr, n, 0x9e3779b97f4a7c15ull ^ n);
		rc = rounds(t, &r, n, a->repeat ? a->repeat : 1);
	}
	if (!rc)
		bad = first_wrong(r.in->addr, r.out->addr, n);
	if (r.out)
		vgpufront_buf_free(t->dev, r.out);
	if (r.in)
		vgpufront_buf_free(t->dev, r.in);
	if (r.session)
		vgpufront_session_close(t->dev, r.session);	/* frees d[0], d[1] */
	if (rc)
		return tool_fail(t, "mem", rc);
	report(a, &r, n, bad == n);
	if (bad != n) {
		fprintf(stderr, "vgpufront: mem: byte %llu of %llu is wrong\n",
			(unsigned long long)bad, (unsigned long long)n);
		return EXIT_FAILED;
	}
	if (!a->json)
		printf("verified: all %llu bytes\n", (unsigned long long)n);
	return 0;
}
