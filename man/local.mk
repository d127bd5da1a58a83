# man/: manual pages, lint-checked and compared with each program's --help.
dist_man_MANS += man/vgpuback.8 man/vgpuctl.8 man/vgpufront.1 man/xl-vgpu.5 \
	man/vgpu-xenstore.7 man/vgpu-control.7 man/vgpu.4
TESTS += man/test-man.sh
dist_check_SCRIPTS += man/test-man.sh
