# Interrupts: MSI delivered to the driver's handler; a masked vector is
# left pending (pending bit set) and delivered on unmask; a device with
# interrupt pin INTA and no MSI gets INTx.
. tests/vm/lib.sh

load_testdrv
start_model m --bar 0:4096 --msi 0:64:mask --irq-on-write 0:0x10
wait_bound "$DEV"
[ "$(cat "$DEV/irq_kind")" = msi ] || fail "driver did not get MSI"
echo "w 0 0x10 4 1" > "$DEV/mmio"
wait_until 10 sh -c "[ \"\$(cat $DEV/irq_count)\" = 1 ]" || fail "MSI not delivered"
wait_until 5 log_has m "irq 0 delivered" || fail "model not told delivered"

echo 0 > "$DEV/irq_enable"
lspci -vv -s "$(basename "$DEV")" | grep -q "Masking: 00000001" || fail "mask bit not set in config space"
echo "w 0 0x10 4 1" > "$DEV/mmio"
wait_until 5 log_has m "irq 0 pending" || fail "masked injection not reported pending"
sleep 0.5
[ "$(cat "$DEV/irq_count")" = 1 ] || fail "masked vector was delivered"
lspci -vv -s "$(basename "$DEV")" | grep -q "Pending: 00000001" || fail "pending bit not set"
echo 1 > "$DEV/irq_enable"
wait_until 10 sh -c "[ \"\$(cat $DEV/irq_count)\" = 2 ]" || fail "pending MSI not delivered on unmask"
lspci -vv -s "$(basename "$DEV")" | grep -q "Pending: 00000000" || fail "pending bit not cleared"
ok "MSI, masking and pending"

start_model x --bar 0:4096 --intx --irq-on-write 0:0x10
wait_bound "$DEV"
[ "$(cat "$DEV/irq_kind")" = intx ] || fail "driver did not get INTx"
for i in 1 2 3; do echo "w 0 0x10 4 1" > "$DEV/mmio"; done
wait_until 10 sh -c "[ \"\$(cat $DEV/irq_count)\" = 3 ]" || fail "INTx: irq_count $(cat "$DEV/irq_count"), want 3"
ok "INTx"
