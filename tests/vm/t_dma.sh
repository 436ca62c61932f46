# SPDX-License-Identifier: GPL-2.0
# DMA for device models (PCIEM_IOCTL_DMA): PCIem is the device's DMA layer
# and IOMMU.  The test driver maps buffers with the DMA API (a coherent
# one, streaming ones in each direction); the device model moves data by
# PCIEM_IOCTL_DMA at the bus addresses the driver programs (devmodel
# --dma-on-write).
#  - bus addresses come from PCIem's window (2 GiB up);
#  - the device's writes land where they should and its reads see what the
#    driver wrote; the bytes around stay untouched (canaries);
#  - a transfer outside any mapping, across a mapping's end, against a
#    streaming mapping's direction, or to an unmapped buffer gets EFAULT
#    and changes nothing;
#  - the driver unloads with its mappings gone, the kernel log clean;
#  - the driver frees and reallocates its buffer while the model writes
#    it (3000 transfers of 1 MiB), and the model is killed (-9) in the
#    middle of its transfers: the kernel log stays clean, the device goes.
. tests/vm/lib.sh

load_testdrv
start_model m --bar 0:4096 --dma-on-write 0:0x4c
wait_bound "$DEV"

# the sum of the model's pattern (byte i is (i + 7) & 0xff) over N bytes
pattern_sum() {
	awk -v n="$1" 'BEGIN { s = 0; for (i = 0; i < n; i++) s += (i + 7) % 256; print s }'
}

C=$(drv dma_alloc 0 0 131072)
r=$(dma 1 $((C + 100)) 4096)
# (EOPNOTSUPP: a kernel without dev->dma_ops, where PCIem cannot do DMA)
[ "$r" = ok ] || fail "device write to the coherent buffer: $r"
[ $((C)) -ge $((0x80000000)) ] && [ $((C)) -lt $((0xc0000000)) ] ||
	fail "coherent buffer at $C, outside PCIem's window"
[ "$(drv dma_csum 0 100 4096)" = "0x$(printf %x "$(pattern_sum 4096)")" ] ||
	fail "coherent buffer after the device's write: sum $(drv dma_csum 0 100 4096)"
[ "$(drv dma_csum 0 0 100)" = 0x0 ] && [ "$(drv dma_csum 0 4196 126876)" = 0x0 ] ||
	fail "the device's write went outside its range"
drv dma_cset 0 0 1000 3 >/dev/null
[ "$(dma 2 "$C" 1000)" = ok ] && log_has m "^dma read sum 3000$" ||
	fail "device read of the coherent buffer: $(tail -3 "$TMP/m.log")"
ok "coherent buffer at $C: the device's write and read are right, the canaries intact"

r=$(dma 1 $((C + 131072 + 4096)) 16)
[ "$r" = "failed: Bad address" ] || fail "a write outside every mapping: $r"
r=$(dma 1 $((C + 131000)) 4096)
[ "$r" = "failed: Bad address" ] || fail "a write across the mapping's end: $r"
# longer than what PCIem copies at once (64 KiB): refused before any of it
r=$(dma 1 $((C + 65536)) 131072)
[ "$r" = "failed: Bad address" ] || fail "a 128 KiB write across the mapping's end: $r"
[ "$(drv dma_csum 0 4196 126876)" = 0x0 ] || fail "a refused write changed the buffer"
r=$(dma 1 $((0x80000000 - 4096)) 16)
[ "$r" = "failed: Bad address" ] || fail "a write below the window: $r"
ok "writes outside a mapping or across its end: EFAULT, nothing written"

S=$(drv dma_map 0 1 4096)
r=$(dma 1 "$S" 4096)
[ "$r" = "failed: Bad address" ] || fail "a device write to a DMA_TO_DEVICE buffer: $r"
[ "$(drv dma_ssum 0 0 4096)" = 0x0 ] || fail "a refused write changed the to-device buffer"
drv dma_sset 0 0 4096 1 >/dev/null
[ "$(dma 2 "$S" 4096)" = ok ] && log_has m "^dma read sum 4096$" ||
	fail "device read of the to-device buffer: $(tail -3 "$TMP/m.log")"
drv dma_unmap 0 0 0 >/dev/null
S2=$(drv dma_map 0 2 4096)
[ "$(dma 1 "$S2" 4096)" = ok ] || fail "device write to a DMA_FROM_DEVICE buffer"
[ "$(drv dma_ssum 0 0 4096)" = "0x$(printf %x "$(pattern_sum 4096)")" ] ||
	fail "from-device buffer after the device's write: $(drv dma_ssum 0 0 4096)"
r=$(dma 2 "$S2" 16)
[ "$r" = "failed: Bad address" ] || fail "a device read of a DMA_FROM_DEVICE buffer: $r"
drv dma_unmap 0 0 0 >/dev/null
r=$(dma 1 "$S2" 16)
[ "$r" = "failed: Bad address" ] || fail "a device write to an unmapped buffer: $r"
ok "streaming buffers ($S, $S2): each direction allowed one way only; unmapped: EFAULT"

drv dma_free 0 0 0 >/dev/null
r=$(dma 2 "$C" 16)
[ "$r" = "failed: Bad address" ] || fail "a device read of a freed coherent buffer: $r"
rmmod pciem_testdrv || fail "rmmod"
dmesg | grep -q "left .* DMA mappings" && fail "the driver's mappings were not all gone: $(dmesg | grep 'DMA mappings')"
ok "freed buffers refuse DMA; the driver unloads with no mapping left"
kill "$m_PID"
wait "$m_PID"

# ---- the driver frees its buffer while the model writes it, then the model
# is killed mid-transfer: the kernel log stays clean (run.sh checks it)
load_testdrv
start_model m --bar 0:4096 --dma-on-write 0:0x4c --dma-repeat 3000
wait_bound "$DEV"
C=$(drv dma_alloc 0 0 1048576)
dma_start 1 "$C" 1048576
sleep 0.2
log_has m "^dma 1 " && fail "the model's 3000 transfers ended before the driver freed the buffer"
i=0
while [ $i -lt 20 ]; do
	drv dma_free 0 0 0 >/dev/null
	C2=$(drv dma_alloc 0 0 1048576)
	[ "$C2" = "$C" ] || fail "the buffer came back at $C2, not $C (first fit)"
	i=$((i + 1))
done
wait_until 120 log_has m "^dma 1 " || fail "the model's 3000 transfers did not end"
[ "$(dma 1 "$C" 4096)" = ok ] || fail "DMA after the frees: $(tail -2 "$TMP/m.log")"
[ "$(drv dma_csum 0 0 4096)" = "0x$(printf %x "$(pattern_sum 4096)")" ] ||
	fail "the buffer after the frees: sum $(drv dma_csum 0 0 4096)"
ok "20 frees and allocations of the buffer, the first during the model's 3000 transfers into it"
echo "w 0 0x4c 4 1" > "$DEV/mmio"
sleep 0.5
kill -9 "$m_PID"
wait "$m_PID" 2>/dev/null
gone "$DEV" || fail "the device did not go away with its killed model"
dmesg | grep -q "left .* DMA mappings" && fail "mappings left: $(dmesg | grep 'DMA mappings')"
ok "the model killed (-9) during its transfers: device gone, no mapping left"

