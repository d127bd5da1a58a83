/* SPDX-License-Identifier: MIT */
/*
 * vgpu-kern-events.c: the `events` sub-test of vgpu-kern, on any executor.
 * Events recorded around a memset of 64 MiB on a stream: complete only
 * once their record ran, elapsed times that agree with the guest's own
 * clock (and, with --delay-us D, vgpuback's --cpu-delay-us, at least the
 * one job between them), the refusals CUDA gives (never recorded, timing
 * off, not complete), destroy with a record in flight, and --max-events.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "vgpu-kern.h"
#include "vgpu_clock.h"

#define EV_BIG (64u << 20)

/* Queue a RECORD of @e on @stream (answered later): its id, 0 if not sent. */
static uint64_t queue_record(struct kctx *c, uint32_t s, uint64_t e, uint32_t stream)
{
	struct vgpuif_request q;

	kreq(&q, VGPU_OP_EVENT_RECORD, s);
	q.u.event.event = e;
	q.u.event.stream = stream;
	return vgpufront_submit(c->dev, &q) ? 0 : q.id;
}

static uint64_t queue_memset(struct kctx *c, uint32_t s, uint32_t stream, uint64_t d)
{
	struct vgpuif_request q;

	kreq(&q, VGPU_OP_MEMSET, s);
	q.u.memset = (struct vgpuif_memset_req){ .dptr = d, .count = EV_BIG, .value = 5,
						 .elem = 1, .stream = stream };
	return vgpufront_submit(c->dev, &q) ? 0 : q.id;
}

/* Wait for @n answers: how many were VGPU_OK. */
static unsigned drain(struct kctx *c, unsigned n)
{
	struct vgpuif_response r[8];
	unsigned got = 0, ok = 0;
	int k, i;

	while (got < n && (k = vgpufront_poll(c->dev, r, 8, 30000)) > 0)
		for (i = 0; i < k; i++, got++)
			ok += r[i].status == VGPU_OK;
	return ok;
}

/* Query @e: @want is 1 (complete), 0 (not yet) or a status. */
static void query(struct kctx *c, uint32_t s, uint64_t e, int want, const char *what)
{
	int done = -1, rc = vgpufront_event_query(c->dev, s, e, &done);

	if (want < 0 || rc)
		kexpect(c, rc, want, what);
	else
		kcheck(c, done == want, "%s: complete=%d", what, done);
}

/* An event never recorded: complete, nothing to time. */
static void never_recorded(struct kctx *c, uint32_t s)
{
	uint64_t e = 0;
	int64_t ns;

	if (!kexpect(c, vgpufront_event_create(c->dev, s, 0, &e), 0, "event create"))
		return;
	query(c, s, e, 1, "query of an event never recorded: complete");
	kexpect(c, vgpufront_event_synchronize(c->dev, s, e), 0, "its synchronize returns");
	kexpect(c, vgpufront_event_elapsed(c->dev, s, e, e, &ns), E(EINVAL),
		"elapsed of an event never recorded");
	kexpect(c, vgpufront_event_destroy(c->dev, s, e), 0, "destroy it");
}

/* e1, 64 MiB memset, e2, e3 (no timing) on stream @a: times and states. */
static void timed(struct kctx *c, uint32_t s, uint32_t a, uint64_t d, bool cpu)
{
	uint64_t e1 = 0, e2 = 0, e3 = 0;
	int64_t ns = 0, back = 0, t0, wall;
	unsigned sent;

	if (vgpufront_event_create(c->dev, s, 0, &e1) || vgpufront_event_create(c->dev, s, 0, &e2) ||
	    !kexpect(c, vgpufront_event_create(c->dev, s, VGPU_EVENT_F_DISABLE_TIMING, &e3), 0,
		     "three events, one without timing"))
		return;
	t0 = (int64_t)vgpu_now_ns();
	sent = !!queue_record(c, s, e1, a);	/* in this order: one statement each */
	sent += !!queue_memset(c, s, a, d);
	sent += !!queue_record(c, s, e2, a);
	sent += !!queue_record(c, s, e3, a);
	if (cpu) {	/* every job takes --cpu-delay-us: these are still queued */
		query(c, s, e2, 0, "e2 queued behind the memset: not complete");
		kexpect(c, vgpufront_event_elapsed(c->dev, s, e1, e2, &ns), E(ENOTREADY),
			"elapsed before e2 is complete");
	}
	kexpect(c, vgpufront_event_synchronize(c->dev, s, e2), 0, "synchronize e2");
	wall = (int64_t)vgpu_now_ns() - t0;
	query(c, s, e2, 1, "then e2 is complete");
	query(c, s, e1, 1, "and e1, recorded before it on the stream");
	kcheck(c, drain(c, 4) == 4 && sent == 4, "the 4 queued requests answered VGPU_OK");
	if (kexpect(c, vgpufront_event_elapsed(c->dev, s, e1, e2, &ns), 0, "elapsed e1 to e2") &&
	    kexpect(c, vgpufront_event_elapsed(c->dev, s, e2, e1, &back), 0, "elapsed e2 to e1")) {
		kcheck(c, ns > 0 && ns <= wall, "0 < e1 to e2 (%" PRId64 " ns) <= the guest's "
		       "own time from the first record to synchronize (%" PRId64 " ns)", ns, wall);
		kcheck(c, llabs(ns + back) <= 1000, "e2 to e1 is its negative (%" PRId64 ")", back);
		if (c->delay_us)
			kcheck(c, ns >= (int64_t)c->delay_us * 1000, "at least the memset's "
			       "%u us between them: %" PRId64 " ns", c->delay_us, ns);
	}
	kexpect(c, vgpufront_event_synchronize(c->dev, s, e3), 0, "synchronize e3");
	kexpect(c, vgpufront_event_elapsed(c->dev, s, e1, e3, &ns), E(EINVAL),
		"elapsed with an event made without timing");
	vgpufront_event_destroy(c->dev, s, e1);
	vgpufront_event_destroy(c->dev, s, e2);
	vgpufront_event_destroy(c->dev, s, e3);
}

/* Destroyed with its record in flight: the record still completes. */
static void destroy_inflight(struct kctx *c, uint32_t s, uint32_t a, uint64_t d)
{
	uint64_t e = 0;
	unsigned sent;

	if (vgpufront_event_create(c->dev, s, 0, &e))
		return;
	sent = !!queue_memset(c, s, a, d);
	sent += !!queue_record(c, s, e, a);
	kexpect(c, vgpufront_event_destroy(c->dev, s, e), 0, "destroy with its record queued");
	kcheck(c, sent == 2 && drain(c, 2) == 2, "the memset and the record still complete");
	query(c, s, e, E(ENOENT), "query of the destroyed event");
	kexpect(c, vgpufront_event_record(c->dev, s, e, 0), E(ENOENT), "record of it");
	kexpect(c, vgpufront_event_destroy(c->dev, s, e), E(ENOENT), "destroy it again");
}

/* What the backend refuses, with CUDA's reasons. */
static void refusals(struct kctx *c, uint32_t s)
{
	struct vgpuif_request q;
	uint64_t e = 0, tmp;
	uint32_t s2;

	if (vgpufront_event_create(c->dev, s, 0, &e))
		return;
	kexpect(c, vgpufront_event_create(c->dev, s, 0x4, &tmp), E(EINVAL),
		"create with an interprocess flag");
	kexpect(c, vgpufront_event_record(c->dev, s, e, 999), E(ENOENT), "record on a stream never made");
	kexpect(c, vgpufront_event_record(c->dev, s, 0, 0), E(ENOENT), "record of event 0");
	kreq(&q, VGPU_OP_EVENT_SYNC, s);
	q.u.event.event = e;
	q.u.event.stream = 1;
	kexpect(c, kcall(c, &q, NULL), E(EINVAL), "synchronize naming a stream");
	kreq(&q, VGPU_OP_EVENT_RECORD, s);
	q.u.event.event = e;
	q.u.event.flags = 1;
	kexpect(c, kcall(c, &q, NULL), E(EINVAL), "record with flags");
	if (kexpect(c, vgpufront_session_open(c->dev, 0, &s2), 0, "a second session")) {
		kexpect(c, vgpufront_event_record(c->dev, s2, e, 0), E(ENOENT),
			"record of the first session's event");
		kexpect(c, vgpufront_event_destroy(c->dev, s2, e), E(ENOENT), "destroy it there");
		kexpect(c, vgpufront_session_close(c->dev, s2), 0, "close it");
	}
	kexpect(c, vgpufront_event_destroy(c->dev, s, e), 0, "destroy in its own session");
}

/* --max-events, and the count given back when a session with records queued closes. */
static void bounds(struct kctx *c, uint32_t s, uint32_t a, uint64_t d)
{
	uint64_t e = 0, first = 0;
	unsigned n;
	int rc;

	for (n = 0; !(rc = vgpufront_event_create(c->dev, s, 0, &e)); n++)
		if (!first)
			first = e;
	kcheck(c, rc == E(ENOMEM) && c->max_events && n == c->max_events,
	       "events up to --max-events %u: %u, then VGPU_ENOMEM", c->max_events, n);
	kcheck(c, first && queue_memset(c, s, a, d) && queue_record(c, s, first, a),
	       "a record queued behind a memset");	/* && sequences them */
	kexpect(c, vgpufront_session_close(c->dev, s), 0, "close the session with it queued");
	kcheck(c, drain(c, 2) == 2, "both still complete");
	if (kexpect(c, vgpufront_session_open(c->dev, 0, &s), 0, "a new session")) {
		kexpect(c, vgpufront_event_create(c->dev, s, 0, &e), 0, "its event: the count came back");
		kexpect(c, vgpufront_session_close(c->dev, s), 0, "session close");
	}
}

void t_events(struct kctx *c)
{
	struct vgpuif_query_result qr;
	uint64_t d = 0;
	uint32_t s, a = 0;
	bool cpu;

	if (!kexpect(c, vgpufront_session_open(c->dev, 0, &s), 0, "session open") ||
	    !kexpect(c, vgpufront_stream_create(c->dev, s, &a), 0, "stream A") ||
	    !kexpect(c, vgpufront_mem_alloc(c->dev, s, EV_BIG, &d), 0, "alloc 64 MiB"))
		return;
	cpu = !vgpufront_query(c->dev, &qr, NULL, 0) && qr.executor == VGPU_EXEC_CPU;
	never_recorded(c, s);
	timed(c, s, a, d, cpu);
	destroy_inflight(c, s, a, d);
	refusals(c, s);
	bounds(c, s, a, d);
}
