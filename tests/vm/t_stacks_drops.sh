# SPDX-License-Identifier: GPL-2.0
# pciem-record --stacks when the BPF side drops stacks (issue 12): its
# ring buffer is made one page (PCIEM_STACKS_RING_BYTES=4096: 7 stacks)
# while the test driver writes 2000 times in a row in one sysfs write, so
# the BPF program finds it full and drops stacks.  The recording still
# succeeds and its summary counts the drops; pciem-trace info reports the
# events without a stack (not 0, and with those that have one they make
# every event); every write is in the trace, in order, with its value,
# with a stack or without one, and verify accepts the file.  The default
# ring drops nothing with the same workload.
. tests/vm/lib.sh

REC=$BIN/pciem-record
TRACE=$BIN/pciem-trace
need_bins pciem-record pciem-trace
load_testdrv
start_model m --bar 0:0x1000 --quiet
wait_bound "$DEV"
N=2000

# rec NAME [ENV...]: records the N writes with --stacks
rec() {
	_n=$1
	shift
	env "$@" "$REC" --stacks --bdf "$(basename "$DEV")" -o "$TMP/$_n.zst" -- \
		sh -c "echo 'loop 0 0x20 $N 7' > $DEV/mmio" 2>"$TMP/$_n.err"
	_rc=$?
	cat "$TMP/$_n.err"
	[ $_rc = 0 ] || fail "$_n: recording with --stacks: status $_rc"
	sed -n 's/.*the BPF side dropped \([0-9]*\);.*/\1/p' "$TMP/$_n.err"
}

dropped=$(rec small PCIEM_STACKS_RING_BYTES=4096 | tail -n 1)
echo "dropped by the BPF side: $dropped"
[ -n "$dropped" ] || fail "no stacks summary"
[ "$dropped" -gt 0 ] || fail "a one-page ring dropped no stack"
ok "a one-page BPF ring: $dropped stacks dropped, the recording succeeds"

"$TRACE" info "$TMP/small.zst" >"$TMP/small.info" || fail "info"
cat "$TMP/small.info"
have=$(sed -n 's/^stacks  *[0-9]* distinct; \([0-9]*\) of [0-9]* events have one$/\1/p' "$TMP/small.info")
total=$(sed -n 's/^stacks  *[0-9]* distinct; [0-9]* of \([0-9]*\) events have one$/\1/p' "$TMP/small.info")
without=$(sed -n 's/^  without  *\([0-9]*\) (dropped by the BPF side.*/\1/p' "$TMP/small.info")
[ -n "$have" ] && [ -n "$total" ] && [ -n "$without" ] || fail "info does not report the stacks"
[ "$without" -gt 0 ] || fail "info reports no event without a stack"
[ $((have + without)) = "$total" ] || fail "$have with and $without without a stack make not $total"
ok "info: $without of $total events without a stack"

"$TRACE" verify "$TMP/small.zst" >"$TMP/verify.out" 2>&1 || { cat "$TMP/verify.out"; fail "verify"; }
"$TRACE" dump --json --type mmio_write "$TMP/small.zst" >"$TMP/small.json" || fail "dump"
# the writes of offset 0x20: TAG << 24 | i for i = 0..N-1, in order
awk -v n=$N '/"offset":32,/ {
		v = $0; sub(/.*"value":"/, "", v); sub(/".*/, "", v)
		if (v != sprintf("0x%x", 7 * 16777216 + k)) { print "write " k ": " v; exit 1 }
		k++
		if (/"stack":\[/) s++; else ns++
	}
	END { print k " writes, " s " with a stack, " ns " without"
	      exit k == n && s > 0 && ns > 0 ? 0 : 1 }' "$TMP/small.json" ||
	fail "not the $N writes in order, with and without stacks"
ok "every write is recorded, in order, with or without its stack; verify accepts the file"

dropped=$(rec default | tail -n 1)
[ "$dropped" = 0 ] || fail "the default ring dropped $dropped stacks"
ok "the default ring drops none"
