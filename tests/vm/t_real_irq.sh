# SPDX-License-Identifier: GPL-2.0
# Interrupts of real devices (issue 13, kernel side), two devices traced
# at once through the trace channel (tracecat --match real:...):
#  - QEMU's virtio-rng-pci (MSI-X, through virtio_pci, bound at boot): the
#    probe of virtio_rng is recorded (its MSI-X vectors set up: the driver
#    is loaded, or, built in, unbound and bound again), then reads
#    of /dev/hwrng make the device interrupt on its queue's vector: IRQ
#    events numbered as the driver numbers its vectors (1 for the queue),
#    with the handler's address;
#  - QEMU's e1000 (INTx, which may be shared): probe and link up are
#    recorded, and the link interrupt is an IRQ event with vector 0 whose
#    handler is e1000's, followed by the handler's read of the interrupt
#    cause register (ICR, 0xc0).
# vm-devices: virtio-rng-pci e1000
. tests/vm/lib.sh

RNG=$(lspci -D -d 1af4:1005 | awk '{ print $1; exit }')
[ -n "$RNG" ] || RNG=$(lspci -D -d 1af4:1044 | awk '{ print $1; exit }')
E1K=$(lspci -D -d 8086:100e | awk '{ print $1; exit }')
[ -n "$RNG" ] && [ -n "$E1K" ] || fail "no virtio-rng-pci or e1000 in the guest"
rmmod virtio_rng 2>/dev/null
# built in (the debug kernel) or a module
[ -d /sys/bus/virtio/drivers/virtio_rng ] || modinfo virtio_rng >/dev/null 2>&1 ||
	notrun "no virtio_rng driver in this kernel"
[ -d /sys/bus/pci/drivers/e1000 ] || modinfo e1000 >/dev/null 2>&1 ||
	notrun "no e1000 driver in this kernel"

# rec NAME BDF: a recorder of BDF, logging to $TMP/NAME.log
rec() {
	"$BIN/tracecat" --match "real:$2" --ready "$TMP/$1.ready" \
		>"$TMP/$1.log" 2>&1 &
	PIDS="$PIDS $!"
	eval "$1_PID=$!"
	wait_until 20 test -e "$TMP/$1.ready" || { cat "$TMP/$1.log"; fail "recorder $1 did not start"; }
}

rec rng "$RNG"
rec e1k "$E1K"
RK=$(real_key "$RNG") EK=$(real_key "$E1K")

# virtio-rng: the driver's probe, then reads that the device answers
# with an interrupt on the queue
if [ -d /sys/bus/virtio/drivers/virtio_rng ]; then
	vdev=$(basename "$(ls -d /sys/bus/pci/devices/$RNG/virtio* | head -n 1)")
	echo "$vdev" > /sys/bus/virtio/drivers/virtio_rng/unbind || fail "unbind $vdev"
	echo "$vdev" > /sys/bus/virtio/drivers/virtio_rng/bind || fail "bind $vdev"
else
	modprobe virtio_rng || fail "modprobe virtio_rng"
fi
wait_until 10 sh -c 'grep -q virtio /sys/class/misc/hw_random/rng_available' ||
	fail "virtio_rng registered no rng"
name=$(tr ' ' '\n' </sys/class/misc/hw_random/rng_available | grep virtio | head -n 1)
echo "$name" > /sys/class/misc/hw_random/rng_current
dd if=/dev/hwrng of=/dev/null bs=16 count=8 2>/dev/null || fail "cannot read /dev/hwrng"

# e1000: probe and link up
[ -d /sys/bus/pci/drivers/e1000 ] || modprobe e1000 || fail "modprobe e1000"
wait_until 10 sh -c "ls /sys/bus/pci/devices/$E1K/net" || fail "e1000 made no interface"
ifc=$(ls "/sys/bus/pci/devices/$E1K/net" | head -n 1)
ip link set dev "$ifc" up || fail "ip link set $ifc up"
wait_until 10 sh -c "grep -q 1 /sys/class/net/$ifc/carrier" || fail "$ifc has no carrier"
sleep 1

kill "$rng_PID" "$e1k_PID"
wait "$rng_PID" "$e1k_PID" 2>/dev/null
ip link set dev "$ifc" down

rirq=$(grep -c "^EVENT $RK #[0-9]* IRQ " "$TMP/rng.log")
rq=$(grep -c "^EVENT $RK #[0-9]* IRQ bar0+0x0 0 0x1 " "$TMP/rng.log")
echo "virtio-rng: $rirq interrupts, $rq on vector 1"
[ "$rq" -ge 1 ] || { grep IRQ "$TMP/rng.log"; fail "virtio-rng: no interrupt on the queue's vector 1"; }
grep "^EVENT $RK #[0-9]* IRQ " "$TMP/rng.log" | grep -v " IRQ bar0+0x0 0 0x[01] " &&
	fail "virtio-rng: an interrupt on a vector it does not have"
grep -q "^EVENT $RK #[0-9]* CONFIG_WRITE " "$TMP/rng.log" ||
	fail "virtio-rng: the MSI-X set-up's config writes are not recorded"
ok "virtio-rng: MSI-X interrupts recorded with the driver's vector numbers"

eirq=$(grep -c "^EVENT $EK #[0-9]* IRQ bar0+0x0 0 0x0 " "$TMP/e1k.log")
echo "e1000: $eirq interrupts"
[ "$eirq" -ge 1 ] || { grep IRQ "$TMP/e1k.log"; fail "e1000: no interrupt recorded"; }
# the handler reads ICR right after the interrupt starts
awk -v k="$EK" '$1 == "EVENT" && $2 == k && $4 == "IRQ" { irq = 1; next }
     irq && $1 == "EVENT" && $2 == k && $4 == "MMIO_READ" { if ($5 == "bar0+0xc0") ok = 1; irq = 0 }
     END { exit !ok }' "$TMP/e1k.log" ||
	{ grep -A3 " IRQ " "$TMP/e1k.log"; fail "e1000: no interrupt is followed by the handler's read of ICR"; }
grep -q "^EVENT $RK " "$TMP/e1k.log" && fail "the e1000 recorder got virtio-rng events"
ok "e1000: INTx interrupts recorded where its handler starts"
rmmod e1000 virtio_rng 2>/dev/null
rmmod pciem || fail "pciem does not unload"
