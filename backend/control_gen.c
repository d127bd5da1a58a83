/* SPDX-License-Identifier: MIT */
/* control_gen.c: control_gen.h: the helpers, then the answers. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_gen.h"

yajl_gen cgen_new(void)
{
	yajl_gen g = yajl_gen_alloc(NULL);

	/* Compact, and "/" left as it is: readers grep these lines. */
	if (g)
		yajl_gen_config(g, yajl_gen_beautify, 0);
	return g;
}

void cgen_key(yajl_gen g, const char *key)
{
	yajl_gen_string(g, (const unsigned char *)key, strlen(key));
}

void cgen_str(yajl_gen g, const char *key, const char *val)
{
	cgen_key(g, key);
	yajl_gen_string(g, (const unsigned char *)val, strlen(val));
}

/* As a number token of its own: exact over the whole 64-bit range. */
void cgen_u64(yajl_gen g, const char *key, uint64_t val)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%" PRIu64, val);

	cgen_key(g, key);
	yajl_gen_number(g, num, (size_t)n);
}

void cgen_int(yajl_gen g, const char *key, long long val)
{
	cgen_key(g, key);
	yajl_gen_integer(g, val);
}

void cgen_map(yajl_gen g, const char *key)
{
	cgen_key(g, key);
	yajl_gen_map_open(g);
}

void cgen_array(yajl_gen g, const char *key)
{
	cgen_key(g, key);
	yajl_gen_array_open(g);
}

int cgen_finish(yajl_gen g, char **out, size_t *len)
{
	const unsigned char *buf;
	size_t n;
	char *s;
	int rc = -EINVAL;

	*out = NULL;
	*len = 0;
	if (!g)
		return -ENOMEM;
	if (yajl_gen_get_buf(g, &buf, &n) != yajl_gen_status_ok)
		goto out;
	rc = -ENOMEM;
	s = malloc(n + 2);
	if (!s)
		goto out;
	memcpy(s, buf, n);
	s[n] = '\n';
	s[n + 1] = 0;
	*out = s;
	*len = n + 1;
	rc = 0;
out:
	yajl_gen_free(g);
	return rc;
}

static void dev(yajl_gen g, const struct vc_dev *d, bool counts)
{
	yajl_gen_map_open(g);
	cgen_u64(g, "domid", d->domid);
	cgen_u64(g, "devid", d->devid);
	cgen_str(g, "pool", d->pool);
	cgen_str(g, "priority", d->priority);
	cgen_str(g, "state", d->state);
	if (counts) {
		cgen_u64(g, "submitted", d->submitted);
		cgen_u64(g, "completed", d->completed);
		cgen_u64(g, "failed", d->failed);
		cgen_u64(g, "inflight", d->inflight);
		cgen_u64(g, "queued", d->queued);
		cgen_u64(g, "buffers", d->buffers);
		cgen_u64(g, "buffer_pages", d->buffer_pages);
		cgen_u64(g, "spurious", d->spurious);
		cgen_u64(g, "throttled", d->throttled);
		cgen_u64(g, "lat_p50_us", d->lat_p50_us);
		cgen_u64(g, "lat_p99_us", d->lat_p99_us);
	}
	yajl_gen_map_close(g);
}

static void devs(yajl_gen g, const char *key, const struct vc_dev *d, size_t n,
		 bool counts)
{
	size_t i;

	cgen_array(g, key);
	for (i = 0; i < n; i++)
		dev(g, &d[i], counts);
	yajl_gen_array_close(g);
}

static void u64s(yajl_gen g, const char *key, const uint64_t *v, size_t n)
{
	size_t i;
	char num[24];

	cgen_array(g, key);
	for (i = 0; i < n; i++)
		yajl_gen_number(g, num, (size_t)snprintf(num, sizeof(num), "%" PRIu64, v[i]));
	yajl_gen_array_close(g);
}

static void hist(yajl_gen g, const char *key, const struct vc_hist *h)
{
	cgen_map(g, key);
	u64s(g, "buckets", h->bucket, h->nbuckets);
	cgen_u64(g, "sum_ns", h->sum_ns);
	cgen_u64(g, "count", h->count);
	yajl_gen_map_close(g);
}

/* stats: with submitted and completed; the pools answer: with devices. */
static void pools(yajl_gen g, const struct vc_pool *p, size_t n, bool stats)
{
	size_t i;

	cgen_array(g, "pools");
	for (i = 0; i < n; i++) {
		yajl_gen_map_open(g);
		cgen_str(g, "name", p[i].name);
		cgen_int(g, "gpu", p[i].gpu);
		if (stats) {
			cgen_u64(g, "submitted", p[i].submitted);
			cgen_u64(g, "completed", p[i].completed);
			hist(g, "request_time", &p[i].request);
			hist(g, "queue_time", &p[i].queue);
		} else {
			cgen_u64(g, "devices", p[i].devices);
		}
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
}

static void gpus(yajl_gen g, const struct vc_gpu *gpu, size_t n)
{
	size_t i;

	cgen_array(g, "gpus");
	for (i = 0; i < n; i++) {
		yajl_gen_map_open(g);
		cgen_u64(g, "index", gpu[i].index);
		cgen_str(g, "name", gpu[i].name);
		cgen_u64(g, "mem_total", gpu[i].mem_total);
		cgen_u64(g, "mem_used", gpu[i].mem_used);
		cgen_u64(g, "inflight", gpu[i].inflight);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
}

void cgen_stats_head(yajl_gen g, const struct vc_stats *st)
{
	cgen_str(g, "executor", st->executor);
	cgen_u64(g, "slots", st->slots);
	cgen_u64(g, "inflight", st->inflight);
	cgen_map(g, "queued");
	cgen_u64(g, "high", st->queued_high);
	cgen_u64(g, "medium", st->queued_medium);
	cgen_u64(g, "low", st->queued_low);
	yajl_gen_map_close(g);
}

void cgen_stats(yajl_gen g, const struct vc_stats *st)
{
	yajl_gen_map_open(g);
	cgen_stats_head(g, st);
	devs(g, "domains", st->devs, st->ndevs, true);
	u64s(g, "buckets_us", st->bounds_us, st->nbounds);
	pools(g, st->pools, st->npools, true);
	cgen_map(g, "latency_us");
	cgen_u64(g, "count", st->lat_count);
	cgen_u64(g, "queue_p50", st->queue_p50);
	cgen_u64(g, "queue_p99", st->queue_p99);
	cgen_u64(g, "exec_p50", st->exec_p50);
	cgen_u64(g, "exec_p99", st->exec_p99);
	yajl_gen_map_close(g);
	gpus(g, st->gpus, st->ngpus);
	cgen_map(g, "resources");
	cgen_u64(g, "jobs", st->jobs);
	cgen_u64(g, "buffers", st->buffers);
	cgen_u64(g, "mappings", st->mappings);
	cgen_u64(g, "allocations", st->allocations);
	cgen_u64(g, "mem_bytes", st->mem_bytes);
	cgen_u64(g, "modules", st->modules);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
}

void cgen_pools(yajl_gen g, const struct vc_pools *pl)
{
	yajl_gen_map_open(g);
	pools(g, pl->pools, pl->npools, false);
	yajl_gen_map_close(g);
}

void cgen_devices(yajl_gen g, const struct vc_dev *d, size_t n)
{
	yajl_gen_map_open(g);
	devs(g, "devices", d, n, false);
	yajl_gen_map_close(g);
}

void cgen_error(yajl_gen g, const char *msg)
{
	yajl_gen_map_open(g);
	cgen_str(g, "error", msg);
	yajl_gen_map_close(g);
}
