# backend/: vgpuback, the dom0 daemon.
sbin_PROGRAMS += backend/vgpuback
noinst_LTLIBRARIES += backend/libvgpusched.la
backend_libvgpusched_la_SOURCES = backend/executor.h \
	backend/scheduler.h backend/scheduler.c backend/exec_cpu.c
backend_libvgpusched_la_LIBADD = -lpthread

backend_vgpuback_SOURCES = backend/vgpuback.h backend/executor.c backend/main.c backend/config.c \
	backend/frontend_nodes.c \
	backend/log.h backend/log.c backend/devices.c backend/requests.c backend/control.c \
	backend/storms.h backend/storms.c \
	backend/supervise.c
backend_vgpuback_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/xenstore-hooks
backend_vgpuback_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS)
backend_vgpuback_LDADD = backend/libvgpusched.la xenstore-hooks/libvgpuhooks.la \
	ring/libvgpuring.la \
	$(XENSTORE_LIBS) $(VGPU_CUDA_LDADD)

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
include $(srcdir)/backend/init/local.mk
