/* SPDX-License-Identifier: MIT */
/*
 * requests.c: the ring service.  Each request is copied out of the shared
 * ring once and validated (ring/request.c), answered at once when the
 * backend can (NOP, QUERY, buffers, errors), or stamped with the device's
 * pool and priority and an arrival number and put in the one queue.
 *
 * A request is consumed only while a response slot is guaranteed for it
 * (RING_REQUEST_CONS_OVERFLOW), so responses never outnumber the ring.  At
 * most max_batch requests are taken per turn; a device with more waits on
 * the round-robin list so one busy guest cannot starve the others.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "request.h"
#include "vgpuback.h"
#include "xsnodes.h"

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void respond(struct vgpu_dev *dev, const struct vgpuif_response *rsp)
{
	struct vgpuif_response *slot;
	int notify;

	slot = RING_GET_RESPONSE(&dev->ring, dev->ring.rsp_prod_pvt);
	memcpy(slot, rsp, sizeof(*slot));
	dev->ring.rsp_prod_pvt++;
	dev->inflight--;
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&dev->ring, notify);
	if (notify)
		vgpu_evtchn_notify(dev->evtchn, (uint32_t)dev->port);
}

static void respond_now(struct vgpu_dev *dev, const struct vgpuif_request *req,
			int status, const void *result, size_t rlen)
{
	struct vgpuif_response rsp;

	memset(&rsp, 0, sizeof(rsp));	/* no backend bytes reach the guest */
	rsp.id = req->id;
	rsp.op = req->op;
	rsp.status = status;
	if (result)
		memcpy(&rsp.result, result, rlen);
	if (status)
		dev->failed++;
	else
		dev->completed++;
	respond(dev, &rsp);
}

static void mark_busy(struct vgpu_dev *dev);

/* ---------------- buffers ---------------- */

/*
 * Mapping a guest buffer of up to a million pages takes long (a grant map
 * per page), and so does unmapping it: on the loop it would hold every other
 * guest's responses back.  One mapper thread with a platform handle of its
 * own copies the refs out, maps and unmaps; the loop only checks the limits
 * and answers.  A BUF_REGISTER is answered when its pages are mapped, and a
 * BUF_UNREGISTER that drops the last reference when they are unmapped, so a
 * guest that ends its grants after the answer still finds them unused.
 * What the thread's handle mapped, only that handle can unmap.
 */
enum map_kind { MAP_REGISTER, MAP_UNMAP };

struct map_work {
	enum map_kind kind;
	struct vgpu_dev *dev;		/* to answer (holds a job reference), or NULL */
	uint32_t gen;			/* dev's connection when asked */
	struct vgpuif_request req;	/* the request answered */
	uint32_t domid;
	uint32_t nr_pages;
	bool ro;
	bool pinned;			/* REGISTER: the executor pinned the mapping */
	struct vgpu_executor *ex;	/* REGISTER: pins on the thread (buf_pin) */
	void *addr;			/* REGISTER: the mapping; UNMAP: what goes */
	int status;			/* REGISTER: VGPU_OK or why not */
	int err;			/* errno of a failed map */
	struct map_work *next;		/* the thread's queues */
	struct map_work *pend_next;	/* loop: registrations not yet reaped */
	struct map_work *held_next, **held_pprev; /* loop: pages not yet unmapped */
};

struct vgpu_mapper {
	struct vgpu_platform *plat;	/* the thread's own */
	pthread_t thread;
	int efd;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	struct map_work *todo_head, **todo_tail;
	struct map_work *done_head, **done_tail;
	unsigned outstanding;		/* loop only: given to the thread, not reaped */
	unsigned test_delay_ms;		/* tests: hold each registration this long */
	struct map_work *pending;	/* loop only: registrations in progress */
	struct map_work *held;		/* loop only: every registration until unmapped */
};

static struct vgpu_buffer *buf_find(struct vgpu_dev *dev, uint32_t handle,
				    unsigned *idx)
{
	unsigned i;

	for (i = 0; i < dev->nbufs; i++)
		if (dev->bufs[i]->handle == handle) {
			if (idx)
				*idx = i;
			return dev->bufs[i];
		}
	return NULL;
}

static void mapper_push(struct vgpuback *bk, struct map_work *w)
{
	struct vgpu_mapper *m = bk->mapper;

	if (w->dev)
		w->dev->jobs_out++;	/* the device stays until it is answered */
	w->next = NULL;
	m->outstanding++;
	pthread_mutex_lock(&m->lock);
	*m->todo_tail = w;
	m->todo_tail = &w->next;
	pthread_cond_signal(&m->cond);
	pthread_mutex_unlock(&m->lock);
}

/* Unmap @w's pages off the loop; @dev (may be NULL) is answered when done. */
static void unmap_later(struct vgpuback *bk, struct map_work *w, struct vgpu_dev *dev,
			const struct vgpuif_request *req)
{
	w->kind = MAP_UNMAP;
	w->dev = dev;
	if (dev) {
		w->gen = dev->gen;
		w->req = *req;
	}
	mapper_push(bk, w);
}

/* The last reference: the executor lets go, then the pages are unmapped. */
static void buf_release(struct vgpuback *bk, struct vgpu_buffer *b,
			struct vgpu_dev *answer, const struct vgpuif_request *req)
{
	struct map_work *w = b->backend_priv;

	bk->ex->ops->buf_detach(bk->ex, b);
	bk->live_buffers--;
	w->addr = b->addr;
	free(b);
	unmap_later(bk, w, answer, req);
}

static void buf_put(struct vgpuback *bk, struct vgpu_buffer *b)
{
	if (--b->refcnt)
		return;
	buf_release(bk, b, NULL, NULL);
}

/* Registrations of @dev's current connection still being mapped. */
static unsigned dev_pending(struct vgpu_dev *dev, uint32_t handle, bool *dup)
{
	struct map_work *w;
	unsigned n = 0;

	for (w = dev->bk->mapper->pending; w; w = w->pend_next)
		if (w->dev == dev && w->gen == dev->gen) {
			n++;
			if (w->req.u.buf_register.handle == handle)
				*dup = true;
		}
	return n;
}

/*
 * Pages @domid has mapped or is having mapped, over all its devices, until
 * they are unmapped: a buffer unregistered while queued jobs still use it
 * stays charged, or a guest could hold many times its cap that way.
 */
static uint64_t domain_pages(struct vgpuback *bk, uint32_t domid)
{
	struct map_work *w;
	uint64_t n = 0;

	for (w = bk->mapper->held; w; w = w->held_next)
		if (w->domid == domid)
			n += w->nr_pages;
	return n;
}

static void held_add(struct vgpu_mapper *m, struct map_work *w)
{
	w->held_next = m->held;
	if (m->held)
		m->held->held_pprev = &w->held_next;
	w->held_pprev = &m->held;
	m->held = w;
}

static void held_del(struct map_work *w)
{
	*w->held_pprev = w->held_next;
	if (w->held_next)
		w->held_next->held_pprev = w->held_pprev;
}

/* Copy @n grant refs out of granted pages of @domid, one page at a time. */
static int copy_refs(struct vgpu_platform *plat, uint32_t domid, const uint32_t *page_refs,
		     unsigned npages, uint32_t *out, unsigned n)
{
	unsigned p;

	for (p = 0; p < npages; p++) {
		unsigned k = n - p * VGPUIF_GREFS_PER_PAGE;
		uint32_t *page = vgpu_gnt_map(plat, domid, 1, &page_refs[p], 0);

		if (!page)
			return VGPU_EGRANT;
		if (k > VGPUIF_GREFS_PER_PAGE)
			k = VGPUIF_GREFS_PER_PAGE;
		memcpy(out + p * VGPUIF_GREFS_PER_PAGE, page, k * sizeof(uint32_t));
		vgpu_gnt_unmap(plat, page, 1);
	}
	return VGPU_OK;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * A ref listed twice in one buffer would be one page counted, and mapped,
 * many times over (a 1024-page buffer from one granted page): refused.
 */
static int refs_repeat(const uint32_t *refs, unsigned n)
{
	uint32_t *s = malloc((size_t)n * sizeof(*s));
	unsigned i;
	int rc = 0;

	if (!s)
		return VGPU_ENOMEM;
	memcpy(s, refs, (size_t)n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_u32);
	for (i = 1; i < n && !rc; i++)
		if (s[i] == s[i - 1])
			rc = VGPU_EINVAL;
	free(s);
	return rc;
}

/* The thread: directory page -> indirect pages -> data refs -> one mapping. */
static void map_register(struct vgpu_mapper *m, struct map_work *w)
{
	const struct vgpuif_buf_register_req *r = &w->req.u.buf_register;
	unsigned nind = (r->nr_pages + VGPUIF_GREFS_PER_PAGE - 1) / VGPUIF_GREFS_PER_PAGE;
	uint32_t *ind_refs = calloc(nind, sizeof(*ind_refs));
	uint32_t *refs = calloc(r->nr_pages, sizeof(*refs));
	int rc = VGPU_ENOMEM;

	if (!ind_refs || !refs)
		goto out;
	rc = copy_refs(m->plat, w->domid, &r->dir_gref, 1, ind_refs, nind);
	if (!rc)
		rc = copy_refs(m->plat, w->domid, ind_refs, nind, refs, r->nr_pages);
	if (!rc)
		rc = refs_repeat(refs, r->nr_pages);
	if (rc)
		goto out;
	w->addr = vgpu_gnt_map(m->plat, w->domid, r->nr_pages, refs, !w->ro);
	if (!w->addr) {
		w->err = errno;
		rc = VGPU_EGRANT;
	}
out:
	w->status = rc;
	free(refs);
	free(ind_refs);
}

/* The thread: pin what was mapped, if the executor pins off the loop. */
static void map_pin(struct map_work *w)
{
	const struct vgpu_executor_ops *ops = w->ex ? w->ex->ops : NULL;

	if (w->status || !ops || !ops->buf_pin)
		return;
	w->pinned = !ops->buf_pin(w->ex, w->addr,
				  (size_t)w->nr_pages * VGPUIF_PAGE_SIZE, w->ro);
}

static void *mapper_thread(void *arg)
{
	struct vgpu_mapper *m = arg;
	uint64_t one = 1;

	pthread_mutex_lock(&m->lock);
	for (;;) {
		struct map_work *w;

		while (!m->todo_head && !m->stop)
			pthread_cond_wait(&m->cond, &m->lock);
		if (!m->todo_head)
			break;
		w = m->todo_head;
		m->todo_head = w->next;
		if (!m->todo_head)
			m->todo_tail = &m->todo_head;
		pthread_mutex_unlock(&m->lock);

		if (w->kind == MAP_REGISTER) {
			if (m->test_delay_ms)
				usleep(m->test_delay_ms * 1000u);
			map_register(m, w);
			map_pin(w);
		} else {
			if (w->pinned)
				w->ex->ops->buf_unpin(w->ex, w->addr);
			w->pinned = false;
			vgpu_gnt_unmap(m->plat, w->addr, w->nr_pages);
		}

		pthread_mutex_lock(&m->lock);
		w->next = NULL;
		*m->done_tail = w;
		m->done_tail = &w->next;
		if (write(m->efd, &one, sizeof(one)) < 0)
			(void)0;	/* the counter cannot overflow in practice */
	}
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

static bool answerable(struct vgpu_dev *dev, uint32_t gen)
{
	return dev && dev->connected && gen == dev->gen;
}

/* A deferred answer went out: a slot freed, more requests may fit. */
static void answered(struct vgpu_dev *dev)
{
	if (!dev->busy)
		ring_service(dev);
	if (dev->broken)
		mark_busy(dev);	/* torn down after the event batch */
}

static int buf_register(struct vgpu_dev *dev, const struct vgpuif_request *req)
{
	struct vgpuback *bk = dev->bk;
	const struct vgpuif_buf_register_req *r = &req->u.buf_register;
	struct map_work *w;
	bool dup = false;
	unsigned pend = dev_pending(dev, r->handle, &dup);

	if (dup || buf_find(dev, r->handle, NULL))
		return VGPU_EEXIST;
	if (dev->nbufs + pend >= bk->cfg.max_buffers ||
	    domain_pages(bk, dev->domid) + r->nr_pages > bk->cfg.max_buffer_pages)
		return VGPU_ENOMEM;
	if (bk->host_pages + r->nr_pages > bk->cfg.max_host_buffer_pages) {
		vlog(LOG_DEBUG, "vgpu %u/%u: buffer %u: %u pages refused: the host holds %llu "
		     "of max-host-buffer-pages %u", dev->domid, dev->devid, r->handle,
		     r->nr_pages, (unsigned long long)bk->host_pages,
		     bk->cfg.max_host_buffer_pages);
		return VGPU_ENOMEM;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return VGPU_ENOMEM;
	w->kind = MAP_REGISTER;
	w->dev = dev;
	w->gen = dev->gen;
	w->req = *req;
	w->domid = dev->domid;
	w->nr_pages = r->nr_pages;
	w->ro = r->flags & VGPU_BUF_F_READONLY;
	w->ex = bk->ex;
	bk->host_pages += r->nr_pages;
	held_add(bk->mapper, w);
	w->pend_next = bk->mapper->pending;
	bk->mapper->pending = w;
	mapper_push(bk, w);
	return 1;	/* answered when mapped */
}

/* A mapped registration becomes @dev's buffer; VGPU_OK or why not. */
static int buf_add(struct vgpuback *bk, struct vgpu_dev *dev, struct map_work *w)
{
	struct vgpu_buffer *b, **nb;

	nb = realloc(dev->bufs, (dev->nbufs + 1) * sizeof(*nb));
	if (!nb)
		return VGPU_ENOMEM;
	dev->bufs = nb;
	b = calloc(1, sizeof(*b));
	if (!b)
		return VGPU_ENOMEM;
	b->handle = w->req.u.buf_register.handle;
	b->domid = w->domid;
	b->addr = w->addr;
	b->len = (size_t)w->nr_pages * VGPUIF_PAGE_SIZE;
	b->readonly = w->ro;
	b->pinned = w->pinned;
	b->refcnt = 1;
	b->backend_priv = w;
	if (bk->ex->ops->buf_attach(bk->ex, b)) {
		free(b);
		return VGPU_EIO;
	}
	bk->live_buffers++;
	dev->bufs[dev->nbufs++] = b;
	dev->buf_pages += w->nr_pages;
	return VGPU_OK;
}

/* The loop: a registration's pages are mapped, or could not be. */
static void register_done(struct vgpuback *bk, struct map_work *w)
{
	struct vgpu_dev *dev = w->dev;
	bool live = answerable(dev, w->gen);
	struct map_work **pw;
	int rc = w->status;

	for (pw = &bk->mapper->pending; *pw != w; pw = &(*pw)->pend_next)
		;
	*pw = w->pend_next;
	if (rc == VGPU_EGRANT && w->err &&
	    (++dev->map_failures <= 3 || dev->map_failures % 1000 == 0))
		/* The guest sets the pace: say the first few, then every 1000th. */
		vlog(LOG_WARNING, "vgpu %u/%u: buffer %u: cannot map %u pages%s: %s "
		     "(%llu such failures on this device)", dev->domid, dev->devid,
		     w->req.u.buf_register.handle, w->nr_pages, w->ro ? "" : " writable",
		     strerror(w->err), (unsigned long long)dev->map_failures);
	if (!rc)
		bk->live_mappings++;
	if (!rc && live)
		rc = buf_add(bk, dev, w);	/* w now belongs to the buffer */
	if (live) {
		respond_now(dev, &w->req, rc, NULL, 0);
		answered(dev);
	}
	if (w->status) {
		bk->host_pages -= w->nr_pages;	/* never mapped */
		held_del(w);
		free(w);
	} else if (rc || !live) {
		unmap_later(bk, w, NULL, NULL);	/* mapped, but for no one: unpinned there */
	}
	device_put(dev);
}

/* The loop: pages unmapped; answer the BUF_UNREGISTER that waited for it. */
static void unmap_done(struct vgpuback *bk, struct map_work *w)
{
	struct vgpu_dev *dev = w->dev;

	bk->host_pages -= w->nr_pages;
	held_del(w);
	bk->live_mappings--;
	if (dev) {
		if (answerable(dev, w->gen)) {
			respond_now(dev, &w->req, VGPU_OK, NULL, 0);
			answered(dev);
		}
		device_put(dev);
	}
	free(w);
}

void mapper_reap(struct vgpuback *bk)
{
	struct vgpu_mapper *m = bk->mapper;
	struct map_work *w, *next;
	uint64_t v;

	if (read(m->efd, &v, sizeof(v)) < 0)
		(void)0;	/* nothing signalled: the list may still hold work */
	pthread_mutex_lock(&m->lock);
	w = m->done_head;
	m->done_head = NULL;
	m->done_tail = &m->done_head;
	pthread_mutex_unlock(&m->lock);
	for (; w; w = next) {
		next = w->next;
		m->outstanding--;
		if (w->kind == MAP_REGISTER)
			register_done(bk, w);
		else
			unmap_done(bk, w);
	}
}

int mapper_start(struct vgpuback *bk)
{
	struct vgpu_mapper *m = calloc(1, sizeof(*m));
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &bk->map_item };
	sigset_t all, old;
	int rc;

	if (!m)
		return -ENOMEM;
	m->todo_tail = &m->todo_head;
	m->done_tail = &m->done_head;
	if (bk->cfg.exec.test_faults && getenv("VGPUBACK_TEST_MAP_DELAY_MS"))
		/* Tests of teardown mid-registration need a window they can hit. */
		m->test_delay_ms = (unsigned)strtoul(getenv("VGPUBACK_TEST_MAP_DELAY_MS"),
						     NULL, 10) % 60001;
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->cond, NULL);
	m->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	m->plat = vgpu_platform_open(NULL);
	bk->map_item = (struct ep_item){ EP_MAP, NULL };
	if (m->efd < 0 || !m->plat || epoll_ctl(bk->epfd, EPOLL_CTL_ADD, m->efd, &ev)) {
		rc = -errno;
		goto fail;
	}
	/* Signals are the loop's (signalfd): the thread takes none. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = -pthread_create(&m->thread, NULL, mapper_thread, m);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		goto fail;
	bk->mapper = m;
	return 0;
fail:
	if (m->plat)
		vgpu_platform_close(m->plat);
	if (m->efd >= 0)
		close(m->efd);
	pthread_mutex_destroy(&m->lock);
	pthread_cond_destroy(&m->cond);
	free(m);
	return rc ? rc : -ENOMEM;
}

/* At shutdown, devices closed: finish what was asked, then stop the thread. */
void mapper_stop(struct vgpuback *bk)
{
	struct vgpu_mapper *m = bk->mapper;

	if (!m)
		return;
	while (m->outstanding) {
		struct pollfd pfd = { .fd = m->efd, .events = POLLIN };

		poll(&pfd, 1, 100);
		mapper_reap(bk);	/* an orphaned mapping comes back as an unmap */
	}
	pthread_mutex_lock(&m->lock);
	m->stop = true;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
	pthread_join(m->thread, NULL);
	epoll_ctl(bk->epfd, EPOLL_CTL_DEL, m->efd, NULL);
	close(m->efd);
	vgpu_platform_close(m->plat);	/* releases what registered buffers still map */
	pthread_mutex_destroy(&m->lock);
	pthread_cond_destroy(&m->cond);
	free(m);
	bk->mapper = NULL;
}

/* Take @handle out of @dev's table; the caller drops the registration's ref. */
static struct vgpu_buffer *buf_remove(struct vgpu_dev *dev, uint32_t handle)
{
	unsigned i;
	struct vgpu_buffer *b = buf_find(dev, handle, &i);

	if (!b)
		return NULL;
	dev->bufs[i] = dev->bufs[--dev->nbufs];
	dev->buf_pages -= b->len / VGPUIF_PAGE_SIZE;
	return b;
}

/* 1: answered when the pages are unmapped; else the status to answer now. */
static int buf_unregister(struct vgpu_dev *dev, const struct vgpuif_request *req)
{
	struct vgpu_buffer *b = buf_remove(dev, req->u.buf_unregister.handle);

	if (!b)
		return VGPU_EBADBUF;
	if (b->refcnt > 1) {
		b->refcnt--;	/* jobs still using it keep it mapped */
		return VGPU_OK;
	}
	b->refcnt = 0;
	buf_release(dev->bk, b, dev, req);
	return 1;
}

/* Resolve a bufref for @bytes bytes; takes a reference on success. */
static int bufref(struct vgpu_dev *dev, const struct vgpuif_bufref *ref,
		  uint64_t bytes, bool write, struct vgpu_buffer **out, void **ptr)
{
	struct vgpu_buffer *b = buf_find(dev, ref->handle, NULL);
	int rc;

	if (!b)
		return VGPU_EBADBUF;
	rc = vgpuif_range_check(ref->offset, bytes, b->len, 1);
	if (rc)
		return rc;
	if (write && b->readonly)
		return VGPU_EACCES;
	b->refcnt++;
	*out = b;
	*ptr = (uint8_t *)b->addr + ref->offset;
	return VGPU_OK;
}

/* ---------------- jobs ---------------- */

static void job_free(struct vgpuback *bk, struct vgpu_job *j)
{
	unsigned i;

	for (i = 0; i < 3; i++)
		if (j->buf[i])
			buf_put(bk, j->buf[i]);
	bk->live_jobs--;
	free(j);
}

static unsigned domain_inflight(struct vgpuback *bk, uint32_t domid)
{
	struct vgpu_dev *d;
	unsigned n = 0;

	for (d = bk->devs; d; d = d->next)
		if (d->domid == domid && d->connected)
			n += d->inflight;
	return n;
}

static void queue_job(struct vgpu_dev *dev, const struct vgpuif_request *req)
{
	struct vgpuback *bk = dev->bk;
	struct vgpu_job *j;
	int rc = VGPU_OK;

	if (domain_inflight(bk, dev->domid) > bk->cfg.max_inflight) {
		respond_now(dev, req, VGPU_EBUSY, NULL, 0);
		return;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		respond_now(dev, req, VGPU_ENOMEM, NULL, 0);
		return;
	}
	bk->live_jobs++;
	j->req = *req;
	if (req->op == VGPU_OP_VECTOR_ADD) {
		const struct vgpuif_vector_add_req *v = &req->u.vector_add;
		uint64_t bytes = vgpuif_vector_bytes(v->n);

		rc = bufref(dev, &v->a, bytes, false, &j->buf[0], &j->ptr[0]);
		if (!rc)
			rc = bufref(dev, &v->b, bytes, false, &j->buf[1], &j->ptr[1]);
		if (!rc)
			rc = bufref(dev, &v->c, bytes, true, &j->buf[2], &j->ptr[2]);
	}
	if (rc) {
		job_free(bk, j);
		respond_now(dev, req, rc, NULL, 0);
		return;
	}
	j->domid = dev->domid;
	j->devid = dev->devid;
	j->prio = dev->prio;
	j->pool = dev->pool;
	j->seq = ++bk->seq;
	j->t_arrive = now_ns();
	j->owner = dev;
	j->owner_gen = dev->gen;
	j->gpu = -1;
	dev->jobs_out++;
	bk->pool_submitted[dev->pool]++;
	if (vgpu_sched_push(&bk->sched, j)) {
		dev->jobs_out--;
		job_free(bk, j);
		respond_now(dev, req, VGPU_ENOMEM, NULL, 0);
	}
}

static void query(struct vgpu_dev *dev, const struct vgpuif_request *req)
{
	struct vgpuback *bk = dev->bk;
	struct vgpuif_query_result q;
	char text[4096];
	int rc = VGPU_OK;

	memset(&q, 0, sizeof(q));
	text[0] = 0;
	bk->ex->ops->query(bk->ex, &q, text, sizeof(text));
	q.version = VGPUIF_PROTOCOL_VERSION;
	q.max_inflight = bk->cfg.max_inflight;
	q.max_buf_pages = bk->cfg.max_buffer_pages;
	q.ring_size = RING_SIZE(&dev->ring);
	if (req->flags & VGPU_REQ_F_QUERY_TEXT) {
		struct vgpu_buffer *b;
		void *p;
		size_t n;

		rc = bufref(dev, &req->u.query.out, req->u.query.out_len, true, &b, &p);
		if (!rc) {
			n = strlen(text) + 1;
			if (n > req->u.query.out_len)
				n = req->u.query.out_len;
			memcpy(p, text, n);
			((char *)p)[n - 1] = 0;
			buf_put(bk, b);
		}
	}
	respond_now(dev, req, rc, rc ? NULL : &q, sizeof(q));
}

static void handle(struct vgpu_dev *dev, const struct vgpuif_request *req, int rc)
{
	int st;

	dev->submitted++;
	if (rc) {
		vlog(LOG_DEBUG, "vgpu %u/%u: request %llu refused: %s", dev->domid,
		     dev->devid, (unsigned long long)req->id, vgpuif_strerror(rc));
		respond_now(dev, req, rc, NULL, 0);
		return;
	}
	switch (req->op) {
	case VGPU_OP_NOP:
		respond_now(dev, req, VGPU_OK, NULL, 0);
		break;
	case VGPU_OP_QUERY:
		query(dev, req);
		break;
	case VGPU_OP_BUF_REGISTER:
		st = buf_register(dev, req);
		if (st <= 0)
			respond_now(dev, req, st, NULL, 0);
		break;
	case VGPU_OP_BUF_UNREGISTER:
		st = buf_unregister(dev, req);
		if (st <= 0)
			respond_now(dev, req, st, NULL, 0);
		break;
	default:
		queue_job(dev, req);
		break;
	}
}

static void mark_busy(struct vgpu_dev *dev)
{
	struct vgpuback *bk = dev->bk;

	if (dev->busy)
		return;
	dev->busy = true;
	dev->busy_next = NULL;
	*bk->busy_tail = dev;
	bk->busy_tail = &dev->busy_next;
}

void ring_service(struct vgpu_dev *dev)
{
	unsigned budget = dev->bk->cfg.max_batch;
	int more;

	while (dev->connected && !dev->broken) {
		RING_IDX rp = dev->ring.sring->req_prod, rc = dev->ring.req_cons;

		xen_rmb();	/* see the requests before the index that shows them */
		if (RING_REQUEST_PROD_OVERFLOW(&dev->ring, rp)) {
			vlog(LOG_ERR, "vgpu %u/%u: broken frontend: req_prod %u is %u past "
			     "what the ring holds; disconnecting", dev->domid, dev->devid,
			     rp, rp - dev->ring.rsp_prod_pvt);
			dev->broken = true;	/* the caller tears it down */
			return;
		}
		while (rc != rp) {
			struct vgpuif_request req;
			int st;

			if (RING_REQUEST_CONS_OVERFLOW(&dev->ring, rc))
				break;	/* every slot awaits a response */
			if (!budget) {
				dev->ring.req_cons = rc;
				mark_busy(dev);
				return;
			}
			st = vgpuif_copy_request(&dev->ring, rc, &req);
			dev->ring.req_cons = ++rc;
			dev->inflight++;
			budget--;
			handle(dev, &req, st);
		}
		dev->ring.req_cons = rc;
		if (RING_REQUEST_CONS_OVERFLOW(&dev->ring, rc))
			return;	/* a response will bring us back */
		RING_FINAL_CHECK_FOR_REQUESTS(&dev->ring, more);
		if (!more)
			return;
	}
}

/* One batch from each device that had more than its share. */
void ring_service_busy(struct vgpuback *bk)
{
	struct vgpu_dev *d = bk->busy_head;

	bk->busy_head = NULL;
	bk->busy_tail = &bk->busy_head;
	while (d) {
		struct vgpu_dev *next = d->busy_next;

		d->busy = false;
		if (d->connected)
			ring_service(d);
		if (d->broken)
			device_fail(d, "the frontend broke the ring protocol");
		d = next;
	}
}

void dispatch(struct vgpuback *bk)
{
	struct vgpu_job *j;

	while ((j = vgpu_sched_peek(&bk->sched, now_ns())) &&
	       bk->ex->ops->can_submit(bk->ex, j)) {
		int rc;

		vgpu_sched_pop(&bk->sched, now_ns());
		j->t_dispatch = now_ns();
		rc = bk->ex->ops->submit(bk->ex, j);
		bk->poll_until = j->t_dispatch + bk->cfg.busy_poll_us * 1000ull;
		if (rc) {
			/* Failed at once: answer it like a completion. */
			j->status = rc;
			j->t_done = j->t_dispatch;
			reap_one(bk, j);
		}
	}
}

void reap_one(struct vgpuback *bk, struct vgpu_job *j)
{
	struct vgpu_dev *dev = j->owner;

	if (dev->connected && j->owner_gen == dev->gen) {
		struct vgpuif_response rsp;
		uint64_t q = j->t_dispatch - j->t_arrive, e = j->t_done - j->t_dispatch;

		memset(&rsp, 0, sizeof(rsp));
		rsp.id = j->req.id;
		rsp.op = j->req.op;
		rsp.status = j->status;
		rsp.queue_ns = q;
		rsp.exec_ns = e;
		if (!j->status && j->req.op == VGPU_OP_SCALAR_ADD)
			rsp.result.scalar = j->result.scalar;
		if (j->status)
			dev->failed++;
		else
			dev->completed++;
		bk->pool_completed[j->pool]++;
		bk->lat_queue_us[bk->lat_count % LAT_SAMPLES] = (uint32_t)(q / 1000);
		bk->lat_exec_us[bk->lat_count % LAT_SAMPLES] = (uint32_t)(e / 1000);
		bk->lat_count++;
		respond(dev, &rsp);
		if (!dev->busy)
			ring_service(dev);	/* a slot freed: more may fit */
		/*
		 * Not torn down here: the event batch being handled may still
		 * hold this device's event-channel wake, which needs its
		 * channel.  ring_service_busy() fails it after the batch.
		 */
		if (dev->broken)
			mark_busy(dev);
	}
	job_free(bk, j);
	device_put(dev);
}

void reap(struct vgpuback *bk)
{
	struct vgpu_job *done[64];
	unsigned n, i;

	do {
		n = bk->ex->ops->reap(bk->ex, done, 64);
		for (i = 0; i < n; i++)
			reap_one(bk, done[i]);
		/* Completions keep vgpuback's busy poll going (main.c). */
		if (n)
			bk->poll_until = now_ns() + bk->cfg.busy_poll_us * 1000ull;
	} while (n == 64);
}

/* A device going away: its queued jobs go now, running ones when reaped. */
void device_drop_work(struct vgpu_dev *dev)
{
	struct vgpuback *bk = dev->bk;
	unsigned i = 0;

	while (i < bk->sched.n) {
		struct vgpu_job *j = bk->sched.heap[i];

		if (j->owner != dev) {
			i++;
			continue;
		}
		vgpu_sched_remove(&bk->sched, j);
		job_free(bk, j);
		dev->jobs_out--;
	}
	/* Registrations still being mapped are unmapped when they come back. */
	while (dev->nbufs)
		buf_put(bk, buf_remove(dev, dev->bufs[0]->handle));
	dev->inflight = 0;
}
