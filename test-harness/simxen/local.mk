# test-harness/simxen/
include $(srcdir)/test-harness/simxen/xs.mk
