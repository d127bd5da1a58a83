# test-harness/xen-qemu/
