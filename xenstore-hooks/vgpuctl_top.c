/* SPDX-License-Identifier: MIT */
/*
 * vgpuctl_top.c: vgpuctl top, a live view of vgpuback (vgpuctl(8)): its
 * options, each frame's data (stats, domain names, rates, the sort) and the
 * ways to show frames: a curses screen with keys, -b plain text, or -b
 * --json a JSON object per frame.  The lines themselves:
 * vgpuctl_top_render.c; the JSON: vgpuctl_top_json.c.
 */
#include "config.h"

#include <ctype.h>
#include <getopt.h>
#include <locale.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curses.h>

#include "vgpu_clock.h"
#include "vgpu_names.h"
#include "vgpu_xs.h"
#include "vgpuctl.h"
#include "vgpuctl_control.h"
#include "vgpuctl_top.h"

enum key_kind { K_DOMID, K_NAME, K_STR, K_PRIO, K_U64, K_RATE };

struct top_key {
	const char *name;
	int letter;			/* its key in the live view */
	enum key_kind kind;
	size_t off;			/* K_STR, K_U64: the field in vc_dev */
};

#define DEV(f) offsetof(struct vc_dev, f)
static const struct top_key keys[] = {
	{ "domid", 'D', K_DOMID, 0 }, { "name", 'N', K_NAME, 0 },
	{ "pool", 'P', K_STR, DEV(pool) }, { "prio", 'I', K_PRIO, 0 },
	{ "state", 'S', K_STR, DEV(state) }, { "queued", 'Q', K_U64, DEV(queued) },
	{ "inflight", 'U', K_U64, DEV(inflight) }, { "done", 'C', K_U64, DEV(completed) },
	{ "failed", 'F', K_U64, DEV(failed) }, { "rate", 'R', K_RATE, 0 },
	{ "p50", 'M', K_U64, DEV(lat_p50_us) }, { "p99", 'L', K_U64, DEV(lat_p99_us) },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

struct top {
	struct vgpuctl *c;
	double delay_s;
	unsigned long limit;		/* frames to show, 0: no end */
	bool batch;
	bool json;			/* --json: JSON Lines, implies batch */
	size_t key;			/* index in keys[] */
	struct top_frame cur, prev;
	uint64_t cur_ns, prev_ns;
};

static const struct top_key *sort_key;	/* for qsort's comparator */

static uint64_t dev_u64(const struct vc_dev *d, size_t off)
{
	return *(const uint64_t *)((const char *)d + off);
}

static int cmp_key(const struct top_row *a, const struct top_row *b)
{
	const struct vc_dev *x = a->d, *y = b->d;

	switch (sort_key->kind) {
	case K_NAME: return strcmp(a->name, b->name);
	case K_STR: return strcmp((const char *)x + sort_key->off,
				  (const char *)y + sort_key->off);
	case K_PRIO: return vgpu_prio_parse(x->priority) - vgpu_prio_parse(y->priority);
	case K_RATE: return (b->rate > a->rate) - (b->rate < a->rate);
	case K_U64: return (dev_u64(y, sort_key->off) > dev_u64(x, sort_key->off)) -
			   (dev_u64(y, sort_key->off) < dev_u64(x, sort_key->off));
	default: return 0;
	}
}

/* The key's order (numbers: most first), then domid and devid. */
static int cmp_rows(const void *pa, const void *pb)
{
	const struct top_row *a = pa, *b = pb;
	int r = cmp_key(a, b);

	if (r)
		return r;
	if (a->d->domid != b->d->domid)
		return a->d->domid < b->d->domid ? -1 : 1;
	return (a->d->devid > b->d->devid) - (a->d->devid < b->d->devid);
}

static void sort_rows(struct top *t)
{
	sort_key = &keys[t->key];
	t->cur.sort = sort_key->name;
	if (t->cur.up && t->cur.st.ndevs)
		qsort(t->cur.rows, t->cur.st.ndevs, sizeof(*t->cur.rows), cmp_rows);
}

static void frame_free(struct top_frame *f)
{
	if (f->up)
		vc_stats_free(&f->st);
	free(f->rows);
	memset(f, 0, sizeof(*f));
}

static void domain_name(struct top *t, uint64_t domid, char *out, size_t len)
{
	char dir[48], *nm = NULL;

	snprintf(dir, sizeof(dir), "/local/domain/%llu", (unsigned long long)domid);
	if (t->c->xs)
		nm = vgpu_xs_read(t->c->xs, XBT_NULL, dir, "name");
	vgpuctl_clean(nm, out, len, "-");
	free(nm);
}

/* Completed per second since the last frame, when the device was in it. */
static void row_rate(struct top *t, struct top_row *r)
{
	double dt = (double)(t->cur_ns - t->prev_ns) / 1e9;
	size_t i;

	for (i = 0; t->prev.up && dt > 0 && i < t->prev.st.ndevs; i++) {
		const struct vc_dev *p = &t->prev.st.devs[i];

		if (p->domid != r->d->domid || p->devid != r->d->devid)
			continue;
		r->have_rate = true;
		if (r->d->completed >= p->completed)
			r->rate = (double)(r->d->completed - p->completed) / dt;
		return;
	}
}

/* Ask vgpuback for the next frame; the last one stays for the rates. */
static void frame_next(struct top *t)
{
	struct top_frame *f = &t->cur;
	size_t i;

	frame_free(&t->prev);
	t->prev = t->cur;
	t->prev_ns = t->cur_ns;
	memset(f, 0, sizeof(*f));
	f->count = t->prev.count + 1;
	t->cur_ns = vgpu_now_ns();
	f->up = !vc_get_stats(t->c->sock, &f->st, f->why, sizeof(f->why));
	if (!f->up && !f->why[0])
		snprintf(f->why, sizeof(f->why), "cannot reach %s", t->c->sock);
	if (f->up && f->st.ndevs)
		f->rows = calloc(f->st.ndevs, sizeof(*f->rows));
	if (f->up && f->st.ndevs && !f->rows) {
		vc_stats_free(&f->st);
		f->up = false;
		snprintf(f->why, sizeof(f->why), "out of memory");
	}
	for (i = 0; f->up && i < f->st.ndevs; i++) {
		f->rows[i].d = &f->st.devs[i];
		domain_name(t, f->st.devs[i].domid, f->rows[i].name, sizeof(f->rows[i].name));
		row_rate(t, &f->rows[i]);
	}
	sort_rows(t);
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - floor(s)) * 1e9) };

	while (nanosleep(&ts, &ts))
		;
}

static void batch_line(void *arg, int row, const char *line)
{
	(void)arg;
	(void)row;
	puts(line);
}

/*
 * top -b: frames as plain text, a blank line between them; with --json a
 * JSON object per frame, one a line, nothing between them (JSON Lines).
 */
static int run_batch(struct top *t)
{
	unsigned long i;

	for (i = 0; !t->limit || i < t->limit; i++) {
		if (i) {
			sleep_s(t->delay_s);
			if (!t->json)
				putchar('\n');
		}
		frame_next(t);
		if (!t->json)
			top_render(&t->cur, batch_line, NULL);
		else if (!top_json(&t->cur))
			return EXIT_FAILED;
		fflush(stdout);
	}
	return t->cur.up ? 0 : EXIT_NOBACKEND;
}

static void screen_line(void *arg, int row, const char *line)
{
	(void)arg;
	if (row < LINES - 1)
		mvaddnstr(row, 0, line, COLS);
}

static void screen_draw(struct top *t)
{
	erase();
	top_render(&t->cur, screen_line, NULL);
	mvaddnstr(LINES - 1, 0, "q quit  s next sort key  D N P I S Q U C F R M L sort by "
		  "domid name pool prio state queued inflight done failed rate p50 p99", COLS);
	refresh();
}

/* A key: true for q; a sort key re-sorts and redraws the frame at once. */
static bool screen_key(struct top *t, int ch)
{
	size_t i;

	if (ch == 'q')
		return true;
	if (ch == 's') {
		t->key = (t->key + 1) % NKEYS;
	} else {
		for (i = 0; i < NKEYS && keys[i].letter != ch; i++)
			;
		if (i == NKEYS && ch != KEY_RESIZE)
			return false;
		if (i < NKEYS)
			t->key = i;
	}
	sort_rows(t);
	screen_draw(t);
	return false;
}

/* Keys until the next frame is due; true when the user quits. */
static bool screen_wait(struct top *t)
{
	uint64_t due = vgpu_now_ns() + (uint64_t)(t->delay_s * 1e9), now;

	while ((now = vgpu_now_ns()) < due) {
		int ms = (int)((due - now + 999999) / 1000000);

		timeout(ms);
		if (screen_key(t, getch()))
			return true;
	}
	return false;
}

static int run_screen(struct top *t)
{
	unsigned long i;

	setlocale(LC_ALL, "");
	if (!initscr()) {
		fprintf(stderr, "vgpuctl: top: cannot start the screen (TERM?); try -b\n");
		return EXIT_FAILED;
	}
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	for (i = 0; !t->limit || i < t->limit; i++) {
		if (i && screen_wait(t))
			break;
		frame_next(t);
		screen_draw(t);
	}
	endwin();
	return 0;
}

static bool parse_delay(const char *val, double *out)
{
	char *end;
	double d = strtod(val, &end);

	if (*val && !*end && isfinite(d) && d >= 0.1 && d <= 86400) {
		*out = d;
		return true;
	}
	fprintf(stderr, "vgpuctl: top: -d '%s': want seconds, 0.1-86400 (fractions allowed)\n",
		val);
	return false;
}

static bool parse_key(const char *val, size_t *out)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (!strcmp(val, keys[i].name)) {
			*out = i;
			return true;
		}
	fprintf(stderr, "vgpuctl: top: -s '%s': want one of domid, name, pool, prio, state, "
		"queued, inflight, done, failed, rate, p50, p99\n", val);
	return false;
}

static bool parse_frames(const char *val, unsigned long *out)
{
	if (!vgpu_parse_ulong(val, 1000000, out) && *out)
		return true;
	fprintf(stderr, "vgpuctl: top: -n '%s': want a whole number of frames 1-1000000\n",
		val);
	return false;
}

/* The one line for a bad option or argument; the exit status. */
static int top_usage(const char *what, const char *arg)
{
	fprintf(stderr, "vgpuctl: top: %s '%s' (options: -b, -n FRAMES, -d SECONDS, -s KEY, "
		"-j/--json)\n", what, arg);
	return EXIT_USAGE;
}

static int parse_top(struct top *t, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	optind = 0;	/* argv[0] is the command's name: from argv[1] on, again */
	opterr = 0;
	while ((o = getopt_long(argc, argv, "+:bjn:d:s:", opts, NULL)) != -1) {
		if (o == 'b')
			t->batch = true;
		else if (o == 'j')
			t->json = true;
		else if (o == 'n' && !parse_frames(optarg, &t->limit))
			return EXIT_USAGE;
		else if (o == 'd' && !parse_delay(optarg, &t->delay_s))
			return EXIT_USAGE;
		else if (o == 's' && !parse_key(optarg, &t->key))
			return EXIT_USAGE;
		else if (o == ':')
			return top_usage("option wants a value", argv[optind - 1]);
		else if (o == '?')
			return top_usage("unknown option", argv[optind - 1]);
	}
	if (optind < argc)
		return top_usage("takes no argument, got", argv[optind]);
	return 0;
}

int vgpuctl_top(struct vgpuctl *c, int argc, char **argv)
{
	struct top t = { .c = c, .delay_s = 1.0, .json = c->json };
	int rc = parse_top(&t, argc + 1, argv - 1);

	if (rc)
		return rc;
	/* JSON is for scripts: never on a curses screen, so it means batch mode. */
	if (t.json)
		t.batch = true;
	vgpuctl_xs(c);	/* names: "-" without XenStore, said once, before the screen */
	rc = t.batch ? run_batch(&t) : run_screen(&t);
	frame_free(&t.cur);
	frame_free(&t.prev);
	return rc;
}
