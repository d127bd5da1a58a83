/* SPDX-License-Identifier: MIT */
/*
 * storms.c: the watch-event parser against a table of paths a toolstack,
 * vgpuback and a hostile guest can make fire, and the spurious-notification
 * accounting against a model of Linux's lateeoi delays.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "storms.h"

#define R VGPU_BE_ROOT

struct pcase {
	const char *path, *token;
	enum vgpu_xs_kind kind;
	enum vgpu_xs_node node;
	uint32_t domid, devid;
};

static const struct pcase pcases[] = {
	{ R, VGPU_TOKEN_BACKEND, VGPU_XSE_ROOT, 0, 0, 0 },
	{ R "/", VGPU_TOKEN_BACKEND, VGPU_XSE_ROOT, 0, 0, 0 },
	{ R "/7", VGPU_TOKEN_BACKEND, VGPU_XSE_DOMAIN, 0, 7, 0 },
	{ R "/7/0", VGPU_TOKEN_BACKEND, VGPU_XSE_DEVICE, VGPU_NODE_DIR, 7, 0 },
	{ R "/7/0/", VGPU_TOKEN_BACKEND, VGPU_XSE_DEVICE, VGPU_NODE_DIR, 7, 0 },
	{ R "/7/3/online", VGPU_TOKEN_BACKEND, VGPU_XSE_DEVICE, VGPU_NODE_ONLINE, 7, 3 },
	{ R "/7/3/state", VGPU_TOKEN_BACKEND, VGPU_XSE_DEVICE, VGPU_NODE_STATE, 7, 3 },
	{ R "/7/3/state/x", VGPU_TOKEN_BACKEND, VGPU_XSE_DEVICE, VGPU_NODE_OTHER, 7, 3 },
	{ R "/7/3/stateX", VGPU_TOKEN_BACKEND, VGPU_XSE_DEVICE, VGPU_NODE_OTHER, 7, 3 },
	{ R "/7/3/onlin", VGPU_TOKEN_BACKEND, VGPU_XSE_DEVICE, VGPU_NODE_OTHER, 7, 3 },
	{ R "/7/3/pool", VGPU_TOKEN_BACKEND, VGPU_XSE_DEVICE, VGPU_NODE_OTHER, 7, 3 },
	{ R "/32751/4294967295/online", VGPU_TOKEN_BACKEND, VGPU_XSE_DEVICE,
	  VGPU_NODE_ONLINE, 32751, 4294967295u },
	/* Not what vgpuback or a toolstack writes: ignored. */
	{ R "/32752/0", VGPU_TOKEN_BACKEND, VGPU_XSE_IGNORE, 0, 0, 0 },
	{ R "/7/4294967296", VGPU_TOKEN_BACKEND, VGPU_XSE_IGNORE, 0, 0, 0 },
	{ R "/07/0", VGPU_TOKEN_BACKEND, VGPU_XSE_IGNORE, 0, 0, 0 },
	{ R "/7/00", VGPU_TOKEN_BACKEND, VGPU_XSE_IGNORE, 0, 0, 0 },
	{ R "/+7/0", VGPU_TOKEN_BACKEND, VGPU_XSE_IGNORE, 0, 0, 0 },
	{ R "/ 7/0", VGPU_TOKEN_BACKEND, VGPU_XSE_IGNORE, 0, 0, 0 },
	{ R "/7x/0", VGPU_TOKEN_BACKEND, VGPU_XSE_IGNORE, 0, 0, 0 },
	{ R "/x", VGPU_TOKEN_BACKEND, VGPU_XSE_IGNORE, 0, 0, 0 },
	{ R "//7", VGPU_TOKEN_BACKEND, VGPU_XSE_IGNORE, 0, 0, 0 },
	{ R "x/7/0", VGPU_TOKEN_BACKEND, VGPU_XSE_IGNORE, 0, 0, 0 },
	{ "/local/domain/0/backend/vbd/7/0", VGPU_TOKEN_BACKEND, VGPU_XSE_IGNORE, 0, 0, 0 },
	{ "/local/domain/7/data/x", VGPU_TOKEN_BACKEND, VGPU_XSE_IGNORE, 0, 0, 0 },
	{ "@releaseDomain", VGPU_TOKEN_RELEASE, VGPU_XSE_RELEASE, 0, 0, 0 },
	{ "@introduceDomain", VGPU_TOKEN_RELEASE, VGPU_XSE_IGNORE, 0, 0, 0 },
	/* Frontend tokens: ours, parsed strictly; the path is checked apart. */
	{ "/local/domain/7/device/vgpu/3/state", "vgpuback/fe/7/3", VGPU_XSE_FRONTEND, 0, 7, 3 },
	{ "anything", "vgpuback/fe/7/3", VGPU_XSE_FRONTEND, 0, 7, 3 },
	{ "x", "vgpuback/fe/7/3/", VGPU_XSE_IGNORE, 0, 0, 0 },
	{ "x", "vgpuback/fe/07/3", VGPU_XSE_IGNORE, 0, 0, 0 },
	{ "x", "vgpuback/fe/7", VGPU_XSE_IGNORE, 0, 0, 0 },
	{ "x", "vgpuback/fe/7/-3", VGPU_XSE_IGNORE, 0, 0, 0 },
	{ "x", "vgpuback/fe/40000/3", VGPU_XSE_IGNORE, 0, 0, 0 },
	{ "x", "vgpuback/fe//3", VGPU_XSE_IGNORE, 0, 0, 0 },
	{ "x", "frontends", VGPU_XSE_IGNORE, 0, 0, 0 },
	{ R "/7/0", "backend", VGPU_XSE_IGNORE, 0, 0, 0 },
};

static void parse_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(pcases) / sizeof(pcases[0]); i++) {
		const struct pcase *c = &pcases[i];
		struct vgpu_xs_event ev;

		vgpu_xs_event_parse(c->path, c->token, &ev);
		if (ev.kind != c->kind)
			fail_msg("%s (%s): kind %d, want %d", c->path, c->token, ev.kind, c->kind);
		if (c->kind == VGPU_XSE_DEVICE && ev.node != c->node)
			fail_msg("%s: node %d, want %d", c->path, ev.node, c->node);
		if (c->kind != VGPU_XSE_IGNORE && c->kind != VGPU_XSE_ROOT &&
		    c->kind != VGPU_XSE_RELEASE &&
		    (ev.domid != c->domid || (c->kind != VGPU_XSE_DOMAIN && ev.devid != c->devid)))
			fail_msg("%s (%s): %u/%u, want %u/%u", c->path, c->token, ev.domid,
				 ev.devid, c->domid, c->devid);
	}
	vgpu_xs_event_parse(NULL, VGPU_TOKEN_BACKEND, &(struct vgpu_xs_event){ 0 });
}

static void fe_path_match(void **state)
{
	const char *fe = "/local/domain/7/device/vgpu/3";

	(void)state;
	assert_true(vgpu_fe_event_matches("/local/domain/7/device/vgpu/3/state", fe));
	/* What a guest can make fire under the watched node, or near it. */
	assert_false(vgpu_fe_event_matches("/local/domain/7/device/vgpu/3/state/x", fe));
	assert_false(vgpu_fe_event_matches("/local/domain/7/device/vgpu/3/stateX", fe));
	assert_false(vgpu_fe_event_matches("/local/domain/7/device/vgpu/3", fe));
	assert_false(vgpu_fe_event_matches("/local/domain/7/device/vgpu/33/state", fe));
	assert_false(vgpu_fe_event_matches("/local/domain/8/device/vgpu/3/state", fe));
	assert_false(vgpu_fe_event_matches("/local/domain/7/device/vgpu/3/state", ""));
}

/* The model: no delay up to the threshold, then 1, 2, 4 ... ms, capped. */
static unsigned model_delay(unsigned run)
{
	unsigned ms = 1, k;

	if (run <= VGPU_STORM_THRESHOLD)
		return 0;
	for (k = VGPU_STORM_THRESHOLD + 1; k < run && ms < VGPU_STORM_MAX_MS; k++)
		ms *= 2;
	return ms < VGPU_STORM_MAX_MS ? ms : VGPU_STORM_MAX_MS;
}

static void storm_delays(void **state)
{
	struct vgpu_storm s = { 0 };
	unsigned i, ms;
	bool started;

	(void)state;
	/* A stormer: req_prod never moves. */
	for (i = 1; i <= 200; i++) {
		ms = vgpu_storm_account(&s, 0, &started);
		assert_int_equal(ms, model_delay(i < VGPU_STORM_THRESHOLD + 32 ?
						 i : VGPU_STORM_THRESHOLD + 32));
		assert_int_equal(started, i == VGPU_STORM_THRESHOLD + 1);
	}
	assert_int_equal(s.spurious, 200);
	assert_int_equal(s.throttles, 200 - VGPU_STORM_THRESHOLD);
	assert_int_equal(s.episodes, 1);
	/* One notification that brings a request ends the run at once. */
	assert_int_equal(vgpu_storm_account(&s, 1, &started), 0);
	assert_int_equal(s.run, 0);
	assert_int_equal(s.spurious, 200);
	for (i = 1; i <= VGPU_STORM_THRESHOLD; i++)
		assert_int_equal(vgpu_storm_account(&s, 1, &started), 0);
	assert_int_equal(vgpu_storm_account(&s, 1, &started), 1);
	assert_true(started);
	assert_int_equal(s.episodes, 2);
}

/*
 * A well-behaved frontend notifies after each request it produces; a
 * notification may be delivered twice (once before we read the index that
 * it raced with).  Never a delay, over a long random run.
 */
static void well_behaved_never_delayed(void **state)
{
	struct vgpu_storm s = { 0 };
	uint32_t prod = 0, x = 12345;
	unsigned i;
	bool started;

	(void)state;
	for (i = 0; i < 100000; i++) {
		x = x * 1103515245u + 12345u;
		prod += 1 + (x >> 28);	/* one to sixteen requests, one notification */
		assert_int_equal(vgpu_storm_account(&s, prod, &started), 0);
		if (x & 0x100)	/* the same notification again, nothing new */
			assert_int_equal(vgpu_storm_account(&s, prod, &started), 0);
	}
	assert_int_equal(s.throttles, 0);
	assert_true(s.spurious > 0);
	/* req_prod wraps: a change is a change. */
	s.prod_seen = 0xffffffffu;
	assert_int_equal(vgpu_storm_account(&s, 0, &started), 0);
	assert_int_equal(s.run, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_table),
		cmocka_unit_test(fe_path_match),
		cmocka_unit_test(storm_delays),
		cmocka_unit_test(well_behaved_never_delayed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
