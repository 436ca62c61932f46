# SPDX-License-Identifier: GPL-2.0
# pciem-replay on the counter device, with no device model: the walkthrough
# workload (examples/dummy_clock/workload.sh) recorded with pciem-record
# replays clean against the good driver (exit 0), 20 times with identical
# results, and with --match per-register and --timing recorded; against
# the regressed driver (regress=1: wrong acknowledgement; regress=2: wrong
# tick) it diverges (exit 1) at the exact recorded access, with the
# function named, the same way each time; recording a replay gives a
# trace equal to the original (pciem-trace diff); a driver that stops
# early, one that goes past the end, a timeout; a corrupt trace (exit 2,
# no device created); kill -9 mid-run (device removed, a new replay
# works); without COMMAND the replay ends once done; a recording of
# 1,000,000 accesses replays through the FIFO; polling runs longer or
# shorter than recorded are tolerated and counted.
. tests/vm/lib.sh

REC=$BIN/pciem-record
RP=$BIN/pciem-replay
PT=$BIN/pciem-trace
WL=examples/dummy_clock/workload.sh
REGS=examples/dummy_clock/dummy_clock.regs
KO=$KM/dummy_clock/dummy_clock.ko
need_bins pciem-record pciem-replay pciem-trace
# a replay that went wrong makes the workload wait for interrupts that
# will not come: not for long
export CLOCK_WAIT=5

# replay NAME WANT_RC [pciem-replay options] TRACE [-- COMMAND]: report
# in $TMP/NAME.json, stderr in $TMP/NAME.err
replay() {
	_n=$1
	_want=$2
	shift 2
	"$RP" --regs "$REGS" --report-json "$TMP/$_n.json" "$@" >"$TMP/$_n.out" 2>"$TMP/$_n.err"
	_rc=$?
	if [ "$_rc" != "$_want" ]; then
		cat "$TMP/$_n.err" "$TMP/$_n.out"
		fail "$_n: pciem-replay exited with $_rc, want $_want"
	fi
	[ ! -e /sys/module/dummy_clock ] || fail "$_n: dummy_clock still loaded after the replay"
	for _d in /sys/bus/pci/devices/1000*; do
		[ -e "$_d" ] && fail "$_n: a PCIem device is left after the replay: $_d"
	done
	return 0
}

err_has() {	# NAME REGEX
	grep -q -E -- "$2" "$TMP/$1.err" || { cat "$TMP/$1.err"; fail "$1: no line matches /$2/"; }
}

# the workload, checking first that no device model runs
NOMODEL="! pgrep -f 'examples/dummy_clock/[d]evice' && exec sh $WL"

# ---- (1) the recording -------------------------------------------------------
"$REC" -o "$TMP/good.zst" -- sh "$WL" 2>"$TMP/rec.err" || fail "recording: $(cat "$TMP/rec.err")"
"$PT" dump --json "$TMP/good.zst" >"$TMP/good.jsonl" || fail "dump"
# the seqs the regressions must be reported at: the first STATUS write of
# the interrupt handler (after the first IRQ), the first CONTROL write
python3 - "$TMP/good.jsonl" >"$TMP/seqs" <<'EOF' || fail "reading the recording"
import json, sys
irq = ack = tick = None
acc = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("record") != "event":
        continue
    t = e["type"]
    if t in ("mmio_read", "mmio_write"):
        acc += 1
    if t == "irq" and irq is None:
        irq = e["seq"]
    if t == "mmio_write" and e["offset"] == 4 and irq is not None and ack is None:
        ack = e["seq"]
    if t == "mmio_write" and e["offset"] == 0 and tick is None:
        tick = e["seq"]
print(ack, tick, acc)
EOF
read -r ACK_SEQ TICK_SEQ ACCESSES <"$TMP/seqs"
[ "$ACK_SEQ" != None ] && [ "$TICK_SEQ" != None ] && [ "$ACCESSES" -gt 100 ] ||
	fail "recording lacks the expected accesses: $(cat "$TMP/seqs")"
ok "(1) recorded: $ACCESSES accesses, first acknowledgement seq $ACK_SEQ, first tick seq $TICK_SEQ"

# ---- (2) clean replay, no device model ------------------------------------------
replay ok 0 "$TMP/good.zst" -- sh -c "$NOMODEL"
err_has ok "OK: the driver made exactly the recorded accesses"
[ "$(js "$TMP/ok.json" 'r["result"], r["status"]["matched"], r["status"]["irqs"], r["status"]["divergences"]')" = \
  "('ok', $ACCESSES, 10, 0)" ] || fail "clean replay report: $(cat "$TMP/ok.json")"
[ "$(js "$TMP/ok.json" 'r["command"]["exit_status"], r["status"]["state"]')" = "(0, 'done')" ] ||
	fail "clean replay: COMMAND or state: $(cat "$TMP/ok.json")"
ok "(2) clean replay: $ACCESSES accesses matched, 10 interrupts injected, no device model"

# ---- (3) 20 identical results -------------------------------------------------------
SIG='r["result"], r["exit_status"], r["status"], r["divergences"]'
replays_alike 20 "$TMP/good.zst" -- sh "$WL"
[ "$(js "$TMP/ok.json" "$SIG")" = "$(js "$TMP/ok1.json" "$SIG")" ] ||
	fail "the 20 replays differ from the first clean one: $(js "$TMP/ok1.json" "$SIG")"
ok "(3) 20 replays, 20 identical results"

# ---- (4) other modes ---------------------------------------------------------------
replay reg 0 --match per-register "$TMP/good.zst" -- sh "$WL"
replay timed 0 --timing recorded "$TMP/good.zst" -- sh "$WL"
[ "$(js "$TMP/timed.json" 'r["status"]["irqs"], r["options"]["timing"]')" = "(10, 'recorded')" ] ||
	fail "--timing recorded: $(cat "$TMP/timed.json")"
ok "(4) --match per-register and --timing recorded replay clean"

# ---- (5) the regressed driver ------------------------------------------------------
# regress=1: the handler acknowledges with bit 1
for i in 1 2 3; do
	DUMMY_CLOCK_PARAMS=regress=1 replay r1_$i 1 "$TMP/good.zst" -- sh -c "$NOMODEL"
	js "$TMP/r1_$i.json" 'r["divergences"][0]["index"], r["divergences"][0]["expected"], r["divergences"][0]["actual"]["value"], r["divergences"][0]["actual"]["symbol"].split("+")[0], r["status"]["divergences"]' >"$TMP/r1sig.$i"
	[ $i = 1 ] || cmp -s "$TMP/r1sig.1" "$TMP/r1sig.$i" ||
		fail "regressed run $i differs: $(cat "$TMP/r1sig.$i") vs $(cat "$TMP/r1sig.1")"
done
[ "$(js "$TMP/r1_1.json" 'r["result"], len(r["divergences"]), r["divergences"][0]["kind"], r["divergences"][0]["expected"]["seq"], r["divergences"][0]["expected"]["register"], r["divergences"][0]["expected"]["value"], r["divergences"][0]["actual"]["value"], r["divergences"][0]["actual"]["register"]')" = \
  "('diverged', 1, 'mismatch', $ACK_SEQ, 'STATUS', '0x1', '0x2', 'STATUS')" ] ||
	fail "regress=1: report: $(cat "$TMP/r1_1.json")"
js "$TMP/r1_1.json" 'r["divergences"][0]["actual"]["symbol"]' | grep -q '^dummy_clock_irq+0x[0-9a-f]* \[dummy_clock\]$' ||
	fail "regress=1: the actual access is not named dummy_clock_irq [dummy_clock]"
[ "$(js "$TMP/r1_1.json" 'len(r["divergences"][0]["last_matched"])')" = 10 ] || fail "regress=1: not 10 matched events"
err_has r1_1 "DIVERGENCE #1: the driver wrote another value"
err_has r1_1 "at event [0-9]+ of [0-9]+ of device [0-9a-f]+ in .*good.zst \(seq $ACK_SEQ\)"
err_has r1_1 "expected: mmio_write bar0\+0x4 STATUS 4 0x00000001 \{IRQ_PENDING\}"
err_has r1_1 "recorded at dummy_clock_irq\+0x[0-9a-f]+ \[dummy_clock\]"
err_has r1_1 "actual:   mmio_write bar0\+0x4 STATUS 4 0x00000002"
err_has r1_1 "at dummy_clock_irq\+0x[0-9a-f]+ \[dummy_clock\] \(cpu [0-9]+, pid [0-9]+\)"
err_has r1_1 "last 10 matched events:"
err_has r1_1 "DIVERGED: 1 divergence"
ok "(5) regress=1: diverges at seq $ACK_SEQ (STATUS 0x1 expected, 0x2 written) in dummy_clock_irq, 3 times alike"

# regress=2: tick writes 2
DUMMY_CLOCK_PARAMS=regress=2 replay r2 1 "$TMP/good.zst" -- sh "$WL"
[ "$(js "$TMP/r2.json" 'r["divergences"][0]["expected"]["seq"], r["divergences"][0]["expected"]["register"], r["divergences"][0]["actual"]["value"], r["divergences"][0]["actual"]["symbol"].split("+")[0]')" = \
  "($TICK_SEQ, 'CONTROL', '0x2', 'tick_store')" ] || fail "regress=2: report: $(cat "$TMP/r2.json")"
ok "(5) regress=2: diverges at the first tick, seq $TICK_SEQ, in tick_store"

# ---- (6) recording a replay gives the original ---------------------------------------
"$REC" -o "$TMP/rr.zst" -- "$RP" "$TMP/good.zst" -- sh "$WL" 2>"$TMP/rr.err" ||
	fail "recording the replay: $(cat "$TMP/rr.err")"
"$PT" diff "$TMP/good.zst" "$TMP/rr.zst" >"$TMP/diff.out" 2>&1 || fail "recorded replay differs: $(cat "$TMP/diff.out")"
ok "(6) pciem-record -- pciem-replay: pciem-trace diff says $(head -n 1 "$TMP/diff.out")"

# ---- (7) a driver that stops early ------------------------------------------------------
cat >"$TMP/short.sh" <<EOF
d=/sys/bus/pci/devices/\$PCIEM_REPLAY_DEVICE
insmod $KO || exit 1
n=0; until [ -e \$d/tick ]; do sleep 0.1; n=\$((n + 1)); [ \$n -lt 100 ] || break; done
echo 10 > \$d/tick
n=0; until [ "\$(cat \$d/irq_count)" = 1 ]; do sleep 0.1; n=\$((n + 1)); [ \$n -lt 50 ] || break; done
rmmod dummy_clock
EOF
replay short 1 "$TMP/good.zst" -- sh "$TMP/short.sh"
err_has short "STOPPED EARLY: the driver made fewer accesses than recorded"
err_has short "next expected: event [0-9]+ of [0-9]+ \(seq [0-9]+\): mmio_read bar0\+0x8 COUNTER 4 0x0000000a  at counter_show"
[ "$(js "$TMP/short.json" 'r["result"], r["next_expected"]["event"]["register"]')" = "('stopped_early', 'COUNTER')" ] ||
	fail "stopped early: report: $(cat "$TMP/short.json")"
ok "(7) a driver that stops early: exit 1, the next expected access named"

# ---- (8) a driver that goes on past the end ----------------------------------------------
CLOCK_PAUSE_AFTER=10 CLOCK_PAUSE_FILE=$TMP/past.pause "$RP" --report-json "$TMP/past.json" \
	"$TMP/good.zst" -- sh "$WL" >"$TMP/past.out" 2>"$TMP/past.err" &
P=$!
wait_until 60 test -e "$TMP/past.pause" || fail "past end: the workload did not pause"
cat /sys/bus/pci/devices/1000*/counter >/dev/null
rm -f "$TMP/past.pause"
wait $P
[ $? = 1 ] || { cat "$TMP/past.err"; fail "past end: not exit 1"; }
err_has past "DIVERGENCE #1: the driver went on past the end of the recording"
err_has past "actual:   mmio_read bar0\+0x8 4 0x[0-9a-f]+"
err_has past "at counter_show\+0x[0-9a-f]+ \[dummy_clock\]"
ok "(8) an access past the end of the recording: exit 1, reported"

# ---- (9) timeout: no driver at all -------------------------------------------------------
replay tmo 1 --timeout 2 "$TMP/good.zst"
err_has tmo "TIMEOUT after 2 s"
err_has tmo "next expected: .*mmio_write bar0\+0x4 STATUS 4 0x00000001 \{IRQ_PENDING\}  at dummy_clock_probe\+"
ok "(9) --timeout with no driver: exit 1, the probe's first access expected"

# ---- (10) a corrupt trace --------------------------------------------------------------
python3 - "$TMP/good.zst" "$TMP/bad.zst" <<'EOF' || fail "corrupting"
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[len(b) * 2 // 3] ^= 0xff
open(sys.argv[2], "wb").write(b)
EOF
"$RP" "$TMP/bad.zst" -- sh -c 'touch "$0"' "$TMP/ran" >/dev/null 2>"$TMP/bad.err"
[ $? = 2 ] || fail "corrupt trace: not exit 2: $(cat "$TMP/bad.err")"
grep -q "bad.zst" "$TMP/bad.err" || fail "corrupt trace: the message does not name the file"
[ ! -e "$TMP/ran" ] || fail "corrupt trace: COMMAND ran"
grep -q "registered\|10000:" "$TMP/bad.err" && fail "corrupt trace: a device was created"
ok "(10) corrupt trace: exit 2, $(head -n 1 "$TMP/bad.err")"

# ---- (11) kill -9 mid-run --------------------------------------------------------------
CLOCK_PAUSE_AFTER=3 CLOCK_PAUSE_FILE=$TMP/kill.pause "$RP" "$TMP/good.zst" -- sh "$WL" \
	>"$TMP/kill.out" 2>"$TMP/kill.err" &
P=$!
wait_until 60 test -e "$TMP/kill.pause" || fail "kill: the workload did not pause"
ls -d /sys/bus/pci/devices/1000* >/dev/null 2>&1 || fail "kill: no replayed device"
kill -9 $P
wait $P 2>/dev/null
wait_until 20 sh -c '! ls -d /sys/bus/pci/devices/1000* >/dev/null 2>&1' || fail "kill: the device was not removed"
rm -f "$TMP/kill.pause"
# the orphaned workload finds the device gone, fails and unloads the driver
wait_until 30 test ! -e /sys/module/dummy_clock || fail "kill: dummy_clock still loaded"
replay after 0 "$TMP/good.zst" -- sh "$WL"
ok "(11) kill -9 mid-run: the device is removed, the next replay is clean"

# ---- (12) no COMMAND: the replay ends by itself once the recording is done ----------------
"$RP" --report-json "$TMP/self.json" "$TMP/good.zst" >"$TMP/self.out" 2>"$TMP/self.err" &
P=$!
wait_until 20 test -e /sys/bus/pci/devices/10000:00:00.0 || fail "no COMMAND: no device"
PCIEM_REPLAY_DEVICE=10000:00:00.0 sh "$WL" >"$TMP/self.wl" 2>&1 &
W=$!
wait $P
rc=$?
wait $W
[ $rc = 0 ] || { cat "$TMP/self.err"; fail "no COMMAND: pciem-replay exited with $rc"; }
[ "$(js "$TMP/self.json" 'r["result"], r["command"], r["status"]["matched"]')" = "('ok', None, $ACCESSES)" ] ||
	fail "no COMMAND: report: $(cat "$TMP/self.json")"
ok "(12) without COMMAND, a driver driven from elsewhere: the replay ends by itself when done, exit 0"

# ---- (13) 1,000,000 accesses -------------------------------------------------------------
load_testdrv
cat >"$TMP/loop.sh" <<EOF
$BIN/devmodel --bar 0:4096 --quiet --ready-file $TMP/loop.ready >$TMP/loop.model 2>&1 &
m=\$!
n=0; until [ -s $TMP/loop.ready ]; do sleep 0.1; n=\$((n + 1)); [ \$n -lt 200 ] || exit 1; done
d=/sys/bus/pci/devices/\$(cat $TMP/loop.ready)
n=0; until [ -e \$d/driver ]; do sleep 0.1; n=\$((n + 1)); [ \$n -lt 200 ] || exit 1; done
echo "loop 0 0x10 500000 1" > \$d/mmio || exit 1
kill \$m; wait \$m
EOF
t0=$(date +%s)
"$REC" --lossless -o "$TMP/big.zst" -- sh "$TMP/loop.sh" 2>"$TMP/big.err" || fail "recording 1M: $(cat "$TMP/big.err")"
t1=$(date +%s)
"$RP" --report-json "$TMP/big.json" "$TMP/big.zst" -- \
	sh -c 'echo "loop 0 0x10 500000 1" > /sys/bus/pci/devices/$PCIEM_REPLAY_DEVICE/mmio' \
	>"$TMP/big.out" 2>"$TMP/big.err" || { cat "$TMP/big.err"; fail "1M replay: not exit 0"; }
t2=$(date +%s)
[ "$(js "$TMP/big.json" 'r["result"], r["status"]["matched"], r["trace_lost"], r["status"]["fed"] == r["trace_events"]')" = \
  "('ok', 1000000, 0, True)" ] || fail "1M replay: $(cat "$TMP/big.json")"
ok "(13) 1,000,000 accesses: recorded in $((t1 - t0)) s ($(stat -c %s "$TMP/big.zst") bytes), replayed in $((t2 - t1)) s"

# ---- (14) polling runs of another length ---------------------------------------------------
# recorded: 5 reads of a register, then a write; replayed: 8 reads (3
# answered from the run), then 3 reads (2 recorded ones collapsed)
cat >"$TMP/poll.sh" <<EOF
n=\$1
if [ -z "\${PCIEM_REPLAY_DEVICE:-}" ]; then
	$BIN/devmodel --bar 0:4096 --fill 0:0x5a --quiet --ready-file $TMP/poll.ready >/dev/null 2>&1 &
	m=\$!
	k=0; until [ -s $TMP/poll.ready ]; do sleep 0.1; k=\$((k + 1)); [ \$k -lt 200 ] || exit 1; done
	d=/sys/bus/pci/devices/\$(cat $TMP/poll.ready)
else
	m=
	d=/sys/bus/pci/devices/\$PCIEM_REPLAY_DEVICE
fi
k=0; until [ -e \$d/driver ]; do sleep 0.1; k=\$((k + 1)); [ \$k -lt 200 ] || exit 1; done
i=0
while [ \$i -lt \$n ]; do
	echo "r 0 0x40 4" > \$d/mmio || exit 1
	[ "\$(cat \$d/mmio)" = 0x5a5a5a5a ] || exit 1
	i=\$((i + 1))
done
echo "w 0 0x20 4 0x77" > \$d/mmio || exit 1
[ -z "\$m" ] || { kill \$m; wait \$m; }
EOF
"$REC" -o "$TMP/poll.zst" -- sh "$TMP/poll.sh" 5 2>"$TMP/poll.err" || fail "recording the polling: $(cat "$TMP/poll.err")"
replay poll8 0 "$TMP/poll.zst" -- sh "$TMP/poll.sh" 8
err_has poll8 "polling: 3 extra reads answered, 0 recorded reads collapsed"
replay poll3 0 "$TMP/poll.zst" -- sh "$TMP/poll.sh" 3
err_has poll3 "polling: 0 extra reads answered, 2 recorded reads collapsed"
[ "$(js "$TMP/poll3.json" 'r["status"]["polls_skipped"], r["result"]')" = "(2, 'ok')" ] ||
	fail "polling: report: $(cat "$TMP/poll3.json")"
replay pollx 1 "$TMP/poll.zst" -- sh -c "sh $TMP/poll.sh 5 && echo 'r 0 0x44 4' > /sys/bus/pci/devices/\$PCIEM_REPLAY_DEVICE/mmio"
err_has pollx "DIVERGENCE #1: the driver went on past the end of the recording"
ok "(14) a polling run of 8 or 3 reads where 5 were recorded replays clean, counted; a read past the end diverges"
rmmod pciem_testdrv || fail "rmmod pciem_testdrv"
