/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: vgpuback's stateful core.  The input is a sequence of
 * steps a toolstack, two guests and an executor take; they drive the real
 * xenbus.c (state machine), interface.c (connect/disconnect), wakeup.c,
 * datapath.c (ring service, dispatch, reap), buffers.c and mapper.c (buffer
 * table, refcounts, limits, mapping) and scheduler.c against
 * the fakes of fuzz_backend_stubs.c.  After every step the harness checks,
 * from its own bookkeeping where it can:
 *   - live grant mappings = connected rings + attached buffers, and
 *     vgpuback's own counters agree; event channels = connected devices;
 *   - each buffer's refcount = its registration + the jobs that use it; a
 *     job is never submitted or run with a buffer that is gone (the stub
 *     executor reads and writes the mapped pages: an unmapped one faults);
 *   - per-device buffer count, per-domain registered pages, the host cap,
 *     per-domain jobs in flight, and dev->inflight = jobs of the connection;
 *   - the queue is a heap on (priority, arrival) and dispatch takes its
 *     minimum, first-in first-out within a priority;
 *   - each response a guest reads answers one request it has outstanding,
 *     once, with its op and a status in range (and a + b for SCALAR_ADD);
 *     a waiting guest was notified; a backend never stalls with requests
 *     an honest guest pushed;
 *   - at the end, after xenbus_shutdown and the last reap: no device, job,
 *     buffer, mapping or event channel left (and ASan's leak check).
 * XenStore changes reach the backend as the watch events xenstored would
 * send (xenbus_event), the buffer mapper thread runs only at "settle"
 * steps, and the devices' timers tick only at "tick" steps, so a run is
 * repeatable.  Mapped (not only registered) buffer pages are held to the
 * per-domain cap: corpus/backend/held_pages unregisters buffers that queued
 * jobs still use (the backend once let a domain pass its cap that way).
 * FUZZ_BACKEND_LOG=1 prints the steps, vgpuback's log and the responses.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>

#include <xen/io/xenbus.h>

#include "fuzz_backend.h"
#include "request.h"
#include "buffers.h"
#include "datapath.h"
#include "mapper.h"
#include "storms.h"
#include "vgpu_clock.h"
#include "vgpuback.h"
#include "wakeup.h"
#include "xenbus.h"
#include "xsnodes.h"

#define NSLOTS		(FZ_NDOMS * 2)	/* (domid, devid) = (1 + s / 2, s % 2) */
#define MAX_OUT		512
#define MAX_STEPS	512

#define FAIL(...) do { fprintf(stderr, "fuzz_backend: " __VA_ARGS__); \
		       fputc('\n', stderr); abort(); } while (0)

struct out_req {
	uint64_t id;
	uint8_t op;
	int64_t a, b;
};

/* The harness's model of one guest device (the frontend). */
struct slot {
	bool ring_up;			/* the guest set its ring up */
	bool fresh;			/* ... and no backend has used it yet */
	bool honest;			/* this connection: checks on ids apply */
	uint32_t conn_gen;		/* the backend connection it belongs to */
	bool conn_seen;
	unsigned order;
	uint32_t ring_ref;
	vgpuif_front_ring_t front;
	struct out_req out[MAX_OUT];
	unsigned nout;
	uint64_t notifies;		/* backend -> guest */
	bool waiting;			/* asked for a notification */
	uint64_t notifies_at_wait;
	/* Protocol 2: what the backend answered, to name it again (or not). */
	uint32_t sessions[4];
	uint64_t dptrs[8];
	uint64_t mods[4];
	struct { uint64_t handle; uint32_t bytes; } fns[4];
	uint64_t events[4];
	uint64_t last_event;		/* the newest EVENT_CREATE answered */
	/* EVENT_SYNCs answered VGPU_OK: the newest request id per event. */
	struct { uint64_t event, id; } synced[32];
	unsigned nsynced;
	bool synced_lost;		/* the table filled: no completeness checks */
};

/* Every handle vgpuback answered in this input (one counter: never twice). */
#define SEEN_CAP	(1u << 15)
static uint64_t seen[SEEN_CAP];
static unsigned nseen;

static struct {
	struct vgpuback *bk;
	struct fz_exec *ex;
	struct slot slot[NSLOTS];
	uint64_t next_id;
	uint64_t last_seq[VGPU_NR_PRIOS];
	bool log;			/* FUZZ_BACKEND_LOG: say what happens */
	bool settled;		/* the mapper has no work: counts are exact */
	bool broken;		/* the executor broke: shut down */
	bool restart_mapper;	/* teardown: buffers_stop() and a new mapper */
	unsigned events_created;	/* EVENT_CREATEs a guest read VGPU_OK */
} H;

struct rd {
	const uint8_t *p;
	size_t n;
};

static uint8_t u8(struct rd *r)
{
	if (!r->n)
		return 0;
	r->n--;
	return *r->p++;
}

static uint16_t u16(struct rd *r)
{
	return (uint16_t)(u8(r) | u8(r) << 8);
}

static uint32_t u32(struct rd *r)
{
	return (uint32_t)u16(r) | (uint32_t)u16(r) << 16;
}

static uint64_t u64(struct rd *r)
{
	return (uint64_t)u32(r) | (uint64_t)u32(r) << 32;
}

static uint32_t slot_dom(unsigned s) { return 1 + s / 2; }
static uint32_t slot_devid(unsigned s) { return s % 2; }
static uint32_t slot_port(unsigned s) { return 100 + s; }

static void be_path(unsigned s, char *buf, size_t len)
{
	snprintf(buf, len, "/local/domain/0/%s/%u/%u", VGPU_XS_BACKEND_ROOT,
		 slot_dom(s), slot_devid(s));
}

static void fe_path(unsigned s, char *buf, size_t len)
{
	snprintf(buf, len, "/local/domain/%u/%s/%u", slot_dom(s),
		 VGPU_XS_FRONTEND_ROOT, slot_devid(s));
}

static void fe_write(unsigned s, const char *node, const char *val)
{
	char p[256];

	fe_path(s, p, sizeof(p));
	strcat(p, "/");
	strcat(p, node);
	fxs_write(p, val);
}

static struct vgpu_dev *find_dev(unsigned s)
{
	struct vgpu_dev *d;

	for (d = H.bk->devs; d; d = d->next)
		if (!d->dead && d->domid == slot_dom(s) && d->devid == slot_devid(s))
			return d;
	return NULL;
}

static void *guest_page(uint32_t domid, uint32_t ref)
{
	return fz_guests[domid].view + (size_t)ref * FZ_PAGE;
}

void fz_guest_notified(uint32_t domid, uint32_t remote_port)
{
	unsigned s;

	for (s = 0; s < NSLOTS; s++)
		if (slot_dom(s) == domid && slot_port(s) == remote_port)
			H.slot[s].notifies++;
}

/* ---------------- invariants ---------------- */

static int key_less(const struct vgpu_job *a, const struct vgpu_job *b)
{
	return a->prio != b->prio ? a->prio < b->prio : a->seq < b->seq;
}

static bool dev_listed(const struct vgpu_dev *dev)
{
	struct vgpu_dev *d;

	for (d = H.bk->devs; d; d = d->next)
		if (d == dev)
			return true;
	return false;
}

/* Every job the backend has out: queued, running, or finished unreaped. */
static unsigned all_jobs(struct vgpu_job **v, unsigned max)
{
	struct vgpuback *bk = H.bk;
	unsigned n = 0, i;

	for (i = 0; i < bk->sched.n && n < max; i++)
		v[n++] = bk->sched.heap[i];
	for (i = 0; i < H.ex->nrun && n < max; i++)
		v[n++] = H.ex->run[i];
	for (i = 0; i < H.ex->ndone && n < max; i++)
		v[n++] = H.ex->done[i];
	return n;
}

static void on_submit(struct vgpu_job *j)
{
	struct vgpuback *bk = H.bk;
	struct vgpu_dev *dev = j->owner;
	unsigned i;

	if (!dev_listed(dev) || !dev->connected || j->owner_gen != dev->gen)
		FAIL("job %llu submitted for a device that is gone or reconnected",
		     (unsigned long long)j->req.id);
	for (i = 0; i < bk->sched.n; i++)
		if (key_less(bk->sched.heap[i], j))
			FAIL("dispatch took seq %llu prio %d before seq %llu prio %d",
			     (unsigned long long)j->seq, j->prio,
			     (unsigned long long)bk->sched.heap[i]->seq, bk->sched.heap[i]->prio);
	if (bk->cfg.aging_ms == 0 && j->seq <= H.last_seq[j->prio])
		FAIL("priority %d is not first-in first-out", j->prio);
	H.last_seq[j->prio] = j->seq;
}

static void check_sched(void)
{
	struct vgpu_sched *s = &H.bk->sched;
	unsigned i, per[VGPU_NR_PRIOS] = { 0 };

	for (i = 0; i < s->n; i++) {
		if (s->heap[i]->heap_idx != i)
			FAIL("heap_idx %u of a job at %u", s->heap[i]->heap_idx, i);
		if (i && key_less(s->heap[i], s->heap[(i - 1) / 2]))
			FAIL("queue is not a heap at %u", i);
		per[s->heap[i]->prio]++;
	}
	for (i = 0; i < VGPU_NR_PRIOS; i++)
		if (per[i] != s->per_prio[i])
			FAIL("per_prio[%u] %u, counted %u", i, s->per_prio[i], per[i]);
}

static void check_buffers(struct vgpu_job **jobs, unsigned njobs)
{
	struct vgpuback *bk = H.bk;
	uint64_t mapped[FZ_NDOMS + 1] = { 0 }, reg[FZ_NDOMS + 1] = { 0 };
	struct vgpu_dev *d;
	unsigned i, k;

	for (i = 0; i < H.ex->natt; i++) {
		struct vgpu_buffer *b = H.ex->att[i];
		unsigned want = 0, nreg = 0;
		uint32_t dom;

		for (d = bk->devs; d; d = d->next)
			for (k = 0; k < d->nbufs; k++)
				nreg += d->bufs[k] == b;
		for (k = 0; k < njobs; k++)
			want += (jobs[k]->buf[0] == b) + (jobs[k]->buf[1] == b) +
				(jobs[k]->buf[2] == b);
		if (nreg > 1)
			FAIL("buffer %u registered %u times", b->handle, nreg);
		if (b->refcnt != want + nreg)
			FAIL("buffer %u: refcnt %u, registration %u + job uses %u",
			     b->handle, b->refcnt, nreg, want);
		if (fz_mapping_find(b->addr, (unsigned)(b->len / FZ_PAGE), &dom) < 0 ||
		    dom != b->domid)
			FAIL("buffer %u is attached but not mapped", b->handle);
	}
	/* Every registered buffer and every buffer a job uses is attached. */
	for (d = bk->devs; d; d = d->next) {
		uint64_t pages = 0;

		if (d->nbufs > bk->cfg.max_buffers)
			FAIL("device %u/%u holds %u buffers, max %u", d->domid, d->devid,
			     d->nbufs, bk->cfg.max_buffers);
		for (k = 0; k < d->nbufs; k++) {
			if (!d->bufs[k]->exec_priv)
				FAIL("registered buffer %u is not attached", d->bufs[k]->handle);
			pages += d->bufs[k]->len / FZ_PAGE;
		}
		if (pages != d->buf_pages)
			FAIL("device %u/%u: buf_pages %llu, buffers hold %llu", d->domid,
			     d->devid, (unsigned long long)d->buf_pages,
			     (unsigned long long)pages);
		if (!d->dead && d->domid >= 1 && d->domid <= FZ_NDOMS)
			reg[d->domid] += pages;
		if (d->connected && d->domid >= 1 && d->domid <= FZ_NDOMS)
			mapped[d->domid] -= d->ring_pages;
	}
	for (k = 0; k < njobs; k++)
		for (i = 0; i < 3; i++)
			if (jobs[k]->buf[i] && !jobs[k]->buf[i]->exec_priv)
				FAIL("job %llu uses a detached buffer",
				     (unsigned long long)jobs[k]->req.id);
	for (i = 1; i <= FZ_NDOMS; i++) {
		mapped[i] += fz_mapped_pages(i);	/* minus rings, above */
		if (reg[i] > bk->cfg.max_buffer_pages)
			FAIL("domain %u registered %llu pages, max %u", i,
			     (unsigned long long)reg[i], bk->cfg.max_buffer_pages);
		if (mapped[i] > bk->cfg.max_buffer_pages)
			FAIL("domain %u has %llu buffer pages mapped, max %u", i,
			     (unsigned long long)mapped[i], bk->cfg.max_buffer_pages);
	}
	if (bk->host_pages > bk->cfg.max_host_buffer_pages ||
	    mapped[1] + mapped[2] > bk->host_pages)
		FAIL("%llu buffer pages mapped, vgpuback counts %llu, host max %u",
		     (unsigned long long)(mapped[1] + mapped[2]),
		     (unsigned long long)bk->host_pages, bk->cfg.max_host_buffer_pages);
}

static void check_devices(struct vgpu_job **jobs, unsigned njobs)
{
	struct vgpuback *bk = H.bk;
	unsigned cur[FZ_NDOMS + 1] = { 0 }, nev[FZ_NDOMS + 1] = { 0 }, nconn = 0, k;
	struct vgpu_dev *d;

	for (k = 0; k < njobs; k++)
		if (!dev_listed(jobs[k]->owner))
			FAIL("job %llu belongs to a freed device",
			     (unsigned long long)jobs[k]->req.id);
	for (d = bk->devs; d; d = d->next) {
		unsigned out = 0, mine = 0;

		for (k = 0; k < njobs; k++) {
			if (jobs[k]->owner != d)
				continue;
			out++;
			if (d->connected && jobs[k]->owner_gen == d->gen)
				mine++;
		}
		if (H.settled ? out != d->jobs_out : out > d->jobs_out)
			FAIL("device %u/%u: jobs_out %u, jobs %u", d->domid, d->devid,
			     d->jobs_out, out);
		if (d->domid >= 1 && d->domid <= FZ_NDOMS)
			nev[d->domid] += d->nevents;
		if (!d->connected && d->nevents)
			FAIL("device %u/%u: not connected, %u events left", d->domid, d->devid,
			     d->nevents);
		if (!d->connected)
			continue;
		nconn++;
		if (!d->ring_addr ||
		    fz_mapping_find(d->ring_addr, d->ring_pages, NULL) < 0)
			FAIL("device %u/%u: connected without its ring mapped", d->domid,
			     d->devid);
		if (d->inflight != d->ring.req_cons - d->ring.rsp_prod_pvt)
			FAIL("device %u/%u: inflight %u, consumed - answered %u", d->domid,
			     d->devid, d->inflight, d->ring.req_cons - d->ring.rsp_prod_pvt);
		if (H.settled ? d->inflight != mine : d->inflight < mine)
			FAIL("device %u/%u: inflight %u but %u jobs of this connection",
			     d->domid, d->devid, d->inflight, mine);
		if (d->domid >= 1 && d->domid <= FZ_NDOMS)
			cur[d->domid] += mine;
		if (d->dead)
			FAIL("device %u/%u: dead and connected", d->domid, d->devid);
	}
	for (k = 1; k <= FZ_NDOMS; k++) {
		if (cur[k] > bk->cfg.max_inflight)
			FAIL("domain %u has %u jobs in flight, max %u", k, cur[k],
			     bk->cfg.max_inflight);
		if (nev[k] > bk->cfg.max_events)
			FAIL("domain %u has %u events, max %u", k, nev[k], bk->cfg.max_events);
	}
	if (fz_live_evtchns != nconn)
		FAIL("%u event channels open, %u devices connected", fz_live_evtchns, nconn);
	if ((H.settled ? fz_live_maps != nconn + H.ex->natt :
			 fz_live_maps < nconn + H.ex->natt) ||
	    bk->live_mappings != fz_live_maps ||
	    bk->live_buffers != H.ex->natt)
		FAIL("mappings: %u live, %u rings + %u buffers; vgpuback counts %llu "
		     "mappings, %llu buffers", fz_live_maps, nconn, H.ex->natt,
		     (unsigned long long)bk->live_mappings,
		     (unsigned long long)bk->live_buffers);
}

static void check_all(void)
{
	struct vgpu_job *jobs[4096];
	unsigned njobs = all_jobs(jobs, 4096);

	if (njobs != H.bk->live_jobs)
		FAIL("%u jobs out, vgpuback counts %llu", njobs,
		     (unsigned long long)H.bk->live_jobs);
	check_sched();
	check_buffers(jobs, njobs);
	check_devices(jobs, njobs);
}

/* A backend connection appeared: it serves the ring the guest set up last. */
static void track_connections(void)
{
	unsigned s;

	for (s = 0; s < NSLOTS; s++) {
		struct slot *sl = &H.slot[s];
		struct vgpu_dev *d = find_dev(s);

		if (!d || !d->connected) {
			sl->conn_seen = false;
			continue;
		}
		if (sl->conn_seen && sl->conn_gen == d->gen)
			continue;
		sl->conn_seen = true;
		sl->conn_gen = d->gen;
		sl->honest = sl->fresh && sl->ring_up &&
			fz_mapping_find(d->ring_addr, d->ring_pages, NULL) == (int)sl->ring_ref &&
			d->ring_pages == 1u << sl->order;
		sl->fresh = false;
		sl->waiting = false;
	}
}

static bool slot_honest_now(unsigned s)
{
	struct vgpu_dev *d = find_dev(s);
	struct slot *sl = &H.slot[s];

	return d && d->connected && sl->conn_seen && sl->conn_gen == d->gen && sl->honest;
}

/* ---------------- the loop, as loop.c runs it ---------------- */

/* XenStore's watch events, to the backend as loop.c's handle_xs() does. */
static void scan(void)
{
	unsigned n = 0;
	char *path, *token;

	while (fxs_next_event(&path, &token) == 0) {
		if (++n > 20000)
			FAIL("watch events feed themselves (%s, %s)", path, token);
		xenbus_event(H.bk, path, token);
		free(path);
		free(token);
	}
	track_connections();
}

/* Pages of the buffers the executor holds: what host_pages is when idle. */
static uint64_t attached_pages(void)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < H.ex->natt; i++)
		n += H.ex->att[i]->len / FZ_PAGE;
	return n;
}

/*
 * The mapper thread does everything it was asked (its grant operations
 * pass the gate only now) and the loop reaps it all, as loop.c does on
 * EP_MAP.  Work is outstanding exactly while host_pages counts pages no
 * attached buffer holds (a registration being mapped, or an unmap to do).
 */
static void settle(void)
{
	uint64_t deadline = vgpu_now_ns() + 20000000000ull;

	fz_gate(true);
	while (H.bk->host_pages != attached_pages()) {
		struct epoll_event ev[16];
		bool map = false;
		int n, i;

		if (vgpu_now_ns() > deadline)
			FAIL("mapper: host_pages %llu, attached buffers hold %llu, and "
			     "nothing came back in 20 s", (unsigned long long)H.bk->host_pages,
			     (unsigned long long)attached_pages());
		/* Other items (device channels) stay ready: wait for ours. */
		n = epoll_wait(H.bk->epfd, ev, 16, 50);
		for (i = 0; i < n; i++)
			map |= ev[i].data.ptr == &H.bk->map_item;
		if (map)
			buffers_reap(H.bk);
		else
			usleep(200);
	}
	fz_gate(false);
	track_connections();
	H.settled = true;
}

static void turn(uint8_t mode)
{
	unsigned s, first = mode % NSLOTS;
	bool exec_first = mode & 0x10, tick = mode & 0x20;

	if (exec_first && H.ex->ndone)
		reap(H.bk);
	if (tick)
		fz_timers_fire();	/* watch looks and storm throttles end */
	for (s = 0; s < NSLOTS; s++) {
		unsigned i = (first + s) % NSLOTS;
		struct vgpu_dev *d = find_dev(i);

		/* The device's item is ready: its port fired, or a timer ticked. */
		if (!d || !d->connected || !(fz_evtchn_ready(d->evtchn) || tick))
			continue;
		device_event(d);
		if (!d->connected)
			break;	/* loop.c: the rest of the batch is stale */
	}
	if (!exec_first && H.ex->ndone)
		reap(H.bk);
	devices_more_work(H.bk);
	dispatch(H.bk);
	track_connections();
	for (s = 0; s < NSLOTS; s++) {
		struct vgpu_dev *d = find_dev(s);
		RING_IDX prod;

		if (!slot_honest_now(s) || fz_evtchn_ready(d->evtchn) || d->throttled)
			continue;
		prod = d->ring.sring->req_prod;
		if (prod != d->ring.req_cons && !d->busy &&
		    !RING_REQUEST_CONS_OVERFLOW(&d->ring, d->ring.req_cons))
			FAIL("device %u/%u stalled: %u requests pushed, none consumed, "
			     "no wake to come", d->domid, d->devid, prod - d->ring.req_cons);
	}
}

/* ---------------- steps ---------------- */

static void ts_add(struct rd *r, unsigned s)
{
	static const char *const pools[] = { "A", "B", "Z", NULL };
	static const char *const prios[] = { "high", "medium", "low", "9" };
	uint8_t f = u8(r);
	char be[256], fe[256], p[300], v[32];

	be_path(s, be, sizeof(be));
	fe_path(s, fe, sizeof(fe));
	snprintf(p, sizeof(p), "%s/%s", be, VGPU_XS_FRONTEND);
	fxs_write(p, fe);
	snprintf(p, sizeof(p), "%s/%s", be, VGPU_XS_FRONTEND_ID);
	snprintf(v, sizeof(v), "%u", slot_dom(s) + ((f & 0x40) ? 1 : 0));
	fxs_write(p, v);
	snprintf(p, sizeof(p), "%s/%s", be, VGPU_XS_ONLINE);
	fxs_write(p, (f & 0x80) && (f & 0x10) ? "0" : "1");
	if (pools[f & 3]) {
		snprintf(p, sizeof(p), "%s/%s", be, VGPU_XS_POOL);
		fxs_write(p, (f & 0x80) ? pools[f & 3] : pools[f & 1]);
	}
	snprintf(p, sizeof(p), "%s/%s", be, VGPU_XS_PRIORITY);
	fxs_write(p, (f & 0x80) ? prios[(f >> 2) & 3] : prios[((f >> 2) & 3) % 3]);
	fe_write(s, VGPU_XS_BACKEND, be);
	fe_write(s, VGPU_XS_BACKEND_ID, "0");
	fe_write(s, VGPU_XS_STATE, "1");
	scan();
}

static void ts_remove(unsigned s)
{
	char be[256];

	be_path(s, be, sizeof(be));
	fxs_rm(be);
	scan();
}

static void fe_connect(struct rd *r, unsigned s)
{
	struct slot *sl = &H.slot[s];
	uint32_t dom = slot_dom(s);
	uint8_t f = u8(r);
	unsigned order = u8(r) % 3, pages = 1u << order, i;
	uint32_t base = 1 + 8 * slot_devid(s) + u8(r) % (8 - pages);
	struct vgpu_dev *d;
	char v[32], n[32];

	fe_write(s, VGPU_XS_STATE, "1");
	scan();
	d = find_dev(s);
	/* Re-initialising a ring a backend still serves is a guest's mistake. */
	sl->fresh = !(d && d->connected);
	sl->ring_up = true;
	sl->order = order;
	sl->ring_ref = base;
	sl->nout = 0;
	sl->waiting = false;
	for (i = 0; i < pages; i++)
		fz_guests[dom].granted[base + i] = 2;
	SHARED_RING_INIT((vgpuif_sring_t *)guest_page(dom, base));
	FRONT_RING_INIT(&sl->front, (vgpuif_sring_t *)guest_page(dom, base),
			FZ_PAGE * pages);
	if (order || (f & 1)) {
		snprintf(v, sizeof(v), "%u", order);
		fe_write(s, VGPU_XS_RING_PAGE_ORDER, v);
		for (i = 0; i < pages; i++) {
			snprintf(n, sizeof(n), VGPU_XS_RING_REF_FMT, i);
			snprintf(v, sizeof(v), "%u", base + i);
			fe_write(s, n, v);
		}
	} else {
		snprintf(v, sizeof(v), "%u", base);
		fe_write(s, VGPU_XS_RING_REF, v);
	}
	snprintf(v, sizeof(v), "%u", (f & 2) ? 0 : slot_port(s));
	fe_write(s, VGPU_XS_EVENT_CHANNEL, v);
	if (!(f & 4))
		fe_write(s, VGPU_XS_PROTOCOL, VGPUIF_PROTOCOL_NAME);
	fe_write(s, VGPU_XS_STATE, "3");
	scan();
}

static void fe_state(struct rd *r, unsigned s)
{
	uint8_t v = u8(r) % 12;
	char p[256], val[8];

	if (v <= 8) {
		snprintf(val, sizeof(val), "%u", v);
		fe_write(s, VGPU_XS_STATE, val);
	} else if (v == 9) {
		fe_path(s, p, sizeof(p));
		strcat(p, "/" VGPU_XS_STATE);
		fxs_rm(p);
	} else if (v == 10) {
		fe_path(s, p, sizeof(p));
		fxs_rm(p);		/* the whole frontend directory */
	} else {
		fe_write(s, VGPU_XS_STATE, "4x");
	}
	scan();
}

/* The guest's requests wait until its backend is connected (an honest guest). */
static void push(unsigned s)
{
	struct slot *sl = &H.slot[s];
	int notify;

	if (!sl->ring_up)
		return;
	if (!slot_honest_now(s) && sl->fresh)
		return;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&sl->front, notify);
	if (notify)
		fz_evtchn_guest_notify(slot_dom(s), slot_port(s));
}

/*
 * Rings live in refs 1..15 (devid 0 from 1, devid 1 from 9), everything
 * else a guest grants in 16..63.  A byte from 240 up picks any ref, a ring
 * page included: the guest then scribbles on its own rings, and the checks
 * that trust its ring (response ids, wake-ups) stop for its devices.
 */
static void slots_dishonest(uint32_t dom)
{
	unsigned s;

	for (s = 0; s < NSLOTS; s++)
		if (slot_dom(s) == dom) {
			H.slot[s].honest = false;
			H.slot[s].fresh = false;
		}
}

static uint32_t pick_ref(struct rd *r, uint32_t dom)
{
	uint8_t v = u8(r);

	if (v < 240)
		return 16 + v % (FZ_NREFS - 16);
	slots_dishonest(dom);
	return v % 16;
}

/* Data page @i of a buffer: from @start, wrapping inside 16..63 (or 0..15). */
static uint32_t data_ref(uint32_t start, uint32_t i, uint32_t stride)
{
	if (start < 16)
		return (start + i * stride) % 16;
	return 16 + (start - 16 + i * stride) % (FZ_NREFS - 16);
}

/* Make the pages a BUF_REGISTER names: directory -> indirect -> data. */
static void build_buffer(struct rd *r, unsigned s, struct vgpuif_request *q)
{
	struct fz_guest *g = &fz_guests[slot_dom(s)];
	uint8_t f = u8(r), mode = u8(r);
	uint32_t dom = slot_dom(s), nr = 1 + u8(r) % 40;
	uint32_t dir = pick_ref(r, dom), ind = pick_ref(r, dom);
	uint32_t start = pick_ref(r, dom), stride = u8(r) % 3, i, *page;

	if (f & 0x80)
		nr = u32(r);		/* any count: limits and validation */
	q->op = VGPU_OP_BUF_REGISTER;
	q->u.buf_register.handle = u8(r) % 6;
	q->u.buf_register.nr_pages = nr;
	q->u.buf_register.dir_gref = dir;
	q->u.buf_register.flags = f & 0x40 ? u8(r) : (f & 1);
	if (dir && dir < FZ_NREFS) {
		page = guest_page(slot_dom(s), dir);
		page[0] = ind;
		if (f & 2)
			page[1] = pick_ref(r, dom);
		if (mode & 1)
			g->granted[dir] = 1 + (mode >> 1 & 1);
	}
	if (ind && ind < FZ_NREFS && !(f & 4)) {
		page = guest_page(slot_dom(s), ind);
		for (i = 0; i < nr && i < VGPUIF_GREFS_PER_PAGE; i++)
			page[i] = data_ref(start, i, stride);
		if (mode & 4)
			g->granted[ind] = 1 + (mode >> 3 & 1);
	}
	if (mode & 0x10)
		for (i = 0; i < nr && i < 64; i++) {
			uint32_t ref = data_ref(start, i, stride);

			if (ref)
				g->granted[ref] = (f & 1) || (mode & 0x20) ? 1 : 2;
		}
}

/* A session of this slot the backend gave, or a made-up one. */
static uint32_t pick_session(struct rd *r, const struct slot *sl)
{
	uint8_t v = u8(r);

	return v & 0x80 ? v % 8 : sl->sessions[v % 4];
}

/* An address the backend gave (maybe moved inside it), or a made-up one. */
static uint64_t pick_dptr(struct rd *r, const struct slot *sl)
{
	uint8_t v = u8(r);
	uint64_t p = v & 0x80 ? 0x7f0000000000ull + u16(r) : sl->dptrs[v % 8];

	return v & 0x40 ? p + u8(r) : p;
}

/* A handle the backend gave (a module's or a function's), or a made-up one. */
static uint64_t pick_handle(struct rd *r, uint64_t given)
{
	uint8_t v = u8(r);

	return v & 0x80 ? v % 16 : given;
}

/* Streams: made, destroyed, synchronized, named by a memset (ids 0-3). */
static void request_stream(struct rd *r, struct slot *sl, uint8_t sub, struct vgpuif_request *q)
{
	switch (sub >> 1 & 3) {
	case 0:
		q->op = VGPU_OP_STREAM_CREATE;
		break;
	case 1:
		q->op = VGPU_OP_STREAM_DESTROY;
		q->u.stream.stream = u8(r) % 4;
		break;
	case 2:
		q->op = VGPU_OP_STREAM_SYNC;
		q->u.stream.stream = u8(r) % 4;
		break;
	default:
		q->op = VGPU_OP_MEMSET;
		q->u.memset.dptr = pick_dptr(r, sl);
		q->u.memset.elem = 1;
		q->u.memset.count = 1 + u16(r) % 4096;
		q->u.memset.stream = u8(r) % 4;
		break;
	}
}

/* An event this slot was given (the newest: 0), or a made-up one. */
static uint64_t pick_event(struct rd *r, const struct slot *sl)
{
	uint8_t v = u8(r);

	return v & 0x80 ? v % 24 : sl->events[v % 4];
}

/*
 * Events: sub bits 1-3 pick the op (6 and 7: RECORD and ELAPSED again, the
 * ones that need a partner), 0x40 a field the op must not have (CREATE:
 * any flags, an event; the others: flags, a stream on all but RECORD).
 */
static void request_event(struct rd *r, struct slot *sl, uint8_t sub, struct vgpuif_request *q)
{
	static const uint8_t ops[8] = { VGPU_OP_EVENT_CREATE, VGPU_OP_EVENT_DESTROY,
		VGPU_OP_EVENT_RECORD, VGPU_OP_EVENT_QUERY, VGPU_OP_EVENT_SYNC,
		VGPU_OP_EVENT_ELAPSED, VGPU_OP_EVENT_RECORD, VGPU_OP_EVENT_ELAPSED };
	struct vgpuif_event_req *e = &q->u.event;
	bool bad = sub & 0x40;

	q->op = ops[sub >> 1 & 7];
	if (q->op == VGPU_OP_EVENT_ELAPSED) {
		q->u.event_elapsed.start = pick_event(r, sl);
		q->u.event_elapsed.end = pick_event(r, sl);
		return;
	}
	if (q->op == VGPU_OP_EVENT_CREATE) {
		e->flags = bad ? u8(r) : u8(r) & VGPU_EVENT_F_ALL;
		e->event = bad ? u8(r) % 2 : 0;
		return;
	}
	e->event = pick_event(r, sl);
	if (q->op == VGPU_OP_EVENT_RECORD)
		e->stream = u8(r) % 4;
	if (bad) {
		e->flags = u8(r) % 4;
		e->stream = u8(r) % 3;
	}
}

/* GLOBAL_GET of the slot's module @f or a made-up one; 0x40: padding set. */
static void request_global(struct rd *r, struct slot *sl, uint8_t sub, unsigned f,
			   struct vgpuif_request *q)
{
	q->op = VGPU_OP_GLOBAL_GET;
	q->u.global_get.module = pick_handle(r, sl->mods[f]);
	q->u.global_get.name.handle = u8(r) % 6;
	q->u.global_get.name.offset = u16(r) % 8192;
	q->u.global_get.name_len = 1 + u8(r);
	if (sub & 0x40)
		q->u.global_get._pad = 1 + u8(r);
}

/* Modules: loads, unloads, look-ups and launches, right and wrong. */
static void request_module(struct rd *r, struct slot *sl, uint8_t sub, struct vgpuif_request *q)
{
	unsigned f;

	if (sub & 0x20) {
		request_stream(r, sl, sub, q);
		return;
	}
	if (sub & 0x10) {
		request_event(r, sl, sub, q);
		return;
	}
	f = u8(r) % 4;
	if (sub & 0x08) {
		request_global(r, sl, sub, f, q);
		return;
	}

	switch (sub >> 1 & 3) {
	case 0:
		q->op = VGPU_OP_MODULE_LOAD;
		q->u.module_load.image.handle = u8(r) % 6;
		q->u.module_load.image.offset = u16(r) % 8192;
		q->u.module_load.bytes = 1 + u16(r) % 8192;
		break;
	case 1:
		q->op = VGPU_OP_MODULE_UNLOAD;
		q->u.module_unload.module = pick_handle(r, sl->mods[f]);
		break;
	case 2:
		q->op = VGPU_OP_FUNC_GET;
		q->u.func_get.module = pick_handle(r, sl->mods[f]);
		q->u.func_get.name.handle = u8(r) % 6;
		q->u.func_get.name.offset = u16(r) % 8192;
		q->u.func_get.name_len = 1 + u8(r);
		q->u.func_get.layout_len = u8(r) % 5 * sizeof(struct vgpuif_param);
		if (q->u.func_get.layout_len)
			q->u.func_get.layout = (struct vgpuif_bufref){ u8(r) % 6, u16(r) % 8192 & ~3u };
		break;
	default:
		q->op = VGPU_OP_LAUNCH;
		q->u.launch.func = pick_handle(r, sl->fns[f].handle);
		q->u.launch.grid[0] = 1 + u8(r) % 4;
		q->u.launch.grid[1] = q->u.launch.grid[2] = 1;
		q->u.launch.block[0] = (uint16_t)(1 + u16(r) % 1100);
		q->u.launch.block[1] = q->u.launch.block[2] = 1;
		q->u.launch.params_len = sub & 0x40 ? u8(r) % 40 : sl->fns[f].bytes;
		if (q->u.launch.params_len)
			q->u.launch.params = (struct vgpuif_bufref){ u8(r) % 6, u16(r) % 8192 };
		break;
	}
}

/* Protocol 2: sessions, device memory, copies and memsets. */
static void request_v2(struct rd *r, struct slot *sl, unsigned kind, struct vgpuif_request *q)
{
	uint8_t sub = u8(r);

	q->session = pick_session(r, sl);
	switch (kind) {
	case 8:
		q->op = sub & 1 ? VGPU_OP_SESSION_CLOSE : VGPU_OP_SESSION_OPEN;
		if (q->op == VGPU_OP_SESSION_OPEN) {
			q->session = 0;
			q->u.session_open.gpu = sub >> 1 & 1;
		}
		break;
	case 9:
		q->op = sub & 1 ? VGPU_OP_MEM_FREE : VGPU_OP_MEM_ALLOC;
		if (q->op == VGPU_OP_MEM_FREE)
			q->u.mem_free.dptr = pick_dptr(r, sl);
		else
			q->u.mem_alloc.bytes = 1 + u16(r) * (sub & 2 ? 4096ull : 1);
		break;
	case 10:
		q->op = sub & 1 ? VGPU_OP_MEMCPY_DTOH : VGPU_OP_MEMCPY_HTOD;
		q->u.memcpy.dptr = pick_dptr(r, sl);
		q->u.memcpy.bytes = 1 + u16(r) % 8192;
		q->u.memcpy.buf.handle = u8(r) % 6;
		q->u.memcpy.buf.offset = u16(r) % 8192;
		break;
	default:
		if (sub & 0x80) {
			request_module(r, sl, sub, q);
		} else if (sub & 1) {
			q->op = VGPU_OP_MEMCPY_DTOD;
			q->u.memcpy_dtod.dst = pick_dptr(r, sl);
			q->u.memcpy_dtod.src = pick_dptr(r, sl);
			q->u.memcpy_dtod.bytes = 1 + u16(r) % 8192;
		} else {
			q->op = VGPU_OP_MEMSET;
			q->u.memset.dptr = pick_dptr(r, sl) & ~3ull;
			q->u.memset.elem = 1u << (sub >> 1) % 3;
			q->u.memset.count = 1 + u16(r) % 4096;
			q->u.memset.value = u8(r);
		}
		break;
	}
}

static void request(struct rd *r, unsigned s)
{
	struct slot *sl = &H.slot[s];
	struct vgpuif_request q, *slotp;
	uint8_t kind = u8(r);
	unsigned i, n;

	if (!sl->ring_up || RING_FULL(&sl->front) || sl->nout == MAX_OUT)
		return;
	memset(&q, 0, sizeof(q));
	/* 0x80 and 0x40 are flags (below): the rest picks the op. */
	if ((kind & 0x3f) % 12 >= 8)
		request_v2(r, sl, (kind & 0x3f) % 12, &q);
	else switch ((kind & 0x3f) % 12) {
	case 0:
		q.op = VGPU_OP_NOP;
		break;
	case 1:
		q.op = VGPU_OP_QUERY;
		q.flags = u8(r) & 1 ? VGPU_REQ_F_QUERY_TEXT : 0;
		q.u.query.out.handle = u8(r) % 6;
		q.u.query.out.offset = u16(r);
		q.u.query.out_len = u16(r) % 300;
		break;
	case 2:
		q.op = VGPU_OP_SCALAR_ADD;
		q.u.scalar_add.a = (int64_t)u64(r);
		q.u.scalar_add.b = (int64_t)u64(r);
		break;
	case 3:
	case 4:
		q.op = VGPU_OP_VECTOR_ADD;
		q.u.vector_add.n = 1 + u16(r) % 2048;
		q.u.vector_add.a.handle = u8(r) % 6;
		q.u.vector_add.b.handle = u8(r) % 6;
		q.u.vector_add.c.handle = u8(r) % 6;
		q.u.vector_add.a.offset = 4 * (u8(r) % 64);
		q.u.vector_add.b.offset = 4 * (u8(r) % 64);
		q.u.vector_add.c.offset = 4 * (u8(r) % 64);
		break;
	case 5:
		build_buffer(r, s, &q);
		break;
	case 6:
		q.op = VGPU_OP_BUF_UNREGISTER;
		q.u.buf_unregister.handle = u8(r) % 6;
		break;
	case 7:
		for (i = 0; i < sizeof(q); i++)
			((uint8_t *)&q)[i] = u8(r);
		break;
	}
	/* 0x40: a burst of copies, enough to fill a ring with work. */
	n = kind & 0x40 ? 1 + u8(r) % 64 : 1;
	while (n-- && !RING_FULL(&sl->front) && sl->nout < MAX_OUT) {
		q.id = ++H.next_id;
		slotp = RING_GET_REQUEST(&sl->front, sl->front.req_prod_pvt);
		memcpy(slotp, &q, sizeof(q));
		sl->front.req_prod_pvt++;
		sl->out[sl->nout++] = (struct out_req){ q.id, q.op, q.u.scalar_add.a,
							q.u.scalar_add.b };
	}
	if (kind & 0x80)
		push(s);
}

/* A handle vgpuback answered: new in this input (its counter never goes back). */
static void handle_new(uint64_t h, const struct vgpuif_response *rsp)
{
	unsigned i = (unsigned)(h * 0x9e3779b97f4a7c15ull >> 49);

	if (nseen >= SEEN_CAP / 2)
		return;		/* full enough: stop looking */
	for (; seen[i]; i = (i + 1) % SEEN_CAP)
		if (seen[i] == h)
			FAIL("%s answered handle %llu, answered once already",
			     vgpuif_op_name(rsp->op), (unsigned long long)h);
	seen[i] = h;
	nseen++;
}

/*
 * A global answered: the stub's range for the module asked (o->a, the
 * union's first 8 bytes), sane and passed on as it was; then the newest
 * address a copy picks (0).
 */
static void answered_global(struct slot *sl, const struct out_req *o,
			    const struct vgpuif_response *rsp)
{
	uint64_t p = rsp->result.global.dptr, n = rsp->result.global.bytes, end;

	if (rsp->op != VGPU_OP_GLOBAL_GET || rsp->status)
		return;
	if (!n || __builtin_add_overflow(p, n, &end) || p < FZ_GLOBAL_BASE ||
	    (p - FZ_GLOBAL_BASE) >> 16 != (uint64_t)o->a || n < 0x2000 || n > 0x3800)
		FAIL("GLOBAL_GET of module %llu answered %#llx, %llu bytes: not the executor's "
		     "global", (unsigned long long)o->a, (unsigned long long)p,
		     (unsigned long long)n);
	memmove(sl->dptrs + 1, sl->dptrs, sizeof(sl->dptrs) - sizeof(sl->dptrs[0]));
	sl->dptrs[0] = p;
}

/* Module and function handles, the newest first: a pick of 0 names it. */
static void answered_module(struct slot *sl, const struct vgpuif_response *rsp)
{
	if (rsp->status)
		return;
	if (rsp->op == VGPU_OP_MODULE_LOAD)
		handle_new((uint64_t)rsp->result.scalar, rsp);
	else if (rsp->op == VGPU_OP_FUNC_GET)
		handle_new(rsp->result.func.func, rsp);
	if ((rsp->op == VGPU_OP_MODULE_LOAD && (rsp->result.scalar <= 0 ||
						 rsp->result.scalar == 12345)) ||
	    (rsp->op == VGPU_OP_FUNC_GET && (!rsp->result.func.func ||
					     rsp->result.func.func == 999)))
		FAIL("a %s answered the executor's handle, not vgpuback's own",
		     vgpuif_op_name(rsp->op));
	if (rsp->op == VGPU_OP_MODULE_LOAD) {
		memmove(sl->mods + 1, sl->mods, sizeof(sl->mods) - sizeof(sl->mods[0]));
		sl->mods[0] = (uint64_t)rsp->result.scalar;
	} else if (rsp->op == VGPU_OP_FUNC_GET) {
		memmove(sl->fns + 1, sl->fns, sizeof(sl->fns) - sizeof(sl->fns[0]));
		sl->fns[0].handle = rsp->result.func.func;
		sl->fns[0].bytes = rsp->result.func.param_bytes;
	}
}

/*
 * The newest RECORD of @ev outstanding that was sent before request @id
 * (queued then, not answered: the event was not complete), or 0.  Ids grow
 * in ring order, which is the order vgpuback serves requests in.
 */
static uint64_t record_before(const struct slot *sl, uint64_t ev, uint64_t id)
{
	uint64_t newest = 0;
	unsigned k;

	for (k = 0; k < sl->nout; k++)
		if (sl->out[k].op == VGPU_OP_EVENT_RECORD && (uint64_t)sl->out[k].a == ev &&
		    sl->out[k].id < id && sl->out[k].id > newest)
			newest = sl->out[k].id;
	return newest;
}

/* Could @ev have been complete for request @id: no RECORD before it pending,
 * or a SYNC of it after that RECORD answered VGPU_OK (events.c's synced_seq)? */
static bool maybe_complete(const struct slot *sl, uint64_t ev, uint64_t id)
{
	uint64_t rec = record_before(sl, ev, id);
	unsigned k;

	if (!rec || sl->synced_lost)
		return true;
	for (k = 0; k < sl->nsynced; k++)
		if (sl->synced[k].event == ev && sl->synced[k].id > rec)
			return true;
	return false;
}

static void synced_ok(struct slot *sl, uint64_t ev, uint64_t id)
{
	unsigned k;

	for (k = 0; k < sl->nsynced && sl->synced[k].event != ev; k++)
		;
	if (k == sizeof(sl->synced) / sizeof(sl->synced[0])) {
		sl->synced_lost = true;
		return;
	}
	sl->nsynced += k == sl->nsynced;
	sl->synced[k].event = ev;
	if (id > sl->synced[k].id)
		sl->synced[k].id = id;
}

static void event_created(unsigned s, struct slot *sl, const struct vgpuif_response *rsp)
{
	uint64_t h = (uint64_t)rsp->result.scalar;

	if (rsp->result.scalar <= 0 || h <= sl->last_event)
		FAIL("slot %u: EVENT_CREATE answered %lld after %llu", s,
		     (long long)rsp->result.scalar, (unsigned long long)sl->last_event);
	handle_new(h, rsp);
	H.events_created++;
	sl->last_event = h;
	memmove(sl->events + 1, sl->events, sizeof(sl->events) - sizeof(sl->events[0]));
	sl->events[0] = h;
}

/*
 * What the guest can tell of an event answer (@o: its request): CREATE's
 * handle is new; QUERY says 0 or 1, 0 only with a RECORD before it not yet
 * answered, 1 only without one (or synchronized since); ELAPSED's ENOTREADY
 * likewise, and its time is the stand-in executor's: end - start.
 */
static void answered_event(unsigned s, struct slot *sl, const struct out_req *o,
			   const struct vgpuif_response *rsp)
{
	uint64_t a = (uint64_t)o->a, b = (uint64_t)o->b;
	int64_t v = rsp->result.scalar;

	if (rsp->op == VGPU_OP_EVENT_CREATE && !rsp->status)
		event_created(s, sl, rsp);
	if (rsp->op == VGPU_OP_EVENT_SYNC && !rsp->status)
		synced_ok(sl, a, o->id);
	if (rsp->op == VGPU_OP_EVENT_QUERY && !rsp->status &&
	    (v < 0 || v > 1 || (!v && !record_before(sl, a, o->id)) ||
	     (v && !maybe_complete(sl, a, o->id))))
		FAIL("slot %u: EVENT_QUERY of %llu answered %lld, RECORD before it: id %llu",
		     s, (unsigned long long)a, (long long)v,
		     (unsigned long long)record_before(sl, a, o->id));
	if (rsp->op != VGPU_OP_EVENT_ELAPSED)
		return;
	if (rsp->status == VGPU_ENOTREADY && !record_before(sl, a, o->id) &&
	    !record_before(sl, b, o->id))
		FAIL("slot %u: EVENT_ELAPSED %llu..%llu not ready, no RECORD pending", s,
		     (unsigned long long)a, (unsigned long long)b);
	if (!rsp->status && (v != (int64_t)(b - a) || !maybe_complete(sl, a, o->id) ||
			     !maybe_complete(sl, b, o->id)))
		FAIL("slot %u: EVENT_ELAPSED %llu..%llu answered %lld", s,
		     (unsigned long long)a, (unsigned long long)b, (long long)v);
}

static void guest_read(unsigned s)
{
	struct slot *sl = &H.slot[s];
	bool honest = slot_honest_now(s);
	RING_IDX rp, i;
	int more;

	if (!sl->ring_up)
		return;
	rp = sl->front.sring->rsp_prod;
	if (honest && sl->waiting && rp != sl->front.rsp_cons &&
	    sl->notifies == sl->notifies_at_wait)
		FAIL("slot %u: responses %u..%u came without a notification", s,
		     sl->front.rsp_cons, rp);
	if (honest && (rp - sl->front.rsp_cons > RING_SIZE(&sl->front) ||
		       rp - sl->front.rsp_cons > sl->front.req_prod_pvt - sl->front.rsp_cons))
		FAIL("slot %u: rsp_prod %u past what was asked (rsp_cons %u, req_prod %u)",
		     s, rp, sl->front.rsp_cons, sl->front.req_prod_pvt);
	if (!honest) {
		sl->front.rsp_cons = rp;
		sl->waiting = false;
		return;
	}
	for (i = sl->front.rsp_cons; i != rp; i++) {
		const struct vgpuif_response *rsp = RING_GET_RESPONSE(&sl->front, i);
		unsigned k;

		for (k = 0; k < sl->nout && sl->out[k].id != rsp->id; k++)
			;
		if (H.log)
			fprintf(stderr, "slot %u: response id %llu op %u status %d\n", s,
				(unsigned long long)rsp->id, rsp->op, rsp->status);
		if (k == sl->nout)
			FAIL("slot %u: response id %llu answers nothing outstanding", s,
			     (unsigned long long)rsp->id);
		if (rsp->status > 0 || rsp->status < VGPU_ELAST)
			FAIL("slot %u: status %d out of range", s, rsp->status);
		if (rsp->op != sl->out[k].op)
			FAIL("slot %u: response op %u for a request of op %u", s, rsp->op,
			     sl->out[k].op);
		if (rsp->op == VGPU_OP_SCALAR_ADD && !rsp->status &&
		    rsp->result.scalar != sl->out[k].a + sl->out[k].b)
			FAIL("slot %u: scalar add answered %lld", s,
			     (long long)rsp->result.scalar);
		/* The newest first: a pick of 0 names it. */
		if (rsp->op == VGPU_OP_SESSION_OPEN && !rsp->status) {
			memmove(sl->sessions + 1, sl->sessions, sizeof(sl->sessions) -
				sizeof(sl->sessions[0]));
			sl->sessions[0] = (uint32_t)rsp->result.scalar;
		}
		if (rsp->op == VGPU_OP_MEM_ALLOC && !rsp->status) {
			memmove(sl->dptrs + 1, sl->dptrs, sizeof(sl->dptrs) - sizeof(sl->dptrs[0]));
			sl->dptrs[0] = (uint64_t)rsp->result.scalar;
		}
		answered_module(sl, rsp);
		answered_global(sl, &sl->out[k], rsp);
		answered_event(s, sl, &sl->out[k], rsp);
		sl->out[k] = sl->out[--sl->nout];
	}
	sl->front.rsp_cons = rp;
	RING_FINAL_CHECK_FOR_RESPONSES(&sl->front, more);
	sl->waiting = !more;
	sl->notifies_at_wait = sl->notifies;
}

/* A hostile guest moves req_prod on its own. */
static void poke(struct rd *r, unsigned s)
{
	struct slot *sl = &H.slot[s];
	uint8_t f = u8(r);

	if (!sl->ring_up)
		return;
	sl->honest = false;
	sl->fresh = false;
	if (f & 0x80)
		sl->front.sring->req_prod += u32(r);
	else
		sl->front.sring->req_prod += f % 8;
	if (!(f & 0x40))
		fz_evtchn_guest_notify(slot_dom(s), slot_port(s));
}

/* Notifications with no request, each handed to the loop (XSA-332). */
static void storm(struct rd *r, unsigned s)
{
	unsigned k = 1 + u8(r) % 24;

	while (k--) {
		fz_evtchn_guest_notify(slot_dom(s), slot_port(s));
		turn(0);
	}
}

static void exec_finish(struct rd *r)
{
	static const int32_t st[] = { VGPU_OK, VGPU_OK, VGPU_EIO, VGPU_ERESET };
	uint8_t k = u8(r), how = u8(r);

	while (k-- && H.ex->nrun)
		fz_exec_finish(H.ex, how % H.ex->nrun, st[(how >> 4) & 3]);
}

static void guest_death(unsigned dom)
{
	unsigned s;
	char p[64];

	fz_guests[dom].dead = true;
	snprintf(p, sizeof(p), "/local/domain/%u", dom);
	fxs_rm(p);
	fxs_release_domain();
	for (s = 0; s < NSLOTS; s++)
		if (slot_dom(s) == dom) {
			H.slot[s].ring_up = false;
			H.slot[s].fresh = false;
			fz_evtchn_guest_notify(dom, slot_port(s));	/* it closes */
		}
	scan();
}

/* The domid comes back with fresh grants (its old pages stay as they were). */
static void guest_reboot(unsigned dom)
{
	fz_guests[dom].dead = false;
	memset(fz_guests[dom].granted, 0, sizeof(fz_guests[dom].granted));
}

static void step(struct rd *r)
{
	uint8_t op = u8(r), a = u8(r);
	unsigned s = a % NSLOTS, dom = 1 + a % FZ_NDOMS;

	H.settled = false;
	switch (op % 23) {
	case 0:
		ts_add(r, s);
		break;
	case 1:
		ts_remove(s);
		break;
	case 2:
	case 3:
		fe_connect(r, s);
		break;
	case 4:
		fe_state(r, s);
		break;
	case 5:
	case 6:
	case 7:
		request(r, s);
		break;
	case 8:
		if (a & 0x80)
			storm(r, s);
		else
			push(s);
		break;
	case 9:
	case 10:
		turn(u8(r));
		break;
	case 11:
	case 12:
		exec_finish(r);
		break;
	case 13:
		guest_read(s);
		break;
	case 14:
		fz_guests[dom].granted[pick_ref(r, dom)] = u8(r) % 3;
		break;
	case 15: {
		uint32_t ref = pick_ref(r, dom), off = u16(r) % (FZ_PAGE / 4);

		((uint32_t *)guest_page(dom, ref))[off] = u32(r);
		break;
	}
	case 16:
		if (a & 0x80)
			H.ex->fail_attach = u8(r) % 3;
		else
			H.ex->fail_submit = u8(r) % 3;
		fz_map_fail = a & 0x40 ? u8(r) % 4 : fz_map_fail;
		break;
	case 17:
		poke(r, s);
		break;
	case 18:
		if (a & 0x80)
			guest_reboot(dom);
		else
			guest_death(dom);
		break;
	case 19:
		xenbus_scan(H.bk);	/* what main.c does at start */
		scan();
		break;
	case 20:
	case 21:
		settle();
		break;
	case 22:
		/*
		 * The executor breaks (a sticky GPU error): loop.c reaps what
		 * it failed, then shuts every device down (teardown).
		 */
		while (H.ex->nrun)
			fz_exec_finish(H.ex, 0, VGPU_EIO);
		reap(H.bk);
		H.broken = true;
		break;
	}
}

/* ---------------- setup and teardown ---------------- */

/*
 * One vgpuback context for the whole run: its epoll set and mapper thread
 * stay (a thread per input costs ~10 ms), all else starts afresh.  The
 * mapper is idle between inputs (teardown settles it).
 */
static struct vgpuback *persistent_bk(void)
{
	static struct vgpuback *bk;
	struct vgpu_mapper *m;
	int epfd;

	if (!bk) {
		bk = calloc(1, sizeof(*bk));
		if (!bk)
			abort();
		bk->epfd = epoll_create1(EPOLL_CLOEXEC);
		fz_platform_reset();	/* the mapper opens a platform */
		if (bk->epfd < 0 || mapper_start(bk))
			abort();
	}
	epfd = bk->epfd;
	m = bk->mapper;
	memset(bk, 0, sizeof(*bk));
	bk->epfd = epfd;
	bk->mapper = m;
	bk->map_item = (struct ep_item){ EP_MAP, NULL };
	return bk;
}

static void setup(struct rd *r)
{
	struct vgpu_executor *ex;
	struct vgpuback *bk;
	uint8_t v;

	memset(&H, 0, sizeof(H));
	if (nseen)
		memset(seen, 0, sizeof(seen));
	nseen = 0;
	fxs_reset();
	fz_platform_reset();
	bk = persistent_bk();
	H.bk = bk;
	H.log = getenv("FUZZ_BACKEND_LOG") != NULL;
	H.next_id = 1000;
	config_defaults(&bk->cfg);
	v = u8(r);	/* now and then enough to fill a ring with work */
	bk->cfg.max_inflight = v < 224 ? 1 + v % 8 : 1 + v % 160;
	bk->cfg.max_buffer_pages = 1 + u8(r) % 48;
	bk->cfg.max_host_buffer_pages = 1 + u8(r) % 96;
	bk->cfg.max_buffers = 1 + u8(r) % 4;
	bk->cfg.max_batch = 1 + u8(r) % 8;
	v = u8(r);
	bk->cfg.max_ring_order = v % 3;
	bk->cfg.max_events = 2 + v / 3 % 8;	/* an EVENT_CREATE past it: ENOMEM */
	v = u8(r);
	bk->cfg.exec.slots = 1 + v % 4;
	H.restart_mapper = v >= 0xf0;
	bk->cfg.busy_poll_us = 0;
	bk->busy_tail = &bk->busy_head;
	vgpu_sched_init(&bk->sched, 0);
	bk->plat = fz_plat;
	bk->exops = &fz_exec_ops;
	bk->exec_name = fz_exec_ops.name;
	bk->ngpus = 2;	/* sessions on GPU 0 and 1; 2 and up are refused */
	if (fz_exec_ops.create(&bk->cfg.exec, &ex))
		abort();
	bk->ex = ex;
	H.ex = (struct fz_exec *)ex;
	H.ex->on_submit = on_submit;
	H.settled = true;
	/* main.c's watches; the rest are xenbus.c's own. */
	if (!xs_watch(bk->xs, VGPU_BE_ROOT, VGPU_TOKEN_BACKEND) ||
	    !xs_watch(bk->xs, "@releaseDomain", VGPU_TOKEN_RELEASE))
		abort();
	xenbus_scan(bk);
	scan();
}

static void teardown(void)
{
	struct vgpuback *bk = H.bk;
	unsigned tries;

	H.settled = false;
	xenbus_shutdown(bk);
	check_all();
	if (bk->sched.n)
		FAIL("%u jobs still queued after shutdown", bk->sched.n);
	for (tries = 0; (H.ex->nrun || H.ex->ndone) && tries < 64; tries++) {
		while (H.ex->nrun)
			fz_exec_finish(H.ex, 0, VGPU_OK);
		reap(bk);
		dispatch(bk);
	}
	check_all();
	settle();		/* every mapping asked for is made and unmapped */
	check_all();
	if (H.restart_mapper) {
		/* Now and then the daemon's own shutdown path (a thread join). */
		fz_gate(true);
		buffers_stop(bk);
		fz_gate(false);
		if (mapper_start(bk))
			FAIL("mapper_start failed");
	}
	if (bk->devs || bk->live_jobs || bk->live_buffers || bk->live_mappings ||
	    fz_live_maps || fz_live_evtchns || H.ex->natt || bk->live_allocs || H.ex->nmem)
		FAIL("after shutdown: devices %s, %llu jobs, %llu buffers, %llu mappings "
		     "(%u seen), %u event channels, %llu allocations (%u in the executor)",
		     bk->devs ? "left" : "none",
		     (unsigned long long)bk->live_jobs, (unsigned long long)bk->live_buffers,
		     (unsigned long long)bk->live_mappings, fz_live_maps, fz_live_evtchns,
		     (unsigned long long)bk->live_allocs, H.ex->nmem);
	/* Each event is the executor's to free, recorded or not. */
	if (fz_events_freed < H.events_created)
		FAIL("%u events created, %u given to obj_free", H.events_created,
		     fz_events_freed);
	bk->ex->ops->destroy(bk->ex);
	vgpu_sched_free(&bk->sched);
	fxs_reset();
	fz_platform_reset();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd r = { data, size };
	unsigned n = 0;

	setup(&r);
	while (r.n && n++ < MAX_STEPS && !H.broken) {
		if (H.log)
			fprintf(stderr, "step %u: op %u slot %u (host_pages %llu, maps %u)\n",
				n, r.p[0] % 23, (r.n > 1 ? r.p[1] : 0) % NSLOTS,
				(unsigned long long)H.bk->host_pages, fz_live_maps);
		step(&r);
		check_all();
	}
	teardown();
	return 0;
}
