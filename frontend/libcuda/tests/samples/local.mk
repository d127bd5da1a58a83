# frontend/libcuda/tests/samples/: CUDA programs as a CUDA user writes and
# builds them (plain `nvcc -o prog prog.cu`, cudart static; drvptx a C
# driver-API program linked with the toolkit's stub -lcuda), each checking
# itself against its own CPU reference and ending with PASS or FAIL.
# test-libcuda-samples.sh runs them in a guest on the guest libcuda.so.1,
# and, on a GPU, natively too, comparing the two outputs.
if BUILD_LIBCUDA
if HAVE_CUDA
check_PROGRAMS += frontend/libcuda/tests/samples/vadd frontend/libcuda/tests/samples/matmul \
	frontend/libcuda/tests/samples/streams frontend/libcuda/tests/samples/events \
	frontend/libcuda/tests/samples/devquery frontend/libcuda/tests/samples/templates \
	frontend/libcuda/tests/samples/constmem frontend/libcuda/tests/samples/fault \
	frontend/libcuda/tests/samples/oom
frontend_libcuda_tests_samples_vadd_SOURCES =
frontend/libcuda/tests/samples/vadd$(EXEEXT): $(srcdir)/frontend/libcuda/tests/samples/vadd.cu
	$(AM_V_GEN)$(MKDIR_P) frontend/libcuda/tests/samples && $(NVCC) -o $@ $<
frontend_libcuda_tests_samples_matmul_SOURCES =
frontend/libcuda/tests/samples/matmul$(EXEEXT): $(srcdir)/frontend/libcuda/tests/samples/matmul.cu
	$(AM_V_GEN)$(MKDIR_P) frontend/libcuda/tests/samples && $(NVCC) -o $@ $<
frontend_libcuda_tests_samples_streams_SOURCES =
frontend/libcuda/tests/samples/streams$(EXEEXT): $(srcdir)/frontend/libcuda/tests/samples/streams.cu
	$(AM_V_GEN)$(MKDIR_P) frontend/libcuda/tests/samples && $(NVCC) -o $@ $<
frontend_libcuda_tests_samples_events_SOURCES =
frontend/libcuda/tests/samples/events$(EXEEXT): $(srcdir)/frontend/libcuda/tests/samples/events.cu
	$(AM_V_GEN)$(MKDIR_P) frontend/libcuda/tests/samples && $(NVCC) -o $@ $<
frontend_libcuda_tests_samples_devquery_SOURCES =
frontend/libcuda/tests/samples/devquery$(EXEEXT): $(srcdir)/frontend/libcuda/tests/samples/devquery.cu
	$(AM_V_GEN)$(MKDIR_P) frontend/libcuda/tests/samples && $(NVCC) -o $@ $<
frontend_libcuda_tests_samples_templates_SOURCES =
frontend/libcuda/tests/samples/templates$(EXEEXT): $(srcdir)/frontend/libcuda/tests/samples/templates.cu
	$(AM_V_GEN)$(MKDIR_P) frontend/libcuda/tests/samples && $(NVCC) -o $@ $<
frontend_libcuda_tests_samples_constmem_SOURCES =
frontend/libcuda/tests/samples/constmem$(EXEEXT): $(srcdir)/frontend/libcuda/tests/samples/constmem.cu
	$(AM_V_GEN)$(MKDIR_P) frontend/libcuda/tests/samples && $(NVCC) -o $@ $<
frontend_libcuda_tests_samples_fault_SOURCES =
frontend/libcuda/tests/samples/fault$(EXEEXT): $(srcdir)/frontend/libcuda/tests/samples/fault.cu
	$(AM_V_GEN)$(MKDIR_P) frontend/libcuda/tests/samples && $(NVCC) -o $@ $<
frontend_libcuda_tests_samples_oom_SOURCES =
frontend/libcuda/tests/samples/oom$(EXEEXT): $(srcdir)/frontend/libcuda/tests/samples/oom.cu
	$(AM_V_GEN)$(MKDIR_P) frontend/libcuda/tests/samples && $(NVCC) -o $@ $<
endif
if HAVE_CUDA_STUBS
check_PROGRAMS += frontend/libcuda/tests/samples/drvptx
frontend_libcuda_tests_samples_drvptx_SOURCES = frontend/libcuda/tests/samples/drvptx.c
frontend_libcuda_tests_samples_drvptx_CPPFLAGS = $(AM_CPPFLAGS) $(LIBCUDA_CFLAGS)
frontend_libcuda_tests_samples_drvptx_LDADD = $(CUDA_STUBS_LIBS) -lm
endif
endif
EXTRA_DIST += frontend/libcuda/tests/samples/vadd.cu frontend/libcuda/tests/samples/matmul.cu \
	frontend/libcuda/tests/samples/streams.cu frontend/libcuda/tests/samples/events.cu \
	frontend/libcuda/tests/samples/devquery.cu frontend/libcuda/tests/samples/templates.cu \
	frontend/libcuda/tests/samples/constmem.cu frontend/libcuda/tests/samples/fault.cu \
	frontend/libcuda/tests/samples/oom.cu
TESTS += test-harness/scenarios/test-libcuda-samples.sh
dist_check_SCRIPTS += test-harness/scenarios/test-libcuda-samples.sh
