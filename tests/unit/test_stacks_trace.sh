#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# pciem-trace on a trace with call stacks (tests/unit/gen_stack_trace.c),
# on the host: dump --stacks (indented frames, innermost first, named by
# modules recorded after the events), dump --json's "stack" arrays, info's
# stacks line, stats --by-stack (a register's accesses split per stack),
# diff (the stacks of the first differing accesses).
#
#   tests/unit/test_stacks_trace.sh BUILD_DIR
set -u
build=${1:?build dir}
pt=$build/bin/pciem-trace
gen=$build/unit/gen_stack_trace
tmp=$(mktemp -d /tmp/test_stacks_trace.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failed=0

check() {
	name=$1
	shift
	if "$@"; then
		echo "ok: $name"
	else
		failed=$((failed + 1))
		echo "FAIL: $name" >&2
		sed 's/^/    | /' "$tmp/out" >&2
	fi
}

"$gen" "$tmp/a.zst" && "$gen" "$tmp/b.zst" b || { echo "gen_stack_trace failed" >&2; exit 1; }

"$pt" dump --stacks "$tmp/a.zst" >"$tmp/out"
check "dump --stacks: the first write's stack under it" awk '
	/mmio_write +bar0\+0x10 4 0x00000000/ { s = 1; next }
	s == 1 && $0 == "    do_cmd+0x10 [drv]" { s = 2; next }
	s == 2 && $0 == "    mmio_store+0x20 [drv]" { s = 3; next }
	s == 3 && $0 == "    vfs_write+0x30 [vmlinux]" { s = 4; next }
	END { exit s == 4 ? 0 : 1 }' "$tmp/out"
check "dump --stacks: 9 events with frames, 22 frame lines" \
	sh -c "[ \$(grep -c '^    ' '$tmp/out') = 22 ]"
check "dump --stacks: no frames after the event without a stack" \
	sh -c "! grep -A1 'bar0+0x30' '$tmp/out' | grep -q '^    '"
"$pt" dump "$tmp/a.zst" >"$tmp/out"
check "dump without --stacks: no frames" sh -c "! grep -q '^    ' '$tmp/out'"

"$pt" dump --json "$tmp/a.zst" >"$tmp/out"
check "json: the stack array" grep -q '"offset":16,.*"stack":\["do_cmd+0x10 \[drv\]","mmio_store+0x20 \[drv\]","vfs_write+0x30 \[vmlinux\]"\]}$' "$tmp/out"
check "json: 9 events with a stack, the last without" \
	sh -c "[ \$(grep -c '\"stack\":\[' '$tmp/out') = 9 ] && ! grep '\"offset\":48,' '$tmp/out' | grep -q stack"

"$pt" info "$tmp/a.zst" >"$tmp/out"
check "info: stacks" grep -q "^stacks       2 distinct; 9 of 10 events have one$" "$tmp/out"
check "info: without" grep -q "^  without    1 (" "$tmp/out"

"$pt" stats --by-stack "$tmp/a.zst" >"$tmp/out"
check "stats --by-stack: 0x20 through stack 2: 5 reads, then its frames" awk '
	/^  bar0\+0x20 +4 +5 +0 / { s = 1; next }
	s == 1 && $0 == "      poll_fn+0x8 [drv]" { s = 2; next }
	s == 2 && $0 == "      kthread+0x10 [vmlinux]" { s = 3; next }
	END { exit s == 3 ? 0 : 1 }' "$tmp/out"
check "stats --by-stack: 0x20 through stack 1: 1 read" awk '
	/^  bar0\+0x20 +4 +1 +0 / { s = 1; next }
	s == 1 && $0 == "      do_cmd+0x10 [drv]" { s = 2; next }
	END { exit s == 2 ? 0 : 1 }' "$tmp/out"
check "stats --by-stack: (no stack)" sh -c "grep -A1 '^  bar0+0x30 ' '$tmp/out' | grep -q '^      (no stack)$'"
"$pt" stats "$tmp/a.zst" >"$tmp/out"
check "stats without --by-stack: one row for 0x20" sh -c "[ \$(grep -c '^  bar0+0x20 ' '$tmp/out') = 1 ] && ! grep -q '^      ' '$tmp/out'"

"$pt" diff "$tmp/a.zst" "$tmp/b.zst" >"$tmp/out"
check "diff: status 1, both stacks under the differing reads" awk '
	/^- \[8\] mmio_read +bar0\+0x20 4 0x00000007/ { s = 1; next }
	s == 1 && $0 == "      do_cmd+0x10 [drv]" { s = 2; next }
	s == 2 && /^\+ \[8\] mmio_read +bar0\+0x20 4 0x00000008/ { s = 3; next }
	s == 3 && $0 == "      do_cmd+0x10 [drv]" { s = 4; next }
	END { exit s == 4 ? 0 : 1 }' "$tmp/out"

[ $failed = 0 ] || { echo "$failed failed" >&2; exit 1; }
echo "all passed"
