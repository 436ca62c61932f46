# SPDX-License-Identifier: GPL-2.0
# Helpers for the VM test scripts (sourced; POSIX sh).  The scripts run
# inside tools/pciem-vm, as root, in the project directory, with pciem.ko
# loaded.
set -u

TOP=$(pwd)
KVER=$(uname -r)
BIN=$TOP/build/bin
KM=$TOP/build/$KVER
TMP=$(mktemp -d /tmp/pciem-test.XXXXXX)
PIDS=""

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

ok() {
	echo "ok: $*"
}

# notrun REASON: this kernel lacks what the test needs; tests/vm/run.sh
# reports it as not run (status 77), never as passed.
notrun() {
	echo "NOTRUN: $*"
	exit 77
}

cleanup() {
	rc=$?
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $PIDS; do
		wait "$p" 2>/dev/null
	done
	exit $rc
}
trap cleanup EXIT INT TERM

# wait_until SECONDS COMMAND...: poll until COMMAND succeeds.
wait_until() {
	_wu_limit=$(( $1 * 10 ))
	shift
	_wu_n=0
	while ! "$@" >/dev/null 2>&1; do
		_wu_n=$((_wu_n + 1))
		[ $_wu_n -lt $_wu_limit ] || return 1
		sleep 0.1
	done
	return 0
}

# start_model NAME ARGS...: run the test device model in the background;
# sets DEV to its sysfs directory once registered and bound.
start_model() {
	_sm_name=$1
	shift
	"$BIN/devmodel" --ready-file "$TMP/$_sm_name.ready" "$@" >"$TMP/$_sm_name.log" 2>&1 &
	PIDS="$PIDS $!"
	eval "${_sm_name}_PID=$!"
	wait_until 20 test -s "$TMP/$_sm_name.ready" ||
		fail "device model $_sm_name did not start: $(cat "$TMP/$_sm_name.log")"
	DEV=/sys/bus/pci/devices/$(cat "$TMP/$_sm_name.ready")
	eval "${_sm_name}_DEV=$DEV"
}

# wait_bound DEVDIR: until a driver is bound to the device.
wait_bound() {
	wait_until 20 test -e "$1/driver" || fail "no driver bound to $1"
}

# log_has NAME PATTERN: the device model's log has a line matching PATTERN.
log_has() {
	grep -q -- "$2" "$TMP/$1.log"
}

load_testdrv() {
	insmod "$KM/testdrv/pciem_testdrv.ko" || fail "cannot load pciem_testdrv"
}

# need_bins NAME...: the project's programs NAME (in build/bin) are built.
need_bins() {
	for _nb in "$@"; do
		[ -x "$BIN/$_nb" ] || fail "build/bin/$_nb missing: run make"
	done
}

# e1000_bind BDF: the in-tree e1000 driver bound to QEMU's e1000 at BDF
# (a module on Debian's kernels, built into the debug kernel), if it is
# not bound yet; sets IF to its network interface.
e1000_bind() {
	if [ ! -e "/sys/bus/pci/devices/$1/driver" ]; then
		if [ -d /sys/bus/pci/drivers/e1000 ]; then
			echo "$1" > /sys/bus/pci/drivers/e1000/bind || fail "cannot bind e1000"
		else
			modprobe e1000 || fail "cannot load e1000"
		fi
	fi
	wait_until 20 test -d "/sys/bus/pci/devices/$1/net" || fail "e1000 did not bind: $(dmesg | tail -n 5)"
	IF=$(ls "/sys/bus/pci/devices/$1/net")
}

# For the DMA tests: the test driver on a model started as "m" with
# --dma-on-write 0:0x4c.
# drv CMD...: a test-driver command; its result (mmio) on stdout
drv() {
	echo "$*" > "$DEV/mmio" || fail "driver command '$*' refused"
	cat "$DEV/mmio"
}
# dma_start CMD BUS LEN: the driver programs the model's DMA engine (bus
# address, length) and writes command CMD (1: the device writes host
# memory, 2: it reads)
dma_start() {
	echo "w 0 0x40 4 $(($2 & 0xffffffff))" > "$DEV/mmio"
	echo "w 0 0x44 4 $(($2 >> 32))" > "$DEV/mmio"
	echo "w 0 0x48 4 $3" > "$DEV/mmio"
	echo "w 0 0x4c 4 $1" > "$DEV/mmio"
}
# dma CMD BUS LEN: dma_start, then the model's outcome line ("ok" or the
# error) once it has carried the command out
dma() {
	_n=$(grep -c "^dma [12] " "$TMP/m.log")
	dma_start "$@"
	wait_until 10 sh -c "[ \$(grep -c '^dma [12] ' $TMP/m.log) -gt $_n ]" ||
		fail "the model did not run DMA command $1: $(tail -5 "$TMP/m.log")"
	grep "^dma [12] " "$TMP/m.log" | tail -n 1 | cut -d' ' -f3-
}

# heavy N: the size of a test's load (accesses of a loop, say): N, and a
# fifth of it on the debug kernel, where each access costs KASAN and
# lockdep checks: the same paths, at a fraction of the time.
heavy() {
	case $KVER in
	*-pciem-debug) echo $(( $1 / 5 )) ;;
	*) echo "$1" ;;
	esac
}

# rounds N: the rounds a stress test runs: $STRESS_ROUNDS if set; else N
# scaled by $STRESS_PCT percent (default 100; make test uses less, make
# stress more), and a quarter of that on a debug (KASAN, lockdep) kernel,
# which is slower; at least 5.
rounds() {
	if [ -n "${STRESS_ROUNDS:-}" ]; then
		echo "$STRESS_ROUNDS"
		return
	fi
	_r=$(( $1 * ${STRESS_PCT:-100} / 100 ))
	case $KVER in *-pciem-debug) _r=$(( _r / 4 )) ;; esac
	[ $_r -ge 5 ] || _r=5
	echo $_r
}

# cfg_reader_start: a background loop reading the config space (through
# sysfs) of every PCIem device there is, over and over, until the test ends.
# The shell's read (a byte at a time, up to a newline or the end) forks
# nothing, so the loop spends its time in config reads.
cfg_reader_start() {
	(
		while :; do
			for _c in /sys/bus/pci/devices/1[0-9a-f][0-9a-f][0-9a-f][0-9a-f]:*/config; do
				[ -e "$_c" ] || sleep 0.05
				read -r _x <"$_c"
			done
		done
	) >/dev/null 2>&1 &
	PIDS="$PIDS $!"
	CFG_READER=$!
}

# gone DEVDIR: wait until the device has left the bus.
gone() {
	wait_until 30 sh -c "! test -e $1"
}

# no_unsupported: the kernel log has no "cannot emulate" line.
no_unsupported() {
	! dmesg | grep -q "pciem: cannot emulate"
}

# real_key BDF: the stream key (PCIEM_REAL_KEY) under which a real device,
# DOMAIN:BUS:DEV.FN as lspci -D prints it, is traced, in hex as tracecat
# prints it.  (tracecat --match real:BDF traces it.)
real_key() {
	_rk_d=${1%%:*} _rk_r=${1#*:}
	_rk_b=${_rk_r%%:*} _rk_sf=${_rk_r#*:}
	printf '%x' $(( 0x80000000 | (0x$_rk_d << 16) | (0x$_rk_b << 8) |
		(0x${_rk_sf%.*} << 3) | ${_rk_sf#*.} ))
}

# real_dma_checks KEY MIN_READS: the checks of a real device's DMA in a
# tracecat log ($TMP/rec.log) of device KEY (real_key): nothing lost,
# sequence numbers in order, no short record; its DMA events (into
# $TMP/dma, without the key); coherent mappings, at least two, each ended,
# with at least MIN_READS changes the driver wrote and one the device
# wrote seen; streaming mappings, at least one, each ended once at its
# address and size, every map and unmap with the driver's call site.
# Says what it found (ok).
real_dma_checks() {
	grep -q "^lost 0$" "$TMP/rec.log" || fail "records lost: $(tail -n 1 "$TMP/rec.log")"
	awk -v D="$1" -v START=0 -f tests/vm/seqcheck.awk "$TMP/rec.log" || fail "sequence numbers"
	grep -q SHORT "$TMP/rec.log" && fail "a transfer's record is too short: $(grep -m 1 SHORT "$TMP/rec.log")"
	grep "^EVENT $1 .* DMA_" "$TMP/rec.log" | sed "s/^EVENT $1 //" >"$TMP/dma"
	[ -s "$TMP/dma" ] || fail "no DMA events: $(tail -n 5 "$TMP/rec.log")"
	_nc=$(grep -c "^#[0-9]* DMA_MAP .* flags 0x20 " "$TMP/dma")
	_nu=$(grep -c "^#[0-9]* DMA_UNMAP .* flags 0x20 " "$TMP/dma")
	[ "$_nc" -ge 2 ] && [ "$_nc" = "$_nu" ] || fail "coherent mappings: $_nc made, $_nu ended"
	_nr=$(grep -c "^#[0-9]* DMA_READ .* flags 0x120 " "$TMP/dma")
	_nw=$(grep -c "^#[0-9]* DMA_WRITE .* flags 0x120 " "$TMP/dma")
	[ "$_nr" -ge "$2" ] || fail "coherent memory the driver wrote: $_nr changes seen, want $2 or more"
	[ "$_nw" -ge 1 ] || fail "coherent memory the device wrote: no change seen"
	ok "coherent mappings: $_nc made and ended; changes seen: $_nr by the driver, $_nw by the device"
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
}

# real_dma_record BDF PATTERN WANT: the test's "workload PATTERN" run under
# pciem-record --bdf BDF ($TMP/rec.zst): the file holds every event's
# bytes (ptfcat), PATTERN exactly WANT times in them, as many mappings
# ended as made, and pciem-trace verify and dma read it.  Says so (ok).
real_dma_record() {
	"$BIN/pciem-record" -v --bdf "$1" -o "$TMP/rec.zst" 2>"$TMP/prec.err" &
	_pr=$!
	PIDS="$PIDS $_pr"
	wait_until 20 grep -q subscribed "$TMP/prec.err" || fail "pciem-record did not start: $(cat "$TMP/prec.err")"
	workload "$2"
	kill -INT "$_pr"
	wait "$_pr" || fail "pciem-record: status $?: $(cat "$TMP/prec.err")"
	"$BIN/ptfcat" --dma-data "$TMP/rec.bin" "$TMP/rec.zst" >"$TMP/file" || fail "ptfcat: $(tail -n 3 "$TMP/file")"
	grep -q "bytes MISSING" "$TMP/file" && fail "an event's bytes are missing: $(grep -m 1 MISSING "$TMP/file")"
	_n=$(grep -a -o "$2" "$TMP/rec.bin" | wc -l)
	[ "$_n" = "$3" ] || fail "the file's DMA data holds $2 $_n times, want $3"
	_maps=$(grep -c "^EVENT .* DMA_MAP " "$TMP/file")
	_unmaps=$(grep -c "^EVENT .* DMA_UNMAP " "$TMP/file")
	[ "$_maps" -gt 2 ] && [ "$_maps" = "$_unmaps" ] || fail "the file: $_maps mappings made, $_unmaps ended"
	"$BIN/pciem-trace" verify "$TMP/rec.zst" >"$TMP/verify" 2>&1 || fail "pciem-trace verify: $(cat "$TMP/verify")"
	"$BIN/pciem-trace" dma "$TMP/rec.zst" >"$TMP/maps" 2>&1 || fail "pciem-trace dma: $(cat "$TMP/maps")"
	ok "pciem-record --bdf: $2 $_n times in the file, $_maps mappings made and ended; verify passes; $(ls -l "$TMP/rec.zst" | awk '{ print $5 }') bytes"
}

# bpf_timing FILE: "PROG_NS STACK_NS FRAMES" from pciem-record's
# PCIEM_STACKS_TIMING line in FILE (its stderr), nothing if there is none
bpf_timing() {
	sed -n 's/.*BPF program took \([0-9]*\) ns per event, \([0-9]*\) ns of it in bpf_get_stack() (\([0-9.]*\) frames.*/\1 \2 \3/p' "$1"
}

# real_rec BDF [tracecat options]: a recorder of the real device BDF, traced
# by PCIem (tracecat, 64 MiB ring, records to /dev/null; --stall: it reads
# nothing, and sleeps, until SIGUSR1), ready when this returns; its pid in
# REC
real_rec() {
	_rr_td=$1
	shift
	rm -f "$TMP/real.ready"
	"$BIN/tracecat" --match "real:$_rr_td" --ring 67108864 "$@" \
		--ready "$TMP/real.ready" >/dev/null 2>"$TMP/real.err" &
	REC=$!
	PIDS="$PIDS $REC"
	wait_until 20 test -e "$TMP/real.ready" ||
		fail "real-device recorder did not start: $(cat "$TMP/real.err")"
}

# real_stop: the recorder real_rec started ends (SIGTERM)
real_stop() {
	kill "$REC"
	wait "$REC"
}

# mmiotrace_on BDF: mmiotrace on, trace_pipe drained to /dev/null (its
# reader's pid in PIPE), and the test driver rebound to the device BDF so
# that its ioremap is traced
mmiotrace_on() {
	echo mmiotrace > /sys/kernel/tracing/current_tracer || fail "cannot enable mmiotrace"
	cat /sys/kernel/tracing/trace_pipe > /dev/null &
	PIPE=$!
	PIDS="$PIDS $PIPE"
	echo "$1" > /sys/bus/pci/drivers/pciem_testdrv/unbind
	echo "$1" > /sys/bus/pci/drivers/pciem_testdrv/bind
	wait_bound "/sys/bus/pci/devices/$1"
}

# js FILE EXPR: EXPR (Python) over the JSON document r in FILE (a report);
# -S (no site module): a quarter of Python's start-up under TCG, and the
# standard library is all it needs
js() {
	python3 -S -c 'import json, sys; r = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# replays_alike N ARGS...: the test's replay function run N times as
# "replay okI 0 ARGS..." (I = 1..N, expecting exit status 0); their JSON
# reports ($TMP/okI.json) must agree on the Python expression $SIG.
replays_alike() {
	_ra_n=$1
	shift
	_ra_i=1
	while [ $_ra_i -le "$_ra_n" ]; do
		replay ok$_ra_i 0 "$@"
		_ra_i=$((_ra_i + 1))
	done
	# one Python for every report: its start-up is most of a check's time
	_ra_diff=$(python3 -S -c '
import json, sys
sig, n, tmp = sys.argv[1], int(sys.argv[2]), sys.argv[3]
first = None
for i in range(1, n + 1):
    r = json.load(open("%s/ok%d.json" % (tmp, i)))
    s = str(eval(sig))
    if first is None:
        first = s
    elif s != first:
        print("replay %d differs: %s vs %s" % (i, s, first))
        break
' "$SIG" "$_ra_n" "$TMP") || fail "replays_alike: cannot read the reports"
	[ -z "$_ra_diff" ] || fail "$_ra_diff"
}

# any_pciem_device: some PCIem device is on the bus (domains from 0x10000).
any_pciem_device() {
	for _d in /sys/bus/pci/devices/1[0-9a-f][0-9a-f][0-9a-f][0-9a-f]:*; do
		[ -e "$_d" ] && return 0
	done
	return 1
}

# hammer DEVDIR: kernel threads on CPUs 0 and 1 write and read BAR 0 (at
# 0x10 and 0x18) until stopped ("stop") or the device goes away.
hammer() {
	echo "hammer 0 0x10 2" > "$1/mmio" || fail "cannot start the hammer threads on $1"
}
