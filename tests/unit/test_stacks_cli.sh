#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# pciem-record --stacks on the host (no pciem module, no tracepoint):
#  - the module check comes first: --stacks without /dev/pciem is 69;
#  - with a device node that opens (/dev/null), BPF is tried before
#    anything is subscribed or started: status 65, the reason named,
#    COMMAND not run and no file created; the same for a pciem-record
#    built without libbpf (HAVE_BPF=n), which says so;
#  - a bad PCIEM_STACKS_RING_BYTES (the BPF ring's size) is 65 too, named;
#  - --help documents --stacks and status 65.
#
#   tests/unit/test_stacks_cli.sh BUILD_DIR
set -u
build=${1:?build dir}
tmp=$(mktemp -d /tmp/test_stacks_cli.XXXXXX)
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
		sed 's/^/    | /' "$tmp/err" >&2
	fi
}

# status REC WANT ARGS...
status() {
	rec=$1 want=$2
	shift 2
	"$rec" "$@" >"$tmp/out" 2>"$tmp/err"
	[ $? = "$want" ]
}

for rec in "$build/bin/pciem-record" "$build/nobpf/pciem-record"; do
	rm -f "$tmp/started" "$tmp/s.zst"
	check "$rec: --stacks without /dev/pciem: 69" \
		env PCIEM_RECORD_DEVICE="$tmp/none" sh -c \
		"\"$rec\" --stacks -o \"$tmp/s.zst\" -- touch \"$tmp/started\" >\"$tmp/out\" 2>\"$tmp/err\"; [ \$? = 69 ]"
	check "$rec: --stacks where BPF cannot be used: 65" \
		env PCIEM_RECORD_DEVICE=/dev/null sh -c \
		"\"$rec\" --stacks -o \"$tmp/s.zst\" -- touch \"$tmp/started\" >\"$tmp/out\" 2>\"$tmp/err\"; [ \$? = 65 ]"
	check "$rec: the reason" grep -q "^pciem-record: --stacks: BPF cannot be used: ..*" "$tmp/err"
	check "$rec: COMMAND not started, no file" sh -c "[ ! -e \"$tmp/started\" ] && [ ! -e \"$tmp/s.zst\" ]"
done
check "without libbpf: says so" grep -q "built without BPF support" "$tmp/err"
check "without libbpf: not linked" sh -c "! ldd \"$build/nobpf/pciem-record\" | grep -q libbpf"
for v in 5 6000 abc; do
	check "PCIEM_STACKS_RING_BYTES=$v: 65" \
		env PCIEM_RECORD_DEVICE=/dev/null PCIEM_STACKS_RING_BYTES=$v sh -c \
		"\"$build/bin/pciem-record\" --stacks -o \"$tmp/s.zst\" -- true >\"$tmp/out\" 2>\"$tmp/err\"; [ \$? = 65 ]"
	check "PCIEM_STACKS_RING_BYTES=$v: named" \
		grep -q "BPF cannot be used: PCIEM_STACKS_RING_BYTES=$v: not a power of two" "$tmp/err"
done
check "--help: --stacks and 65" sh -c "\"$build/bin/pciem-record\" --help >\"$tmp/err\" 2>&1 &&
	grep -q -- '--stacks' \"$tmp/err\" && grep -q '^   65  --stacks' \"$tmp/err\""
[ $failed = 0 ] || { echo "$failed failed" >&2; exit 1; }
echo "all passed"
