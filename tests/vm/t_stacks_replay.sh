# SPDX-License-Identifier: GPL-2.0
# pciem-replay's report with call stacks (issue 12): the counter device's
# workload recorded with pciem-record --stacks, then replayed against the
# regressed driver (regress=2: a wrong tick value).  The divergence report
# shows the recorded stack of the expected access under it, from the
# driver's tick_store down to the sysfs write, in the text report and as
# "expected_stack" in the JSON report; a trace recorded without --stacks
# gives no stack.  The replay of the stacks trace against the good driver
# is clean (the format 1.2 trace replays as before).  With --stacks,
# pciem-replay also shows the actual stack of the diverging access, taken
# by the BPF program during the replay and trimmed as in recording: it
# starts at the driver function that made the access (the report's
# "at" symbol, tick_store) and goes down to the sysfs write, in the text
# and as "actual_stack" in the JSON report; without --stacks there is none.
. tests/vm/lib.sh

REC=$BIN/pciem-record
RP=$BIN/pciem-replay
WL=examples/dummy_clock/workload.sh
need_bins pciem-record pciem-replay
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
! grep -q "actual stack" "$TMP/r.err" || fail "an actual stack without --stacks"
! grep -q actual_stack "$TMP/r.json" || fail "actual_stack without --stacks"

# --stacks: the actual stack of the diverging access
DUMMY_CLOCK_PARAMS=regress=2 "$RP" --stacks -v --report-json "$TMP/a.json" "$TMP/s.zst" -- sh "$WL" \
	>"$TMP/a.out" 2>"$TMP/a.err"
rc=$?
cat "$TMP/a.err"
[ $rc = 1 ] || fail "regress=2 with --stacks: status $rc, not 1"
# the driver function the kernel names at the access (without a /size)
at=$(sed -n 's/^            at \(tick_store+0x[0-9a-f]*\)\(\/0x[0-9a-f]*\)\{0,1\} \(\[dummy_clock\]\) (cpu.*/\1 \3/p' "$TMP/a.err" | head -n 1)
[ -n "$at" ] || fail "the diverging access is not at tick_store"
awk -v at="$at" '/^  actual: / { s = 1; next }
     s == 1 && /^            actual stack:$/ { s = 2; next }
     s == 2 { if ($0 == "              " at) { s = 3; next } else exit 1 }
     s >= 3 && /^              vfs_write\+0x[0-9a-f]* \[vmlinux\]$/ { s = 4 }
     s >= 3 && /^              (asm_exc_page_fault|exc_page_fault|kprobe_ftrace_handler|bpf_trace_run)/ { exit 1 }
     s >= 3 && / \[pciem\]$/ { exit 1 }
     END { exit s == 4 ? 0 : 1 }' "$TMP/a.err" ||
	fail "the report does not show the actual stack from $at (the access) down to vfs_write, trimmed"
python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
d = r["divergences"][0]
s = d["actual_stack"]
assert s[0] == sys.argv[2], (s, sys.argv[2])
assert any(f.startswith("vfs_write+") for f in s), s
assert d["expected_stack"][0].startswith("tick_store+"), d' "$TMP/a.json" "$at" ||
	fail "no actual_stack in the JSON report: $(cat "$TMP/a.json")"
ok "--stacks: the actual stack of the diverging access, $at down to vfs_write (text and JSON)"

DUMMY_CLOCK_PARAMS=regress=2 "$RP" --report-json "$TMP/rn.json" "$TMP/n.zst" -- sh "$WL" \
	>"$TMP/rn.out" 2>"$TMP/rn.err"
[ $? = 1 ] || { cat "$TMP/rn.err"; fail "regress=2 without stacks: not a divergence"; }
! grep -q "recorded stack" "$TMP/rn.err" || fail "a recorded stack from a trace without stacks"
! grep -q expected_stack "$TMP/rn.json" || fail "expected_stack from a trace without stacks"
ok "a trace without stacks: no stack in the report"
