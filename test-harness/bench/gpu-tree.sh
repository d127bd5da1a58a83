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
	export VGPU_BUILDDIR=$t top_builddir=$t
}
