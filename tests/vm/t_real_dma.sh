# SPDX-License-Identifier: GPL-2.0
# vm-devices: e1000
#
# A real device's DMA traced (issue 14 §3; pciem's real_dma parameter, on
# by default): QEMU's e1000 (8086:100e, the
# in-tree e1000 driver; a module on Debian's kernels, built into the debug
# kernel) is real hardware to the guest.  A recorder (tracecat) traces it
# from before the driver binds; the interface is brought up, three UDP
# datagrams whose payload is a known pattern are sent (the NIC has no
# peer: QEMU drops them after the device read them), the interface goes
# down and the driver unbinds.  The trace must hold:
#  - the descriptor rings: coherent mappings, each unmapped at the end,
#    and their changed bytes: descriptors the driver wrote (before its
#    doorbell writes) and the device's write-back (before an interrupt or
#    a register read);
#  - every streaming mapping ended by an unmap of the same address and
#    size, each with the driver's call site;
#  - the datagrams' bytes exactly once each: the transmit buffers' data,
#    taken when they were mapped for the device;
#  - nothing lost; and the kernel log clean (run.sh).
# Then the same workload (another pattern) recorded by pciem-record --bdf:
# the file holds the datagrams' bytes once each, every mapping, and
# pciem-trace verify and dma read it.
. tests/vm/lib.sh

need_bins pciem-record ptfcat pciem-trace
# real devices' DMA is traced by default (pciem's real_dma parameter)
P=/sys/module/pciem/parameters/real_dma
[ "$(cat "$P")" = Y ] || fail "real_dma is off by default: $(cat "$P")"

BDF=$(lspci -D -n -d 8086:100e | awk '{ print $1; exit }')
[ -n "$BDF" ] || fail "no e1000 in the guest: $(lspci -n)"
DEV=/sys/bus/pci/devices/$BDF
if [ -e "$DEV/driver" ]; then
	echo "$BDF" > "$DEV/driver/unbind" || fail "cannot unbind $BDF from $(readlink "$DEV/driver")"
fi
"$BIN/tracecat" --match "real:$BDF" --ring 8388608 --lossless --dma-data "$TMP/dma.bin" \
	--ready "$TMP/rec.ready" >"$TMP/rec.log" 2>&1 &
REC=$!
PIDS="$PIDS $REC"
wait_until 10 test -e "$TMP/rec.ready" || fail "recorder did not start: $(cat "$TMP/rec.log")"
# workload PATTERN: bind, up, three datagrams of 100 x PATTERN (8 bytes),
# down, unbind
workload() {
	e1000_bind "$BDF"
	ip link set "$IF" up || fail "ip link set $IF up"
	ip addr add 10.0.2.15/24 dev "$IF" || fail "ip addr add"
	ip neigh add 10.0.2.2 lladdr 52:54:00:12:34:56 dev "$IF" || fail "ip neigh add"
	# datagrams sent before the link is up would wait in the queue
	wait_until 20 grep -q 1 "/sys/class/net/$IF/carrier" || fail "$IF: no carrier"
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3):
    s.sendto(sys.argv[1].encode() * 100, ("10.0.2.2", 9))
' "$1" || fail "cannot send the datagrams"
	sleep 1
	ip link set "$IF" down
	echo "$BDF" > "$DEV/driver/unbind" || fail "cannot unbind e1000 at the end"
	sleep 1
}
workload PCIEMDMA
kill "$REC"
wait "$REC"

KEY=$(real_key "$BDF")
real_dma_checks "$KEY" 3

# the datagrams: 3 x 100 copies of the pattern, each seen once
n=$(grep -a -o PCIEMDMA "$TMP/dma.bin" | wc -l)
[ "$n" = 300 ] || fail "the datagrams' pattern appears $n times in the DMA data, want 300"
grep -q "^#[0-9]* DMA_READ .* flags 0x100 " "$TMP/dma" || fail "no streaming data read by the device"
ok "the three datagrams' bytes are in the trace once each ($n copies of the pattern)"

# ---- the same through pciem-record
real_dma_record "$BDF" RECORDED 300
