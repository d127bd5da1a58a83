#!/bin/bash
# install-deps.sh: the Debian 12 packages xen-vgpu needs to build and test.
#   --xen   also what the real-Xen-in-QEMU test needs on the host
# nvcc is not a Debian package: with CUDA installed (/usr/local/cuda) the
# CUDA executor is built, without it the CPU executor serves.  The kernel
# headers are for test-kmod-build.sh (the guest driver, frontend/kmod).
set -eu
pkgs="build-essential autoconf automake libtool pkg-config libxen-dev
      xenstore-utils libcmocka-dev libyajl-dev jq mandoc groff-base clang libclang-rt-14-dev
      valgrind procps psmisc systemd libncurses-dev tmux libxml2-utils librsvg2-bin
      python3 util-linux linux-headers-amd64"
if [ "${1:-}" = "--xen" ]; then
	pkgs="$pkgs qemu-system-x86 debootstrap e2fsprogs cpio zstd"
fi
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
