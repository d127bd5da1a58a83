/* SPDX-License-Identifier: MIT */
/*
 * The one queue against a reference model: random pushes, pops and removes
 * over many seeds, compared with a plain array scanned for the minimum
 * (priority, then arrival).  Plus the seven-VM order by hand and aging.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scheduler.h"
#include "xsnodes.h"

#define MAXJ 512

struct model {
	struct vgpu_job *j[MAXJ];
	unsigned n;
};

static int model_min(const struct model *m)
{
	unsigned i, best = 0;

	for (i = 1; i < m->n; i++)
		if (m->j[i]->prio < m->j[best]->prio ||
		    (m->j[i]->prio == m->j[best]->prio && m->j[i]->seq < m->j[best]->seq))
			best = i;
	return m->n ? (int)best : -1;
}

static void model_del(struct model *m, unsigned i)
{
	m->j[i] = m->j[--m->n];
}

static void test_against_model(void **state)
{
	static struct vgpu_job jobs[20000];
	unsigned seed, step, used;

	(void)state;
	for (seed = 1; seed <= 40; seed++) {
		struct vgpu_sched s;
		struct model m = { .n = 0 };
		uint64_t seq = 0;

		srand(seed);
		vgpu_sched_init(&s, 0);
		used = 0;
		for (step = 0; step < 400; step++) {
			int r = rand() % 10, i;

			if (r < 5 && m.n < MAXJ && used < 20000) {
				struct vgpu_job *j = &jobs[used++];

				memset(j, 0, sizeof(*j));
				j->prio = rand() % VGPU_NR_PRIOS;
				j->pool = rand() % 2;	/* must not matter */
				j->seq = ++seq;
				assert_int_equal(vgpu_sched_push(&s, j), 0);
				m.j[m.n++] = j;
			} else if (r < 8) {
				struct vgpu_job *got = vgpu_sched_pop(&s, 0);

				i = model_min(&m);
				if (i < 0) {
					assert_null(got);
					continue;
				}
				assert_ptr_equal(got, m.j[i]);
				model_del(&m, (unsigned)i);
			} else if (m.n) {
				i = rand() % (int)m.n;
				vgpu_sched_remove(&s, m.j[i]);
				model_del(&m, (unsigned)i);
			}
			assert_int_equal(vgpu_sched_size(&s), m.n);
		}
		while (m.n) {
			int i = model_min(&m);

			assert_ptr_equal(vgpu_sched_pop(&s, 0), m.j[i]);
			model_del(&m, (unsigned)i);
		}
		assert_null(vgpu_sched_pop(&s, 0));
		vgpu_sched_free(&s);
	}
}

static void test_seven_vm_order(void **state)
{
	/* VM1-3 Pool A, VM4-6 Pool B, VM7 Pool B high; arrival VM1..VM7. */
	static const int prio[7] = { VGPU_PRIO_HIGH, VGPU_PRIO_MEDIUM, VGPU_PRIO_LOW,
				     VGPU_PRIO_LOW, VGPU_PRIO_MEDIUM, VGPU_PRIO_HIGH,
				     VGPU_PRIO_HIGH };
	static const int want[7] = { 1, 6, 7, 2, 5, 3, 4 };
	struct vgpu_job j[7];
	struct vgpu_sched s;
	unsigned i;

	(void)state;
	vgpu_sched_init(&s, 0);
	for (i = 0; i < 7; i++) {
		memset(&j[i], 0, sizeof(j[i]));
		j[i].prio = prio[i];
		j[i].pool = i < 3 ? 0 : 1;
		j[i].seq = i + 1;
		j[i].devid = i + 1;
		vgpu_sched_push(&s, &j[i]);
	}
	assert_int_equal(s.per_prio[VGPU_PRIO_HIGH], 3);
	for (i = 0; i < 7; i++)
		assert_int_equal(vgpu_sched_pop(&s, 0)->devid, want[i]);
	vgpu_sched_free(&s);
}

static void test_aging(void **state)
{
	struct vgpu_job low, high;
	struct vgpu_sched s;

	(void)state;
	memset(&low, 0, sizeof(low));
	memset(&high, 0, sizeof(high));
	low.prio = VGPU_PRIO_LOW;
	low.seq = 1;
	low.t_arrive = 0;
	high.prio = VGPU_PRIO_HIGH;
	high.seq = 2;
	high.t_arrive = 5000;
	/* Strict: high first whatever the wait. */
	vgpu_sched_init(&s, 0);
	vgpu_sched_push(&s, &low);
	vgpu_sched_push(&s, &high);
	assert_ptr_equal(vgpu_sched_pop(&s, 1000000000ull), &high);
	vgpu_sched_free(&s);
	/* Aging 1 ms: after 2 ms low counts as high and arrived first. */
	vgpu_sched_init(&s, 1000000);
	vgpu_sched_push(&s, &low);
	vgpu_sched_push(&s, &high);
	assert_ptr_equal(vgpu_sched_peek(&s, 500000), &high);
	assert_ptr_equal(vgpu_sched_pop(&s, 2000000), &low);
	vgpu_sched_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_against_model),
		cmocka_unit_test(test_seven_vm_order),
		cmocka_unit_test(test_aging),
	};

	return cmocka_run_group_tests_name("scheduler", tests, NULL, NULL);
}
