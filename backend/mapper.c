/* SPDX-License-Identifier: MIT */
/*
 * mapper.c: the mapper thread.  Mapping a guest buffer of up to a million
 * pages takes long (a grant map per page), and so does unmapping it: on the
 * loop it would hold every other guest's responses back.  One thread with a
 * platform handle of its own copies the refs out, maps, pins, unpins and
 * unmaps; buffers.c checks the limits on the loop and answers when the work
 * comes back (EP_MAP).  What the thread's handle mapped, only that handle
 * can unmap.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "grantmap.h"
#include "mapper.h"
#include "vgpuback.h"

struct vgpu_mapper {
	struct vgpu_platform *plat;	/* the thread's own */
	pthread_t thread;
	int efd;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	struct map_work *todo_head, **todo_tail;
	struct map_work *done_head, **done_tail;
	unsigned outstanding;		/* loop only: given to the thread, not taken */
	unsigned test_delay_ms;		/* tests: hold each registration this long */
};

void mapper_push(struct vgpuback *bk, struct map_work *w)
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

/* The thread: the registration's pages, mapped (grantmap.c). */
static void map_register(struct vgpu_mapper *m, struct map_work *w)
{
	const struct vgpu_executor_ops *ops = w->ex ? w->ex->ops : NULL;

	if (ops && ops->buf_map) {
		w->status = ops->buf_map(w->ex, w->key, w->domid, &w->req.u.buf_register,
					 w->ro, &w->id, &w->pinned, &w->err);
		return;
	}
	w->status = grantmap_buffer(m->plat, w->domid, &w->req.u.buf_register, w->ro,
				    &w->addr, &w->err);
}

/* The thread: pin what was mapped, if the executor pins off the loop. */
static void map_pin(struct map_work *w)
{
	const struct vgpu_executor_ops *ops = w->ex ? w->ex->ops : NULL;

	if (w->status || !ops || !ops->buf_pin || ops->buf_map)
		return;
	w->pinned = !ops->buf_pin(w->ex, w->addr,
				  (size_t)w->nr_pages * VGPUIF_PAGE_SIZE, w->ro);
}

/* The thread: one piece of work, outside the lock. */
static void map_do(struct vgpu_mapper *m, struct map_work *w)
{
	if (w->kind == MAP_REGISTER) {
		if (m->test_delay_ms)
			usleep(m->test_delay_ms * 1000u);
		map_register(m, w);
		map_pin(w);
		return;
	}
	if (w->ex && w->ex->ops->buf_unmap) {
		w->ex->ops->buf_unmap(w->ex, w->key, w->id);	/* unpins there too */
		return;
	}
	if (w->pinned)
		w->ex->ops->buf_unpin(w->ex, w->addr);
	w->pinned = false;
	vgpu_gnt_unmap(m->plat, w->addr, w->nr_pages);
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

		map_do(m, w);

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

struct map_work *mapper_take(struct vgpuback *bk)
{
	struct vgpu_mapper *m = bk->mapper;
	struct map_work *w, *list;
	uint64_t v;

	if (read(m->efd, &v, sizeof(v)) < 0)
		(void)0;	/* nothing signalled: the list may still hold work */
	pthread_mutex_lock(&m->lock);
	list = m->done_head;
	m->done_head = NULL;
	m->done_tail = &m->done_head;
	pthread_mutex_unlock(&m->lock);
	for (w = list; w; w = w->next)
		m->outstanding--;
	return list;
}

unsigned mapper_outstanding(struct vgpuback *bk)
{
	return bk->mapper ? bk->mapper->outstanding : 0;
}

void mapper_wait(struct vgpuback *bk)
{
	struct pollfd pfd = { .fd = bk->mapper->efd, .events = POLLIN };

	poll(&pfd, 1, 100);
}

static void mapper_free(struct vgpu_mapper *m)
{
	if (m->plat)
		vgpu_platform_close(m->plat);	/* releases what it still maps */
	if (m->efd >= 0)
		close(m->efd);
	pthread_mutex_destroy(&m->lock);
	pthread_cond_destroy(&m->cond);
	free(m);
}

/* Tests of teardown mid-registration need a window they can hit. */
static unsigned test_delay(const struct vgpuback *bk)
{
	const char *v = getenv("VGPUBACK_TEST_MAP_DELAY_MS");

	if (!bk->cfg.exec.test_faults || !v)
		return 0;
	return (unsigned)strtoul(v, NULL, 10) % 60001;
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
	m->test_delay_ms = test_delay(bk);
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
	mapper_free(m);
	return rc ? rc : -ENOMEM;
}

void mapper_stop(struct vgpuback *bk)
{
	struct vgpu_mapper *m = bk->mapper;

	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->stop = true;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
	pthread_join(m->thread, NULL);
	epoll_ctl(bk->epfd, EPOLL_CTL_DEL, m->efd, NULL);
	mapper_free(m);
	bk->mapper = NULL;
}
