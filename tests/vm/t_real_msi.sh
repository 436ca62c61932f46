# SPDX-License-Identifier: GPL-2.0
# MSI (not MSI-X) interrupts of a real device (issue 13): QEMU's
# nec-usb-xhci with MSI-X off and a USB keyboard on it, traced from before
# xhci_pci loads.  The driver enables MSI (recorded as config writes to
# the MSI capability), and the controller interrupts as the keyboard is
# enumerated: IRQ events with vector 0, each followed by the handler's
# read of the status register (USBSTS, 0x44: QEMU's capability registers
# take 0x40).
# vm-devices: nec-usb-xhci,msix=off usb-kbd
. tests/vm/lib.sh

X=$(lspci -D -d 1033:0194 | awk '{ print $1; exit }')
[ -n "$X" ] || fail "no nec-usb-xhci in the guest"
[ -e "/sys/bus/pci/devices/$X/driver" ] &&
	notrun "xhci_pci is built in: its probe cannot be traced from the start"
modinfo xhci_pci >/dev/null 2>&1 || notrun "no xhci_pci module in this kernel"
K=$(real_key "$X")
"$BIN/tracecat" --match "real:$X" --ready "$TMP/r.ready" >"$TMP/r.log" 2>&1 &
R=$!
PIDS="$PIDS $R"
wait_until 20 test -e "$TMP/r.ready" || { cat "$TMP/r.log"; fail "recorder did not start"; }
modprobe xhci_pci || fail "modprobe xhci_pci"
wait_until 60 sh -c 'grep -q "QEMU USB Keyboard" /sys/bus/usb/devices/*/product' ||
	fail "the USB keyboard was not enumerated"
sleep 1
kill "$R"
wait "$R" 2>/dev/null
cap=$(lspci -vv -s "$X" | sed -n 's/.*Capabilities: \[\([0-9a-f]*\)\] MSI: Enable+.*/\1/p')
[ -n "$cap" ] || fail "the driver did not enable MSI"
n=0
for o in $(grep "^EVENT $K #[0-9]* CONFIG_WRITE " "$TMP/r.log" | sed 's/.* bar0+\(0x[0-9a-f]*\) .*/\1/'); do
	[ $((o)) -ge $((0x$cap)) ] && [ $((o)) -lt $((0x$cap + 24)) ] && n=$((n + 1))
done
[ "$n" -ge 1 ] || fail "no config write to the MSI capability (at 0x$cap) recorded"
irqs=$(grep -c "^EVENT $K #[0-9]* IRQ bar0+0x0 0 0x0 " "$TMP/r.log")
echo "$irqs MSI interrupts, $n config writes to the MSI capability"
[ "$irqs" -ge 1 ] || { grep " IRQ " "$TMP/r.log"; fail "no MSI interrupt recorded"; }
grep "^EVENT $K #[0-9]* IRQ " "$TMP/r.log" | grep -v " IRQ bar0+0x0 0 0x0 " &&
	fail "an MSI interrupt on a vector the driver does not have"
awk -v k="$K" '$2 == k && $4 == "IRQ" { irq = 1; next }
     irq && $2 == k && $4 == "MMIO_READ" { if ($5 == "bar0+0x44") ok = 1; irq = 0 }
     END { exit !ok }' "$TMP/r.log" ||
	{ grep -A2 " IRQ " "$TMP/r.log" | head -20; fail "no interrupt is followed by the handler's read of USBSTS"; }
ok "MSI interrupts recorded where the driver's handler starts"
