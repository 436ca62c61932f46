# SPDX-License-Identifier: GPL-2.0
# Replay against recording (issue 15 §5), inside one VM boot (run by
# `make bench`): examples/dma_copy's workload (load the driver, N times a
# coherent copy of 4 KiB and a streaming copy of 8 KiB, unload), recorded
# with its device model by pciem-record, then replayed with no model by
# pciem-replay (the kernel writes the copies' destinations and compares
# their sources).  Wall time of each whole command, each run twice in turn
# (record, replay, record, replay) and the faster of each kept; the ratio
# replay / record (goal: at most 1).  PCIEM_BENCH_REPEAT sets N (default
# 100).
. tests/vm/lib.sh

N=${PCIEM_BENCH_REPEAT:-100}
WL=examples/dma_copy/workload.sh
now() { date +%s%N; }
best() { [ "$1" -le "$2" ] && echo "$1" || echo "$2"; }

# record: ns for the recorded run of the workload
record() {
	rm -f "$TMP/c.zst"
	_t=$(now)
	COPY_REPEAT=$N "$BIN/pciem-record" -o "$TMP/c.zst" -- sh "$WL" >"$TMP/rec.log" 2>&1 ||
		fail "recording: $(tail -n 5 "$TMP/rec.log")"
	echo $(( $(now) - _t ))
}
replay() {
	_t=$(now)
	COPY_REPEAT=$N "$BIN/pciem-replay" "$TMP/c.zst" -- sh "$WL" >"$TMP/rp.log" 2>&1 ||
		fail "replaying: $(tail -n 8 "$TMP/rp.log")"
	echo $(( $(now) - _t ))
}
# each in a subshell: a failure there leaves no number
r1=$(record) && p1=$(replay) && r2=$(record) && p2=$(replay) || exit 1
r=$(best "$r1" "$r2")
p=$(best "$p1" "$p2")
echo "dma_copy, $N x (a 4 KiB coherent copy and an 8 KiB streaming copy), probe to unload:"
printf '  %-28s %10s\n' "recorded (with the model)" "$((r / 1000000)) ms"
printf '  %-28s %10s\n' "replayed (no model)" "$((p / 1000000)) ms"
printf '  %-28s %10s\n' "replay / record" "$(awk -v a="$p" -v b="$r" 'BEGIN { printf "%.2f", a / b }')"
grep "device DMA" "$TMP/rp.log" | sed 's/.*; device DMA/  device DMA/'
