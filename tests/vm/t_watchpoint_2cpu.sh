# SPDX-License-Identifier: GPL-2.0
# Two CPUs hit a watchpoint at the same time (issue 10, section 2 defect
# 9): kernel threads on CPUs 0 and 1 each read the watched register COUNT
# times (a hardware breakpoint, #DB), each read followed by a trapped write
# to a register of its own, so that the other CPU often holds the ring lock
# when a #DB arrives.  A lossless recorder must get one WATCHPOINT event per
# read the driver made (the driver counts them) and every write.
. tests/vm/lib.sh

COUNT=$(rounds 5000)
load_testdrv
start_model m --bar 0:4096 --watch 0:0x40:4 --quiet
wait_bound "$DEV"
"$BIN/tracecat" --match all --existing --lossless --ring 134217728 --ready "$TMP/t.ready" >"$TMP/t.log" 2>&1 &
T=$!
PIDS="$PIDS $T"
wait_until 10 test -e "$TMP/t.ready" || fail "recorder did not start"
# arming runs from a work item: read until a read is reported
armed=0
for i in $(seq 1 100); do
	echo "r 0 0x40 4" > "$DEV/mmio"
	if grep -q "WATCHPOINT bar0+0x40" "$TMP/t.log"; then armed=1; break; fi
	sleep 0.1
done
[ $armed = 1 ] || fail "the watchpoint was never armed: $(tail -n 5 "$TMP/t.log")"
sleep 1
before=$(grep -c "WATCHPOINT bar0+0x40" "$TMP/t.log")
echo "wphammer 0 0x40 0x80 $COUNT" > "$DEV/mmio" || fail "wphammer"
reads=$(($(cat "$DEV/mmio")))
[ "$reads" = $((2 * COUNT)) ] || fail "the driver made $reads reads, want $((2 * COUNT))"
echo "r 0 0x20 4" > "$DEV/mmio"	# one more event, then the recorder may stop
sleep 2
kill $T
wait $T
kill "$m_PID"
wait "$m_PID"
wp=$(( $(grep -c "WATCHPOINT bar0+0x40" "$TMP/t.log") - before ))
w0=$(grep -c "MMIO_WRITE bar0+0x80 4 " "$TMP/t.log")
w1=$(grep -c "MMIO_WRITE bar0+0x88 4 " "$TMP/t.log")
echo "driver reads $reads; recorded: watchpoint hits $wp, writes $w0 + $w1; recorder $(tail -n 1 "$TMP/t.log"); model $(tail -n 1 "$TMP/m.log")"
[ "$w0" = "$COUNT" ] && [ "$w1" = "$COUNT" ] || fail "writes recorded: $w0 and $w1, want $COUNT each"
[ "$wp" = "$reads" ] || fail "$wp watchpoint events for $reads reads of the watched register: $((reads - wp)) vanished"
tail -n 1 "$TMP/t.log" | grep -q "^lost 0$" || fail "the lossless recorder lost records"
ok "$reads simultaneous watchpoint hits from two CPUs, each recorded once"
