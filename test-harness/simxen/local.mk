# test-harness/simxen/: the one-host simulation of Xen (hypervisor + xenstored).
include $(srcdir)/test-harness/simxen/xs.mk

noinst_PROGRAMS += test-harness/simxen/vgpu-sim
test_harness_simxen_vgpu_sim_SOURCES = test-harness/simxen/vgpu-sim.c \
	test-harness/simxen/simxend.c test-harness/simxen/simxend.h
test_harness_simxen_vgpu_sim_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/test-harness/simxen
test_harness_simxen_vgpu_sim_LDADD = test-harness/simxen/libsimxs.la ring/libvgpuring.la

check_PROGRAMS += test-harness/simxen/tests/grant_peer test-harness/simxen/tests/xs_tx_conflict \
	test-harness/simxen/tests/xs_hold
test_harness_simxen_tests_grant_peer_SOURCES = test-harness/simxen/tests/grant_peer.c
test_harness_simxen_tests_grant_peer_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS)
test_harness_simxen_tests_grant_peer_LDADD = ring/libvgpuring.la $(XENSTORE_LIBS)
test_harness_simxen_tests_xs_tx_conflict_SOURCES = test-harness/simxen/tests/xs_tx_conflict.c
test_harness_simxen_tests_xs_tx_conflict_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS)
test_harness_simxen_tests_xs_tx_conflict_LDADD = $(XENSTORE_LIBS)
test_harness_simxen_tests_xs_hold_SOURCES = test-harness/simxen/tests/xs_hold.c
test_harness_simxen_tests_xs_hold_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS)
test_harness_simxen_tests_xs_hold_LDADD = $(XENSTORE_LIBS)
TESTS += test-harness/simxen/tests/test-simxen.sh \
	test-harness/simxen/tests/test-simxen-faults.sh
dist_check_SCRIPTS += test-harness/simxen/tests/test-simxen.sh \
	test-harness/simxen/tests/test-simxen-faults.sh
