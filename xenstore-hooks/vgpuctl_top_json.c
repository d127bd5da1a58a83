/* SPDX-License-Identifier: MIT */
/*
 * vgpuctl_top_json.c: one frame of vgpuctl top --json as one JSON object on
 * one line (JSON Lines, a line per refresh): what the screen shows, with
 * the device counters under the names vgpuctl stats --json gives them, so
 * that a script can join the two.  Strings are cleaned as on the screen.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "vgpuctl.h"
#include "vgpuctl_top.h"

/* A cleaned string: XenStore and daemon text is shown, never trusted. */
static void str_clean(yajl_gen g, const char *key, const char *val)
{
	char buf[VC_NAME_MAX];

	cgen_str(g, key, vgpuctl_clean(val, buf, sizeof(buf), "-"));
}

/* When the frame was taken, in UTC: JSON readers compare across hosts. */
static void stamp(yajl_gen g)
{
	char now[32];
	time_t t = time(NULL);
	struct tm tm;

	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	cgen_str(g, "time", now);
}

static void totals(yajl_gen g, const struct vc_stats *st)
{
	uint64_t sub = 0, done = 0, failed = 0;
	size_t i;

	for (i = 0; i < st->ndevs; i++) {
		sub += st->devs[i].submitted;
		done += st->devs[i].completed;
		failed += st->devs[i].failed;
	}
	cgen_map(g, "totals");
	cgen_u64(g, "devices", st->ndevs);
	cgen_u64(g, "submitted", sub);
	cgen_u64(g, "completed", done);
	cgen_u64(g, "failed", failed);
	yajl_gen_map_close(g);
}

static void gpus(yajl_gen g, const struct vc_stats *st)
{
	size_t i;

	cgen_array(g, "gpus");
	for (i = 0; i < st->ngpus; i++) {
		const struct vc_gpu *gp = &st->gpus[i];

		yajl_gen_map_open(g);
		cgen_u64(g, "index", gp->index);
		str_clean(g, "name", gp->name);
		cgen_u64(g, "util_pct", st->slots ? gp->inflight * 100 / st->slots : 0);
		cgen_u64(g, "inflight", gp->inflight);
		cgen_u64(g, "mem_total", gp->mem_total);
		cgen_u64(g, "mem_used", gp->mem_used);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
}

/* Completed per second since the last frame, as the screen rounds it; null on the first. */
static void rate(yajl_gen g, const struct top_row *r)
{
	char num[32];
	int n;

	cgen_key(g, "rate");
	if (!r->have_rate) {
		yajl_gen_null(g);
		return;
	}
	n = snprintf(num, sizeof(num), "%.1f", r->rate);
	yajl_gen_number(g, num, (size_t)n);
}

static void device(yajl_gen g, const struct top_row *r)
{
	const struct vc_dev *d = r->d;

	yajl_gen_map_open(g);
	cgen_u64(g, "domid", d->domid);
	cgen_u64(g, "devid", d->devid);
	cgen_str(g, "name", r->name);
	str_clean(g, "pool", d->pool);
	str_clean(g, "priority", d->priority);
	str_clean(g, "state", d->state);
	cgen_u64(g, "submitted", d->submitted);
	cgen_u64(g, "queued", d->queued);
	cgen_u64(g, "inflight", d->inflight);
	cgen_u64(g, "completed", d->completed);
	cgen_u64(g, "failed", d->failed);
	rate(g, r);
	cgen_u64(g, "lat_p50_us", d->lat_p50_us);
	cgen_u64(g, "lat_p99_us", d->lat_p99_us);
	yajl_gen_map_close(g);
}

/* The body of a frame vgpuback answered. */
static void frame_up(yajl_gen g, const struct top_frame *f)
{
	const struct vc_stats *st = &f->st;
	size_t i;

	cgen_stats_head(g, st);	/* the executor's name is vgpuback's own */
	totals(g, st);
	gpus(g, st);
	cgen_array(g, "devices");
	for (i = 0; i < st->ndevs; i++)
		device(g, &f->rows[i]);
	yajl_gen_array_close(g);
}

bool top_json(const struct top_frame *f)
{
	yajl_gen g = cgen_new();

	if (!g)
		return vgpuctl_print_json(g);	/* says "out of memory" */
	yajl_gen_map_open(g);
	cgen_u64(g, "frame", f->count);
	stamp(g);
	cgen_key(g, "up");
	yajl_gen_bool(g, f->up);
	if (f->up) {
		cgen_str(g, "sort", f->sort);
		frame_up(g, f);
	} else {
		char why[sizeof(f->why)];

		cgen_str(g, "error", vgpuctl_clean(f->why, why, sizeof(why), "-"));
	}
	yajl_gen_map_close(g);
	return vgpuctl_print_json(g);
}
