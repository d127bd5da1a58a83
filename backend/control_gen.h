/* SPDX-License-Identifier: MIT */
/*
 * control_gen.h: the control socket's answers (vgpu-control(7)) as typed
 * data, and their one writer (yajl_gen).  vgpuback fills the data from its
 * memory and writes it; vgpuctl parses an answer into the same data and,
 * for --json, writes it again: one format, one key order, compact, one line.
 */
#ifndef VGPU_CONTROL_GEN_H
#define VGPU_CONTROL_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_gen.h>

#define VC_NAME_MAX 64
#define VC_HIST_MAX 16			/* buckets a histogram may have */

/* Counts per bucket (not cumulative): bounds_us of vc_stats, then +Inf. */
struct vc_hist {
	uint64_t bucket[VC_HIST_MAX];
	size_t nbuckets;
	uint64_t sum_ns, count;
};

/* A device; the counters are in stats only. */
struct vc_dev {
	uint64_t domid, devid;
	char pool[VC_NAME_MAX], priority[VC_NAME_MAX], state[VC_NAME_MAX];
	uint64_t submitted, completed, failed, inflight, queued;
	uint64_t buffers, buffer_pages, spurious, throttled;
	/* Round trips inside vgpuback (arrival to response) of its last jobs. */
	uint64_t lat_p50_us, lat_p99_us;
};

/* A pool: devices in the pools answer, submitted and completed in stats. */
struct vc_pool {
	char name[VC_NAME_MAX];
	int64_t gpu;			/* -1: any GPU */
	uint64_t devices;
	uint64_t submitted, completed;
	struct vc_hist request, queue;	/* stats: arrival to response, to dispatch */
};

struct vc_gpu {
	uint64_t index;
	char name[VC_NAME_MAX];
	uint64_t mem_total, mem_used;	/* bytes */
	uint64_t inflight;
};

struct vc_stats {
	char executor[VC_NAME_MAX];
	uint64_t slots, inflight;
	uint64_t queued_high, queued_medium, queued_low;
	struct vc_dev *devs;
	size_t ndevs;
	struct vc_pool *pools;
	size_t npools;
	struct vc_gpu *gpus;
	size_t ngpus;
	uint64_t lat_count, queue_p50, queue_p99, exec_p50, exec_p99;	/* us */
	uint64_t jobs, buffers, mappings;
	uint64_t allocations, mem_bytes;	/* device memory (protocol 2) */
	uint64_t modules;		/* guests' modules loaded (protocol 2) */
	uint64_t bounds_us[VC_HIST_MAX];	/* the pools' histograms' upper bounds */
	size_t nbounds;
};

struct vc_pools {
	struct vc_pool *pools;
	size_t npools;
};

/* The answers, written whole into @g. */
void cgen_stats(yajl_gen g, const struct vc_stats *st);
/* Its first keys: executor, slots, inflight, queued{high,medium,low}. */
void cgen_stats_head(yajl_gen g, const struct vc_stats *st);
void cgen_pools(yajl_gen g, const struct vc_pools *pl);
void cgen_devices(yajl_gen g, const struct vc_dev *devs, size_t n);
void cgen_error(yajl_gen g, const char *msg);

/* A generator for one document; NULL when out of memory. */
yajl_gen cgen_new(void);
void cgen_key(yajl_gen g, const char *key);
void cgen_str(yajl_gen g, const char *key, const char *val);
void cgen_u64(yajl_gen g, const char *key, uint64_t val);
void cgen_int(yajl_gen g, const char *key, long long val);
/* "key":{ and "key":[ ; closed with yajl_gen_map_close/array_close. */
void cgen_map(yajl_gen g, const char *key);
void cgen_array(yajl_gen g, const char *key);
/*
 * The finished document plus a newline, malloc'd, in @out (its length in
 * @len); frees @g.  -ENOMEM (also for a NULL @g), or -EINVAL.
 */
int cgen_finish(yajl_gen g, char **out, size_t *len);

#endif /* VGPU_CONTROL_GEN_H */
