#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the PCIem debug kernel (KASAN, KFENCE, lockdep, debug objects, ...)
# from Debian's linux-source-6.12 package: `make tinyconfig`, then the
# fragment tools/vm/debug.config merged in, then `make olddefconfig`.
# The build fails if any option of the fragment is not in the final
# .config (tinyconfig's SLUB_TINY, for one, silently drops KASAN).
#
#   tools/vm/debug-kernel.sh [--out DIR]
#
# DIR (default PROJECT/build/debug-kernel) holds:
#   src/linux-source-6.12/  the extracted source
#   obj/                    the object tree (make O=): .config, vmlinux,
#                           arch/x86/boot/bzImage, and what external
#                           module builds need (make -C DIR/obj M=...)
#   build.log               the last build's output
#   kernelrelease           the kernel's release (uname -r), written last:
#                           the kernel is usable when this file exists
#   stamp                   what the kernel was built from
# The build is redone (incrementally: kbuild only rebuilds what a changed
# option touches) when this script, the fragment or the linux-source-6.12
# package version changes; a new package version starts from scratch.
# Takes about 10 minutes with two cores; a second run with nothing
# changed returns at once.  A build removes PROJECT/build/RELEASE, the
# modules built for the kernel it replaces, so that make builds them again.
# A copy of DIR elsewhere does not build modules: obj/ names src/ by its
# absolute path.
set -eu

prog=debug-kernel.sh
self=$(realpath -- "${BASH_SOURCE[0]}")
tooldir=${self%/*}
frag=$tooldir/debug.config
pkg=linux-source-6.12
tarball=/usr/src/$pkg.tar.xz

say() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { say "$*"; exit 1; }

proj=$(git -C "$tooldir" rev-parse --show-toplevel 2>/dev/null) ||
	proj=$(cd "$tooldir/../.." && pwd)
out=$proj/build/debug-kernel
while [ $# -gt 0 ]; do
	case $1 in
	--out) [ $# -ge 2 ] || die "--out needs a directory"; out=$2; shift 2 ;;
	--out=*) out=${1#*=}; shift ;;
	-h | --help) sed -n '4,24p' "$self" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done

pkgver=$(dpkg-query -W -f='${db:Status-Status} ${Version}' $pkg 2>/dev/null) || pkgver=
case $pkgver in
"installed "*) pkgver=${pkgver#installed } ;;
*) die "$pkg is not installed: run tools/deps.sh (make deps)" ;;
esac
[ -r "$tarball" ] || die "$tarball is missing: reinstall $pkg"
[ -r "$frag" ] || die "missing $frag"

stamp="$pkgver $(cat "$self" "$frag" | sha256sum | cut -d' ' -f1)"

mkdir -p "$out" || die "cannot create $out"
out=$(realpath -- "$out")
src=$out/src/$pkg
obj=$out/obj

uptodate() {
	[ -f "$out/kernelrelease" ] && [ -f "$obj/vmlinux" ] &&
		[ "$(cat "$out/stamp" 2>/dev/null)" = "$stamp" ]
}

# Several make invocations may want the kernel at once: one builds it.
exec 9>"$out/.lock"
flock 9 || die "cannot lock $out/.lock"
if uptodate; then
	say "up to date: $(cat "$out/kernelrelease") in $obj"
	exit 0
fi
rm -f "$out/kernelrelease" "$out/stamp"

# Kbuild must not see the calling make's flags and variables (VM_KERNELS,
# KDIR, -s, a jobserver) or a compiler chosen for userspace.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES GNUMAKEFLAGS CC CFLAGS LDFLAGS \
	KCFLAGS KBUILD_OUTPUT KCONFIG_CONFIG ARCH CROSS_COMPILE LLVM LOCALVERSION
jobs=$(nproc 2>/dev/null || echo 2)
kmake() { make -C "$src" O="$obj" LOCALVERSION= "$@"; }

start=$SECONDS
if [ "$(cat "$out/src-version" 2>/dev/null)" != "$pkgver" ] || [ ! -f "$src/Makefile" ]; then
	say "extracting $tarball ($pkg $pkgver)"
	rm -rf "$out/src" "$obj" "$out/src-version"
	mkdir -p "$out/src.tmp"
	tar -xJf "$tarball" -C "$out/src.tmp" || die "cannot extract $tarball"
	[ -f "$out/src.tmp/$pkg/Makefile" ] || die "$tarball has no $pkg/Makefile"
	mv "$out/src.tmp" "$out/src"
	printf '%s\n' "$pkgver" >"$out/src-version"
fi
mkdir -p "$obj"

log=$out/build.log
: >"$log"
step() {
	local what=$1
	shift
	say "$what (log: $log)"
	if ! "$@" >>"$log" 2>&1; then
		say "failed: $what; the end of $log:"
		tail -n 60 "$log" | sed 's/^/  | /' >&2
		exit 1
	fi
}

# The configuration: tinyconfig, then the fragment's lines replace
# tinyconfig's for the same options, then olddefconfig fills in the rest.
step "make tinyconfig" kmake tinyconfig
merge() {
	awk '
	FNR == NR {
		if (match($0, /^CONFIG_[A-Za-z0-9_]+=/))
			opt[substr($0, 1, RLENGTH - 1)] = 1
		else if (match($0, /^# CONFIG_[A-Za-z0-9_]+ is not set$/))
			opt[substr($0, 3, RLENGTH - 13)] = 1
		else
			next
		frag[++n] = $0
		next
	}
	{
		o = ""
		if (match($0, /^CONFIG_[A-Za-z0-9_]+=/))
			o = substr($0, 1, RLENGTH - 1)
		else if (match($0, /^# CONFIG_[A-Za-z0-9_]+ is not set$/))
			o = substr($0, 3, RLENGTH - 13)
		if (!(o in opt))
			print
	}
	END {
		for (i = 1; i <= n; i++)
			print frag[i]
	}' "$frag" "$obj/.config" >"$obj/.config.merged" &&
		mv -f "$obj/.config.merged" "$obj/.config"
}
step "merging $frag" merge
step "make olddefconfig" kmake olddefconfig

# Every option the fragment sets must have survived.
lost=$(awk '
	FNR == NR {
		if (/^CONFIG_[A-Za-z0-9_]+=/)
			want[++n] = $0
		else if (match($0, /^# CONFIG_[A-Za-z0-9_]+ is not set$/))
			off[++m] = substr($0, 3, RLENGTH - 13)
		next
	}
	{ have[$0] = 1 }
	/^CONFIG_[A-Za-z0-9_]+=/ { split($0, a, "="); on[a[1]] = $0 }
	END {
		for (i = 1; i <= n; i++)
			if (!(want[i] in have)) {
				split(want[i], a, "=")
				printf "  %s (the final .config has %s)\n", want[i],
					(a[1] in on) ? on[a[1]] : "it off"
			}
		for (i = 1; i <= m; i++)
			if (off[i] in on)
				printf "  # %s is not set (the final .config has %s)\n",
					off[i], on[off[i]]
	}' "$frag" "$obj/.config")
if [ -n "$lost" ]; then
	say "options of $frag that did not survive olddefconfig (a dependency is off?):"
	printf '%s\n' "$lost" >&2
	exit 1
fi

step "make -j$jobs (vmlinux, bzImage, modules)" kmake -j"$jobs" all

release=$(kmake -s kernelrelease 2>>"$log") || die "make kernelrelease failed"
base=$(kmake -s kernelversion 2>>"$log") || die "make kernelversion failed"
[ "$release" = "$base-pciem-debug" ] ||
	die "unexpected kernel release '$release' (expected '$base-pciem-debug')"
[ -f "$obj/vmlinux" ] && [ -f "$obj/arch/x86/boot/bzImage" ] && [ -f "$obj/Module.symvers" ] ||
	die "the build left no vmlinux, bzImage or Module.symvers in $obj"

# Modules built against the kernel before this build have the same release
# but may not fit it (a structure that changed with an option), and kbuild
# can take their objects for up to date: make builds them afresh.
rm -rf "${proj:?}/build/$release"
printf '%s\n' "$stamp" >"$out/stamp"
printf '%s\n' "$release" >"$out/kernelrelease"
say "built $release in $((SECONDS - start)) s: $obj"
