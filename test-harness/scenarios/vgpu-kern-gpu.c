/* SPDX-License-Identifier: MIT */
/*
 * vgpu-kern-gpu.c: vgpu-kern's sub-tests that run kernels (the CUDA
 * executor).  Each result is computed on the CPU from the same inputs and
 * compared: exactly where the GPU must agree bit for bit (additions),
 * within a stated bound where it may round differently (FMA, sums).
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgpu-kern.h"
#include "vgpu_kernels.h"

#define PARAMS_OFF (KBUF_BYTES - 65536u)	/* the blobs, past the data */
#define DATA_MAX PARAMS_OFF

static bool session(struct kctx *c, uint32_t *s, uint64_t *mod)
{
	return kexpect(c, vgpufront_session_open(c->dev, 0, s), 0, "session open") &&
	       kexpect(c, vgpufront_module_load(c->dev, *s, vgpu_kernels_ptx,
						vgpu_kernels_ptx_len, mod), 0,
		       "the built-in module loads");
}

static bool get(struct kctx *c, uint32_t s, uint64_t mod, const char *name,
		struct vgpufront_func *f)
{
	char what[96];

	snprintf(what, sizeof(what), "func_get %s", name);
	return kexpect(c, vgpufront_func_get(c->dev, s, mod, name, f), 0, what);
}

/* The blob of @args at PARAMS_OFF of the input buffer, and the launch. */
static int launch(struct kctx *c, uint32_t s, const struct vgpufront_func *f,
		  uint32_t grid, uint32_t block, void *const *args, uint64_t *id)
{
	struct vgpufront_launch l = {
		.func = f->handle, .grid = { grid, 1, 1 }, .block = { block, 1, 1 },
		.params = f->param_bytes ? c->in : NULL, .params_off = PARAMS_OFF,
		.params_len = f->param_bytes,
	};
	int rc = vgpufront_params_pack(f, args, (uint8_t *)c->in->addr + PARAMS_OFF);

	if (rc)
		return rc;
	return id ? vgpufront_launch_submit(c->dev, s, &l, id) : vgpufront_launch(c->dev, s, &l);
}

static int put(struct kctx *c, uint32_t s, uint64_t d, const void *p, size_t n)
{
	memcpy(c->in->addr, p, n);
	return vgpufront_memcpy_htod(c->dev, s, d, c->in, 0, n);
}

static int take(struct kctx *c, uint32_t s, uint64_t d, void *p, size_t n)
{
	int rc = vgpufront_memcpy_dtoh(c->dev, s, c->out, 0, d, n);

	memcpy(p, c->out->addr, n);
	return rc;
}

static float frand(struct kctx *c)
{
	return (float)(gc_rnd(&c->ck) >> 40) / (float)(1u << 24) * 2.0f - 1.0f;
}

/* c = a + b on 2^19 floats: the GPU's float add is the CPU's, bit for bit. */
void kern_vadd(struct kctx *c, uint32_t s, uint64_t mod)
{
	int n = 1 << 19, i, bad = 0;
	size_t bytes = (size_t)n * sizeof(float);
	float *a = malloc(bytes), *b = malloc(bytes), *got = malloc(bytes);
	uint64_t da = 0, db = 0, dc = 0;
	struct vgpufront_func f = { 0 };

	for (i = 0; a && b && i < n; i++) {
		a[i] = frand(c);
		b[i] = frand(c);
	}
	if (a && b && got && get(c, s, mod, "vgpu_vadd", &f) &&
	    !vgpufront_mem_alloc(c->dev, s, bytes, &da) && !vgpufront_mem_alloc(c->dev, s, bytes, &db) &&
	    !vgpufront_mem_alloc(c->dev, s, bytes, &dc) && !put(c, s, da, a, bytes) &&
	    !put(c, s, db, b, bytes) &&
	    kexpect(c, launch(c, s, &f, (unsigned)(n / 256), 256,
			      (void *[]){ &da, &db, &dc, &n }, NULL), 0, "vgpu_vadd launch") &&
	    kexpect(c, take(c, s, dc, got, bytes), 0, "read c back")) {
		for (i = 0; i < n; i++)
			bad += got[i] != a[i] + b[i];
		kcheck(c, !bad, "vgpu_vadd: %d of %d sums differ from the CPU's", bad, n);
	} else {
		kcheck(c, false, "vgpu_vadd could not run");
	}
	free(f.layout);
	free(a);
	free(b);
	free(got);
}

/* y = a x + y: the GPU may fuse the multiply-add (one rounding, not two). */
static void k_saxpy(struct kctx *c, uint32_t s, uint64_t mod)
{
	int n = 100000, i, bad = 0;
	size_t bytes = (size_t)n * sizeof(float);
	float *x = malloc(bytes), *y = malloc(bytes), *got = malloc(bytes), a = 2.5f;
	uint64_t dx = 0, dy = 0;
	struct vgpufront_func f = { 0 };

	for (i = 0; x && y && i < n; i++) {
		x[i] = frand(c);
		y[i] = frand(c);
	}
	if (x && y && got && get(c, s, mod, "vgpu_saxpy", &f) &&
	    !vgpufront_mem_alloc(c->dev, s, bytes, &dx) && !vgpufront_mem_alloc(c->dev, s, bytes, &dy) &&
	    !put(c, s, dx, x, bytes) && !put(c, s, dy, y, bytes) &&
	    kexpect(c, launch(c, s, &f, (unsigned)((n + 255) / 256), 256,
			      (void *[]){ &n, &a, &dx, &dy }, NULL), 0, "vgpu_saxpy launch") &&
	    kexpect(c, take(c, s, dy, got, bytes), 0, "read y back")) {
		for (i = 0; i < n; i++) {
			double ref = (double)a * x[i] + y[i];

			bad += fabs(got[i] - ref) > 1e-6 * fabs(ref) + 1e-6;
		}
		kcheck(c, !bad, "vgpu_saxpy: %d of %d off the CPU's by more than 1e-6", bad, n);
	} else {
		kcheck(c, false, "vgpu_saxpy could not run");
	}
	free(f.layout);
	free(x);
	free(y);
	free(got);
}

/* C = A B, 200 x 200 (not a multiple of the 16 x 16 tile), against doubles. */
static void k_matmul(struct kctx *c, uint32_t s, uint64_t mod)
{
	int n = 200, i, j, k, bad = 0;
	size_t bytes = (size_t)n * n * sizeof(float);
	float *A = malloc(bytes), *B = malloc(bytes), *C = malloc(bytes);
	uint64_t dA = 0, dB = 0, dC = 0;
	struct vgpufront_func f = { 0 };
	struct vgpufront_launch l;

	for (i = 0; A && B && i < n * n; i++) {
		A[i] = frand(c);
		B[i] = frand(c);
	}
	if (!A || !B || !C || !get(c, s, mod, "vgpu_matmul", &f) ||
	    vgpufront_mem_alloc(c->dev, s, bytes, &dA) || vgpufront_mem_alloc(c->dev, s, bytes, &dB) ||
	    vgpufront_mem_alloc(c->dev, s, bytes, &dC) || put(c, s, dA, A, bytes) ||
	    put(c, s, dB, B, bytes) ||
	    vgpufront_params_pack(&f, (void *[]){ &dA, &dB, &dC, &n },
				  (uint8_t *)c->in->addr + PARAMS_OFF)) {
		kcheck(c, false, "vgpu_matmul could not be set up");
		goto out;
	}
	l = (struct vgpufront_launch){ .func = f.handle, .grid = { 13, 13, 1 },
		.block = { 16, 16, 1 }, .params = c->in, .params_off = PARAMS_OFF,
		.params_len = f.param_bytes };
	if (!kexpect(c, vgpufront_launch(c->dev, s, &l), 0, "vgpu_matmul launch (13 x 13 x 256)") ||
	    !kexpect(c, take(c, s, dC, C, bytes), 0, "read C back"))
		goto out;
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			double ref = 0;

			for (k = 0; k < n; k++)
				ref += (double)A[i * n + k] * B[k * n + j];
			bad += fabs(C[i * n + j] - ref) > 1e-4 * sqrt(n) * (fabs(ref) > 1 ? fabs(ref) : 1);
		}
	kcheck(c, !bad, "vgpu_matmul: %d of %d entries off the CPU's (doubles) by more than "
	       "1e-4 sqrt(n)", bad, n * n);
out:
	free(f.layout);
	free(A);
	free(B);
	free(C);
}

/* The sum of 2^20 floats in [0, 1): atomics add in any order. */
static void k_reduce(struct kctx *c, uint32_t s, uint64_t mod)
{
	int n = 1 << 20, i;
	size_t bytes = (size_t)n * sizeof(float);
	float *v = malloc(bytes), sum = 0;
	double ref = 0;
	uint64_t dv = 0, ds = 0;
	struct vgpufront_func f = { 0 };

	for (i = 0; v && i < n; i++) {
		v[i] = (frand(c) + 1.0f) / 2.0f;
		ref += v[i];
	}
	if (v && get(c, s, mod, "vgpu_reduce_sum", &f) &&
	    !vgpufront_mem_alloc(c->dev, s, bytes, &dv) && !vgpufront_mem_alloc(c->dev, s, 4, &ds) &&
	    !put(c, s, dv, v, bytes) &&
	    kexpect(c, launch(c, s, &f, 1024, 256, (void *[]){ &dv, &ds, &n }, NULL), 0,
		    "vgpu_reduce_sum launch") &&
	    kexpect(c, take(c, s, ds, &sum, sizeof(sum)), 0, "read the sum back"))
		kcheck(c, fabs(sum - ref) <= 1e-4 * ref, "vgpu_reduce_sum: %.3f, the CPU's %.3f",
		       (double)sum, ref);
	else
		kcheck(c, false, "vgpu_reduce_sum could not run");
	free(f.layout);
	free(v);
}

void t_kernels(struct kctx *c)
{
	uint64_t mod;
	uint32_t s;

	if (!session(c, &s, &mod))
		return;
	kern_vadd(c, s, mod);
	k_saxpy(c, s, mod);
	k_matmul(c, s, mod);
	k_reduce(c, s, mod);
	kexpect(c, vgpufront_module_unload(c->dev, s, mod), 0, "module unload");
	kexpect(c, vgpufront_session_close(c->dev, s), 0, "session close");
}

/* What cuFuncGetParamInfo says of kernels whose signatures we wrote. */
void t_layout(struct kctx *c)
{
	static const struct { const char *name; uint32_t n, bytes, layout[4][2]; } want[] = {
		{ "vgpu_vadd", 4, 28, { { 0, 8 }, { 8, 8 }, { 16, 8 }, { 24, 4 } } },
		{ "vgpu_saxpy", 4, 24, { { 0, 4 }, { 4, 4 }, { 8, 8 }, { 16, 8 } } },
		{ "vgpu_poke", 2, 12, { { 0, 8 }, { 8, 4 } } },
		{ "vgpu_empty", 0, 0, { { 0 } } },
	};
	struct vgpufront_func f;
	uint64_t mod;
	unsigned i, k, bad;
	uint32_t s;

	if (!session(c, &s, &mod))
		return;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		memset(&f, 0, sizeof(f));
		if (!get(c, s, mod, want[i].name, &f))
			continue;
		for (k = bad = 0; k < want[i].n && k < f.nparams; k++)
			bad += f.layout[k].offset != want[i].layout[k][0] ||
			       f.layout[k].size != want[i].layout[k][1];
		kcheck(c, f.nparams == want[i].n && f.param_bytes == want[i].bytes && !bad,
		       "%s: %u parameters, %u bytes, %u entries differ (want %u, %u)",
		       want[i].name, f.nparams, f.param_bytes, bad, want[i].n, want[i].bytes);
		free(f.layout);
	}
	kexpect(c, vgpufront_session_close(c->dev, s), 0, "session close");
}

/*
 * 1000 launches of y = 1 x + y queued back to back, no wait between them,
 * then one copy back: every y is 1000 only if all ran, each after the last.
 */
void t_stream(struct kctx *c)
{
	int n = 4096, i, bad = 0, sent = 0, answered = 0, failed = 0, k;
	float a = 1.0f, *ones = malloc(n * sizeof(float)), *got = malloc(n * sizeof(float));
	struct vgpuif_response r[32];
	struct vgpufront_func f = { 0 };
	uint64_t mod, dx = 0, dy = 0, id;
	uint32_t s;

	for (i = 0; ones && i < n; i++)
		ones[i] = 1.0f;
	if (!ones || !got || !session(c, &s, &mod) || !get(c, s, mod, "vgpu_saxpy", &f) ||
	    vgpufront_mem_alloc(c->dev, s, n * sizeof(float), &dx) ||
	    vgpufront_mem_alloc(c->dev, s, n * sizeof(float), &dy) ||
	    put(c, s, dx, ones, n * sizeof(float))) {
		kcheck(c, false, "the stream test could not be set up");
		goto out;
	}
	while (answered < 1000) {
		/* Keep 32 in flight: under the domain's cap, the ring never full. */
		if (sent < 1000 && sent - answered < 32 &&
		    !launch(c, s, &f, (unsigned)(n / 256), 256, (void *[]){ &n, &a, &dx, &dy }, &id)) {
			sent++;
			continue;
		}
		k = vgpufront_poll(c->dev, r, 32, 30000);
		if (k <= 0)
			break;
		for (i = 0; i < k; i++)
			failed += r[i].status != VGPU_OK;
		answered += k;
	}
	kcheck(c, answered == 1000 && !failed, "1000 launches queued: %d answered, %d failed",
	       answered, failed);
	if (kexpect(c, take(c, s, dy, got, n * sizeof(float)), 0, "read y back")) {
		for (i = 0; i < n; i++)
			bad += got[i] != 1000.0f;
		kcheck(c, !bad, "every y is 1000 (%d are not; y[0] = %g)", bad, (double)got[0]);
	}
	vgpufront_session_close(c->dev, s);
out:
	free(f.layout);
	free(ones);
	free(got);
}

/* What the driver refuses, each with the status a CUDA user can act on. */
void t_errors(struct kctx *c)
{
	static const char junk[] = "this is not PTX, nor a cubin";
	struct vgpufront_func f = { 0 }, e = { 0 };
	struct vgpufront_launch l = { .grid = { 1, 1, 1 }, .block = { 1, 1, 1 } };
	uint64_t mod, bad = 99;
	uint32_t s;

	if (!session(c, &s, &mod) || !get(c, s, mod, "vgpu_vadd", &f) ||
	    !get(c, s, mod, "vgpu_empty", &e))
		goto out;
	kexpect(c, vgpufront_module_load(c->dev, s, junk, sizeof(junk) - 1, &bad), E(EIMAGE),
		"an image that is neither PTX nor a cubin");
	kexpect(c, vgpufront_func_get(c->dev, s, mod, "no_such_kernel", &(struct vgpufront_func){ 0 }),
		E(ENOENT), "a kernel the module does not have");
	l.func = f.handle;
	l.params = c->in;
	l.params_off = PARAMS_OFF;
	l.params_len = f.param_bytes - 4;
	kexpect(c, vgpufront_launch(c->dev, s, &l), E(EINVAL),
		"a parameter blob 4 bytes short of the layout");
	l = (struct vgpufront_launch){ .func = e.handle, .grid = { 1, 1, 1 },
		.block = { 1, 1, 1 }, .shmem = 200u << 10 };
	kexpect(c, vgpufront_launch(c->dev, s, &l), E(ELAUNCH),
		"200 KiB of dynamic shared memory the kernel never asked for");
	l.shmem = 0;
	kexpect(c, vgpufront_launch(c->dev, s, &l), 0, "the session goes on: vgpu_empty runs");
	kexpect(c, vgpufront_module_unload(c->dev, s, mod), 0, "module unload");
	kexpect(c, vgpufront_launch(c->dev, s, &l), E(ENOENT), "its function after the unload");
	kexpect(c, vgpufront_module_unload(c->dev, s, mod), E(ENOENT), "unload it again");
out:
	vgpufront_session_close(c->dev, s);
	free(f.layout);
	free(e.layout);
}

/* The same vector add from a cubin nvcc built for this GPU. */
void t_cubin(struct kctx *c)
{
	FILE *fp = c->cubin ? fopen(c->cubin, "rb") : NULL;
	size_t len = fp ? fread(c->out->addr, 1, DATA_MAX, fp) : 0;
	void *img = len ? malloc(len) : NULL;
	uint64_t mod;
	uint32_t s;

	if (fp)
		fclose(fp);
	if (!kcheck(c, img != NULL, "--cubin %s read (%zu bytes)", c->cubin ? c->cubin : "(none)",
		    len))
		return;
	memcpy(img, c->out->addr, len);
	if (kexpect(c, vgpufront_session_open(c->dev, 0, &s), 0, "session open") &&
	    kexpect(c, vgpufront_module_load(c->dev, s, img, len, &mod), 0, "the cubin loads")) {
		kern_vadd(c, s, mod);
		vgpufront_session_close(c->dev, s);
	}
	free(img);
}

/* The device query against what nvidia-smi said on the host (the script's). */
void t_devinfo(struct kctx *c)
{
	struct vgpuif_device_info d;
	char cc[16];
	double mib;

	if (!kexpect(c, vgpufront_device_info(c->dev, 0, &d), 0, "device_info of GPU 0"))
		return;
	snprintf(cc, sizeof(cc), "%d.%d", d.attrs[75], d.attrs[76]);
	mib = (double)d.total_mem / (1 << 20);
	kcheck(c, c->expect_name && !strcmp(d.name, c->expect_name), "name '%s' (nvidia-smi: '%s')",
	       d.name, c->expect_name ? c->expect_name : "not given");
	kcheck(c, c->expect_cc && !strcmp(cc, c->expect_cc), "compute capability %s (nvidia-smi: %s)",
	       cc, c->expect_cc ? c->expect_cc : "not given");
	kcheck(c, c->expect_mem_mib && fabs(mib - (double)c->expect_mem_mib) <= 0.02 * mib,
	       "memory %.0f MiB, within 2%% of nvidia-smi's %" PRIu64 " MiB", mib,
	       c->expect_mem_mib);
	kcheck(c, d.attrs[1] == 1024 && d.attrs[10] == 32 && d.attrs[16] > 0,
	       "max threads per block %d, warp size %d, %d SMs", d.attrs[1], d.attrs[10],
	       d.attrs[16]);
	kexpect(c, vgpufront_device_info(c->dev, 999, &d), E(ERANGE), "device_info of GPU 999");
}

/* ---- a module's globals (GLOBAL_GET) ------------------------------------------------ */

struct kglobals {
	uint64_t coef, coef_bytes, count, count_bytes;
};

/* Both of the built-in module's globals, their sizes the declarations'. */
static bool globals_get(struct kctx *c, uint32_t s, uint64_t mod, struct kglobals *g)
{
	uint64_t again = 0, n = 0;

	if (!kexpect(c, vgpufront_global_get(c->dev, s, mod, "vgpu_coef", &g->coef, &g->coef_bytes),
		     0, "global_get vgpu_coef") ||
	    !kexpect(c, vgpufront_global_get(c->dev, s, mod, "vgpu_count", &g->count,
					     &g->count_bytes), 0, "global_get vgpu_count"))
		return false;
	kcheck(c, g->coef_bytes == 4 * sizeof(float) && g->count_bytes == sizeof(uint32_t),
	       "their sizes: vgpu_coef %" PRIu64 " bytes (float[4]), vgpu_count %" PRIu64
	       " (unsigned int)", g->coef_bytes, g->count_bytes);
	kcheck(c, g->coef + g->coef_bytes <= g->count || g->count + g->count_bytes <= g->coef,
	       "two ranges apart: %#" PRIx64 ", %#" PRIx64, g->coef, g->count);
	kexpect(c, vgpufront_global_get(c->dev, s, mod, "vgpu_coef", &again, &n), 0,
		"vgpu_coef again");
	kcheck(c, again == g->coef && n == g->coef_bytes, "the same range (%#" PRIx64 ", %" PRIu64
	       ")", again, n);
	return g->coef_bytes == 16 && g->count_bytes == 4;
}

/*
 * vgpu_poly on 100000 floats with coefficients copied into constant
 * memory, against the CPU's Horner scheme in the kernel's order of fused
 * multiply-adds; the counter it adds to started where we set it.
 */
static void globals_poly(struct kctx *c, uint32_t s, uint64_t mod, const struct kglobals *g)
{
	int n = 100000, i, bad = 0;
	size_t bytes = (size_t)n * sizeof(float);
	float *x = malloc(bytes), *got = malloc(bytes), k[4], back[4];
	uint32_t start = (uint32_t)(gc_rnd(&c->ck) >> 40), count = 0;
	struct vgpufront_func f = { 0 };
	uint64_t dx = 0, dy = 0;

	for (i = 0; i < 4; i++)
		k[i] = frand(c);
	for (i = 0; x && i < n; i++)
		x[i] = frand(c);
	if (x && got && get(c, s, mod, "vgpu_poly", &f) &&
	    kexpect(c, put(c, s, g->coef, k, sizeof(k)), 0, "HtoD 4 coefficients into vgpu_coef") &&
	    kexpect(c, put(c, s, g->count, &start, 4), 0, "HtoD a start into vgpu_count") &&
	    !vgpufront_mem_alloc(c->dev, s, bytes, &dx) && !vgpufront_mem_alloc(c->dev, s, bytes, &dy) &&
	    !put(c, s, dx, x, bytes) &&
	    kexpect(c, launch(c, s, &f, (unsigned)((n + 255) / 256), 256,
			      (void *[]){ &dx, &dy, &n }, NULL), 0, "vgpu_poly launch") &&
	    kexpect(c, take(c, s, dy, got, bytes), 0, "read y back")) {
		for (i = 0; i < n; i++) {
			float ref = fmaf(x[i], fmaf(x[i], fmaf(x[i], k[3], k[2]), k[1]), k[0]);

			bad += fabsf(got[i] - ref) > 1e-5f * fabsf(ref) + 1e-6f;
		}
		kcheck(c, !bad, "vgpu_poly: %d of %d off the CPU's by more than 1e-5", bad, n);
		kexpect(c, take(c, s, g->count, &count, 4), 0, "DtoH vgpu_count");
		kcheck(c, count == start + (uint32_t)n, "vgpu_count %u: the start %u + %d elements",
		       count, start, n);
		kexpect(c, take(c, s, g->coef, back, sizeof(back)), 0, "DtoH vgpu_coef");
		kcheck(c, !memcmp(back, k, sizeof(k)), "vgpu_coef reads back as written");
	} else {
		kcheck(c, false, "vgpu_poly could not run");
	}
	if (dx)
		vgpufront_mem_free(c->dev, s, dx);
	if (dy)
		vgpufront_mem_free(c->dev, s, dy);
	free(f.layout);
	free(x);
	free(got);
}

/* DTOD out of a global and MEMSET of one: inside it they work, one byte past it not. */
static void globals_ranges(struct kctx *c, uint32_t s, const struct kglobals *g)
{
	uint32_t v = (uint32_t)gc_rnd(&c->ck), got = 0;
	float k[4], back[4];
	uint64_t d = 0;

	if (!kexpect(c, vgpufront_mem_alloc(c->dev, s, 4096, &d), 0, "alloc 4 KiB") ||
	    !kexpect(c, take(c, s, g->coef, k, sizeof(k)), 0, "DtoH all of vgpu_coef"))
		return;
	kexpect(c, vgpufront_memcpy_dtod(c->dev, s, d, g->coef, 16), 0, "DtoD vgpu_coef -> memory");
	kexpect(c, take(c, s, d, back, sizeof(back)), 0, "DtoH the copy");
	kcheck(c, !memcmp(back, k, sizeof(k)), "the copy is vgpu_coef");
	kexpect(c, vgpufront_memset(c->dev, s, g->count, v, 4, 1), 0, "MEMSET vgpu_count (4 bytes)");
	kexpect(c, take(c, s, g->count, &got, 4), 0, "DtoH vgpu_count");
	kcheck(c, got == v, "vgpu_count %#x: the memset's %#x", got, v);
	kexpect(c, vgpufront_memcpy_htod(c->dev, s, g->coef + 1, c->in, 0, g->coef_bytes),
		E(EBADPTR), "HtoD one byte past vgpu_coef's end");
	kexpect(c, vgpufront_memcpy_dtoh(c->dev, s, c->out, 0, g->coef, g->coef_bytes + 1),
		E(EBADPTR), "DtoH of vgpu_coef and one byte more");
	kexpect(c, vgpufront_memset(c->dev, s, g->count, 0, 4, 2), E(EBADPTR),
		"MEMSET of 8 bytes at the 4-byte vgpu_count");
	kexpect(c, vgpufront_memcpy_dtod(c->dev, s, d, g->coef, 17), E(EBADPTR),
		"DtoD of 17 bytes out of vgpu_coef");
	kexpect(c, vgpufront_mem_free(c->dev, s, g->coef), E(EBADPTR),
		"MEM_FREE of vgpu_coef: a global is not an allocation");
	vgpufront_mem_free(c->dev, s, d);
}

/*
 * A module's globals: found by name, written and read by copies, read by a
 * kernel; their bounds held; another session cannot reach them; gone with
 * their module.
 */
void t_globals(struct kctx *c)
{
	struct kglobals g = { 0 };
	uint64_t mod, p = 0, n = 0;
	uint32_t s, o;

	if (!session(c, &s, &mod))
		return;
	kexpect(c, vgpufront_global_get(c->dev, s, mod, "vgpu_no_such_global", &p, &n), E(ENOENT),
		"global_get of a name the module lacks");
	if (globals_get(c, s, mod, &g)) {
		globals_poly(c, s, mod, &g);
		globals_ranges(c, s, &g);
		if (kexpect(c, vgpufront_session_open(c->dev, 0, &o), 0, "a second session")) {
			kexpect(c, vgpufront_memcpy_dtoh(c->dev, o, c->out, 0, g.coef, 4),
				E(EBADPTR), "it cannot read the first one's global");
			vgpufront_session_close(c->dev, o);
		}
		kexpect(c, vgpufront_module_unload(c->dev, s, mod), 0, "module unload");
		kexpect(c, vgpufront_memcpy_htod(c->dev, s, g.coef, c->in, 0, 4), E(EBADPTR),
			"HtoD into vgpu_coef after the unload");
		kexpect(c, vgpufront_memcpy_dtoh(c->dev, s, c->out, 0, g.count, 4), E(EBADPTR),
			"DtoH of vgpu_count after the unload");
		kexpect(c, vgpufront_global_get(c->dev, s, mod, "vgpu_coef", &p, &n), E(ENOENT),
			"global_get in the unloaded module");
	}
	kexpect(c, vgpufront_session_close(c->dev, s), 0, "session close");
}
