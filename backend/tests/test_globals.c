/* SPDX-License-Identifier: MIT */
/*
 * A module's globals (GLOBAL_GET) in vgpuback's parent (sessions.c,
 * modules.c) and in a worker (worker_mem.c): the range an executor
 * answered is the session's for copies and memsets while the module is
 * loaded, never for MEM_FREE, and not at all once the module is unloaded or
 * when the answer could not be true.  Jobs are driven here as datapath.c
 * drives them (start, the executor's answer, result, end); respond() is
 * this file's and keeps the last answer; the executor's obj_free counts
 * what it was told to free.  Every address and size below is made up by
 * the test; the expected statuses are the protocol's (vgpuif.h).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "respond.h"
#include "sessions.h"
#include "sessions_priv.h"
#include "vgpuback.h"
#include "worker_priv.h"

#define GLOBAL 0x7e0000050000ull	/* the executor's global: 16 bytes */
#define ALLOC  0x7f0000000000ull	/* an allocation: 4096 bytes */

static int last_status;
static int64_t last_scalar;
static unsigned freed[VGPU_OBJ_EVENT + 1];
static uint64_t freed_id;

void respond(struct vgpu_dev *dev, const struct vgpuif_request *req, int status,
	     const struct vgpu_reply *r)
{
	(void)dev;
	(void)req;
	last_status = status;
	if (r && r->result && r->len == sizeof(int64_t))
		memcpy(&last_scalar, r->result, sizeof(last_scalar));
}

static void fake_free(struct vgpu_executor *ex, const struct vgpu_obj_ref *m)
{
	(void)ex;
	freed[m->kind]++;
	freed_id = m->id;
}

static const struct vgpu_executor_ops fake_ops = { .name = "fake", .obj_free = fake_free };
static struct vgpu_executor fake_ex = { .ops = &fake_ops };

struct world {
	struct vgpuback bk;
	struct vgpu_dev dev;
	uint32_t session;
};

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	unsigned i;

	w->bk.ex = &fake_ex;
	w->bk.cfg.max_sessions = 4;
	w->bk.cfg.max_allocations = 16;
	w->bk.cfg.max_modules = 4;
	w->bk.cfg.max_functions = 8;
	w->bk.cfg.max_streams = 4;
	w->bk.cfg.max_events = 4;
	w->bk.cfg.mem_quota = 1ull << 30;
	for (i = 0; i < VGPU_MAX_POOLS; i++)
		w->bk.cfg.pool_mem_quota[i] = VGPU_QUOTA_UNSET;
	w->bk.ngpus = 1;
	w->bk.cfg.exec.pool_gpu[0] = -1;
	w->dev.bk = &w->bk;
	w->dev.domid = 3;
	w->dev.connected = true;
	w->dev.gen = 1;
	w->bk.devs = &w->dev;
	memset(freed, 0, sizeof(freed));
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	sessions_drop(&w->dev);
	free(w);
	return 0;
}

/* A request of the session table (open, close, free, unload): its status. */
static int table(struct world *w, uint8_t op, uint64_t arg)
{
	struct vgpuif_request q = { .op = op, .session = w->session };

	if (op == VGPU_OP_MEM_FREE)
		q.u.mem_free.dptr = arg;
	else if (op == VGPU_OP_MODULE_UNLOAD)
		q.u.module_unload.module = arg;
	sessions_request(&w->dev, &q);
	return last_status;
}

static struct vgpu_job *job(struct world *w, uint8_t op)
{
	struct vgpu_job *j = calloc(1, sizeof(*j));

	j->req.op = op;
	j->req.session = w->session;
	j->owner = &w->dev;
	j->owner_gen = w->dev.gen;
	j->session_gpu = -1;
	return j;
}

/* The executor ran @j with @status (its result already set): answered, gone. */
static void finish(struct world *w, struct vgpu_job *j, int status)
{
	j->status = status;
	j->reaped = true;
	sessions_job_result(j);
	last_status = j->status;
	sessions_job_end(&w->bk, j);
	free(j);
}

/* A job that only starts: its status (a refused one is freed, as datapath.c does). */
static int start(struct world *w, struct vgpu_job *j)
{
	int rc = sessions_job_start(&w->dev, j);

	if (rc) {
		sessions_job_end(&w->bk, j);
		free(j);
	}
	return rc;
}

static uint64_t module_load(struct world *w)
{
	struct vgpu_job *j = job(w, VGPU_OP_MODULE_LOAD);
	uint64_t h;

	assert_int_equal(start(w, j), VGPU_OK);
	h = j->handle;
	finish(w, j, VGPU_OK);
	return h;
}

/* GLOBAL_GET of @module answered (@ptr, @bytes) by the executor: the status the guest gets. */
static int global_get(struct world *w, uint64_t module, uint64_t ptr, uint64_t bytes)
{
	struct vgpuif_global_result r = { ptr, bytes };
	struct vgpu_job *j = job(w, VGPU_OP_GLOBAL_GET);
	int rc;

	j->req.u.global_get.module = module;
	j->req.u.global_get.name_len = 4;
	rc = start(w, j);
	if (rc)
		return rc;
	memcpy(j->result.raw, &r, sizeof(r));
	finish(w, j, VGPU_OK);
	return last_status;
}

static struct vgpu_job *htod(struct world *w, uint64_t ptr, uint64_t bytes)
{
	struct vgpu_job *j = job(w, VGPU_OP_MEMCPY_HTOD);

	j->req.u.memcpy.dptr = ptr;
	j->req.u.memcpy.bytes = bytes;
	return j;
}

/* A copy of @bytes at @ptr, started and (if accepted) done: its status. */
static int copy(struct world *w, uint64_t ptr, uint64_t bytes)
{
	struct vgpu_job *j = htod(w, ptr, bytes);
	int rc = start(w, j);

	if (!rc)
		finish(w, j, VGPU_OK);
	return rc;
}

static void open_session(struct world *w)
{
	w->session = 0;
	assert_int_equal(table(w, VGPU_OP_SESSION_OPEN, 0), VGPU_OK);
	w->session = (uint32_t)last_scalar;
}

/* Inside the global: accepted; one byte before or past it: VGPU_EBADPTR. */
static void test_global_range(void **state)
{
	struct world *w = *state;
	uint64_t m;

	open_session(w);
	m = module_load(w);
	assert_int_equal(copy(w, GLOBAL, 16), VGPU_EBADPTR);	/* not asked for yet */
	assert_int_equal(global_get(w, m, GLOBAL, 16), VGPU_OK);
	assert_int_equal(copy(w, GLOBAL, 16), VGPU_OK);
	assert_int_equal(copy(w, GLOBAL + 15, 1), VGPU_OK);
	assert_int_equal(copy(w, GLOBAL + 1, 16), VGPU_EBADPTR);
	assert_int_equal(copy(w, GLOBAL, 17), VGPU_EBADPTR);
	assert_int_equal(copy(w, GLOBAL - 1, 2), VGPU_EBADPTR);
	assert_int_equal(copy(w, GLOBAL + 16, 1), VGPU_EBADPTR);
	assert_int_equal(global_get(w, m + 1000, GLOBAL, 16), VGPU_ENOENT);
}

/* MEM_FREE of a global: VGPU_EBADPTR, the executor told nothing, copies still work. */
static void test_global_not_freed(void **state)
{
	struct world *w = *state;
	uint64_t m;

	open_session(w);
	m = module_load(w);
	assert_int_equal(global_get(w, m, GLOBAL, 16), VGPU_OK);
	assert_int_equal(table(w, VGPU_OP_MEM_FREE, GLOBAL), VGPU_EBADPTR);
	assert_int_equal(freed[VGPU_OBJ_MEM], 0);
	assert_int_equal(copy(w, GLOBAL, 16), VGPU_OK);
}

/*
 * MODULE_UNLOAD with a copy into its global queued: the module stays until
 * the copy is done; later copies are VGPU_EBADPTR, GLOBAL_GET VGPU_ENOENT.
 */
static void test_global_dies_with_module(void **state)
{
	struct world *w = *state;
	struct vgpu_job *held;
	uint64_t m;

	open_session(w);
	m = module_load(w);
	assert_int_equal(global_get(w, m, GLOBAL, 16), VGPU_OK);
	held = htod(w, GLOBAL, 8);
	assert_int_equal(start(w, held), VGPU_OK);
	assert_int_equal(table(w, VGPU_OP_MODULE_UNLOAD, m), VGPU_OK);
	assert_int_equal(freed[VGPU_OBJ_MODULE], 0);
	assert_int_equal(copy(w, GLOBAL, 16), VGPU_EBADPTR);
	assert_int_equal(global_get(w, m, GLOBAL, 16), VGPU_ENOENT);
	finish(w, held, VGPU_OK);
	assert_int_equal(freed[VGPU_OBJ_MODULE], 1);
	assert_int_equal(freed_id, m);
	assert_int_equal(w->dev.nfuncs, 0);
}

/* SESSION_CLOSE takes the module and its global with it. */
static void test_global_dies_with_session(void **state)
{
	struct world *w = *state;
	uint64_t m;

	open_session(w);
	m = module_load(w);
	assert_int_equal(global_get(w, m, GLOBAL, 16), VGPU_OK);
	assert_int_equal(table(w, VGPU_OP_SESSION_CLOSE, 0), VGPU_OK);
	assert_int_equal(freed[VGPU_OBJ_MODULE], 1);
	assert_int_equal(copy(w, GLOBAL, 16), VGPU_ESESSION);
	open_session(w);
	assert_int_equal(copy(w, GLOBAL, 16), VGPU_EBADPTR);
}

/* An executor's answer no global can have: VGPU_EIO, and nothing recorded. */
static void test_global_bad_answers(void **state)
{
	struct world *w = *state;
	uint64_t m;

	open_session(w);
	m = module_load(w);
	assert_int_equal(global_get(w, m, GLOBAL, 0), VGPU_EIO);
	assert_int_equal(global_get(w, m, UINT64_MAX - 7, 16), VGPU_EIO);
	assert_int_equal(global_get(w, m, 0, 16), VGPU_EIO);
	assert_int_equal(copy(w, UINT64_MAX - 7, 7), VGPU_EBADPTR);
	assert_int_equal(copy(w, GLOBAL, 1), VGPU_EBADPTR);
	assert_int_equal(w->dev.nfuncs, 0);
}

/* A GLOBAL_GET answered after its module was unloaded records nothing. */
static void test_global_answer_after_unload(void **state)
{
	struct world *w = *state;
	struct vgpuif_global_result r = { GLOBAL, 16 };
	struct vgpu_job *j;
	uint64_t m;

	open_session(w);
	m = module_load(w);
	j = job(w, VGPU_OP_GLOBAL_GET);
	j->req.u.global_get.module = m;
	j->req.u.global_get.name_len = 4;
	assert_int_equal(start(w, j), VGPU_OK);
	assert_int_equal(table(w, VGPU_OP_MODULE_UNLOAD, m), VGPU_OK);
	memcpy(j->result.raw, &r, sizeof(r));
	finish(w, j, VGPU_OK);
	assert_int_equal(freed[VGPU_OBJ_MODULE], 1);
	assert_int_equal(w->dev.nfuncs, 0);	/* nothing counted for it either */
	assert_int_equal(copy(w, GLOBAL, 16), VGPU_EBADPTR);
}

/* The same global asked again counts once; distinct ones count to max-functions. */
static void test_global_counts(void **state)
{
	struct world *w = *state;
	unsigned i;
	uint64_t m;

	open_session(w);
	m = module_load(w);
	for (i = 0; i < 5; i++)
		assert_int_equal(global_get(w, m, GLOBAL, 16), VGPU_OK);
	assert_int_equal(w->dev.nfuncs, 1);
	for (i = 1; i < w->bk.cfg.max_functions; i++)
		assert_int_equal(global_get(w, m, GLOBAL + 0x100 * i, 16), VGPU_OK);
	assert_int_equal(w->dev.nfuncs, w->bk.cfg.max_functions);
	assert_int_equal(global_get(w, m, GLOBAL + 0x10000, 16), VGPU_ENOMEM);
	assert_int_equal(table(w, VGPU_OP_MODULE_UNLOAD, m), VGPU_OK);
	assert_int_equal(w->dev.nfuncs, 0);
}

/* DTOD from a global into an allocation holds both until it is done. */
static void test_global_dtod(void **state)
{
	struct world *w = *state;
	struct vgpu_job *a = job(w, VGPU_OP_MEM_ALLOC), *d;
	uint64_t m;

	open_session(w);
	a->req.session = w->session;
	a->req.u.mem_alloc.bytes = 4096;
	assert_int_equal(start(w, a), VGPU_OK);
	a->result.scalar = (int64_t)ALLOC;
	finish(w, a, VGPU_OK);
	m = module_load(w);
	assert_int_equal(global_get(w, m, GLOBAL, 16), VGPU_OK);
	d = job(w, VGPU_OP_MEMCPY_DTOD);
	d->req.u.memcpy_dtod = (struct vgpuif_memcpy_dtod_req){ .dst = ALLOC, .src = GLOBAL,
								 .bytes = 16 };
	assert_int_equal(start(w, d), VGPU_OK);
	assert_int_equal(table(w, VGPU_OP_MEM_FREE, ALLOC), VGPU_OK);
	assert_int_equal(table(w, VGPU_OP_MODULE_UNLOAD, m), VGPU_OK);
	assert_int_equal(freed[VGPU_OBJ_MEM] + freed[VGPU_OBJ_MODULE], 0);
	finish(w, d, VGPU_OK);
	assert_int_equal(freed[VGPU_OBJ_MEM], 1);
	assert_int_equal(freed[VGPU_OBJ_MODULE], 1);
}

/* ---- a worker's own check (worker_mem.c) ---- */

static unsigned worker_frees;

static void worker_free(struct vgpu_executor *ex, const struct vgpu_obj_ref *m)
{
	(void)ex;
	(void)m;
	worker_frees++;
}

static const struct vgpu_executor_ops worker_ops = { .name = "fake", .obj_free = worker_free };

static int wcheck(struct wk *k, uint64_t ptr, uint64_t bytes)
{
	struct vgpuif_request q = { .op = VGPU_OP_MEMCPY_HTOD };

	q.u.memcpy.dptr = ptr;
	q.u.memcpy.bytes = bytes;
	return worker_mem_check(k, &q);
}

static void wdone(struct wk *k, uint8_t op, int status, uint64_t module, uint64_t a, uint64_t b)
{
	struct vgpu_job j = { .req.op = op, .status = status };
	struct vgpuif_global_result r = { a, b };

	if (op == VGPU_OP_GLOBAL_GET) {
		j.req.u.global_get.module = module;
		memcpy(j.result.raw, &r, sizeof(r));
	} else {
		j.req.u.mem_alloc.bytes = b;
		j.result.scalar = (int64_t)a;
	}
	worker_mem_done(k, &j);
}

static void wfree(struct wk *k, int kind, uint64_t id)
{
	struct wm_free f = { .id = id, .kind = kind, .domid = 3 };

	worker_mem_free(k, &f);
}

/*
 * A worker accepts a global's range once its GLOBAL_GET answered, never a
 * failed or impossible answer's; a MEM free of its address frees nothing;
 * the module's free drops it and leaves allocations alone.
 */
static void test_worker_globals(void **state)
{
	struct wk k = { .ops = &worker_ops };

	(void)state;
	worker_frees = 0;
	wdone(&k, VGPU_OP_MEM_ALLOC, VGPU_OK, 0, ALLOC, 4096);
	assert_int_equal(wcheck(&k, GLOBAL, 16), VGPU_EBADPTR);
	wdone(&k, VGPU_OP_GLOBAL_GET, VGPU_ENOENT, 7, GLOBAL, 16);
	wdone(&k, VGPU_OP_GLOBAL_GET, VGPU_OK, 7, GLOBAL + 0x100, 0);
	wdone(&k, VGPU_OP_GLOBAL_GET, VGPU_OK, 7, UINT64_MAX - 7, 16);
	assert_int_equal(k.nmem, 1);
	assert_int_equal(wcheck(&k, GLOBAL, 16), VGPU_EBADPTR);
	wdone(&k, VGPU_OP_GLOBAL_GET, VGPU_OK, 7, GLOBAL, 16);
	wdone(&k, VGPU_OP_GLOBAL_GET, VGPU_OK, 7, GLOBAL, 16);	/* asked again: once */
	assert_int_equal(k.nmem, 2);
	assert_int_equal(wcheck(&k, GLOBAL, 16), VGPU_OK);
	assert_int_equal(wcheck(&k, GLOBAL + 1, 16), VGPU_EBADPTR);
	wfree(&k, VGPU_OBJ_MEM, GLOBAL);
	assert_int_equal(worker_frees, 0);
	assert_int_equal(wcheck(&k, GLOBAL, 16), VGPU_OK);
	wfree(&k, VGPU_OBJ_MODULE, 8);			/* another module */
	assert_int_equal(wcheck(&k, GLOBAL, 16), VGPU_OK);
	wfree(&k, VGPU_OBJ_MODULE, 7);
	assert_int_equal(worker_frees, 2);		/* the executor unloads both */
	assert_int_equal(wcheck(&k, GLOBAL, 16), VGPU_EBADPTR);
	assert_int_equal(wcheck(&k, ALLOC, 4096), VGPU_OK);
	wfree(&k, VGPU_OBJ_MEM, ALLOC);
	assert_int_equal(worker_frees, 3);
	assert_int_equal(k.nmem, 0);
	free(k.mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_global_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_global_not_freed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_global_dies_with_module, setup, teardown),
		cmocka_unit_test_setup_teardown(test_global_dies_with_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_global_bad_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_global_answer_after_unload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_global_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_global_dtod, setup, teardown),
		cmocka_unit_test(test_worker_globals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
