# SPDX-License-Identifier: GPL-2.0
# The DMA copy example (examples/dma_copy): its device model and dma_copy.ko.
#  - the driver binds and gets its two MSI-X vectors; lspci shows the
#    capability as the model built it (table and pending bits in BAR0);
#  - copies between coherent buffers of 1, 4096, 100000 bytes, 1 MiB + 1
#    and 2 MiB (the last two above PCIEM_DMA_MAX_LEN: the model moves them
#    in pieces) come out right, with nothing written past their end; the
#    device's COUNT and the completion vector's interrupts grow by one
#    each, the error vector's not at all;
#  - the same between streaming mappings (dma_map_single);
#  - a copy from a source the driver has unmapped: the model's DMA gets
#    EFAULT, the device reports ERROR 2 on the error vector, the
#    destination keeps its canary, COUNT does not move; the next copy works;
#  - a copy while the model is stopped times out, the next one is refused
#    as busy until the late completion comes, then copies work again;
#  - lengths out of range are refused; a recording of a copy, dumped with
#    dma_copy.regs, names the registers;
#  - the driver unloads with no DMA mapping left (loaded again, its
#    buffers get the same bus addresses), the model exits with 0.
. tests/vm/lib.sh

REGS=examples/dma_copy/dma_copy.regs
"$TOP/build/examples/dma_copy/device" --ready-file "$TMP/m.ready" >"$TMP/m.log" 2>&1 &
M_PID=$!
PIDS="$PIDS $M_PID"
wait_until 20 test -s "$TMP/m.ready" || fail "device model did not start: $(cat "$TMP/m.log")"
BDF=$(cat "$TMP/m.ready")
DEV=/sys/bus/pci/devices/$BDF
insmod "$KM/dma_copy/dma_copy.ko" || fail "cannot load dma_copy.ko"
wait_until 20 test -e "$DEV/copy" || fail "dma_copy did not bind: $(dmesg | tail -n 5)"
# buffers: the bus addresses of the buffers, as the driver's probe said
buffers() {
	dmesg | sed -n 's/.*copy engine, .* buffers at \(.* and [^,]*\),.*/\1/p' | tail -n 1
}
B1=$(buffers)
[ -n "$B1" ] || fail "no probe message: $(dmesg | grep dma_copy)"
lspci -vv -s "$BDF" >"$TMP/lspci"
grep -q "MSI-X: Enable+ Count=2 Masked-" "$TMP/lspci" || fail "lspci: $(cat "$TMP/lspci")"
grep -q "Vector table: BAR=0 offset=00001000" "$TMP/lspci" || fail "lspci: table: $(cat "$TMP/lspci")"
grep -q "PBA: BAR=0 offset=00001800" "$TMP/lspci" || fail "lspci: PBA: $(cat "$TMP/lspci")"
grep -q "Capabilities: \[40\] MSI-X" "$TMP/lspci" || fail "lspci: MSI-X is not at 0x40 as dma_copy.regs says"
ok "bound with MSI-X: $(grep "MSI-X:" "$TMP/lspci" | sed 's/^[[:space:]]*//')"

# copy ATTR N: write N to the attribute (with coreutils echo, whose error
# message names the errno: the shell's says "I/O error" for all); R is the
# driver's result line, E the errno's message (empty on success); the
# write's status
copy() {
	/bin/echo "$2" 2>"$TMP/err" >"$DEV/$1"
	_rc=$?
	E=$(sed 's/.*: //' "$TMP/err")
	R=$(cat "$DEV/result")
	return $_rc
}
# state: the device's COUNT and the interrupts of each vector
state() {
	echo "copies $(cat "$DEV/copies") done $(cat "$DEV/irqs_done") error $(cat "$DEV/irqs_error")"
}
# expect COPIES DONE ERROR: state is that
expect() {
	[ "$(state)" = "copies $1 done $2 error $3" ] ||
		fail "after '$R': $(state), want copies $1 done $2 error $3"
}

expect 0 0 0
# (the model says "Operation not supported" on a kernel without
# dev->dma_ops, where PCIem cannot do DMA)
copy copy 1 || fail "the first copy: '$R' ($E); the model: $(tail -n 3 "$TMP/m.log")"
[ "$R" = "ok 1" ] || fail "the first copy succeeded with result '$R'"
expect 1 1 0
n=1
for len in 4096 100000 1048577 2097152; do
	copy copy $len || fail "copy of $len bytes: '$R' ($E)"
	[ "$R" = "ok $len" ] || fail "copy of $len bytes: result '$R'"
	n=$((n + 1))
	expect $n $n 0
	log_has m "^copy $len bytes .*: done (copy $n)\$" || fail "the model did not log copy $n: $(tail -n 3 "$TMP/m.log")"
done
ok "coherent copies of 1 to 2097152 bytes: $(state)"

for len in 1 4096 100000 1048577 2097088; do
	copy copy_streaming $len || fail "streaming copy of $len bytes: '$R' ($E)"
	[ "$R" = "ok $len" ] || fail "streaming copy of $len bytes: result '$R'"
	n=$((n + 1))
	expect $n $n 0
done
ok "streaming copies of 1 to 2097088 bytes: $(state)"

dmesg -c >/dev/null
copy copy_stale 4096 && fail "a copy from an unmapped source succeeded: '$R'"
[ "$E" = "Input/output error" ] || fail "a copy from an unmapped source failed with '$E', want EIO"
[ "$R" = "error 2, destination untouched" ] || fail "a copy from an unmapped source: result '$R'"
expect $n $n 1
log_has m "^copy 4096 bytes .*: error 2, source read refused: Bad address\$" ||
	fail "the model did not log the refused read: $(tail -n 3 "$TMP/m.log")"
dmesg | grep -q "model DMA from .* refused" || fail "no kernel message for the refused DMA: $(dmesg | tail -n 3)"
stale=$R
copy copy 4096 || fail "a copy after the error: '$R' ($E)"
n=$((n + 1))
expect $n $n 1
ok "a copy from an unmapped source: '$stale', EFAULT in the model, nothing copied; the next copy works"

kill -STOP "$M_PID"
copy copy 4096 && fail "a copy with the model stopped succeeded: '$R'"
[ "$E" = "Connection timed out" ] && [ "$R" = timeout ] || fail "a copy with the model stopped: '$R' ($E)"
copy copy 4096 && fail "a copy while the timed-out one is owed succeeded: '$R'"
[ "$E" = "Device or resource busy" ] && [ "$R" = busy ] || fail "a copy while the timed-out one is owed: '$R' ($E)"
kill -CONT "$M_PID"
n=$((n + 1))
wait_until 20 sh -c "[ \$(cat $DEV/irqs_done) = $n ]" || fail "no late completion: $(state)"
expect $n $n 1
copy copy 100000 || fail "a copy after the late completion: '$R' ($E)"
n=$((n + 1))
expect $n $n 1
ok "a copy with the model stopped: timeout, then busy until the late completion; then copies work"

copy copy 0 && fail "a copy of 0 bytes was accepted"
[ "$E" = "Invalid argument" ] || fail "a copy of 0 bytes: $E"
copy copy 2097153 && fail "a copy above the buffers' size was accepted"
[ "$E" = "Invalid argument" ] || fail "a copy above the buffers' size: $E"
copy copy_streaming 2097089 && fail "a streaming copy into the guard bytes was accepted"
expect $n $n 1
ok "lengths out of range refused"

"$BIN/pciem-record" --match 1234:dc01 -o "$TMP/c.zst" -- \
	sh -c "echo 4096 > $DEV/copy && echo 8192 > $DEV/copy_streaming && cat $DEV/copies" >"$TMP/rec.log" 2>&1 ||
	fail "pciem-record of a copy: $(cat "$TMP/rec.log")"
n=$((n + 2))
"$BIN/pciem-trace" dump --regs "$REGS" "$TMP/c.zst" >"$TMP/dump" 2>&1 || fail "pciem-trace dump --regs: $(cat "$TMP/dump")"
for r in "SRC_LO 4" "DST_HI 4" "LEN 4 0x00001000" "CTRL 4 0x00000001 {START}" "STATUS 4 0x00000001 {DONE}" \
	"COUNT 4 $(printf 0x%08x $n)"; do
	grep -q "bar0+0x[0-9a-f]* $r" "$TMP/dump" || fail "the recorded copy has no '$r': $(grep bar0 "$TMP/dump" | head -n 20)"
done
# the copy's data: the model read the 4096 source bytes and wrote them to
# the destination, both in the file with their bytes
"$BIN/ptfcat" "$TMP/c.zst" >"$TMP/cat" || fail "ptfcat: $(tail -n 3 "$TMP/cat")"
rd=$(grep " DMA_READ .* bytes 4096 sum " "$TMP/cat" | sed 's/.* sum \([0-9]*\).*/\1/')
wr=$(grep " DMA_WRITE .* bytes 4096 sum " "$TMP/cat" | sed 's/.* sum \([0-9]*\).*/\1/')
[ -n "$rd" ] && [ "$rd" = "$wr" ] ||
	fail "the recorded copy's DMA: read sum '$rd', write sum '$wr': $(grep DMA_ "$TMP/cat")"
"$BIN/pciem-trace" dump --type dma --payload "$TMP/c.zst" >"$TMP/dmadump" 2>&1 ||
	fail "pciem-trace dump --type dma --payload: $(cat "$TMP/dmadump")"
grep -q "4032 more bytes" "$TMP/dmadump" || fail "dump --payload: $(head -n 12 "$TMP/dmadump")"
# the streaming copy's two mappings (the destination with guard bytes),
# made and ended inside the recording,
# each with the bytes that went through it
"$BIN/pciem-trace" dma "$TMP/c.zst" >"$TMP/maps" 2>&1 || fail "pciem-trace dma: $(cat "$TMP/maps")"
grep -A4 "^  mapping [0-9]*: 0x[0-9a-f]*+[0-9]* to-device streaming" "$TMP/maps" |
	grep -q "device  *read 8192 bytes in 1 transfer, wrote 0 bytes" &&
	grep -A4 "^  mapping [0-9]*: 0x[0-9a-f]*+[0-9]* from-device streaming" "$TMP/maps" |
	grep -q "device  *read 0 bytes in 0 transfers, wrote 8192 bytes in 1 transfer$" ||
	fail "pciem-trace dma: the streaming copy's mappings: $(cat "$TMP/maps")"
[ "$(grep -c "unmapped   seq" "$TMP/maps")" -ge 2 ] || fail "pciem-trace dma: mappings not ended: $(cat "$TMP/maps")"
ok "a recorded copy, dumped with dma_copy.regs, names the registers; its 4096 bytes read and written are in the file (sum $rd)"

rmmod dma_copy || fail "rmmod dma_copy"
dmesg | grep -q "removed after $n completions and 1 errors" || fail "no removal message: $(dmesg | tail -n 3)"
# PCIem hands out bus addresses first fit: a driver that freed all its
# mappings gets the same addresses when it maps the same again
insmod "$KM/dma_copy/dma_copy.ko" || fail "cannot load dma_copy.ko again"
wait_until 20 test -e "$DEV/copy" || fail "dma_copy did not bind again: $(dmesg | tail -n 5)"
[ "$(buffers)" = "$B1" ] || fail "buffers at $(buffers) after a reload, $B1 before: the driver left mappings"
copy copy 4096 || fail "a copy after a reload: '$R' ($E)"
n=$((n + 1))
expect $n 1 0
rmmod dma_copy || fail "rmmod dma_copy"
kill "$M_PID"
wait "$M_PID"
rc=$?
[ $rc = 0 ] || fail "the device model exited with $rc: $(tail -n 3 "$TMP/m.log")"
wait_until 20 sh -c "! test -e $DEV" || fail "the device did not go away"
ok "driver unloaded with no mapping left (buffers at $B1 again after a reload), model exited with 0 after $n copies"
