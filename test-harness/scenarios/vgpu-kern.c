/* SPDX-License-Identifier: MIT */
/*
 * vgpu-kern: a scenario guest for modules and launches (protocol version
 * 2).  Runs the sub-tests named on its command line, in order, one line per
 * check (guest_checks.h), then `DONE vm=NAME checks=N failed=F` (exit 0
 * when F is 0, 1 otherwise, 2 for bad usage or a device that does not open).
 *
 * Any executor:
 *   bad        every request the backend must refuse before any executor
 *              sees it, with the exact VGPU_E* status each gets (GLOBAL_GET's
 *              included)
 *   nokernels  the CPU executor: loads answer VGPU_ENOSYS, the session lives on
 *   order      a session's requests queued at once run in order
 *   streams    two streams: each in order, side by side; destroy, bounds
 *   events     record, query, synchronize, elapsed (--delay-us D: at least
 *              vgpuback's --cpu-delay-us between two records around a job),
 *              refusals, destroy in flight, --max-events (vgpu-kern-events.c)
 *   counts     --max-modules M loads in flight at once (with vgpuback's
 *              --cpu-delay-us or a slow JIT), the next one VGPU_ENOMEM; the
 *              count is given back when they end
 * The CUDA executor (vgpu-kern-gpu.c): kernels layout stream errors cubin
 * (--cubin FILE) fault and victim (two guests: --peer-out/--peer-in) spin
 * devinfo (against nvidia-smi's --expect-name, --expect-cc, --expect-mem-mib)
 * globals (GLOBAL_GET: a kernel reads what a copy wrote into its module's
 * __constant__ memory; bounds, MEM_FREE, another session, the unload).
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

#include "vgpu-kern.h"
#include "vgpu_clock.h"
#include "vgpu_kernels.h"

bool kcheck(struct kctx *c, bool pass, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pass = gc_vcheck(&c->ck, pass, fmt, ap);
	va_end(ap);
	return pass;
}

bool kexpect(struct kctx *c, int got, int want, const char *what)
{
	return gc_expect(&c->ck, got, want, what);
}

void kreq(struct vgpuif_request *q, uint8_t op, uint32_t session)
{
	memset(q, 0, sizeof(*q));
	q->op = op;
	q->session = session;
}

int kcall(struct kctx *c, struct vgpuif_request *q, struct vgpuif_response *rsp)
{
	struct vgpuif_response r;

	return vgpufront_call(c->dev, q, rsp ? rsp : &r);
}

/* ---- refused before any executor --------------------------------------------- */

/* A MODULE_LOAD of 100 bytes of the read-only buffer, then @what changed. */
static void bad_load(struct kctx *c, uint32_t s)
{
	struct vgpuif_request q;

#define LOAD(what, want, change) do { kreq(&q, VGPU_OP_MODULE_LOAD, s); \
	q.u.module_load.image.handle = c->in->handle; q.u.module_load.bytes = 100; \
	change; kexpect(c, kcall(c, &q, NULL), VGPUFRONT_E(VGPU_##want), "module_load: " what); } while (0)
	LOAD("0 bytes", ERANGE, q.u.module_load.bytes = 0);
	LOAD("one byte over VGPUIF_MAX_IMAGE", ERANGE,
	     q.u.module_load.bytes = VGPUIF_MAX_IMAGE + 1);
	LOAD("flags", EINVAL, q.u.module_load.flags = 1);
	LOAD("past the buffer's end", ERANGE,
	     q.u.module_load.image.offset = KBUF_BYTES - 50);
	LOAD("no such buffer", EBADBUF, q.u.module_load.image.handle = 0xfffff);
	LOAD("no session", ESESSION, q.session = 0);
	LOAD("another session", ESESSION, q.session = s + 1000);
#undef LOAD
}

static void bad_func(struct kctx *c, uint32_t s)
{
	struct vgpuif_request q;

#define FUNC(what, want, change) do { kreq(&q, VGPU_OP_FUNC_GET, s); \
	q.u.func_get.module = 1ull << 40; q.u.func_get.name.handle = c->in->handle; \
	q.u.func_get.name_len = 8; q.u.func_get.layout.handle = c->out->handle; \
	q.u.func_get.layout_len = 64; \
	change; kexpect(c, kcall(c, &q, NULL), VGPUFRONT_E(VGPU_##want), "func_get: " what); } while (0)
	FUNC("a module never loaded", ENOENT, (void)0);
	FUNC("module 0", ENOENT, q.u.func_get.module = 0);
	FUNC("an empty name", ERANGE, q.u.func_get.name_len = 0);
	FUNC("a name one byte over VGPUIF_MAX_NAME", ERANGE,
	     q.u.func_get.name_len = VGPUIF_MAX_NAME + 1);
	FUNC("a layout of 12 bytes (not whole entries)", EINVAL, q.u.func_get.layout_len = 12);
	FUNC("no layout but a buffer named", EINVAL, q.u.func_get.layout_len = 0);
	FUNC("the layout in a read-only buffer", EACCES,
	     q.u.func_get.layout.handle = c->in->handle);
	FUNC("the layout misaligned", EINVAL, q.u.func_get.layout.offset = 2);
	FUNC("the name past the buffer's end", ERANGE,
	     q.u.func_get.name.offset = KBUF_BYTES - 4);
#undef FUNC
}

static void bad_global(struct kctx *c, uint32_t s)
{
	struct vgpuif_request q;

#define GLOBAL(what, want, change) do { kreq(&q, VGPU_OP_GLOBAL_GET, s); \
	q.u.global_get.module = 1ull << 40; q.u.global_get.name.handle = c->in->handle; \
	q.u.global_get.name_len = 8; \
	change; kexpect(c, kcall(c, &q, NULL), VGPUFRONT_E(VGPU_##want), "global_get: " what); \
	} while (0)
	GLOBAL("a module never loaded", ENOENT, (void)0);
	GLOBAL("module 0", ENOENT, q.u.global_get.module = 0);
	GLOBAL("an empty name", ERANGE, q.u.global_get.name_len = 0);
	GLOBAL("a name one byte over VGPUIF_MAX_NAME", ERANGE,
	       q.u.global_get.name_len = VGPUIF_MAX_NAME + 1);
	GLOBAL("padding", EINVAL, q.u.global_get._pad = 1);
	GLOBAL("the name past the buffer's end", ERANGE,
	       q.u.global_get.name.offset = KBUF_BYTES - 4);
	GLOBAL("no such buffer", EBADBUF, q.u.global_get.name.handle = 0xfffff);
	GLOBAL("no session", ESESSION, q.session = 0);
	GLOBAL("another session", ESESSION, q.session = s + 1000);
#undef GLOBAL
}

static void bad_launch(struct kctx *c, uint32_t s)
{
	struct vgpuif_request q;
	struct vgpuif_launch_req *l = &q.u.launch;

#define LAUNCH(what, want, change) do { kreq(&q, VGPU_OP_LAUNCH, s); \
	l->func = 1ull << 40; l->grid[0] = l->grid[1] = l->grid[2] = 1; \
	l->block[0] = 32; l->block[1] = l->block[2] = 1; \
	change; kexpect(c, kcall(c, &q, NULL), VGPUFRONT_E(VGPU_##want), "launch: " what); } while (0)
	LAUNCH("a function never got", ENOENT, (void)0);
	LAUNCH("function 0", ENOENT, l->func = 0);
	LAUNCH("grid x 0", ERANGE, l->grid[0] = 0);
	LAUNCH("grid x 2^31", ERANGE, l->grid[0] = 1u << 31);
	LAUNCH("grid y 65536", ERANGE, l->grid[1] = 65536);
	LAUNCH("grid z 0", ERANGE, l->grid[2] = 0);
	LAUNCH("block 0 threads", ERANGE, l->block[0] = 0);
	LAUNCH("block 1024 x 2", ERANGE, (l->block[0] = 1024, l->block[1] = 2));
	LAUNCH("block z 65", ERANGE, (l->block[0] = 1, l->block[2] = 65));
	LAUNCH("shared memory over VGPUIF_MAX_SHMEM", ERANGE, l->shmem = VGPUIF_MAX_SHMEM + 1);
	LAUNCH("parameters over VGPUIF_MAX_PARAM_BYTES", ERANGE,
	       (l->params.handle = c->in->handle, l->params_len = VGPUIF_MAX_PARAM_BYTES + 1));
	LAUNCH("a stream the session never made", ENOENT, l->stream = 1);
	LAUNCH("padding", EINVAL, l->_pad = 1);
	LAUNCH("no parameters but a buffer named", EINVAL, l->params.handle = c->in->handle);
	LAUNCH("parameters past the buffer's end", ERANGE,
	       (l->params.handle = c->in->handle, l->params.offset = KBUF_BYTES - 8,
		l->params_len = 16));
	LAUNCH("no session", ESESSION, q.session = 0);
#undef LAUNCH
}

static void bad_info(struct kctx *c)
{
	struct vgpuif_request q;

#define INFO(what, want, change) do { kreq(&q, VGPU_OP_DEVICE_INFO, 0); \
	q.u.device_info.out.handle = c->out->handle; \
	change; kexpect(c, kcall(c, &q, NULL), VGPUFRONT_E(VGPU_##want), "device_info: " what); \
	} while (0)
	INFO("into a read-only buffer", EACCES, q.u.device_info.out.handle = c->in->handle);
	INFO("padding", EINVAL, q.u.device_info._pad = 1);
	INFO("past the buffer's end", ERANGE, q.u.device_info.out.offset = KBUF_BYTES - 64);
	INFO("misaligned", EINVAL, q.u.device_info.out.offset = 4);
	INFO("a session named", EINVAL, q.session = 1);
#undef INFO
}

static void t_bad(struct kctx *c)
{
	struct vgpuif_request q;
	uint32_t s;

	if (!kexpect(c, vgpufront_session_open(c->dev, 0, &s), 0, "session open"))
		return;
	bad_load(c, s);
	bad_func(c, s);
	bad_global(c, s);
	bad_launch(c, s);
	bad_info(c);
	kreq(&q, VGPU_OP_MODULE_UNLOAD, s);
	kexpect(c, kcall(c, &q, NULL), E(ENOENT), "module_unload: module 0");
	q.u.module_unload.module = 1ull << 40;
	kexpect(c, kcall(c, &q, NULL), E(ENOENT), "module_unload: a module never loaded");
	kexpect(c, vgpufront_session_close(c->dev, s), 0, "session close");
	kexpect(c, vgpufront_module_unload(c->dev, s, 1), E(ESESSION),
		"module_unload in the closed session");
}

/* ---- the CPU executor ------------------------------------------------------------ */

/*
 * GLOBAL_GET with no module (none loads on the CPU executor): VGPU_ENOENT,
 * as FUNC_GET; what the wire cannot carry is refused before it is sent.
 */
static void nokernels_global(struct kctx *c, uint32_t s)
{
	uint64_t p = 5, n = 7;
	char name[VGPUIF_MAX_NAME + 2];

	memset(name, 'g', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	kexpect(c, vgpufront_global_get(c->dev, s, 1, "vgpu_coef", &p, &n), E(ENOENT),
		"global_get of a module that never loaded");
	kcheck(c, p == 5 && n == 7, "nothing written (%" PRIu64 ", %" PRIu64 ")", p, n);
	kexpect(c, vgpufront_global_get(c->dev, s, 1, "", &p, &n), -EINVAL,
		"global_get of an empty name: -EINVAL, not sent");
	kexpect(c, vgpufront_global_get(c->dev, s, 1, name, &p, &n), -EINVAL,
		"a name of VGPUIF_MAX_NAME + 1 bytes: -EINVAL, not sent");
	kexpect(c, vgpufront_global_get(c->dev, s, 1, "vgpu_coef", NULL, &n), -EINVAL,
		"no address to fill: -EINVAL");
}

static void t_nokernels(struct kctx *c)
{
	struct vgpufront_func f;
	uint64_t mod = 77, d = 0;
	uint32_t s;

	if (!kexpect(c, vgpufront_session_open(c->dev, 0, &s), 0, "session open"))
		return;
	kexpect(c, vgpufront_module_load(c->dev, s, vgpu_kernels_ptx, vgpu_kernels_ptx_len, &mod),
		E(ENOSYS), "the built-in module: the CPU executor runs no kernels");
	kcheck(c, mod == 77, "no handle given back (%" PRIu64 ")", mod);
	kexpect(c, vgpufront_func_get(c->dev, s, 1, "vgpu_vadd", &f), E(ENOENT),
		"func_get of a module that never loaded");
	nokernels_global(c, s);
	kexpect(c, vgpufront_device_info(c->dev, 0, &(struct vgpuif_device_info){ 0 }), E(ENOSYS),
		"device_info: the CPU executor has no GPU to describe");
	kexpect(c, vgpufront_mem_alloc(c->dev, s, 4096, &d), 0, "memory still works after");
	kexpect(c, vgpufront_mem_free(c->dev, s, d), 0, "and is freed");
	kexpect(c, vgpufront_session_close(c->dev, s), 0, "session close");
}

/* ---- per-domain counts -------------------------------------------------------------- */

/* Every response of @n submitted requests: how many got @want, VGPU_ENOMEM, other. */
static unsigned collect(struct kctx *c, unsigned n, int32_t want, unsigned *enomem,
			unsigned *other)
{
	struct vgpuif_response r[16];
	unsigned got = 0, match = 0;
	int k, i;

	*enomem = *other = 0;
	while (got < n) {
		k = vgpufront_poll(c->dev, r, 16, 30000);
		if (k <= 0)
			break;
		for (i = 0; i < k; i++) {
			if (r[i].status == want)
				match++;
			else if (r[i].status == VGPU_ENOMEM)
				(*enomem)++;
			else
				(*other)++;
		}
		got += (unsigned)k;
	}
	return match;
}

static void t_counts(struct kctx *c)
{
	struct vgpuif_request q[64];
	unsigned m = c->max_modules, i, enomem, other, ok;
	int32_t ran = VGPU_ENOSYS;	/* the CPU executor; the CUDA one loads */
	struct vgpuif_query_result qr;
	char what[96];
	uint32_t s;

	if (!kcheck(c, m >= 1 && m < 64, "--max-modules %u given (1 to 63)", m) ||
	    !kexpect(c, vgpufront_query(c->dev, &qr, NULL, 0), 0, "query") ||
	    !kexpect(c, vgpufront_session_open(c->dev, 0, &s), 0, "session open"))
		return;
	if (qr.executor == VGPU_EXEC_CUDA)
		ran = VGPU_OK;
	memcpy(c->in->addr, vgpu_kernels_ptx, vgpu_kernels_ptx_len);
	for (i = 0; i <= m; i++) {
		kreq(&q[i], VGPU_OP_MODULE_LOAD, s);
		q[i].u.module_load.image.handle = c->in->handle;
		q[i].u.module_load.bytes = (uint32_t)vgpu_kernels_ptx_len;
		if (vgpufront_submit(c->dev, &q[i]))
			break;
	}
	kcheck(c, i == m + 1, "%u loads submitted at once", i);
	ok = collect(c, i, ran, &enomem, &other);
	snprintf(what, sizeof(what), "%u ran (%s), %u over --max-modules %u got VGPU_ENOMEM",
		 ok, ran ? vgpufront_strerror(VGPUFRONT_E(ran)) : "loaded", enomem, m);
	kcheck(c, ok == m && enomem == 1 && !other, "%s (%u answered otherwise)", what, other);
	/* Loaded ones hold their count until unloaded: the session's close does. */
	kexpect(c, vgpufront_session_close(c->dev, s), 0, "session close");
	kexpect(c, vgpufront_session_open(c->dev, 0, &s), 0, "a new session");
	kreq(&q[0], VGPU_OP_MODULE_LOAD, s);
	q[0].u.module_load.image.handle = c->in->handle;
	q[0].u.module_load.bytes = (uint32_t)vgpu_kernels_ptx_len;
	kexpect(c, kcall(c, &q[0], NULL), ran ? VGPUFRONT_E(ran) : 0,
		"one more load afterwards: the counts came back");
	kexpect(c, vgpufront_session_close(c->dev, s), 0, "session close");
}

/* ---- a session is a stream ------------------------------------------------------------ */

/*
 * Memsets queued at once, each big one (64 MiB) followed by a small one
 * (its last 4 KiB): 1 big, 2 small, 3 big, 4 small.  In order, the last
 * 4 KiB read 4 and the 4 KiB before them 3.  A small one run beside the
 * big one before it (two threads, two streams) finishes first, and the big
 * one, which reaches the end last, leaves 3 there.
 */
#define ORDER_BIG (64u << 20)

static void t_order(struct kctx *c)
{
	struct vgpuif_request q;
	unsigned i, sent = 0, enomem, other, ok, bad = 0;
	const uint8_t *p = c->out->addr;
	uint64_t d = 0;
	uint32_t s;

	if (!kexpect(c, vgpufront_session_open(c->dev, 0, &s), 0, "session open") ||
	    !kexpect(c, vgpufront_mem_alloc(c->dev, s, ORDER_BIG, &d), 0, "alloc 64 MiB"))
		return;
	for (i = 1; i <= 4; i++) {
		kreq(&q, VGPU_OP_MEMSET, s);
		q.u.memset = (struct vgpuif_memset_req){ .dptr = i % 2 ? d : d + ORDER_BIG - 4096,
							 .value = i, .elem = 1,
							 .count = i % 2 ? ORDER_BIG : 4096 };
		sent += !vgpufront_submit(c->dev, &q);
	}
	ok = collect(c, sent, VGPU_OK, &enomem, &other);
	kcheck(c, sent == 4 && ok == 4, "4 memsets queued at once: %u sent, %u done", sent, ok);
	if (kexpect(c, vgpufront_memcpy_dtoh(c->dev, s, c->out, 0, d + ORDER_BIG - 8192, 8192), 0,
		    "read back the last 8 KiB")) {
		for (i = 0; i < 8192; i++)
			bad += p[i] != (i < 4096 ? 3 : 4);
		kcheck(c, !bad, "the last 4 KiB hold 4, the 4 KiB before them 3: the order they "
		       "came in (%u bytes differ; the last byte is %u)", bad, p[8191]);
	}
	kexpect(c, vgpufront_session_close(c->dev, s), 0, "session close");
}

/* Queue a memset of @n bytes at @d on @stream: its request id, 0 if not sent. */
static uint64_t queue_memset(struct kctx *c, uint32_t s, uint32_t stream, uint64_t d,
			     uint64_t n, unsigned v)
{
	struct vgpuif_request q;

	kreq(&q, VGPU_OP_MEMSET, s);
	q.u.memset = (struct vgpuif_memset_req){ .dptr = d, .count = n, .value = v, .elem = 1,
						 .stream = stream };
	return vgpufront_submit(c->dev, &q) ? 0 : q.id;
}

/* Where in the arrival order of @n responses request @id came (-1: not). */
static int arrival(struct kctx *c, const uint64_t *ids, unsigned n, int *pos)
{
	struct vgpuif_response r[8];
	unsigned got = 0, i, k;
	int m, bad = 0;

	for (i = 0; i < n; i++)
		pos[i] = -1;
	while (got < n && (m = vgpufront_poll(c->dev, r, 8, 30000)) > 0)
		for (k = 0; k < (unsigned)m; k++, got++) {
			for (i = 0; i < n && ids[i] != r[k].id; i++)
				;
			if (i < n)
				pos[i] = (int)got;
			bad += r[k].status != VGPU_OK;
		}
	return bad;
}

/*
 * Two streams of one session (vgpuback with --slots 4 and --cpu-delay-us,
 * or a GPU): A's two memsets run one after the other, B's beside the first
 * (its answer comes before A's second), and A's synchronize after both.
 */
static void t_streams(struct kctx *c)
{
	uint32_t s, a = 0, b = 0, more;
	uint64_t da = 0, db = 0, ids[4];
	struct vgpuif_query_result qr;
	int pos[4], bad;
	unsigned n;

	if (!kexpect(c, vgpufront_session_open(c->dev, 0, &s), 0, "session open") ||
	    !kexpect(c, vgpufront_stream_create(c->dev, s, &a), 0, "stream A") ||
	    !kexpect(c, vgpufront_stream_create(c->dev, s, &b), 0, "stream B") ||
	    !kcheck(c, a && b && a != b, "two ids, neither 0 (%u, %u)", a, b) ||
	    vgpufront_mem_alloc(c->dev, s, ORDER_BIG, &da) || vgpufront_mem_alloc(c->dev, s, 4096, &db))
		return;
	ids[0] = queue_memset(c, s, a, da, ORDER_BIG, 1);
	ids[1] = queue_memset(c, s, a, da, ORDER_BIG, 2);
	ids[2] = queue_memset(c, s, b, db, 4096, 7);
	{
		struct vgpuif_request q;

		kreq(&q, VGPU_OP_STREAM_SYNC, s);
		q.u.stream.stream = a;
		ids[3] = vgpufront_submit(c->dev, &q) ? 0 : q.id;
	}
	bad = arrival(c, ids, 4, pos);
	kcheck(c, !bad && pos[0] >= 0 && pos[1] >= 0 && pos[2] >= 0 && pos[3] >= 0,
	       "4 requests queued on two streams, all answered VGPU_OK (%d not)", bad);
	kcheck(c, pos[0] < pos[1] && pos[1] < pos[3], "stream A in order: memset, memset, "
	       "synchronize (answers %d, %d, %d)", pos[0], pos[1], pos[3]);
	/* Timed by --cpu-delay-us on the CPU; a GPU's 64 MiB takes microseconds. */
	if (!vgpufront_query(c->dev, &qr, NULL, 0) && qr.executor == VGPU_EXEC_CPU)
		kcheck(c, pos[2] < pos[1], "stream B ran beside A: its memset answered %d, "
		       "before A's second (%d)", pos[2], pos[1]);
	kexpect(c, vgpufront_stream_synchronize(c->dev, s, b), 0, "synchronize B");
	kexpect(c, vgpufront_stream_destroy(c->dev, s, a), 0, "destroy A");
	kexpect(c, vgpufront_memset(c->dev, s, db, 1, 1, 16), 0, "the session's own stream");
	kexpect(c, vgpufront_stream_synchronize(c->dev, s, a), E(ENOENT), "synchronize A, destroyed");
	kexpect(c, vgpufront_stream_destroy(c->dev, s, a), E(ENOENT), "destroy A again");
	kexpect(c, vgpufront_stream_destroy(c->dev, s, 0), E(EINVAL), "destroy stream 0");
	kexpect(c, vgpufront_stream_synchronize(c->dev, s, 999), E(ENOENT), "a stream never made");
	for (n = 1; !vgpufront_stream_create(c->dev, s, &more); n++)
		;
	kcheck(c, c->max_streams && n == c->max_streams, "streams up to --max-streams %u: %u",
	       c->max_streams, n);
	kexpect(c, vgpufront_session_close(c->dev, s), 0, "session close");
	kexpect(c, vgpufront_session_open(c->dev, 0, &s), 0, "a new session");
	kexpect(c, vgpufront_stream_create(c->dev, s, &more), 0, "its stream: the count came back");
	kexpect(c, vgpufront_session_close(c->dev, s), 0, "session close");
}

/* ---- the frame ---------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f, "usage: vgpu-kern [--name N] [--device D] [--seed S] [--max-modules M]\n"
		   "                 [--cubin FILE] [--peer-out F] [--peer-in F]\n"
		   "                 [--max-streams N] [--max-events N] [--delay-us D]\n"
		   "                 [--expect-name S --expect-cc M.N --expect-mem-mib N] SUB...\n"
		   "SUB: bad nokernels order streams events counts kernels layout stream\n"
		   "     errors cubin fault victim spin devinfo globals\n");
}

static int parse_args(struct kctx *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "name", required_argument, NULL, 'm' }, { "device", required_argument, NULL, 'd' },
		{ "seed", required_argument, NULL, 's' },
		{ "max-modules", required_argument, NULL, 'M' },
		{ "max-streams", required_argument, NULL, 'S' },
		{ "max-events", required_argument, NULL, 'E' },
		{ "delay-us", required_argument, NULL, 'D' },
		{ "cubin", required_argument, NULL, 'c' },
		{ "expect-name", required_argument, NULL, 'N' },
		{ "expect-cc", required_argument, NULL, 'C' },
		{ "expect-mem-mib", required_argument, NULL, 'B' },
		{ "peer-out", required_argument, NULL, 'o' }, { "peer-in", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'm': c->name = optarg; break;
		case 'd': c->devid = (unsigned)strtoul(optarg, NULL, 0); break;
		case 's': c->ck.rng = strtoull(optarg, NULL, 0); break;
		case 'M': c->max_modules = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'S': c->max_streams = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'E': c->max_events = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'D': c->delay_us = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'c': c->cubin = optarg; break;
		case 'N': c->expect_name = optarg; break;
		case 'C': c->expect_cc = optarg; break;
		case 'B': c->expect_mem_mib = strtoull(optarg, NULL, 0); break;
		case 'o': c->peer_out = optarg; break;
		case 'i': c->peer_in = optarg; break;
		case 'h': usage(stdout); return 1;
		default: usage(stderr); return 2;
		}
	}
	return gc_args_done(&c->ck, optind, argc, usage);
}

bool kern_open(struct kctx *c)
{
	struct vgpufront_opts fo = { .timeout_ms = 10000 };
	int64_t end = vgpu_now_ms() + 30000;
	char err[256];
	int st = 0;

	if (c->dev) {	/* a device the backend closed under us */
		vgpufront_buf_free(c->dev, c->in);
		vgpufront_buf_free(c->dev, c->out);
		vgpufront_close(c->dev);
	}
	c->in = c->out = NULL;
	/* It may be coming up or going down: retry for up to 30 s. */
	while (!(c->dev = vgpufront_open(c->devid, &fo, err, sizeof(err))) && vgpu_now_ms() < end)
		usleep(100000);
	if (!c->dev) {
		fprintf(stderr, "vgpu-kern: device %u: %s\n", c->devid, err);
		return false;
	}
	c->in = vgpufront_buf_alloc(c->dev, KBUF_BYTES, VGPUFRONT_BUF_READONLY, &st);
	c->out = c->in ? vgpufront_buf_alloc(c->dev, KBUF_BYTES, 0, &st) : NULL;
	return kcheck(c, c->out != NULL, "two buffers of %u bytes: %s", KBUF_BYTES,
		      vgpufront_strerror(st));
}

static bool run_one(struct kctx *c, const char *sub)
{
	static const struct { const char *name; void (*fn)(struct kctx *); } subs[] = {
		{ "bad", t_bad }, { "nokernels", t_nokernels }, { "counts", t_counts },
		{ "order", t_order }, { "streams", t_streams }, { "events", t_events },
		{ "kernels", t_kernels }, { "layout", t_layout }, { "stream", t_stream },
		{ "errors", t_errors }, { "cubin", t_cubin }, { "fault", t_fault },
		{ "victim", t_victim }, { "spin", t_spin }, { "devinfo", t_devinfo },
		{ "globals", t_globals },
	};
	size_t i;

	c->ck.sub = sub;
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (!strcmp(sub, subs[i].name)) {
			subs[i].fn(c);
			return true;
		}
	return false;
}

int main(int argc, char **argv)
{
	struct kctx c = { .name = "guest" };
	int rc = parse_args(&c, argc, argv), i;

	if (rc)
		return rc == 1 ? 0 : 2;
	c.ck.sub = "open";
	if (!kern_open(&c)) {
		printf("OPENFAIL vm=%s\n", c.name);
		return 2;
	}
	for (i = optind; i < argc; i++)
		if (!run_one(&c, argv[i])) {
			fprintf(stderr, "vgpu-kern: no sub-test %s\n", argv[i]);
			usage(stderr);
			return 2;
		}
	printf("DONE vm=%s checks=%u failed=%u\n", c.name, c.ck.checks, c.ck.failed);
	vgpufront_buf_free(c.dev, c.in);
	vgpufront_buf_free(c.dev, c.out);
	vgpufront_close(c.dev);
	return c.ck.failed ? 1 : 0;
}
