/* SPDX-License-Identifier: MIT */
/*
 * vgpuctl_stats.c: vgpuctl stats and pools.  vgpuback's answer is parsed
 * into typed data (vgpuctl_control.c) and rendered from that, as a table or,
 * with --json, as the same JSON line (control_gen.h) vgpu-control(7) describes.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_gen.h"
#include "vgpuctl.h"
#include "vgpuctl_control.h"

#define MIB (1024 * 1024)

/* The exit status for a failed ask, after the line that says why. */
static int ask_failed(const struct vgpuctl *c, const char *cmd, int rc, const char *why)
{
	if (rc == -EPROTO) {
		fprintf(stderr, "vgpuctl: %s: vgpuback's answer is not what vgpu-control(7) "
			"describes: %s\n", cmd, why);
		return EXIT_FAILED;
	}
	fprintf(stderr, "vgpuctl: vgpuback is not running (cannot reach %s: %s)\n",
		c->sock, strerror(-rc));
	return EXIT_NOBACKEND;
}

static void header(const char *const *cols)
{
	for (; *cols; cols++)
		printf("%-12s", *cols);
	printf("\n");
}

static void cell_s(const char *v)
{
	char buf[VC_NAME_MAX];

	printf("%-12s", vgpuctl_clean(v, buf, sizeof(buf), "-"));
}

static void cell_u(uint64_t v)
{
	printf("%-12" PRIu64, v);
}

static void cell_i(int64_t v)
{
	printf("%-12" PRId64, v);
}

static void text_devices(const struct vc_stats *st)
{
	static const char *const cols[] = { "domid", "devid", "pool", "priority", "state",
		"submitted", "completed", "failed", "inflight", "queued", "p50_us", "p99_us",
		NULL };
	size_t i;

	header(cols);
	for (i = 0; i < st->ndevs; i++) {
		const struct vc_dev *d = &st->devs[i];

		cell_u(d->domid);
		cell_u(d->devid);
		cell_s(d->pool);
		cell_s(d->priority);
		cell_s(d->state);
		cell_u(d->submitted);
		cell_u(d->completed);
		cell_u(d->failed);
		cell_u(d->inflight);
		cell_u(d->queued);
		cell_u(d->lat_p50_us);
		cell_u(d->lat_p99_us);
		printf("\n");
	}
}

static void text_pools(const struct vc_stats *st)
{
	static const char *const cols[] = { "name", "gpu", "submitted", "completed", NULL };
	size_t i;

	header(cols);
	for (i = 0; i < st->npools; i++) {
		cell_s(st->pools[i].name);
		cell_i(st->pools[i].gpu);
		cell_u(st->pools[i].submitted);
		cell_u(st->pools[i].completed);
		printf("\n");
	}
}

static void text_gpus(const struct vc_stats *st)
{
	char name[VC_NAME_MAX];
	size_t i;

	if (!st->ngpus) {
		printf("gpus: none (the %s executor drives no GPU)\n",
		       vgpuctl_clean(st->executor, name, sizeof(name), "?"));
		return;
	}
	printf("%-6s %-24s %12s %12s %9s\n", "gpu", "name", "mem_MiB", "used_MiB",
	       "inflight");
	for (i = 0; i < st->ngpus; i++) {
		const struct vc_gpu *g = &st->gpus[i];

		printf("%-6" PRIu64 " %-24s %12" PRIu64 " %12" PRIu64 " %9" PRIu64 "\n",
		       g->index, vgpuctl_clean(g->name, name, sizeof(name), "-"),
		       g->mem_total / MIB, g->mem_used / MIB, g->inflight);
	}
}

static void text_stats(const struct vc_stats *st)
{
	char ex[VC_NAME_MAX];

	printf("executor %s, %" PRIu64 " slots, %" PRIu64 " running\n",
	       vgpuctl_clean(st->executor, ex, sizeof(ex), "?"), st->slots, st->inflight);
	printf("queued: high %" PRIu64 ", medium %" PRIu64 ", low %" PRIu64 "\n\n",
	       st->queued_high, st->queued_medium, st->queued_low);
	text_devices(st);
	printf("\n");
	text_pools(st);
	printf("\n");
	text_gpus(st);
	printf("\nlatency (us): queued p50 %" PRIu64 " p99 %" PRIu64 ", executing p50 %"
	       PRIu64 " p99 %" PRIu64 "\n", st->queue_p50, st->queue_p99, st->exec_p50,
	       st->exec_p99);
}

static bool json_stats(const struct vc_stats *st)
{
	yajl_gen g = cgen_new();

	if (g)
		cgen_stats(g, st);
	return vgpuctl_print_json(g);
}

int vgpuctl_stats(struct vgpuctl *c, int argc, char **argv)
{
	struct vc_stats st;
	char why[256];
	int rc = vc_get_stats(c->sock, &st, why, sizeof(why));

	(void)argc;
	(void)argv;
	if (rc)
		return ask_failed(c, "stats", rc, why);
	rc = 0;
	if (c->prometheus)
		rc = vgpuctl_prom(&st) ? 0 : EXIT_FAILED;
	else if (!c->json)
		text_stats(&st);
	else if (!json_stats(&st))
		rc = EXIT_FAILED;
	vc_stats_free(&st);
	return rc;
}

static bool json_pools(const struct vc_pools *pl)
{
	yajl_gen g = cgen_new();

	if (g)
		cgen_pools(g, pl);
	return vgpuctl_print_json(g);
}

int vgpuctl_pools(struct vgpuctl *c, int argc, char **argv)
{
	static const char *const cols[] = { "name", "gpu", "devices", NULL };
	struct vc_pools pl;
	char why[256];
	size_t i;
	int rc = vc_get_pools(c->sock, &pl, why, sizeof(why));

	(void)argc;
	(void)argv;
	if (rc)
		return ask_failed(c, "pools", rc, why);
	rc = 0;
	if (c->json) {
		rc = json_pools(&pl) ? 0 : EXIT_FAILED;
	} else {
		header(cols);
		for (i = 0; i < pl.npools; i++) {
			cell_s(pl.pools[i].name);
			cell_i(pl.pools[i].gpu);
			cell_u(pl.pools[i].devices);
			printf("\n");
		}
	}
	vc_pools_free(&pl);
	return rc;
}
