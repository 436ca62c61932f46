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
grep -q "^lost 0$" "$TMP/rec.log" || fail "records lost: $(tail -n 1 "$TMP/rec.log")"
awk -v D="$KEY" -v START=0 -f tests/vm/seqcheck.awk "$TMP/rec.log" || fail "sequence numbers"
grep -q SHORT "$TMP/rec.log" && fail "a transfer's record is too short: $(grep -m 1 SHORT "$TMP/rec.log")"
grep "^EVENT $KEY .* DMA_" "$TMP/rec.log" | sed "s/^EVENT $KEY //" >"$TMP/dma"
[ -s "$TMP/dma" ] || fail "no DMA events: $(tail -n 5 "$TMP/rec.log")"

# the rings: coherent, all unmapped, their changes seen both ways
nc=$(grep -c "^#[0-9]* DMA_MAP .* flags 0x20 " "$TMP/dma")
nu=$(grep -c "^#[0-9]* DMA_UNMAP .* flags 0x20 " "$TMP/dma")
[ "$nc" -ge 2 ] && [ "$nc" = "$nu" ] || fail "coherent mappings: $nc made, $nu ended"
nr=$(grep -c "^#[0-9]* DMA_READ .* flags 0x120 " "$TMP/dma")
nw=$(grep -c "^#[0-9]* DMA_WRITE .* flags 0x120 " "$TMP/dma")
[ "$nr" -ge 3 ] || fail "descriptors the driver wrote: $nr changes seen, want 3 or more"
[ "$nw" -ge 1 ] || fail "the device's descriptor write-back: no change seen"
ok "descriptor rings: $nc coherent mappings made and ended; changes seen: $nr by the driver, $nw by the device"

# streaming mappings: each ended once, at its address and size, named
awk '
$2 == "DMA_MAP" && $7 == "0x0" { if ($3 in live) { print "mapped twice: " $0; bad = 1 } live[$3] = $5; n++ }
$2 == "DMA_UNMAP" && $7 == "0x0" {
	if (!($3 in live)) { print "unmapped, not mapped: " $0; bad = 1 }
	else if (live[$3] != $5) { print "unmapped with another size: " $0; bad = 1 }
	delete live[$3]
}
($2 == "DMA_MAP" || $2 == "DMA_UNMAP") && $9 == "0x0" { print "no call site: " $0; bad = 1 }
END { for (a in live) { print "never unmapped: " a; bad = 1 } if (!n) { print "no streaming mapping"; bad = 1 } exit bad }
' "$TMP/dma" >"$TMP/check" || fail "streaming mappings: $(head -n 5 "$TMP/check")"
ok "$(grep -c "^#[0-9]* DMA_MAP .* flags 0x0 " "$TMP/dma") streaming mappings, each ended once, with call sites"

# the datagrams: 3 x 100 copies of the pattern, each seen once
n=$(grep -a -o PCIEMDMA "$TMP/dma.bin" | wc -l)
[ "$n" = 300 ] || fail "the datagrams' pattern appears $n times in the DMA data, want 300"
grep -q "^#[0-9]* DMA_READ .* flags 0x100 " "$TMP/dma" || fail "no streaming data read by the device"
ok "the three datagrams' bytes are in the trace once each ($n copies of the pattern)"

# ---- the same through pciem-record
"$BIN/pciem-record" -v --bdf "$BDF" -o "$TMP/rec.zst" 2>"$TMP/prec.err" &
PREC=$!
PIDS="$PIDS $PREC"
wait_until 20 grep -q subscribed "$TMP/prec.err" || fail "pciem-record did not start: $(cat "$TMP/prec.err")"
workload RECORDED
kill -INT "$PREC"
wait "$PREC" || fail "pciem-record: status $?: $(cat "$TMP/prec.err")"
"$BIN/ptfcat" --dma-data "$TMP/rec.bin" "$TMP/rec.zst" >"$TMP/file" || fail "ptfcat: $(tail -n 3 "$TMP/file")"
grep -q "bytes MISSING" "$TMP/file" && fail "an event's bytes are missing: $(grep -m 1 MISSING "$TMP/file")"
n=$(grep -a -o RECORDED "$TMP/rec.bin" | wc -l)
[ "$n" = 300 ] || fail "the recorded datagrams' pattern appears $n times in the file's DMA data, want 300"
maps=$(grep -c "^EVENT $KEY .* DMA_MAP " "$TMP/file")
unmaps=$(grep -c "^EVENT $KEY .* DMA_UNMAP " "$TMP/file")
[ "$maps" -gt 2 ] && [ "$maps" = "$unmaps" ] || fail "the file: $maps mappings made, $unmaps ended"
"$BIN/pciem-trace" verify "$TMP/rec.zst" >"$TMP/verify" 2>&1 || fail "pciem-trace verify: $(cat "$TMP/verify")"
"$BIN/pciem-trace" dma "$TMP/rec.zst" >"$TMP/maps" 2>&1 || fail "pciem-trace dma: $(cat "$TMP/maps")"
"$BIN/pciem-trace" info "$TMP/rec.zst" >"$TMP/info" 2>&1 || fail "pciem-trace info: $(cat "$TMP/info")"
ok "pciem-record --bdf: the datagrams' bytes once each ($n copies), $maps mappings made and ended; verify passes; $(ls -l "$TMP/rec.zst" | awk '{ print $5 }') bytes"
