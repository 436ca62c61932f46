# A watchpoint on REG_STATUS: a driver read of REG_STATUS yields a
# watchpoint event (armed when the driver maps the BAR, after REGISTER).
. tests/vm/lib.sh

"$TOP/build/examples/dummy_clock/device" --watch-status --ready-file "$TMP/clock.ready" >"$TMP/clock.log" 2>&1 &
PIDS="$PIDS $!"
wait_until 20 test -s "$TMP/clock.ready" || fail "device model did not start: $(cat "$TMP/clock.log")"
insmod "$KM/dummy_clock/dummy_clock.ko" || fail "cannot load dummy_clock.ko"
DEV=/sys/bus/pci/devices/$(cat "$TMP/clock.ready")
wait_until 20 test -e "$DEV/driver" || fail "not bound"
grep -q 'watchpoint read' "$TMP/clock.log" && fail "watchpoint event before any read"
sleep 1	# arming runs from a work item
cat "$DEV/status" || fail "status read"
wait_until 10 grep -q 'watchpoint read bar0+0x4' "$TMP/clock.log" || { cat "$TMP/clock.log"; fail "no watchpoint event for the read"; }
# a read of another register is not reported
n=$(grep -c 'watchpoint' "$TMP/clock.log")
cat "$DEV/counter" > /dev/null
sleep 1
[ "$(grep -c 'watchpoint' "$TMP/clock.log")" = "$n" ] || fail "a REG_COUNTER read produced a watchpoint event"
ok "watchpoint"
rmmod dummy_clock
