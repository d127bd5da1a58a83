/* SPDX-License-Identifier: MIT */
/*
 * modules.c: a session's modules and kernel functions (protocol version 2).
 *
 * vgpuback names every module and function itself (a handle from one
 * counter, never reused while it runs) and keeps its own record of each:
 * which session holds it, and for a function the parameter bytes a launch
 * must pass.  A LAUNCH is checked against that record before it is queued;
 * the executor finds the real module under the same handle.  Like device
 * memory, a module outlives its MODULE_UNLOAD or its session's close until
 * no queued or running job names it; then the executor unloads it.  Counts
 * are bounded per domain (max-modules, max-functions), jobs in flight
 * counted as if done.
 *
 * A module's globals (GLOBAL_GET) are ranges of device memory the session
 * may copy to and from while the module is loaded, never free: vgpuback
 * records each range a worker answered once it checked it, and a copy
 * into one holds the module as a launch does.  Distinct globals count
 * against max-functions with the functions.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sessions.h"
#include "sessions_priv.h"
#include "vgpu_ops.h"
#include "vgpuback.h"

struct vgpu_func {
	uint64_t handle;
	uint32_t nparams, param_bytes;
	struct vgpu_func *next;
};

struct vgpu_global {
	uint64_t ptr, len;
	struct vgpu_global *next;
};

struct vgpu_module {
	uint64_t handle;
	unsigned refs;			/* jobs queued or running that name it */
	bool unloaded;			/* MODULE_UNLOAD, or its session closed */
	unsigned nfuncs, nglobals;
	struct vgpu_func *funcs;
	struct vgpu_global *globals;
	struct vgpu_obj_ref ref;	/* what the executor unloads */
	struct vgpu_module *next;	/* the session's, while loaded */
};

static struct vgpu_module *module_find(struct vgpu_session *s, uint64_t handle)
{
	struct vgpu_module *m;

	for (m = s->mods; m && m->handle != handle; m = m->next)
		;
	return m;
}

static struct vgpu_func *func_find(struct vgpu_session *s, uint64_t handle,
				   struct vgpu_module **mod)
{
	struct vgpu_module *m;
	struct vgpu_func *f;

	for (m = s->mods; m; m = m->next)
		for (f = m->funcs; f; f = f->next)
			if (f->handle == handle) {
				*mod = m;
				return f;
			}
	return NULL;
}

/* The executor unloads it; vgpuback forgets it and its functions. */
static void release(struct vgpuback *bk, struct vgpu_module *m)
{
	struct vgpu_global *g;
	struct vgpu_func *f;

	bk->ex->ops->obj_free(bk->ex, &m->ref);
	bk->live_modules--;
	while ((f = m->funcs)) {
		m->funcs = f->next;
		free(f);
	}
	while ((g = m->globals)) {
		m->globals = g->next;
		free(g);
	}
	free(m);
}

/* No longer nameable (its functions neither); gone once no job names it. */
static void module_kill(struct vgpu_dev *dev, struct vgpu_module *m)
{
	m->unloaded = true;
	dev->nmodules--;
	dev->nfuncs -= m->nfuncs + m->nglobals;
	if (!m->refs)
		release(dev->bk, m);
}

int modules_unload(struct vgpu_dev *dev, struct vgpu_session *s, uint64_t handle)
{
	struct vgpu_module **pm;

	for (pm = &s->mods; *pm; pm = &(*pm)->next)
		if ((*pm)->handle == handle) {
			struct vgpu_module *m = *pm;

			*pm = m->next;
			module_kill(dev, m);
			return VGPU_OK;
		}
	return VGPU_ENOENT;
}

void modules_session_close(struct vgpu_dev *dev, struct vgpu_session *s)
{
	struct vgpu_module *m;

	while ((m = s->mods)) {
		s->mods = m->next;
		module_kill(dev, m);
	}
}

/* A LAUNCH: its function is the session's, its blob the function's size. */
static int launch_start(struct vgpu_session *s, struct vgpu_job *j)
{
	struct vgpu_module *m = NULL;
	struct vgpu_func *f = func_find(s, j->req.u.launch.func, &m);

	if (!f)
		return VGPU_ENOENT;
	if (j->req.u.launch.params_len != f->param_bytes)
		return VGPU_EINVAL;
	m->refs++;
	j->module = m;
	return VGPU_OK;
}

int modules_job_start(struct vgpu_dev *dev, struct vgpu_session *s, struct vgpu_job *j)
{
	struct vgpuback *bk = dev->bk;
	struct vgpu_module *m = NULL;
	struct vgpu_domain_use u;

	if (!bk->ex->ops->obj_free)
		return VGPU_ENOSYS;
	if (j->req.op == VGPU_OP_LAUNCH)
		return launch_start(s, j);
	domain_use(bk, dev->domid, &u);
	if (j->req.op == VGPU_OP_MODULE_LOAD) {
		if (u.modules >= bk->cfg.max_modules)
			return VGPU_ENOMEM;
		dev->nmodules++;
	} else {
		m = module_find(s, j->req.u.func_get.module);
		if (!m)
			return VGPU_ENOENT;
		if (u.funcs >= bk->cfg.max_functions)
			return VGPU_ENOMEM;
		dev->nfuncs++;
		m->refs++;
		j->module = m;
		if (j->req.op == VGPU_OP_GLOBAL_GET)
			return VGPU_OK;	/* names nothing new: no handle */
	}
	j->handle = ++bk->next_handle;	/* and the job holds the count */
	return VGPU_OK;
}

static bool global_holds(const struct vgpu_global *g, const struct vgpu_drange *r)
{
	return r->ptr >= g->ptr && r->ptr - g->ptr <= g->len &&
	       r->len <= g->len - (r->ptr - g->ptr);
}

struct vgpu_module *modules_global(struct vgpu_session *s, const struct vgpu_drange *r)
{
	struct vgpu_module *m;
	struct vgpu_global *g;

	for (m = s->mods; m; m = m->next)
		for (g = m->globals; g; g = g->next)
			if (global_holds(g, r))
				return m;
	return NULL;
}

void modules_hold(struct vgpu_module *m)
{
	m->refs++;
}

void modules_put(struct vgpuback *bk, struct vgpu_module *m)
{
	if (!--m->refs && m->unloaded)
		release(bk, m);
}

/*
 * What a worker answered for FUNC_GET, checked: a parameter list no kernel
 * can have is the executor's failure, never a record.
 */
static bool func_sane(const struct vgpuif_func_result *r)
{
	return r->param_bytes <= VGPUIF_MAX_PARAM_BYTES && r->nparams <= r->param_bytes;
}

/*
 * What a worker answered for GLOBAL_GET, checked: a range that is empty or
 * wraps is the executor's failure, never a record.
 */
static bool global_sane(const struct vgpuif_global_result *r)
{
	uint64_t end;

	return r->dptr && r->bytes && !__builtin_add_overflow(r->dptr, r->bytes, &end);
}

void sessions_job_result(struct vgpu_job *j)
{
	struct vgpuif_global_result g;
	struct vgpuif_func_result r;

	if (!j->status && j->req.op == VGPU_OP_GLOBAL_GET) {
		memcpy(&g, j->result.raw, sizeof(g));
		if (!global_sane(&g))
			j->status = VGPU_EIO;
		return;
	}
	if (j->status || !j->handle)
		return;
	if (j->req.op == VGPU_OP_MODULE_LOAD) {
		j->result.scalar = (int64_t)j->handle;	/* ours, whatever it said */
		return;
	}
	memcpy(&r, j->result.raw, sizeof(r));
	if (!func_sane(&r)) {
		j->status = VGPU_EIO;
		return;
	}
	r.func = j->handle;
	memcpy(j->result.raw, &r, sizeof(r));
}

/* A MODULE_LOAD that ran: the session's now, or unloaded at once. */
static void module_done(struct vgpu_dev *dev, struct vgpu_job *j, struct vgpu_session *s)
{
	struct vgpu_module *m = calloc(1, sizeof(*m));

	if (!m)
		abort();	/* the module must be named to be unloaded */
	m->handle = j->handle;
	m->ref = (struct vgpu_obj_ref){ .id = j->handle, .kind = VGPU_OBJ_MODULE,
		.gpu = j->session_gpu, .domid = dev->domid,
		.key = vgpu_worker_key(&dev->bk->cfg.exec, dev->domid, dev->pool),
		.worker = j->worker };
	dev->bk->live_modules++;
	if (!s) {
		release(dev->bk, m);	/* answered to no one */
		return;
	}
	dev->nmodules++;
	m->next = s->mods;
	s->mods = m;
}

/* A FUNC_GET that ran: a function of its module, while that is loaded. */
static void func_done(struct vgpu_dev *dev, struct vgpu_job *j, struct vgpu_module *m)
{
	struct vgpuif_func_result r;
	struct vgpu_func *f;

	memcpy(&r, j->result.raw, sizeof(r));
	if (m->unloaded || !func_sane(&r))
		return;
	f = calloc(1, sizeof(*f));
	if (!f)
		return;	/* the guest's launches get VGPU_ENOENT */
	f->handle = j->handle;
	f->nparams = r.nparams;
	f->param_bytes = r.param_bytes;
	f->next = m->funcs;
	m->funcs = f;
	m->nfuncs++;
	dev->nfuncs++;
}

/*
 * A GLOBAL_GET that ran: its range is the session's while the module is
 * loaded.  Asked again, the same global is recorded (and counted) once.
 */
static void global_done(struct vgpu_dev *dev, struct vgpu_job *j, struct vgpu_module *m)
{
	struct vgpuif_global_result r;
	struct vgpu_global *g;

	memcpy(&r, j->result.raw, sizeof(r));
	if (m->unloaded || !global_sane(&r))
		return;
	for (g = m->globals; g; g = g->next)
		if (g->ptr == r.dptr && g->len == r.bytes)
			return;
	g = calloc(1, sizeof(*g));
	if (!g)
		return;	/* the guest's copies get VGPU_EBADPTR */
	g->ptr = r.dptr;
	g->len = r.bytes;
	g->next = m->globals;
	m->globals = g;
	m->nglobals++;
	dev->nfuncs++;
}

void modules_job_end(struct vgpuback *bk, struct vgpu_job *j)
{
	struct vgpu_dev *dev = j->owner;
	struct vgpu_module *m = j->module;
	bool live;

	if (j->req.op == VGPU_OP_GLOBAL_GET && m && dev) {
		dev->nfuncs--;
		if (j->reaped && !j->status && dev->connected && j->owner_gen == dev->gen)
			global_done(dev, j, m);
	} else if (j->handle && dev) {
		live = j->reaped && !j->status && dev->connected && j->owner_gen == dev->gen;
		if (j->req.op == VGPU_OP_MODULE_LOAD) {
			dev->nmodules--;
			if (j->reaped && !j->status)	/* it ran: the module may exist */
				module_done(dev, j, live ? session_find(dev, j->req.session) : NULL);
		} else {
			dev->nfuncs--;
			if (live && m)
				func_done(dev, j, m);
		}
	}
	j->module = NULL;
	if (m && !--m->refs && m->unloaded)
		release(bk, m);
}
