# test-harness/simxen/: the one-host simulation of Xen (hypervisor + xenstored).
include $(srcdir)/test-harness/simxen/xs.mk

noinst_PROGRAMS += test-harness/simxen/vgpu-sim
test_harness_simxen_vgpu_sim_SOURCES = test-harness/simxen/vgpu-sim.c \
	test-harness/simxen/simxend.c test-harness/simxen/simxend.h
test_harness_simxen_vgpu_sim_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/test-harness/simxen
test_harness_simxen_vgpu_sim_LDADD = test-harness/simxen/libsimxs.la ring/libvgpuring.la
