/* SPDX-License-Identifier: MIT */
/* Unit tests of the shared helper layer: names, strict parsing, the op table. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "request.h"
#include "vgpu_names.h"
#include "vgpu_ops.h"
#include "xsnodes.h"

static void test_prio_names(void **state)
{
	static const char *const want[] = { "high", "medium", "low" };
	int i;

	(void)state;
	for (i = 0; i < VGPU_NR_PRIOS; i++) {
		assert_string_equal(vgpu_prio_name(i), want[i]);
		assert_int_equal(vgpu_prio_parse(want[i]), i);
	}
	assert_string_equal(vgpu_prio_name(-1), "?");
	assert_string_equal(vgpu_prio_name(VGPU_NR_PRIOS), "?");
	assert_int_equal(vgpu_prio_parse("High"), -1);
	assert_int_equal(vgpu_prio_parse("high "), -1);
	assert_int_equal(vgpu_prio_parse(""), -1);
	assert_int_equal(vgpu_prio_parse(NULL), -1);
}

static void test_state_parse(void **state)
{
	static const char *const bad[] = {
		"", "-1", " 4", "4 ", "4x", "+4", "9", "0x4", "99999999999",
	};
	char num[4];
	unsigned i;

	(void)state;
	for (i = 0; i <= 8; i++) {
		snprintf(num, sizeof(num), "%u", i);
		assert_int_equal(vgpu_state_parse(num), (int)i);
		assert_string_not_equal(vgpu_state_name((int)i), "?");
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(vgpu_state_parse(bad[i]), -EINVAL);
	assert_int_equal(vgpu_state_parse(NULL), -ENOENT);
	assert_string_equal(vgpu_state_name(4), "Connected");
	assert_string_equal(vgpu_state_name(9), "?");
	assert_string_equal(vgpu_state_name(-1), "?");
}

static void test_parse_ulong(void **state)
{
	unsigned long v = 7;

	(void)state;
	assert_int_equal(vgpu_parse_ulong("4294967295", 4294967295ul, &v), 0);
	assert_true(v == 4294967295ul);
	assert_int_equal(vgpu_parse_ulong("4294967296", 4294967295ul, &v), -1);
	assert_int_equal(vgpu_parse_ulong("12345678901", ~0ul, &v), -1);
	assert_int_equal(vgpu_parse_ulong("0", 0, &v), 0);
	assert_true(v == 0);
	assert_int_equal(vgpu_parse_ulong("-0", 5, &v), -1);
	assert_int_equal(vgpu_parse_ulong("", 5, &v), -1);
}

/* Every row is usable by every reader: names, payloads, operands. */
static void test_op_table_rows(void **state)
{
	const size_t u = offsetof(struct vgpuif_request, u);
	unsigned op, i, j;

	(void)state;
	for (op = 0; op <= VGPU_OP_MAX; op++) {
		const struct vgpu_op_desc *d = vgpu_op_desc(op);

		assert_non_null(d);
		assert_non_null(d->name);
		assert_string_equal(vgpuif_op_name(op), d->name);
		assert_true(d->payload <= sizeof(((struct vgpuif_request *)0)->u));
		assert_true(d->noperands <= VGPU_OP_MAX_OPERANDS);
		assert_true(!d->noperands || d->operand_len);
		assert_true(d->flags == (d->flags & VGPU_REQ_F_ALL));
		for (i = 0; i < d->noperands; i++) {
			const struct vgpu_operand *o = &d->operands[i];

			assert_true(o->ref_off >= u);
			assert_true(o->ref_off + sizeof(struct vgpuif_bufref) <=
				    u + d->payload);
			assert_true(o->align && !(o->align & (o->align - 1)));
		}
		for (j = 0; j < op; j++)
			assert_string_not_equal(vgpu_op_desc(j)->name, d->name);
	}
	assert_null(vgpu_op_desc(VGPU_OP_MAX + 1));
	assert_string_equal(vgpuif_op_name(VGPU_OP_MAX + 1), "?");
}

/* The vector add's operands are a, b, c in that order, c written. */
static void test_op_table_vector_add(void **state)
{
	const struct vgpu_op_desc *d = vgpu_op_desc(VGPU_OP_VECTOR_ADD);
	struct vgpuif_request r;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.op = VGPU_OP_VECTOR_ADD;
	r.u.vector_add.n = 1000;
	r.u.vector_add.a = (struct vgpuif_bufref){ 11, 4 };
	r.u.vector_add.b = (struct vgpuif_bufref){ 12, 8 };
	r.u.vector_add.c = (struct vgpuif_bufref){ 13, 12 };
	assert_int_equal(d->noperands, 3);
	assert_ptr_equal(vgpu_op_bufref(d, &r, 0), &r.u.vector_add.a);
	assert_ptr_equal(vgpu_op_bufref(d, &r, 1), &r.u.vector_add.b);
	assert_ptr_equal(vgpu_op_bufref(d, &r, 2), &r.u.vector_add.c);
	assert_false(d->operands[0].write);
	assert_false(d->operands[1].write);
	assert_true(d->operands[2].write);
	for (unsigned i = 0; i < 3; i++)
		assert_true(d->operand_len(&r, i) == 1000 * sizeof(float));
	assert_int_equal(d->site, VGPU_SITE_EXECUTOR);
}

/* The query's text buffer counts only with the text flag. */
static void test_op_table_query(void **state)
{
	const struct vgpu_op_desc *d = vgpu_op_desc(VGPU_OP_QUERY);
	struct vgpuif_request r;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.op = VGPU_OP_QUERY;
	r.u.query.out = (struct vgpuif_bufref){ 5, 0 };
	r.u.query.out_len = 100;
	assert_true(d->operand_len(&r, 0) == 0);
	r.flags = VGPU_REQ_F_QUERY_TEXT;
	assert_true(d->operand_len(&r, 0) == 100);
	assert_ptr_equal(vgpu_op_bufref(d, &r, 0), &r.u.query.out);
	assert_true(d->operands[0].write);
	assert_int_equal(d->site, VGPU_SITE_LOOP);
	assert_int_equal(d->result, VGPU_RESULT_QUERY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prio_names),
		cmocka_unit_test(test_state_parse),
		cmocka_unit_test(test_parse_ulong),
		cmocka_unit_test(test_op_table_rows),
		cmocka_unit_test(test_op_table_vector_add),
		cmocka_unit_test(test_op_table_query),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
