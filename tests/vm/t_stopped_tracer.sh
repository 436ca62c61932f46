# SPDX-License-Identifier: GPL-2.0
# A stopped recorder or replayer (issue 10, section 2 defect 7).  A
# lossless recorder (pciem-record --lossless, 4 MiB ring) is stopped (SIGSTOP) for
# STOP_SECONDS (default 25: longer than the soft lockup detector's 20 s
# and the RCU stall detector's 21 s) while the driver hammers MMIO from two CPUs and
# config space is read through sysfs, then continued: the kernel log shows
# no stall or lockup (checked by tools/pciem-vm), and the trace is intact
# (pciem-trace verify): either complete, with every one of the driver's
# accesses recorded once, or with honest LOST records accounting for what
# is missing.  Then a replayer (pciem-replay, a FIFO of 1024 events so
# that the kernel needs it often) is stopped as long while the driver replays the
# recorded loop: the kernel log stays clean and the replay ends.
. tests/vm/lib.sh

S=${STOP_SECONDS:-25}
PT=$BIN/pciem-trace
load_testdrv
start_model m --bar 0:8192 --msi 0 --quiet
wait_bound "$DEV"
cfg_reader_start

# ---- the recorder
# a 4 MiB ring: full within a few seconds of the stop
"$BIN/pciem-record" --lossless --ring-size 4M --match 1234:0e01 -o "$TMP/s.zst" 2>"$TMP/s.err" &
R=$!
wait_until 20 test -s "$TMP/s.zst" || fail "pciem-record did not start: $(cat "$TMP/s.err")"
sleep 1
hammer "$DEV"
sleep 1
kill -STOP $R
echo "recorder stopped for $S s"
sleep "$S"
kill -CONT $R
sleep 1
echo "stop 0 0 0" > "$DEV/mmio" || fail "stop"
iters=$(($(cat "$DEV/mmio")))
echo "r 0 0x40 4" > "$DEV/mmio"	# a last event
sleep 2
kill -INT $R
wait $R
rc=$?
cat "$TMP/s.err"
[ $rc = 0 ] || fail "pciem-record: status $rc"
"$PT" verify "$TMP/s.zst" >"$TMP/verify" 2>&1
vrc=$?
cat "$TMP/verify"
# status 1 (findings) is fine if every finding is a loss a LOST record declares
[ $vrc = 0 ] || { [ $vrc = 1 ] && ! grep "^FINDING" "$TMP/verify" | grep -vq "(declared by a LOST record)$"; } ||
	fail "pciem-trace verify: status $vrc, with findings other than declared losses"
"$PT" stats "$TMP/s.zst" >"$TMP/s.stats" || fail "pciem-trace stats"
# (pciem-trace stats, not a JSON dump: a million events are minutes of
# python under TCG)
awk -v iters="$iters" '
	$1 == "bar0+0x10" || $1 == "bar0+0x18" { got += $3 + $4; per = per " " $1 " " $3 "r/" $4 "w" }
	$1 == "other:" { for (k = 1; k < NF; k++) if ($k == "lost") lost = $(k + 1) }
	END {
		printf "hammer iterations %d (accesses %d): recorded %d (%s), LOST %d\n", iters, 2 * iters, got, per, lost
		if (lost == 0 && got != 2 * iters) { print "no LOST record, but not every access recorded"; exit 1 }
		if (lost > 0 && got + lost < 2 * iters) { print "recorded + LOST < accesses"; exit 1 }
	}' "$TMP/s.stats" || { cat "$TMP/s.stats"; fail "the recording is neither complete nor honest about its losses"; }
ok "lossless recorder stopped $S s under load: trace intact"

# ---- the replayer
"$BIN/pciem-record" --match 1234:0e01 -o "$TMP/rec.zst" -- \
	sh -c "echo 'loop 0 0x10 20000 1' > $DEV/mmio" 2>"$TMP/rec.err" || fail "recording: $(cat "$TMP/rec.err")"
kill "$m_PID"
wait "$m_PID"
gone "$DEV" || fail "the recorded device is still there"
# COMMAND starts the driver's loop once the replayer is stopped (it is a
# child of pciem-replay and keeps running), so the driver needs the feed
# of a stopped replayer
"$BIN/pciem-replay" --fifo 1024 "$TMP/rec.zst" -- sh -c "
	d=/sys/bus/pci/devices/\$PCIEM_REPLAY_DEVICE
	while [ ! -e \$d/driver ] || [ ! -e $TMP/go ]; do sleep 0.1; done
	echo 'loop 0 0x10 20000 1' > \$d/mmio" >"$TMP/rp.out" 2>"$TMP/rp.err" &
P=$!
wait_until 30 sh -c 'ls -d /sys/bus/pci/devices/1[0-9a-f][0-9a-f][0-9a-f][0-9a-f]:*/driver' ||
	fail "the replayed device did not appear and bind: $(cat "$TMP/rp.err")"
kill -STOP $P || fail "the replayer ended before it could be stopped: $(cat "$TMP/rp.err")"
touch "$TMP/go"
echo "replayer stopped for $S s"
sleep "$S"
kill -CONT $P
wait $P
rc=$?
cat "$TMP/rp.err"
[ $rc = 0 ] || [ $rc = 1 ] || fail "pciem-replay: status $rc"
ok "replayer stopped $S s under load: replay ended with status $rc"
