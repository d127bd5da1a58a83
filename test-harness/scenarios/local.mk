# test-harness/scenarios/: the main job (vgpu-demo) and the end-to-end scenarios.
noinst_PROGRAMS += test-harness/scenarios/vgpu-guest
test_harness_scenarios_vgpu_guest_SOURCES = test-harness/scenarios/vgpu-guest.c
test_harness_scenarios_vgpu_guest_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/frontend
test_harness_scenarios_vgpu_guest_LDADD = frontend/libvgpufront.la

dist_noinst_SCRIPTS += test-harness/scenarios/vgpu-demo test-harness/scenarios/simhost.sh

TESTS += test-harness/scenarios/test-seven-vm.sh \
	test-harness/scenarios/test-many-guests.sh \
	test-harness/scenarios/test-lifecycle.sh \
	test-harness/scenarios/test-xl-hook.sh
dist_check_SCRIPTS += test-harness/scenarios/test-seven-vm.sh \
	test-harness/scenarios/test-many-guests.sh \
	test-harness/scenarios/test-lifecycle.sh \
	test-harness/scenarios/test-xl-hook.sh
