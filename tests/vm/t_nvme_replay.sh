# SPDX-License-Identifier: GPL-2.0
# vm-devices: nvme,serial=pciem,drive=nv0
# vm-disks: nv0:64
# vm-boots: 2
#
# An in-tree DMA driver replayed with no device (issue 15 §4): QEMU's nvme
# (1b36:0010) under the in-tree nvme driver.
# Boot 1, with the controller: pciem-record --bdf records
# examples/nvme/workload.sh (bind, 256 KiB of a pattern written with
# O_DIRECT and read back, unbind), and again with two writers at once, one
# per CPU and I/O queue (NVME_WRITERS=2, 64 KiB); the traces go to the
# next boot.
# Boot 2, a fresh VM with no NVMe controller at all:
#  (1) pciem-replay --regs examples/nvme/nvme.regs replays it 20 times:
#      exit 0 each, the workload reads back its pattern, every access and
#      interrupt matched, identical reports; once more with --match
#      per-register;
#  (2) a recording of the replay equals the original (pciem-trace diff
#      --regs, config space aside, interrupts compared as deliveries);
#      without the map's rules the two differ (an identifier, or the
#      timestamp);
#  (3) without the map the replay stops at the first command's identifier
#      (or at the timestamp buffer when the random tags agreed);
#      without the map's timestamp rule at the Set Features Timestamp
#      buffer (the host's clock); with the admin queue's identifier rule
#      on no mapping (and --dma-check addresses) at the first completion,
#      whose identifier the driver never gave (dma_echo);
#  (4) a planted driver regression, nvme's io_queue_depth=64, is caught
#      at the first I/O queue's mapping; a changed pattern at the first
#      data buffer, at its first differing byte (dma_data);
#  (5) kill -9 of pciem-replay while the driver works leaves no device,
#      namespace or stuck driver (the kernel log is checked by run.sh), and
#      a replay after it passes;
#  (6) per-CPU queues: the two writers' trace replays with --match
#      per-register (each CPU's data mapping found by its bytes) both with
#      the recorded start (CPU 0's writer first) and with CPU 1's first, an
#      interleaving the recording does not have, which a strict replay
#      reports; still caught per register: io_queue_depth=64, at the I/O
#      queue's mapping, and a changed byte of the second writer's data, in
#      the first buffer CPU 1 maps;
#  (7) a completion the controller posted while the driver's interrupt
#      handler ran: the trace edited (tests/unit/trace_edit.c) so that an
#      admin completion is seen after its interrupt, at the look before the
#      driver's doorbell write, behind a copy of the command's submission
#      entry (the driver's bytes, which wait for that write): replayed,
#      the handler finds the completion (written at once, the map gives
#      the queue to the device) and rings the doorbell as recorded, exit 0.
# The debug kernel has no NVMe driver: NOTRUN there.
. tests/vm/lib.sh

RP=$BIN/pciem-replay
PT=$BIN/pciem-trace
MAP=examples/nvme/nvme.regs
WL=examples/nvme/workload.sh
need_bins pciem-record pciem-replay pciem-trace
modinfo nvme >/dev/null 2>&1 || [ -d /sys/bus/pci/drivers/nvme ] ||
	notrun "this kernel has no nvme driver"
[ -n "${PCIEM_TEST_SHARE:-}" ] || fail "run me through tests/vm/run.sh (vm-boots)"
# the driver's work (probe, scan, unbind) on CPU 0, as the workload's own:
# one I/O queue, one order of accesses
echo 1 >/sys/devices/virtual/workqueue/cpumask || fail "cannot pin unbound work to CPU 0"

if [ "$PCIEM_TEST_BOOT" = 1 ]; then
	BDF=$(lspci -D -n -d 1b36:0010 | awk '{ print $1; exit }')
	[ -n "$BDF" ] || fail "no nvme in the guest: $(lspci -n)"
	[ "$(cat /sys/module/pciem/parameters/real_dma)" = Y ] || fail "real_dma is off"
	modprobe nvme 2>/dev/null
	if [ -e "/sys/bus/pci/devices/$BDF/driver" ]; then
		echo "$BDF" >"/sys/bus/pci/devices/$BDF/driver/unbind" || fail "cannot unbind $BDF"
	fi
	"$BIN/pciem-record" --bdf "$BDF" -o "$TMP/orig.zst" -- sh "$WL" >"$TMP/rec.out" 2>"$TMP/rec.err" ||
		fail "recording: $(cat "$TMP/rec.err" "$TMP/rec.out")"
	grep -q "256 KiB written and read back" "$TMP/rec.out" || fail "workload: $(cat "$TMP/rec.out")"
	grep -q ", 0 lost" "$TMP/rec.err" || fail "events lost: $(cat "$TMP/rec.err")"
	"$PT" info "$TMP/orig.zst" >"$TMP/info" || fail "info"
	grep -q "driver nvme" "$TMP/info" || fail "info: $(cat "$TMP/info")"
	NVME_WRITERS=2 NVME_KIB=64 "$BIN/pciem-record" --bdf "$BDF" -o "$TMP/two.zst" -- sh "$WL" \
		>"$TMP/rec2.out" 2>"$TMP/rec2.err" || fail "recording two writers: $(cat "$TMP/rec2.err" "$TMP/rec2.out")"
	grep -q "64 KiB written and read back .*, 2 writer" "$TMP/rec2.out" || fail "two writers: $(cat "$TMP/rec2.out")"
	grep -q ", 0 lost" "$TMP/rec2.err" || fail "events lost: $(cat "$TMP/rec2.err")"
	"$PT" stats "$TMP/two.zst" >"$TMP/stats2" || fail "stats"
	# both I/O queues' submission doorbells (queue 1 at 0x1008, 2 at 0x1010)
	grep -q "bar0+0x1008 .* [1-9][0-9]* " "$TMP/stats2" && grep -q "bar0+0x1010 " "$TMP/stats2" ||
		fail "two writers did not use two I/O queues: $(cat "$TMP/stats2")"
	cp "$TMP/orig.zst" "$TMP/two.zst" "$PCIEM_TEST_SHARE/" || fail "cannot hand the traces over"
	ok "boot 1: the workload recorded from $BDF, once with one writer, once with two"
	exit 0
fi

# ---- boot 2: no NVMe controller ------------------------------------------------------
lspci -n | grep -q 1b36:0010 && fail "an NVMe controller is in the second boot"
cp "$PCIEM_TEST_SHARE/orig.zst" "$PCIEM_TEST_SHARE/two.zst" "$TMP/" || fail "no traces from boot 1"
modprobe nvme || fail "cannot load nvme"

# replay NAME WANT_RC [pciem-replay options...]: the workload replayed,
# its report in $TMP/NAME.json (environment: the workload's)
replay() {
	_name=$1
	_want=$2
	shift 2
	"$RP" --report-json "$TMP/$_name.json" --timeout 120 "$@" "$TMP/${TRACE:-orig}.zst" -- sh "$WL" \
		>"$TMP/$_name.out" 2>"$TMP/$_name.err"
	_rc=$?
	[ "$_rc" = "$_want" ] || { cat "$TMP/$_name.err" "$TMP/$_name.out"; fail "$_name: pciem-replay exited with $_rc, want $_want"; }
	for _d in /sys/bus/pci/devices/1000*; do
		[ -e "$_d" ] && fail "$_name: a PCIem device is left: $_d"
	done
	return 0
}

# ---- (1) 20 replays ----------------------------------------------------------------------
SIG='r["result"], r["exit_status"], r["status"], r["divergences"], r["trace_accesses"]'
replays_alike 20 --regs "$MAP"
grep -q "256 KiB written and read back" "$TMP/ok1.out" || fail "replay workload: $(cat "$TMP/ok1.out")"
[ "$(js "$TMP/ok1.json" 'r["result"], r["status"]["left"], r["status"]["matched"] == r["trace_accesses"], r["status"]["irqs"] > 100, r["status"]["dma_written"] > 262144, r["status"]["dma_compared"] > 262144')" = \
  "('ok', 0, True, True, True, True)" ] || fail "replay report: $(cat "$TMP/ok1.json")"
replay perreg 0 --regs "$MAP" --match per-register
ok "(1) no controller: 20 replays with the map, exit 0, identical; per-register too"

# ---- (2) a recording of the replay -----------------------------------------------------
"$BIN/pciem-record" --match 1b36:0010 -o "$TMP/again.zst" -- \
	"$RP" --regs "$MAP" --timeout 120 "$TMP/orig.zst" -- sh "$WL" >"$TMP/again.out" 2>&1 ||
	fail "recording the replay: $(cat "$TMP/again.out")"
"$PT" diff --no-config --deliveries --regs "$MAP" "$TMP/orig.zst" "$TMP/again.zst" >"$TMP/diff" 2>&1 ||
	fail "the replay's recording differs: $(head -20 "$TMP/diff")"
"$PT" diff --no-config --deliveries "$TMP/orig.zst" "$TMP/again.zst" >"$TMP/diff.raw" 2>&1 &&
	fail "without the map's rules the recordings are equal"
# the first command identifier (byte 2 of a submission entry), or, when
# the random tags happened to agree, the timestamp buffer
grep -q "bytes differ first at byte 2 " "$TMP/diff.raw" || grep -q "dma_read .*+8 " "$TMP/diff.raw" ||
	fail "without the rules, neither an identifier nor the timestamp: $(tail -3 "$TMP/diff.raw")"
ok "(2) the replay's recording equals the original with the map's rules"

# ---- (3) without the map, and a wrong rule -----------------------------------------------
# the replays below diverge: the device is then unplugged, no namespace
# comes, and the driver's commands time out (quickly: 3 s)
NVME_WAIT=5
export NVME_WAIT
for p in admin_timeout io_timeout; do
	echo 3 >"/sys/module/nvme_core/parameters/$p" || fail "cannot set nvme_core.$p"
done
replay nomap 1
# the first command identifier, or (the random tags agreed) the timestamp
D='r["divergences"][0]'
[ "$(js "$TMP/nomap.json" "$D[\"kind\"], ($D[\"dma\"][\"mapping_size\"], $D[\"dma\"][\"offset\"]) == (2048, 2) or $D[\"expected\"][\"text\"].split()[1].endswith(\"+8\")")" = \
  "('dma_data', True)" ] || fail "no map: $(cat "$TMP/nomap.json")"
grep -v "at=nvme_prep_rq size=8" "$MAP" >"$TMP/notime.regs"
replay notime 1 --regs "$TMP/notime.regs"
[ "$(js "$TMP/notime.json" 'r["divergences"][0]["kind"], r["divergences"][0]["expected"]["text"].split()[1].endswith("+8")')" = \
  "('dma_data', True)" ] || fail "no timestamp rule: $(cat "$TMP/notime.json")"
grep -q "made at nvme_prep_rq" "$TMP/notime.err" || fail "no timestamp rule: $(cat "$TMP/notime.err")"
# the admin queue's identifier rule on a mapping size nvme never uses, the
# commands' other bytes left uncompared: the first completion's echo
sed 's/size=2048 /size=4096 /' "$MAP" >"$TMP/wrong.regs"
replay wrong 1 --regs "$TMP/wrong.regs" --dma-check addresses
[ "$(js "$TMP/wrong.json" 'r["divergences"][0]["kind"], r["divergences"][0]["dma"]["mapping_size"]')" = \
  "('dma_echo', 512)" ] || fail "wrong rule: $(cat "$TMP/wrong.json")"
grep -q "the driver's reads never had it" "$TMP/wrong.err" || fail "wrong rule: $(cat "$TMP/wrong.err")"
ok "(3) without the map: a command identifier; without the timestamp rule: its buffer; an identifier never read: dma_echo"

# ---- (4) regressions -----------------------------------------------------------------------
# depth_caught NAME [pciem-replay options...]: the replay against nvme loaded
# with io_queue_depth=64 diverges at the first I/O queue's mapping (16384
# bytes recorded, 1024 made); nvme is loaded as usual again afterwards
depth_caught() {
	_dn=$1
	shift
	rmmod nvme || fail "rmmod nvme"
	modprobe nvme io_queue_depth=64 || fail "modprobe nvme io_queue_depth=64"
	replay "$_dn" 1 "$@"
	[ "$(js "$TMP/$_dn.json" 'r["divergences"][0]["kind"], r["divergences"][0]["expected"]["text"].split()[1].split("+")[1], r["divergences"][0]["actual"]["text"].split()[1].split("+")[1]')" = \
	  "('mismatch', '16384', '1024')" ] || fail "$_dn, io_queue_depth=64: $(cat "$TMP/$_dn.json")"
	grep -q "recorded at nvme_alloc_queue" "$TMP/$_dn.err" || fail "$_dn, io_queue_depth=64: $(cat "$TMP/$_dn.err")"
	rmmod nvme && modprobe nvme || fail "reloading nvme"
}
depth_caught depth --regs "$MAP"
NVME_PATTERN=PCIEMNVX
export NVME_PATTERN
replay pattern 1 --regs "$MAP"
[ "$(js "$TMP/pattern.json" 'r["divergences"][0]["kind"], r["divergences"][0]["expected"]["text"].split()[1].split("+")[1], r["divergences"][0]["dma"]["offset"], r["divergences"][0]["dma"]["recorded"][:2], r["divergences"][0]["dma"]["actual"][:2]')" = \
  "('dma_data', '4096', 7, '4d', '58')" ] || fail "changed pattern: $(cat "$TMP/pattern.json")"
ok "(4) io_queue_depth=64 caught at the I/O queue's mapping; a changed byte at its offset"

# ---- (5) kill -9 of pciem-replay while the driver works ------------------------------------
unset NVME_PATTERN
"$RP" --regs "$MAP" "$TMP/orig.zst" -- sh "$WL" >"$TMP/kill.out" 2>&1 &
RPID=$!
wait_until 60 sh -c 'ls /sys/block | grep -q "^nvme"' || fail "no namespace in the replay: $(cat "$TMP/kill.out")"
kill -9 $RPID
wait $RPID
wait_until 60 sh -c '! ls /sys/bus/pci/devices | grep -q "^1000"' ||
	fail "the replayed controller is left after kill -9: $(ls /sys/bus/pci/devices)"
wait_until 30 sh -c '! ls /sys/block | grep -q "^nvme"' || fail "a namespace is left after kill -9"
# the orphaned workload sees I/O errors and ends
wait_until 60 sh -c '! pgrep -f "[e]xamples/nvme/workload.sh" >/dev/null' || fail "the workload hangs after kill -9"
rmmod nvme || fail "nvme cannot be unloaded after kill -9"
modprobe nvme || fail "nvme cannot be loaded again"
replay after 0 --regs "$MAP"
ok "(5) kill -9 of pciem-replay mid-workload: the controller and its namespace gone, nvme unloads, a replay after it passes"

# ---- (6) per-CPU queues: two writers, in another interleaving ---------------------------------
TRACE=two NVME_WRITERS=2 NVME_KIB=64
export NVME_WRITERS NVME_KIB
W="--regs $MAP --match per-register --window 1024"
export NVME_FIRST=0
replay two0 0 $W
export NVME_FIRST=1
replay two1 0 $W
grep -q "64 KiB written and read back .*, 2 writer" "$TMP/two1.out" || fail "two writers replayed: $(cat "$TMP/two1.out")"
[ "$(js "$TMP/two1.json" 'r["status"]["left"], r["status"]["matched"] == r["trace_accesses"]')" = "(0, True)" ] ||
	fail "two writers, CPU 1 first: $(cat "$TMP/two1.json")"
# the same strictly: the order differs (a map, a doorbell or a data byte of
# the other CPU's, wherever the two first part)
replay two1strict 1 --regs "$MAP" --window 1024
[ "$(js "$TMP/two1strict.json" 'r["divergences"][0]["kind"] in ("mismatch", "dma_data")')" = True ] ||
	fail "two writers, CPU 1 first, strict: $(cat "$TMP/two1strict.json")"
depth_caught twodepth $W
# the second writer's word with its last byte changed (MVNMEICP recorded):
# caught in its first buffer, which CPU 1 maps first
export NVME_PATTERN2=MVNMEICX
replay twopattern 1 $W
[ "$(js "$TMP/twopattern.json" 'r["divergences"][0]["kind"], r["divergences"][0]["dma"]["offset"], r["divergences"][0]["dma"]["recorded"][:2], r["divergences"][0]["dma"]["actual"][:2]')" = \
  "('dma_data', 7, '50', '58')" ] || fail "two writers, a changed byte: $(cat "$TMP/twopattern.json")"
ok "(6) two writers on two CPUs and queues: per register, either CPU first, exit 0 (strict: exit 1); io_queue_depth=64 and a changed byte still caught"

# ---- (7) a completion seen late, behind the driver's bytes ---------------------------------
unset NVME_WRITERS NVME_KIB NVME_FIRST NVME_PATTERN2
"$PT" dump --json "$TMP/orig.zst" >"$TMP/orig.json" || fail "dump --json"
# an interrupt whose look saw an admin completion (the 512-byte queue) and
# after which the driver's next act is the admin completion doorbell; the
# last submission entry read (the 2048-byte queue) before it
set -- $(python3 - "$TMP/orig.json" <<'EOF'
import json, sys
ev = [r for r in map(json.loads, open(sys.argv[1])) if r["record"] == "event"]
maps = {}
def size_at(a):
    a = int(a, 16)
    return next((n for b, n in maps.items() if b <= a < b + n), None)
sqe = None
for i, e in enumerate(ev):
    t = e["type"]
    if t == "dma_map":
        maps[int(e["bus_addr"], 16)] = e["length"]
    elif t == "dma_unmap":
        maps.pop(int(e["bus_addr"], 16), None)
    elif t == "dma_read" and e.get("seen") and size_at(e["bus_addr"]) == 2048:
        sqe = e
    elif t == "irq" and sqe:
        j, cqe = i - 1, None
        while j >= 0 and ev[j]["type"] in ("dma_read", "dma_write"):
            if ev[j]["type"] == "dma_write" and ev[j].get("coherent") and size_at(ev[j]["bus_addr"]) == 512:
                cqe = ev[j]
            j -= 1
        k = i + 1
        while k < len(ev) and ev[k]["type"] in ("dma_read", "dma_write"):
            k += 1
        if cqe and k < len(ev) and ev[k]["type"] == "mmio_write" and ev[k]["offset"] == 0x1004:
            print(e["seq"], sqe["seq"], cqe["seq"])
            break
EOF
)
[ $# = 3 ] || fail "no admin completion before an interrupt followed by its doorbell in the trace"
"$TOP/build/unit/trace_edit" "$TMP/orig.zst" "$TMP/late.zst" "$@" ||
	fail "trace_edit: the completion at seq $3 after the interrupt at seq $1"
TRACE=late
replay late 0 --regs "$MAP"
[ "$(js "$TMP/late.json" 'r["result"], r["status"]["left"], r["status"]["matched"] == r["trace_accesses"]')" = "('ok', 0, True)" ] ||
	fail "a completion seen late: $(cat "$TMP/late.json")"
ok "(7) an admin completion seen after its interrupt, behind the driver's bytes: found by the handler, exit 0"
