/* SPDX-License-Identifier: MIT */
/*
 * worker_mem.c: the device memory a worker allocated for its guest.  The
 * parent checked every device range against its own record; the worker
 * checks again against what it really allocated, so that even a parent's
 * mistake cannot make the executor touch memory the guest does not own.
 */
#include "config.h"

#include <stdlib.h>

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

void worker_mem_done(struct wk *k, const struct vgpu_job *j)
{
	if (j->req.op != VGPU_OP_MEM_ALLOC || j->status || !j->result.scalar)
		return;
	if (k->nmem == k->capmem) {
		unsigned cap = k->capmem ? 2 * k->capmem : 64;
		struct wmem *n = realloc(k->mem, cap * sizeof(*n));

		if (!n)
			abort();	/* untracked memory could never be checked */
		k->mem = n;
		k->capmem = cap;
	}
	k->mem[k->nmem++] = (struct wmem){ (uint64_t)j->result.scalar, j->req.u.mem_alloc.bytes };
}

void worker_mem_free(struct wk *k, const struct wm_free *f)
{
	struct vgpu_obj_ref ref = { .id = f->id, .gpu = f->gpu, .kind = f->kind,
				    .domid = f->domid };
	unsigned m;

	if (f->kind == VGPU_OBJ_MODULE || f->kind == VGPU_OBJ_EVENT) {	/* the executor's own */
		if (k->ops->obj_free)
			k->ops->obj_free(k->ex, &ref);
		return;
	}
	if (f->kind != VGPU_OBJ_MEM)
		return;
	for (m = 0; m < k->nmem && k->mem[m].ptr != f->id; m++)
		;
	if (m == k->nmem || !k->ops->obj_free)
		return;	/* never ours: nothing to free */
	k->mem[m] = k->mem[--k->nmem];
	k->ops->obj_free(k->ex, &ref);
}
