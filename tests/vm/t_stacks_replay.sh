# SPDX-License-Identifier: GPL-2.0
# pciem-replay's report with call stacks (issue 12): the counter device's
# workload recorded with pciem-record --stacks, then replayed against the
# regressed driver (regress=2: a wrong tick value).  The divergence report
# shows the recorded stack of the expected access under it, from the
# driver's tick_store down to the sysfs write, in the text report and as
# "expected_stack" in the JSON report; a trace recorded without --stacks
# gives no stack.  The replay of the stacks trace against the good driver
# is clean (the format 1.2 trace replays as before).
. tests/vm/lib.sh

REC=$BIN/pciem-record
RP=$BIN/pciem-replay
WL=examples/dummy_clock/workload.sh
[ -x "$REC" ] && [ -x "$RP" ] || fail "pciem-record or pciem-replay missing: run make"
export CLOCK_WAIT=5

"$REC" --stacks -o "$TMP/s.zst" -- sh "$WL" 2>"$TMP/rec.err" || fail "recording: $(cat "$TMP/rec.err")"
grep "stacks:" "$TMP/rec.err"
"$REC" -o "$TMP/n.zst" -- sh "$WL" 2>"$TMP/recn.err" || fail "recording: $(cat "$TMP/recn.err")"

"$RP" --report-json "$TMP/ok.json" "$TMP/s.zst" -- sh "$WL" >"$TMP/ok.out" 2>"$TMP/ok.err" ||
	{ cat "$TMP/ok.err"; fail "clean replay of the stacks trace"; }
ok "the trace with stacks replays clean"

DUMMY_CLOCK_PARAMS=regress=2 "$RP" --report-json "$TMP/r.json" "$TMP/s.zst" -- sh "$WL" \
	>"$TMP/r.out" 2>"$TMP/r.err"
rc=$?
cat "$TMP/r.err"
[ $rc = 1 ] || fail "regress=2: status $rc, not 1"
awk '/^  expected: / { s = 1; next }
     s == 1 && /^            recorded at tick_store\+0x[0-9a-f]* \[dummy_clock\]$/ { s = 2; next }
     s == 2 && /^            recorded stack:$/ { s = 3; next }
     s == 3 && /^              tick_store\+0x[0-9a-f]* \[dummy_clock\]$/ { s = 4; next }
     s >= 4 && /^              vfs_write\+0x[0-9a-f]* \[vmlinux\]$/ { s = 5 }
     END { exit s == 5 ? 0 : 1 }' "$TMP/r.err" ||
	fail "the report does not show the expected access's recorded stack, tick_store down to vfs_write"
python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
s = r["divergences"][0]["expected_stack"]
assert s[0].startswith("tick_store+") and s[0].endswith(" [dummy_clock]"), s
assert any(f.startswith("vfs_write+") for f in s), s' "$TMP/r.json" ||
	fail "no expected_stack in the JSON report: $(cat "$TMP/r.json")"
ok "the divergence shows the expected access's recorded stack (text and JSON)"

DUMMY_CLOCK_PARAMS=regress=2 "$RP" --report-json "$TMP/rn.json" "$TMP/n.zst" -- sh "$WL" \
	>"$TMP/rn.out" 2>"$TMP/rn.err"
[ $? = 1 ] || { cat "$TMP/rn.err"; fail "regress=2 without stacks: not a divergence"; }
! grep -q "recorded stack" "$TMP/rn.err" || fail "a recorded stack from a trace without stacks"
! grep -q expected_stack "$TMP/rn.json" || fail "expected_stack from a trace without stacks"
ok "a trace without stacks: no stack in the report"
