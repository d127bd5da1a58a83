/* SPDX-License-Identifier: MIT */
/*
 * fuzz_backend_stubs.c: what fuzz_backend runs vgpuback's code against.
 *
 *  - libxenstore: xs_read/xs_write/xs_directory/xs_rm over one in-memory
 *    table (no watches: the harness rescans after each XenStore step, as
 *    the daemon does on a watch event).
 *  - The platform: each guest's pages are one memfd; a grant mapping maps
 *    those pages at one contiguous address (true aliasing, as under Xen,
 *    including a ref mapped twice).  An unmapped range is kept as a
 *    PROT_NONE guard until the input ends, so a use after unmap faults
 *    instead of reading a later mapping.
 *  - An executor whose jobs finish when the harness says, reading their
 *    operands and writing their results in the mapped pages.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xenstore.h>

#include "fuzz_backend.h"
#include "platform_impl.h"
#include "vgpu_ops.h"

/* ---------------- log.c ---------------- */

/* Format every message (bad arguments fault under ASan), print none. */
void vlog_init(bool to_stderr, int level)
{
	(void)to_stderr;
	(void)level;
}

void vlog(int level, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	(void)level;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (getenv("FUZZ_BACKEND_LOG"))
		fprintf(stderr, "vlog<%d>: %s\n", level, buf);
}

/* ---------------- XenStore ---------------- */

struct fxs_ent {
	char *path;
	char *val;
};

static struct fxs_ent *ents;
static unsigned nents, cents;

int fxs_next_event(char **path, char **token);

struct fxs_watch {
	char *path, *token;
};

static struct fxs_watch watches[256];
static unsigned nwatches;
static char *evq[4096][2];
static unsigned evq_head, evq_n;
unsigned fxs_events_dropped;


void fxs_reset(void)
{
	unsigned i;
	char *p, *t;

	while (fxs_next_event(&p, &t) == 0) {
		free(p);
		free(t);
	}
	while (nwatches) {
		nwatches--;
		free(watches[nwatches].path);
		free(watches[nwatches].token);
	}
	fxs_events_dropped = 0;

	for (i = 0; i < nents; i++) {
		free(ents[i].path);
		free(ents[i].val);
	}
	free(ents);
	ents = NULL;
	nents = cents = 0;
}

static int fxs_find(const char *path)
{
	unsigned i;

	for (i = 0; i < nents; i++)
		if (!strcmp(ents[i].path, path))
			return (int)i;
	return -1;
}

/* Does any node live below @path (an implicit directory)? */
static bool fxs_has_children(const char *path)
{
	size_t n = strlen(path);
	unsigned i;

	for (i = 0; i < nents; i++)
		if (!strncmp(ents[i].path, path, n) && ents[i].path[n] == '/')
			return true;
	return false;
}

static void fxs_fire(const char *path, bool removed);

void fxs_write(const char *path, const char *val)
{
	int i = fxs_find(path);

	fxs_fire(path, false);
	if (i >= 0) {
		free(ents[i].val);
		ents[i].val = strdup(val);
		return;
	}
	if (nents == cents) {
		cents = cents ? cents * 2 : 64;
		ents = realloc(ents, cents * sizeof(*ents));
		if (!ents)
			abort();
	}
	ents[nents].path = strdup(path);
	ents[nents].val = strdup(val);
	nents++;
}

char *fxs_read(const char *path)
{
	int i = fxs_find(path);

	if (i >= 0)
		return strdup(ents[i].val);
	return fxs_has_children(path) ? strdup("") : NULL;
}

void fxs_rm(const char *path)
{
	size_t n = strlen(path);
	unsigned i = 0;

	if (fxs_find(path) >= 0 || fxs_has_children(path))
		fxs_fire(path, true);
	while (i < nents) {
		if (!strncmp(ents[i].path, path, n) &&
		    (ents[i].path[n] == '/' || !ents[i].path[n])) {
			free(ents[i].path);
			free(ents[i].val);
			ents[i] = ents[--nents];
		} else {
			i++;
		}
	}
}

void *xs_read(struct xs_handle *h, xs_transaction_t t, const char *path,
	      unsigned int *len)
{
	char *v = fxs_read(path);

	(void)h;
	(void)t;
	if (!v) {
		errno = ENOENT;
		return NULL;
	}
	if (len)
		*len = (unsigned)strlen(v);
	return v;
}

bool xs_write(struct xs_handle *h, xs_transaction_t t, const char *path,
	      const void *data, unsigned int len)
{
	char *v = malloc(len + 1);

	(void)h;
	(void)t;
	if (!v)
		return false;
	memcpy(v, data, len);
	v[len] = 0;
	fxs_write(path, v);
	free(v);
	return true;
}

bool xs_mkdir(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	(void)h;
	(void)t;
	if (fxs_find(path) < 0)
		fxs_write(path, "");
	return true;
}

bool xs_rm(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	(void)h;
	(void)t;
	fxs_rm(path);
	return true;
}

/* Transactions: one writer, so each applies at once and always commits. */
xs_transaction_t xs_transaction_start(struct xs_handle *h)
{
	(void)h;
	return 1;
}

bool xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort_it)
{
	(void)h;
	(void)t;
	(void)abort_it;
	return true;
}

/* The children of @path, in one allocation as libxenstore returns them. */
char **xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path,
		    unsigned int *num)
{
	size_t n = strlen(path), bytes = 0;
	const char **names = calloc(nents + 1, sizeof(*names));
	size_t *lens = calloc(nents + 1, sizeof(*lens));
	unsigned i, k, cnt = 0;
	char **out = NULL, *s;

	(void)h;
	(void)t;
	if (!names || !lens)
		goto out;
	for (i = 0; i < nents; i++) {
		const char *p = ents[i].path, *c, *e;
		bool dup = false;

		if (strncmp(p, path, n) || p[n] != '/')
			continue;
		c = p + n + 1;
		e = strchr(c, '/');
		lens[cnt] = e ? (size_t)(e - c) : strlen(c);
		for (k = 0; k < cnt && !dup; k++)
			dup = lens[k] == lens[cnt] && !strncmp(names[k], c, lens[cnt]);
		if (dup)
			continue;
		names[cnt] = c;
		bytes += lens[cnt] + 1;
		cnt++;
	}
	if (!cnt && fxs_find(path) < 0) {
		errno = ENOENT;
		goto out;
	}
	out = malloc((cnt + 1) * sizeof(*out) + bytes);
	if (!out)
		goto out;
	s = (char *)(out + cnt + 1);
	for (k = 0; k < cnt; k++) {
		memcpy(s, names[k], lens[k]);
		s[lens[k]] = 0;
		out[k] = s;
		s += lens[k] + 1;
	}
	out[cnt] = NULL;
	*num = cnt;
out:
	free(names);
	free(lens);
	return out;
}

/*
 * Watches as xenstored keeps them: one event when set, then one for every
 * write or removal at or below the watched path (a removal also fires the
 * watches below it).  Events queue until the harness hands them to
 * xenbus_event(), as loop.c does for each xs_check_watch().
 */

static void fxs_queue(const char *path, const char *token)
{
	unsigned i;

	if (evq_n == 4096) {
		fxs_events_dropped++;	/* xenstored drops at its limit too */
		return;
	}
	i = (evq_head + evq_n++) % 4096;
	evq[i][0] = strdup(path);
	evq[i][1] = strdup(token);
}

static void fxs_fire(const char *path, bool removed)
{
	size_t n = strlen(path);
	unsigned i;

	for (i = 0; i < nwatches; i++) {
		size_t w = strlen(watches[i].path);

		if ((!strncmp(path, watches[i].path, w) && (path[w] == '/' || !path[w])) ||
		    (removed && !strncmp(watches[i].path, path, n) && watches[i].path[n] == '/'))
			fxs_queue(path, watches[i].token);
	}
}

void fxs_release_domain(void)
{
	unsigned i;

	for (i = 0; i < nwatches; i++)
		if (!strcmp(watches[i].path, "@releaseDomain"))
			fxs_queue("@releaseDomain", watches[i].token);
}

/* The next event: 0 and @path/@token (free both), or -1. */
int fxs_next_event(char **path, char **token)
{
	if (!evq_n)
		return -1;
	*path = evq[evq_head][0];
	*token = evq[evq_head][1];
	evq_head = (evq_head + 1) % 4096;
	evq_n--;
	return 0;
}

unsigned fxs_nwatches(void)
{
	return nwatches;
}

bool xs_watch(struct xs_handle *h, const char *path, const char *token)
{
	(void)h;
	if (nwatches == 256) {
		errno = E2BIG;
		return false;
	}
	watches[nwatches].path = strdup(path);
	watches[nwatches].token = strdup(token);
	nwatches++;
	fxs_queue(path, token);
	return true;
}

bool xs_unwatch(struct xs_handle *h, const char *path, const char *token)
{
	unsigned i;

	(void)h;
	for (i = 0; i < nwatches; i++)
		if (!strcmp(watches[i].path, path) && !strcmp(watches[i].token, token)) {
			free(watches[i].path);
			free(watches[i].token);
			watches[i] = watches[--nwatches];
			return true;
		}
	errno = ENOENT;
	return false;
}

char **xs_check_watch(struct xs_handle *h)
{
	(void)h;
	errno = EAGAIN;
	return NULL;
}

/* ---------------- grants ---------------- */

struct fz_guest fz_guests[FZ_NDOMS + 1];
unsigned fz_map_fail, fz_live_maps, fz_live_evtchns;

struct fz_map {
	void *addr;
	unsigned pages;
	uint32_t domid;
	uint32_t first_ref;
	struct fz_map *next;
};

static struct fz_map *maps, *guards;	/* live, and unmapped guard ranges */
/* vgpuback may map off its loop (a mapper thread): the lists are locked. */
static pthread_mutex_t map_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * The mapper thread's grant operations wait at a gate the harness opens
 * only while it lets that thread finish all its work (fuzz_backend.c,
 * settle()): what the thread does is then one step of the input, at a
 * point the input chose, and a run is repeatable.
 */
static pthread_t fz_main;
static bool gate_open;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;

void fz_gate(bool open)
{
	pthread_mutex_lock(&map_lock);
	gate_open = open;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&map_lock);
}

static void gate_wait(void)
{
	static int off = -1;

	if (off < 0)
		off = getenv("FUZZ_BACKEND_NO_GATE") != NULL;
	if (off || pthread_equal(pthread_self(), fz_main))
		return;
	pthread_mutex_lock(&map_lock);
	while (!gate_open)
		pthread_cond_wait(&gate_cond, &map_lock);
	pthread_mutex_unlock(&map_lock);
}

uint64_t fz_mapped_pages(uint32_t domid)
{
	struct fz_map *m;
	uint64_t n = 0;

	pthread_mutex_lock(&map_lock);
	for (m = maps; m; m = m->next)
		if (m->domid == domid)
			n += m->pages;
	pthread_mutex_unlock(&map_lock);
	return n;
}
static int memfd[FZ_NDOMS + 1];

static void *fz_reserve(unsigned pages)
{
	void *a = mmap(NULL, (size_t)(pages + 1) * FZ_PAGE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return a == MAP_FAILED ? NULL : a;
}

static void *fz_gnt_map(struct vgpu_platform *p, uint32_t domid, unsigned count,
			const uint32_t *refs, int writable)
{
	struct fz_guest *g = domid >= 1 && domid <= FZ_NDOMS ? &fz_guests[domid] : NULL;
	struct fz_map *m;
	uint8_t *a;
	unsigned i;

	(void)p;
	gate_wait();
	if (!g || g->dead) {
		errno = ESRCH;
		return NULL;
	}
	if (fz_map_fail) {
		fz_map_fail--;
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < count; i++)
		if (refs[i] == 0 || refs[i] >= FZ_NREFS || !g->granted[refs[i]] ||
		    (writable && g->granted[refs[i]] != 2)) {
			errno = EPERM;
			return NULL;
		}
	a = fz_reserve(count);
	m = calloc(1, sizeof(*m));
	pthread_mutex_lock(&map_lock);
	if (!a || !m)
		abort();
	for (i = 0; i < count; i++)
		if (mmap(a + (size_t)i * FZ_PAGE, FZ_PAGE,
			 PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED | MAP_FIXED,
			 memfd[domid], (off_t)refs[i] * FZ_PAGE) == MAP_FAILED)
			abort();
	m->addr = a;
	m->pages = count;
	m->domid = domid;
	m->first_ref = refs[0];
	m->next = maps;
	maps = m;
	fz_live_maps++;
	pthread_mutex_unlock(&map_lock);
	return a;
}

static int fz_gnt_unmap(struct vgpu_platform *p, void *addr, unsigned count)
{
	struct fz_map **pm, *m;

	(void)p;
	gate_wait();
	pthread_mutex_lock(&map_lock);
	for (pm = &maps; *pm; pm = &(*pm)->next)
		if ((*pm)->addr == addr)
			break;
	m = *pm;
	/* Unmapping what is not mapped, or with another size, is a bug. */
	if (!m || m->pages != count)
		abort();
	*pm = m->next;
	if (mmap(addr, (size_t)count * FZ_PAGE, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0) == MAP_FAILED)
		abort();
	m->next = guards;
	guards = m;
	fz_live_maps--;
	pthread_mutex_unlock(&map_lock);
	return 0;
}

int fz_mapping_find(const void *addr, unsigned pages, uint32_t *domid)
{
	struct fz_map *m;
	int ref = -1;

	pthread_mutex_lock(&map_lock);
	for (m = maps; m; m = m->next)
		if (m->addr == addr && m->pages == pages) {
			if (domid)
				*domid = m->domid;
			ref = (int)m->first_ref;
			break;
		}
	pthread_mutex_unlock(&map_lock);
	return ref;
}

/* ---------------- event channels ---------------- */

/*
 * A port fires once per notification batch: pending() hands it out and
 * leaves it masked; a notification while masked is latched and comes out
 * after unmask (the evtchn device's behaviour).
 */
struct fz_evtchn {
	struct vgpu_evtchn base;
	int fd;
	int port;		/* local; -1 unbound */
	uint32_t remote_dom, remote_port;
	bool pend, masked;
	struct fz_evtchn *next;
};

static struct fz_evtchn *chans;

/* The guest notifies its port: the backend's bound handle latches it. */
void fz_evtchn_guest_notify(uint32_t domid, uint32_t port)
{
	struct fz_evtchn *c;
	uint64_t one = 1;

	for (c = chans; c; c = c->next)
		if (c->port >= 0 && c->remote_dom == domid && c->remote_port == port) {
			c->pend = true;
			if (write(c->fd, &one, sizeof(one)) < 0)
				abort();
		}
}

/* Would the loop see this handle's fd readable with a port to hand out? */
bool fz_evtchn_ready(struct vgpu_evtchn *ch)
{
	struct fz_evtchn *c = (struct fz_evtchn *)ch;

	return c && c->pend && !c->masked;
}

static int next_port = 10;

static struct vgpu_evtchn *fz_evtchn_open(struct vgpu_platform *p)
{
	struct fz_evtchn *c = calloc(1, sizeof(*c));

	(void)p;
	if (!c)
		return NULL;
	c->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (c->fd < 0)
		abort();
	c->port = -1;
	c->next = chans;
	chans = c;
	fz_live_evtchns++;
	return &c->base;
}

static void fz_evtchn_close(struct vgpu_evtchn *ch)
{
	struct fz_evtchn *c = (struct fz_evtchn *)ch, **pc;

	for (pc = &chans; *pc != c; pc = &(*pc)->next)
		;
	*pc = c->next;
	close(c->fd);
	free(c);
	fz_live_evtchns--;
}

static int fz_evtchn_fd(struct vgpu_evtchn *ch)
{
	return ((struct fz_evtchn *)ch)->fd;
}

static int fz_evtchn_bind(struct vgpu_evtchn *ch, uint32_t remote, uint32_t rport)
{
	struct fz_evtchn *c = (struct fz_evtchn *)ch;

	if (remote < 1 || remote > FZ_NDOMS || fz_guests[remote].dead)
		return -ESRCH;
	if (c->port >= 0)
		return -EBUSY;	/* one port per handle is all vgpuback uses */
	c->remote_dom = remote;
	c->remote_port = rport;
	c->port = next_port++;
	return c->port;
}

static int fz_evtchn_unbind(struct vgpu_evtchn *ch, uint32_t port)
{
	struct fz_evtchn *c = (struct fz_evtchn *)ch;

	if (c->port < 0 || (uint32_t)c->port != port)
		return -EINVAL;
	c->port = -1;
	return 0;
}

static int fz_evtchn_notify(struct vgpu_evtchn *ch, uint32_t port)
{
	struct fz_evtchn *c = (struct fz_evtchn *)ch;

	/* Notifying a port the handle does not own is a backend bug. */
	if (c->port < 0 || (uint32_t)c->port != port)
		abort();
	fz_guest_notified(c->remote_dom, c->remote_port);
	return 0;
}

static int fz_evtchn_pending(struct vgpu_evtchn *ch)
{
	struct fz_evtchn *c = (struct fz_evtchn *)ch;
	uint64_t v;

	if (!c->pend || c->masked || c->port < 0)
		return -EAGAIN;
	if (read(c->fd, &v, sizeof(v)) < 0)
		(void)0;
	c->pend = false;
	c->masked = true;
	return c->port;
}

static int fz_evtchn_unmask(struct vgpu_evtchn *ch, uint32_t port)
{
	struct fz_evtchn *c = (struct fz_evtchn *)ch;

	if (c->port < 0 || (uint32_t)c->port != port)
		abort();	/* unmasking a port the handle does not own */
	c->masked = false;
	return 0;
}

static int fz_evtchn_peer_alive(struct vgpu_evtchn *ch, uint32_t port)
{
	struct fz_evtchn *c = (struct fz_evtchn *)ch;

	(void)port;
	return c->port >= 0 && !fz_guests[c->remote_dom].dead;
}

static int fz_open(struct vgpu_platform *p)
{
	(void)p;
	return 0;
}

static void fz_close(struct vgpu_platform *p)
{
	(void)p;
}

/* platform.c's table names both; here both are the fake. */
#define FZ_OPS \
	.open = fz_open, \
	.close = fz_close, \
	.gnt_map = fz_gnt_map, \
	.gnt_unmap = fz_gnt_unmap, \
	.evtchn_open = fz_evtchn_open, \
	.evtchn_close = fz_evtchn_close, \
	.evtchn_fd = fz_evtchn_fd, \
	.evtchn_bind = fz_evtchn_bind, \
	.evtchn_unbind = fz_evtchn_unbind, \
	.evtchn_notify = fz_evtchn_notify, \
	.evtchn_pending = fz_evtchn_pending, \
	.evtchn_unmask = fz_evtchn_unmask, \
	.evtchn_peer_alive = fz_evtchn_peer_alive
const struct vgpu_platform_ops vgpu_platform_sim_ops = { .name = "sim", FZ_OPS };
const struct vgpu_platform_ops vgpu_platform_xen_ops = { .name = "xen", FZ_OPS };

struct vgpu_platform *fz_plat;

void fz_platform_reset(void)
{
	unsigned d;

	while (guards) {
		struct fz_map *m = guards;

		guards = m->next;
		munmap(m->addr, (size_t)(m->pages + 1) * FZ_PAGE);
		free(m);
	}
	if (maps)
		abort();	/* the harness checked: nothing stays mapped */
	for (d = 1; d <= FZ_NDOMS; d++) {
		struct fz_guest *g = &fz_guests[d];

		if (!g->view) {
			char name[16];

			snprintf(name, sizeof(name), "fz-dom%u", d);
			memfd[d] = memfd_create(name, MFD_CLOEXEC);
			if (memfd[d] < 0 || ftruncate(memfd[d], (off_t)FZ_NREFS * FZ_PAGE))
				abort();
			g->view = mmap(NULL, (size_t)FZ_NREFS * FZ_PAGE, PROT_READ | PROT_WRITE,
				       MAP_SHARED, memfd[d], 0);
			if (g->view == MAP_FAILED)
				abort();
		}
		memset(g->view, 0, (size_t)FZ_NREFS * FZ_PAGE);
		memset(g->granted, 0, sizeof(g->granted));
		g->dead = false;
	}
	if (!fz_plat)
		fz_plat = vgpu_platform_open("sim");
	if (!fz_plat)
		abort();
	fz_map_fail = 0;
	next_port = 10;
	fz_main = pthread_self();
	gate_open = false;
}

/* ---------------- executor ---------------- */

static struct fz_exec *to_fz(struct vgpu_executor *ex)
{
	return (struct fz_exec *)ex;
}

/*
 * Events (protocol 2) under vgpuback's handles: each RECORD job tells of
 * one (its domain, the stream of its newest RECORD, how many RECORDs);
 * obj_free marks it freed (one never recorded is filed freed then, to
 * catch a later use).  A RECORD job's exec_priv is its number, a SYNC's
 * the RECORDs it waits for.  Kept here, not in struct fz_exec: one
 * executor at a time, reset by fz_create; fz_destroy wants all freed.
 */
struct fz_event {
	uint32_t domid;
	uint64_t handle;
	uint32_t stream;
	uint64_t nrec;			/* RECORDs submitted */
	uint64_t synced;		/* RECORDs a SYNC that ran VGPU_OK covered */
	bool recorded, freed;
};

static struct fz_event *fz_events;
static unsigned fz_nevents, fz_cevents;
unsigned fz_events_freed;	/* obj_free of events, this executor (fuzz_backend.c) */

static int fz_create(const struct vgpu_exec_config *cfg, struct vgpu_executor **out)
{
	struct fz_exec *x = calloc(1, sizeof(*x));

	if (!x)
		return -ENOMEM;
	x->base.ops = &fz_exec_ops;
	fz_nevents = fz_events_freed = 0;
	x->slots = cfg->slots ? cfg->slots : 2;
	if (x->slots > FZ_MAX_SLOTS)
		x->slots = FZ_MAX_SLOTS;
	*out = &x->base;
	return 0;
}

static void fz_destroy(struct vgpu_executor *ex)
{
	struct fz_exec *x = to_fz(ex);
	unsigned i;

	if (x->nrun || x->ndone || x->natt || x->nmem || x->nmods)
		abort();	/* the backend left work, buffers, memory or modules behind */
	for (i = 0; i < fz_nevents; i++)
		if (!fz_events[i].freed)
			abort();	/* ... or an event it recorded */
	free(fz_events);
	fz_events = NULL;
	fz_nevents = fz_cevents = 0;
	free(x->att);
	free(x->mem);
	free(x->mods);
	free(x->fns);
	free(x->globals);
	free(x);
}

static int fz_event_fd(struct vgpu_executor *ex)
{
	(void)ex;
	return -1;
}

static bool fz_can_submit(struct vgpu_executor *ex, const struct vgpu_job *job)
{
	struct fz_exec *x = to_fz(ex);

	(void)job;
	return x->nrun + x->ndone < x->slots;
}

static int fz_find_att(struct fz_exec *x, const struct vgpu_buffer *b)
{
	unsigned i;

	for (i = 0; i < x->natt; i++)
		if (x->att[i] == b)
			return (int)i;
	return -1;
}

static void *fz_grow(void *p, unsigned n, unsigned *cap, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap ? 2 * *cap : 16;
	p = realloc(p, *cap * size);
	if (!p)
		abort();
	return p;
}

static struct fz_event *fz_event_find(uint64_t handle)
{
	unsigned i;

	for (i = 0; i < fz_nevents; i++)
		if (fz_events[i].handle == handle)
			return &fz_events[i];
	return NULL;
}

static struct fz_event *fz_event_add(uint32_t domid, uint64_t handle)
{
	struct fz_event *e;

	fz_events = fz_grow(fz_events, fz_nevents, &fz_cevents, sizeof(*fz_events));
	e = &fz_events[fz_nevents++];
	*e = (struct fz_event){ .domid = domid, .handle = handle };
	return e;
}

/* Never freed, and of the job's own domain: else vgpuback let a dead or foreign one through. */
static struct fz_event *fz_event_live(const struct vgpu_job *j, uint64_t handle)
{
	struct fz_event *e = fz_event_find(handle);

	if (e && (e->freed || e->domid != j->domid))
		abort();
	return e;
}

/*
 * ELAPSED: recorded (vgpuback must refuse one never recorded) and
 * complete: each RECORD of it this executor holds (finished or not,
 * vgpuback has not reaped it) was covered by a SYNC that ran VGPU_OK.
 */
static void fz_event_complete(const struct fz_exec *x, const struct vgpu_job *j,
			      uint64_t handle)
{
	const struct fz_event *e = fz_event_live(j, handle);
	unsigned k;

	if (!e || !e->recorded)
		abort();
	for (k = 0; k < x->nrun + x->ndone; k++) {
		const struct vgpu_job *r = k < x->nrun ? x->run[k] : x->done[k - x->nrun];

		if (r->req.op == VGPU_OP_EVENT_RECORD && r->req.u.event.event == handle &&
		    (uintptr_t)r->exec_priv > e->synced)
			abort();
	}
}

/*
 * RECORD files the event; SYNC comes on the stream of its newest RECORD
 * (vgpuback re-aims it; 0 if never recorded).  All run on the GPU of
 * their session.
 */
static void fz_event_submit(const struct fz_exec *x, struct vgpu_job *j)
{
	const struct vgpuif_event_req *q = &j->req.u.event;
	struct fz_event *e;

	if (j->session_gpu < 0)
		abort();
	if (j->req.op == VGPU_OP_EVENT_ELAPSED) {
		fz_event_complete(x, j, j->req.u.event_elapsed.start);
		fz_event_complete(x, j, j->req.u.event_elapsed.end);
		return;
	}
	e = fz_event_live(j, q->event);
	if (j->req.op == VGPU_OP_EVENT_SYNC) {
		if (q->stream != (e ? e->stream : 0))
			abort();
		j->exec_priv = (void *)(uintptr_t)(e ? e->nrec : 0);
		return;
	}
	if (!e)
		e = fz_event_add(j->domid, q->event);
	e->recorded = true;
	e->stream = q->stream;
	j->exec_priv = (void *)(uintptr_t)++e->nrec;
}

/* A SYNC that ran covers the RECORDs before it; ELAPSED: the stand-in clock. */
static void fz_event_run(struct vgpu_job *j)
{
	struct fz_event *e;

	if (j->req.op == VGPU_OP_EVENT_ELAPSED) {
		/* An event's time is its handle (the guest checks end - start). */
		j->result.scalar = (int64_t)(j->req.u.event_elapsed.end -
					     j->req.u.event_elapsed.start);
		return;
	}
	e = fz_event_find(j->req.u.event.event);
	if (j->req.op == VGPU_OP_EVENT_SYNC && e && (uintptr_t)j->exec_priv > e->synced)
		e->synced = (uintptr_t)j->exec_priv;
}

static bool fz_is_event_op(uint8_t op)
{
	return op == VGPU_OP_EVENT_RECORD || op == VGPU_OP_EVENT_SYNC ||
	       op == VGPU_OP_EVENT_ELAPSED;
}

/* Does job @j name event @handle? */
static bool fz_names_event(const struct vgpu_job *j, uint64_t handle)
{
	if (j->req.op == VGPU_OP_EVENT_ELAPSED)
		return j->req.u.event_elapsed.start == handle ||
		       j->req.u.event_elapsed.end == handle;
	return fz_is_event_op(j->req.op) && j->req.u.event.event == handle;
}

/* Freed once, of its domain, and no job this executor holds names it. */
static void fz_event_free(struct fz_exec *x, const struct vgpu_obj_ref *m)
{
	struct fz_event *e = fz_event_find(m->id);
	unsigned k;

	if (!m->id || (e && (e->freed || e->domid != m->domid)))
		abort();
	for (k = 0; k < x->nrun; k++)
		if (fz_names_event(x->run[k], m->id))
			abort();
	for (k = 0; k < x->ndone; k++)
		if (fz_names_event(x->done[k], m->id))
			abort();
	if (!e)
		e = fz_event_add(m->domid, m->id);	/* never recorded: legal */
	e->freed = true;
	fz_events_freed++;
}

static int fz_submit(struct vgpu_executor *ex, struct vgpu_job *job)
{
	struct fz_exec *x = to_fz(ex);
	unsigned i;

	if (x->nrun + x->ndone >= x->slots)
		abort();	/* submitted without can_submit */
	for (i = 0; i < 3; i++)
		if (job->buf[i] && (fz_find_att(x, job->buf[i]) < 0 || !job->buf[i]->refcnt))
			abort();	/* a job with a buffer that is not there */
	if (x->on_submit)
		x->on_submit(job);
	if (fz_is_event_op(job->req.op))
		fz_event_submit(x, job);	/* a failed submit still told of it */
	if (x->fail_submit) {
		x->fail_submit--;
		return VGPU_EIO;
	}
	job->gpu = -1;
	x->run[x->nrun++] = job;
	return 0;
}

/* The live allocation holding all of [ptr, ptr + len), or -1. */
static int fz_mem_find(const struct fz_exec *x, uint64_t ptr, uint64_t len)
{
	unsigned i;

	for (i = 0; i < x->nmem; i++)
		if (ptr >= x->mem[i].ptr && ptr - x->mem[i].ptr <= x->mem[i].len &&
		    len <= x->mem[i].len - (ptr - x->mem[i].ptr))
			return (int)i;
	return -1;
}

static void fz_mem_alloc(struct fz_exec *x, struct vgpu_job *j)
{
	uint64_t len = j->req.u.mem_alloc.bytes;

	if (x->nmem == x->cmem) {
		x->cmem = x->cmem ? 2 * x->cmem : 16;
		x->mem = realloc(x->mem, x->cmem * sizeof(*x->mem));
		if (!x->mem)
			abort();
	}
	if (!x->next_ptr)
		x->next_ptr = 0x7f0000000000ull;
	x->mem[x->nmem++] = (struct fz_mem){ x->next_ptr, len };
	j->result.scalar = (int64_t)x->next_ptr;
	x->next_ptr += (len + 0x10000) & ~0xffull;	/* a gap after each */
}

static int fz_mod_find(const struct fz_exec *x, uint64_t handle)
{
	unsigned i;

	for (i = 0; i < x->nmods; i++)
		if (x->mods[i].handle == handle)
			return (int)i;
	return -1;
}

static int fz_fn_find(const struct fz_exec *x, uint64_t handle)
{
	unsigned i;

	for (i = 0; i < x->nfns; i++)
		if (x->fns[i].handle == handle)
			return (int)i;
	return -1;
}

/*
 * Modules: a new handle each load; a look-up only in a module still
 * loaded; a launch only of a function of one, with exactly its blob (else
 * vgpuback let a dead handle or a wrong blob through).  A function's
 * parameters come from its name's length: name_len % 5 of 8 bytes each.
 */
static void fz_module_job(struct fz_exec *x, struct vgpu_job *j)
{
	if (j->req.op == VGPU_OP_MODULE_LOAD) {
		if (!j->handle || fz_mod_find(x, j->handle) >= 0)
			abort();
		x->mods = fz_grow(x->mods, x->nmods, &x->cmods, sizeof(*x->mods));
		x->mods[x->nmods++].handle = j->handle;
		j->result.scalar = 12345;	/* vgpuback answers its own handle */
	} else if (j->req.op == VGPU_OP_FUNC_GET) {
		const struct vgpuif_func_get_req *f = &j->req.u.func_get;
		struct vgpuif_func_result r = { 999, f->name_len % 5, f->name_len % 5 * 8 };
		struct vgpuif_param *l = j->ptr[1];
		unsigned i;

		if (!j->handle || fz_mod_find(x, f->module) < 0 || fz_fn_find(x, j->handle) >= 0)
			abort();
		for (i = 0; i < r.nparams && i < f->layout_len / sizeof(*l); i++)
			l[i] = (struct vgpuif_param){ i * 8, 8 };
		x->fns = fz_grow(x->fns, x->nfns, &x->cfns, sizeof(*x->fns));
		x->fns[x->nfns++] = (struct fz_fn){ j->handle, f->module, r.param_bytes };
		memcpy(j->result.raw, &r, sizeof(r));
	} else {
		int i = fz_fn_find(x, j->req.u.launch.func);
		const volatile uint8_t *p = j->ptr[0];
		uint32_t k;

		if (i < 0 || j->req.u.launch.params_len != x->fns[i].param_bytes)
			abort();
		for (k = 0; k < x->fns[i].param_bytes; k++)
			(void)p[k];	/* an unmapped byte faults */
	}
}

/* The live global holding all of [ptr, ptr + len), or -1. */
static int fz_global_find(const struct fz_exec *x, uint64_t ptr, uint64_t len)
{
	unsigned i;

	for (i = 0; i < x->nglobals; i++)
		if (ptr >= x->globals[i].ptr && ptr - x->globals[i].ptr <= x->globals[i].len &&
		    len <= x->globals[i].len - (ptr - x->globals[i].ptr))
			return (int)i;
	return -1;
}

/*
 * GLOBAL_GET: only of a module still loaded; its name's length picks the
 * global (sane ones are filed, the copies may name them) or an answer
 * vgpuback must not believe.
 */
static void fz_global_job(struct fz_exec *x, struct vgpu_job *j)
{
	const struct vgpuif_global_get_req *g = &j->req.u.global_get;
	struct vgpuif_global_result r = {
		FZ_GLOBAL_BASE + (g->module << 16) + g->name_len % 4 * 0x100,
		0x2000 + g->name_len % 4 * 0x800 };

	if (j->handle || fz_mod_find(x, g->module) < 0)
		abort();
	if (g->name_len % 16 == 15)
		r.bytes = 0;
	else if (g->name_len % 16 == 14)
		r.dptr = UINT64_MAX - 0xfff;
	else if (fz_global_find(x, r.dptr, r.bytes) < 0) {
		x->globals = fz_grow(x->globals, x->nglobals, &x->cglobals, sizeof(*x->globals));
		x->globals[x->nglobals++] = (struct fz_global){ g->module, r.dptr, r.bytes };
	}
	memcpy(j->result.raw, &r, sizeof(r));
}

/* Does job @j name a range in a global of module @handle? */
static bool fz_names_global(const struct fz_exec *x, const struct vgpu_job *j, uint64_t handle)
{
	const struct vgpu_op_desc *d = vgpu_op_desc(j->req.op);
	struct vgpu_drange r[2];
	unsigned n = d && d->dranges ? d->dranges(&j->req, r) : 0, i;
	int g;

	for (i = 0; i < n; i++) {
		g = fz_global_find(x, r[i].ptr, r[i].len);
		if (g >= 0 && x->globals[g].module == handle)
			return true;
	}
	return false;
}

/* Does running job @j name module @handle (itself, a function or a global of it)? */
static bool fz_names_module(const struct fz_exec *x, const struct vgpu_job *j, uint64_t handle)
{
	int i;

	if (j->req.op == VGPU_OP_FUNC_GET)
		return j->req.u.func_get.module == handle;
	if (j->req.op == VGPU_OP_GLOBAL_GET)
		return j->req.u.global_get.module == handle;
	if (fz_names_global(x, j, handle))
		return true;
	if (j->req.op != VGPU_OP_LAUNCH)
		return false;
	i = fz_fn_find(x, j->req.u.launch.func);
	return i >= 0 && x->fns[i].module == handle;
}

static void fz_module_free(struct fz_exec *x, uint64_t handle)
{
	int i = fz_mod_find(x, handle);
	unsigned k;

	if (i < 0)
		abort();	/* unloaded twice, or never loaded */
	for (k = 0; k < x->nrun; k++)
		if (fz_names_module(x, x->run[k], handle))
			abort();	/* unloaded under a running job */
	x->mods[i] = x->mods[--x->nmods];
	for (k = 0; k < x->nfns;)
		if (x->fns[k].module == handle)
			x->fns[k] = x->fns[--x->nfns];
		else
			k++;
	for (k = 0; k < x->nglobals;)
		if (x->globals[k].module == handle)
			x->globals[k] = x->globals[--x->nglobals];
		else
			k++;
}

/*
 * A protocol 2 job: every device range it names lies in memory this
 * executor gave out and has not freed, or in a global of a module still
 * loaded (else vgpuback let a freed, foreign or made-up address through),
 * and its buffer bytes are all mapped.
 */
static void fz_mem_job(struct fz_exec *x, struct vgpu_job *j)
{
	const struct vgpu_op_desc *d = vgpu_op_desc(j->req.op);
	struct vgpu_drange r[2];
	unsigned i, n;

	if (j->req.op == VGPU_OP_MEM_ALLOC) {
		fz_mem_alloc(x, j);
		return;
	}
	if (j->req.op == VGPU_OP_MODULE_LOAD || j->req.op == VGPU_OP_FUNC_GET ||
	    j->req.op == VGPU_OP_LAUNCH) {
		fz_module_job(x, j);
		return;
	}
	if (j->req.op == VGPU_OP_GLOBAL_GET) {
		fz_global_job(x, j);
		return;
	}
	if (fz_is_event_op(j->req.op)) {
		fz_event_run(j);
		return;
	}
	n = d->dranges ? d->dranges(&j->req, r) : 0;
	for (i = 0; i < n; i++)
		if (fz_mem_find(x, r[i].ptr, r[i].len) < 0 &&
		    fz_global_find(x, r[i].ptr, r[i].len) < 0)
			abort();
	if (j->req.op == VGPU_OP_MEMCPY_DTOH) {
		memset(j->ptr[0], 0x5a, j->req.u.memcpy.bytes);	/* an unmapped byte faults */
	} else if (j->req.op == VGPU_OP_MEMCPY_HTOD) {
		const volatile uint8_t *p = j->ptr[0];
		uint64_t k;
		uint8_t sum = 0;

		for (k = 0; k < j->req.u.memcpy.bytes; k++)
			sum += p[k];
		(void)sum;
	}
}

void fz_exec_finish(struct fz_exec *x, unsigned idx, int32_t status)
{
	struct vgpu_job *j = x->run[idx];
	const struct vgpu_op_desc *d = vgpu_op_desc(j->req.op);

	x->run[idx] = x->run[--x->nrun];
	if (!status && d && d->session == VGPU_SESSION_NAMED) {
		fz_mem_job(x, j);
	} else if (!status && j->req.op == VGPU_OP_SCALAR_ADD) {
		j->result.scalar = j->req.u.scalar_add.a + j->req.u.scalar_add.b;
	} else if (!status && j->req.op == VGPU_OP_VECTOR_ADD) {
		/* Touch every operand byte: an unmapped one faults. */
		const float *a = j->ptr[0], *b = j->ptr[1];
		float *c = j->ptr[2];
		uint64_t i, n = j->req.u.vector_add.n;

		for (i = 0; i < n; i++)
			c[i] = a[i] + b[i];
	} else if (!status) {
		status = VGPU_ENOSYS;
	}
	j->status = status;
	x->done[x->ndone++] = j;
}

static unsigned fz_reap(struct vgpu_executor *ex, struct vgpu_job **done, unsigned max)
{
	struct fz_exec *x = to_fz(ex);
	unsigned n = 0;

	while (n < max && n < x->ndone) {
		done[n] = x->done[n];
		n++;
	}
	memmove(x->done, x->done + n, (x->ndone - n) * sizeof(x->done[0]));
	x->ndone -= n;
	return n;
}

static int fz_buf_attach(struct vgpu_executor *ex, struct vgpu_buffer *buf)
{
	struct fz_exec *x = to_fz(ex);

	if (fz_find_att(x, buf) >= 0 || buf->exec_priv)
		abort();
	if (x->fail_attach) {
		x->fail_attach--;
		return -EIO;
	}
	if (x->natt == x->catt) {
		x->catt = x->catt ? 2 * x->catt : 16;
		x->att = realloc(x->att, x->catt * sizeof(*x->att));
		if (!x->att)
			abort();
	}
	x->att[x->natt++] = buf;
	buf->exec_priv = malloc(1);	/* leaks if detach is forgotten */
	return 0;
}

static void fz_buf_detach(struct vgpu_executor *ex, struct vgpu_buffer *buf)
{
	struct fz_exec *x = to_fz(ex);
	int i = fz_find_att(x, buf);
	unsigned k;

	/*
	 * Detached twice, or still used by a job.  (buf_unregister() releases
	 * with the registration's reference still counted: refcnt 1 here.)
	 */
	if (i < 0 || buf->refcnt > 1)
		abort();
	for (k = 0; k < x->nrun; k++)
		if (x->run[k]->buf[0] == buf || x->run[k]->buf[1] == buf ||
		    x->run[k]->buf[2] == buf)
			abort();
	/* The mapping must outlive the executor's use of it. */
	if (fz_mapping_find(buf->addr, (unsigned)(buf->len / FZ_PAGE), NULL) < 0)
		abort();
	x->att[i] = x->att[--x->natt];
	free(buf->exec_priv);
	buf->exec_priv = NULL;
}

static void fz_query(struct vgpu_executor *ex, struct vgpuif_query_result *q,
		     char *text, size_t len)
{
	struct fz_exec *x = to_fz(ex);

	q->executor = VGPU_EXEC_CPU;
	q->path = VGPU_PATH_CPU;
	q->slots = (uint16_t)x->slots;
	if (text && len)
		snprintf(text, len, "executor: fuzz stub, %u slots, a text longer than "
			 "some of the buffers it is asked to fit in\n", x->slots);
}

/* Freed once, and never while a job that names it runs. */
static void fz_obj_free(struct vgpu_executor *ex, const struct vgpu_obj_ref *m)
{
	struct fz_exec *x = to_fz(ex);
	int i = fz_mem_find(x, m->id, 1);
	struct vgpu_drange r[2];
	unsigned k, n, q;

	if (m->kind == VGPU_OBJ_MODULE) {
		fz_module_free(x, m->id);
		return;
	}
	if (m->kind == VGPU_OBJ_EVENT) {
		fz_event_free(x, m);
		return;
	}
	if (m->kind != VGPU_OBJ_MEM || i < 0 || x->mem[i].ptr != m->id)
		abort();	/* freed twice, or never given out */
	for (k = 0; k < x->nrun; k++) {
		const struct vgpu_op_desc *d = vgpu_op_desc(x->run[k]->req.op);

		n = d->dranges ? d->dranges(&x->run[k]->req, r) : 0;
		for (q = 0; q < n; q++)
			if (r[q].ptr >= m->id && r[q].ptr - m->id < x->mem[i].len)
				abort();	/* freed under a running job */
	}
	x->mem[i] = x->mem[--x->nmem];
}

static unsigned fz_inflight(struct vgpu_executor *ex)
{
	return to_fz(ex)->nrun + to_fz(ex)->ndone;
}

const struct vgpu_executor_ops fz_exec_ops = {
	.name = "fuzz",
	.create = fz_create,
	.destroy = fz_destroy,
	.event_fd = fz_event_fd,
	.can_submit = fz_can_submit,
	.submit = fz_submit,
	.reap = fz_reap,
	.buf_attach = fz_buf_attach,
	.buf_detach = fz_buf_detach,
	.query = fz_query,
	.inflight = fz_inflight,
	.obj_free = fz_obj_free,
};

void vlog_stderr(int level, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	(void)level;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
}

/* ---------------- timerfd ---------------- */

/*
 * The devices' timers (the watch look and the storm throttle) as eventfds
 * that tick only when the harness says: a run does not depend on the clock.
 * These definitions take the place of libc's in this program.
 */
#include <sys/timerfd.h>

struct fz_timer {
	int fd;
	bool armed;
};

static struct fz_timer timers[256];

int timerfd_create(int clockid, int flags)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	unsigned i;

	(void)clockid;
	(void)flags;
	if (fd < 0)
		return fd;
	for (i = 0; i < 256; i++)
		if (timers[i].fd == fd || !timers[i].fd) {
			timers[i] = (struct fz_timer){ fd, false };
			return fd;
		}
	abort();
}

int timerfd_settime(int fd, int flags, const struct itimerspec *nv,
		    struct itimerspec *old)
{
	unsigned i;
	uint64_t v;

	(void)flags;
	if (old)
		memset(old, 0, sizeof(*old));
	for (i = 0; i < 256; i++)
		if (timers[i].fd == fd) {
			timers[i].armed = nv->it_value.tv_sec || nv->it_value.tv_nsec;
			if (!timers[i].armed && read(fd, &v, sizeof(v)) < 0)
				(void)0;
			return 0;
		}
	errno = EBADF;
	return -1;
}

/* Fire every armed timer whose fd is still one of ours (an eventfd). */
void fz_timers_fire(void)
{
	uint64_t one = 1;
	unsigned i;

	for (i = 0; i < 256; i++) {
		char link[64], what[64];
		ssize_t n;

		if (!timers[i].armed)
			continue;
		timers[i].armed = false;
		snprintf(link, sizeof(link), "/proc/self/fd/%d", timers[i].fd);
		n = readlink(link, what, sizeof(what) - 1);
		if (n <= 0)
			continue;
		what[n] = 0;
		if (!strcmp(what, "anon_inode:[eventfd]") &&
		    write(timers[i].fd, &one, sizeof(one)) < 0)
			(void)0;
	}
}
