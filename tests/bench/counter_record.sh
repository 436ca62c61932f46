# SPDX-License-Identifier: GPL-2.0
# Records 100,000 ticks of the counter device with pciem-record (lossless,
# full trap) into build/bench/counter-100k.zst, inside the VM that
# `make bench` boots; the host then measures that trace with ptf_bench.
# The workload: 100 bursts of 1000 ticks, each burst waited for by
# reading the counter until the device model has counted it.
. tests/vm/lib.sh

OUT=$TOP/build/bench/counter-100k.zst
TICKS=${PCIEM_BENCH_TICKS:-100000}
BURST=1000
mkdir -p "$TOP/build/bench"
rm -f "$OUT"
cat >"$TMP/workload.sh" <<WL
set -e
"$TOP/build/examples/dummy_clock/device" -q --ready-file "$TMP/ready" >"$TMP/model.log" 2>&1 &
model=\$!
while [ ! -s "$TMP/ready" ]; do sleep 0.1; done
dev=/sys/bus/pci/devices/\$(cat "$TMP/ready")
insmod "$KM/dummy_clock/dummy_clock.ko"
while [ ! -e "\$dev/tick" ]; do sleep 0.1; done
done_ticks=0
while [ \$done_ticks -lt $TICKS ]; do
	echo $BURST >"\$dev/tick"
	done_ticks=\$((done_ticks + $BURST))
	while [ "\$(cat "\$dev/counter")" -lt \$done_ticks ]; do sleep 0.05; done
done
rmmod dummy_clock
kill \$model
wait \$model || true
WL
start=$(date +%s.%N)
"$BIN/pciem-record" --lossless -o "$OUT" -- sh "$TMP/workload.sh" 2>"$TMP/rec.err" ||
	{ cat "$TMP/rec.err"; fail "recording failed"; }
end=$(date +%s.%N)
tail -n 2 "$TMP/rec.err"
"$BIN/pciem-trace" verify "$OUT" >/dev/null || fail "the recording does not verify"
awk -v a="$start" -v b="$end" 'BEGIN { printf "recorded %s ticks in %.1f s\n", '"$TICKS"', b - a }'
