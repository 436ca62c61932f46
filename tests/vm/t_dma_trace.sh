# SPDX-License-Identifier: GPL-2.0
# DMA in the trace channel: a recorder (tracecat) subscribed before the
# device exists sees, in the one event order,
#  - each mapping the driver makes and ends (coherent and streaming, with
#    size, direction and the driver's call site) and each sync;
#  - each transfer of the device model with its bytes, in pieces of at
#    most PCIEM_TRACE_DMA_PIECE (the later ones flagged as the same
#    transfer), the bytes being the ones that moved;
#  - each refused transfer, flagged, without bytes, after the unmap that
#    made it fail;
# pciem-record, recording beside it, keeps every one of those events in its
# file with the same bytes (ptfcat, and pciem-trace dma and verify read it);
# and the model killed (-9) in the middle of traced transfers leaves the
# kernel clean (run.sh checks the log) and the recorder's ring readable.
. tests/vm/lib.sh

need_bins pciem-record ptfcat pciem-trace

"$BIN/tracecat" --match id:1234:0e01 --ring 4194304 --lossless --ready "$TMP/rec.ready" \
	>"$TMP/rec.log" 2>&1 &
REC=$!
PIDS="$PIDS $REC"
wait_until 10 test -e "$TMP/rec.ready" || fail "recorder did not start"
"$BIN/pciem-record" -v --match 1234:0e01 -o "$TMP/rec.zst" 2>"$TMP/prec.err" &
PREC=$!
PIDS="$PIDS $PREC"
wait_until 20 grep -q subscribed "$TMP/prec.err" || fail "pciem-record did not start: $(cat "$TMP/prec.err")"
load_testdrv
start_model m --bar 0:4096 --dma-on-write 0:0x4c
wait_bound "$DEV"

# the sum of the model's pattern (byte i is (i + 7) & 0xff) over bytes
# FROM to TO - 1 of a transfer
pattern_sum() {
	awk -v a="$1" -v b="$2" 'BEGIN { s = 0; for (i = a; i < b; i++) s += (i + 7) % 256; print s }'
}

C=$(drv dma_alloc 0 0 131072)
r=$(dma 1 $((C + 100)) 10000)
# (EOPNOTSUPP: a kernel without dev->dma_ops, where PCIem cannot do DMA)
[ "$r" = ok ] || fail "device write to the coherent buffer: $r"
drv dma_cset 0 0 1000 3 >/dev/null
[ "$(dma 2 "$C" 1000)" = ok ] || fail "device read of the coherent buffer"
r=$(dma 1 $((C + 131000)) 4096)
[ "$r" = "failed: Bad address" ] || fail "a write across the mapping's end: $r"
S=$(drv dma_map 0 1 8192)
drv dma_sset 0 0 8192 2 >/dev/null
drv dma_sync 0 1 8192 >/dev/null
[ "$(dma 2 "$S" 8192)" = ok ] || fail "device read of the to-device buffer"
drv dma_sync 0 0 4096 >/dev/null
drv dma_unmap 0 0 0 >/dev/null
r=$(dma 2 "$S" 16)
[ "$r" = "failed: Bad address" ] || fail "a read of an unmapped buffer: $r"
drv dma_free 0 0 0 >/dev/null
# the test driver's module: where every mapping's call site must be
set -- $(grep "^pciem_testdrv " /proc/modules)
TD_BASE=$6 TD_SIZE=$2
rmmod pciem_testdrv || fail "rmmod"
kill "$m_PID"
wait "$m_PID"
sleep 1
kill "$REC"
wait "$REC"
kill -INT "$PREC"
wait "$PREC" || fail "pciem-record: status $?: $(cat "$TMP/prec.err")"

D=$(sed -n 's/^DEVICE \([0-9a-f]*\) 1234:0e01.*/\1/p' "$TMP/rec.log" | head -n 1)
[ -n "$D" ] || fail "no DEVICE record: $(head -n 3 "$TMP/rec.log")"
grep -q "^lost 0$" "$TMP/rec.log" || fail "records lost: $(tail -n 1 "$TMP/rec.log")"
awk -v D="$D" -v START=0 -f tests/vm/seqcheck.awk "$TMP/rec.log" || fail "sequence numbers"
grep "^EVENT $D .* DMA_" "$TMP/rec.log" | sed "s/^EVENT $D //" >"$TMP/dma"
grep -q SHORT "$TMP/dma" && fail "a transfer's record is too short for its bytes: $(grep SHORT "$TMP/dma")"
# ev N FIELDS: the Nth DMA event (from 1); sets SEQ TYPE WHERE SIZE DATA FLAGS IP REST
ev() {
	_l=$(sed -n "${1}p" "$TMP/dma")
	[ -n "$_l" ] || fail "DMA event $1 missing: $(cat "$TMP/dma")"
	set -- $_l
	SEQ=${1#\#} TYPE=$2 WHERE=$3 SIZE=$4 DATA=$5 FLAGS=$7 IP=$9
	shift 9
	REST="$*"
}
# expect N TYPE WHERE DATA FLAGS [REST]: the Nth DMA event is that
expect() {
	ev "$1"
	[ "$TYPE $WHERE $DATA $FLAGS" = "$2 $3 $4 $5" ] && [ "$REST" = "${6:-}" ] ||
		fail "DMA event $1: '$(sed -n "${1}p" "$TMP/dma")', want '$2 $3 ... $4 flags $5 ... ${6:-}'"
}
c() { printf 'bar0+0x%x' $(($C + $1)); }
s() { printf 'bar%u+0x%x' "$1" $(($S + $2)); }
expect 1 DMA_MAP "$(c 0)" 0x20000 0x20
MAPIP=$IP
expect 2 DMA_WRITE "$(c 100)" 0x1000 0x0 "bytes 4096 sum $(pattern_sum 0 4096)"
expect 3 DMA_WRITE "$(c 4196)" 0x1000 0x10 "bytes 4096 sum $(pattern_sum 4096 8192)"
expect 4 DMA_WRITE "$(c 8292)" 0x710 0x10 "bytes 1808 sum $(pattern_sum 8192 10000)"
expect 5 DMA_READ "$(c 0)" 0x3e8 0x0 "bytes 1000 sum 3000"
expect 6 DMA_WRITE "$(c 131000)" 0x1000 0x80
expect 7 DMA_MAP "$(s 1 0)" 0x2000 0x0
expect 8 DMA_SYNC "$(s 1 0)" 0x2000 0x40
expect 9 DMA_READ "$(s 0 0)" 0x1000 0x0 "bytes 4096 sum 8192"
expect 10 DMA_READ "$(s 0 4096)" 0x1000 0x10 "bytes 4096 sum 8192"
expect 11 DMA_SYNC "$(s 1 0)" 0x1000 0x0
expect 12 DMA_UNMAP "$(s 1 0)" 0x2000 0x0
expect 13 DMA_READ "$(s 0 0)" 0x10 0x80
expect 14 DMA_UNMAP "$(c 0)" 0x20000 0x20
[ "$(wc -l <"$TMP/dma")" = 14 ] || fail "more DMA events than made: $(sed -n '15,$p' "$TMP/dma")"
ok "mappings, syncs, transfers with their bytes and refusals, in order: $(wc -l <"$TMP/dma") DMA events"

# every mapping, unmapping and sync names the test driver's call site (not
# the DMA API's, nor PCIem's); the model's transfers have none
# (module addresses are 0xffffffff........: above sh's signed arithmetic,
# so the low 32 bits are compared)
lo32() {
	case $1 in 0xffffffff????????) echo $((0x${1#0xffffffff})) ;; *) echo -1 ;; esac
}
for n in 1 7 8 11 12 14; do
	ev $n
	[ "$(lo32 "$IP")" -ge "$(lo32 "$TD_BASE")" ] &&
		[ $(($(lo32 "$IP") - $(lo32 "$TD_BASE"))) -lt "$TD_SIZE" ] ||
		fail "DMA event $n: call site $IP outside pciem_testdrv ($TD_BASE, $TD_SIZE bytes)"
done
for n in 2 5 6 9 13; do
	ev $n
	[ "$IP" = 0x0 ] || fail "the model's transfer (event $n) has call site $IP"
done
# the file: the same DMA events, bytes and sums included
"$BIN/ptfcat" "$TMP/rec.zst" >"$TMP/file" || fail "ptfcat: $(tail -n 3 "$TMP/file")"
grep "^EVENT $D .* DMA_" "$TMP/file" | sed "s/^EVENT $D //; s/ ip .*\( bytes [0-9]* sum [0-9]*\) t .*/\1/; s/ ip .* t [0-9]* cpu .*//" >"$TMP/file.dma"
grep "^EVENT $D .* DMA_MAP .* ip [a-z_]*+0x[0-9a-f]* \[pciem_testdrv\] " "$TMP/file" >/dev/null ||
	fail "the file does not name the driver's call site: $(grep -m 1 DMA_MAP "$TMP/file")"
sed 's/ ip [^ ]*//' "$TMP/dma" >"$TMP/chan.dma"
cmp -s "$TMP/file.dma" "$TMP/chan.dma" ||
	fail "the file's DMA events differ from the channel's: $(diff "$TMP/chan.dma" "$TMP/file.dma" | head -n 6)"
"$BIN/pciem-trace" verify "$TMP/rec.zst" >"$TMP/verify" 2>&1 || fail "pciem-trace verify: $(cat "$TMP/verify")"
"$BIN/pciem-trace" dma "$TMP/rec.zst" >"$TMP/maps" 2>&1 || fail "pciem-trace dma: $(cat "$TMP/maps")"
grep -q "$(printf '%x' $((C)))" "$TMP/maps" && grep -q "$(printf '%x' $((S)))" "$TMP/maps" ||
	fail "pciem-trace dma does not list the two mappings: $(cat "$TMP/maps")"
ok "pciem-record's file holds the same $(wc -l <"$TMP/file.dma") DMA events with the same bytes; verify passes, dma lists the mappings"

ok "map, unmap and sync events name the driver's call sites ($MAPIP for the first, in pciem_testdrv at $TD_BASE)"

# ---- the model killed (-9) during traced transfers
"$BIN/tracecat" --match id:1234:0e01 --ring 65536 --ready "$TMP/rec2.ready" >"$TMP/rec2.log" 2>&1 &
REC=$!
PIDS="$PIDS $REC"
wait_until 10 test -e "$TMP/rec2.ready" || fail "second recorder did not start"
load_testdrv
start_model m --bar 0:4096 --dma-on-write 0:0x4c --dma-repeat 100000
wait_bound "$DEV"
C=$(drv dma_alloc 0 0 1048576)
dma_start 1 "$C" 1048576
wait_until 20 sh -c "grep -c DMA_WRITE $TMP/rec2.log | grep -q '[0-9][0-9][0-9]'" ||
	fail "no traced transfers: $(tail -n 3 "$TMP/rec2.log")"
kill -9 "$m_PID"
wait "$m_PID" 2>/dev/null
gone "$DEV" || fail "the device did not go away with its killed model"
rmmod pciem_testdrv || fail "rmmod after the model's death"
kill "$REC"
wait "$REC"
grep -q SHORT "$TMP/rec2.log" && fail "a short transfer record: $(grep -m 1 SHORT "$TMP/rec2.log")"
tail -n 1 "$TMP/rec2.log" | grep -q "^lost [0-9]*$" || fail "the recorder did not end cleanly: $(tail -n 2 "$TMP/rec2.log")"
ok "the model killed (-9) in its transfers: $(grep -c DMA_WRITE "$TMP/rec2.log") traced pieces, $(tail -n 1 "$TMP/rec2.log")"
