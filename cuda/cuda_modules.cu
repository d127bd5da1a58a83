/* SPDX-License-Identifier: MIT */
/* cuda_modules.cu: guests' modules, functions and launches (cuda_modules.h). */
#include <cuda.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "cuda_modules.h"

extern "C" void vlog(int level, const char *fmt, ...);

struct cfunc {
	uint64_t handle;
	CUfunction fn;
	uint32_t nparams, param_bytes;
	uint32_t *offsets;		/* nparams */
	void **args;			/* nparams pointers into blob */
	uint8_t *blob;			/* param_bytes: the launch's copy */
	struct cfunc *next;
};

struct cmod {
	uint64_t handle;
	uint32_t domid;
	int gpu;
	CUmodule mod;
	struct cfunc *funcs;
	struct cmod *next;
};

typedef CUresult (*load_fn)(CUmodule *, const void *, unsigned, CUjit_option *, void **);
typedef CUresult (*unload_fn)(CUmodule);
typedef CUresult (*getfn_fn)(CUfunction *, CUmodule, const char *);
typedef CUresult (*getglobal_fn)(CUdeviceptr *, size_t *, CUmodule, const char *);
typedef CUresult (*param_fn)(CUfunction, size_t, size_t *, size_t *);
typedef CUresult (*launch_fn)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned,
			      unsigned, unsigned, CUstream, void **, void **);
typedef CUresult (*errname_fn)(CUresult, const char **);

struct cuda_modules {
	load_fn load;
	unload_fn unload;
	getfn_fn getfn;
	getglobal_fn getglobal;
	param_fn param;
	launch_fn launch;
	errname_fn errname;
	struct cmod *mods;
};

static int entry(const char *sym, void **fn)
{
	cudaDriverEntryPointQueryResult q;

	if (cudaGetDriverEntryPointByVersion(sym, fn, 12040, cudaEnableDefault, &q) !=
	    cudaSuccess || q != cudaDriverEntryPointSuccess || !*fn) {
		cudaGetLastError();
		vlog(LOG_WARNING, "cuda: the driver has no %s: guests cannot load modules", sym);
		return -ENOSYS;
	}
	return 0;
}

int cuda_modules_create(struct cuda_modules **out)
{
	struct cuda_modules *t = (struct cuda_modules *)calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	if (entry("cuModuleLoadDataEx", (void **)&t->load) ||
	    entry("cuModuleUnload", (void **)&t->unload) ||
	    entry("cuModuleGetFunction", (void **)&t->getfn) ||
	    entry("cuModuleGetGlobal", (void **)&t->getglobal) ||
	    entry("cuFuncGetParamInfo", (void **)&t->param) ||
	    entry("cuLaunchKernel", (void **)&t->launch) ||
	    entry("cuGetErrorName", (void **)&t->errname)) {
		free(t);
		return -ENOSYS;
	}
	*out = t;
	return 0;
}

static void func_free(struct cfunc *f)
{
	free(f->offsets);
	free(f->args);
	free(f->blob);
	free(f);
}

static void mod_free(struct cuda_modules *t, struct cmod *m)
{
	struct cfunc *f;

	t->unload(m->mod);
	while ((f = m->funcs)) {
		m->funcs = f->next;
		func_free(f);
	}
	free(m);
}

void cuda_modules_destroy(struct cuda_modules *t)
{
	struct cmod *m;

	if (!t)
		return;
	while ((m = t->mods)) {
		t->mods = m->next;
		mod_free(t, m);
	}
	free(t);
}

static const char *cu_name(struct cuda_modules *t, CUresult e)
{
	const char *s = NULL;

	return t->errname(e, &s) == CUDA_SUCCESS && s ? s : "CUDA_ERROR_UNKNOWN";
}

/* What a guest's image or launch made the driver say, as the wire's status. */
static int image_status(CUresult e)
{
	switch (e) {
	case CUDA_ERROR_OUT_OF_MEMORY:
		return VGPU_ENOMEM;
	case CUDA_ERROR_INVALID_IMAGE: case CUDA_ERROR_INVALID_PTX:
	case CUDA_ERROR_NO_BINARY_FOR_GPU: case CUDA_ERROR_UNSUPPORTED_PTX_VERSION:
	case CUDA_ERROR_INVALID_SOURCE: case CUDA_ERROR_JIT_COMPILER_NOT_FOUND:
	case CUDA_ERROR_SHARED_OBJECT_SYMBOL_NOT_FOUND: case CUDA_ERROR_INVALID_VALUE:
	case CUDA_ERROR_NOT_FOUND: case CUDA_ERROR_UNSUPPORTED_EXEC_AFFINITY:
		return VGPU_EIMAGE;
	default:
		return VGPU_EIO;
	}
}

int cuda_module_load(struct cuda_modules *t, uint64_t handle, uint32_t domid, int gpu,
		     const void *image, size_t len)
{
	char log[1024] = "";
	CUjit_option opt[2] = { CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES };
	void *val[2] = { log, (void *)(uintptr_t)sizeof(log) };
	struct cmod *m = (struct cmod *)calloc(1, sizeof(*m));
	char *copy = (char *)malloc(len + 1);	/* PTX must end in NUL */
	CUresult e;

	if (!m || !copy) {
		free(m);
		free(copy);
		return VGPU_ENOMEM;
	}
	memcpy(copy, image, len);
	copy[len] = 0;
	e = t->load(&m->mod, copy, 2, opt, val);
	free(copy);
	if (e != CUDA_SUCCESS) {
		log[sizeof(log) - 1] = 0;
		vlog(LOG_INFO, "cuda: domain %u: module image of %zu bytes refused: %s%s%s", domid,
		     len, cu_name(t, e), log[0] ? ": " : "", log);
		free(m);
		return image_status(e);
	}
	m->handle = handle;
	m->domid = domid;
	m->gpu = gpu;
	m->next = t->mods;
	t->mods = m;
	return VGPU_OK;
}

static struct cmod *mod_find(struct cuda_modules *t, uint64_t handle, uint32_t domid,
			     struct cmod ***link)
{
	struct cmod **pm;

	for (pm = &t->mods; *pm; pm = &(*pm)->next)
		if ((*pm)->handle == handle && (*pm)->domid == domid) {
			if (link)
				*link = pm;
			return *pm;
		}
	return NULL;
}

/* The parameters, in order: offsets, sizes, and the bytes a launch passes. */
static int param_layout(struct cuda_modules *t, struct cfunc *f, struct vgpuif_param *layout,
			size_t max)
{
	size_t off, size, i, cap = 16;
	uint32_t *offs = (uint32_t *)malloc(cap * sizeof(*offs));

	for (i = 0; offs && t->param(f->fn, i, &off, &size) == CUDA_SUCCESS; i++) {
		if (off + size > VGPUIF_MAX_PARAM_BYTES || i >= VGPUIF_MAX_PARAM_BYTES)
			break;
		if (i == cap) {
			uint32_t *n = (uint32_t *)realloc(offs, 2 * cap * sizeof(*offs));

			if (!n)
				break;
			offs = n;
			cap *= 2;
		}
		offs[i] = (uint32_t)off;
		if (off + size > f->param_bytes)
			f->param_bytes = (uint32_t)(off + size);
		if (i < max)
			layout[i] = (struct vgpuif_param){ (uint32_t)off, (uint32_t)size };
	}
	cudaGetLastError();
	f->offsets = offs;
	f->nparams = (uint32_t)i;
	f->args = (void **)calloc(i ? i : 1, sizeof(void *));
	f->blob = (uint8_t *)calloc(f->param_bytes ? f->param_bytes : 1, 1);
	if (!offs || !f->args || !f->blob)
		return VGPU_ENOMEM;
	for (i = 0; i < f->nparams; i++)
		f->args[i] = f->blob + offs[i];
	return VGPU_OK;
}

/* A guest's name, copied once (the guest may change it), no NUL inside. */
static int name_copy(char cname[VGPUIF_MAX_NAME + 1], const char *name, size_t name_len)
{
	if (name_len > VGPUIF_MAX_NAME)
		return VGPU_EINVAL;
	memcpy(cname, name, name_len);
	cname[name_len] = 0;
	return strlen(cname) == name_len ? VGPU_OK : VGPU_EINVAL;
}

int cuda_func_get(struct cuda_modules *t, uint64_t module, uint64_t handle, uint32_t domid,
		  const char *name, size_t name_len, struct vgpuif_param *layout,
		  size_t max, struct vgpuif_func_result *r)
{
	struct cmod *m = mod_find(t, module, domid, NULL);
	struct cfunc *f;
	char cname[VGPUIF_MAX_NAME + 1];
	CUresult e;
	int rc;

	if (!m)
		return VGPU_ENOENT;
	rc = name_copy(cname, name, name_len);
	if (rc)
		return rc;
	f = (struct cfunc *)calloc(1, sizeof(*f));
	if (!f)
		return VGPU_ENOMEM;
	e = t->getfn(&f->fn, m->mod, cname);
	if (e != CUDA_SUCCESS) {
		free(f);
		return e == CUDA_ERROR_NOT_FOUND ? VGPU_ENOENT : VGPU_EIO;
	}
	rc = param_layout(t, f, layout, max);
	if (rc) {
		func_free(f);
		return rc;
	}
	f->handle = handle;
	f->next = m->funcs;
	m->funcs = f;
	*r = (struct vgpuif_func_result){ handle, f->nparams, f->param_bytes };
	return VGPU_OK;
}

int cuda_global_get(struct cuda_modules *t, uint64_t module, uint32_t domid, const char *name,
		    size_t name_len, struct vgpuif_global_result *r)
{
	struct cmod *m = mod_find(t, module, domid, NULL);
	char cname[VGPUIF_MAX_NAME + 1];
	CUdeviceptr p = 0;
	size_t bytes = 0;
	CUresult e;
	int rc;

	if (!m)
		return VGPU_ENOENT;
	rc = name_copy(cname, name, name_len);
	if (rc)
		return rc;
	e = t->getglobal(&p, &bytes, m->mod, cname);
	if (e != CUDA_SUCCESS) {
		cudaGetLastError();
		return e == CUDA_ERROR_NOT_FOUND ? VGPU_ENOENT : VGPU_EIO;
	}
	*r = (struct vgpuif_global_result){ (uint64_t)p, (uint64_t)bytes };
	return VGPU_OK;
}

static struct cfunc *func_find(struct cuda_modules *t, uint64_t handle, uint32_t domid)
{
	struct cmod *m;
	struct cfunc *f;

	for (m = t->mods; m; m = m->next)
		if (m->domid == domid)
			for (f = m->funcs; f; f = f->next)
				if (f->handle == handle)
					return f;
	return NULL;
}

int cuda_launch(struct cuda_modules *t, uint32_t domid, const struct vgpuif_launch_req *l,
		const void *params, cudaStream_t st)
{
	struct cfunc *f = func_find(t, l->func, domid);
	CUresult e;

	if (!f)
		return VGPU_ENOENT;
	if (l->params_len != f->param_bytes)
		return VGPU_EINVAL;
	if (f->param_bytes)
		memcpy(f->blob, params, f->param_bytes);	/* the guest may change it */
	e = t->launch(f->fn, l->grid[0], l->grid[1], l->grid[2], l->block[0], l->block[1],
		      l->block[2], l->shmem, (CUstream)st, f->nparams ? f->args : NULL, NULL);
	if (e == CUDA_SUCCESS)
		return VGPU_OK;
	cudaGetLastError();
	vlog(LOG_DEBUG, "cuda: domain %u: launch refused: %s", domid, cu_name(t, e));
	switch (e) {
	case CUDA_ERROR_INVALID_VALUE: case CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES:
	case CUDA_ERROR_NOT_SUPPORTED: case CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE:
		return VGPU_ELAUNCH;
	default:
		return VGPU_EIO;
	}
}

void cuda_module_unload(struct cuda_modules *t, uint64_t handle, uint32_t domid)
{
	struct cmod **link;
	struct cmod *m = mod_find(t, handle, domid, &link);

	if (!m)
		return;
	*link = m->next;
	mod_free(t, m);
}

unsigned cuda_modules_on(const struct cuda_modules *t, int gpu)
{
	const struct cmod *m;
	unsigned n = 0;

	for (m = t ? t->mods : NULL; m; m = m->next)
		n += m->gpu == gpu;
	return n;
}
