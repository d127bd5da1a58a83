# backend/: vgpuback, the dom0 daemon.
sbin_PROGRAMS += backend/vgpuback
noinst_LTLIBRARIES += backend/libvgpusched.la
backend_libvgpusched_la_SOURCES = backend/executor.h \
	backend/scheduler.h backend/scheduler.c backend/exec_cpu.c \
	backend/cpu_events.h backend/cpu_events.c
backend_libvgpusched_la_LIBADD = ring/libvgpuring.la -lpthread

backend_vgpuback_SOURCES = backend/vgpuback.h backend/main.c \
	backend/options.h backend/options.c backend/config.c \
	backend/loop.h backend/loop.c backend/xenbus.h backend/xenbus.c \
	backend/interface.h backend/interface.c backend/wakeup.h backend/wakeup.c \
	backend/datapath.h backend/datapath.c backend/respond.h backend/respond.c \
	backend/buffers.h backend/buffers.c backend/mapper.h backend/mapper.c \
	backend/device.h backend/device.c backend/frontend_nodes.c \
	backend/executor.c backend/log.h backend/log.c \
	backend/control.c backend/control_json.h backend/control_json.c \
	backend/control_gen.h backend/control_gen.c \
	backend/storms.h backend/storms.c backend/supervise.c \
	backend/grantmap.h backend/grantmap.c backend/worker_msg.h \
	backend/workers.h backend/workers.c backend/workers_jobs.c \
	backend/workers_calls.c backend/worker_priv.h backend/worker_main.c \
	backend/worker_serve.c backend/worker_mem.c \
	backend/sessions.h backend/sessions.c backend/sessions_priv.h backend/modules.c \
	backend/streams.c backend/events.c
backend_vgpuback_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/xenstore-hooks
backend_vgpuback_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS) $(YAJL_CFLAGS)
backend_vgpuback_LDADD = backend/libvgpusched.la xenstore-hooks/libvgpuhooks.la \
	ring/libvgpuring.la \
	$(XENSTORE_LIBS) $(YAJL_LIBS) $(VGPU_CUDA_LDADD)

check_PROGRAMS += backend/tests/test_scheduler
TESTS += backend/tests/test_scheduler
backend_tests_test_scheduler_SOURCES = backend/tests/test_scheduler.c
backend_tests_test_scheduler_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/backend
backend_tests_test_scheduler_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
backend_tests_test_scheduler_LDADD = backend/libvgpusched.la $(CMOCKA_LIBS)
check_PROGRAMS += backend/tests/test_storms
TESTS += backend/tests/test_storms
backend_tests_test_storms_SOURCES = backend/tests/test_storms.c backend/storms.c
backend_tests_test_storms_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/backend
backend_tests_test_storms_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
backend_tests_test_storms_LDADD = $(CMOCKA_LIBS)
check_PROGRAMS += backend/tests/test_log
TESTS += backend/tests/test_log
backend_tests_test_log_SOURCES = backend/tests/test_log.c backend/log.c backend/log.h
backend_tests_test_log_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/backend
backend_tests_test_log_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
backend_tests_test_log_LDADD = $(CMOCKA_LIBS)
check_PROGRAMS += backend/tests/test_globals
TESTS += backend/tests/test_globals
backend_tests_test_globals_SOURCES = backend/tests/test_globals.c backend/sessions.c \
	backend/modules.c backend/streams.c backend/events.c backend/worker_mem.c
backend_tests_test_globals_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/backend
backend_tests_test_globals_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
backend_tests_test_globals_LDADD = ring/libvgpuring.la $(CMOCKA_LIBS)
include $(srcdir)/backend/init/local.mk
