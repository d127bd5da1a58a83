/* SPDX-License-Identifier: MIT */
/*
 * vgpuctl_prom.c: vgpuctl stats --prometheus: the stats answer (parsed by
 * vgpuctl_control.c) in the Prometheus text exposition format 0.0.4, for a
 * scrape or node_exporter's textfile collector.  Names, types and labels
 * are listed in vgpuctl(8), METRICS; times in seconds, memory in bytes,
 * counters end in _total.  Every number is printed exactly (no float
 * rounding): integers, or decimal fractions written from integers.
 */
#include "config.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>

#include "control_gen.h"
#include "vgpuctl.h"

/* A metric's family: its # HELP and # TYPE lines. */
static void family(const char *name, const char *type, const char *help)
{
	printf("# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value as the format wants it: \\, \" and \n escaped. */
static void label(const char *name, const char *val, bool first)
{
	printf("%s%s=\"", first ? "" : ",", name);
	for (; *val; val++) {
		if (*val == '\\' || *val == '"')
			printf("\\%c", *val);
		else if (*val == '\n')
			printf("\\n");
		else
			putchar(*val);
	}
	putchar('"');
}

static void label_u(const char *name, uint64_t v, bool first)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRIu64, v);
	label(name, num, first);
}

/* @v / 10^@digits, exact, without trailing zeros: 10us is 0.00001. */
static void decimal(uint64_t v, unsigned digits)
{
	uint64_t unit = 1;
	unsigned i;
	char frac[24];

	for (i = 0; i < digits; i++)
		unit *= 10;
	snprintf(frac, sizeof(frac), "%0*" PRIu64, (int)digits, v % unit);
	for (i = digits; i > 0 && frac[i - 1] == '0'; i--)
		frac[i - 1] = 0;
	printf("%" PRIu64 "%s%s", v / unit, frac[0] ? "." : "", frac);
}

static void dev_labels(const struct vc_dev *d)
{
	printf("{");
	label_u("domid", d->domid, true);
	label_u("devid", d->devid, false);
	label("pool", d->pool, false);
	label("priority", d->priority, false);
	printf("}");
}

/* The per-device metrics: a field of struct vc_dev each. */
static const struct dev_metric {
	const char *name, *type, *help;
	size_t off;
} dev_metrics[] = {
	{ "vgpu_requests_submitted_total", "counter",
	  "Requests the device's guest submitted.", offsetof(struct vc_dev, submitted) },
	{ "vgpu_requests_completed_total", "counter",
	  "Requests answered with success.", offsetof(struct vc_dev, completed) },
	{ "vgpu_requests_failed_total", "counter",
	  "Requests answered with an error.", offsetof(struct vc_dev, failed) },
	{ "vgpu_requests_inflight", "gauge",
	  "Requests taken from the ring and not yet answered.",
	  offsetof(struct vc_dev, inflight) },
	{ "vgpu_requests_queued", "gauge",
	  "Requests waiting in vgpuback's queue for the executor.",
	  offsetof(struct vc_dev, queued) },
	{ "vgpu_buffers", "gauge", "Buffers the device has registered.",
	  offsetof(struct vc_dev, buffers) },
	{ "vgpu_buffer_pages", "gauge", "Guest pages of the device's buffers.",
	  offsetof(struct vc_dev, buffer_pages) },
	{ "vgpu_spurious_notifications_total", "counter",
	  "Event-channel notifications that brought no request.",
	  offsetof(struct vc_dev, spurious) },
	{ "vgpu_throttles_total", "counter",
	  "Times the device's notifications were held as a storm.",
	  offsetof(struct vc_dev, throttled) },
};

static void devices(const struct vc_stats *st)
{
	size_t m, i;

	for (m = 0; m < sizeof(dev_metrics) / sizeof(dev_metrics[0]); m++) {
		const struct dev_metric *dm = &dev_metrics[m];

		family(dm->name, dm->type, dm->help);
		for (i = 0; i < st->ndevs; i++) {
			printf("%s", dm->name);
			dev_labels(&st->devs[i]);
			printf(" %" PRIu64 "\n",
			       *(const uint64_t *)((const char *)&st->devs[i] + dm->off));
		}
	}
}

/* A gauge per device: its last jobs' round trip, p50 or @p99 (0: none yet). */
static void recent(const struct vc_stats *st, const char *name, const char *help, bool p99)
{
	size_t i;

	family(name, "gauge", help);
	for (i = 0; i < st->ndevs; i++) {
		printf("%s", name);
		dev_labels(&st->devs[i]);
		printf(" ");
		decimal(p99 ? st->devs[i].lat_p99_us : st->devs[i].lat_p50_us, 6);
		printf("\n");
	}
}

/* A device's state, and its last jobs' round trips (p50, p99). */
static void device_info(const struct vc_stats *st)
{
	size_t i;

	family("vgpu_device_info", "gauge", "A device vgpuback serves (always 1), its state.");
	for (i = 0; i < st->ndevs; i++) {
		printf("vgpu_device_info{");
		label_u("domid", st->devs[i].domid, true);
		label_u("devid", st->devs[i].devid, false);
		label("pool", st->devs[i].pool, false);
		label("priority", st->devs[i].priority, false);
		label("state", st->devs[i].state, false);
		printf("} 1\n");
	}
	recent(st, "vgpu_request_recent_p50_seconds",
	       "Median round trip inside vgpuback of the device's last 1024 jobs.", false);
	recent(st, "vgpu_request_recent_p99_seconds",
	       "99th percentile round trip inside vgpuback of the device's last 1024 jobs.", true);
}

static void executor(const struct vc_stats *st)
{
	static const char *const prio[] = { "high", "medium", "low" };
	const uint64_t depth[] = { st->queued_high, st->queued_medium, st->queued_low };
	unsigned i;

	family("vgpu_queue_depth", "gauge", "Requests waiting for the executor, by priority.");
	for (i = 0; i < 3; i++) {
		printf("vgpu_queue_depth{");
		label("priority", prio[i], true);
		printf("} %" PRIu64 "\n", depth[i]);
	}
	family("vgpu_executor_slots", "gauge", "Jobs the executor runs at once.");
	printf("vgpu_executor_slots{");
	label("executor", st->executor, true);
	printf("} %" PRIu64 "\n", st->slots);
	family("vgpu_executor_inflight", "gauge", "Jobs the executor is running.");
	printf("vgpu_executor_inflight %" PRIu64 "\n", st->inflight);
	family("vgpu_jobs", "gauge", "Jobs vgpuback holds (queued or running).");
	printf("vgpu_jobs %" PRIu64 "\n", st->jobs);
	family("vgpu_buffers_held", "gauge", "Buffers vgpuback holds, all devices.");
	printf("vgpu_buffers_held %" PRIu64 "\n", st->buffers);
	family("vgpu_mappings", "gauge", "Guest buffer mappings vgpuback holds.");
	printf("vgpu_mappings %" PRIu64 "\n", st->mappings);
	family("vgpu_device_allocations", "gauge", "Device memory allocations guests hold.");
	printf("vgpu_device_allocations %" PRIu64 "\n", st->allocations);
	family("vgpu_device_memory_bytes", "gauge", "Device memory guests hold, bytes.");
	printf("vgpu_device_memory_bytes %" PRIu64 "\n", st->mem_bytes);
	family("vgpu_device_modules", "gauge", "Modules guests hold loaded.");
	printf("vgpu_device_modules %" PRIu64 "\n", st->modules);
}

static void pool_counter(const struct vc_stats *st, const char *name, const char *help,
			 bool completed)
{
	size_t i;

	family(name, "counter", help);
	for (i = 0; i < st->npools; i++) {
		printf("%s{", name);
		label("pool", st->pools[i].name, true);
		printf("} %" PRIu64 "\n",
		       completed ? st->pools[i].completed : st->pools[i].submitted);
	}
}

/* One pool's histogram: cumulative buckets, +Inf, _sum, _count. */
static void hist_one(const struct vc_stats *st, const char *name, const char *pool,
		     const struct vc_hist *h)
{
	uint64_t cum = 0;
	size_t i;

	for (i = 0; i < h->nbuckets; i++) {
		cum += h->bucket[i];
		printf("%s_bucket{", name);
		label("pool", pool, true);
		if (i < st->nbounds) {
			printf(",le=\"");
			decimal(st->bounds_us[i], 6);
			printf("\"} %" PRIu64 "\n", cum);
		} else {
			printf(",le=\"+Inf\"} %" PRIu64 "\n", cum);
		}
	}
	printf("%s_sum{", name);
	label("pool", pool, true);
	printf("} ");
	decimal(h->sum_ns, 9);
	printf("\n%s_count{", name);
	label("pool", pool, true);
	printf("} %" PRIu64 "\n", h->count);
}

static void histograms(const struct vc_stats *st, const char *name, const char *help,
		       bool queue)
{
	size_t i;

	/* From a vgpuback of before the histograms: none. */
	if (!st->nbounds)
		return;
	family(name, "histogram", help);
	for (i = 0; i < st->npools; i++)
		hist_one(st, name, st->pools[i].name,
			 queue ? &st->pools[i].queue : &st->pools[i].request);
}

static void gpu_metric(const struct vc_stats *st, const char *name, const char *help,
		       size_t off)
{
	size_t i;

	family(name, "gauge", help);
	for (i = 0; i < st->ngpus; i++) {
		printf("%s{", name);
		label_u("gpu", st->gpus[i].index, true);
		label("name", st->gpus[i].name, false);
		printf("} %" PRIu64 "\n",
		       *(const uint64_t *)((const char *)&st->gpus[i] + off));
	}
}

bool vgpuctl_prom(const struct vc_stats *st)
{
	devices(st);
	device_info(st);
	executor(st);
	pool_counter(st, "vgpu_pool_requests_submitted_total",
		     "Requests the pool's devices queued for the executor.", false);
	pool_counter(st, "vgpu_pool_requests_completed_total",
		     "Executor jobs of the pool answered.", true);
	histograms(st, "vgpu_request_duration_seconds",
		   "Executor jobs' round trip inside vgpuback (queued and running).", false);
	histograms(st, "vgpu_queue_duration_seconds",
		   "Executor jobs' time queued in vgpuback.", true);
	gpu_metric(st, "vgpu_gpu_memory_total_bytes", "The GPU's memory.",
		   offsetof(struct vc_gpu, mem_total));
	gpu_metric(st, "vgpu_gpu_memory_used_bytes", "The GPU's memory in use.",
		   offsetof(struct vc_gpu, mem_used));
	gpu_metric(st, "vgpu_gpu_inflight", "Jobs running on the GPU.",
		   offsetof(struct vc_gpu, inflight));
	return fflush(stdout) == 0 && !ferror(stdout);
}
