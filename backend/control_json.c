/* SPDX-License-Identifier: MIT */
/*
 * control_json.c: the answers of the control socket (control_json.h): the
 * daemon's state copied into the typed answers of control_gen.h, which
 * writes them (vgpu-control(7)).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_gen.h"
#include "control_json.h"
#include "respond.h"
#include "vgpu_names.h"
#include "vgpuback.h"

#define GPUS_MAX 16

_Static_assert(sizeof(((struct vc_gpu *)0)->name) >= sizeof(((struct vgpu_gpu_stat *)0)->name),
	       "a GPU's name fits the answer's");

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The @p-th percentile of @n samples (0 when there are none). */
static uint32_t pct(const uint32_t *samples, unsigned n, unsigned p)
{
	uint32_t *s, v;

	if (!n)
		return 0;
	s = malloc(n * sizeof(*s));
	if (!s)
		return 0;
	memcpy(s, samples, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_u32);
	v = s[(size_t)n * p / 100 < n ? (size_t)n * p / 100 : n - 1];
	free(s);
	return v;
}

static char *finish(yajl_gen g, size_t *len)
{
	char *out;

	return cgen_finish(g, &out, len) ? NULL : out;
}

/* Out of memory: no answer (control.c logs it). */
static char *fail(yajl_gen g)
{
	if (g)
		yajl_gen_free(g);
	return NULL;
}

static void dev_counts(struct vgpuback *bk, const struct vgpu_dev *d, struct vc_dev *v)
{
	unsigned i, n = d->lat_n < VGPU_DEV_LAT ? (unsigned)d->lat_n : VGPU_DEV_LAT;

	for (i = 0; i < bk->sched.n; i++)
		v->queued += bk->sched.heap[i]->owner == d;
	v->submitted = d->submitted;
	v->completed = d->completed;
	v->failed = d->failed;
	v->inflight = d->inflight;
	v->buffers = d->nbufs;
	v->buffer_pages = d->buf_pages;
	/* Notifications that brought no request, and how many were held. */
	v->spurious = d->storm.spurious;
	v->throttled = d->storm.throttles;
	v->lat_p50_us = pct(d->lat_us, n, 50);
	v->lat_p99_us = pct(d->lat_us, n, 99);
}

static void hist_copy(const struct vgpu_hist *h, struct vc_hist *v)
{
	_Static_assert(VGPU_HIST_BUCKETS <= VC_HIST_MAX, "the buckets fit the answer");
	memcpy(v->bucket, h->bucket, sizeof(h->bucket));
	v->nbuckets = VGPU_HIST_BUCKETS;
	v->sum_ns = h->sum_ns;
	v->count = h->count;
}

/* Every live device in *@out, with its counters for stats; false if out of memory. */
static bool devices(struct vgpuback *bk, bool counts, struct vc_dev **out, size_t *n)
{
	struct vgpu_dev *d;
	struct vc_dev *v;
	size_t k = 0;

	for (d = bk->devs; d; d = d->next)
		k += !d->dead;
	*n = 0;
	*out = v = k ? calloc(k, sizeof(*v)) : NULL;
	for (d = bk->devs; v && d; d = d->next) {
		if (d->dead)
			continue;
		v[*n].domid = d->domid;
		v[*n].devid = d->devid;
		snprintf(v[*n].pool, sizeof(v[*n].pool), "%s",
			 d->pool >= 0 ? bk->cfg.exec.pools[d->pool] : "");
		snprintf(v[*n].priority, sizeof(v[*n].priority), "%s", vgpu_prio_name(d->prio));
		snprintf(v[*n].state, sizeof(v[*n].state), "%s", vgpu_state_name(d->state));
		if (counts)
			dev_counts(bk, d, &v[*n]);
		(*n)++;
	}
	return v || !k;
}

/* The pools in *@out, their job counts (@stats) or device counts; false if out of memory. */
static bool pools(struct vgpuback *bk, bool stats, struct vc_pool **out, size_t *n)
{
	struct vc_pool *p = *out = calloc(VGPU_MAX_POOLS, sizeof(*p));
	struct vgpu_dev *d;
	unsigned i;

	*n = 0;
	for (i = 0; p && i < bk->cfg.exec.npools && i < VGPU_MAX_POOLS; i++) {
		snprintf(p[i].name, sizeof(p[i].name), "%s", bk->cfg.exec.pools[i]);
		p[i].gpu = bk->cfg.exec.pool_gpu[i];
		if (stats) {
			p[i].submitted = bk->pool_submitted[i];
			p[i].completed = bk->pool_completed[i];
			hist_copy(&bk->hist_request[i], &p[i].request);
			hist_copy(&bk->hist_queue[i], &p[i].queue);
		}
		for (d = bk->devs; !stats && d; d = d->next)
			p[i].devices += !d->dead && d->pool == (int)i;
		(*n)++;
	}
	return p != NULL;
}

char *control_json_devices(struct vgpuback *bk, size_t *len)
{
	yajl_gen g = cgen_new();
	struct vc_dev *v = NULL;
	size_t n;
	bool ok = g && devices(bk, false, &v, &n);

	if (ok)
		cgen_devices(g, v, n);
	free(v);
	return ok ? finish(g, len) : fail(g);
}

char *control_json_pools(struct vgpuback *bk, size_t *len)
{
	yajl_gen g = cgen_new();
	struct vc_pools pl = { NULL, 0 };
	bool ok = g && pools(bk, false, &pl.pools, &pl.npools);

	if (ok)
		cgen_pools(g, &pl);
	free(pl.pools);
	return ok ? finish(g, len) : fail(g);
}

/* Every GPU the executor drives (none without the op: CPU); false if out of memory. */
static bool gpus(struct vgpuback *bk, struct vc_gpu **out, size_t *n)
{
	struct vgpu_gpu_stat gs[GPUS_MAX];
	struct vc_gpu *v;
	unsigned k = 0, i;

	memset(gs, 0, sizeof(gs));
	if (bk->ex->ops->gpus)
		k = bk->ex->ops->gpus(bk->ex, gs, GPUS_MAX);
	if (k > GPUS_MAX)
		k = GPUS_MAX;
	*n = 0;
	*out = v = k ? calloc(k, sizeof(*v)) : NULL;
	for (i = 0; v && i < k; i++) {
		v[i].index = gs[i].index;
		/* Cut where the executor's field ends, NUL or not. */
		memcpy(v[i].name, gs[i].name, sizeof(gs[i].name));
		v[i].name[sizeof(gs[i].name) - 1] = 0;
		v[i].mem_total = gs[i].mem_total;
		v[i].mem_used = gs[i].mem_used;
		v[i].inflight = gs[i].inflight;
		(*n)++;
	}
	return v || !k;
}

static void stats_fill(struct vgpuback *bk, struct vc_stats *st)
{
	struct vgpuif_query_result q;
	unsigned n = bk->lat_count < LAT_SAMPLES ? (unsigned)bk->lat_count : LAT_SAMPLES, i;

	memset(&q, 0, sizeof(q));
	bk->ex->ops->query(bk->ex, &q, NULL, 0);
	snprintf(st->executor, sizeof(st->executor), "%s", bk->exec_name);
	st->slots = q.slots;
	st->inflight = bk->ex->ops->inflight(bk->ex);
	st->queued_high = bk->sched.per_prio[0];
	st->queued_medium = bk->sched.per_prio[1];
	st->queued_low = bk->sched.per_prio[2];
	/* Over the last LAT_SAMPLES jobs, in microseconds. */
	st->lat_count = bk->lat_count;
	st->queue_p50 = pct(bk->lat_queue_us, n, 50);
	st->queue_p99 = pct(bk->lat_queue_us, n, 99);
	st->exec_p50 = pct(bk->lat_exec_us, n, 50);
	st->exec_p99 = pct(bk->lat_exec_us, n, 99);
	st->jobs = bk->live_jobs;
	st->buffers = bk->live_buffers;
	st->mappings = bk->live_mappings;
	st->allocations = bk->live_allocs;
	st->mem_bytes = bk->live_mem;
	st->modules = bk->live_modules;
	for (i = 0; i < VGPU_HIST_BUCKETS - 1; i++)
		st->bounds_us[i] = vgpu_hist_bounds_ns[i] / 1000;
	st->nbounds = VGPU_HIST_BUCKETS - 1;
}

char *control_json_stats(struct vgpuback *bk, size_t *len)
{
	yajl_gen g = cgen_new();
	struct vc_stats st;
	bool ok;

	memset(&st, 0, sizeof(st));
	ok = g && devices(bk, true, &st.devs, &st.ndevs) &&
	     pools(bk, true, &st.pools, &st.npools) && gpus(bk, &st.gpus, &st.ngpus);
	if (ok) {
		stats_fill(bk, &st);
		cgen_stats(g, &st);
	}
	free(st.devs);
	free(st.pools);
	free(st.gpus);
	return ok ? finish(g, len) : fail(g);
}

char *control_json_error(const char *msg, size_t *len)
{
	yajl_gen g = cgen_new();

	if (g)
		cgen_error(g, msg);
	return finish(g, len);
}
