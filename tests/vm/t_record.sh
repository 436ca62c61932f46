# SPDX-License-Identifier: GPL-2.0
# pciem-record on the counter device: the walkthrough workload of 100
# ticks (examples/dummy_clock/workload.sh) recorded as COMMAND holds the
# probe-time config accesses, exactly 100 writes of 1 to REG_CONTROL, the
# driver's reads of REG_COUNTER with the values it got (full trap), 10
# interrupts each after the 10th, 20th... write, no loss, the driver's
# name and module symbols (the writes' ip names tick_store); two
# recordings are equal.  Exit statuses: no device, existing file,
# COMMAND's status and signal passed on, COMMAND not found, no
# permission.  SIGTERM in the middle: a complete file.  kill -9 in the
# middle: a file readable up to its last frame (the kernel log is checked
# by pciem-vm).  A full disk: 74 and a readable file.
. tests/vm/lib.sh

REC=$BIN/pciem-record
CAT=$BIN/ptfcat
TRACE=$BIN/pciem-trace
need_bins pciem-record ptfcat pciem-trace

# dump NAME: $TMP/NAME.zst through libptf into $TMP/NAME.txt; must read to the end
dump() {
	"$CAT" "$TMP/$1.zst" >"$TMP/$1.txt" 2>"$TMP/$1.caterr" ||
		fail "$1.zst unreadable: $(cat "$TMP/$1.caterr")"
	grep -q "^END 0$" "$TMP/$1.txt" || fail "$1.zst: reading did not end cleanly"
}

# check_clock NAME BURSTS: the trace of BURSTS bursts of the workload
check_clock() {
	f=$TMP/$1.txt
	n=$2
	[ "$(grep -c "^DEVICE .* 1234:5678 " "$f")" = 1 ] || fail "$1: not one counter device"
	D=$(sed -n 's/^DEVICE \([0-9a-f]*\) 1234:5678 .*/\1/p' "$f")
	awk -v D="$D" -v START=0 -f tests/vm/seqcheck.awk "$f" >"$TMP/$1.seq" ||
		fail "$1: sequence numbers: $(cat "$TMP/$1.seq")"
	grep -q "lost 0 " "$TMP/$1.seq" || fail "$1: records lost: $(cat "$TMP/$1.seq")"
	grep -q "^LOST" "$f" && fail "$1: LOST records"
	# the probe: between REGISTERED and DRIVER_BOUND, the config accesses
	# of pcim_enable_device (memory space on), pci_set_master and MSI
	# enable, and the driver's first read of the counter
	reg=$(grep -m 1 "^EVENT $D .* LIFECYCLE bar[0-9]*+0x1 " "$f" | sed 's/.*#\([0-9]*\) .*/\1/')
	bound=$(grep -m 1 "^EVENT $D .* LIFECYCLE bar[0-9]*+0x4 " "$f" | sed 's/.*#\([0-9]*\) .*/\1/')
	[ -n "$reg" ] && [ -n "$bound" ] || fail "$1: no REGISTERED or DRIVER_BOUND event"
	probe=$(awk -v D="$D" -v R="$reg" -v B="$bound" '$1 == "EVENT" && $2 == D {
			s = substr($3, 2) + 0
			if (s <= R || s >= B) next
			if ($4 == "CONFIG_READ") r++
			if ($4 == "CONFIG_WRITE" && $5 == "bar0+0x4" && $7 == "0x2") mem++
			if ($4 == "CONFIG_WRITE" && $5 == "bar0+0x4" && $7 == "0x6") master++
			if ($4 == "CONFIG_WRITE" && $5 == "bar0+0x42" && $7 == "0x81") msi++
			if ($4 == "MMIO_READ" && $5 == "bar0+0x8") counter++
		} END { printf "%d %d %d %d %d", (r > 0), (mem > 0), (master > 0), (msi > 0), counter }' "$f")
	[ "$probe" = "1 1 1 1 1" ] ||
		fail "$1: probe-time accesses (config reads, memory on, bus master, MSI on, counter read): $probe"
	w=$(grep -c "^EVENT $D .* MMIO_WRITE bar0+0x0 4 0x1 " "$f")
	[ "$w" = $((n * 10)) ] || fail "$1: $w writes of 1 to REG_CONTROL, not $((n * 10))"
	named=$(grep "^EVENT $D .* MMIO_WRITE bar0+0x0 4 0x1 " "$f" | grep -c " ip tick_store+0x[0-9a-f]* \[dummy_clock\]")
	[ "$named" = "$w" ] || fail "$1: only $named of $w control writes named tick_store [dummy_clock]"
	grep -q "^DRIVER $D dummy_clock$" "$f" || fail "$1: no DRIVER record"
	grep -q "^MODULE dummy_clock " "$f" || fail "$1: no MODULE record"
	# the driver's counter reads: 0 at probe, then 10, 20, ...
	reads=$(grep "^EVENT $D .* MMIO_READ bar0+0x8 4 " "$f" | awk '{ printf "%s ", $7 }')
	want="0x0 "
	i=1
	while [ $i -le "$n" ]; do want="$want$(printf '0x%x' $((i * 10))) "; i=$((i + 1)); done
	[ "$reads" = "$want" ] || fail "$1: counter reads '$reads', want '$want'"
	# each interrupt right after the 10th, 20th, ... control write
	irqs=$(awk -v D="$D" '$1 == "EVENT" && $2 == D && $4 == "MMIO_WRITE" && $5 == "bar0+0x0" { w++ }
		$1 == "EVENT" && $2 == D && $4 == "IRQ" { printf "%d ", w }' "$f")
	want=""
	i=1
	while [ $i -le "$n" ]; do want="$want$((i * 10)) "; i=$((i + 1)); done
	[ "$irqs" = "$want" ] || fail "$1: interrupts after writes '$irqs', want '$want'"
	# the handler's status read sees the interrupt pending
	[ "$(grep -c "^EVENT $D .* MMIO_READ bar0+0x4 4 0x1 .* ip dummy_clock_irq+" "$f")" -ge "$n" ] ||
		fail "$1: the handler's REG_STATUS reads are missing"
}

# ---- the workload as COMMAND ----------------------------------------------
"$REC" -v -o "$TMP/a.zst" -- sh examples/dummy_clock/workload.sh 2>"$TMP/a.err"
rc=$?
cat "$TMP/a.err"
[ $rc = 0 ] || fail "recording the workload: status $rc"
dump a
check_clock a 10
"$CAT" --summary "$TMP/a.zst" >"$TMP/a.sum" || fail "summary"
grep -q "^complete 1 .* lost 0 devices 1 trailing 0$" "$TMP/a.sum" || fail "summary: $(cat "$TMP/a.sum")"
grep -q "a.zst: 1 device, [0-9]* events in .*, 0 lost$" "$TMP/a.err" || fail "no summary line"
"$TRACE" verify "$TMP/a.zst" || fail "pciem-trace verify"
ok "workload recorded: $(grep -c '^EVENT' "$TMP/a.txt") events, $(cat "$TMP/a.sum")"

# the same workload again, lossless and exiting with 7: status passed on,
# same trace
"$REC" --lossless -o "$TMP/b.zst" -- sh examples/dummy_clock/workload.sh 7 2>"$TMP/b.err"
rc=$?
[ $rc = 7 ] || fail "COMMAND's status 7 came back as $rc: $(cat "$TMP/b.err")"
dump b
check_clock b 10
grep -q "^HEADER trap 1 flags 0x0 tool pciem-record [0-9.]* command sh examples/dummy_clock/workload.sh$" "$TMP/a.txt" ||
	fail "header of a: $(head -n 1 "$TMP/a.txt")"
grep -q "^HEADER trap 1 flags 0x1 .* command sh examples/dummy_clock/workload.sh 7$" "$TMP/b.txt" ||
	fail "header of b (lossless): $(head -n 1 "$TMP/b.txt")"
"$CAT" --canon "$TMP/a.zst" >"$TMP/a.canon"
"$CAT" --canon "$TMP/b.zst" >"$TMP/b.canon"
# An IRQ's event is numbered before the handler runs, so the handler's
# accesses follow it: the two recordings are equal, event for event.
diff "$TMP/a.canon" "$TMP/b.canon" >"$TMP/ab.diff" || { head -n 20 "$TMP/ab.diff"; fail "two recordings differ"; }
"$TRACE" diff "$TMP/a.zst" "$TMP/b.zst" >"$TMP/ab.tdiff" || { cat "$TMP/ab.tdiff"; fail "pciem-trace diff"; }
grep -q "^traces are equal in accesses and values" "$TMP/ab.tdiff" || fail "pciem-trace diff said: $(cat "$TMP/ab.tdiff")"
ok "COMMAND's status passed on; the two recordings are equal"

# ---- exit statuses ------------------------------------------------------------
"$REC" -o "$TMP/n.zst" -- true 2>"$TMP/n.err"
rc=$?
[ $rc = 66 ] || fail "no device: status $rc, want 66"
grep -q "no matching device" "$TMP/n.err" || fail "no device: message: $(cat "$TMP/n.err")"
ok "no device: 66"

sum=$(md5sum <"$TMP/a.zst")
"$REC" -o "$TMP/a.zst" -- true 2>"$TMP/e.err"
rc=$?
[ $rc = 73 ] || fail "existing file: status $rc, want 73"
grep -q "exists; use --force" "$TMP/e.err" || fail "existing file: message: $(cat "$TMP/e.err")"
[ "$(md5sum <"$TMP/a.zst")" = "$sum" ] || fail "existing file was changed"
"$REC" --force -o "$TMP/n.zst" -- true 2>/dev/null
[ $? = 66 ] || fail "--force did not overwrite"
ok "existing file refused (73), --force overwrites"

"$REC" -o "$TMP/sig.zst" -- sh -c "build/examples/dummy_clock/device -q --ready-file $TMP/sig.ready &
	while [ ! -s $TMP/sig.ready ]; do sleep 0.1; done; kill \$!; wait; kill -KILL \$\$" 2>"$TMP/sig.err"
rc=$?
[ $rc = 137 ] || fail "COMMAND killed by SIGKILL: status $rc, want 137: $(cat "$TMP/sig.err")"
dump sig
ok "COMMAND killed by a signal: 128+9"

"$REC" -o "$TMP/nf.zst" -- /nonexistent/command 2>"$TMP/nf.err"
rc=$?
[ $rc = 127 ] || fail "COMMAND not found: status $rc, want 127"
ok "COMMAND not found: 127"

if command -v setpriv >/dev/null 2>&1; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$REC" -o /dev/null -- true 2>"$TMP/p.err"
	rc=$?
	[ $rc = 77 ] || fail "no permission: status $rc, want 77: $(cat "$TMP/p.err")"
	ok "no permission: 77"
fi

# ---- stopping in the middle ------------------------------------------------
# mid NAME SIGNAL: a background recorder of the counter device gets SIGNAL
# after 3 bursts; the workload then finishes.  Sets RC.
mid() {
	"$REC" -v --match 1234:5678 -o "$TMP/$1.zst" 2>"$TMP/$1.err" &
	R=$!
	PIDS="$PIDS $R"
	wait_until 20 grep -q subscribed "$TMP/$1.err" || fail "$1: recorder did not start"
	CLOCK_PAUSE_AFTER=3 CLOCK_PAUSE_FILE=$TMP/$1.pause sh examples/dummy_clock/workload.sh >"$TMP/$1.wl" 2>&1 &
	WL=$!
	PIDS="$PIDS $WL"
	wait_until 60 test -e "$TMP/$1.pause" || fail "$1: workload did not reach its pause"
	sleep 2.5	# a frame is completed at least once a second
	kill "-$2" "$R"
	wait "$R"
	RC=$?
	rm -f "$TMP/$1.pause"
	wait "$WL" || fail "$1: the workload failed after the recorder stopped: $(cat "$TMP/$1.wl")"
}

mid term TERM
[ "$RC" = 0 ] || fail "SIGTERM: recorder status $RC: $(cat "$TMP/term.err")"
dump term
check_clock term 3
"$CAT" --summary "$TMP/term.zst" | grep -q "^complete 1 " || fail "SIGTERM: file not complete"
ok "SIGTERM in the middle: complete file with the first 30 ticks"

mid kill KILL
[ "$RC" = 137 ] || fail "kill -9: status $RC"
dump kill
check_clock kill 3
"$CAT" --summary "$TMP/kill.zst" >"$TMP/kill.sum"
grep -q "^complete 0 " "$TMP/kill.sum" || fail "kill -9: the file claims to be complete"
ok "kill -9 in the middle: file readable up to its last frame ($(cat "$TMP/kill.sum"))"

# ---- match options on existing devices; several devices in one file ------------
# start_clock NAME: a counter device model; sets NAME_PID, NAME_ADDR
start_clock() {
	build/examples/dummy_clock/device -q --ready-file "$TMP/$1.ready" >"$TMP/$1.log" 2>&1 &
	eval "$1_PID=$!"
	PIDS="$PIDS $!"
	wait_until 20 test -s "$TMP/$1.ready" || fail "device model $1 did not start"
	eval "$1_ADDR=$(cat "$TMP/$1.ready")"
}
# bg_rec NAME ARGS...: a background recorder; sets NAME_REC
bg_rec() {
	_n=$1
	shift
	"$REC" -v --ring-size 1M -o "$TMP/$_n.zst" "$@" 2>"$TMP/$_n.err" &
	eval "${_n}_REC=$!"
	PIDS="$PIDS $!"
	wait_until 20 grep -q subscribed "$TMP/$_n.err" || fail "$_n: recorder did not start: $(cat "$TMP/$_n.err")"
}
start_clock c1
start_clock c2
bg_rec m --match 1234:5678
bg_rec bdf --bdf "$c2_ADDR"
bg_rec pid --pid "$c1_PID"
insmod "$KM/dummy_clock/dummy_clock.ko" || fail "insmod dummy_clock"
for a in "$c1_ADDR" "$c2_ADDR"; do
	wait_until 20 test -e "/sys/bus/pci/devices/$a/tick" || fail "dummy_clock not bound to $a"
	echo 10 >"/sys/bus/pci/devices/$a/tick"
	wait_until 20 grep -qx 1 "/sys/bus/pci/devices/$a/irq_count" || fail "no interrupt on $a"
done
# what the recorders learn from sysfs and procfs they must read while the
# driver is loaded: wait until they say they have
for r in "m $c1_ADDR" "m $c2_ADDR" "bdf $c2_ADDR" "pid $c1_ADDR"; do
	set -- $r
	wait_until 20 grep -q "$2: driver dummy_clock" "$TMP/$1.err" ||
		fail "$1: no driver recorded for $2: $(cat "$TMP/$1.err")"
done
rmmod dummy_clock || fail "rmmod dummy_clock"
kill "$c1_PID" "$c2_PID"
wait "$c1_PID" "$c2_PID"
for n in m bdf pid; do
	eval "r=\$${n}_REC"
	kill "$r"
	wait "$r" || fail "$n: recorder status $?: $(cat "$TMP/$n.err")"
	dump "$n"
done
d1=${c1_ADDR%%:*}
d2=${c2_ADDR%%:*}
# writes of 1 to REG_CONTROL per device
writes() { grep -c "^EVENT $2 .* MMIO_WRITE bar0+0x0 4 0x1 " "$TMP/$1.txt"; }
[ "$(grep -c '^DEVICE' "$TMP/m.txt")" = 2 ] || fail "--match: not 2 devices"
[ "$(writes m "$d1")" = 10 ] && [ "$(writes m "$d2")" = 10 ] || fail "--match: not 10 writes per device"
grep -q "^DRIVER $d1 dummy_clock$" "$TMP/m.txt" && grep -q "^DRIVER $d2 dummy_clock$" "$TMP/m.txt" ||
	fail "--match: drivers not recorded"
[ "$(grep -c '^DEVICE' "$TMP/bdf.txt")" = 1 ] && grep -q "^DEVICE $d2 " "$TMP/bdf.txt" ||
	fail "--bdf: not just $c2_ADDR"
[ "$(writes bdf "$d2")" = 10 ] || fail "--bdf: not 10 writes"
[ "$(grep -c '^DEVICE' "$TMP/pid.txt")" = 1 ] && grep -q "^DEVICE $d1 " "$TMP/pid.txt" ||
	fail "--pid: not just the device of $c1_PID"
[ "$(writes pid "$d1")" = 10 ] || fail "--pid: not 10 writes"
for n in m bdf pid; do
	head -n 2 "$TMP/$n.txt" | grep -q "^DEVICE " || fail "$n: the description is not first"
	grep -q "^MODULE dummy_clock .* syms [1-9]" "$TMP/$n.txt" || fail "$n: no module symbols"
	awk -v D="$d1" -f tests/vm/seqcheck.awk "$TMP/$n.txt" >/dev/null &&
	awk -v D="$d2" -f tests/vm/seqcheck.awk "$TMP/$n.txt" >/dev/null || fail "$n: sequence gaps"
done
ok "existing devices by --match (both in one file), --bdf and --pid"

# ---- a full disk --------------------------------------------------------------
# one page of tmpfs: a recording of the workload takes about 2.5 KiB, so
# the second or third run fills it
mkdir "$TMP/small"
mount -t tmpfs -o size=4k tmpfs "$TMP/small" || fail "mount tmpfs"
"$REC" --match 1234:5678 -o "$TMP/small/full.zst" 2>"$TMP/full.err" &
R=$!
PIDS="$PIDS $R"
i=0
while kill -0 "$R" 2>/dev/null && [ $i -lt 4 ]; do
	sh examples/dummy_clock/workload.sh >"$TMP/full.wl" 2>&1 || fail "workload with a full disk: $(cat "$TMP/full.wl")"
	i=$((i + 1))
done
wait_until 10 sh -c "! kill -0 $R" || kill "$R"
wait "$R"
rc=$?
cat "$TMP/full.err"
[ $rc = 74 ] || fail "disk full: status $rc, want 74"
grep -q "disk full" "$TMP/full.err" || fail "disk full: no clear message"
cp "$TMP/small/full.zst" "$TMP/full.zst"
umount "$TMP/small"
dump full
kept=$(grep -c '^EVENT' "$TMP/full.txt")
[ "$kept" -gt 0 ] || fail "disk full: no event kept"
ok "disk full after $i workloads: 74, the file reads ($kept events kept, $(wc -c <"$TMP/full.zst") bytes)"
