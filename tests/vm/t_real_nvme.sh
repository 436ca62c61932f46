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

real_dma_checks "$KEY" 1

# the data: written once (to the device), read once (from it)
n=$(grep -a -o PCIEMNVM "$TMP/dma.bin" | wc -l)
[ "$n" = 262144 ] || fail "the pattern appears $n times in the DMA data, want 262144 (2 x 131072)"
grep -q "^#[0-9]* DMA_READ .* flags 0x100 " "$TMP/dma" || fail "no streaming data read by the device"
grep -q "^#[0-9]* DMA_WRITE .* flags 0x100 " "$TMP/dma" || fail "no streaming data written by the device"
ok "the 1 MiB written and the 1 MiB read back are in the trace once each ($n copies of the pattern)"

# ---- the same through pciem-record
real_dma_record "$BDF" RECORDED 262144
