/* SPDX-License-Identifier: MIT */
/*
 * worker_mem.c: the device memory a worker allocated for its guest.  The
 * parent checked every device range against its own record; the worker
 * checks again against what it really allocated, so that even a parent's
 * mistake cannot make the executor touch memory the guest does not own.
 * A module's globals (GLOBAL_GET) are recorded too, with their module, and
 * go when the module is freed.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "vgpu_ops.h"
#include "worker_priv.h"

static bool inside(const struct wmem *m, const struct vgpu_drange *r)
{
	return r->ptr >= m->ptr && r->ptr - m->ptr <= m->len &&
	       r->len <= m->len - (r->ptr - m->ptr);
}

int worker_mem_check(const struct wk *k, const struct vgpuif_request *req)
{
	const struct vgpu_op_desc *d = vgpu_op_desc(req->op);
	struct vgpu_drange r[2];
	unsigned i, n = d && d->dranges ? d->dranges(req, r) : 0, m;

	for (i = 0; i < n; i++) {
		for (m = 0; m < k->nmem && !inside(&k->mem[m], &r[i]); m++)
			;
		if (m == k->nmem)
			return VGPU_EBADPTR;
	}
	return VGPU_OK;
}

static void record(struct wk *k, uint64_t ptr, uint64_t len, uint64_t module)
{
	if (k->nmem == k->capmem) {
		unsigned cap = k->capmem ? 2 * k->capmem : 64;
		struct wmem *n = realloc(k->mem, cap * sizeof(*n));

		if (!n)
			abort();	/* untracked memory could never be checked */
		k->mem = n;
		k->capmem = cap;
	}
	k->mem[k->nmem++] = (struct wmem){ ptr, len, module };
}

/* A GLOBAL_GET's range, if sane and not yet recorded (asked again: once). */
static void global_done(struct wk *k, const struct vgpu_job *j)
{
	uint64_t module = j->req.u.global_get.module, end;
	struct vgpuif_global_result r;
	unsigned m;

	memcpy(&r, j->result.raw, sizeof(r));
	if (!r.dptr || !r.bytes || __builtin_add_overflow(r.dptr, r.bytes, &end))
		return;	/* the parent answers VGPU_EIO */
	for (m = 0; m < k->nmem; m++)
		if (k->mem[m].module == module && k->mem[m].ptr == r.dptr &&
		    k->mem[m].len == r.bytes)
			return;
	record(k, r.dptr, r.bytes, module);
}

void worker_mem_done(struct wk *k, const struct vgpu_job *j)
{
	if (j->status)
		return;
	if (j->req.op == VGPU_OP_GLOBAL_GET)
		global_done(k, j);
	else if (j->req.op == VGPU_OP_MEM_ALLOC && j->result.scalar)
		record(k, (uint64_t)j->result.scalar, j->req.u.mem_alloc.bytes, 0);
}

/* The module goes: so do the ranges of its globals. */
static void module_gone(struct wk *k, uint64_t module)
{
	unsigned m = 0;

	while (m < k->nmem)
		if (k->mem[m].module == module)
			k->mem[m] = k->mem[--k->nmem];
		else
			m++;
}

void worker_mem_free(struct wk *k, const struct wm_free *f)
{
	struct vgpu_obj_ref ref = { .id = f->id, .gpu = f->gpu, .kind = f->kind,
				    .domid = f->domid };
	unsigned m;

	if (f->kind == VGPU_OBJ_MODULE)
		module_gone(k, f->id);
	if (f->kind == VGPU_OBJ_MODULE || f->kind == VGPU_OBJ_EVENT) {	/* the executor's own */
		if (k->ops->obj_free)
			k->ops->obj_free(k->ex, &ref);
		return;
	}
	if (f->kind != VGPU_OBJ_MEM)
		return;
	for (m = 0; m < k->nmem && (k->mem[m].ptr != f->id || k->mem[m].module); m++)
		;	/* a global is never freed as memory */
	if (m == k->nmem || !k->ops->obj_free)
		return;	/* never ours: nothing to free */
	k->mem[m] = k->mem[--k->nmem];
	k->ops->obj_free(k->ex, &ref);
}
