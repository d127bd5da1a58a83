/* SPDX-License-Identifier: MIT */
/*
 * cuda_stubs.c: every name the driver exports (cuda_names.h), so that any
 * program linked against libcuda.so.1 loads, and the table
 * cuGetProcAddress looks names up in.
 *
 * Each name gets a weak stub here that says once on stderr that it is not
 * supported and returns CUDA_ERROR_NOT_SUPPORTED; the calls implemented in
 * the other files are strong definitions of the same names and win at link
 * time, in the exports and in the table alike.  This file does not include
 * cuda.h: the stubs take no arguments (the x86-64 and aarch64 calling
 * conventions let a caller pass any; a stub reads none), which cuda.h's
 * prototypes would not allow.
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* cuda_procaddr.c: trace and log-once for a stub, returns NOT_SUPPORTED. */
int cu_stub_called(const char *name, int *once);

#define CU_SYM(name)								\
	__attribute__((weak)) int name(void);					\
	__attribute__((weak)) int name(void)					\
	{									\
		static int once;						\
		return cu_stub_called(#name, &once);				\
	}
#define CU_VER(base, ver, sym)
#define CU_PT(sym, ptsym)
#include "cuda_names.h"
#undef CU_SYM
#undef CU_VER
#undef CU_PT

struct cu_ver {
	const char *base;
	int version;
	int (*fn)(void);
};

struct cu_pt {
	int (*fn)(void), (*pt)(void);
};

struct cu_sym {
	const char *name;
	int (*fn)(void);
};

#define CU_SYM(name)
#define CU_VER(base, ver, sym) { #base, ver, sym },
#define CU_PT(sym, ptsym)
static const struct cu_ver vers[] = {
#include "cuda_names.h"
};
#undef CU_VER
#define CU_VER(base, ver, sym)
#undef CU_PT
#define CU_PT(sym, ptsym) { sym, ptsym },
static const struct cu_pt pts[] = {
#include "cuda_names.h"
};
#undef CU_PT
#define CU_PT(sym, ptsym)
#undef CU_SYM
#define CU_SYM(name) { #name, name },
static const struct cu_sym syms[] = {
#include "cuda_names.h"
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* CUdriverProcAddressQueryResult's values. */
enum { FOUND = 0, NOT_FOUND = 1, VERSION_NOT_SUFFICIENT = 2 };

static int (*exact(const char *name))(void)
{
	size_t i;

	for (i = 0; i < N(syms); i++)
		if (!strcmp(syms[i].name, name))
			return syms[i].fn;
	return NULL;
}

/*
 * The function @name (a base name as cudart asks, "cuMemAlloc") stands
 * for at @version: the entry of the newest version not above it; its
 * per-thread default stream twin when @per_thread.  An exported name
 * asked as it is ("cuMemAlloc_v2") is found too.  NULL and *status when
 * there is none.
 */
void *cu_proc_lookup(const char *name, int version, bool per_thread, int *status)
{
	int (*fn)(void) = NULL;
	int best = -1;
	bool known = false;
	size_t i;

	for (i = 0; i < N(vers); i++) {
		if (strcmp(vers[i].base, name))
			continue;
		known = true;
		if (vers[i].version <= version && vers[i].version > best) {
			best = vers[i].version;
			fn = vers[i].fn;
		}
	}
	if (!known)
		fn = exact(name);
	*status = fn ? FOUND : known ? VERSION_NOT_SUFFICIENT : NOT_FOUND;
	for (i = 0; fn && per_thread && i < N(pts); i++)
		if (pts[i].fn == fn) {
			fn = pts[i].pt;
			break;
		}
	return (void *)fn;
}
