# SPDX-License-Identifier: GPL-2.0
# Records 100,000 ticks of the counter device with pciem-record (lossless,
# full trap) into build/bench/counter-100k.zst, inside the VM that
# `make bench` boots; the host then measures that trace with ptf_bench.
# The workload: 100 bursts of 1000 ticks, each burst waited for by
# reading the counter until the device model has counted it.
# Then, in the same boot, pciem-replay replays the recording against the
# same driver with no device model (the workload skips the model when
# pciem-replay gives it $PCIEM_REPLAY_DEVICE), and the two wall times are
# compared: the goal is a replay no slower than the recording.
. tests/vm/lib.sh

OUT=$TOP/build/bench/counter-100k.zst
TICKS=${PCIEM_BENCH_TICKS:-100000}
BURST=1000
mkdir -p "$TOP/build/bench"
rm -f "$OUT"
cat >"$TMP/workload.sh" <<WL
set -e
model=
if [ -n "\${PCIEM_REPLAY_DEVICE:-}" ]; then
	dev=/sys/bus/pci/devices/\$PCIEM_REPLAY_DEVICE
else
	"$TOP/build/examples/dummy_clock/device" -q --ready-file "$TMP/ready" >"$TMP/model.log" 2>&1 &
	model=\$!
	while [ ! -s "$TMP/ready" ]; do sleep 0.1; done
	dev=/sys/bus/pci/devices/\$(cat "$TMP/ready")
fi
insmod "$KM/dummy_clock/dummy_clock.ko"
while [ ! -e "\$dev/tick" ]; do sleep 0.1; done
done_ticks=0
while [ \$done_ticks -lt $TICKS ]; do
	echo $BURST >"\$dev/tick"
	done_ticks=\$((done_ticks + $BURST))
	while [ "\$(cat "\$dev/counter")" -lt \$done_ticks ]; do sleep 0.05; done
done
rmmod dummy_clock
[ -z "\$model" ] || { kill \$model; wait \$model || true; }
WL
start=$(date +%s.%N)
"$BIN/pciem-record" --lossless -o "$OUT" -- sh "$TMP/workload.sh" 2>"$TMP/rec.err" ||
	{ cat "$TMP/rec.err"; fail "recording failed"; }
end=$(date +%s.%N)
tail -n 2 "$TMP/rec.err"
"$BIN/pciem-trace" verify "$OUT" >/dev/null || fail "the recording does not verify"
awk -v a="$start" -v b="$end" 'BEGIN { printf "recorded %s ticks in %.1f s\n", '"$TICKS"', b - a }'

# The interrupt handler runs concurrently with the tick loop (the workload
# does not wait for each interrupt), so its STATUS accesses interleave
# with the CONTROL writes differently from run to run: per-register
# matching, with the widest look-ahead.
"$BIN/pciem-replay" --match per-register --window 4096 --report-json "$TMP/replay.json" \
	"$OUT" -- sh "$TMP/workload.sh" \
	2>"$TMP/replay.err" || { tail -n 30 "$TMP/replay.err"; fail "the replay failed"; }
rend=$(date +%s.%N)
tail -n 1 "$TMP/replay.err"
awk -v a="$start" -v b="$end" -v c="$rend" 'BEGIN {
	printf "replayed %s ticks in %.1f s (no device model): %.2f of the recording time\n",
		'"$TICKS"', c - b, (c - b) / (b - a) }'
