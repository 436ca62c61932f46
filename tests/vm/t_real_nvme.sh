# SPDX-License-Identifier: GPL-2.0
# vm-devices: nvme,serial=pciem,drive=nv0
# vm-disks: nv0:64
#
# A real block device's DMA traced (issue 14 §3 and §4): QEMU's nvme
# (1b36:0010) under the in-tree nvme driver, real hardware to the guest.
# A recorder (tracecat) traces it from before the driver binds; the
# driver binds and the namespace appears, 1 MiB of a known 8-byte pattern
# is written to the disk with dd oflag=direct and read back with
# iflag=direct, then the driver unbinds.  The trace must hold:
#  - the queues: coherent mappings, each ended at unbind, with the
#    commands the driver wrote and the completions the device wrote seen
#    as changes;
#  - every streaming mapping ended once, at its address and size, with the
#    driver's call site;
#  - the pattern exactly twice per copy on the disk: the written 1 MiB
#    taken when the driver mapped it for the device, the read 1 MiB when
#    it unmapped it for the CPU;
#  - nothing lost; the kernel log clean (run.sh).
# Then the same through pciem-record --bdf with another pattern: the file
# holds the data, pciem-trace verify and dma read it.  The debug kernel
# has no NVMe driver: the test does not run there (reported NOTRUN).
. tests/vm/lib.sh

need_bins pciem-record ptfcat pciem-trace
modinfo nvme >/dev/null 2>&1 || [ -d /sys/bus/pci/drivers/nvme ] ||
	notrun "this kernel has no nvme driver"
[ "$(cat /sys/module/pciem/parameters/real_dma)" = Y ] ||
	fail "real devices' DMA tracing is off (pciem's real_dma)"

BDF=$(lspci -D -n -d 1b36:0010 | awk '{ print $1; exit }')
[ -n "$BDF" ] || fail "no nvme in the guest: $(lspci -n)"
DEV=/sys/bus/pci/devices/$BDF
KEY=$(real_key "$BDF")
if [ -e "$DEV/driver" ]; then
	echo "$BDF" > "$DEV/driver/unbind" || fail "cannot unbind $BDF from $(readlink "$DEV/driver")"
fi

# 1 MiB of PATTERN (8 bytes) in $TMP/PATTERN
pattern() {
	python3 -c 'import sys; sys.stdout.write(sys.argv[1] * (131072))' "$1" >"$TMP/$1" ||
		fail "cannot make the pattern $1"
}

# workload PATTERN: bind, write the pattern with O_DIRECT, read it back
# with O_DIRECT and compare, unbind
workload() {
	pattern "$1"
	if [ -d /sys/bus/pci/drivers/nvme ]; then
		echo "$BDF" > /sys/bus/pci/drivers/nvme/bind || fail "cannot bind nvme"
	else
		modprobe nvme || fail "cannot load nvme"
	fi
	wait_until 30 sh -c "ls $DEV/nvme/*/ 2>/dev/null | grep -q '^nvme[0-9]*n1$'" ||
		fail "no namespace: $(dmesg | grep -i nvme | tail -n 5)"
	NS=$(ls "$DEV"/nvme/*/ | grep '^nvme[0-9]*n1$' | head -n 1)
	[ -b "/dev/$NS" ] || mknod "/dev/$NS" b $(tr : ' ' <"/sys/block/$NS/dev") ||
		fail "no block device node for $NS"
	dd if="$TMP/$1" of="/dev/$NS" bs=64k oflag=direct 2>"$TMP/dd.err" ||
		fail "dd oflag=direct: $(cat "$TMP/dd.err")"
	dd if="/dev/$NS" of="$TMP/back" bs=64k count=16 iflag=direct 2>"$TMP/dd.err" ||
		fail "dd iflag=direct: $(cat "$TMP/dd.err")"
	cmp "$TMP/$1" "$TMP/back" || fail "the disk gave back other data than written"
	echo "$BDF" > "$DEV/driver/unbind" || fail "cannot unbind nvme at the end"
	sleep 1
}

"$BIN/tracecat" --match "real:$BDF" --ring 16777216 --lossless --dma-data "$TMP/dma.bin" \
	--ready "$TMP/rec.ready" >"$TMP/rec.log" 2>&1 &
REC=$!
PIDS="$PIDS $REC"
wait_until 10 test -e "$TMP/rec.ready" || fail "recorder did not start: $(cat "$TMP/rec.log")"
workload PCIEMNVM
kill "$REC"
wait "$REC"

grep -q "^lost 0$" "$TMP/rec.log" || fail "records lost: $(tail -n 1 "$TMP/rec.log")"
awk -v D="$KEY" -v START=0 -f tests/vm/seqcheck.awk "$TMP/rec.log" || fail "sequence numbers"
grep -q SHORT "$TMP/rec.log" && fail "a transfer's record is too short: $(grep -m 1 SHORT "$TMP/rec.log")"
grep "^EVENT $KEY .* DMA_" "$TMP/rec.log" | sed "s/^EVENT $KEY //" >"$TMP/dma"
[ -s "$TMP/dma" ] || fail "no DMA events: $(tail -n 5 "$TMP/rec.log")"

# the queues: coherent, all ended, changes seen both ways
nc=$(grep -c "^#[0-9]* DMA_MAP .* flags 0x20 " "$TMP/dma")
nu=$(grep -c "^#[0-9]* DMA_UNMAP .* flags 0x20 " "$TMP/dma")
[ "$nc" -ge 2 ] && [ "$nc" = "$nu" ] || fail "coherent mappings: $nc made, $nu ended"
nr=$(grep -c "^#[0-9]* DMA_READ .* flags 0x120 " "$TMP/dma")
nw=$(grep -c "^#[0-9]* DMA_WRITE .* flags 0x120 " "$TMP/dma")
[ "$nr" -ge 1 ] || fail "commands the driver wrote: no change seen"
[ "$nw" -ge 1 ] || fail "completions the device wrote: no change seen"
ok "queues: $nc coherent mappings made and ended; changes seen: $nr by the driver, $nw by the device"

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

# the data: written once (to the device), read once (from it)
n=$(grep -a -o PCIEMNVM "$TMP/dma.bin" | wc -l)
[ "$n" = 262144 ] || fail "the pattern appears $n times in the DMA data, want 262144 (2 x 131072)"
grep -q "^#[0-9]* DMA_READ .* flags 0x100 " "$TMP/dma" || fail "no streaming data read by the device"
grep -q "^#[0-9]* DMA_WRITE .* flags 0x100 " "$TMP/dma" || fail "no streaming data written by the device"
ok "the 1 MiB written and the 1 MiB read back are in the trace once each ($n copies of the pattern)"

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
[ "$n" = 262144 ] || fail "the file's DMA data holds the pattern $n times, want 262144"
"$BIN/pciem-trace" verify "$TMP/rec.zst" >"$TMP/verify" 2>&1 || fail "pciem-trace verify: $(cat "$TMP/verify")"
"$BIN/pciem-trace" dma "$TMP/rec.zst" >"$TMP/maps" 2>&1 || fail "pciem-trace dma: $(cat "$TMP/maps")"
ok "pciem-record --bdf: $n copies of the pattern in the file; verify passes; $(ls -l "$TMP/rec.zst" | awk '{ print $5 }') bytes for 2 MiB moved"
