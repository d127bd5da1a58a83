/* SPDX-License-Identifier: MIT */
/*
 * vgpuctl_control.c: vgpuctl_control.h.  One request line out, one JSON
 * answer back, parsed with yajl_tree; every key is looked up by name in its
 * own object, so a repeated key or a string holding '"', ',' or '}' cannot
 * be taken for another value.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <yajl/yajl_tree.h>

#include "vgpuctl_control.h"

#define ANSWER_MAX (64u << 20)	/* far above any real answer */

static int connect_to(const char *sock)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, e;

	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock) >=
	    (int)sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

/* Everything the daemon sends until it closes, NUL-terminated, in @out. */
static int read_all(int fd, char **out)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap), *nb;
	ssize_t n;

	while (buf && (n = recv(fd, buf + len, cap - len - 1, 0)) > 0) {
		len += (size_t)n;
		if (len + 1 < cap)
			continue;
		nb = cap < ANSWER_MAX ? realloc(buf, cap * 2) : NULL;
		if (!nb) {
			free(buf);
			return -ENOMEM;
		}
		buf = nb;
		cap *= 2;
	}
	if (!buf)
		return -ENOMEM;
	buf[len] = 0;
	*out = buf;
	return 0;
}

static int ask(const char *sock, const char *word, char **out)
{
	char line[64];
	int fd = connect_to(sock), rc;

	if (fd < 0)
		return fd;
	snprintf(line, sizeof(line), "%s\n", word);
	/* One send: the daemon answers the first line it reads, then closes. */
	if (send(fd, line, strlen(line), MSG_NOSIGNAL) < 0) {
		close(fd);
		return -EPIPE;
	}
	rc = read_all(fd, out);
	close(fd);
	return rc;
}

bool vc_backend_alive(const char *sock)
{
	char *out = NULL;

	if (ask(sock, "pools", &out))
		return false;
	free(out);
	return true;
}

/* Where a parse is: the first thing wrong is kept, the rest is skipped. */
struct vc_parse {
	char *err;
	size_t errlen;
	bool bad;
};

static void bad(struct vc_parse *p, const char *key, const char *want)
{
	if (!p->bad)
		snprintf(p->err, p->errlen, "\"%s\" is missing or not %s", key, want);
	p->bad = true;
}

static yajl_val field(struct vc_parse *p, yajl_val obj, const char *key,
		      yajl_type type, const char *want)
{
	const char *path[] = { key, NULL };
	yajl_val v;

	if (p->bad || !YAJL_IS_OBJECT(obj))
		return NULL;
	v = yajl_tree_get(obj, path, type);
	if (!v)
		bad(p, key, want);
	return v;
}

/* A whole number >= 0, exact over 64 bits (read from the number's text). */
static uint64_t num_u64(struct vc_parse *p, yajl_val v, const char *key)
{
	const char *s = YAJL_IS_NUMBER(v) ? YAJL_GET_NUMBER(v) : NULL;
	unsigned long long n;
	char *end;

	if (!s) {
		bad(p, key, "a whole number");
		return 0;
	}
	errno = 0;
	n = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end || errno) {
		bad(p, key, "a whole number");
		return 0;
	}
	return n;
}

static uint64_t get_u64(struct vc_parse *p, yajl_val obj, const char *key)
{
	yajl_val v = field(p, obj, key, yajl_t_number, "a whole number");

	return v ? num_u64(p, v, key) : 0;
}

/* As get_u64, 0 when @key is missing (a vgpuback of before it had none). */
static uint64_t opt_u64(struct vc_parse *p, yajl_val obj, const char *key)
{
	const char *path[] = { key, NULL };

	return yajl_tree_get(obj, path, yajl_t_any) ? get_u64(p, obj, key) : 0;
}

/* The list of numbers @key of @obj, at most @max of them, in @out; their count. */
static size_t get_u64s(struct vc_parse *p, yajl_val obj, const char *key, uint64_t *out,
		       size_t max)
{
	yajl_val v = field(p, obj, key, yajl_t_array, "a list");
	size_t i, n = v ? YAJL_GET_ARRAY(v)->len : 0;

	if (n > max) {
		bad(p, key, "a short enough list");
		return 0;
	}
	for (i = 0; i < n; i++)
		out[i] = num_u64(p, YAJL_GET_ARRAY(v)->values[i], key);
	return n;
}

static int64_t get_int(struct vc_parse *p, yajl_val obj, const char *key)
{
	yajl_val v = field(p, obj, key, yajl_t_number, "a whole number");

	if (v && !YAJL_IS_INTEGER(v)) {
		bad(p, key, "a whole number");
		return 0;
	}
	return v ? YAJL_GET_INTEGER(v) : 0;
}

static void get_str(struct vc_parse *p, yajl_val obj, const char *key, char *out,
		    size_t len)
{
	yajl_val v = field(p, obj, key, yajl_t_string, "a string");

	snprintf(out, len, "%s", v ? YAJL_GET_STRING(v) : "");
}

/*
 * The array @key of @top as @size-byte elements, each object read by @one;
 * @optional: a missing array is an empty one.  NULL when empty or bad.
 */
static void *get_list(struct vc_parse *p, yajl_val top, const char *key, bool optional,
		      size_t size, size_t *n,
		      void (*one)(struct vc_parse *p, yajl_val o, void *elem))
{
	const char *path[] = { key, NULL };
	yajl_val v = p->bad ? NULL : yajl_tree_get(top, path, yajl_t_array);
	char *list;
	size_t i;

	*n = 0;
	if (!v) {
		if (!optional)
			bad(p, key, "a list");
		return NULL;
	}
	if (!YAJL_GET_ARRAY(v)->len)
		return NULL;
	list = calloc(YAJL_GET_ARRAY(v)->len, size);
	if (!list) {
		bad(p, key, "a list that fits in memory");
		return NULL;
	}
	for (i = 0; i < YAJL_GET_ARRAY(v)->len && !p->bad; i++) {
		if (!YAJL_IS_OBJECT(YAJL_GET_ARRAY(v)->values[i]))
			bad(p, key, "a list of objects");
		else
			one(p, YAJL_GET_ARRAY(v)->values[i], list + i * size);
	}
	*n = YAJL_GET_ARRAY(v)->len;
	return list;
}

static void one_dev(struct vc_parse *p, yajl_val o, void *elem)
{
	struct vc_dev *d = elem;

	d->domid = get_u64(p, o, "domid");
	d->devid = get_u64(p, o, "devid");
	get_str(p, o, "pool", d->pool, sizeof(d->pool));
	get_str(p, o, "priority", d->priority, sizeof(d->priority));
	get_str(p, o, "state", d->state, sizeof(d->state));
	d->submitted = get_u64(p, o, "submitted");
	d->completed = get_u64(p, o, "completed");
	d->failed = get_u64(p, o, "failed");
	d->inflight = get_u64(p, o, "inflight");
	d->queued = get_u64(p, o, "queued");
	d->buffers = get_u64(p, o, "buffers");
	d->buffer_pages = get_u64(p, o, "buffer_pages");
	d->spurious = get_u64(p, o, "spurious");
	d->throttled = get_u64(p, o, "throttled");
	d->lat_p50_us = opt_u64(p, o, "lat_p50_us");
	d->lat_p99_us = opt_u64(p, o, "lat_p99_us");
}

/* Optional (a vgpuback of before had none); its buckets checked against the bounds. */
static void get_hist(struct vc_parse *p, yajl_val o, const char *key, struct vc_hist *h)
{
	const char *path[] = { key, NULL };
	yajl_val v = p->bad ? NULL : yajl_tree_get(o, path, yajl_t_object);

	if (!v)
		return;
	h->nbuckets = get_u64s(p, v, "buckets", h->bucket, VC_HIST_MAX);
	h->sum_ns = get_u64(p, v, "sum_ns");
	h->count = get_u64(p, v, "count");
}

static void one_stats_pool(struct vc_parse *p, yajl_val o, void *elem)
{
	struct vc_pool *pl = elem;

	get_str(p, o, "name", pl->name, sizeof(pl->name));
	pl->gpu = get_int(p, o, "gpu");
	pl->submitted = get_u64(p, o, "submitted");
	pl->completed = get_u64(p, o, "completed");
	get_hist(p, o, "request_time", &pl->request);
	get_hist(p, o, "queue_time", &pl->queue);
}

static void one_pool(struct vc_parse *p, yajl_val o, void *elem)
{
	struct vc_pool *pl = elem;

	get_str(p, o, "name", pl->name, sizeof(pl->name));
	pl->gpu = get_int(p, o, "gpu");
	pl->devices = get_u64(p, o, "devices");
}

static void one_gpu(struct vc_parse *p, yajl_val o, void *elem)
{
	struct vc_gpu *g = elem;

	g->index = get_u64(p, o, "index");
	get_str(p, o, "name", g->name, sizeof(g->name));
	g->mem_total = get_u64(p, o, "mem_total");
	g->mem_used = get_u64(p, o, "mem_used");
	g->inflight = get_u64(p, o, "inflight");
}

/* Ask @word and parse the answer into @top: 0, -errno, or -EPROTO (why in @p). */
static int ask_tree(const char *sock, const char *word, struct vc_parse *p, yajl_val *top)
{
	char *out = NULL, why[128] = "";
	const char *path[] = { "error", NULL };
	yajl_val e;
	int rc = ask(sock, word, &out);

	if (rc)
		return rc;
	*top = yajl_tree_parse(out, why, sizeof(why));
	free(out);
	if (!*top || !YAJL_IS_OBJECT(*top)) {
		why[strcspn(why, "\n")] = 0;
		snprintf(p->err, p->errlen, "not a JSON object%s%s", *top ? "" : ": ",
			 *top ? "" : why);
		yajl_tree_free(*top);
		return -EPROTO;
	}
	e = yajl_tree_get(*top, path, yajl_t_string);
	if (e) {
		snprintf(p->err, p->errlen, "error: %s", YAJL_GET_STRING(e));
		yajl_tree_free(*top);
		return -EPROTO;
	}
	return 0;
}

static yajl_val get_map(struct vc_parse *p, yajl_val obj, const char *key)
{
	return field(p, obj, key, yajl_t_object, "an object");
}

static void stats_numbers(struct vc_parse *p, yajl_val top, struct vc_stats *st)
{
	yajl_val q, lat, res;

	get_str(p, top, "executor", st->executor, sizeof(st->executor));
	st->slots = get_u64(p, top, "slots");
	st->inflight = get_u64(p, top, "inflight");
	q = get_map(p, top, "queued");
	st->queued_high = get_u64(p, q, "high");
	st->queued_medium = get_u64(p, q, "medium");
	st->queued_low = get_u64(p, q, "low");
	lat = get_map(p, top, "latency_us");
	st->lat_count = get_u64(p, lat, "count");
	st->queue_p50 = get_u64(p, lat, "queue_p50");
	st->queue_p99 = get_u64(p, lat, "queue_p99");
	st->exec_p50 = get_u64(p, lat, "exec_p50");
	st->exec_p99 = get_u64(p, lat, "exec_p99");
	res = get_map(p, top, "resources");
	st->jobs = get_u64(p, res, "jobs");
	st->buffers = get_u64(p, res, "buffers");
	st->mappings = get_u64(p, res, "mappings");
	st->allocations = opt_u64(p, res, "allocations");	/* protocol 2 on */
	st->mem_bytes = opt_u64(p, res, "mem_bytes");
	st->modules = opt_u64(p, res, "modules");
}

/* The histograms' bounds (optional, as the histograms) and their buckets agree. */
static void stats_hists(struct vc_parse *p, yajl_val top, struct vc_stats *st)
{
	const char *path[] = { "buckets_us", NULL };
	size_t i;

	if (!p->bad && yajl_tree_get(top, path, yajl_t_array))
		st->nbounds = get_u64s(p, top, "buckets_us", st->bounds_us, VC_HIST_MAX - 1);
	for (i = 0; i < st->npools && !p->bad; i++) {
		if (st->pools[i].request.nbuckets &&
		    st->pools[i].request.nbuckets != st->nbounds + 1)
			bad(p, "request_time", "one bucket more than buckets_us");
		if (st->pools[i].queue.nbuckets && st->pools[i].queue.nbuckets != st->nbounds + 1)
			bad(p, "queue_time", "one bucket more than buckets_us");
	}
}

int vc_get_stats(const char *sock, struct vc_stats *st, char *err, size_t errlen)
{
	struct vc_parse p = { err, errlen, false };
	yajl_val top;
	int rc;

	memset(st, 0, sizeof(*st));
	rc = ask_tree(sock, "stats", &p, &top);
	if (rc)
		return rc;
	stats_numbers(&p, top, st);
	st->devs = get_list(&p, top, "domains", false, sizeof(*st->devs), &st->ndevs, one_dev);
	st->pools = get_list(&p, top, "pools", false, sizeof(*st->pools), &st->npools,
			     one_stats_pool);
	/* Optional: a vgpuback of before the list had none. */
	st->gpus = get_list(&p, top, "gpus", true, sizeof(*st->gpus), &st->ngpus, one_gpu);
	stats_hists(&p, top, st);
	yajl_tree_free(top);
	if (!p.bad)
		return 0;
	vc_stats_free(st);
	return -EPROTO;
}

int vc_get_pools(const char *sock, struct vc_pools *pl, char *err, size_t errlen)
{
	struct vc_parse p = { err, errlen, false };
	yajl_val top;
	int rc;

	memset(pl, 0, sizeof(*pl));
	rc = ask_tree(sock, "pools", &p, &top);
	if (rc)
		return rc;
	pl->pools = get_list(&p, top, "pools", false, sizeof(*pl->pools), &pl->npools,
			     one_pool);
	yajl_tree_free(top);
	if (!p.bad)
		return 0;
	vc_pools_free(pl);
	return -EPROTO;
}

void vc_stats_free(struct vc_stats *st)
{
	free(st->devs);
	free(st->pools);
	free(st->gpus);
	memset(st, 0, sizeof(*st));
}

void vc_pools_free(struct vc_pools *pl)
{
	free(pl->pools);
	memset(pl, 0, sizeof(*pl));
}
