# test-harness/scenarios/: the main job (vgpu-demo) and the end-to-end scenarios.
noinst_PROGRAMS += test-harness/scenarios/vgpu-guest
test_harness_scenarios_vgpu_guest_SOURCES = test-harness/scenarios/vgpu-guest.c
test_harness_scenarios_vgpu_guest_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/frontend
test_harness_scenarios_vgpu_guest_LDADD = frontend/libvgpufront.la
check_PROGRAMS += test-harness/scenarios/vgpu-bufs
test_harness_scenarios_vgpu_bufs_SOURCES = test-harness/scenarios/vgpu-bufs.c
test_harness_scenarios_vgpu_bufs_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/frontend
test_harness_scenarios_vgpu_bufs_LDADD = frontend/libvgpufront.la

check_PROGRAMS += test-harness/scenarios/vgpu-grants
test_harness_scenarios_vgpu_grants_SOURCES = test-harness/scenarios/vgpu-grants.c
test_harness_scenarios_vgpu_grants_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/frontend
test_harness_scenarios_vgpu_grants_LDADD = frontend/libvgpufront.la ring/libvgpuring.la
TESTS += test-harness/scenarios/test-grants.sh test-harness/scenarios/test-options.sh
dist_check_SCRIPTS += test-harness/scenarios/test-grants.sh test-harness/scenarios/test-options.sh

# XenStore and event-channel storms (test-storm-*.sh).
check_PROGRAMS += test-harness/scenarios/vgpu-storm
test_harness_scenarios_vgpu_storm_SOURCES = test-harness/scenarios/vgpu-storm.c
test_harness_scenarios_vgpu_storm_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/frontend
test_harness_scenarios_vgpu_storm_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS)
test_harness_scenarios_vgpu_storm_LDADD = frontend/libvgpufront.la ring/libvgpuring.la \
	$(XENSTORE_LIBS)
TESTS += test-harness/scenarios/test-storm-xs.sh test-harness/scenarios/test-storm-evtchn.sh \
	test-harness/scenarios/test-storm-detach.sh
dist_check_SCRIPTS += test-harness/scenarios/test-storm-xs.sh \
	test-harness/scenarios/test-storm-evtchn.sh test-harness/scenarios/test-storm-detach.sh

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
TESTS += test-harness/scenarios/test-gpu-stats.sh
dist_check_SCRIPTS += test-harness/scenarios/test-gpu-stats.sh
TESTS += test-harness/scenarios/test-restart.sh
dist_check_SCRIPTS += test-harness/scenarios/test-restart.sh
TESTS += test-harness/scenarios/test-workers.sh
dist_check_SCRIPTS += test-harness/scenarios/test-workers.sh
# The toolstack against hostile guests and mistakes (detach, records, ghosts).
TESTS += test-harness/scenarios/test-detach.sh test-harness/scenarios/test-detach-hostile.sh \
	test-harness/scenarios/test-toolstack-ghosts.sh
dist_check_SCRIPTS += test-harness/scenarios/test-detach.sh \
	test-harness/scenarios/test-detach-hostile.sh test-harness/scenarios/test-toolstack-ghosts.sh
# libvgpufront's own tests: a hostile backend, detach under a connected
# guest, the vgpufront tool's bad input.
TESTS += test-harness/scenarios/test-front-hostile.sh \
	test-harness/scenarios/test-front-detach.sh \
	test-harness/scenarios/test-front-args.sh
dist_check_SCRIPTS += test-harness/scenarios/test-front-hostile.sh \
	test-harness/scenarios/test-front-detach.sh \
	test-harness/scenarios/test-front-args.sh
# The control plane: vgpuback's JSON answers and vgpuctl's typed reading of them.
TESTS += test-harness/scenarios/test-control.sh test-harness/scenarios/test-prometheus.sh
dist_check_SCRIPTS += test-harness/scenarios/test-control.sh test-harness/scenarios/test-prometheus.sh
# The demo's picture: timeline-svg, its test, and README's seven-vms.svg.
TESTS += test-harness/scenarios/test-demo-svg.sh
dist_check_SCRIPTS += test-harness/scenarios/test-demo-svg.sh
dist_noinst_SCRIPTS += test-harness/scenarios/timeline-svg
EXTRA_DIST += seven-vms.svg
TESTS += test-harness/scenarios/test-front-info.sh
TESTS += test-harness/scenarios/test-top.sh
dist_check_SCRIPTS += test-harness/scenarios/test-top.sh
# vgpufront bench --svg: the sweep's chart against the same run's numbers.
TESTS += test-harness/scenarios/test-bench-svg.sh
dist_check_SCRIPTS += test-harness/scenarios/test-bench-svg.sh
# Protocol version 2 from a guest: sessions and device memory (test-mem.sh).
noinst_PROGRAMS += test-harness/scenarios/vgpu-mem
test_harness_scenarios_vgpu_mem_SOURCES = test-harness/scenarios/vgpu-mem.c \
	test-harness/scenarios/guest_checks.h test-harness/scenarios/guest_checks.c
test_harness_scenarios_vgpu_mem_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/frontend
test_harness_scenarios_vgpu_mem_LDADD = frontend/libvgpufront.la
TESTS += test-harness/scenarios/test-mem.sh
dist_check_SCRIPTS += test-harness/scenarios/test-mem.sh
# Modules and launches from guests (test-kernels.sh): every refusal on the
# CPU executor; kernels, isolation and deadlines on the CUDA one.
noinst_PROGRAMS += test-harness/scenarios/vgpu-kern
test_harness_scenarios_vgpu_kern_SOURCES = test-harness/scenarios/vgpu-kern.c \
	test-harness/scenarios/vgpu-kern.h test-harness/scenarios/vgpu-kern-gpu.c \
	test-harness/scenarios/vgpu-kern-iso.c test-harness/scenarios/vgpu-kern-events.c \
	test-harness/scenarios/guest_checks.h test-harness/scenarios/guest_checks.c
test_harness_scenarios_vgpu_kern_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/frontend \
	-I$(top_srcdir)/frontend/kernels
test_harness_scenarios_vgpu_kern_LDADD = frontend/libvgpufront.la frontend/libvgpukernels.la -lm
TESTS += test-harness/scenarios/test-kernels.sh
dist_check_SCRIPTS += test-harness/scenarios/test-kernels.sh
# The guest kernel driver builds against the installed 6.1 headers, -Werror.
TESTS += test-harness/scenarios/test-kmod-build.sh
dist_check_SCRIPTS += test-harness/scenarios/test-kmod-build.sh
# vgpufront run and matmul (test-front-kernels.sh, shipped by frontend/local.mk).
TESTS += test-harness/scenarios/test-front-kernels.sh
