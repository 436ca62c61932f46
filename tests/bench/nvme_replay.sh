# SPDX-License-Identifier: GPL-2.0
# Replay against recording for an in-tree DMA driver (issue 15 §5), inside
# one VM boot (run by `make bench`, with QEMU's NVMe controller): the
# nvme driver's examples/nvme/workload.sh (bind, PCIEM_BENCH_KIB KiB
# written with O_DIRECT 4 KiB at a time and read back, unbind; default
# 1024) recorded from the controller by pciem-record --bdf; the controller
# then removed (sysfs), and the trace replayed by pciem-replay with the
# map's DMA rules, no hardware; the controller found again (rescan).  Wall
# time of each whole command, each run twice in turn (record, replay,
# record, replay) and the faster of each kept; the ratio replay / record
# (goal: at most 1).
. tests/vm/lib.sh

KIB=${PCIEM_BENCH_KIB:-1024}
WL=examples/nvme/workload.sh
now() { date +%s%N; }
best() { [ "$1" -le "$2" ] && echo "$1" || echo "$2"; }
echo 1 >/sys/devices/virtual/workqueue/cpumask || fail "cannot pin unbound work to CPU 0"
modprobe nvme || fail "no nvme driver"

# the controller, driverless
ctrl() {
	_b=$(lspci -D -n -d 1b36:0010 | awk '{ print $1; exit }')
	[ -n "$_b" ] || fail "no NVMe controller"
	[ ! -e "/sys/bus/pci/devices/$_b/driver" ] || echo "$_b" >"/sys/bus/pci/devices/$_b/driver/unbind"
	echo "$_b"
}
record() {
	_bdf=$(ctrl) || exit 1
	rm -f "$TMP/n.zst"
	_t=$(now)
	NVME_KIB=$KIB "$BIN/pciem-record" --bdf "$_bdf" -o "$TMP/n.zst" -- sh "$WL" >"$TMP/rec.log" 2>&1 ||
		fail "recording: $(tail -n 5 "$TMP/rec.log")"
	_e=$(( $(now) - _t ))
	echo 1 >"/sys/bus/pci/devices/$_bdf/remove" || fail "cannot remove $_bdf"
	echo "$_e"
}
replay() {
	_t=$(now)
	NVME_KIB=$KIB "$BIN/pciem-replay" --regs examples/nvme/nvme.regs "$TMP/n.zst" -- sh "$WL" \
		>"$TMP/rp.log" 2>&1 || fail "replaying: $(tail -n 8 "$TMP/rp.log")"
	_e=$(( $(now) - _t ))
	echo 1 >/sys/bus/pci/rescan
	echo "$_e"
}
# each in a subshell: a failure there leaves no number
r1=$(record) && p1=$(replay) && r2=$(record) && p2=$(replay) || exit 1
r=$(best "$r1" "$r2")
p=$(best "$p1" "$p2")
echo "nvme (in-tree driver, QEMU NVMe): bind, $KIB KiB written and read back with O_DIRECT, unbind:"
printf '  %-28s %10s\n' "recorded (the controller)" "$((r / 1000000)) ms"
printf '  %-28s %10s\n' "replayed (no controller)" "$((p / 1000000)) ms"
printf '  %-28s %10s\n' "replay / record" "$(awk -v a="$p" -v b="$r" 'BEGIN { printf "%.2f", a / b }')"
grep "device DMA" "$TMP/rp.log" | sed 's/.*; device DMA/  device DMA/'
