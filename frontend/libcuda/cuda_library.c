/* SPDX-License-Identifier: MIT */
/*
 * cuda_library.c: the module-loading calls the CUDA 12 and 13 runtime
 * makes at start-up (cuModuleGetLoadingMode) and to register a program's
 * kernels (cuLibrary*, cuKernel*).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_priv.h"

/*
 * Lazy unless CUDA_MODULE_LOADING=EAGER, as the driver: modules load when
 * a kernel is first used, so that a program whose kernels never run (all
 * a CPU executor can offer) need not load them.
 */
CUresult CUDAAPI cuModuleGetLoadingMode(CUmoduleLoadingMode *mode)
{
	const char *s = getenv("CUDA_MODULE_LOADING");

	if (!mode)
		RET(CUDA_ERROR_INVALID_VALUE, "NULL");
	*mode = s && !strcmp(s, "EAGER") ? CU_MODULE_EAGER_LOADING : CU_MODULE_LAZY_LOADING;
	RET(CUDA_SUCCESS, "-> %s", *mode == CU_MODULE_EAGER_LOADING ? "EAGER" : "LAZY");
}

/*
 * A library is the program's image, kept; it becomes a module of the
 * context current when one of its kernels is first asked for (the
 * runtime asks when a kernel is first launched, in the context it
 * launches in), and again in a later context.  The driver's libraries are
 * context-independent and load into each context on use; the runtime
 * loads them with no context current (CUDA_MODULE_LOADING=EAGER), so the
 * load itself makes no request.  The image is the caller's, not copied:
 * the runtime's fatbins are the program's own data.  A kernel is the
 * module's function: CUkernel and CUfunction are one pointer here, as the
 * driver lets a CUkernel be passed where a CUfunction is taken.
 */
struct CUlib_st {
	const void *image;
	CUcontext ctx;		/* under cu.lock: where mod was loaded */
	CUmodule mod;
};

/* The runtime's fatbin wrapper: magic, version, the fatbin, a file name. */
#define FATBIN_WRAPPER_MAGIC 0x466243b1u

struct fatbin_wrapper {
	uint32_t magic, version;
	const void *data;
	const void *filename;
};

static const void *unwrap(const void *code)
{
	const struct fatbin_wrapper *w = code;

	return w->magic == FATBIN_WRAPPER_MAGIC ? w->data : code;
}

/* JIT and library options are hints: ignored, as cuModuleLoadDataEx's. */
CUresult CUDAAPI cuLibraryLoadData(CUlibrary *library, const void *code, CUjit_option *jitOptions,
				   void **jitOptionsValues, unsigned int numJitOptions,
				   CUlibraryOption *libraryOptions, void **libraryOptionValues,
				   unsigned int numLibraryOptions)
{
	struct CUlib_st *lib;

	(void)jitOptions, (void)jitOptionsValues, (void)numJitOptions;
	(void)libraryOptions, (void)libraryOptionValues, (void)numLibraryOptions;
	if (!library || !code)
		RET(CUDA_ERROR_INVALID_VALUE, "%p", code);
	lib = calloc(1, sizeof(*lib));
	if (!lib)
		RET(CUDA_ERROR_OUT_OF_MEMORY, "%p", code);
	lib->image = unwrap(code);
	*library = lib;
	RET(CUDA_SUCCESS, "%p -> %p", code, (void *)lib);
}

/*
 * No context current: the runtime asks for a kernel before its first
 * launch made one current when that launch is the program's first call.
 * The driver's kernels belong to no context; here the module goes in
 * device 0's primary context, which the runtime takes next (the library
 * keeps the reference it retained).
 */
static CUresult load_in_primary(CUlibrary lib, CUcontext *ctx, CUmodule *m)
{
	CUcontext popped = NULL;
	CUresult rc = cuDevicePrimaryCtxRetain(ctx, 0);

	if (rc)
		return rc;
	rc = cuCtxPushCurrent(*ctx);
	if (rc)
		return rc;
	rc = cuModuleLoadData(m, lib->image);
	cuCtxPopCurrent(&popped);
	return rc;
}

/* @lib's module in the current context, loaded there now if need be. */
static CUresult lib_module(CUlibrary lib, CUmodule *mod)
{
	CUcontext cur = NULL;
	CUmodule m = NULL;
	CUresult rc;

	cu_lock();
	rc = cu_check_init();
	if (!rc && cu_current(&cur))
		cur = NULL;
	if (!rc && cur && lib->ctx == cur && lib->mod && cu_module_live(lib->mod))
		m = lib->mod;
	if (!rc && !cur && lib->ctx && lib->mod && cu_module_live(lib->mod))
		m = lib->mod;	/* loaded in the primary context earlier */
	cu_unlock();
	if (rc || m) {
		*mod = m;
		return rc;
	}
	rc = cur ? cuModuleLoadData(&m, lib->image) : load_in_primary(lib, &cur, &m);
	if (rc)
		return rc;
	cu_lock();
	lib->ctx = cur;
	lib->mod = m;
	cu_unlock();
	*mod = m;
	return CUDA_SUCCESS;
}

/* Its module in the current context goes; in others, with the context. */
CUresult CUDAAPI cuLibraryUnload(CUlibrary library)
{
	CUmodule m = NULL;
	CUcontext cur = NULL;
	CUresult rc = CUDA_SUCCESS;

	if (!library)
		RET(CUDA_ERROR_INVALID_HANDLE, "NULL");
	cu_lock();
	if (!cu_current(&cur) && library->ctx == cur && library->mod && cu_module_live(library->mod))
		m = library->mod;
	cu_unlock();
	if (m)
		rc = cuModuleUnload(m);
	cu_ret(__func__, rc, "%p", (void *)library);
	free(library);
	return rc;
}

CUresult CUDAAPI cuLibraryGetModule(CUmodule *pMod, CUlibrary library)
{
	CUresult rc;

	if (!pMod || !library)
		RET(CUDA_ERROR_INVALID_VALUE, "%p", (void *)library);
	rc = lib_module(library, pMod);
	RET(rc, "%p -> %p", (void *)library, rc ? NULL : (void *)*pMod);
}

CUresult CUDAAPI cuLibraryGetKernel(CUkernel *pKernel, CUlibrary library, const char *name)
{
	CUfunction f = NULL;
	CUmodule m;
	CUresult rc;

	if (!pKernel || !library || !name)
		RET(CUDA_ERROR_INVALID_VALUE, "%p", (void *)library);
	rc = lib_module(library, &m);
	if (!rc)
		rc = cuModuleGetFunction(&f, m, name);
	if (!rc)
		*pKernel = (CUkernel)f;
	RET(rc, "%p, \"%s\"", (void *)library, name);
}

/* cudaMemcpyToSymbol's way in: the global of the library's module here. */
CUresult CUDAAPI cuLibraryGetGlobal(CUdeviceptr *dptr, size_t *bytes, CUlibrary library,
				    const char *name)
{
	CUmodule m;
	CUresult rc;

	if (!library || !name)
		RET(CUDA_ERROR_INVALID_VALUE, "%p", (void *)library);
	rc = lib_module(library, &m);
	if (!rc)
		rc = cuModuleGetGlobal(dptr, bytes, m, name);
	RET(rc, "%p, \"%s\"", (void *)library, name);
}

CUresult CUDAAPI cuKernelGetFunction(CUfunction *pFunc, CUkernel kernel)
{
	if (!pFunc || !kernel)
		RET(CUDA_ERROR_INVALID_VALUE, "%p", (void *)kernel);
	*pFunc = (CUfunction)kernel;
	RET(CUDA_SUCCESS, "%p", (void *)kernel);
}

CUresult CUDAAPI cuKernelGetName(const char **name, CUkernel kernel)
{
	return cuFuncGetName(name, (CUfunction)kernel);
}
