/* SPDX-License-Identifier: MIT */
/*
 * vgpu-launch: the guest side of the launch benchmarks, the same kernels
 * (the built-in module's PTX) and the same counts as native_launch, through
 * libvgpufront, the ring, vgpuback and the guest's worker.  One line each:
 *   GUEST name=NAME n=N median_us=X p99_us=Y
 *   launch_rt   vgpufront_launch of vgpu_empty (it waits for the kernel)
 *   launch_10k  10,000 vgpufront_launch_submit of vgpu_empty, up to --inflight
 *               queued (default 128: under vgpuback's per-domain cap), until
 *               the last is answered
 *   sgemm       vgpu_matmul of 4096 x 4096 floats, launched and waited for
 * A failed request ends the run (exit 1); the numbers are never partial.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgpu_clock.h"
#include "vgpu_kernels.h"
#include "vgpufront.h"

struct lb {
	struct vgpufront *dev;
	uint32_t s;
	uint64_t mod;
	unsigned inflight;
};

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *name, unsigned n, double *t, unsigned k)
{
	qsort(t, k, sizeof(*t), cmp);
	printf("GUEST name=%s n=%u median_us=%.2f p99_us=%.2f\n", name, n, t[k / 2],
	       t[k * 99 / 100 < k ? k * 99 / 100 : k - 1]);
	fflush(stdout);
}

static void fail(const char *what, int rc)
{
	fprintf(stderr, "vgpu-launch: %s: %s\n", what, vgpufront_strerror(rc));
	exit(1);
}

static double now_us(void)
{
	return (double)vgpu_now_ns() / 1e3;
}

/* 10,000 queued launches of @f, at most lb->inflight answers outstanding. */
static void burst(struct lb *b, const struct vgpufront_launch *l)
{
	struct vgpuif_response r[64];
	unsigned sent = 0, answered = 0;
	uint64_t id;
	int k, i, rc;

	while (answered < 10000) {
		if (sent < 10000 && sent - answered < b->inflight) {
			rc = vgpufront_launch_submit(b->dev, b->s, l, &id);
			if (!rc) {
				sent++;
				continue;
			}
			if (rc != -EAGAIN)
				fail("launch_submit", rc);
		}
		k = vgpufront_poll(b->dev, r, 64, 30000);
		if (k <= 0)
			fail("poll", k ? k : -ETIMEDOUT);
		for (i = 0; i < k; i++)
			if (r[i].status != VGPU_OK)
				fail("a queued launch", vgpufront_status(r[i].status));
		answered += (unsigned)k;
	}
}

static void bench_empty(struct lb *b)
{
	struct vgpufront_func f = { 0 };
	struct vgpufront_launch l = { .grid = { 1, 1, 1 }, .block = { 1, 1, 1 } };
	double t[2000], u[20];
	unsigned i;
	int rc;

	rc = vgpufront_func_get(b->dev, b->s, b->mod, "vgpu_empty", &f);
	if (rc)
		fail("func_get vgpu_empty", rc);
	l.func = f.handle;
	for (i = 0; i < 2100; i++) {
		double t0 = now_us();

		rc = vgpufront_launch(b->dev, b->s, &l);
		if (rc)
			fail("launch vgpu_empty", rc);
		if (i >= 100)
			t[i - 100] = now_us() - t0;
	}
	report("launch_rt", 1, t, 2000);
	for (i = 0; i < 22; i++) {
		double t0 = now_us();

		burst(b, &l);
		if (i >= 2)
			u[i - 2] = now_us() - t0;
	}
	report("launch_10k", 10000, u, 20);
}

static void bench_sgemm(struct lb *b)
{
	struct vgpufront_func f = { 0 };
	struct vgpufront_buf *pb;
	uint64_t bytes = 4096ull * 4096 * sizeof(float), d[3];
	int n = 4096, rc, i;
	double t[5];

	rc = vgpufront_func_get(b->dev, b->s, b->mod, "vgpu_matmul", &f);
	for (i = 0; !rc && i < 3; i++)
		rc = vgpufront_mem_alloc(b->dev, b->s, bytes, &d[i]);
	if (rc)
		fail("sgemm setup", rc);
	pb = vgpufront_buf_alloc(b->dev, 4096, VGPUFRONT_BUF_READONLY, &rc);
	if (!pb || (rc = vgpufront_params_pack(&f, (void *[]){ &d[0], &d[1], &d[2], &n }, pb->addr)))
		fail("sgemm parameters", rc);
	for (i = 0; i < 6; i++) {
		struct vgpufront_launch l = { .func = f.handle, .grid = { 256, 256, 1 },
			.block = { 16, 16, 1 }, .params = pb, .params_len = f.param_bytes };
		double t0 = now_us();

		rc = vgpufront_launch(b->dev, b->s, &l);
		if (rc)
			fail("launch vgpu_matmul", rc);
		if (i >= 1)
			t[i - 1] = now_us() - t0;
	}
	report("sgemm", 4096, t, 5);
	vgpufront_buf_free(b->dev, pb);
}

int main(int argc, char **argv)
{
	struct vgpufront_opts fo = { .timeout_ms = 60000 };
	struct lb b = { .inflight = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 128 };
	char err[256];
	int rc;

	if (!b.inflight || b.inflight > 512) {
		fprintf(stderr, "usage: vgpu-launch [INFLIGHT (1-512, default 128)]\n");
		return 2;
	}
	b.dev = vgpufront_open(0, &fo, err, sizeof(err));
	if (!b.dev) {
		fprintf(stderr, "vgpu-launch: %s\n", err);
		return 1;
	}
	rc = vgpufront_session_open(b.dev, 0, &b.s);
	if (!rc)
		rc = vgpufront_module_load(b.dev, b.s, vgpu_kernels_ptx, vgpu_kernels_ptx_len, &b.mod);
	if (rc)
		fail("session and module", rc);
	bench_empty(&b);
	bench_sgemm(&b);
	vgpufront_session_close(b.dev, b.s);
	vgpufront_close(b.dev);
	return 0;
}
