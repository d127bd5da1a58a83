/* SPDX-License-Identifier: MIT */
/*
 * cuda_export.c: cuGetExportTable, the driver's private tables that the
 * CUDA runtime (cudart, linked statically into every plain nvcc program)
 * reaches the driver through besides cuGetProcAddress.
 *
 * What cudart 13.0 asks of the driver at start-up, in order, as observed
 * with VGPU_CUDA_TRACE=1 on this library in a simxen guest (a plain
 * `nvcc -o t t.cu` program; no NVIDIA code read or disassembled; the table
 * layouts agree with ZLUDA's dark_api notes).  All of it happens inside
 * the program's first runtime call (cudaGetDeviceCount here).
 *
 *  1. cuGetProcAddress_v2("", 0, 0): a probe (NOT_FOUND).  Then 440
 *     lookups, each name at the version cudart was built against (cuInit
 *     2000, cuGetProcAddress 11030 and 12000, cuDeviceTotalMem 3020,
 *     cuCtxCreate 3020, cuLibraryLoadData 12000; at 13000: cuCtxGetDevice,
 *     cuCtxSynchronize, cuDeviceGetHostAtomicCapabilities,
 *     cuMemcpyBatchAsync, cuMemGetDefaultMemPool ...), 74 of them also
 *     with CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM (0x2).  The names
 *     no Linux driver has (cuGL*, cuEGL*, cuVDPAU*, cuGraphics{GL,EGL,
 *     VDPAU}*) answer NOT_FOUND; cudart does without them.
 *  2. cuGetExportTable(f8cff951-2146-8b4e-b9e2-fb469e7c0dd9): refused
 *     (CUDA_ERROR_INVALID_VALUE); 13.0 goes on without it.
 *  3. cuDriverGetVersion, cuInit(0).
 *  4. cuGetExportTable(6bd5fb6c-...: "cudart"), (a094798c-...: "hooks").
 *     Refusing "cudart": every runtime call fails, cudaErrorNotSupported.
 *  5. cuModuleGetLoadingMode (cuda_library.c).  EAGER: cuLibraryLoadData
 *     of the program's fatbin right after step 9, no context current.
 *  6. cuDeviceGetCount, cuDeviceGet; per device: cudart slot 2 (its
 *     primary context), cuDeviceGetName, cuDeviceTotalMem_v2,
 *     cuDeviceGetUuid, ~70 cuDeviceGetAttribute.  Any of these failing:
 *     cudaErrorInitializationError.
 *  7. hooks slots 2 and 6 (two buffers and their sizes).
 *  8. cuGetExportTable("tls" 42d85a81-..., "cls" c693336e-..., "check"
 *     263e8860-...); check slot 3.
 *  9. cuGetExportTable("integrity" d4082055-...); integrity slot 1 with
 *     versions 13000 and 13001 (fixed answers), then cuDriverGetVersion,
 *     cuDeviceGetCount, per device cuDeviceGetUuid_v2 and the PCI domain,
 *     bus and device attributes, then slot 1 with 13002: the hash
 *     (cuda_hash.c).  A wrong answer: cudaErrorSoftwareValidityNot-
 *     Established ("integrity checks failed") from every runtime call.
 * 10. When a context is needed (cudaSetDevice, cudaMalloc ...):
 *     cls slot 2 (its state for the context: none yet), cuCtxGetCurrent,
 *     cuCtxSetCurrent(primary), check slot 2, cuDevicePrimaryCtxRetain,
 *     cuCtxGetDevice_v2, cuCtxGetApiVersion, cls slot 0 (state stored);
 *     cls slot 2 and check slot 2 before most calls after.
 * 11. At exit: cls slot 1 (ctx, key), cuDevicePrimaryCtxRelease_v2.
 *     cudaDeviceReset: cuDevicePrimaryCtxReset_v2, and afterwards
 *     cuCtxSetCurrent of the same primary context (kept by the driver).
 * 12. A kernel's first launch: cuLibraryLoadData(the fatbin wrapper's
 *     fatbin), cuLibraryGetKernel(mangled name); the rest untested (the
 *     CPU executor refuses the module).
 *
 * The tables (slot 0 is the table's size in bytes unless said):
 *   cudart  6bd5fb6c-5bf4-e74a-8987-d93912fd9df9  13 slots; 2 called
 *   hooks   a094798c-2e74-2e74-93f2-0800200c0a66   7 slots; 2, 6 called
 *   tls     42d85a81-23f6-cb47-8298-f6e78a3aecdc   4 slots; none called
 *   cls     c693336e-1121-df11-a8c3-68f355d89593   no size; 0, 1, 2 called
 *   check   263e8860-7cd2-6143-92f6-bbd5006dfa7e   4 slots; 2, 3 called
 *   integrity d4082055-bde6-704b-8d34-ba123c66e1f2 3 slots; 1 called
 * Slots we do not know stay NULL: a function that "succeeds" without
 * writing its outputs would be worse than a crash.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cuda_priv.h"

#define TABLE_SIZE(n) ((const void *)(uintptr_t)((n) * sizeof(void *)))

/* ---- cudart interface (6bd5fb6c): 13 slots, slot 2 used ---- */

/*
 * Slot 2: the primary context of @dev, retained once per device for the
 * runtime (cudart keeps it until cudaDeviceReset, which releases it
 * through cuDevicePrimaryCtxRelease/Reset itself).
 */
static CUresult CUDAAPI rt_primary_ctx(CUcontext *pctx, CUdevice dev)
{
	CUresult rc = cuDevicePrimaryCtxRetain(pctx, dev);

	RET(rc, "rt slot 2: %d -> %p", dev, rc ? NULL : (void *)*pctx);
}

static const void *const rt_table[13] = {
	[0] = TABLE_SIZE(13),
	[2] = (const void *)rt_primary_ctx,
};

/* ---- tools runtime callback hooks (a094798c): 7 slots, 2 and 6 used ---- */

/*
 * Slots 2 and 6 hand cudart two buffers, a driver-owned record where
 * profiling tools switch callbacks on.  No tool attaches here: zeroed.
 * The sizes told are the driver's (1024 and 14), but cudart indexes the
 * buffers by API callback id whatever the size (cudaGetDeviceProperties
 * read 672 bytes into the second): each lies in zeroes larger than any
 * callback id.
 */
#define HOOKS_BUF 65536
static unsigned char hooks_buf1[HOOKS_BUF], hooks_buf2[HOOKS_BUF];

static void CUDAAPI hooks_buffer1(void **ptr, size_t *size)
{
	if (!ptr || !size)
		return;
	*ptr = hooks_buf1;
	*size = 1024;
	cu_ret(__func__, CUDA_SUCCESS, "hooks slot 2 -> %zu", *size);
}

static void CUDAAPI hooks_buffer2(void **ptr, size_t *size)
{
	if (!ptr || !size)
		return;
	*ptr = hooks_buf2;
	*size = 14;
	cu_ret(__func__, CUDA_SUCCESS, "hooks slot 6 -> %zu", *size);
}

static const void *const hooks_table[7] = {
	[0] = TABLE_SIZE(7),
	[2] = (const void *)hooks_buffer1,
	[6] = (const void *)hooks_buffer2,
};

/* ---- tools TLS (42d85a81): its size only ---- */

static const void *const tls_table[4] = { [0] = TABLE_SIZE(4) };

/* ---- context-local storage (c693336e): 3 functions, no size ---- */

typedef void (CUDAAPI *cls_dtor)(CUcontext ctx, void *key, void *value);

struct cls_entry {
	struct cls_entry *next;
	CUcontext ctx;
	void *key, *value;
	cls_dtor dtor;
};

static struct cls_entry *cls_list;	/* under cu.lock */

static struct cls_entry **cls_find(CUcontext ctx, void *key)
{
	struct cls_entry **e;

	for (e = &cls_list; *e; e = &(*e)->next)
		if ((*e)->ctx == ctx && (*e)->key == key)
			break;
	return e;
}

/* A NULL context is the calling thread's current one. */
static CUresult cls_ctx(CUcontext *ctx)
{
	return *ctx ? CUDA_SUCCESS : cu_current(ctx);
}

/* Slot 0: store @value for (@ctx, @key); cudart's @dtor frees it. */
static CUresult CUDAAPI cls_put(CUcontext ctx, void *key, void *value, cls_dtor dtor)
{
	struct cls_entry **e;
	CUresult rc;

	cu_lock();
	rc = cls_ctx(&ctx);
	if (!rc) {
		e = cls_find(ctx, key);
		if (!*e && !(*e = calloc(1, sizeof(**e))))
			rc = CUDA_ERROR_OUT_OF_MEMORY;
	}
	if (!rc) {
		(*e)->ctx = ctx;
		(*e)->key = key;
		(*e)->value = value;
		(*e)->dtor = dtor;
	}
	cu_unlock();
	RET(rc, "cls slot 0: %p, %p, %p", (void *)ctx, key, value);
}

/* Slot 1: forget (@ctx, @key) (cudart's state for the context going away). */
static CUresult CUDAAPI cls_delete(CUcontext ctx, void *key)
{
	struct cls_entry **e, *dead;
	CUresult rc;

	cu_lock();
	rc = cls_ctx(&ctx);
	e = rc ? NULL : cls_find(ctx, key);
	if (e && *e) {
		dead = *e;
		*e = dead->next;
		free(dead);
	}
	cu_unlock();
	RET(rc, "cls slot 1: %p, %p", (void *)ctx, key);
}

/* Slot 2: the value for (@ctx, @key); CUDA_ERROR_INVALID_HANDLE if none. */
static CUresult CUDAAPI cls_get(void **value, CUcontext ctx, void *key)
{
	struct cls_entry *e;
	CUresult rc;

	if (!value)
		RET(CUDA_ERROR_INVALID_VALUE, "cls slot 2: %p, %p, NULL", (void *)ctx, key);
	*value = NULL;
	cu_lock();
	rc = cls_ctx(&ctx);
	if (!rc) {
		e = *cls_find(ctx, key);
		if (e)
			*value = e->value;
		else
			rc = CUDA_ERROR_INVALID_HANDLE;
	}
	cu_unlock();
	RET(rc, "cls slot 2: %p, %p -> %p", (void *)ctx, key, *value);
}

/*
 * @ctx was destroyed (cuCtxDestroy, the primary context's last release or
 * reset): run cudart's destructors of its values, as the driver does, and
 * forget them, so that a later context at the same address starts empty.
 * Called without the lock (a destructor may call the driver); nothing to
 * do if @ctx is alive again.
 */
void cu_cls_ctx_gone(uintptr_t key)
{
	struct cls_entry **e = &cls_list, *gone = NULL, *x;
	CUcontext ctx = (CUcontext)key;	/* a value only: the context is gone */

	cu_lock();
	while (!cu_ctx_live(ctx) && *e) {
		if ((*e)->ctx != ctx) {
			e = &(*e)->next;
			continue;
		}
		x = *e;
		*e = x->next;
		x->next = gone;
		gone = x;
	}
	cu_unlock();
	while (gone) {
		x = gone;
		gone = x->next;
		cu_ret(__func__, CUDA_SUCCESS, "%p, %p, %p", (void *)ctx, x->key, x->value);
		if (x->dtor)
			x->dtor(ctx, x->key, x->value);
		free(x);
	}
}

static const void *const cls_table[4] = {
	[0] = (const void *)cls_put,
	[1] = (const void *)cls_delete,
	[2] = (const void *)cls_get,
};

/* ---- context checks (263e8860): slots 2 and 3 ---- */

/* Slot 2: flags of @ctx that no context of ours has set. */
static CUresult CUDAAPI check_ctx(CUcontext ctx, uint32_t *flags, const void **detail)
{
	if (flags)
		*flags = 0;
	if (detail)
		*detail = NULL;
	RET(CUDA_SUCCESS, "check slot 2: %p", (void *)ctx);
}

static uint32_t CUDAAPI check_global(void)
{
	cu_ret(__func__, CUDA_SUCCESS, "check slot 3 -> 0");
	return 0;
}

static const void *const check_table[4] = {
	[0] = TABLE_SIZE(4),
	[2] = (const void *)check_ctx,
	[3] = (const void *)check_global,
};

/* ---- integrity check (d4082055): slot 1 ---- */

CUresult cu_integrity_hash(unsigned version, uint64_t now, const void *rt, const void *table,
			   const void *fn, uint64_t out[2]);

static CUresult CUDAAPI integrity_check(unsigned version, uint64_t now, uint64_t out[2]);

static const void *const integrity_table[3] = {
	[0] = TABLE_SIZE(3),
	[1] = (const void *)integrity_check,
};

/* Slot 1: cudart's check that it talks to a driver it knows (cuda_hash.c). */
static CUresult CUDAAPI integrity_check(unsigned version, uint64_t now, uint64_t out[2])
{
	CUresult rc = cu_integrity_hash(version, now, rt_table, integrity_table,
					(const void *)integrity_check, out);

	RET(rc, "integrity slot 1: %u, %llu", version, (unsigned long long)now);
}

/* ---- the directory ---- */

struct export {
	const char *name;
	unsigned char id[16];
	const void *const *table;
};

static const struct export exports[] = {
	{ "cudart", { 0x6b, 0xd5, 0xfb, 0x6c, 0x5b, 0xf4, 0xe7, 0x4a,
		      0x89, 0x87, 0xd9, 0x39, 0x12, 0xfd, 0x9d, 0xf9 }, rt_table },
	{ "hooks", { 0xa0, 0x94, 0x79, 0x8c, 0x2e, 0x74, 0x2e, 0x74,
		     0x93, 0xf2, 0x08, 0x00, 0x20, 0x0c, 0x0a, 0x66 }, hooks_table },
	{ "tls", { 0x42, 0xd8, 0x5a, 0x81, 0x23, 0xf6, 0xcb, 0x47,
		   0x82, 0x98, 0xf6, 0xe7, 0x8a, 0x3a, 0xec, 0xdc }, tls_table },
	{ "cls", { 0xc6, 0x93, 0x33, 0x6e, 0x11, 0x21, 0xdf, 0x11,
		   0xa8, 0xc3, 0x68, 0xf3, 0x55, 0xd8, 0x95, 0x93 }, cls_table },
	{ "check", { 0x26, 0x3e, 0x88, 0x60, 0x7c, 0xd2, 0x61, 0x43,
		     0x92, 0xf6, 0xbb, 0xd5, 0x00, 0x6d, 0xfa, 0x7e }, check_table },
	{ "integrity", { 0xd4, 0x08, 0x20, 0x55, 0xbd, 0xe6, 0x70, 0x4b,
			 0x8d, 0x34, 0xba, 0x12, 0x3c, 0x66, 0xe1, 0xf2 }, integrity_table },
};

CUresult CUDAAPI cuGetExportTable(const void **ppExportTable, const CUuuid *pExportTableId)
{
	const unsigned char *b;
	const char *name = "unknown";
	CUresult rc = CUDA_ERROR_INVALID_VALUE;
	size_t i;

	if (!ppExportTable || !pExportTableId)
		RET(rc, "%p, %p", (void *)ppExportTable, (const void *)pExportTableId);
	*ppExportTable = NULL;
	b = (const unsigned char *)pExportTableId->bytes;
	for (i = 0; i < sizeof(exports) / sizeof(exports[0]); i++)
		if (!memcmp(exports[i].id, b, 16)) {
			*ppExportTable = exports[i].table;
			name = exports[i].name;
			rc = CUDA_SUCCESS;
		}
	RET(rc, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x %s",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
	    b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15], name);
}
