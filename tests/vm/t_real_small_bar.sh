# SPDX-License-Identifier: GPL-2.0
# A real device's BAR smaller than a page (issue 13): QEMU's pvpanic-pci has
# a 16-byte BAR 0, so the trapped page also holds addresses outside it.
# The test driver (bound to it in place of pvpanic-pci) reads inside the
# BAR and, through the same mapping, past its end in the same page: the
# reads inside are recorded with their values, the one outside is
# performed and not recorded (nor is an instruction PCIem cannot emulate
# there), and the description keeps the real size.
# A second recorder of the same device is refused (EBUSY).
# vm-devices: pvpanic-pci
. tests/vm/lib.sh

PV=$(lspci -D -d 1b36:0011 | awk '{ print $1; exit }')
[ -n "$PV" ] || fail "no pvpanic-pci in the guest"
PDEV=/sys/bus/pci/devices/$PV
load_testdrv
[ -e "$PDEV/driver" ] && { echo "$PV" > "$PDEV/driver/unbind" || fail "unbind $PV"; }
echo pciem_testdrv > "$PDEV/driver_override"
echo "$PV" > /sys/bus/pci/drivers_probe
wait_bound "$PDEV"
KEY=$(real_key "$PV")
"$BIN/tracecat" --match "real:$PV" --ready "$TMP/r.ready" >"$TMP/r.log" 2>&1 &
R=$!
PIDS="$PIDS $R"
wait_until 20 test -e "$TMP/r.ready" || { cat "$TMP/r.log"; fail "recorder did not start"; }
# one recorder per real device
"$BIN/tracecat" --match "real:$PV" >"$TMP/r2.log" 2>&1 &&
	fail "a second recorder of the same device was accepted"
grep -q "TRACE_SUBSCRIBE: Device or resource busy" "$TMP/r2.log" ||
	fail "a second recorder: $(cat "$TMP/r2.log"), want EBUSY"
echo "r 0 0x0 1" > "$PDEV/mmio" || fail "read inside the BAR"
in0=$(cat "$PDEV/mmio")
echo "peek 0 0x100 4" > "$PDEV/mmio" || fail "read past the BAR"
echo "peek 0 0xc 4" > "$PDEV/mmio" || fail "read at the BAR's end"
inc=$(cat "$PDEV/mmio")
# an instruction PCIem cannot emulate, in the page but outside the BAR: the
# page is untrapped as for any device, and no UNSUPPORTED event is recorded
echo "untrap_peek 0 0x100 0" > "$PDEV/mmio" || fail "sgdt past the BAR"
dmesg | grep -q "pciem: cannot emulate the access at .*pciem_testdrv" || fail "sgdt: no kernel log line"
sleep 0.3
kill "$R"
wait "$R" 2>/dev/null
cat "$TMP/r.log"
grep -q "^DEVICE $KEY 1b36:0011 bars 16,0,0,0,0,0 " "$TMP/r.log" ||
	fail "the description does not keep the 16-byte BAR"
grep -q " MMIO_READ bar0+0x0 1 $in0 " "$TMP/r.log" || fail "the read inside the BAR is not recorded"
grep -q " MMIO_READ bar0+0xc 4 $inc " "$TMP/r.log" || fail "the read of the BAR's last 4 bytes is not recorded"
[ "$(grep -c " MMIO_\| UNSUPPORTED" "$TMP/r.log")" = 2 ] || fail "an access outside the BAR was recorded"
ok "a 16-byte BAR: accesses inside recorded, the rest of its page not (an unsupported instruction neither)"
echo "$PV" > "$PDEV/driver/unbind"
echo > "$PDEV/driver_override"
