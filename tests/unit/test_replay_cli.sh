#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side test of pciem-replay's command line and of its checks of the
# trace, everything that happens before /dev/pciem is used (the replay
# itself is tested in the VM: tests/vm/t_pciem_replay.sh):
#
#   tests/unit/test_replay_cli.sh BUILD_DIR
#
# Uses BUILD_DIR/unit/pciem-replay-san (ASan + UBSan) and the traces of
# BUILD_DIR/unit/gen_trace.  Prints one line per check and
# "N passed, N failed"; exits 1 if any check failed.
set -u

B=$1
PR=$B/unit/pciem-replay-san
GEN=$B/unit/gen_trace
DIR=$(mktemp -d /tmp/test_replay_cli.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1
# never the real /dev/pciem: these checks must fail before using it
export PCIEM_REPLAY_DEV_PATH=$DIR/no-pciem

. tests/unit/cli_lib.sh

"$GEN" "$DIR" || { echo "gen_trace failed"; echo "0 passed, 1 failed"; exit 1; }

# ---- usage -----------------------------------------------------------------------
run help "$PR" --help
expect_rc help 0
for w in '--match=strict|per-register' '--timing=asap|recorded' '--on-divergence=stop|continue' \
	 '--regs=FILE' '--allow-lost' '--timeout=SEC' '--report-json=FILE' '--device=DOMAIN' \
	 'PCIEM_REPLAY_DEVICE' 'EXIT STATUS' '^ +2 +usage' '--stacks' '^ +65 +--stacks'; do
	expect_line "help has $w" "$out" "$w"
done

run noargs "$PR"
expect_rc noargs 2
expect_line noargs "$err" 'no trace file given'

for bad in "--match fuzzy" "--timing later" "--on-divergence panic" "--fifo 100" \
	   "--fifo 8" "--timeout 0" "--timeout x" "--window 0" "--device zz"; do
	# shellcheck disable=SC2086  # the option and its value are two words
	run badopt "$PR" $bad "$DIR/good.zst"
	expect_rc "$bad" 2
	expect_line "$bad" "$err" "bad ${bad%% *}"
done

run two "$PR" "$DIR/good.zst" "$DIR/equal.zst"
expect_rc "two traces" 2
expect_line "two traces" "$err" 'one trace file only'

run nocmd "$PR" "$DIR/good.zst" --
expect_rc "-- without COMMAND" 2
expect_line "-- without COMMAND" "$err" 'no COMMAND after --'

# --stacks where BPF cannot be used (no tracepoint pciem:pciem_event on
# the host, or no permission): 65, the reason, before any device or COMMAND
run nobpf "$PR" --stacks --device 10000 "$DIR/good.zst" -- touch "$DIR/ran"
expect_rc "--stacks without BPF" 65
expect_line "--stacks without BPF" "$err" '^pciem-replay: --stacks: BPF cannot be used: ..'
[ ! -e "$DIR/ran" ] && ok "--stacks without BPF: COMMAND not run" ||
	bad "--stacks without BPF: COMMAND was run"

# ---- the trace ------------------------------------------------------------------
run missing "$PR" "$DIR/none.zst" -- touch "$DIR/ran"
expect_rc missing 2
expect_line missing "$err" 'none.zst'
[ ! -e "$DIR/ran" ] && ok "missing: COMMAND not run" || bad "missing: COMMAND ran"

printf 'hello, world\n' > "$DIR/text.zst"
run text "$PR" "$DIR/text.zst"
expect_rc "not a trace" 2
expect_line "not a trace" "$err" 'text.zst.*not a PCIem trace'

run corrupt "$PR" --device 10000 "$DIR/corrupt.zst"
expect_rc corrupt 2
expect_line corrupt "$err" 'corrupt.zst'
expect_line corrupt "$err" 'corrupt.zst is damaged; nothing was replayed'

# a trace of format version 2.0: frame 0's preamble says so
zstd -q -dc "$DIR/good.zst" > "$DIR/raw"
printf '\x02\x00\x00\x00' | dd of="$DIR/raw" bs=1 seek=8 conv=notrunc status=none
zstd -q --check "$DIR/raw" -o "$DIR/v2.zst"
run version "$PR" "$DIR/v2.zst"
expect_rc "version 2.0" 2
expect_line "version 2.0" "$err" 'v2.zst.*version 2\.0.*1\.0'

run multi "$PR" "$DIR/good.zst"
expect_rc "two devices" 2
expect_line "two devices" "$err" 'holds 2 devices; choose one with --device DOMAIN: 10000 10001'

run nodom "$PR" --device 10002 "$DIR/good.zst"
expect_rc "--device absent" 2
expect_line "--device absent" "$err" 'no device in domain 10002'

run lost "$PR" --device 10000 "$DIR/lost.zst"
expect_rc lost 2
expect_line lost "$err" 'lost.zst: 3 events of device 10000 were lost while recording \(the first at seq 10\).*--allow-lost'
expect_no_line lost "$err" 'no-pciem'

run lost-ok "$PR" --device 10000 --allow-lost "$DIR/lost.zst"
expect_rc "lost, --allow-lost" 2
expect_line "lost, --allow-lost" "$err" 'warning: 3 events of device 10000 were lost'
expect_line "lost, --allow-lost" "$err" 'no-pciem does not exist: the pciem module is not loaded'

run lost-b "$PR" --device 10001 "$DIR/lost.zst"
expect_rc "lost, other device" 2
expect_line "lost, other device" "$err" 'the pciem module is not loaded'

run trunc "$PR" --device 10000 "$DIR/truncated.zst"
expect_rc truncated 2
expect_line truncated "$err" 'warning: .*truncated.zst'
expect_line truncated "$err" 'the pciem module is not loaded'

PCIEM_REPLAY_DEV_PATH=/dev/null run notpciem "$PR" --device 10000 "$DIR/good.zst" \
	--report-json "$DIR/r.json"
expect_rc "not /dev/pciem" 2
expect_line "not /dev/pciem" "$err" 'creating the device \(CREATE_DEVICE\): Inappropriate ioctl'
if python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["result"] == "error" and r["exit_status"] == 2, r
assert r["device"]["domain"] == "10000" and r["trace_accesses"] > 0, r
' "$DIR/r.json"; then ok "error report: JSON"; else bad "error report: JSON"; fi
# the report names ips (kernel addresses): 0600, an overwritten one too
m=$(stat -c %a "$DIR/r.json")
if [ "$m" = 600 ]; then ok "report created 0600"; else bad "report created $m, want 600"; fi
chmod 644 "$DIR/r.json"
PCIEM_REPLAY_DEV_PATH=/dev/null run notpciem2 "$PR" --device 10000 "$DIR/good.zst" \
	--report-json "$DIR/r.json"
m=$(stat -c %a "$DIR/r.json")
if [ "$m" = 600 ]; then ok "overwritten report made 0600"; else bad "overwritten report $m, want 600"; fi

run regs "$PR" --device 10000 --regs "$DIR/none.regs" "$DIR/good.zst"
expect_rc "--regs missing" 2
expect_line "--regs missing" "$err" 'none.regs'

# ---- a real device's trace (format 1.3) -------------------------------------------
run real "$PR" "$DIR/real.zst"
expect_rc "real device" 2
expect_line "real device" "$err" 'the pciem module is not loaded'
expect_no_line "real device" "$err" 'real device 0000:00:03.0'
run real-dev "$PR" --device 0000:00:03.0 "$DIR/real.zst"
expect_line "real device by address" "$err" 'the pciem module is not loaded'
run real-bound "$PR" "$DIR/real_bound.zst"
expect_rc "real device, bound" 2
expect_line "real device, bound" "$err" "real_bound.zst: real device 0000:00:03.0: its driver was bound when the recording started, .*record it again with pciem-record --rebind"
expect_no_line "real device, bound" "$err" 'not loaded'
run real-io "$PR" "$DIR/real_io.zst"
expect_rc "real device, I/O BAR" 2
expect_line "real device, I/O BAR" "$err" 'BAR1 is an I/O port BAR, whose accesses could not be recorded, .*--without-io-bars'
expect_no_line "real device, I/O BAR" "$err" 'not loaded'
run real-io-ok "$PR" --without-io-bars "$DIR/real_io.zst"
expect_line "--without-io-bars" "$err" 'I/O port BAR1 is left out \(--without-io-bars\)'
expect_line "--without-io-bars" "$err" 'the pciem module is not loaded'
# named by its address, never by its stream key (80000018); a PCIem
# device by its domain
run real-v "$PR" -v "$DIR/real.zst"
expect_line "real device, -v" "$err" 'real.zst: device 0000:00:03.0 \(1b36:0011, driver pvpanic-pci\), 7 events: 1 accesses, 0 interrupts$'
expect_no_line "real device, -v" "$err" '80000018'
run pciem-v "$PR" -v --device 10001 "$DIR/good.zst"
expect_line "PCIem device, -v" "$err" 'good.zst: device 10001 \(1af4:1110, driver [^)]*\), 8 events: '
run real-lost "$PR" -v "$DIR/real_lost.zst"
expect_rc "real device, lost" 2
expect_line "real device, lost" "$err" 'real_lost.zst: 1 events of device 0000:00:03.0 were lost while recording \(the first at seq 4\)'
run real-lost-ok "$PR" -v --allow-lost "$DIR/real_lost.zst"
expect_line "real device, lost, --allow-lost" "$err" 'warning: 1 events of device 0000:00:03.0 were lost'
expect_no_line "real device, lost" "$DIR/real-lost.err" '80000018'
expect_no_line "real device, lost, --allow-lost" "$err" '80000018'
run real-nodev "$PR" --device 0000:00:04.0 "$DIR/real.zst"
expect_rc "--device absent, real" 2
expect_line "--device absent, real" "$err" 'real.zst has no device 0000:00:04.0$'
run real-caps "$PR" "$DIR/real_caps.zst"
expect_line "real device, caps" "$err" 'capability MSI-X \(0x11\) at 0x40 is not presented: its table \(0x0-0x3f\) reaches past the end of BAR0 \(16 bytes\); the driver will take another path: MSI if the device has it, else INTx'
expect_line "real device, caps" "$err" 'capability vendor-specific \(0x09\) at 0x60 is not presented'
expect_line "real device, caps" "$err" 'interrupt pin INTB is presented as INTA'
expect_no_line "real device, caps" "$err" 'power management'
expect_line "real device, caps" "$err" 'the pciem module is not loaded'
run real-msix "$PR" -v "$DIR/real_msix.zst"
expect_no_line "real device, MSI-X presented" "$err" 'not presented'
expect_line "real device, MSI-X presented" "$err" 'real_msix.zst: device 0000:00:03.0 \(1b36:0011, driver pvpanic-pci\), 8 events: 1 accesses \(and 1 to the MSI-X table and PBA, not compared\), 0 interrupts$'
expect_line "real device, MSI-X presented" "$err" 'the pciem module is not loaded'
run real-msix-io "$PR" --without-io-bars "$DIR/real_msix_io.zst"
expect_line "real device, MSI-X PBA in an I/O BAR" "$err" 'capability MSI-X \(0x11\) at 0x40 is not presented: its PBA is in BAR1, which the replayed device does not have; the driver will take another path: MSI if the device has it, else INTx'

# ---- --suite: its command line, and traces that end before /dev/pciem ---------------
for w in '--suite' '--junit=FILE' '--tap' 'NAME.sh' 'PCIEM_REPLAY_NAME' 'PCIEM_REPLAY_TRACE' \
	 'SUITES'; do
	expect_line "help has $w" "$DIR/help.out" "$w"
done
run junit-nosuite "$PR" --junit "$DIR/r.xml" "$DIR/good.zst"
expect_rc "--junit without --suite" 2
expect_line "--junit without --suite" "$err" '--junit and --tap report a suite: add --suite'
run two-nosuite "$PR" "$DIR/good.zst" "$DIR/equal.zst"
expect_line "two traces without --suite" "$err" 'several traces: --suite'
run suite-json "$PR" --suite --report-json "$DIR/r.json" "$DIR/good.zst"
expect_rc "--suite --report-json" 2
expect_line "--suite --report-json" "$err" '--report-json reports one trace: with --suite, use --junit'
run suite-cmd "$PR" --suite "$DIR/good.zst" -- true
expect_rc "--suite -- COMMAND" 2
expect_line "--suite -- COMMAND" "$err" 'each trace.s COMMAND is NAME.sh beside NAME.zst'
run suite-none "$PR" --suite
expect_rc "--suite, nothing" 2
expect_line "--suite, nothing" "$err" '--suite: no trace or directory given'
mkdir "$DIR/empty" "$DIR/suite"
run suite-empty "$PR" --suite "$DIR/empty"
expect_rc "--suite, empty directory" 2
expect_line "--suite, empty directory" "$err" 'empty: no trace \(NAME.zst\) in this directory'
run suite-missing "$PR" --suite "$DIR/nothing.zst"
expect_rc "--suite, missing trace" 2
expect_line "--suite, missing trace" "$err" 'nothing.zst: No such file or directory'
# a directory (its NAME.zst in name order, not the rest) and a trace: each
# ends with an error before the module is used, the suite goes on
cp "$DIR/corrupt.zst" "$DIR/lost.zst" "$DIR/suite/"
: >"$DIR/suite/notes.txt"
echo 'touch ran' >"$DIR/suite/lost.sh"
run suite-tap "$PR" --suite --tap --junit "$DIR/suite.xml" "$DIR/suite" "$DIR/truncated.zst"
expect_rc "--suite, three errors" 2
if [ "$(grep -c -E '^(not )?ok ' "$out")" = 3 ]; then ok "--suite --tap: 3 test points"; else
	bad "--suite --tap: not 3 test points"; sed 's/^/    /' "$out"; fi
expect_line "--suite --tap" "$out" '^TAP version 14$'
expect_line "--suite --tap" "$out" '^1\.\.3$'
expect_line "--suite --tap" "$out" '^not ok 1 - corrupt$'
expect_line "--suite --tap" "$out" '^ message: "[^"]*corrupt.zst is damaged; nothing was replayed"$'
expect_line "--suite --tap" "$out" '^not ok 2 - lost$'
expect_line "--suite --tap" "$out" '^not ok 3 - truncated$'
expect_line "--suite --tap" "$out" '^# pciem-replay: 0 passed, 0 failed, 3 errors, 0 skipped$'
expect_line "--suite, stderr" "$err" 'suite: 2 of 3: .*/suite/lost.zst, COMMAND sh .*/suite/lost.sh$'
expect_line "--suite, stderr" "$err" 'suite: 3 traces: 0 passed, 0 failed, 3 errors, 0 not run$'
[ ! -e "$DIR/suite/ran" ] && ok "--suite: no COMMAND for a trace refused" ||
	bad "--suite: lost.sh ran"
if xmllint --noout --schema tests/data/jenkins-junit.xsd "$DIR/suite.xml" 2>"$DIR/xmllint.err"; then
	ok "--suite --junit: valid against jenkins-junit.xsd"
else
	bad "--suite --junit: invalid"; sed 's/^/    /' "$DIR/xmllint.err"
fi
expect_line "--suite --junit" "$DIR/suite.xml" 'tests="3" failures="0" errors="3" skipped="0"'
expect_line "--suite --junit" "$DIR/suite.xml" '<testcase classname="suite" name="corrupt" time="[0-9.]+">$'
expect_line "--suite --junit" "$DIR/suite.xml" '<error type="error" message="[^"]*corrupt.zst is damaged; nothing was replayed">'
[ ! -e "$DIR/suite.xml.tmp" ] && ok "--suite --junit: no temporary file left" ||
	bad "--suite --junit: suite.xml.tmp left"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
