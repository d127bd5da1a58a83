/* SPDX-License-Identifier: MIT */
/*
 * tool_bench.c: `vgpufront bench` (vgpufront(1)): the latency of a NOP and
 * a 1K-float vadd (one in flight) and their throughput (K in flight); with
 * --svg FILE also a sweep of the vadd over 1, 2, 4, ... K requests in flight
 * and its chart: p50 and p99 latency and throughput against in-flight.  The
 * numbers are rounded once, where they are measured (0.1 us, 1 req/s), so
 * the table, --json and the chart show the very same values.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgpu_clock.h"
#include "tool_priv.h"

#define BENCH_N		2000	/* sequential round trips for the latency */
#define SWEEP_MAX	11	/* 1, 2, 4 ... 512: ten depths, and K if no power of 2 */
#define SLOTS_MAX	512	/* the largest ring's slots: K never exceeds it */

struct bench_result {
	const char *name, *key;		/* for a person, for JSON */
	double median_us, p99_us, rps;
};

/* One depth of the sweep. */
struct sweep_point {
	unsigned inflight;
	uint64_t requests;		/* answered during its run */
	double p50_us, p99_us, rps;
};

struct sweep {
	struct sweep_point pt[SWEEP_MAX];
	unsigned n;
	double secs;
};

/* Latencies of one run, grown as answers come. */
struct lat_buf {
	uint64_t *v;
	size_t n, cap;
};

/* Rounded once, so every output prints the same number. */
static double round_to(double x, double unit)
{
	return round(x / unit) * unit;
}

static double pct_us(const uint64_t *sorted, size_t n, unsigned pct)
{
	return n ? round_to(sorted[n * pct / 100] / 1e3, 0.1) : 0;
}

/* K requests kept in flight for @secs; returns requests per second. */
static double throughput(struct tool *t, const struct vgpuif_request *tmpl,
			 unsigned k, double secs, struct progress *p, int *err)
{
	struct vgpuif_response rsps[64];
	uint64_t t0 = vgpu_now_ns(), end = t0 + (uint64_t)(secs * 1e9), done = 0;
	unsigned inflight = 0;

	*err = 0;
	while (vgpu_now_ns() < end) {
		while (inflight < k) {
			struct vgpuif_request r = *tmpl;

			if (vgpufront_submit(t->dev, &r))
				break;
			inflight++;
		}
		int n = vgpufront_poll(t->dev, rsps, 64, 1000);

		if (n < 0) {
			*err = n;
			return 0;
		}
		for (int i = 0; i < n; i++)
			if (rsps[i].status)
				*err = vgpufront_status(rsps[i].status);
		inflight -= (unsigned)n;
		done += (unsigned)n;
		progress_step(p, (vgpu_now_ns() - t0) / 1000000);
	}
	while (inflight) {
		int n = vgpufront_poll(t->dev, rsps, 64, 1000);

		if (n <= 0)
			break;
		inflight -= (unsigned)n;
		done += (unsigned)n;
	}
	return (double)done / ((vgpu_now_ns() - t0) / 1e9);
}

/* One request's latency (BENCH_N in a row) and throughput; 0 or a status. */
static int bench_one(struct tool *t, const struct vgpuif_request *tmpl, unsigned k,
		     double secs, struct bench_result *res)
{
	uint64_t lat[BENCH_N];
	struct progress p;
	char what[64];
	unsigned i;
	int st;

	snprintf(what, sizeof(what), "bench %s latency", res->key);
	progress_start(&p, what, BENCH_N);
	for (i = 0; i < BENCH_N; i++) {
		struct vgpuif_request r = *tmpl;
		struct vgpuif_response rsp;
		uint64_t t0 = vgpu_now_ns();

		st = vgpufront_call(t->dev, &r, &rsp);
		if (st) {
			progress_end(&p);
			return tool_fail(t, "bench", st);
		}
		lat[i] = vgpu_now_ns() - t0;
		progress_step(&p, i + 1);
	}
	qsort(lat, BENCH_N, sizeof(lat[0]), tool_cmp_u64);
	res->median_us = pct_us(lat, BENCH_N, 50);
	res->p99_us = pct_us(lat, BENCH_N, 99);
	snprintf(what, sizeof(what), "bench %s throughput, ms", res->key);
	progress_start(&p, what, (uint64_t)(secs * 1000));
	res->rps = round_to(throughput(t, tmpl, k, secs, &p, &st), 1);
	progress_end(&p);
	return st ? tool_fail(t, "bench", st) : 0;
}

static bool lat_push(struct lat_buf *lb, uint64_t ns)
{
	if (lb->n == lb->cap) {
		size_t cap = lb->cap ? lb->cap * 2 : 4096;
		uint64_t *v = realloc(lb->v, cap * sizeof(*v));

		if (!v)
			return false;
		lb->v = v;
		lb->cap = cap;
	}
	lb->v[lb->n++] = ns;
	return true;
}

/* A request of the run: its id (the library's) and when it went. */
struct sent {
	uint64_t id, t0;
};

/* Fill the window up to @depth while the run lasts; 0 or -errno. */
static int sweep_fill(struct tool *t, const struct vgpuif_request *tmpl, unsigned depth,
		      struct sent *s, unsigned *used)
{
	while (*used < depth) {
		struct vgpuif_request r = *tmpl;
		uint64_t t0 = vgpu_now_ns();
		int rc = vgpufront_submit(t->dev, &r);

		if (rc == -EAGAIN)
			return 0;	/* ring full: the next poll makes room */
		if (rc)
			return rc;
		s[*used].id = r.id;
		s[*used].t0 = t0;
		(*used)++;
	}
	return 0;
}

/* The answers of one poll: each one's round trip; 0, -errno or a status. */
static int sweep_take(struct tool *t, struct sent *s, unsigned *used, struct lat_buf *lb)
{
	struct vgpuif_response rsps[64];
	int n = vgpufront_poll(t->dev, rsps, 64, t->timeout_ms);
	uint64_t now = vgpu_now_ns();
	unsigned j;

	if (n <= 0)
		return n ? n : -ETIMEDOUT;
	for (int i = 0; i < n; i++) {
		if (rsps[i].status)
			return vgpufront_status(rsps[i].status);
		for (j = 0; j < *used && s[j].id != rsps[i].id; j++)
			;
		if (j == *used)
			continue;	/* not one of this run's (the library checked it) */
		if (!lat_push(lb, now - s[j].t0))
			return -ENOMEM;
		s[j] = s[--(*used)];
	}
	return 0;
}

/* @pt->inflight requests kept in flight for @secs, then drained: its numbers. */
static int sweep_depth(struct tool *t, const struct vgpuif_request *tmpl, double secs,
		       struct sweep_point *pt, struct lat_buf *lb, struct progress *p,
		       uint64_t ms_before)
{
	struct sent s[SLOTS_MAX];
	uint64_t t0 = vgpu_now_ns(), end = t0 + (uint64_t)(secs * 1e9);
	unsigned used = 0;
	double elapsed;
	int rc = 0;

	lb->n = 0;
	while (!rc && (used || vgpu_now_ns() < end)) {
		if (vgpu_now_ns() < end)
			rc = sweep_fill(t, tmpl, pt->inflight, s, &used);
		if (!rc)
			rc = sweep_take(t, s, &used, lb);
		progress_step(p, ms_before + (vgpu_now_ns() - t0) / 1000000);
	}
	if (rc)
		return rc;
	elapsed = (vgpu_now_ns() - t0) / 1e9;
	qsort(lb->v, lb->n, sizeof(lb->v[0]), tool_cmp_u64);
	pt->requests = lb->n;
	pt->p50_us = pct_us(lb->v, lb->n, 50);
	pt->p99_us = pct_us(lb->v, lb->n, 99);
	pt->rps = round_to(lb->n / elapsed, 1);
	return 0;
}

/* The depths 1, 2, 4, ... below @k, then @k itself. */
static void sweep_depths(struct sweep *sw, unsigned k)
{
	unsigned d;

	sw->n = 0;
	for (d = 1; d < k && sw->n < SWEEP_MAX - 1; d *= 2)
		sw->pt[sw->n++].inflight = d;
	sw->pt[sw->n++].inflight = k;
}

static int sweep_run(struct tool *t, const struct vgpuif_request *tmpl, unsigned k,
		     struct sweep *sw)
{
	uint64_t ms_per = (uint64_t)(sw->secs * 1000);
	struct lat_buf lb = { NULL, 0, 0 };
	struct progress p;
	unsigned i;
	int rc = 0;

	sweep_depths(sw, k);
	progress_start(&p, "bench sweep, ms", ms_per * sw->n);
	for (i = 0; i < sw->n && !rc; i++)
		rc = sweep_depth(t, tmpl, sw->secs, &sw->pt[i], &lb, &p, ms_per * i);
	progress_end(&p);
	free(lb.v);
	return rc ? tool_fail(t, "bench sweep", rc) : 0;
}

static void bench_text(const struct bench_result *res, unsigned k, double secs,
		       const struct sweep *sw)
{
	unsigned j;

	printf("%-18s %12s %12s %16s\n", "request", "median us", "p99 us",
	       "req/s (K in flight)");
	for (j = 0; j < 2; j++)
		printf("%-18s %12.1f %12.1f %16.0f\n", res[j].name, res[j].median_us,
		       res[j].p99_us, res[j].rps);
	printf("(latency: %u sequential round trips; throughput: %u in flight for %.1f s)\n",
	       BENCH_N, k, secs);
	if (!sw)
		return;
	printf("\n%-18s %12s %12s %16s %10s\n", "vadd 1K in flight", "p50 us", "p99 us",
	       "req/s", "requests");
	for (j = 0; j < sw->n; j++)
		printf("%-18u %12.1f %12.1f %16.0f %10" PRIu64 "\n", sw->pt[j].inflight,
		       sw->pt[j].p50_us, sw->pt[j].p99_us, sw->pt[j].rps, sw->pt[j].requests);
	printf("(sweep: each depth kept in flight for %.1f s)\n", sw->secs);
}

/* The same as one JSON object: numbers only, so printf writes it. */
static void bench_json(const struct bench_result *res, unsigned k, double secs,
		       const struct sweep *sw)
{
	unsigned j;

	printf("{\"latency_round_trips\":%u,\"inflight\":%u,\"seconds\":%.3f,\"results\":[",
	       BENCH_N, k, secs);
	for (j = 0; j < 2; j++)
		printf("%s{\"request\":\"%s\",\"median_us\":%.1f,\"p99_us\":%.1f,"
		       "\"req_per_s\":%.0f}", j ? "," : "", res[j].key, res[j].median_us,
		       res[j].p99_us, res[j].rps);
	printf("]");
	for (j = 0; sw && j < sw->n; j++)
		printf("%s{\"inflight\":%u,\"requests\":%" PRIu64 ",\"p50_us\":%.1f,"
		       "\"p99_us\":%.1f,\"req_per_s\":%.0f}", j ? "," : ",\"sweep\":[",
		       sw->pt[j].inflight, sw->pt[j].requests, sw->pt[j].p50_us,
		       sw->pt[j].p99_us, sw->pt[j].rps);
	printf("%s}\n", sw ? "]" : "");
}

/* The chart's geometry; x: a band per depth, y: two scales on one plot. */
struct chart {
	FILE *f;
	const struct sweep *sw;
	int x0, y0, plot_w, plot_h;	/* y0: the plot's bottom */
	double band;
	double us_max, us_step, px_us;	/* latency, left axis */
	double rps_max, rps_step, px_rps;	/* throughput, right axis */
};

#define SVG_P50		"#1f77b4"
#define SVG_P99		"#d62728"
#define SVG_RPS		"#b9dca0"
#define SVG_RPS_TEXT	"#2f6b1f"

/* A step of 1, 2 or 5 times a power of ten, about eight ticks up to @max. */
static double tick_step(double max)
{
	double raw = max / 8, mag = 1;

	while (mag * 10 <= raw)
		mag *= 10;
	while (mag > raw && mag > 0.001)
		mag /= 10;
	if (mag >= raw)
		return mag;
	if (2 * mag >= raw)
		return 2 * mag;
	return 5 * mag >= raw ? 5 * mag : 10 * mag;
}

/* An axis from 0 to the first tick at or above @max (1 at least). */
static void axis_scale(double max, int px, double *top, double *step, double *scale)
{
	if (!(max > 0))
		max = 1;
	*step = tick_step(max);
	*top = ceil(max / *step - 1e-9) * *step;
	*scale = px / *top;
}

static void chart_layout(struct chart *c, FILE *f, const struct sweep *sw)
{
	double us = 0, rps = 0;
	unsigned i;

	for (i = 0; i < sw->n; i++) {
		us = fmax(us, fmax(sw->pt[i].p99_us, sw->pt[i].p50_us));
		rps = fmax(rps, sw->pt[i].rps);
	}
	c->f = f;
	c->sw = sw;
	c->x0 = 100;
	c->plot_w = 800;
	c->plot_h = 400;
	c->y0 = 100 + c->plot_h;
	c->band = (double)c->plot_w / sw->n;
	axis_scale(us, c->plot_h, &c->us_max, &c->us_step, &c->px_us);
	axis_scale(rps, c->plot_h, &c->rps_max, &c->rps_step, &c->px_rps);
}

static double cx(const struct chart *c, unsigned i)
{
	return c->x0 + c->band * (i + 0.5);
}

static double y_us(const struct chart *c, double us)
{
	return c->y0 - us * c->px_us;
}

static void svg_head(const struct chart *c, unsigned devid)
{
	int w = c->x0 + c->plot_w + 100, h = c->y0 + 80;
	const char *title = "vgpufront bench: latency against requests in flight";

	fprintf(c->f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"13\" "
		"data-x0=\"%d\" data-y0=\"%d\" data-band=\"%.6f\" data-px-per-us=\"%.6f\" "
		"data-px-per-rps=\"%.6f\" data-points=\"%u\">\n<title>%s</title>\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n"
		"<text x=\"20\" y=\"28\" font-size=\"17\" font-weight=\"bold\">%s</text>\n",
		w, h, w, h, c->x0, c->y0, c->band, c->px_us, c->px_rps, c->sw->n, title,
		title);
	fprintf(c->f, "<text x=\"20\" y=\"50\" fill=\"#444444\">device %u, vadd of 1024 "
		"floats: at each point that many requests kept in flight for %.1f s; "
		"latency is submit to answer</text>\n", devid, c->sw->secs);
}

static void svg_legend(const struct chart *c)
{
	static const struct { const char *id, *fill, *text; } l[] = {
		{ "p50", SVG_P50, "p50 latency (us, left)" },
		{ "p99", SVG_P99, "p99 latency (us, left)" },
		{ "rps", SVG_RPS, "throughput (req/s, right)" },
	};
	int x = c->x0;
	unsigned i;

	for (i = 0; i < 3; i++, x += 220)
		fprintf(c->f, "<rect id=\"legend-%s\" x=\"%d\" y=\"62\" width=\"14\" height=\"14\" "
			"fill=\"%s\"/><text x=\"%d\" y=\"73\">%s</text>\n", l[i].id, x, l[i].fill,
			x + 20, l[i].text);
}

/* Grid and ticks of the left (latency) and right (throughput) axes. */
static void svg_y_axes(const struct chart *c)
{
	int xr = c->x0 + c->plot_w;
	double v, y;

	for (v = 0; v <= c->us_max + c->us_step / 1000; v += c->us_step) {
		y = y_us(c, v);
		fprintf(c->f, "<line x1=\"%d\" y1=\"%.2f\" x2=\"%d\" y2=\"%.2f\" stroke=\"#e4e4e4\"/>"
			"<line class=\"tick\" x1=\"%d\" y1=\"%.2f\" x2=\"%d\" y2=\"%.2f\" "
			"stroke=\"#000000\"/><text x=\"%d\" y=\"%.2f\" text-anchor=\"end\">%g</text>\n",
			c->x0, y, xr, y, c->x0 - 6, y, c->x0, y, c->x0 - 9, y + 4, v);
	}
	for (v = 0; v <= c->rps_max + c->rps_step / 1000; v += c->rps_step) {
		y = c->y0 - v * c->px_rps;
		fprintf(c->f, "<line class=\"rtick\" x1=\"%d\" y1=\"%.2f\" x2=\"%d\" y2=\"%.2f\" "
			"stroke=\"#000000\"/><text x=\"%d\" y=\"%.2f\" fill=\"%s\">%g</text>\n",
			xr, y, xr + 6, y, xr + 9, y + 4, SVG_RPS_TEXT, v);
	}
	fprintf(c->f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000000\"/>"
		"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000000\"/>\n",
		c->x0, c->y0 - c->plot_h, c->x0, c->y0, xr, c->y0 - c->plot_h, xr, c->y0);
	fprintf(c->f, "<text transform=\"rotate(-90 %d %d)\" x=\"%d\" y=\"%d\" "
		"text-anchor=\"middle\">latency (us)</text>\n", 30, c->y0 - c->plot_h / 2, 30,
		c->y0 - c->plot_h / 2);
	fprintf(c->f, "<text transform=\"rotate(90 %d %d)\" x=\"%d\" y=\"%d\" "
		"text-anchor=\"middle\" fill=\"%s\">throughput (req/s)</text>\n", xr + 75,
		c->y0 - c->plot_h / 2, xr + 75, c->y0 - c->plot_h / 2, SVG_RPS_TEXT);
}

/* The in-flight axis: a label under each depth's band. */
static void svg_x_axis(const struct chart *c)
{
	unsigned i;

	fprintf(c->f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000000\"/>\n",
		c->x0, c->y0, c->x0 + c->plot_w, c->y0);
	for (i = 0; i < c->sw->n; i++)
		fprintf(c->f, "<line class=\"xtick\" x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" "
			"stroke=\"#000000\"/><text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\">%u"
			"</text>\n", cx(c, i), c->y0, cx(c, i), c->y0 + 6, cx(c, i), c->y0 + 20,
			c->sw->pt[i].inflight);
	fprintf(c->f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">requests in flight</text>\n",
		c->x0 + c->plot_w / 2, c->y0 + 42);
}

/* Throughput: a bar per depth on the right axis' scale, its value above. */
static void svg_bars(const struct chart *c)
{
	unsigned i;

	for (i = 0; i < c->sw->n; i++) {
		const struct sweep_point *pt = &c->sw->pt[i];
		double h = pt->rps * c->px_rps, w = c->band * 0.5;

		fprintf(c->f, "<rect id=\"rps-%u\" class=\"rps\" x=\"%.2f\" y=\"%.2f\" "
			"width=\"%.2f\" height=\"%.2f\" fill=\"%s\" data-inflight=\"%u\" "
			"data-req-per-s=\"%.0f\"/><text x=\"%.2f\" y=\"%.2f\" font-size=\"11\" "
			"text-anchor=\"middle\" fill=\"%s\">%.0f/s</text>\n", pt->inflight,
			cx(c, i) - w / 2, c->y0 - h, w, h, SVG_RPS, pt->inflight, pt->rps,
			cx(c, i), c->y0 - h - 4, SVG_RPS_TEXT, pt->rps);
	}
}

/* A latency series: the line through its points, and a dot per depth. */
static void svg_series(const struct chart *c, const char *id, const char *colour, bool p99)
{
	unsigned i;

	fprintf(c->f, "<polyline id=\"line-%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
		"points=\"", id, colour);
	for (i = 0; i < c->sw->n; i++) {
		const struct sweep_point *pt = &c->sw->pt[i];

		fprintf(c->f, "%s%.2f,%.2f", i ? " " : "", cx(c, i),
			y_us(c, p99 ? pt->p99_us : pt->p50_us));
	}
	fprintf(c->f, "\"/>\n");
	for (i = 0; i < c->sw->n; i++) {
		const struct sweep_point *pt = &c->sw->pt[i];
		double us = p99 ? pt->p99_us : pt->p50_us;

		fprintf(c->f, "<circle id=\"%s-%u\" class=\"%s\" cx=\"%.2f\" cy=\"%.2f\" r=\"4\" "
			"fill=\"%s\" data-inflight=\"%u\" data-us=\"%.1f\"><title>%u in flight: "
			"%s %.1f us</title></circle>\n", id, pt->inflight, id, cx(c, i), y_us(c, us),
			colour, pt->inflight, us, pt->inflight, id, us);
	}
}

/* The sweep's chart into @f; false if it could not be written whole. */
static bool svg_write(FILE *f, const struct sweep *sw, unsigned devid)
{
	struct chart c;

	errno = 0;	/* what a failed write leaves is what svg_close says */
	chart_layout(&c, f, sw);
	svg_head(&c, devid);
	svg_legend(&c);
	svg_y_axes(&c);
	svg_x_axis(&c);
	svg_bars(&c);
	svg_series(&c, "p50", SVG_P50, false);
	svg_series(&c, "p99", SVG_P99, true);
	fprintf(f, "</svg>\n");
	return !ferror(f);
}

/* --svg FILE: opened before the run, so a bad path costs no benchmark. */
static FILE *svg_open(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		fprintf(stderr, "vgpufront: bench --svg '%s': %s\n", path, strerror(errno));
	return f;
}

static int svg_close(FILE *f, const char *path, bool ok)
{
	int err = 0;

	if (fclose(f) || !ok)
		err = errno ? errno : EIO;
	if (ok && !err)
		return 0;
	if (ok)
		fprintf(stderr, "vgpufront: bench --svg '%s': %s\n", path, strerror(err));
	remove(path);	/* no half chart left behind */
	return EXIT_FAILED;
}

/* The two requests bench times, over three 4 KiB buffers it fills. */
static int bench_requests(struct tool *t, struct vgpufront_buf *b[3],
			  struct vgpuif_request *nop, struct vgpuif_request *vadd)
{
	uint64_t seed = 7;
	unsigned i;
	int st = 0;

	for (i = 0; i < 3; i++) {
		b[i] = vgpufront_buf_alloc(t->dev, 4096, i < 2 ? VGPUFRONT_BUF_READONLY : 0, &st);
		if (!b[i])
			return tool_fail(t, "bench: buffer", st);
	}
	for (i = 0; i < 1024; i++) {
		((float *)b[0]->addr)[i] = tool_rnd(&seed);
		((float *)b[1]->addr)[i] = tool_rnd(&seed);
	}
	memset(nop, 0, sizeof(*nop));
	nop->op = VGPU_OP_NOP;
	memset(vadd, 0, sizeof(*vadd));
	vadd->op = VGPU_OP_VECTOR_ADD;
	vadd->u.vector_add.n = 1024;
	vadd->u.vector_add.a.handle = b[0]->handle;
	vadd->u.vector_add.b.handle = b[1]->handle;
	vadd->u.vector_add.c.handle = b[2]->handle;
	return 0;
}

/* Latency and throughput of a NOP and a 1K-float vadd; --svg: the sweep too. */
int cmd_bench(struct tool *t, const struct args *args)
{
	unsigned ring = vgpufront_ring_size(t->dev);
	unsigned k = args->k > ring ? ring : args->k;
	struct bench_result res[2] = { { "nop", "nop", 0, 0, 0 },
				       { "vadd 1K floats", "vadd_1k", 0, 0, 0 } };
	struct sweep sw = { .secs = args->secs };
	struct vgpufront_buf *b[3] = { NULL, NULL, NULL };
	struct vgpuif_request nop, vadd;
	FILE *svg = NULL;
	unsigned i;
	int rc;

	if (args->svg && !(svg = svg_open(args->svg)))
		return EXIT_FAILED;
	rc = bench_requests(t, b, &nop, &vadd);
	if (!rc)
		rc = bench_one(t, &nop, k, args->secs, &res[0]);
	if (!rc)
		rc = bench_one(t, &vadd, k, args->secs, &res[1]);
	if (!rc && svg)
		rc = sweep_run(t, &vadd, k, &sw);
	if (!rc && args->json)
		bench_json(res, k, args->secs, svg ? &sw : NULL);
	else if (!rc)
		bench_text(res, k, args->secs, svg ? &sw : NULL);
	if (svg && svg_close(svg, args->svg, !rc && svg_write(svg, &sw, t->devid)) && !rc)
		rc = EXIT_FAILED;
	for (i = 0; i < 3; i++)
		vgpufront_buf_free(t->dev, b[i]);
	return rc;
}
