# test-harness/fuzz/: libFuzzer harnesses (clang), each run for a bounded time
# in `make check` over the corpus kept here; `make fuzz` runs them longer.
# Add a harness: FUZZERS += test-harness/fuzz/fuzz_NAME, a rule building it,
# and a corpus in test-harness/fuzz/corpus/NAME/.
FUZZERS =
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -I$(top_srcdir)/ring -I$(top_srcdir) \
	-I$(top_builddir)
FUZZ_SECONDS ?= 8

EXTRA_DIST += test-harness/fuzz/fuzz_request.c test-harness/fuzz/corpus \
	test-harness/fuzz/regressions
dist_check_SCRIPTS += test-harness/fuzz/run-fuzzers.sh

if ENABLE_FUZZERS
FUZZERS += test-harness/fuzz/fuzz_request
test-harness/fuzz/fuzz_request: $(top_srcdir)/test-harness/fuzz/fuzz_request.c \
		$(top_srcdir)/ring/request.c $(top_srcdir)/ring/request.h \
		$(top_srcdir)/ring/vgpu_ops.c $(top_srcdir)/ring/vgpu_ops.h \
		$(top_srcdir)/ring/vgpuif.h
	$(AM_V_CC)$(MKDIR_P) test-harness/fuzz && \
	$(CLANG) $(FUZZ_CFLAGS) -o $@ \
		$(top_srcdir)/test-harness/fuzz/fuzz_request.c \
		$(top_srcdir)/ring/request.c $(top_srcdir)/ring/vgpu_ops.c
endif

check_SCRIPTS += $(FUZZERS)
CLEANFILES += $(FUZZERS)
TESTS += test-harness/fuzz/run-fuzzers.sh
AM_TESTS_ENVIRONMENT += FUZZERS='$(FUZZERS)'; export FUZZERS; \
	FUZZ_SECONDS='$(FUZZ_SECONDS)'; export FUZZ_SECONDS;

fuzz: $(FUZZERS)
	FUZZERS='$(FUZZERS)' FUZZ_SECONDS=$${FUZZ_SECONDS:-300} \
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	$(BASH) $(top_srcdir)/test-harness/fuzz/run-fuzzers.sh
.PHONY: fuzz

EXTRA_DIST += test-harness/fuzz/fuzz_handshake.c test-harness/fuzz/fuzz_spec.c \
	test-harness/fuzz/fuzz_xenstore.c
if ENABLE_FUZZERS
FUZZERS += test-harness/fuzz/fuzz_handshake test-harness/fuzz/fuzz_spec \
	test-harness/fuzz/fuzz_xenstore
test-harness/fuzz/fuzz_handshake: $(top_srcdir)/test-harness/fuzz/fuzz_handshake.c \
		$(top_srcdir)/backend/frontend_nodes.c $(top_srcdir)/ring/vgpu_names.c
	$(AM_V_CC)$(MKDIR_P) test-harness/fuzz && $(CLANG) $(FUZZ_CFLAGS) \
		-I$(top_srcdir)/backend -o $@ $^
test-harness/fuzz/fuzz_spec: $(top_srcdir)/test-harness/fuzz/fuzz_spec.c \
		$(top_srcdir)/xenstore-hooks/spec.c $(top_srcdir)/ring/vgpu_names.c
	$(AM_V_CC)$(MKDIR_P) test-harness/fuzz && $(CLANG) $(FUZZ_CFLAGS) \
		-I$(top_srcdir)/xenstore-hooks -o $@ $^
test-harness/fuzz/fuzz_xenstore: $(top_srcdir)/test-harness/fuzz/fuzz_xenstore.c \
		$(top_srcdir)/test-harness/simxen/xs_server.c \
		$(top_srcdir)/test-harness/simxen/xs_requests.c \
		$(top_srcdir)/test-harness/simxen/xs_store.c $(top_srcdir)/test-harness/simxen/xs_wire.c
	$(AM_V_CC)$(MKDIR_P) test-harness/fuzz && $(CLANG) $(FUZZ_CFLAGS) \
		-I$(top_srcdir)/test-harness/simxen -o $@ $^
endif

# fuzz_backend: the stateful core (xenbus.c down to device.c, scheduler.c) driven
# by sequences of toolstack, guest and executor steps against the fakes of
# fuzz_backend_stubs.c; corpus/backend/ comes from gen-backend-corpus.py.
EXTRA_DIST += test-harness/fuzz/fuzz_backend.c test-harness/fuzz/fuzz_backend.h \
	test-harness/fuzz/fuzz_backend_stubs.c test-harness/fuzz/gen-backend-corpus.py
if ENABLE_FUZZERS
FUZZERS += test-harness/fuzz/fuzz_backend
test-harness/fuzz/fuzz_backend: $(top_srcdir)/test-harness/fuzz/fuzz_backend.c \
		$(top_srcdir)/test-harness/fuzz/fuzz_backend_stubs.c \
		$(top_srcdir)/test-harness/fuzz/fuzz_backend.h \
		$(top_srcdir)/backend/xenbus.c $(top_srcdir)/backend/interface.c \
		$(top_srcdir)/backend/wakeup.c $(top_srcdir)/backend/datapath.c \
		$(top_srcdir)/backend/respond.c $(top_srcdir)/backend/buffers.c \
		$(top_srcdir)/backend/mapper.c $(top_srcdir)/backend/device.c \
		$(top_srcdir)/backend/grantmap.c $(top_srcdir)/backend/sessions.c \
		$(top_srcdir)/backend/modules.c $(top_srcdir)/backend/streams.c \
		$(top_srcdir)/backend/events.c \
		$(top_srcdir)/backend/scheduler.c $(top_srcdir)/backend/frontend_nodes.c \
		$(top_srcdir)/backend/config.c $(top_srcdir)/backend/options.c \
		$(top_srcdir)/backend/storms.c \
		$(top_srcdir)/ring/request.c $(top_srcdir)/ring/platform.c \
		$(top_srcdir)/ring/vgpu_ops.c $(top_srcdir)/ring/vgpu_names.c \
		$(top_srcdir)/ring/vgpu_xs.c \
		$(top_srcdir)/backend/vgpuback.h $(top_srcdir)/backend/executor.h \
		$(top_srcdir)/backend/xenbus.h $(top_srcdir)/backend/interface.h \
		$(top_srcdir)/backend/wakeup.h $(top_srcdir)/backend/datapath.h \
		$(top_srcdir)/backend/respond.h $(top_srcdir)/backend/buffers.h \
		$(top_srcdir)/backend/mapper.h $(top_srcdir)/backend/device.h
	$(AM_V_CC)$(MKDIR_P) test-harness/fuzz && $(CLANG) $(FUZZ_CFLAGS) \
		-I$(top_srcdir)/backend -I$(top_srcdir)/xenstore-hooks \
		-I$(top_srcdir)/test-harness/fuzz $(XENSTORE_CFLAGS) \
		-DSYSCONFDIR='"$(sysconfdir)"' -DLOCALSTATEDIR='"$(localstatedir)"' \
		-DRUNSTATEDIR='"$(runstatedir)"' -o $@ $(filter %.c,$^) -lpthread
endif
