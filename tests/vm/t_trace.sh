# The trace channel: a recorder subscribed before the device exists gets
# its description first, then every event in sequence order (probe-time
# config accesses, life cycle, the 100 control writes, the 10 interrupts)
# with nothing lost; a tiny ring that nobody reads loses records, and the
# LOST records account for them exactly; a lossless recorder loses none.
. tests/vm/lib.sh

"$BIN/tracecat" --match id:1234:5678 --ring 1048576 --ready "$TMP/rec.ready" >"$TMP/rec.log" 2>&1 &
REC=$!
PIDS="$PIDS $REC"
wait_until 10 test -e "$TMP/rec.ready" || fail "recorder did not start"
"$TOP/build/examples/dummy_clock/device" -q --ready-file "$TMP/clock.ready" >"$TMP/clock.log" 2>&1 &
CLOCK=$!
PIDS="$PIDS $CLOCK"
wait_until 20 test -s "$TMP/clock.ready" || fail "device model did not start"
insmod "$KM/dummy_clock/dummy_clock.ko" || fail "insmod dummy_clock"
DEV=/sys/bus/pci/devices/$(cat "$TMP/clock.ready")
wait_until 20 test -e "$DEV/driver" || fail "not bound"
echo 100 > "$DEV/tick"
wait_until 20 sh -c "[ \"\$(cat $DEV/irq_count)\" = 10 ]" || fail "irq_count $(cat "$DEV/irq_count")"
rmmod dummy_clock
kill "$CLOCK"; wait "$CLOCK"
sleep 1
kill "$REC"; wait "$REC"
D=$(sed -n 's/^DEVICE \([0-9a-f]*\) 1234:5678.*/\1/p' "$TMP/rec.log")
[ -n "$D" ] || { head "$TMP/rec.log"; fail "no DEVICE record"; }
head -n 1 "$TMP/rec.log" | grep -q "^DEVICE $D 1234:5678 bars 4096,0,0,0,0,0 cfg0 56781234" || fail "first record is not the description"
awk -v D="$D" -v START=0 -f tests/vm/seqcheck.awk "$TMP/rec.log" || fail "sequence numbers"
lc() { grep "^EVENT $D .* LIFECYCLE bar[0-9]+0x$1 " "$TMP/rec.log" | head -n 1 | sed 's/.*#\([0-9]*\).*/\1/'; }
reg=$(lc 1); mapped=$(lc 2); bound=$(lc 4); unbound=$(lc 5); unmapped=$(lc 3); removed=$(lc 6)
echo "life cycle: registered $reg mapped $mapped bound $bound unbound $unbound unmapped $unmapped removed $removed"
[ -n "$reg" ] && [ -n "$removed" ] && [ "$reg" -lt "$mapped" ] && [ "$mapped" -lt "$bound" ] &&
	[ "$bound" -lt "$unbound" ] && [ "$unbound" -lt "$unmapped" ] && [ "$unmapped" -lt "$removed" ] ||
	fail "life cycle events missing or out of order"
first_read=$(grep -m 1 "^EVENT $D .* CONFIG_READ " "$TMP/rec.log" | sed 's/.*#\([0-9]*\).*/\1/')
[ -n "$first_read" ] && [ "$first_read" -lt "$bound" ] || fail "no config reads before the driver bound"
[ "$(grep -c "^EVENT $D .* MMIO_WRITE bar0+0x0 4 0x1 " "$TMP/rec.log")" = 100 ] || fail "not 100 control writes"
[ "$(grep -c "^EVENT $D .* IRQ bar0+0x0 0 0x0 flags 0x0$" "$TMP/rec.log")" = 10 ] || fail "not 10 interrupts"
grep -q "^lost 0$" "$TMP/rec.log" || fail "records lost"
ok "counter workload recorded: $(grep -c "^EVENT $D" "$TMP/rec.log") events"

# drop and count: a 64 KiB ring nobody reads
"$BIN/tracecat" --match all --ring 65536 --stall --ready "$TMP/r2.ready" >"$TMP/r2.log" 2>&1 &
R2=$!
PIDS="$PIDS $R2"
wait_until 10 test -e "$TMP/r2.ready" || fail "second recorder did not start"
load_testdrv
start_model m --bar 0:4096
wait_bound "$DEV"
i=0
while [ $i -lt 2000 ]; do echo "w 0 0 4 $i" > "$DEV/mmio"; i=$((i + 1)); done
kill -USR1 $R2
sleep 1
echo "w 0 4 4 7" > "$DEV/mmio"	# room again: the LOST record goes first
sleep 1
kill $R2; wait $R2
D2=$(sed -n 's/^DEVICE \([0-9a-f]*\) 1234:0e01.*/\1/p' "$TMP/r2.log")
[ -n "$D2" ] || fail "no description in the small ring"
out=$(awk -v D="$D2" -v START=0 -f tests/vm/seqcheck.awk "$TMP/r2.log") || { echo "$out"; fail "drop-and-count does not add up"; }
echo "$out"
lost=$(echo "$out" | sed 's/.* lost \([0-9]*\) .*/\1/')
[ "$lost" -gt 0 ] || fail "the small ring lost nothing: the test proves nothing"
grep -q "^lost $lost$" "$TMP/r2.log" || fail "header lost count is not $lost"
grep -q "MMIO_WRITE bar0+0x4 4 0x7 " "$TMP/r2.log" || fail "the write after the loss is missing"
ok "drop and count: $out"
kill "$m_PID"; wait "$m_PID"

# lossless: the same ring, read while the driver writes
"$BIN/tracecat" --match all --ring 65536 --lossless --wait-us 100000 --ready "$TMP/r3.ready" >"$TMP/r3.log" 2>&1 &
R3=$!
PIDS="$PIDS $R3"
wait_until 10 test -e "$TMP/r3.ready" || fail "third recorder did not start"
start_model n --bar 0:4096
wait_bound "$DEV"
i=0
while [ $i -lt 2000 ]; do echo "w 0 0 4 $i" > "$DEV/mmio"; i=$((i + 1)); done
sleep 1
kill $R3; wait $R3
D3=$(sed -n 's/^DEVICE \([0-9a-f]*\) 1234:0e01.*/\1/p' "$TMP/r3.log")
awk -v D="$D3" -v START=0 -f tests/vm/seqcheck.awk "$TMP/r3.log" || fail "lossless sequence"
grep -q "^lost 0$" "$TMP/r3.log" || fail "lossless recorder lost records"
[ "$(grep -c "^EVENT $D3 .* MMIO_WRITE bar0+0x0 4 " "$TMP/r3.log")" = 2000 ] || fail "not 2000 writes"
ok "lossless: 2000 writes, nothing lost"
