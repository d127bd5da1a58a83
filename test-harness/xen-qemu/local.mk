# test-harness/xen-qemu/: the real-Xen test.  Xen 4.17 from Debian booted in
# QEMU (TCG), dom0 under systemd with vgpuback.service (and its sysv init
# script tested there too), two PV guests made by `xl create` with vgpu=
# lines.  Not part of `make check` (minutes, needs root and a Debian mirror):
# `make check-xen`, which .ci/run calls.
xen_qemu_files = \
	test-harness/xen-qemu/README.md \
	test-harness/xen-qemu/build-image.sh \
	test-harness/xen-qemu/run.sh \
	test-harness/xen-qemu/test-xen.sh \
	test-harness/xen-qemu/guest/vgpu-test-init \
	test-harness/xen-qemu/guest/vgpu-dom0-test.service \
	test-harness/xen-qemu/guest/dom0-test.sh \
	test-harness/xen-qemu/guest/guest-test.sh \
	test-harness/xen-qemu/guest/vgpu-a.cfg \
	test-harness/xen-qemu/guest/vgpu-b.cfg
EXTRA_DIST += $(xen_qemu_files)

# TAP on stdout and in test-harness/xen-qemu/test-xen.log (what .ci/run counts).
check-xen:
	@$(MKDIR_P) test-harness/xen-qemu
	@top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	$(BASH) -c 'set -o pipefail; "$$top_srcdir/test-harness/xen-qemu/test-xen.sh" 2>&1 | \
		tee test-harness/xen-qemu/test-xen.log'
.PHONY: check-xen
