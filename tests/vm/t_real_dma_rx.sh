# SPDX-License-Identifier: GPL-2.0
# vm-devices: e1000,netdev=n0
# vm-netdevs: n0
#
# A real device's received data and the driver's syncs (issue 14 §3): QEMU's
# e1000 with a user-mode network backend, whose gateway 10.0.2.2 answers
# pings.  A recorder (tracecat) traces the card from before its driver
# binds; the interface comes up and five ICMP echo requests whose payload
# is a known 56-byte pattern go out; the five replies come back into the
# card's receive buffers.  The e1000 driver copies small frames out of
# its streaming receive buffers after dma_sync_single_for_cpu (copybreak),
# so the trace must hold:
#  - DMA_SYNC events for the CPU (flags 0) from the driver's call site;
#  - the replies' bytes as the device's writes (DMA_WRITE, DMA_SEEN), taken
#    at those syncs (five) and again when the buffers are unmapped at ip
#    link down (five), and the requests' bytes as the device's reads
#    (DMA_READ, five): the pattern exactly 15 times;
#  - nothing lost; the kernel log clean (run.sh).
. tests/vm/lib.sh

need_bins tracecat
[ "$(cat /sys/module/pciem/parameters/real_dma)" = Y ] ||
	fail "real devices' DMA tracing is off (pciem's real_dma)"
BDF=$(lspci -D -n -d 8086:100e | awk '{ print $1; exit }')
[ -n "$BDF" ] || fail "no e1000 in the guest: $(lspci -n)"
DEV=/sys/bus/pci/devices/$BDF
KEY=$(real_key "$BDF")
[ -e "$DEV/driver" ] && { echo "$BDF" > "$DEV/driver/unbind" || fail "cannot unbind $BDF"; }

"$BIN/tracecat" --match "real:$BDF" --ring 8388608 --lossless --dma-data "$TMP/dma.bin" \
	--ready "$TMP/rec.ready" >"$TMP/rec.log" 2>&1 &
REC=$!
PIDS="$PIDS $REC"
wait_until 10 test -e "$TMP/rec.ready" || fail "recorder did not start: $(cat "$TMP/rec.log")"
e1000_bind "$BDF"
ip link set "$IF" up || fail "ip link set $IF up"
ip addr add 10.0.2.15/24 dev "$IF" || fail "ip addr add"
wait_until 20 grep -q 1 "/sys/class/net/$IF/carrier" || fail "$IF: no carrier"
# five echo requests (raw ICMP: no ping program needed), each answered
python3 - >"$TMP/ping.out" 2>&1 <<'EOF' || fail "pings: $(cat "$TMP/ping.out")"
import socket, struct, time
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.settimeout(5)
payload = b"PCIEMRX!" * 7
got = 0
for seq in range(1, 6):
    hdr = struct.pack("!BBHHH", 8, 0, 0, 0x4242, seq)
    pkt = struct.pack("!BBHHH", 8, 0, csum(hdr + payload), 0x4242, seq) + payload
    s.sendto(pkt, ("10.0.2.2", 0))
    end = time.time() + 5
    while time.time() < end:
        r = s.recv(2048)
        ihl = (r[0] & 15) * 4
        if r[ihl] == 0 and struct.unpack("!H", r[ihl + 6:ihl + 8])[0] == seq:
            got += 1
            break
print("replies", got)
assert got == 5
EOF
ip link set "$IF" down
echo "$BDF" > "$DEV/driver/unbind" || fail "cannot unbind e1000 at the end"
sleep 1
kill "$REC"
wait "$REC"

grep -q "^lost 0$" "$TMP/rec.log" || fail "records lost: $(tail -n 1 "$TMP/rec.log")"
grep "^EVENT $KEY .* DMA_" "$TMP/rec.log" | sed "s/^EVENT $KEY //" >"$TMP/dma"
syncs=$(grep -c "^#[0-9]* DMA_SYNC .* flags 0x0 " "$TMP/dma")
[ "$syncs" -ge 5 ] || fail "syncs for the CPU: $syncs, want 5 or more: $(grep -m 3 DMA_SYNC "$TMP/dma")"
grep "^#[0-9]* DMA_SYNC .* flags 0x0 " "$TMP/dma" | awk '$9 == "0x0" { bad = 1 } END { exit bad }' ||
	fail "a sync without the driver's call site: $(grep -m 1 DMA_SYNC "$TMP/dma")"
# the received bytes, at the syncs: DMA_WRITE, streaming, seen (0x100)
grep -q "^#[0-9]* DMA_WRITE .* flags 0x100 " "$TMP/dma" || fail "no received data in the trace"
# 5 requests (mapped for the device), 5 replies at the syncs, and the same
# 5 replies again when the receive buffers are unmapped at ip link down
n=$(grep -a -o 'PCIEMRX!PCIEMRX!PCIEMRX!PCIEMRX!PCIEMRX!PCIEMRX!PCIEMRX!' "$TMP/dma.bin" | wc -l)
[ "$n" = 15 ] || fail "the pattern is $n times in the DMA data, want 15: 5 requests, 5 replies at the syncs, 5 at the unmaps"
ok "e1000 receive path: $syncs syncs for the CPU, the echo replies' bytes taken there; the pattern $n times in the trace (requests, replies at the syncs and at the unmaps)"
