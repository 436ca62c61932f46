#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian 12 packages PCIem record/replay needs to build and test.
# Idempotent: when everything is present it only runs dpkg-query and exits.
# Uses sudo when not run as root.  Set PCIEM_DEPS_DRY_RUN=1 to print the
# missing packages without installing them.
set -eu

# Packages every build and test needs.  The packaging line is for make
# install/deb/dkms and their checks (docs/packaging.md): DKMS, debhelper,
# lintian, the man page linter, man itself, debootstrap (the clean chroot
# the packages are installed into) and udev (udevadm applies the udev rule
# in t_dkms).  The last line is for the
# debug kernel (tools/vm/debug-kernel.sh): its source and what building it
# needs.
pkgs="make gcc clang llvm libclang-rt-14-dev pkg-config cpio kmod
libzstd-dev libxxhash-dev zstd libcmocka-dev
libbpf-dev bpftool
liblttng-ust-dev lttng-tools babeltrace2 libbabeltrace2-dev
qemu-system-x86 busybox-static pciutils libxml2-utils
dkms dh-dkms debhelper dpkg-dev fakeroot lintian mandoc man-db bash-completion debootstrap udev
linux-image-amd64 linux-headers-amd64
linux-source-6.12 flex bison bc libelf-dev xz-utils"

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		echo "deps.sh: need root (or sudo) to run: $*" >&2
		exit 1
	fi
}

installed() {
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

# The 6.12 kernel comes from bookworm-security under a versioned name:
# pick the newest release whose image and headers are both installed, or
# else the newest one the archive offers with both.
have_612() {
	dpkg-query -W -f='${Package} ${db:Status-Status}\n' \
		'linux-image-6.12.*-amd64-unsigned' 2>/dev/null |
	while read -r p st; do
		[ "$st" = installed ] || continue
		v=${p#linux-image-}; v=${v%-unsigned}
		installed "linux-headers-$v" && echo "$v"
	done | sort -V | tail -n 1
}

newest_612() {
	apt-cache search --names-only '^linux-image-6\.12\.[0-9.]+\+deb12-amd64-unsigned$' |
	while read -r p _; do
		v=${p#linux-image-}; v=${v%-unsigned}
		apt-cache show "linux-headers-$v" >/dev/null 2>&1 && echo "$v"
	done | sort -V | tail -n 1
}

missing=""
for p in $pkgs; do
	installed "$p" || missing="$missing $p"
done
k612=$(have_612)

if [ -z "$missing" ] && [ -n "$k612" ]; then
	exit 0
fi

if [ "${PCIEM_DEPS_DRY_RUN:-0}" = 1 ]; then
	echo "missing:$missing${k612:- linux-6.12 image+headers}"
	exit 0
fi

export DEBIAN_FRONTEND=noninteractive
as_root apt-get update -qq
if [ -z "$k612" ]; then
	v=$(newest_612)
	if [ -z "$v" ]; then
		echo "deps.sh: no linux-image-6.12.*-amd64-unsigned with matching headers" \
		     "in the archive; is bookworm-security in sources.list?" >&2
		exit 1
	fi
	missing="$missing linux-image-$v-unsigned linux-headers-$v"
fi
echo "deps.sh: installing:$missing"
# shellcheck disable=SC2086
as_root apt-get install -y -qq --no-install-recommends $missing
