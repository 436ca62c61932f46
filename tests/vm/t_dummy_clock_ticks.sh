# The walkthrough's workload: 100 ticks of the counter device give a
# counter of 100 and 10 interrupts received by the driver.
. tests/vm/lib.sh

"$TOP/build/examples/dummy_clock/device" --ready-file "$TMP/clock.ready" >"$TMP/clock.log" 2>&1 &
PIDS="$PIDS $!"
wait_until 20 test -s "$TMP/clock.ready" || fail "device model did not start: $(cat "$TMP/clock.log")"
insmod "$KM/dummy_clock/dummy_clock.ko" || fail "cannot load dummy_clock.ko"
DEV=/sys/bus/pci/devices/$(cat "$TMP/clock.ready")
wait_until 20 test -e "$DEV/driver" || fail "dummy_clock did not bind"
[ "$(basename "$(readlink "$DEV/driver")")" = dummy_clock ] || fail "wrong driver bound"

echo 100 > "$DEV/tick" || fail "tick failed"
# writes are posted: the model catches up shortly after
wait_until 20 sh -c "[ \"\$(cat $DEV/counter)\" = 100 ]" || fail "counter is $(cat "$DEV/counter"), want 100"
wait_until 20 sh -c "[ \"\$(cat $DEV/irq_count)\" = 10 ]" || fail "irq_count is $(cat "$DEV/irq_count"), want 10"
ok "counter $(cat "$DEV/counter"), interrupts $(cat "$DEV/irq_count")"
# and not more than that, after a moment
sleep 1
[ "$(cat "$DEV/irq_count")" = 10 ] || fail "irq_count grew to $(cat "$DEV/irq_count")"
[ "$(grep -c 'write bar0+0x0 = 0x1' "$TMP/clock.log")" = 100 ] || fail "device model did not see 100 control writes"
rmmod dummy_clock || fail "rmmod dummy_clock"
ok "100 ticks"
