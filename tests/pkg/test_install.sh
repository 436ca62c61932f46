#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make install into a scratch DESTDIR, moved elsewhere afterwards (so a
# path baked in at build or install time would show), then the installed
# files at work: each tool's --help; pciem-record loading the LTTng-UST
# provider from the installed lib/pciem/ (it exits 69 without
# /dev/pciem, after saying so); libptf through its pkg-config file, by
# building tests/unit/gen_trace.c against the installed header and
# library; pciem-trace info, dump with an installed register map, and
# verify on the traces that program writes; the man pages through man(1);
# the completion through the installed file, and bash-completion's loader
# finding it; then make uninstall leaves nothing.
#
# Usage: test_install.sh BUILD_DIR (run from the top directory by make)
set -u
. "$(dirname "$0")/lib.sh"
build=$(cd "${1:?usage: test_install.sh BUILD_DIR}" && pwd)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$check_out"' EXIT
prefix=/usr/local
stage=$tmp/stage

if ! make -s -C "$top" install DESTDIR="$stage" PREFIX=$prefix > "$tmp/install.log" 2>&1; then
	bad "make install DESTDIR=$stage"; sed 's/^/    /' "$tmp/install.log"
	summary; exit 1
fi
ok "make install DESTDIR PREFIX=$prefix"
# Move the tree: nothing may depend on where it was installed or built.
root=$tmp/moved
mv "$stage" "$root"
p=$root$prefix

for f in bin/pciem-record bin/pciem-replay bin/pciem-trace \
	 share/pciem/regs/dummy_clock.regs share/pciem/regs/dma_copy.regs \
	 share/pciem/tracecompass/pciem-analysis.xml \
	 share/man/man1/pciem-record.1 share/man/man1/pciem-replay.1 \
	 share/man/man1/pciem-trace.1 share/man/man4/pciem.4 \
	 share/bash-completion/completions/pciem-record \
	 share/bash-completion/completions/pciem-replay \
	 share/bash-completion/completions/pciem-trace \
	 include/pciem/ptf.h include/pciem/pciem_userspace.h \
	 lib/libptf.a lib/pkgconfig/pciem-ptf.pc; do
	check "installed: $f" test -e "$p/$f"
done
if [ -e "$build/lib/libpciem-tp.so" ]; then
	check "installed: lib/pciem/libpciem-tp.so" test -e "$p/lib/pciem/libpciem-tp.so"
fi

for t in pciem-record pciem-replay pciem-trace; do
	check "$t --help" "$p/bin/$t" --help
	# (the BPF object inside names its source file, $top/tracer/...: only
	# debug information)
	check "$t: no build-tree path in its data" \
		sh -c "! readelf -p .rodata -p .data '$p/bin/$t' 2>/dev/null | grep -F '$build'"
	check "$t: no RPATH/RUNPATH" sh -c "! readelf -d '$p/bin/$t' | grep -E 'R(UN)?PATH'"
done

if [ -e "$p/lib/pciem/libpciem-tp.so" ]; then
	"$p/bin/pciem-record" -v -o "$tmp/x.zst" -- true > "$tmp/rec.out" 2>&1
	rc=$?
	check "pciem-record without /dev/pciem: 69 ($rc)" test "$rc" = 69
	check "pciem-record loads the installed provider" \
		grep -F "tracepoints on ($p/bin/../lib/pciem/libpciem-tp.so)" "$tmp/rec.out"
else
	echo "skip: provider (not built: liblttng-ust-dev missing)"
fi

# libptf from the installed tree, found by pkg-config.
export PKG_CONFIG_PATH=$p/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$root
check "pkg-config --modversion pciem-ptf" pkg-config --modversion pciem-ptf
# shellcheck disable=SC2046
check "gen_trace builds against the installed libptf" \
	cc -std=gnu11 -Wall -Werror "$top/tests/unit/gen_trace.c" $(pkg-config --cflags --libs pciem-ptf) \
	-o "$tmp/gen_trace"
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
mkdir "$tmp/traces"
check "gen_trace (installed libptf) writes traces" "$tmp/gen_trace" "$tmp/traces"
check "pciem-trace info" "$p/bin/pciem-trace" info "$tmp/traces/good.zst"
check "pciem-trace verify" "$p/bin/pciem-trace" verify "$tmp/traces/good.zst"
check "pciem-trace verify finds the gap" sh -c "! '$p/bin/pciem-trace' verify '$tmp/traces/gap.zst'"
"$p/bin/pciem-trace" dump --regs "$p/share/pciem/regs/dummy_clock.regs" "$tmp/traces/good.zst" \
	> "$tmp/dump.out" 2>&1
check "pciem-trace dump --regs (installed map) names registers" grep -q -E 'mmio_write .* CONTROL ' "$tmp/dump.out"

# The man pages, as man reads them from the installed MANPATH.
check "man pciem-replay" sh -c "MANPATH='$p/share/man' man pciem-replay | grep -q 'replay a recorded trace'"
check "man 4 pciem" sh -c "MANPATH='$p/share/man' man 4 pciem | grep -q 'real_dma'"
# The installed completion, through its pciem-trace link.
check "completion (installed)" "$top/tests/pkg/test_completion.sh" "$build" \
	"$p/share/bash-completion/completions/pciem-trace"

# bash-completion's loader finds it by the command's name, for each tool.
if [ -f /usr/share/bash-completion/bash_completion ]; then
	for t in pciem-record pciem-replay pciem-trace; do
		check "bash-completion loads the completion of $t" env XDG_DATA_DIRS="$p/share" bash -c \
			". /usr/share/bash-completion/bash_completion; __load_completion $t &&
			 complete -p $t | grep -q -- '-F _${t//-/_} '"
	done
fi

# uninstall: nothing left (the tree is moved back to where make expects it).
mv "$root" "$stage"
make -s -C "$top" uninstall DESTDIR="$stage" PREFIX=$prefix > "$tmp/uninstall.log" 2>&1
left=$(find "$stage" -not -type d)
check "make uninstall removes every file (left: $(echo $left))" test -z "$left"

summary
