# test-harness/bench/: benchmarks (tables, never pass/fail tests).
EXTRA_DIST += test-harness/bench/native_bench.cu test-harness/bench/run-gpu-bench.sh \
	test-harness/bench/run-gpu-checks.sh test-harness/bench/gpu-tree.sh \
	test-harness/bench/reg-stall.sh \
	test-harness/bench/storm-bench.sh
if HAVE_CUDA
noinst_PROGRAMS += test-harness/bench/native_bench
test_harness_bench_native_bench_SOURCES =
test-harness/bench/native_bench$(EXEEXT): $(srcdir)/test-harness/bench/native_bench.cu
	$(AM_V_GEN)$(MKDIR_P) test-harness/bench && $(NVCC) -O2 -arch=$(CUDA_ARCH) -std=c++17 \
		-o $@ $< $(CUDA_LIBS)
endif
