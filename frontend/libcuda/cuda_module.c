/* SPDX-License-Identifier: MIT */
/*
 * cuda_module.c: modules and their functions in the current context's
 * session (vgpufront_module_load, _func_get), and their global variables
 * (vgpufront_global_get).  cuModuleLoadData is given a
 * pointer, not a length: the image's own headers say how long it is (an
 * ELF cubin, a fatbin), else it is PTX text up to its NUL.
 */
#include "config.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_priv.h"

#define FATBIN_MAGIC 0xba55ed50u	/* a fatbin's header (fatbinary.h) */

struct fatbin_header {
	uint32_t magic;
	uint16_t version;
	uint16_t header_size;
	uint64_t fat_size;		/* bytes after the header */
};

/* An ELF64 image ends at its last section or its header tables. */
static size_t elf_size(const unsigned char *p)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)p;
	const Elf64_Shdr *sh;
	size_t end, e;
	unsigned i;

	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return 0;
	end = eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize;
	e = eh->e_phoff + (size_t)eh->e_phnum * eh->e_phentsize;
	end = e > end ? e : end;
	sh = (const Elf64_Shdr *)(p + eh->e_shoff);
	for (i = 0; eh->e_shoff && i < eh->e_shnum; i++) {
		e = sh[i].sh_type == SHT_NOBITS ? 0 : sh[i].sh_offset + sh[i].sh_size;
		end = e > end ? e : end;
	}
	return end;
}

/* @image's length, 0 if it cannot be told; *ptx: it is PTX text. */
static size_t image_size(const void *image, bool *ptx)
{
	const unsigned char *p = image;
	struct fatbin_header fh;

	*ptx = false;
	/* The first byte first: PTX text may be shorter than a header. */
	if (p[0] == ELFMAG0 && !memcmp(p, ELFMAG, SELFMAG))
		return elf_size(p);
	if (p[0] == (FATBIN_MAGIC & 0xff)) {
		memcpy(&fh, p, sizeof(fh));
		if (fh.magic == FATBIN_MAGIC)
			return fh.header_size + fh.fat_size;
	}
	*ptx = true;
	return strlen(image);
}

void cu_modules_free(CUcontext ctx)
{
	CUmodule m, mn;
	CUfunction f, fn;

	for (m = ctx->mods; m; m = mn) {
		mn = m->next;
		for (f = m->funcs; f; f = fn) {
			fn = f->next;
			free(f->f.layout);
			free(f);
		}
		free(m);
	}
	ctx->mods = NULL;
}

static CUresult load(CUmodule *out, const void *image, size_t len, bool ptx)
{
	CUcontext ctx;
	CUmodule m;
	CUresult rc;

	if (!len || len > VGPUIF_MAX_IMAGE)
		return CUDA_ERROR_INVALID_IMAGE;
	m = calloc(1, sizeof(*m));
	if (!m)
		return CUDA_ERROR_OUT_OF_MEMORY;
	cu_lock();
	rc = cu_current(&ctx);
	if (!rc)
		rc = cu_drain(ctx);
	if (!rc)
		rc = cu_status_image(vgpufront_module_load(cu.dev, ctx->session, image, len,
							   &m->handle), ptx);
	if (!rc) {
		m->ctx = ctx;
		m->next = ctx->mods;
		ctx->mods = m;
		*out = m;
	}
	cu_unlock();
	if (rc)
		free(m);
	return rc;
}

static CUresult load_data(CUmodule *module, const void *image)
{
	size_t len;
	bool ptx;

	if (!module || !image)
		return CUDA_ERROR_INVALID_VALUE;
	len = image_size(image, &ptx);
	return load(module, image, len, ptx);
}

CUresult CUDAAPI cuModuleLoadData(CUmodule *module, const void *image)
{
	RET(load_data(module, image), "%p", image);
}

CUresult CUDAAPI cuModuleLoadFatBinary(CUmodule *module, const void *fatCubin)
{
	RET(load_data(module, fatCubin), "%p", fatCubin);
}

/*
 * JIT options are the host's business: ignored, but the log buffers the
 * caller hands in are left empty strings rather than garbage.
 */
CUresult CUDAAPI cuModuleLoadDataEx(CUmodule *module, const void *image, unsigned int numOptions,
				    CUjit_option *options, void **optionValues)
{
	unsigned i;

	for (i = 0; options && optionValues && i < numOptions; i++) {
		if ((options[i] == CU_JIT_INFO_LOG_BUFFER || options[i] == CU_JIT_ERROR_LOG_BUFFER) &&
		    optionValues[i])
			*(char *)optionValues[i] = 0;
	}
	RET(load_data(module, image), "%p, %u options", image, numOptions);
}

static CUresult read_file(const char *fname, char **buf, size_t *len)
{
	FILE *f = fopen(fname, "rb");
	long n;

	if (!f)
		return CUDA_ERROR_FILE_NOT_FOUND;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return CUDA_ERROR_FILE_NOT_FOUND;
	}
	*buf = malloc((size_t)n + 1);
	if (!*buf || fread(*buf, 1, (size_t)n, f) != (size_t)n) {
		free(*buf);
		fclose(f);
		return *buf ? CUDA_ERROR_FILE_NOT_FOUND : CUDA_ERROR_OUT_OF_MEMORY;
	}
	(*buf)[n] = 0;	/* PTX text ends here */
	*len = (size_t)n;
	fclose(f);
	return CUDA_SUCCESS;
}

/* A file is all image: its length is the file's (PTX: up to a NUL in it). */
CUresult CUDAAPI cuModuleLoad(CUmodule *module, const char *fname)
{
	char *buf = NULL;
	size_t len = 0, n;
	CUresult rc;
	bool ptx;

	if (!module || !fname)
		RET(CUDA_ERROR_INVALID_VALUE, "%p, %p", (void *)module, (const void *)fname);
	rc = read_file(fname, &buf, &len);
	if (!rc) {
		n = len >= 16 ? image_size(buf, &ptx) : (ptx = true, strlen(buf));
		rc = load(module, buf, n && n <= len ? n : len, ptx);
	}
	free(buf);
	RET(rc, "\"%s\"", fname);
}

/* Under the lock: the link that holds @m in its context's list, or NULL. */
static CUmodule *mod_link(CUmodule m)
{
	CUcontext ctx;
	CUmodule *pp;

	for (ctx = cu.ctxs; m && ctx; ctx = ctx->next)
		for (pp = &ctx->mods; *pp; pp = &(*pp)->next)
			if (*pp == m)
				return pp;
	return NULL;
}

bool cu_module_live(CUmodule m)
{
	return mod_link(m) != NULL;
}

/*
 * Asked of the backend each time (the answer is two numbers): the range
 * it records is the module's, so copies into it work until the unload.
 * A name the module lacks is CUDA_ERROR_NOT_FOUND, as the driver's.
 */
static CUresult get_global(CUdeviceptr *dptr, size_t *bytes, CUmodule hmod, const char *name)
{
	uint64_t p = 0, n = 0;
	CUresult rc;

	if (!name || !*name)
		return CUDA_ERROR_INVALID_VALUE;
	cu_lock();
	rc = cu_check_init();
	if (!rc && !cu_module_live(hmod))
		rc = CUDA_ERROR_INVALID_HANDLE;
	if (!rc)
		rc = cu_drain(hmod->ctx);
	if (!rc)
		rc = cu_status(vgpufront_global_get(cu.dev, hmod->ctx->session, hmod->handle, name,
						    &p, &n));
	cu_unlock();
	if (rc)
		return rc;
	if (dptr)	/* either may be NULL, as the driver allows */
		*dptr = (CUdeviceptr)p;
	if (bytes)
		*bytes = (size_t)n;
	return CUDA_SUCCESS;
}

/* cuda.h names it cuModuleGetGlobal_v2; the 32-bit v1 stays a stub. */
CUresult CUDAAPI cuModuleGetGlobal(CUdeviceptr *dptr, size_t *bytes, CUmodule hmod,
				   const char *name)
{
	CUresult rc = get_global(dptr, bytes, hmod, name);

	RET(rc, "%p, \"%s\" -> %#llx, %zu", (void *)hmod, name ? name : "(null)",
	    rc || !dptr ? 0ull : (unsigned long long)*dptr, rc || !bytes ? (size_t)0 : *bytes);
}

CUresult CUDAAPI cuModuleUnload(CUmodule hmod)
{
	struct CUctx_st one = { 0 };
	CUmodule *pp;
	CUresult rc;

	cu_lock();
	rc = cu_check_init();
	pp = rc ? NULL : mod_link(hmod);
	if (!rc && !pp)
		rc = CUDA_ERROR_INVALID_HANDLE;
	if (!rc)
		rc = cu_drain(hmod->ctx);
	if (!rc) {
		*pp = hmod->next;
		hmod->next = NULL;
		rc = cu_status_handle(vgpufront_module_unload(cu.dev, hmod->ctx->session,
							      hmod->handle));
		/* Its functions go with it, as a context's modules do. */
		one.mods = hmod;
		cu_modules_free(&one);
	}
	cu_unlock();
	RET(rc, "%p", (void *)hmod);
}
