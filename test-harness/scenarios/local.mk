# test-harness/scenarios/: the main job (vgpu-demo) and the end-to-end scenarios.
noinst_PROGRAMS += test-harness/scenarios/vgpu-guest
test_harness_scenarios_vgpu_guest_SOURCES = test-harness/scenarios/vgpu-guest.c
test_harness_scenarios_vgpu_guest_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/frontend
test_harness_scenarios_vgpu_guest_LDADD = frontend/libvgpufront.la
check_PROGRAMS += test-harness/scenarios/vgpu-bufs
test_harness_scenarios_vgpu_bufs_SOURCES = test-harness/scenarios/vgpu-bufs.c
test_harness_scenarios_vgpu_bufs_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/frontend
test_harness_scenarios_vgpu_bufs_LDADD = frontend/libvgpufront.la

dist_noinst_SCRIPTS += test-harness/scenarios/vgpu-demo test-harness/scenarios/simhost.sh

TESTS += test-harness/scenarios/test-seven-vm.sh \
	test-harness/scenarios/test-many-guests.sh \
	test-harness/scenarios/test-lifecycle.sh \
	test-harness/scenarios/test-xl-hook.sh \
	test-harness/scenarios/test-limits.sh \
	test-harness/scenarios/test-valgrind.sh
dist_check_SCRIPTS += test-harness/scenarios/test-seven-vm.sh \
	test-harness/scenarios/test-many-guests.sh \
	test-harness/scenarios/test-lifecycle.sh \
	test-harness/scenarios/test-xl-hook.sh \
	test-harness/scenarios/test-limits.sh \
	test-harness/scenarios/test-valgrind.sh
# Skips without a GPU (VGPU_TEST_EXECUTOR=cuda on the GPU machine).
TESTS += test-harness/scenarios/test-gpu-fault.sh
dist_check_SCRIPTS += test-harness/scenarios/test-gpu-fault.sh
TESTS += test-harness/scenarios/test-restart.sh
dist_check_SCRIPTS += test-harness/scenarios/test-restart.sh
