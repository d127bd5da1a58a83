/* SPDX-License-Identifier: MIT */
/*
 * vgpu-mem: a scenario guest for protocol version 2 (sessions and device
 * memory).  Runs the sub-tests named on its command line, in order, and
 * prints one line per check:
 *
 *   CHECK ok SUB: WHAT
 *   CHECK FAIL SUB: WHAT
 *
 * then `DONE checks=N failed=F` (exit 0 when F is 0, 1 otherwise, 2 for
 * bad usage or a device that does not open).  Every result is compared with
 * the guest's own reference: the bytes it wrote (random, from a PRNG seeded
 * with --seed), a CPU model of each copy and memset, the exact VGPU_E*
 * status each bad request must get.
 *
 * Sub-tests: session roundtrip dtod memset many quota limits (needs
 * --max-sessions and --max-allocations as vgpuback has them) bad xdev (needs
 * --device2), peer (two guests swap their session and device pointer
 * through --peer-out/--peer-in files), hold (holds sessions and memory
 * until killed or --go-file appears), worker (holds memory, waits for
 * --go-file, then reports what its next calls get: its worker was killed).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guest_checks.h"
#include "vgpu_clock.h"
#include "vgpufront.h"

#define PAGE 4096u
#define BUF_BYTES ((1u << 20) + 2 * PAGE)	/* a page multiple: its true end */
#define POISON 0xa5

struct ctx {
	const char *name, *sub, *go_file, *peer_out, *peer_in;
	unsigned devid, devid2, many, skip_sessions;
	uint64_t quota;
	bool has_dev2;
	struct vgpufront *dev;
	struct vgpufront_buf *src;	/* read-only to the backend: HtoD */
	struct vgpufront_buf *dst;	/* writable: DtoH */
	uint8_t *want;			/* the reference, BUF_BYTES */
	struct checks ck;
};

/* ---- checks and their words ------------------------------------------- */

static bool check(struct ctx *c, bool pass, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool check(struct ctx *c, bool pass, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pass = gc_vcheck(&c->ck, pass, fmt, ap);
	va_end(ap);
	return pass;
}

static bool expect(struct ctx *c, int got, int want, const char *what)
{
	return gc_expect(&c->ck, got, want, what);
}

#define E(s) VGPUFRONT_E(VGPU_##s)
#define rnd(c) gc_rnd(&(c)->ck)
#define fill_random(c, p, n) gc_fill_random(&(c)->ck, p, n)
#define same_bytes(c, got, want, n, what) gc_same_bytes(&(c)->ck, got, want, n, what)

/* ---- device memory through the two buffers ------------------------------ */

/* Device [dptr, dptr + n) := @data, through the source buffer. */
static int dev_put(struct ctx *c, uint32_t s, uint64_t dptr, const uint8_t *data,
		   size_t n)
{
	memcpy(c->src->addr, data, n);
	return vgpufront_memcpy_htod(c->dev, s, dptr, c->src, 0, n);
}

/* @out := device [dptr, dptr + n), through the destination buffer. */
static int dev_get(struct ctx *c, uint32_t s, uint64_t dptr, uint8_t *out, size_t n)
{
	int rc;

	memset(c->dst->addr, POISON, n);
	rc = vgpufront_memcpy_dtoh(c->dev, s, c->dst, 0, dptr, n);
	memcpy(out, c->dst->addr, n);
	return rc;
}

/* Device [dptr, dptr + n) must hold @want. */
static bool dev_holds(struct ctx *c, uint32_t s, uint64_t dptr, const uint8_t *want,
		      size_t n, const char *what)
{
	uint8_t *got = malloc(n);
	bool pass;

	if (!got)
		return check(c, false, "%s: out of memory", what);
	pass = expect(c, dev_get(c, s, dptr, got, n), 0, "read back") &&
	       same_bytes(c, got, want, n, what);
	free(got);
	return pass;
}

static bool open_session(struct ctx *c, uint32_t *s)
{
	char what[64];
	int rc = vgpufront_session_open(c->dev, 0, s);

	snprintf(what, sizeof(what), "session open (id %u)", rc ? 0 : *s);
	return expect(c, rc, 0, what);
}

static bool alloc(struct ctx *c, uint32_t s, uint64_t bytes, uint64_t *dptr)
{
	char what[96];
	int rc = vgpufront_mem_alloc(c->dev, s, bytes, dptr);

	snprintf(what, sizeof(what), "alloc %" PRIu64 " bytes", bytes);
	if (!expect(c, rc, 0, what))
		return false;
	return check(c, *dptr % 256 == 0, "its address 0x%" PRIx64 " is 256-aligned", *dptr);
}

/* ---- session ------------------------------------------------------------- */

static void t_session(struct ctx *c)
{
	uint32_t s1, s2, s3;
	uint64_t d, d2;

	if (!open_session(c, &s1) || !open_session(c, &s2))
		return;
	check(c, s1 != s2, "two sessions have two ids (%u, %u)", s1, s2);
	expect(c, vgpufront_session_open(c->dev, 65535, &s3), E(ERANGE),
	       "a session on GPU 65535 (no such GPU)");
	expect(c, vgpufront_session_close(c->dev, s2), 0, "close the second");
	expect(c, vgpufront_session_close(c->dev, s2), E(ESESSION), "close it again");
	expect(c, vgpufront_mem_alloc(c->dev, s2, 4096, &d2), E(ESESSION),
	       "alloc in the closed session");
	if (!alloc(c, s1, 4096, &d))
		return;
	fill_random(c, c->want, 4096);
	expect(c, dev_put(c, s1, d, c->want, 4096), 0, "write to the first's memory");
	dev_holds(c, s1, d, c->want, 4096, "the first session's memory");
	expect(c, vgpufront_session_close(c->dev, s1), 0, "close the first, memory held");
	expect(c, dev_put(c, s1, d, c->want, 1), E(ESESSION), "write in the closed session");
	if (!open_session(c, &s3))
		return;
	expect(c, dev_put(c, s3, d, c->want, 1), E(EBADPTR),
	       "the closed session's memory from a new session");
	expect(c, vgpufront_mem_free(c->dev, s3, d), E(EBADPTR),
	       "free the closed session's memory from the new one");
	expect(c, vgpufront_session_close(c->dev, s3), 0, "close the new session");
	check(c, vgpufront_protocol_version(c->dev) >= 2, "the backend speaks version %d",
	      vgpufront_protocol_version(c->dev));
}

/* ---- round trips ---------------------------------------------------------- */

struct trip {
	uint32_t bytes, boff, boff2, doff;	/* size, src/dst buffer offsets, device offset */
};

static const struct trip trips[] = {
	{ 1, 0, 0, 0 }, { 7, 1, 5, 3 }, { 256, 0, 4095, 256 }, { 4095, 123, 1, 1 },
	{ 4096, 4095, 0, 255 }, { 65537, 17, 4099, 4097 }, { 1u << 20, 4096, 8191, 0 },
	{ (1u << 20) + 3, 4093, 3, 5 }, { BUF_BYTES, 0, 0, 256 },
};

/* One trip: the copy ends at the allocation's end; dst around it untouched. */
static void one_trip(struct ctx *c, uint32_t s, const struct trip *t)
{
	uint8_t *dst = c->dst->addr, *src = c->src->addr, guard[2] = { POISON, POISON };
	char what[128];
	uint64_t d;

	snprintf(what, sizeof(what), "%u bytes, buffer offsets %u/%u, device offset %u",
		 t->bytes, t->boff, t->boff2, t->doff);
	if (!alloc(c, s, (uint64_t)t->doff + t->bytes, &d))
		return;
	fill_random(c, src + t->boff, t->bytes);
	memcpy(c->want, src + t->boff, t->bytes);
	memset(dst, POISON, BUF_BYTES);
	if (expect(c, vgpufront_memcpy_htod(c->dev, s, d + t->doff, c->src, t->boff, t->bytes),
		   0, "host to device") &&
	    expect(c, vgpufront_memcpy_dtoh(c->dev, s, c->dst, t->boff2, d + t->doff, t->bytes),
		   0, "device to host")) {
		same_bytes(c, dst + t->boff2, c->want, t->bytes, what);
		if (t->boff2)
			same_bytes(c, dst + t->boff2 - 1, guard, 1, "the byte before, untouched");
		if (t->boff2 + t->bytes < BUF_BYTES)
			same_bytes(c, dst + t->boff2 + t->bytes, guard, 1, "the byte after, untouched");
	}
	expect(c, vgpufront_mem_free(c->dev, s, d), 0, "free");
}

static void t_roundtrip(struct ctx *c)
{
	uint32_t s;
	size_t i;

	if (!open_session(c, &s))
		return;
	for (i = 0; i < sizeof(trips) / sizeof(trips[0]); i++)
		one_trip(c, s, &trips[i]);
	expect(c, vgpufront_session_close(c->dev, s), 0, "close");
}

/* ---- device to device ------------------------------------------------------ */

#define DTOD_BYTES 65536u

struct dcopy {
	int dst_in_b;			/* the destination is B (else A) */
	uint32_t dst, src, bytes;	/* the source is always in A */
};

static const struct dcopy dcopies[] = {
	{ 1, 100, 3000, 20000 },	/* A -> B, odd offsets */
	{ 0, 40000, 0, 8192 },		/* within A, apart */
	{ 0, 8192, 0, 8192 },		/* within A, adjacent: not overlapping */
	{ 1, 0, 0, DTOD_BYTES },	/* all of A -> all of B */
	{ 1, DTOD_BYTES - 1, 12345, 1 },	/* one byte, at B's very end */
};

static void t_dtod(struct ctx *c)
{
	uint8_t *ref = malloc(2 * DTOD_BYTES);	/* A then B, as they must be */
	uint64_t a, b;
	uint32_t s;
	size_t i;

	if (!ref || !open_session(c, &s) || !alloc(c, s, DTOD_BYTES, &a) ||
	    !alloc(c, s, DTOD_BYTES, &b))
		goto out;
	fill_random(c, ref, 2 * DTOD_BYTES);
	expect(c, dev_put(c, s, a, ref, DTOD_BYTES), 0, "fill A");
	expect(c, dev_put(c, s, b, ref + DTOD_BYTES, DTOD_BYTES), 0, "fill B");
	for (i = 0; i < sizeof(dcopies) / sizeof(dcopies[0]); i++) {
		const struct dcopy *k = &dcopies[i];
		uint8_t *to = ref + (k->dst_in_b ? DTOD_BYTES : 0) + k->dst;
		char what[96];

		snprintf(what, sizeof(what), "copy %u: %u bytes A+%u -> %s+%u", (unsigned)i,
			 k->bytes, k->src, k->dst_in_b ? "B" : "A", k->dst);
		memmove(to, ref + k->src, k->bytes);
		expect(c, vgpufront_memcpy_dtod(c->dev, s, (k->dst_in_b ? b : a) + k->dst,
						a + k->src, k->bytes), 0, what);
		dev_holds(c, s, a, ref, DTOD_BYTES, "then A");
		dev_holds(c, s, b, ref + DTOD_BYTES, DTOD_BYTES, "then B");
	}
	expect(c, vgpufront_session_close(c->dev, s), 0, "close (frees A and B)");
out:
	free(ref);
}

/* ---- memset ----------------------------------------------------------------- */

#define MS_BYTES 16384u

struct mset {
	unsigned elem;
	uint32_t off, value;
	uint64_t count;
};

static const struct mset msets[] = {
	{ 1, 1, 0x5a, 1001 }, { 2, 2050, 0xbeef, 777 }, { 4, 8192, 0xdeadbeef, 1000 },
	{ 1, 15000, 0, 1 }, { 4, 12000, 0xffffffff, 3 }, { 2, MS_BYTES - 2, 0xffff, 1 },
	{ 1, 0, 0xff, MS_BYTES }, { 4, 0, 0x01020304, MS_BYTES / 4 }, { 2, 6, 0x8001, 5 },
};

/* The CPU model: count elements of elem bytes, little-endian. */
static void model_memset(uint8_t *p, const struct mset *m)
{
	uint64_t i;
	unsigned b;

	for (i = 0; i < m->count; i++)
		for (b = 0; b < m->elem; b++)
			p[m->off + i * m->elem + b] = (uint8_t)(m->value >> (8 * b));
}

static void t_memset(struct ctx *c)
{
	uint8_t *ref = malloc(MS_BYTES);
	uint64_t d;
	uint32_t s;
	size_t i;

	if (!ref || !open_session(c, &s) || !alloc(c, s, MS_BYTES, &d))
		goto out;
	fill_random(c, ref, MS_BYTES);
	expect(c, dev_put(c, s, d, ref, MS_BYTES), 0, "fill with random bytes");
	for (i = 0; i < sizeof(msets) / sizeof(msets[0]); i++) {
		const struct mset *m = &msets[i];
		char what[96];

		snprintf(what, sizeof(what), "memset elem %u, offset %u, %" PRIu64 " x 0x%x",
			 m->elem, m->off, m->count, m->value);
		model_memset(ref, m);
		expect(c, vgpufront_memset(c->dev, s, d + m->off, m->value, m->elem, m->count),
		       0, what);
		dev_holds(c, s, d, ref, MS_BYTES, "then the allocation, byte by byte");
	}
	expect(c, vgpufront_session_close(c->dev, s), 0, "close");
out:
	free(ref);
}

/* ---- many allocations --------------------------------------------------------- */

struct chunk {
	uint64_t d, len;
	uint8_t *data;
};

static int by_addr(const void *x, const void *y)
{
	const struct chunk *a = x, *b = y;

	return a->d < b->d ? -1 : a->d > b->d;
}

/* All distinct, aligned, disjoint; each holds what was written to it. */
static void many_verify(struct ctx *c, uint32_t s, struct chunk *k, unsigned n)
{
	unsigned i, wrong = 0, misaligned = 0, overlaps = 0;
	uint8_t *got = malloc(8192);

	for (i = 0; got && i < n; i++) {
		wrong += dev_get(c, s, k[i].d, got, k[i].len) != 0 ||
			 memcmp(got, k[i].data, k[i].len) != 0;
		misaligned += k[i].d % 256 != 0;
	}
	free(got);
	check(c, got && wrong == 0, "%u allocations each hold their own bytes (%u wrong)", n, wrong);
	check(c, misaligned == 0, "all 256-aligned (%u not)", misaligned);
	qsort(k, n, sizeof(*k), by_addr);
	for (i = 1; i < n; i++)
		overlaps += k[i - 1].d + k[i - 1].len > k[i].d;
	check(c, overlaps == 0, "no two overlap (%u do)", overlaps);
}

static void t_many(struct ctx *c)
{
	struct chunk *k = calloc(c->many, sizeof(*k));
	unsigned i, n = 0, bad = 0;
	uint32_t s;

	if (!k || !open_session(c, &s))
		goto out;
	for (n = 0; n < c->many; n++) {
		k[n].len = 1 + rnd(c) % 8000;
		k[n].data = malloc(k[n].len);
		if (!k[n].data || vgpufront_mem_alloc(c->dev, s, k[n].len, &k[n].d))
			break;
		fill_random(c, k[n].data, k[n].len);
		bad += dev_put(c, s, k[n].d, k[n].data, k[n].len) != 0;
	}
	check(c, n == c->many && bad == 0, "%u of %u allocations made and written (%u writes failed)",
	      n, c->many, bad);
	many_verify(c, s, k, n);
	for (i = 0, bad = 0; i < n; i++)
		bad += vgpufront_mem_free(c->dev, s, k[i].d) != 0;
	check(c, bad == 0, "all %u freed (%u refused)", n, bad);
	for (i = 0, bad = 0; i < n; i++)
		bad += dev_put(c, s, k[i].d, k[i].data, 1) != E(EBADPTR);
	check(c, bad == 0, "each freed address gets VGPU_EBADPTR (%u did not)", bad);
	expect(c, vgpufront_session_close(c->dev, s), 0, "close");
out:
	for (i = 0; k && i <= n && i < c->many; i++)
		free(k[i].data);
	free(k);
}

/* ---- quota (vgpuback --mem-quota Q) ------------------------------------------- */

static void free_all(struct ctx *c, uint32_t s, const uint64_t *d, unsigned n)
{
	unsigned i, bad = 0;

	for (i = 0; i < n; i++)
		bad += vgpufront_mem_free(c->dev, s, d[i]) != 0;
	check(c, bad == 0, "free %u allocations (%u refused)", n, bad);
}

/* The quota whole, and nothing more: what must be true after each step. */
static void quota_full(struct ctx *c, uint32_t s, const char *when)
{
	uint64_t d, x, Q = c->quota;
	char what[128];

	snprintf(what, sizeof(what), "%s: the whole quota (%" PRIu64 ") in one", when, Q);
	if (!expect(c, vgpufront_mem_alloc(c->dev, s, Q, &d), 0, what))
		return;
	expect(c, vgpufront_mem_alloc(c->dev, s, 256, &x), E(ENOMEM),
	       "and 256 bytes more: VGPU_ENOMEM");
	expect(c, vgpufront_mem_free(c->dev, s, d), 0, "free it");
}

/* Four quarters fill it; a refusal leaves the others' data alone. */
static void quota_quarters(struct ctx *c, uint32_t s)
{
	uint64_t d[4], x, Q = c->quota;
	unsigned i;

	for (i = 0; i < 4; i++)
		if (!expect(c, vgpufront_mem_alloc(c->dev, s, Q / 4, &d[i]), 0, "a quarter"))
			return;
	fill_random(c, c->want, 4096);
	expect(c, dev_put(c, s, d[0], c->want, 4096), 0, "write into the first quarter");
	expect(c, vgpufront_mem_alloc(c->dev, s, 256, &x), E(ENOMEM), "256 bytes more: VGPU_ENOMEM");
	dev_holds(c, s, d[0], c->want, 4096, "the first quarter after the refusal");
	expect(c, vgpufront_mem_free(c->dev, s, d[1]), 0, "free the second quarter");
	expect(c, vgpufront_mem_alloc(c->dev, s, Q / 4, &d[1]), 0, "a quarter again in its room");
	expect(c, vgpufront_mem_alloc(c->dev, s, 1, &x), E(ENOMEM), "1 byte more: VGPU_ENOMEM");
	free_all(c, s, d, 4);
}

/* The quota is the domain's: two sessions share it; closing one frees its part. */
static void quota_sessions(struct ctx *c, uint32_t s)
{
	uint64_t d[2], x, Q = c->quota;
	uint32_t s2;

	if (!open_session(c, &s2) ||
	    !expect(c, vgpufront_mem_alloc(c->dev, s, Q / 2, &d[0]), 0, "half in session 1"))
		return;
	expect(c, vgpufront_mem_alloc(c->dev, s2, Q / 2 + 256, &x), E(ENOMEM),
	       "half + 256 in session 2: VGPU_ENOMEM");
	expect(c, vgpufront_mem_alloc(c->dev, s2, Q / 2, &x), 0, "half in session 2");
	expect(c, vgpufront_session_close(c->dev, s2), 0, "close session 2 (frees its half)");
	expect(c, vgpufront_mem_alloc(c->dev, s, Q / 2, &d[1]), 0, "the other half in session 1");
	free_all(c, s, d, 2);
}

static void t_quota(struct ctx *c)
{
	uint64_t x;
	uint32_t s;

	if (!check(c, c->quota >= 4096 && c->quota % 1024 == 0,
		   "--quota %" PRIu64 " given (a multiple of 1024)", c->quota) ||
	    !open_session(c, &s))
		return;
	quota_full(c, s, "at first");
	expect(c, vgpufront_mem_alloc(c->dev, s, c->quota + 1, &x), E(ENOMEM),
	       "quota + 1 in one: VGPU_ENOMEM");
	quota_full(c, s, "after a refused allocation");
	quota_quarters(c, s);
	quota_full(c, s, "after the quarters");
	quota_sessions(c, s);
	quota_full(c, s, "after two sessions");
	expect(c, vgpufront_session_close(c->dev, s), 0, "close");
}

/* ---- bad requests: each gets its exact status --------------------------------- */

/* Wrong and closed sessions: VGPU_ESESSION for every operation. */
static void bad_session(struct ctx *c, uint32_t s, uint64_t d)
{
	uint32_t w = s + 1000;	/* never opened */
	uint64_t x;

	expect(c, vgpufront_mem_alloc(c->dev, w, 256, &x), E(ESESSION), "alloc, wrong session");
	expect(c, vgpufront_mem_free(c->dev, w, d), E(ESESSION), "free, wrong session");
	expect(c, vgpufront_memcpy_htod(c->dev, w, d, c->src, 0, 16), E(ESESSION),
	       "host to device, wrong session");
	expect(c, vgpufront_memcpy_dtoh(c->dev, w, c->dst, 0, d, 16), E(ESESSION),
	       "device to host, wrong session");
	expect(c, vgpufront_memcpy_dtod(c->dev, w, d + 64, d, 16), E(ESESSION),
	       "device to device, wrong session");
	expect(c, vgpufront_memset(c->dev, w, d, 0, 1, 16), E(ESESSION), "memset, wrong session");
	expect(c, vgpufront_session_close(c->dev, w), E(ESESSION), "close, wrong session");
}

/* Device ranges outside a live allocation: VGPU_EBADPTR. */
static void bad_dptr(struct ctx *c, uint32_t s, uint64_t d, uint64_t n)
{
	uint64_t f;

	if (!expect(c, vgpufront_mem_alloc(c->dev, s, 4096, &f), 0, "alloc one to free") ||
	    !expect(c, vgpufront_mem_free(c->dev, s, f), 0, "free it"))
		return;
	expect(c, vgpufront_memcpy_htod(c->dev, s, f, c->src, 0, 16), E(EBADPTR), "write a freed pointer");
	expect(c, vgpufront_memcpy_dtoh(c->dev, s, c->dst, 0, f, 16), E(EBADPTR), "read a freed pointer");
	expect(c, vgpufront_memset(c->dev, s, f, 0, 1, 16), E(EBADPTR), "memset a freed pointer");
	expect(c, vgpufront_mem_free(c->dev, s, f), E(EBADPTR), "free it twice");
	expect(c, vgpufront_mem_free(c->dev, s, d + 256), E(EBADPTR), "free inside an allocation");
	expect(c, vgpufront_memcpy_htod(c->dev, s, d + n - 10, c->src, 0, 20), E(EBADPTR),
	       "write 10 bytes past the allocation's end");
	expect(c, vgpufront_memcpy_dtoh(c->dev, s, c->dst, 0, d + n - 10, 20), E(EBADPTR),
	       "read 10 bytes past the allocation's end");
	expect(c, vgpufront_memcpy_htod(c->dev, s, d - 1, c->src, 0, 2), E(EBADPTR),
	       "write from 1 byte before the allocation");
	expect(c, vgpufront_memcpy_dtod(c->dev, s, d + n - 8, d, 16), E(EBADPTR),
	       "device to device, destination past the end");
	expect(c, vgpufront_memcpy_dtod(c->dev, s, d, d + n - 8, 16), E(EBADPTR),
	       "device to device, source past the end");
	expect(c, vgpufront_memset(c->dev, s, d + n - 4, 0, 4, 2), E(EBADPTR),
	       "memset 4 bytes past the end");
	expect(c, vgpufront_memcpy_htod(c->dev, s, d + n, c->src, 0, 1), E(EBADPTR),
	       "write 1 byte just past the end");
}

/* Guest-buffer ranges outside the buffer: VGPU_ERANGE; a read-only one: VGPU_EACCES. */
static void bad_buffer(struct ctx *c, uint32_t s, uint64_t d)
{
	struct vgpufront_buf nobuf = *c->dst;

	expect(c, vgpufront_memcpy_htod(c->dev, s, d, c->src, BUF_BYTES - 10, 20), E(ERANGE),
	       "write from 10 bytes past the buffer's end");
	expect(c, vgpufront_memcpy_dtoh(c->dev, s, c->dst, BUF_BYTES - 10, d, 20), E(ERANGE),
	       "read into 10 bytes past the buffer's end");
	expect(c, vgpufront_memcpy_dtoh(c->dev, s, c->dst, BUF_BYTES, d, 1), E(ERANGE),
	       "read into the buffer's end");
	expect(c, vgpufront_memcpy_htod(c->dev, s, d, c->src, 0, 0), E(ERANGE), "copy 0 bytes");
	expect(c, vgpufront_memcpy_dtoh(c->dev, s, c->src, 0, d, 16), E(EACCES),
	       "read into a read-only buffer");
	nobuf.handle = 0x7fff0000;
	expect(c, vgpufront_memcpy_dtoh(c->dev, s, &nobuf, 0, d, 16), E(EBADBUF),
	       "read into a buffer never registered");
}

/* Malformed: VGPU_EINVAL and VGPU_ERANGE from the operation's own checks. */
static void bad_shape(struct ctx *c, uint32_t s, uint64_t d)
{
	uint64_t x;

	expect(c, vgpufront_memcpy_dtod(c->dev, s, d + 10, d, 100), E(EINVAL),
	       "device to device, overlapping ahead");
	expect(c, vgpufront_memcpy_dtod(c->dev, s, d, d + 99, 100), E(EINVAL),
	       "device to device, overlapping behind");
	expect(c, vgpufront_memcpy_dtod(c->dev, s, d, d, 16), E(EINVAL), "device to device onto itself");
	expect(c, vgpufront_memset(c->dev, s, d, 0x100, 1, 4), E(EINVAL), "memset elem 1 value 0x100");
	expect(c, vgpufront_memset(c->dev, s, d, 0x10000, 2, 4), E(EINVAL), "memset elem 2 value 0x10000");
	expect(c, vgpufront_memset(c->dev, s, d, 0, 3, 4), E(EINVAL), "memset elem 3");
	expect(c, vgpufront_memset(c->dev, s, d, 0, 0, 4), E(EINVAL), "memset elem 0");
	expect(c, vgpufront_memset(c->dev, s, d + 2, 0, 4, 4), E(EINVAL), "memset elem 4 misaligned");
	expect(c, vgpufront_memset(c->dev, s, d, 0, 256, 4), -EINVAL,
	       "memset elem 256: refused by the library");
	expect(c, vgpufront_mem_alloc(c->dev, s, 0, &x), E(ERANGE), "alloc 0 bytes");
	expect(c, vgpufront_mem_alloc(c->dev, s, VGPUIF_MAX_ALLOC + 1, &x), E(ERANGE),
	       "alloc more than VGPUIF_MAX_ALLOC");
	expect(c, vgpufront_mem_free(c->dev, s, 0), E(EBADPTR), "free 0");
}

static void t_bad(struct ctx *c)
{
	const uint64_t n = 8192;
	uint64_t d;
	uint32_t s;

	if (!open_session(c, &s) || !alloc(c, s, n, &d))
		return;
	fill_random(c, c->want, n);
	expect(c, dev_put(c, s, d, c->want, n), 0, "fill the allocation");
	bad_session(c, s, d);
	bad_dptr(c, s, d, n);
	bad_buffer(c, s, d);
	bad_shape(c, s, d);
	dev_holds(c, s, d, c->want, n, "after every bad request the allocation is unchanged");
	expect(c, vgpufront_session_close(c->dev, s), 0, "close");
}

/* ---- per-domain counts (vgpuback --max-sessions, --max-allocations) ------------ */

static void t_limits(struct ctx *c, unsigned max_sessions, unsigned max_allocs)
{
	uint32_t *s = calloc(max_sessions + 1, sizeof(*s));
	uint64_t *d = calloc(max_allocs + 1, sizeof(*d));
	unsigned i, n;

	if (!check(c, s && d && max_sessions >= 1, "--max-sessions %u --max-allocations %u given",
		   max_sessions, max_allocs))
		goto out;
	for (n = 0; n < max_sessions && !vgpufront_session_open(c->dev, 0, &s[n]); n++)
		;
	check(c, n == max_sessions, "%u of --max-sessions %u sessions open", n, max_sessions);
	expect(c, vgpufront_session_open(c->dev, 0, &s[n]), E(ENOMEM), "one more: VGPU_ENOMEM");
	for (i = 0; max_allocs && i < max_allocs; i++)
		if (vgpufront_mem_alloc(c->dev, s[i % n], 256, &d[i]))
			break;
	check(c, i == max_allocs, "%u of --max-allocations %u made, over %u sessions", i,
	      max_allocs, n);
	expect(c, vgpufront_mem_alloc(c->dev, s[0], 256, &d[i]), E(ENOMEM),
	       "one more allocation: VGPU_ENOMEM");
	expect(c, vgpufront_mem_free(c->dev, s[0], d[0]), 0, "free one");
	expect(c, vgpufront_mem_alloc(c->dev, s[0], 256, &d[0]), 0, "then one more fits");
	expect(c, vgpufront_session_close(c->dev, s[n - 1]), 0, "close a session");
	expect(c, vgpufront_session_open(c->dev, 0, &s[n - 1]), 0, "then one more opens");
	for (i = 0; i < n; i++)
		expect(c, vgpufront_session_close(c->dev, s[i]), 0, "close");
out:
	free(s);
	free(d);
}

/* ---- another device of the same guest ------------------------------------------- */

/* Device 0's session and pointer tried on device 2 (its own buffer: buffers are per device). */
static void xdev_tries(struct ctx *c, struct vgpufront *dev2, uint32_t s, uint64_t d)
{
	struct vgpufront_buf *b2;
	uint64_t x;
	uint32_t s2;
	int st;

	b2 = vgpufront_buf_alloc(dev2, PAGE, 0, &st);
	if (!check(c, b2 != NULL, "a buffer on device 2: %s", vgpufront_strerror(st)))
		return;
	expect(c, vgpufront_mem_alloc(dev2, s, 256, &x), E(ESESSION),
	       "device 0's session on device 2: alloc");
	expect(c, vgpufront_memcpy_dtoh(dev2, s, b2, 0, d, 16), E(ESESSION),
	       "device 0's session on device 2: read");
	if (expect(c, vgpufront_session_open(dev2, 0, &s2), 0, "a session of device 2")) {
		expect(c, vgpufront_memcpy_dtoh(dev2, s2, b2, 0, d, 16), E(EBADPTR),
		       "device 0's pointer in device 2's session: read");
		expect(c, vgpufront_memset(dev2, s2, d, 0, 1, 16), E(EBADPTR),
		       "device 0's pointer in device 2's session: memset");
		expect(c, vgpufront_mem_free(dev2, s2, d), E(EBADPTR),
		       "device 0's pointer in device 2's session: free");
		expect(c, vgpufront_session_close(dev2, s2), 0, "close device 2's session");
	}
	vgpufront_buf_free(dev2, b2);
}

static void t_xdev(struct ctx *c)
{
	struct vgpufront *dev2;
	uint32_t s;
	uint64_t d;
	char err[256];

	if (!check(c, c->has_dev2, "--device2 given") || !open_session(c, &s) ||
	    !alloc(c, s, 4096, &d))
		return;
	fill_random(c, c->want, 4096);
	expect(c, dev_put(c, s, d, c->want, 4096), 0, "fill device 0's allocation");
	dev2 = vgpufront_open(c->devid2, NULL, err, sizeof(err));
	if (!check(c, dev2 != NULL, "device %u opens%s%s", c->devid2, dev2 ? "" : ": ",
		   dev2 ? "" : err))
		return;
	xdev_tries(c, dev2, s, d);
	vgpufront_close(dev2);
	dev_holds(c, s, d, c->want, 4096, "device 0's allocation, unchanged");
	expect(c, vgpufront_mem_free(c->dev, s, d), 0, "device 0's pointer still frees on device 0");
	expect(c, vgpufront_session_close(c->dev, s), 0, "close");
}

/* ---- two guests: each gets the other's session and pointer ----------------------- */

#define PEER_BYTES 65536u

/* The peer's pointer, tried in our own session: VGPU_EBADPTR every time. */
static void peer_pointer(struct ctx *c, uint32_t s, uint64_t d, uint64_t pd)
{
	expect(c, vgpufront_memcpy_htod(c->dev, s, pd, c->src, 0, 4096), E(EBADPTR),
	       "write the peer's pointer");
	expect(c, vgpufront_memcpy_dtoh(c->dev, s, c->dst, 0, pd, 4096), E(EBADPTR),
	       "read the peer's pointer");
	expect(c, vgpufront_memcpy_dtod(c->dev, s, d, pd, 4096), E(EBADPTR),
	       "copy from the peer's pointer");
	expect(c, vgpufront_memcpy_dtod(c->dev, s, pd, d, 4096), E(EBADPTR),
	       "copy to the peer's pointer");
	expect(c, vgpufront_memset(c->dev, s, pd, 0, 4, 1024), E(EBADPTR), "memset the peer's pointer");
	expect(c, vgpufront_mem_free(c->dev, s, pd), E(EBADPTR), "free the peer's pointer");
}

/* The peer's session: VGPU_ESESSION every time, even with its own pointer. */
static void peer_session(struct ctx *c, uint32_t ps, uint64_t pd)
{
	uint64_t x;

	expect(c, vgpufront_mem_alloc(c->dev, ps, 256, &x), E(ESESSION), "alloc in the peer's session");
	expect(c, vgpufront_memcpy_htod(c->dev, ps, pd, c->src, 0, 4096), E(ESESSION),
	       "write the peer's pointer in the peer's session");
	expect(c, vgpufront_memcpy_dtoh(c->dev, ps, c->dst, 0, pd, 4096), E(ESESSION),
	       "read the peer's pointer in the peer's session");
	expect(c, vgpufront_memset(c->dev, ps, pd, 0, 1, 16), E(ESESSION),
	       "memset in the peer's session");
	expect(c, vgpufront_mem_free(c->dev, ps, pd), E(ESESSION), "free in the peer's session");
	expect(c, vgpufront_session_close(c->dev, ps), E(ESESSION), "close the peer's session");
}

/* Sessions opened and closed first, and a pad allocation, make ids and addresses differ. */
static bool peer_setup(struct ctx *c, uint32_t *s, uint64_t *pad, uint64_t *d)
{
	unsigned i;
	uint32_t t;

	for (i = 0; i < c->skip_sessions; i++)
		if (!open_session(c, &t) || vgpufront_session_close(c->dev, t))
			return false;
	if (!open_session(c, s) || !alloc(c, *s, (c->skip_sessions * 3 + 1) * 4096ull, pad) ||
	    !alloc(c, *s, PEER_BYTES, d))
		return false;
	fill_random(c, c->want, PEER_BYTES);
	return expect(c, dev_put(c, *s, *d, c->want, PEER_BYTES), 0, "fill our allocation");
}

/* The peer's "SESSION POINTER" line. */
static bool read_peer(struct ctx *c, uint32_t *ps, uint64_t *pd)
{
	FILE *f = fopen(c->peer_in, "r");
	bool got = f && fscanf(f, "%" SCNu32 " %" SCNu64, ps, pd) == 2;

	if (f)
		fclose(f);
	return check(c, got, "the peer's session %u, pointer 0x%" PRIx64, *ps, *pd);
}

static void t_peer(struct ctx *c)
{
	uint64_t pad, d, pd = 0, padn = (c->skip_sessions * 3 + 1) * 4096ull;
	uint32_t s, ps = 0;
	char line[512];

	if (!check(c, c->peer_out && c->peer_in, "--peer-out and --peer-in given") ||
	    !peer_setup(c, &s, &pad, &d))
		return;
	snprintf(line, sizeof(line), "%u %" PRIu64 "\n", s, d);
	if (!check(c, gc_publish(c->peer_out, "", line), "published session %u, pointer 0x%" PRIx64,
		   s, d) ||
	    !check(c, gc_wait_file(c->peer_in), "the peer published") || !read_peer(c, &ps, &pd))
		return;
	check(c, ps != s, "its session id is not ours (%u, %u)", ps, s);
	check(c, (pd + PEER_BYTES <= d || pd >= d + PEER_BYTES) &&
	      (pd + PEER_BYTES <= pad || pd >= pad + padn), "its pointer is in none of our allocations");
	peer_pointer(c, s, d, pd);
	peer_session(c, ps, pd);
	/* Both done trying: now each one's memory must be as it wrote it. */
	snprintf(line, sizeof(line), "%s.done", c->peer_in);
	check(c, gc_publish(c->peer_out, ".done", "done\n") && gc_wait_file(line),
	      "the peer is done too");
	dev_holds(c, s, d, c->want, PEER_BYTES, "our memory, after the peer's tries");
	expect(c, vgpufront_session_close(c->dev, s), 0, "close");
}

/* ---- held until killed: sessions, memory and buffers open ----------------------- */

#define HOLD_SESSIONS 2
#define HOLD_ALLOCS 5		/* per session */

static void t_hold(struct ctx *c)
{
	uint64_t d, bytes = 0;
	unsigned i, j, n = 0;
	uint32_t s;

	for (i = 0; i < HOLD_SESSIONS; i++) {
		if (!open_session(c, &s))
			return;
		for (j = 0; j < HOLD_ALLOCS; j++, n++) {
			uint64_t len = (n + 1) * 12288;

			if (!alloc(c, s, len, &d))
				return;
			fill_random(c, c->want, len);
			expect(c, dev_put(c, s, d, c->want, len), 0, "fill it");
			bytes += len;
		}
	}
	printf("HOLD sessions=%u allocations=%u bytes=%" PRIu64 "\n", HOLD_SESSIONS, n, bytes);
	fflush(stdout);
	/* Killed here (kill -9), or let go: closing the device must free it all. */
	if (c->go_file)
		gc_wait_file(c->go_file);
	else
		for (;;)
			pause();
}

/* ---- the guest's worker killed while it holds memory ------------------------------ */

/* The device may be coming up or going down: retry for up to 30 s, no longer. */
static struct vgpufront *reopen(unsigned devid)
{
	struct vgpufront_opts fo = { .timeout_ms = 10000 };
	int64_t end = vgpu_now_ms() + 30000;
	struct vgpufront *dev;
	char err[256];

	for (;;) {
		dev = vgpufront_open(devid, &fo, err, sizeof(err));
		if (dev || vgpu_now_ms() >= end)
			break;
		usleep(100000);
	}
	if (!dev)
		fprintf(stderr, "vgpu-mem: device %u: %s\n", devid, err);
	return dev;
}

static void t_worker(struct ctx *c)
{
	char n1[80], n2[80];
	uint64_t d, x;
	uint32_t s;
	int rc, rc2;

	if (!check(c, c->go_file != NULL, "--go-file given") || !open_session(c, &s) ||
	    !alloc(c, s, 65536, &d))
		return;
	fill_random(c, c->want, 65536);
	expect(c, dev_put(c, s, d, c->want, 65536), 0, "fill it");
	dev_holds(c, s, d, c->want, 65536, "the allocation");
	printf("READY\n");
	fflush(stdout);
	gc_wait_file(c->go_file);
	/* The worker is dead now: its memory is gone, and we must be told. */
	rc = dev_get(c, s, d, c->want, 65536);
	check(c, rc == E(ELOST) || rc == -EPIPE,
	      "the first call after the worker's death: %s (VGPU_ELOST, or EPIPE as the device closes)",
	      gc_rc_name(rc, n1, sizeof(n1)));
	rc2 = rc == -EPIPE ? rc : dev_get(c, s, d, c->want, 65536);
	check(c, rc2 != 0, "a later read in the old session does not pretend: %s",
	      gc_rc_name(rc2, n2, sizeof(n2)));
	rc = vgpufront_mem_alloc(c->dev, s, 256, &x);
	printf("# then an allocation in the old session: %s\n", gc_rc_name(rc, n1, sizeof(n1)));
	vgpufront_buf_free(c->dev, c->src);
	vgpufront_buf_free(c->dev, c->dst);
	c->src = c->dst = NULL;	/* main() makes new ones for the next sub-test */
	vgpufront_close(c->dev);
	c->dev = reopen(c->devid);
	check(c, c->dev != NULL, "the device opens again");
}

/* ---- main ----------------------------------------------------------------------- */

struct opts {
	unsigned max_sessions, max_allocs;
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: vgpu-mem [--name VM] [--device D] [--device2 D2] [--seed S]\n"
		   "                [--quota BYTES] [--many N] [--max-sessions N] [--max-allocations N]\n"
		   "                [--peer-out F --peer-in F] [--skip-sessions K] [--go-file F]\n"
		   "                SUBTEST... (session roundtrip dtod memset many quota limits\n"
		   "                bad xdev peer hold worker)\n");
}

static int parse_args(struct ctx *c, struct opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "name", required_argument, NULL, 'm' }, { "device", required_argument, NULL, 'd' },
		{ "device2", required_argument, NULL, 'D' }, { "seed", required_argument, NULL, 's' },
		{ "quota", required_argument, NULL, 'q' }, { "many", required_argument, NULL, 'n' },
		{ "max-sessions", required_argument, NULL, 'S' },
		{ "max-allocations", required_argument, NULL, 'A' },
		{ "peer-out", required_argument, NULL, 'o' }, { "peer-in", required_argument, NULL, 'i' },
		{ "skip-sessions", required_argument, NULL, 'k' },
		{ "go-file", required_argument, NULL, 'g' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'm': c->name = optarg; break;
		case 'd': c->devid = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'D': c->devid2 = (unsigned)strtoul(optarg, NULL, 0); c->has_dev2 = true; break;
		case 's': c->ck.rng = strtoull(optarg, NULL, 0); break;
		case 'q': c->quota = strtoull(optarg, NULL, 0); break;
		case 'n': c->many = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'S': o->max_sessions = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'A': o->max_allocs = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'o': c->peer_out = optarg; break;
		case 'i': c->peer_in = optarg; break;
		case 'k': c->skip_sessions = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'g': c->go_file = optarg; break;
		case 'h': usage(stdout); return 1;
		default: usage(stderr); return 2;
		}
	}
	return gc_args_done(&c->ck, optind, argc, usage);
}

/* Two buffers of BUF_BYTES: the source read-only to the backend. */
static bool make_buffers(struct ctx *c)
{
	int st = 0;

	c->src = vgpufront_buf_alloc(c->dev, BUF_BYTES, VGPUFRONT_BUF_READONLY, &st);
	c->dst = c->src ? vgpufront_buf_alloc(c->dev, BUF_BYTES, 0, &st) : NULL;
	return check(c, c->dst != NULL, "two buffers of %u bytes: %s", BUF_BYTES,
		     vgpufront_strerror(st));
}

/* false: no such sub-test. */
static bool run_one(struct ctx *c, const struct opts *o, const char *sub)
{
	static const struct { const char *name; void (*fn)(struct ctx *); } subs[] = {
		{ "session", t_session }, { "roundtrip", t_roundtrip }, { "dtod", t_dtod },
		{ "memset", t_memset }, { "many", t_many }, { "quota", t_quota },
		{ "bad", t_bad }, { "xdev", t_xdev }, { "peer", t_peer }, { "hold", t_hold },
		{ "worker", t_worker },
	};
	size_t i;

	c->ck.sub = sub;
	if (!c->dev || (!c->src && !make_buffers(c)))
		return true;	/* said why */
	if (!strcmp(sub, "limits")) {
		t_limits(c, o->max_sessions, o->max_allocs);
		return true;
	}
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (!strcmp(sub, subs[i].name)) {
			subs[i].fn(c);
			return true;
		}
	}
	return false;
}

int main(int argc, char **argv)
{
	struct ctx c = { .name = "guest", .many = 200 };
	struct opts o = { 0 };
	int rc = parse_args(&c, &o, argc, argv), i;

	if (rc)
		return rc == 1 ? 0 : 2;
	c.want = malloc(BUF_BYTES);
	c.dev = reopen(c.devid);
	if (!c.want || !c.dev) {
		printf("OPENFAIL vm=%s\n", c.name);
		return 2;
	}
	for (i = optind; i < argc; i++) {
		if (!run_one(&c, &o, argv[i])) {
			fprintf(stderr, "vgpu-mem: no sub-test %s\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	printf("DONE vm=%s checks=%u failed=%u\n", c.name, c.ck.checks, c.ck.failed);
	if (c.dev) {
		vgpufront_buf_free(c.dev, c.src);
		vgpufront_buf_free(c.dev, c.dst);
		vgpufront_close(c.dev);
	}
	free(c.want);
	return c.ck.failed ? 1 : 0;
}
