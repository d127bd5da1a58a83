# test-harness/: simxen, scenarios, benchmarks, fuzzers, hostile guests, real Xen.
dist_check_SCRIPTS += test-harness/lib/tap.sh test-harness/lib/nogpu
include $(srcdir)/test-harness/simxen/local.mk
include $(srcdir)/test-harness/scenarios/local.mk
include $(srcdir)/test-harness/bench/local.mk
include $(srcdir)/test-harness/fuzz/local.mk
include $(srcdir)/test-harness/hostile/local.mk
include $(srcdir)/test-harness/xen-qemu/local.mk
