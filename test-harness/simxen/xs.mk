# simxen's XenStore server module (xs_*), linked into simxend.
noinst_LTLIBRARIES += test-harness/simxen/libsimxs.la
test_harness_simxen_libsimxs_la_SOURCES = \
	test-harness/simxen/xs_server.h test-harness/simxen/xs_server.c \
	test-harness/simxen/xs_server_priv.h test-harness/simxen/xs_requests.c \
	test-harness/simxen/xs_store.h test-harness/simxen/xs_store.c \
	test-harness/simxen/xs_wire.h test-harness/simxen/xs_wire.c
