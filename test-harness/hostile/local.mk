# test-harness/hostile/: a hostile frontend (vgpu-hostile) and the end-to-end
# test that turns it on a running vgpuback beside a well-behaved guest.
noinst_PROGRAMS += test-harness/hostile/vgpu-hostile
test_harness_hostile_vgpu_hostile_SOURCES = test-harness/hostile/vgpu-hostile.c \
	test-harness/hostile/hostile.h test-harness/hostile/hostile-common.c \
	test-harness/hostile/attack-ring.c test-harness/hostile/attack-ops.c \
	test-harness/hostile/attack-flood.c test-harness/hostile/attack-xs.c \
	test-harness/hostile/attack-lifecycle.c
test_harness_hostile_vgpu_hostile_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/frontend \
	-I$(top_srcdir)/test-harness/hostile
test_harness_hostile_vgpu_hostile_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS) -pthread
test_harness_hostile_vgpu_hostile_LDADD = frontend/libvgpufront_core.la $(XENSTORE_LIBS) -lpthread

TESTS += test-harness/hostile/test-hostile.sh
dist_check_SCRIPTS += test-harness/hostile/test-hostile.sh
# A hostile backend (vgpu-hostile-backend) for the frontend's side of the
# same story: test-harness/scenarios/test-front-hostile.sh.
noinst_PROGRAMS += test-harness/hostile/vgpu-hostile-backend
test_harness_hostile_vgpu_hostile_backend_SOURCES = test-harness/hostile/vgpu-hostile-backend.c
test_harness_hostile_vgpu_hostile_backend_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS)
test_harness_hostile_vgpu_hostile_backend_LDADD = ring/libvgpuring.la $(XENSTORE_LIBS)
