# SPDX-License-Identifier: GPL-2.0
#
# Replay of DMA (issue 15): the copy engine (examples/dma_copy) recorded
# with its device model replays with no model.  pciem-replay matches the
# driver's DMA mappings with the recorded ones, gives them the recorded bus
# addresses (so the SRC and DST registers match), writes the recorded
# destination bytes into the driver's buffers in the kernel and compares
# the source bytes the device read.  Checked:
#  (1) the good driver: exit 0, every copy "ok" (the driver checked the
#      bytes the replay wrote), all 12288 bytes written and compared;
#  (2) a recording of the replay equals the original (pciem-trace diff);
#  (3) regress=1 (one source byte off): a dma_data divergence at the
#      device's read of the source, at byte 100, with both bytes;
#      --dma-check addresses and none let it pass (the byte is data);
#  (4) regress=2 (the streaming destination mapped 64 bytes short): a
#      mismatch at that mapping, expected and actual sizes named;
#  (6) regress=3 (a spare mapping before the streaming copy's own) with
#      --on-divergence continue: divergences at the spare's map and unmap
#      only; the copy's mappings, whose recorded addresses the spare took,
#      get others, and the SRC and DST registers still match (recorded
#      addresses translated: same mapping, same offset), the copy is ok;
#  (7) regress=4 (the streaming unmaps in the other order, not a bug): a
#      strict replay reports it, --match per-register passes, and still
#      catches regress=1;
#  (8) regress=5 (a descriptor's LEN one too many): a dma_data divergence
#      at byte 16 of the device's read of the descriptor, both bytes shown;
#  (5) kill -9 of pciem-replay between the two copies: the device goes,
#      the driver unbinds and unloads, the kernel log stays clean (run.sh;
#      KASAN on the debug kernel sees any write into freed buffers).
. tests/vm/lib.sh

need_bins pciem-record pciem-replay pciem-trace
WL=examples/dma_copy/workload.sh
RP=$BIN/pciem-replay

"$BIN/pciem-record" -o "$TMP/c.zst" -- sh "$WL" >"$TMP/rec.out" 2>&1 ||
	fail "recording the copies: $(cat "$TMP/rec.out")"
grep -q "DMA: 32800 bytes moved" "$TMP/rec.out" || fail "the recording's DMA: $(cat "$TMP/rec.out")"

# replay NAME STATUS [ENV=VALUE...] [-- pciem-replay options]: exit STATUS wanted
replay() {
	_n=$1 _want=$2
	shift 2
	_env=""
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		_env="$_env $1"
		shift
	done
	[ $# -gt 0 ] && shift
	env $_env COPY_WAIT=3 "$RP" --timeout 60 --report-json "$TMP/$_n.json" "$@" "$TMP/c.zst" \
		-- sh "$WL" >"$TMP/$_n.out" 2>&1
	_rc=$?
	[ "$_rc" = "$_want" ] || fail "replay $_n: exit $_rc, want $_want: $(cat "$TMP/$_n.out")"
}

# (1)
replay good 0
grep -q "copy of 4096 bytes: ok 4096" "$TMP/good.out" &&
	grep -q "copy_streaming of 8192 bytes: ok 8192" "$TMP/good.out" &&
	grep -q "copy_desc of 4096 bytes: ok 4096" "$TMP/good.out" ||
	fail "the copies under the replay: $(cat "$TMP/good.out")"
# written: the three destinations; compared: the three sources and the
# descriptor (32 bytes)
[ "$(js "$TMP/good.json" 'r["status"]["dma_written"], r["status"]["dma_compared"]')" = "(16384, 16416)" ] ||
	fail "DMA bytes written/compared: $(js "$TMP/good.json" 'r["status"]')"
grep -q "device DMA: 16384 bytes written to the driver's memory, 16416 bytes read and compared" \
	"$TMP/good.out" || fail "the summary: $(tail -n 2 "$TMP/good.out")"
ok "(1) replayed with no model: the three copies ok, 16384 bytes written by the kernel, 16416 compared"

# (2)
"$BIN/pciem-record" -o "$TMP/rr.zst" -- "$RP" "$TMP/c.zst" -- sh "$WL" >"$TMP/rr.out" 2>&1 ||
	fail "recording a replay: $(cat "$TMP/rr.out")"
"$BIN/pciem-trace" diff "$TMP/c.zst" "$TMP/rr.zst" >"$TMP/diff" 2>&1 ||
	fail "the recorded replay differs: $(head -n 20 "$TMP/diff")"
ok "(2) a recording of the replay equals the original: $(head -n 1 "$TMP/diff")"

# (3)
replay r1 1 DMA_COPY_PARAMS=regress=1
# one Python for the report: kind, type, offset, recorded and actual byte
set -- $(js "$TMP/r1.json" '(lambda d: " ".join(str(x) for x in (d["kind"], d["expected"]["type"], d["dma"]["offset"], d["dma"]["recorded"][:2], d["dma"]["actual"][:2])))(r["divergences"][0])')
[ "${1:-}" = dma_data ] || fail "regress=1: $(js "$TMP/r1.json" 'r["divergences"]')"
[ "${2:-}" = dma_read ] && [ "${3:-}" = 100 ] ||
	fail "regress=1: not at the source's byte 100: $(js "$TMP/r1.json" 'r["divergences"][0]')"
recb=$4
actb=$5
[ $((0x$actb)) = $((0x$recb + 1)) ] || fail "regress=1: recorded byte $recb, actual $actb"
grep -q "first difference at byte 100 of the transfer" "$TMP/r1.out" ||
	fail "regress=1: the report: $(cat "$TMP/r1.out")"
replay r1a 0 DMA_COPY_PARAMS=regress=1 -- --dma-check addresses
replay r1n 0 DMA_COPY_PARAMS=regress=1 -- --dma-check none
ok "(3) regress=1: dma_data at byte 100 of the source read (recorded $recb, actual $actb); passes with --dma-check addresses and none"

# (4)
replay r2 1 DMA_COPY_PARAMS=regress=2
[ "$(js "$TMP/r2.json" '(lambda d: (d["kind"], d["expected"]["type"], d["actual"]["type"]))(r["divergences"][0])')" = \
	"('mismatch', 'dma_map', 'dma_map')" ] ||
	fail "regress=2: $(js "$TMP/r2.json" 'r["divergences"]')"
grep -q "expected: dma_map 0x[0-9a-f]*+8256 from-device streaming" "$TMP/r2.out" &&
	grep -q "actual:   dma_map 0x[0-9a-f]*+8192 from-device streaming" "$TMP/r2.out" ||
	fail "regress=2: the report: $(cat "$TMP/r2.out")"
ok "(4) regress=2: the short mapping is the divergence (8256 recorded, 8192 made)"

# (6)
replay r3 1 DMA_COPY_PARAMS=regress=3 -- --on-divergence continue
grep -q "copy_streaming of 8192 bytes: ok 8192" "$TMP/r3.out" &&
	grep -q "copy_desc of 4096 bytes: ok 4096" "$TMP/r3.out" ||
	fail "regress=3: the copies under the replay: $(cat "$TMP/r3.out")"
[ "$(js "$TMP/r3.json" '" ".join(d["actual"]["type"] for d in r["divergences"])')" = "dma_map dma_unmap dma_map dma_unmap" ] ||
	fail "regress=3: want the spares' maps and unmaps only: $(js "$TMP/r3.json" '[(d["kind"], d["expected"] and d["expected"]["text"], d["actual"]["text"]) for d in r["divergences"]]')"
# the registers (and the descriptor: no divergence above) got other
# addresses than recorded, and matched
"$BIN/pciem-record" -o "$TMP/r3rec.zst" -- env DMA_COPY_PARAMS=regress=3 COPY_WAIT=3 \
	"$RP" --on-divergence continue "$TMP/c.zst" -- sh "$WL" >"$TMP/r3rec.out" 2>&1
"$BIN/pciem-trace" dump "$TMP/c.zst" | grep -o "mmio_write *bar0+0x0 4 0x[0-9a-f]*" | tail -n 1 >"$TMP/src.rec"
"$BIN/pciem-trace" dump "$TMP/r3rec.zst" | grep -o "mmio_write *bar0+0x0 4 0x[0-9a-f]*" | tail -n 1 >"$TMP/src.now"
[ -s "$TMP/src.rec" ] && [ -s "$TMP/src.now" ] && ! cmp -s "$TMP/src.rec" "$TMP/src.now" ||
	fail "regress=3: SRC_LO of the streaming copy was not moved: $(cat "$TMP/src.rec") / $(cat "$TMP/src.now")"
ok "(6) regress=3, continue: only the spare mapping diverges; SRC_LO $(awk '{ print $NF }' "$TMP/src.now") matched the recorded $(awk '{ print $NF }' "$TMP/src.rec") (translated)"

# (7)
replay r4 1 DMA_COPY_PARAMS=regress=4
[ "$(js "$TMP/r4.json" 'r["divergences"][0]["expected"]["type"] + " " + r["divergences"][0]["actual"]["type"]')" = "dma_unmap dma_unmap" ] ||
	fail "regress=4, strict: $(js "$TMP/r4.json" '[(d["kind"], d["expected"] and d["expected"]["text"], d["actual"]["text"]) for d in r["divergences"]]')"
replay r4p 0 DMA_COPY_PARAMS=regress=4 -- --match per-register
replay r1p 1 DMA_COPY_PARAMS=regress=1 -- --match per-register
[ "$(js "$TMP/r1p.json" 'r["divergences"][0]["kind"]')" = dma_data ] ||
	fail "regress=1, per-register: $(js "$TMP/r1p.json" 'r["divergences"][0]["kind"]')"
ok "(7) regress=4 (unmaps in the other order): strict reports the unmap, per-register passes; regress=1 still caught per-register"

# (8)
replay r5 1 DMA_COPY_PARAMS=regress=5
set -- $(js "$TMP/r5.json" '(lambda d: " ".join(str(x) for x in (d["kind"], d.get("dma") and d["dma"]["offset"], d.get("dma") and d["dma"]["recorded"][:8], d.get("dma") and d["dma"]["actual"][:8])))(r["divergences"][0])')
[ "${1:-}" = dma_data ] && [ "${2:-}" = 16 ] ||
	fail "regress=5: want dma_data at byte 16 of the descriptor: $(js "$TMP/r5.json" '[(d["kind"], d["expected"] and d["expected"]["text"], d.get("dma")) for d in r["divergences"]]')"
[ "${3:-}" = 00100000 ] && [ "${4:-}" = 01100000 ] ||
	fail "regress=5: the descriptor's LEN bytes: $(js "$TMP/r5.json" 'r["divergences"][0]["dma"]')"
grep -q "+0x0010 recorded: 00 10 00 00" "$TMP/r5.out" ||
	fail "regress=5: the report: $(cat "$TMP/r5.out")"
ok "(8) regress=5: the descriptor's LEN caught at byte 16 of the device's read (recorded 00100000, actual 01100000)"

# (5)
COPY_PAUSE_FILE=$TOP/build/dma_replay.pause
rm -f "$COPY_PAUSE_FILE"
COPY_PAUSE_FILE=$COPY_PAUSE_FILE COPY_WAIT=3 "$RP" "$TMP/c.zst" -- sh "$WL" >"$TMP/k.out" 2>&1 &
K=$!
PIDS="$PIDS $K"
wait_until 30 test -e "$COPY_PAUSE_FILE" || fail "the workload did not pause: $(cat "$TMP/k.out")"
kill -9 "$K"
wait "$K"
rm -f "$COPY_PAUSE_FILE"
wait_until 20 sh -c '! ls /sys/bus/pci/devices | grep -q "^1[0-9a-f]\{4\}:"' ||
	fail "the replayed device is still there: $(ls /sys/bus/pci/devices)"
# the workload, if it lives on, unloads the driver; else it is done here
wait_until 10 sh -c '! lsmod | grep -q "^dma_copy "' || rmmod dma_copy ||
	fail "dma_copy cannot be unloaded after the kill"
ok "(5) kill -9 of pciem-replay mid-workload: device removed, dma_copy unloaded"
