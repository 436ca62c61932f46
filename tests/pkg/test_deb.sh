#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages make deb built (in DEB_DIR): their version is the
# project's (kmod/dkms.conf, debian/changelog); their dependencies (libzstd,
# libxxhash and, when --stacks is built, libbpf as Depends; liblttng-ust
# only as a Recommends; dkms for pciem-dkms); their contents (the module
# source with its dkms.conf, the udev rule, the tools, man pages,
# completions, libptf); lintian reports neither an error nor a warning
# (docs/packaging.md: a warning must be fixed, or overridden with its
# reason); then both are installed with apt into a clean Debian chroot
# (debootstrap --variant=minbase, made once and kept as
# build/pkg-chroot/base.tar.zst: it needs Debian's archive), where
# pciem-record --help, pciem-trace on a trace, man pciem-replay and
# dkms status work, and a kernel's headers installed then get pciem built
# and installed by DKMS.
#
# Usage: test_deb.sh DEB_DIR
set -u
. "$(dirname "$0")/lib.sh"
debs=$(cd "${1:?usage: test_deb.sh DEB_DIR}" && pwd)

tmp=$(mktemp -d)
root=""
cleanup() {
	if [ -n "$root" ]; then
		umount "$root/proc" 2>/dev/null
		rm -rf "$root"
	fi
	rm -rf "$tmp" "$check_out"
}
trap cleanup EXIT

ver=$pciem_version
chver=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
check "debian/changelog's version $chver is kmod/dkms.conf's $ver" test "$chver" = "$ver"
tools=$debs/pciem-tools_${ver}_amd64.deb
dkmsdeb=$debs/pciem-dkms_${ver}_all.deb
for d in "$tools" "$dkmsdeb"; do
	[ -f "$d" ] || { bad "no $d"; summary; exit 1; }
done

field() { dpkg-deb -f "$1" "$2"; }
dep=$(field "$tools" Depends)
for lib in libzstd1 libxxhash0; do
	check "pciem-tools Depends on $lib" grep -q "$lib" <<<"$dep"
done
if nm -D "$top/build/bin/pciem-record" 2>/dev/null | grep -q bpf_object; then
	check "pciem-tools Depends on libbpf1 (--stacks)" grep -q libbpf1 <<<"$dep"
fi
check "pciem-tools does not depend on liblttng-ust" bash -c '! grep -q lttng <<<"$1"' _ "$dep"
check "pciem-tools Recommends liblttng-ust1" grep -q liblttng-ust1 <<<"$(field "$tools" Recommends)"
check "pciem-dkms Depends on dkms" grep -q dkms <<<"$(field "$dkmsdeb" Depends)"

dpkg-deb -x "$tools" "$tmp/t"
dpkg-deb -x "$dkmsdeb" "$tmp/d"
for f in usr/bin/pciem-record usr/bin/pciem-replay usr/bin/pciem-trace \
	 usr/share/man/man1/pciem-replay.1.gz usr/share/man/man4/pciem.4.gz \
	 usr/share/bash-completion/completions/pciem-trace usr/include/pciem/ptf.h \
	 usr/share/pciem/regs/dummy_clock.regs usr/share/pciem/tracecompass/pciem-analysis.xml; do
	check "pciem-tools has /$f" test -e "$tmp/t/$f"
done
check "pciem-tools has libptf.a and pciem-ptf.pc" sh -c "ls '$tmp'/t/usr/lib/*/libptf.a '$tmp'/t/usr/lib/*/pkgconfig/pciem-ptf.pc"
if [ -e "$top/build/lib/libpciem-tp.so" ]; then
	check "pciem-tools has the provider in /usr/lib/pciem" test -e "$tmp/t/usr/lib/pciem/libpciem-tp.so"
fi
src=$tmp/d/usr/src/pciem-$ver
check "pciem-dkms: dkms.conf of pciem/$ver" grep -q "^PACKAGE_VERSION=\"$ver\"" "$src/dkms.conf"
check "pciem-dkms: Kbuild, sources, uapi header" test -f "$src/Kbuild" -a -f "$src/pciem_main.c" \
	-a -f "$src/uapi/pciem_userspace.h"
check "pciem-dkms: udev rule, 0600 root" grep -q 'MODE="0600"' "$tmp/d/lib/udev/rules.d/60-pciem.rules"

# lintian: no error, no warning (info and pedantic tags are printed).
lintian -I --pedantic "$tools" "$dkmsdeb" 2>&1 | grep -v 'running with root privileges' > "$tmp/lintian"
sed 's/^/    lintian: /' "$tmp/lintian"
check "lintian: no error or warning" sh -c "! grep -E '^[EW]: ' '$tmp/lintian'"

# A clean chroot.
base=$top/build/pkg-chroot/base.tar.zst
if [ ! -f "$base" ]; then
	echo "making $base (debootstrap --variant=minbase bookworm; needs Debian's archive)"
	mkdir -p "$top/build/pkg-chroot"
	b=$top/build/pkg-chroot/base
	rm -rf "$b"
	if ! debootstrap --variant=minbase bookworm "$b" http://deb.debian.org/debian \
		> "$top/build/pkg-chroot/debootstrap.log" 2>&1; then
		bad "debootstrap failed: $(tail -5 "$top/build/pkg-chroot/debootstrap.log")"
		summary; exit 1
	fi
	tar -C "$b" --zstd -cf "$base.tmp" . && mv "$base.tmp" "$base" && rm -rf "$b"
fi
root=$top/build/pkg-chroot/root
rm -rf "$root"
mkdir -p "$root"
tar -C "$root" --zstd -xf "$base"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# as an installed Debian 12: with its updates and security archives
cat >>"$root/etc/apt/sources.list" <<'SOURCES'
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES
cp "$tools" "$dkmsdeb" "$root/tmp/"
mount -t proc proc "$root/proc"
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
check "apt-get update in the chroot" in_root apt-get update -qq
check "apt-get install ./pciem-tools ./pciem-dkms man-db in the chroot" in_root sh -c \
	"DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	 /tmp/$(basename "$tools") /tmp/$(basename "$dkmsdeb") man-db"
check "chroot: pciem-record --help" in_root pciem-record --help
check "chroot: pciem-replay --version is $ver" sh -c "chroot '$root' pciem-replay --version | grep -qx 'pciem-replay $ver'"
cp "$top/build/unit/gen_trace" "$root/tmp/" 2>/dev/null && mkdir -p "$root/tmp/traces" &&
	in_root /tmp/gen_trace /tmp/traces >/dev/null 2>&1 &&
	check "chroot: pciem-trace verify on a trace" in_root pciem-trace verify /tmp/traces/good.zst
check "chroot: man pciem-replay" sh -c "chroot '$root' env MANPAGER=cat man pciem-replay | grep -q 'replay a recorded trace'"
check "chroot: man 4 pciem" sh -c "chroot '$root' env MANPAGER=cat man 4 pciem | grep -q real_dma"
check "chroot: dkms status lists pciem/$ver (added: the chroot has no kernel headers)" \
	sh -c "chroot '$root' dkms status | grep -q 'pciem/$ver: added'"
# A kernel's headers installed afterwards: DKMS's kernel hook builds and
# installs pciem for it (AUTOINSTALL), as after a kernel update.  The
# kernel is the first of this machine's whose headers the archive has.
kh=""
for b in /lib/modules/*/build; do
	k=$(basename "$(dirname "$b")")
	if apt-cache show "linux-headers-$k" >/dev/null 2>&1; then kh=$k; break; fi
done
if [ -n "$kh" ]; then
	check "chroot: apt-get install linux-headers-$kh" in_root sh -c \
		"DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends linux-headers-$kh"
	check "chroot: DKMS built and installed pciem/$ver for $kh" \
		sh -c "chroot '$root' dkms status pciem/$ver -k '$kh' | grep -q ': installed'"
	check "chroot: the module is in /lib/modules/$kh/updates/dkms" \
		sh -c "ls '$root/lib/modules/$kh/updates/dkms/'pciem.ko*"
else
	bad "no kernel of this machine has its headers in the archive: DKMS's build in the chroot not tried"
fi
check "chroot: apt-get purge removes both" in_root apt-get purge -y -qq pciem-tools pciem-dkms
check "chroot: the module source is gone" test ! -e "$root/usr/src/pciem-$ver"
if [ -n "$kh" ]; then
	check "chroot: DKMS's module for $kh is gone" \
		sh -c "! ls '$root/lib/modules/$kh/updates/dkms/'pciem.ko* 2>/dev/null"
fi

summary
