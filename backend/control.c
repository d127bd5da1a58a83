/* SPDX-License-Identifier: MIT */
/*
 * control.c: the control socket vgpuctl talks to.  A client sends one line
 * ("stats", "pools" or "devices"); the daemon answers one JSON object and
 * closes.  Served inline: the answer is small and built from memory.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <xen/io/xenbus.h>

#include "vgpu_names.h"
#include "vgpuback.h"

struct out {
	char *buf;
	size_t len, cap;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (o->len + (size_t)n < o->cap) {
			o->len += (size_t)n;
			return;
		}
		o->cap = (o->cap + (size_t)n) * 2;
		o->buf = realloc(o->buf, o->cap);
		if (!o->buf) {
			o->cap = o->len = 0;
			return;
		}
	}
}

static const char *state_name(int s)
{
	static const char *const n[] = {
		"Unknown", "Initialising", "InitWait", "Initialised",
		"Connected", "Closing", "Closed", "Reconfiguring", "Reconfigured",
	};

	return s >= 0 && s <= 8 ? n[s] : "?";
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double pct(const uint32_t *samples, unsigned n, unsigned p)
{
	uint32_t *s;
	double v;

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

static void devices_json(struct vgpuback *bk, struct out *o, bool stats)
{
	struct vgpu_dev *d;
	bool first = true;

	for (d = bk->devs; d; d = d->next) {
		if (d->dead)
			continue;
		put(o, "%s{\"domid\":%u,\"devid\":%u,\"pool\":\"%s\",\"priority\":\"%s\","
		    "\"state\":\"%s\"", first ? "" : ",", d->domid, d->devid,
		    d->pool >= 0 ? bk->cfg.exec.pools[d->pool] : "",
		    vgpu_prio_name(d->prio), state_name(d->state));
		if (stats) {
			unsigned queued = 0, i;

			for (i = 0; i < bk->sched.n; i++)
				queued += bk->sched.heap[i]->owner == d;
			put(o, ",\"submitted\":%llu,\"completed\":%llu,\"failed\":%llu,"
			    "\"inflight\":%u,\"queued\":%u,\"buffers\":%u,\"buffer_pages\":%llu",
			    (unsigned long long)d->submitted, (unsigned long long)d->completed,
			    (unsigned long long)d->failed, d->inflight, queued, d->nbufs,
			    (unsigned long long)d->buf_pages);
			/* Notifications that brought no request, and how many were held. */
			put(o, ",\"spurious\":%llu,\"throttled\":%llu",
			    (unsigned long long)d->storm.spurious,
			    (unsigned long long)d->storm.throttles);
		}
		put(o, "}");
		first = false;
	}
}

static void answer(struct vgpuback *bk, const char *cmd, struct out *o)
{
	unsigned i;

	if (!strcmp(cmd, "devices")) {
		put(o, "{\"devices\":[");
		devices_json(bk, o, false);
		put(o, "]}\n");
	} else if (!strcmp(cmd, "pools")) {
		put(o, "{\"pools\":[");
		for (i = 0; i < bk->cfg.exec.npools; i++) {
			struct vgpu_dev *d;
			unsigned n = 0;

			for (d = bk->devs; d; d = d->next)
				n += !d->dead && d->pool == (int)i;
			put(o, "%s{\"name\":\"%s\",\"gpu\":%d,\"devices\":%u}", i ? "," : "",
			    bk->cfg.exec.pools[i], bk->cfg.exec.pool_gpu[i], n);
		}
		put(o, "]}\n");
	} else if (!strcmp(cmd, "stats")) {
		struct vgpuif_query_result q;
		unsigned n = bk->lat_count < LAT_SAMPLES ? (unsigned)bk->lat_count : LAT_SAMPLES;

		memset(&q, 0, sizeof(q));
		bk->ex->ops->query(bk->ex, &q, NULL, 0);
		put(o, "{\"executor\":\"%s\",\"slots\":%u,\"inflight\":%u,"
		    "\"queued\":{\"high\":%u,\"medium\":%u,\"low\":%u},\"domains\":[",
		    bk->exops->name, q.slots, bk->ex->ops->inflight(bk->ex),
		    bk->sched.per_prio[0], bk->sched.per_prio[1], bk->sched.per_prio[2]);
		devices_json(bk, o, true);
		put(o, "],\"pools\":[");
		for (i = 0; i < bk->cfg.exec.npools; i++)
			put(o, "%s{\"name\":\"%s\",\"gpu\":%d,\"submitted\":%llu,\"completed\":%llu}",
			    i ? "," : "", bk->cfg.exec.pools[i], bk->cfg.exec.pool_gpu[i],
			    (unsigned long long)bk->pool_submitted[i],
			    (unsigned long long)bk->pool_completed[i]);
		put(o, "],\"latency_us\":{\"count\":%llu,\"queue_p50\":%.0f,\"queue_p99\":%.0f,"
		    "\"exec_p50\":%.0f,\"exec_p99\":%.0f},",
		    (unsigned long long)bk->lat_count, pct(bk->lat_queue_us, n, 50),
		    pct(bk->lat_queue_us, n, 99), pct(bk->lat_exec_us, n, 50),
		    pct(bk->lat_exec_us, n, 99));
		put(o, "\"gpus\":[],\"resources\":{\"jobs\":%llu,\"buffers\":%llu,"
		    "\"mappings\":%llu}}\n", (unsigned long long)bk->live_jobs,
		    (unsigned long long)bk->live_buffers,
		    (unsigned long long)bk->live_mappings);
	} else {
		put(o, "{\"error\":\"unknown command; try stats, pools or devices\"}\n");
	}
}

int control_open(struct vgpuback *bk)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[256], *slash;
	int fd;

	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", bk->cfg.control_socket) >=
	    (int)sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	snprintf(dir, sizeof(dir), "%s", bk->cfg.control_socket);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		mkdir(dir, 0755);
	}
	unlink(sa.sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 16)) {
		int e = -errno;

		close(fd);
		return e;
	}
	chmod(sa.sun_path, 0600);
	return fd;
}

void control_serve(struct vgpuback *bk)
{
	struct timeval tv = { .tv_sec = 1, .tv_usec = 0 };
	struct out o = { NULL, 0, 0 };
	char line[64];
	ssize_t n;
	int fd = accept4(bk->control_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	/* A client that says nothing cannot hold the loop long. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	n = recv(fd, line, sizeof(line) - 1, 0);
	if (n > 0) {
		line[n] = 0;
		line[strcspn(line, "\r\n")] = 0;
		answer(bk, line, &o);
		if (o.buf && send(fd, o.buf, o.len, MSG_NOSIGNAL) < 0)
			vlog(LOG_DEBUG, "control: client went away");
	}
	free(o.buf);
	close(fd);
}
