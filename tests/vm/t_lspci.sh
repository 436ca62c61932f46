# lspci shows the counter device's identity, BAR0 of 4K and its MSI
# capability (1 vector, 64-bit), enabled once the driver is bound.
. tests/vm/lib.sh

"$TOP/build/examples/dummy_clock/device" -q --ready-file "$TMP/clock.ready" >"$TMP/clock.log" 2>&1 &
PIDS="$PIDS $!"
wait_until 20 test -s "$TMP/clock.ready" || fail "device model did not start"
ADDR=$(cat "$TMP/clock.ready")

lspci -vvv -nn -D -s "$ADDR" > "$TMP/before.txt" || fail "lspci failed"
cat "$TMP/before.txt"
grep -q "^$ADDR .*\[1234:5678\] (rev 01)" "$TMP/before.txt" || fail "IDs/revision not shown"
grep -q "Unassigned class \[ff00\]" "$TMP/before.txt" || fail "class ff00 not shown"
grep -q "Region 0: Memory at [0-9a-f]* (32-bit, non-prefetchable) \[disabled\] \[size=4K\]" "$TMP/before.txt" || fail "BAR0 4K not shown"
grep -q "Subsystem: .*\[1234:5678\]" "$TMP/before.txt" || fail "subsystem not shown"
grep -q "MSI: Enable- Count=1/1 Maskable- 64bit+" "$TMP/before.txt" || fail "MSI capability (disabled) not shown"

insmod "$KM/dummy_clock/dummy_clock.ko" || fail "cannot load dummy_clock.ko"
wait_until 20 test -e "/sys/bus/pci/devices/$ADDR/driver" || fail "driver did not bind"
lspci -vvv -d 1234:5678 > "$TMP/after.txt" || fail "lspci -d failed"
cat "$TMP/after.txt"
grep -q "MSI: Enable+ Count=1/1 Maskable- 64bit+" "$TMP/after.txt" || fail "MSI not enabled after bind"
grep -q "Kernel driver in use: dummy_clock" "$TMP/after.txt" || fail "driver not shown"
grep -q "Region 0: Memory at [0-9a-f]* (32-bit, non-prefetchable) \[size=4K\]" "$TMP/after.txt" || fail "BAR0 not enabled"
grep -q "Control: .*Mem+ BusMaster+" "$TMP/after.txt" || fail "memory decoding / bus mastering not enabled"
rmmod dummy_clock
ok "lspci"
