# SPDX-License-Identifier: GPL-2.0
# pciem-replay --suite as docs/ci.md runs it in CI: the example suite of
# the counter device (examples/ci/dummy_clock: probe.zst and ticks.zst,
# recorded by its record.sh with the device model, each NAME.sh beside
# its NAME.zst) is replayed with no device model.  With the good driver
# both pass (exit 0), each NAME.sh run in the suite's directory with
# PCIEM_REPLAY_NAME and PCIEM_REPLAY_TRACE, its stdout kept out of the TAP.
# Then, with a damaged trace added, by the very command line of
# docs/ci.md and of the example GitHub and GitLab jobs, against the
# regressed driver (regress=1): exit 1; the JUnit file validates against
# tests/data/jenkins-junit.xsd; probe passes, ticks is a <failure> whose
# message is the first divergence and whose content is the divergence
# report exactly as on stderr, the damaged trace an <error> naming the
# damage; TAP 14 with a plan, ok / not ok per trace and YAML that parses.
. tests/vm/lib.sh

need_bins pciem-record pciem-replay
for p in xmllint python3; do
	command -v "$p" >/dev/null || fail "no $p (tools/deps.sh installs libxml2-utils)"
done
XSD=$TOP/tests/data/jenkins-junit.xsd

# The suite's command line, as docs/ci.md and examples/ci/ write it (it
# runs in the PCIem tree, $OUT is where the suite and the reports are).
# shellcheck disable=SC2016 # expanded by the sh -c that runs them
RUN_SUITE='PCIEM_SRC=$PWD DUMMY_CLOCK_PARAMS=regress=1 CLOCK_WAIT=5 build/bin/pciem-replay --suite --regs examples/dummy_clock/dummy_clock.regs --timeout 120 --junit "$OUT/junit.xml" --tap "$OUT/dummy_clock" >"$OUT/replay.tap"'
# shellcheck disable=SC2016
RECORD='sh examples/ci/dummy_clock/record.sh "$OUT/dummy_clock"'
for f in docs/ci.md examples/ci/github-actions.yml examples/ci/gitlab-ci.yml; do
	grep -q -F -- "$RUN_SUITE" "$f" || fail "$f does not run the suite as this test does: $RUN_SUITE"
	grep -q -F -- "$RECORD" "$f" || fail "$f does not record the suite as this test does: $RECORD"
done

# the reports must reach the host: in the project tree, one per kernel
OUT=$TOP/build/t_suite_junit/$KVER
rm -rf "$OUT"
mkdir -p "$OUT" || fail "mkdir $OUT"
export OUT

# ---- (1) record the suite, as docs/ci.md does ---------------------------------------
sh -c "$RECORD" >"$TMP/rec.out" 2>&1 || fail "record.sh: $(cat "$TMP/rec.out")"
S=$OUT/dummy_clock
for n in probe ticks; do
	[ -s "$S/$n.zst" ] && [ -s "$S/$n.sh" ] || fail "record.sh left no $n.zst and $n.sh"
done
ok "(1) the suite recorded: $(cd "$S" && echo *)"

# xml EXPR: EXPR (Python) over the JUnit file's root element r
xml() {
	python3 - "$OUT/junit.xml" "$1" <<'EOF'
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
case = {c.get("name"): c for c in r.iter("testcase")}
print(eval(sys.argv[2]))
EOF
}

valid() {
	xmllint --noout --schema "$XSD" "$OUT/junit.xml" 2>"$TMP/xmllint.err" ||
		fail "$1: the JUnit file is not valid against jenkins-junit.xsd: $(cat "$TMP/xmllint.err")"
}

# ---- (2) the good driver: all pass; NAME.sh's directory and environment -------------
cp "$S/probe.zst" "$S/env.zst"
cat >"$S/env.sh" <<'EOF'
echo "$PCIEM_REPLAY_NAME $PCIEM_REPLAY_TRACE $(pwd) $PCIEM_REPLAY_DEVICE" >env.seen
echo "env.sh on stdout"
exec sh probe.sh
EOF
PCIEM_SRC=$TOP CLOCK_WAIT=5 "$BIN/pciem-replay" --suite --junit "$OUT/junit.xml" --tap "$S" \
	>"$OUT/good.tap" 2>"$OUT/good.err"
rc=$?
[ $rc = 0 ] || { cat "$OUT/good.err"; fail "(2) good driver: suite exit $rc, want 0"; }
valid "(2)"
[ "$(xml 'r.find("testsuite").get("tests"), r.find("testsuite").get("failures"), r.find("testsuite").get("errors")')" = "('3', '0', '0')" ] ||
	fail "(2) the JUnit counts: $(cat "$OUT/junit.xml")"
[ "$(xml 'sorted(case)')" = "['env', 'probe', 'ticks']" ] || fail "(2) test cases: $(xml 'sorted(case)')"
[ "$(xml 'len([e for e in r.iter() if e.tag in ("failure", "error", "skipped")])')" = 0 ] ||
	fail "(2) a failure or error with the good driver: $(cat "$OUT/junit.xml")"
[ "$(xml 'case["ticks"].get("classname")')" = dummy_clock ] || fail "(2) classname: $(xml 'case["ticks"].attrib')"
xml 'float(case["ticks"].get("time")) > 0 or sys.exit(1)' >/dev/null || fail "(2) ticks has no time"
read -r n t d dev <"$S/env.seen" || fail "(2) env.sh did not run"
[ "$n $t $d" = "env $S/env.zst $S" ] || fail "(2) env.sh saw name, trace, directory '$n $t $d', want 'env $S/env.zst $S'"
case $dev in 1000*:00:00.0) ;; *) fail "(2) env.sh saw PCIEM_REPLAY_DEVICE '$dev'" ;; esac
grep -q "env.sh on stdout" "$OUT/good.tap" && fail "(2) COMMAND's stdout is in the TAP output"
grep -q "env.sh on stdout" "$OUT/good.err" || fail "(2) COMMAND's stdout is not on stderr with --tap"
printf 'TAP version 14\n1..3\nok 1 - env\nok 2 - probe\nok 3 - ticks\n# pciem-replay: 3 passed, 0 failed, 0 errors, 0 skipped\n' |
	cmp -s - "$OUT/good.tap" || { cat "$OUT/good.tap"; fail "(2) the TAP output"; }
grep -q "OK: the driver made exactly the recorded accesses" "$OUT/good.err" || fail "(2) no OK on stderr"
rm -f "$S/env.zst" "$S/env.sh" "$S/env.seen"
ok "(2) good driver: 3 passed (exit 0), NAME.sh in its directory with its name and trace, TAP and JUnit right"

# ---- (3) docs/ci.md's run: regressed driver, a damaged trace ------------------------
python3 - "$S/ticks.zst" "$S/broken.zst" <<'EOF' || fail "corrupting"
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[len(b) * 2 // 3] ^= 0xff
open(sys.argv[2], "wb").write(b)
EOF
sh -c "$RUN_SUITE" 2>"$OUT/replay.err"
rc=$?
[ $rc = 1 ] || { cat "$OUT/replay.err"; fail "(3) suite exit $rc, want 1 (a divergence wins over an error)"; }
[ ! -e /sys/module/dummy_clock ] || fail "(3) dummy_clock left loaded"
for d in /sys/bus/pci/devices/1000*; do
	[ -e "$d" ] && fail "(3) a PCIem device is left after the suite: $d"
done
valid "(3)"
[ "$(xml '[(c.get("name"), [e.tag for e in c]) for c in r.iter("testcase")]')" = \
  "[('broken', ['error']), ('probe', ['system-err']), ('ticks', ['failure', 'system-err'])]" ] ||
	fail "(3) test cases: $(xml '[(c.get("name"), [e.tag for e in c]) for c in r.iter("testcase")]')"
[ "$(xml 'r.find("testsuite").get("failures"), r.find("testsuite").get("errors")')" = "('1', '1')" ] ||
	fail "(3) the JUnit counts"
# the failure: its message the first divergence, its content the report
msg=$(xml 'case["ticks"].find("failure").get("message")')
echo "$msg" | grep -q -E '^DIVERGENCE #1 at event [0-9]+ of [0-9]+: the driver wrote another value: expected mmio_write bar0\+0x4 STATUS 4 0x00000001 \{IRQ_PENDING\}, actual mmio_write bar0\+0x4 STATUS 4 0x00000002 at dummy_clock_irq\+0x[0-9a-f]+ \[dummy_clock\]$' ||
	fail "(3) the failure's message: $msg"
[ "$(xml 'case["ticks"].find("failure").get("type")')" = diverged ] || fail "(3) the failure's type"
xml 'case["ticks"].find("failure").text' >"$TMP/failure.txt"
grep -q -E '^  expected: mmio_write bar0\+0x4 STATUS 4 0x00000001 \{IRQ_PENDING\}$' "$TMP/failure.txt" &&
	grep -q -E '^            recorded at dummy_clock_irq\+0x[0-9a-f]+ \[dummy_clock\]$' "$TMP/failure.txt" &&
	grep -q -E '^pciem-replay: DIVERGED: 1 divergence' "$TMP/failure.txt" ||
	fail "(3) the failure's report: $(cat "$TMP/failure.txt")"
# the same text as on stderr: the report's lines, in order, in one piece
python3 - "$TMP/failure.txt" "$OUT/replay.err" <<'EOF' || fail "(3) the failure's report is not stderr's divergence report"
import sys
rep = open(sys.argv[1]).read().rstrip("\n")
err = open(sys.argv[2]).read()
div = rep[:rep.index("\n\npciem-replay: DIVERGED")]
sys.exit(0 if div in err and rep.split("\n")[-1] in err else 1)
EOF
emsg=$(xml 'case["broken"].find("error").get("message")')
echo "$emsg" | grep -q 'broken.zst is damaged; nothing was replayed' || fail "(3) the error's message: $emsg"
xml 'case["broken"].find("error").text' >"$TMP/error.txt"
grep -q -E 'broken.zst: frame [0-9]+ \(at byte [0-9]+\): ' "$TMP/error.txt" ||
	fail "(3) the error's content: $(cat "$TMP/error.txt")"
ok "(3) docs/ci.md's run, regressed driver: exit 1, valid JUnit, probe passed, ticks failed: $msg"

# ---- (4) its TAP ------------------------------------------------------------------
printf 'TAP version 14\n1..3\nnot ok 1 - broken\n' >"$TMP/tap.head"
head -n 3 "$OUT/replay.tap" | cmp -s - "$TMP/tap.head" ||
	fail "(4) TAP head: $(head -n 3 "$OUT/replay.tap")"
grep -q -x 'ok 2 - probe' "$OUT/replay.tap" && grep -q -x 'not ok 3 - ticks' "$OUT/replay.tap" &&
	grep -q -x '# pciem-replay: 1 passed, 1 failed, 1 errors, 0 skipped' "$OUT/replay.tap" ||
	fail "(4) TAP test points: $(cat "$OUT/replay.tap")"
python3 - "$OUT/replay.tap" <<'EOF' >"$TMP/yaml.out" || fail "(4) TAP YAML: $(cat "$TMP/yaml.out")"
import re, sys, yaml
t = open(sys.argv[1]).read()
blocks = re.findall(r"^(not ok \d+ - \S+)\n  ---\n(.*?)\n  \.\.\.$", t, re.S | re.M)
assert len(blocks) == 2, blocks
y = {h: yaml.safe_load("\n".join(l[2:] for l in b.split("\n"))) for h, b in blocks}
b, d = y["not ok 1 - broken"], y["not ok 3 - ticks"]
assert b["severity"] == "error" and b["exit_status"] == 2 and "damaged" in b["message"], b
assert d["severity"] == "fail" and d["result"] == "diverged" and d["exit_status"] == 1, d
assert d["message"].startswith("DIVERGENCE #1 at event"), d
assert "  expected: mmio_write bar0+0x4 STATUS 4 0x00000001 {IRQ_PENDING}\n" in d["report"], d
EOF
ok "(4) TAP 14: plan, not ok / ok / not ok, YAML diagnostics that parse"

# ---- (5) SIGTERM in the middle: that trace an error, the rest not run --------------
rm -f "$S/broken.zst"
cp "$S/probe.zst" "$S/zz.zst"
cp "$S/probe.sh" "$S/zz.sh"
PAUSE=$TMP/pause
PCIEM_SRC=$TOP CLOCK_PAUSE_AFTER=3 CLOCK_PAUSE_FILE=$PAUSE "$BIN/pciem-replay" --suite \
	--junit "$OUT/term.xml" --tap "$S" >"$OUT/term.tap" 2>"$OUT/term.err" &
suite=$!
PIDS="$PIDS $suite"
wait_until 120 test -e "$PAUSE" || fail "(5) ticks.sh did not reach its pause"
kill -TERM "$suite"
wait "$suite"
rc=$?
[ $rc = 2 ] || { cat "$OUT/term.err"; fail "(5) SIGTERM: suite exit $rc, want 2"; }
# workload.sh unloads dummy_clock on SIGTERM, unless pciem-replay's 5 s
# grace ran out first and it was killed (seen on the debug kernel): not
# the suite's doing, so only unloaded here
rmmod dummy_clock 2>/dev/null
for d in /sys/bus/pci/devices/1000*; do
	[ -e "$d" ] && fail "(5) a PCIem device is left after the suite: $d"
done
xmllint --noout --schema "$XSD" "$OUT/term.xml" 2>"$TMP/xmllint.err" ||
	fail "(5) the JUnit file is not valid: $(cat "$TMP/xmllint.err")"
got=$(python3 - "$OUT/term.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
print([(c.get("name"), [(e.tag, e.get("message") or e.text) for e in c if e.tag != "system-err"])
       for c in r.iter("testcase")])
PY
)
[ "$got" = "[('probe', []), ('ticks', [('error', 'INTERRUPTED: no verdict')]), ('zz', [('skipped', 'not run: the suite was interrupted before it')])]" ] ||
	fail "(5) JUnit after SIGTERM: $got"
grep -q -x 'not ok 2 - ticks' "$OUT/term.tap" &&
	grep -q -x 'ok 3 - zz # SKIP not run: the suite was interrupted before it' "$OUT/term.tap" ||
	fail "(5) TAP after SIGTERM: $(cat "$OUT/term.tap")"
ok "(5) SIGTERM during ticks: exit 2, ticks an error (interrupted), zz skipped, no device left"
