/* SPDX-License-Identifier: MIT */
/*
 * vgpuctl_top_render.c: one frame of vgpuctl top as lines of text: the
 * header (executor, queue depth, totals), a line per GPU and a line per
 * device.  The curses screen and batch mode print the same lines.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "vgpuctl.h"
#include "vgpuctl_top.h"

#define MIB (1024 * 1024)
#define LINE_MAX_LEN 512

struct sink {
	top_line_fn out;
	void *arg;
	int row;
};

static void put(struct sink *s, const char *line)
{
	s->out(s->arg, s->row++, line);
}

static void header(struct sink *s, const struct top_frame *f)
{
	const struct vc_stats *st = &f->st;
	uint64_t sub = 0, done = 0, failed = 0;
	char line[LINE_MAX_LEN], ex[VC_NAME_MAX], now[16];
	time_t t = time(NULL);
	struct tm tm;
	size_t i;

	strftime(now, sizeof(now), "%H:%M:%S", localtime_r(&t, &tm));
	if (!f->up) {
		snprintf(line, sizeof(line), "vgpuctl top - %s  vgpuback is not running: %s "
			 "(trying again)", now, f->why);
		put(s, line);
		return;
	}
	for (i = 0; i < st->ndevs; i++) {
		sub += st->devs[i].submitted;
		done += st->devs[i].completed;
		failed += st->devs[i].failed;
	}
	snprintf(line, sizeof(line), "vgpuctl top - %s  executor %s, %" PRIu64 " slots, %"
		 PRIu64 " running, sort %s", now,
		 vgpuctl_clean(st->executor, ex, sizeof(ex), "?"), st->slots, st->inflight,
		 f->sort);
	put(s, line);
	snprintf(line, sizeof(line), "queued: high %" PRIu64 ", medium %" PRIu64 ", low %"
		 PRIu64 "; devices %zu: submitted %" PRIu64 ", done %" PRIu64 ", failed %"
		 PRIu64, st->queued_high, st->queued_medium, st->queued_low, st->ndevs,
		 sub, done, failed);
	put(s, line);
}

static void gpus(struct sink *s, const struct vc_stats *st)
{
	char line[LINE_MAX_LEN], name[VC_NAME_MAX];
	size_t i;

	if (!st->ngpus) {
		put(s, "gpus: none (this executor drives no GPU)");
		return;
	}
	for (i = 0; i < st->ngpus; i++) {
		const struct vc_gpu *g = &st->gpus[i];
		unsigned pct = st->slots ? (unsigned)(g->inflight * 100 / st->slots) : 0;

		snprintf(line, sizeof(line), "gpu %" PRIu64 " %-24s util %3u%% (%" PRIu64 "/%"
			 PRIu64 ")  mem %" PRIu64 "/%" PRIu64 " MiB", g->index,
			 vgpuctl_clean(g->name, name, sizeof(name), "-"), pct, g->inflight,
			 st->slots, g->mem_used / MIB, g->mem_total / MIB);
		put(s, line);
	}
}

static void device(struct sink *s, const struct top_row *r)
{
	const struct vc_dev *d = r->d;
	char line[LINE_MAX_LEN], id[48], rate[24], pool[VC_NAME_MAX], prio[VC_NAME_MAX];
	char state[VC_NAME_MAX];

	snprintf(id, sizeof(id), "%" PRIu64 "/%" PRIu64, d->domid, d->devid);
	if (r->have_rate)
		snprintf(rate, sizeof(rate), "%.1f", r->rate);
	else
		snprintf(rate, sizeof(rate), "-");
	snprintf(line, sizeof(line), "%-16s %-9s %-10s %-7s %-12s %7" PRIu64 " %6" PRIu64
		 " %9" PRIu64 " %7" PRIu64 " %8s %8" PRIu64 " %8" PRIu64, r->name, id,
		 vgpuctl_clean(d->pool, pool, sizeof(pool), "-"),
		 vgpuctl_clean(d->priority, prio, sizeof(prio), "-"),
		 vgpuctl_clean(d->state, state, sizeof(state), "-"), d->queued, d->inflight,
		 d->completed, d->failed, rate, d->lat_p50_us, d->lat_p99_us);
	put(s, line);
}

void top_render(const struct top_frame *f, top_line_fn out, void *arg)
{
	struct sink s = { out, arg, 0 };
	char line[LINE_MAX_LEN];
	size_t i;

	header(&s, f);
	if (!f->up)
		return;
	gpus(&s, &f->st);
	put(&s, "");
	snprintf(line, sizeof(line), "%-16s %-9s %-10s %-7s %-12s %7s %6s %9s %7s %8s %8s %8s",
		 "DOMAIN", "DOMID/DEV", "POOL", "PRIO", "STATE", "QUEUED", "INFL", "DONE",
		 "FAILED", "RATE/s", "P50_US", "P99_US");
	put(&s, line);
	for (i = 0; i < f->st.ndevs; i++)
		device(&s, &f->rows[i]);
}
