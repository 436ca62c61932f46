# SPDX-License-Identifier: GPL-2.0
# MSI-X for PCIem devices (PCIEM_CAP_MSIX): a device with 4 vectors, its
# table at BAR0+0x800 and its pending bits at BAR0+0xc00, in the same page
# as the register the model injects on (write trap: the model's default).
#  - the driver (pciem_testdrv, asking for up to 32 vectors of any kind)
#    gets MSI-X with 4 vectors; lspci shows the capability as built;
#  - each vector fires separately, on its own handler, and the recorded
#    IRQ events name it;
#  - the PCI core's writes of the table (a vector's unmask) and the
#    driver's reads of it are recorded, although the BAR is write-trapped;
#    a read elsewhere in that page is not;
#  - a masked vector (the driver writes its mask bit) is left pending: the
#    PBA shows it, and it fires once unmasked; the function mask (config
#    space) does the same for any vector; the PBA ignores writes;
#  - unloading the driver frees the vectors, with a clean kernel log;
#  - with a 64-entry table the driver gets the 32 vectors it asks for.
. tests/vm/lib.sh

# a recorder of the device, for its IRQ events (the model gets none)
"$BIN/tracecat" --match id:1234:0e01 --ready "$TMP/rec.ready" >"$TMP/rec.log" 2>&1 &
PIDS="$PIDS $!"
wait_until 20 test -e "$TMP/rec.ready" || fail "recorder did not start: $(cat "$TMP/rec.log")"
load_testdrv
start_model m --bar 0:4096 --msix 4:0:0x800:0:0xc00 --irq-on-write 0:0x10:vec
wait_bound "$DEV"
BDF=$(basename "$DEV")
[ "$(cat "$DEV/irq_kind")" = msix ] || fail "the driver got $(cat "$DEV/irq_kind"), not MSI-X"
[ "$(cat "$DEV/nvec")" = 4 ] || fail "the driver got $(cat "$DEV/nvec") vectors, want 4"
lspci -vv -s "$BDF" >"$TMP/lspci"
grep -q "MSI-X: Enable+ Count=4 Masked-" "$TMP/lspci" || fail "lspci: $(cat "$TMP/lspci")"
grep -q "Vector table: BAR=0 offset=00000800" "$TMP/lspci" || fail "lspci: table: $(cat "$TMP/lspci")"
grep -q "PBA: BAR=0 offset=00000c00" "$TMP/lspci" || fail "lspci: PBA: $(cat "$TMP/lspci")"
ok "MSI-X with 4 vectors: $(grep "MSI-X:" "$TMP/lspci" | sed 's/^[[:space:]]*//')"

# counts_are "A B C D": the handlers' counts become that
counts_are() {
	wait_until 10 sh -c "[ \"\$(cat $DEV/irq_counts)\" = '$1' ]"
}
# rd OFF WIDTH: the driver's read of BAR0 at OFF
rd() {
	echo "r 0 $1 $2" > "$DEV/mmio" || fail "read of $1"
	cat "$DEV/mmio"
}

want="0 0 0 0"
for v in 0 1 2 3; do
	echo "w 0 0x10 4 $v" > "$DEV/mmio"
	want=$(echo "$want" | awk -v v="$v" '{ $(v + 1)++; print }')
	counts_are "$want" || fail "vector $v: counts $(cat "$DEV/irq_counts"), want $want"
	wait_until 5 log_has m "^irq $v delivered" || fail "vector $v: the model was not told delivered"
	wait_until 5 grep -q " IRQ bar0+0x0 0 0x$v flags 0x0" "$TMP/rec.log" ||
		fail "vector $v: no IRQ event naming it: $(grep IRQ "$TMP/rec.log")"
done
ok "each vector fires on its own: $(cat "$DEV/irq_counts")"

# the PCI core unmasked each vector in the table (vector control, +12)
for v in 0 1 2 3; do
	off=$(printf '0x%x' $((0x800 + 16 * v + 12)))
	log_has m " MMIO_WRITE bar0+$off 4 bytes 0x0\$" || fail "no recorded unmask of vector $v ($off)"
done
data=$(rd 0x818 4)
wait_until 5 grep -q " MMIO_READ bar0+0x818 4 $data " "$TMP/rec.log" ||
	fail "the driver's table read is not recorded: $(grep MMIO_READ "$TMP/rec.log")"
rd 0x20 4 >/dev/null
sleep 0.3
grep -q "MMIO_READ bar0+0x20 " "$TMP/rec.log" && fail "a read outside the MSI-X ranges was recorded in write trap"
ok "table writes and reads recorded (vector 1's data $data); other reads in the page are not"

# vector 2 masked in the table: pending, then delivered on unmask
echo "w 0 0x82c 4 1" > "$DEV/mmio"
echo "w 0 0x10 4 2" > "$DEV/mmio"
wait_until 5 log_has m "^irq 2 pending" || fail "masked vector 2 not reported pending"
sleep 0.5
[ "$(cat "$DEV/irq_counts")" = "$want" ] || fail "masked vector 2 fired: $(cat "$DEV/irq_counts")"
[ "$(rd 0xc00 8)" = 0x4 ] || fail "PBA: $(rd 0xc00 8), want 0x4 (vector 2 pending)"
echo "w 0 0xc00 8 0xff" > "$DEV/mmio"
[ "$(rd 0xc00 8)" = 0x4 ] || fail "the PBA took a write: $(rd 0xc00 8)"
echo "w 0 0x82c 4 0" > "$DEV/mmio"
want=$(echo "$want" | awk '{ $3++; print }')
counts_are "$want" || fail "vector 2 not delivered on unmask: $(cat "$DEV/irq_counts"), want $want"
[ "$(rd 0xc00 8)" = 0x0 ] || fail "PBA after delivery: $(rd 0xc00 8)"
ok "a masked vector waits in the PBA and fires on unmask; the PBA ignores writes"

# the function mask holds every vector
setpci -s "$BDF" CAP_MSIX+2.w=4000:4000 || fail "setpci"
lspci -vv -s "$BDF" | grep -q "MSI-X: Enable+ Count=4 Masked+" || fail "function mask not shown"
echo "w 0 0x10 4 1" > "$DEV/mmio"
wait_until 5 log_has m "^irq 1 pending" || fail "vector 1 under the function mask not pending"
sleep 0.5
[ "$(cat "$DEV/irq_counts")" = "$want" ] || fail "vector 1 fired under the function mask"
setpci -s "$BDF" CAP_MSIX+2.w=0:4000 || fail "setpci"
want=$(echo "$want" | awk '{ $2++; print }')
counts_are "$want" || fail "vector 1 not delivered when the function was unmasked: $(cat "$DEV/irq_counts")"
ok "the function mask holds vectors pending until cleared"

rmmod pciem_testdrv || fail "rmmod"
ok "driver unloaded: $want"
kill "$m_PID"
wait "$m_PID"

# a table of 64 vectors: the driver gets the 32 it asks for (x86 limits
# multi-MSI without interrupt remapping, not MSI-X), the last one fires
load_testdrv
start_model m --bar 0:8192 --msix 64:0:0x1000:0:0x1800 --irq-on-write 0:0x10:vec
wait_bound "$DEV"
[ "$(cat "$DEV/irq_kind") $(cat "$DEV/nvec")" = "msix 32" ] ||
	fail "64-entry table: the driver got $(cat "$DEV/irq_kind") $(cat "$DEV/nvec")"
lspci -vv -s "$(basename "$DEV")" | grep -q "MSI-X: Enable+ Count=64 " || fail "lspci: count 64 not shown"
echo "w 0 0x10 4 31" > "$DEV/mmio"
wait_until 10 sh -c "cat $DEV/irq_counts | awk '{ exit !(\$32 == 1) }'" ||
	fail "vector 31 did not fire: $(cat "$DEV/irq_counts")"
ok "a 64-entry table: 32 vectors granted, vector 31 fires"
