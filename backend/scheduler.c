/* SPDX-License-Identifier: MIT */
/* scheduler.c: a binary min-heap of jobs keyed by (priority, arrival). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "scheduler.h"
#include "xsnodes.h"

/*
 * With aging, the key depends on the time: a job's effective priority drops
 * by one level per aging period waited.  Keys then change while jobs sit in
 * the heap, so peek/pop first re-heapify (O(n)) — aging is an option for
 * small queues; the strict default stays O(log n).
 */
static int eff_prio(const struct vgpu_sched *s, const struct vgpu_job *j,
		    uint64_t now)
{
	int p = j->prio;

	if (s->aging_ns && now > j->t_arrive) {
		uint64_t steps = (now - j->t_arrive) / s->aging_ns;

		p -= steps > (uint64_t)p ? p : (int)steps;
	}
	return p;
}



static int less(const struct vgpu_sched *s, const struct vgpu_job *a,
		const struct vgpu_job *b)
{
	int pa = eff_prio(s, a, s->now), pb = eff_prio(s, b, s->now);

	if (pa != pb)
		return pa < pb;
	return a->seq < b->seq;
}

static void set(struct vgpu_sched *s, unsigned i, struct vgpu_job *j)
{
	s->heap[i] = j;
	j->heap_idx = i;
}

static void up(struct vgpu_sched *s, unsigned i)
{
	struct vgpu_job *j = s->heap[i];

	while (i > 0) {
		unsigned p = (i - 1) / 2;

		if (!less(s, j, s->heap[p]))
			break;
		set(s, i, s->heap[p]);
		i = p;
	}
	set(s, i, j);
}

static void down(struct vgpu_sched *s, unsigned i)
{
	struct vgpu_job *j = s->heap[i];

	for (;;) {
		unsigned l = 2 * i + 1, r = l + 1, m = i;
		struct vgpu_job *best = j;

		if (l < s->n && less(s, s->heap[l], best)) {
			m = l;
			best = s->heap[l];
		}
		if (r < s->n && less(s, s->heap[r], best))
			m = r;
		if (m == i)
			break;
		set(s, i, s->heap[m]);
		i = m;
	}
	set(s, i, j);
}

void vgpu_sched_init(struct vgpu_sched *s, uint64_t aging_ns)
{
	*s = (struct vgpu_sched){ .aging_ns = aging_ns };
}

void vgpu_sched_free(struct vgpu_sched *s)
{
	free(s->heap);
	s->heap = NULL;
	s->n = s->cap = 0;
}

int vgpu_sched_push(struct vgpu_sched *s, struct vgpu_job *job)
{
	if (s->n == s->cap) {
		unsigned cap = s->cap ? s->cap * 2 : 64;
		struct vgpu_job **h = realloc(s->heap, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		s->heap = h;
		s->cap = cap;
	}
	s->now = job->t_arrive;
	set(s, s->n, job);
	s->n++;
	s->per_prio[job->prio]++;
	up(s, s->n - 1);
	return 0;
}

static void reheap(struct vgpu_sched *s, uint64_t now)
{
	unsigned i;

	s->now = now;
	if (!s->aging_ns || s->n < 2)
		return;
	for (i = s->n / 2; i-- > 0;)
		down(s, i);
}

struct vgpu_job *vgpu_sched_peek(struct vgpu_sched *s, uint64_t now_ns)
{
	reheap(s, now_ns);
	return s->n ? s->heap[0] : NULL;
}

void vgpu_sched_remove(struct vgpu_sched *s, struct vgpu_job *job)
{
	unsigned i = job->heap_idx;
	struct vgpu_job *last;

	if (i >= s->n || s->heap[i] != job)
		return;
	s->per_prio[job->prio]--;
	last = s->heap[--s->n];
	if (i == s->n)
		return;
	set(s, i, last);
	if (i > 0 && less(s, last, s->heap[(i - 1) / 2]))
		up(s, i);
	else
		down(s, i);
}

struct vgpu_job *vgpu_sched_pop(struct vgpu_sched *s, uint64_t now_ns)
{
	struct vgpu_job *j = vgpu_sched_peek(s, now_ns);

	if (j)
		vgpu_sched_remove(s, j);
	return j;
}
