# gpu-tree.sh: lay out binaries carried to the GPU machine as a build tree
# (source it).  gpu_tree BINDIR: BINDIR holds vgpu-sim, vgpuback, vgpuctl,
# vgpufront, vgpu-guest, vgpu-mem, vgpu-kern, vgpu-memcopy (and lib/ with their shared
# libraries, xenstore-ls);
# afterwards VGPU_BUILDDIR and top_builddir point at BINDIR/tree, which the
# scenarios and simhost.sh take as the build tree.
gpu_tree() {
	local bin t
	bin=$(cd "${1:?BINDIR}" && pwd)
	t=$bin/tree
	export PATH=$bin:$PATH
	export LD_LIBRARY_PATH=$bin/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
	mkdir -p "$t/test-harness/simxen" "$t/backend" "$t/xenstore-hooks" \
		"$t/frontend/examples" "$t/test-harness/scenarios"
	ln -sf "$bin/vgpu-sim" "$t/test-harness/simxen/vgpu-sim"
	ln -sf "$bin/vgpuback" "$t/backend/vgpuback"
	ln -sf "$bin/vgpuctl" "$t/xenstore-hooks/vgpuctl"
	ln -sf "$bin/vgpufront" "$t/frontend/vgpufront"
	ln -sf "$bin/vgpu-guest" "$t/test-harness/scenarios/vgpu-guest"
	ln -sf "$bin/vgpu-mem" "$t/test-harness/scenarios/vgpu-mem"
	ln -sf "$bin/vgpu-kern" "$t/test-harness/scenarios/vgpu-kern"
	ln -sf "$bin/vgpu-memcopy" "$t/frontend/examples/vgpu-memcopy"
	# The guest libcuda.so.1 and its test programs, when carried.
	if [ -f "$bin/libcuda.so.1" ]; then
		mkdir -p "$t/frontend/libcuda/.libs" "$t/frontend/libcuda/tests"
		ln -sf "$bin/libcuda.so.1" "$t/frontend/libcuda/.libs/libcuda.so.1"
		ln -sf "$bin/cuda-drv-test" "$t/frontend/libcuda/tests/cuda-drv-test"
		ln -sf "$bin/cuda-rt-test" "$t/frontend/libcuda/tests/cuda-rt-test"
		[ -d "$bin/samples" ] && ln -sfn "$bin/samples" "$t/frontend/libcuda/tests/samples"
	fi
	export VGPU_BUILDDIR=$t top_builddir=$t
}
