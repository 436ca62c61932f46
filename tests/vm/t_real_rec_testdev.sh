# SPDX-License-Identifier: GPL-2.0
# vm-devices: pci-testdev
#
# A real device recorded and replayed (issue 13) with the project's test
# driver: QEMU's pci-testdev (1b36:0005: BAR0 4 KiB of memory, BAR1 an I/O
# port BAR) is real hardware to the guest, and pciem_testdrv makes the
# MMIO accesses the test asks for (its sysfs attribute "mmio").
#  (1) pciem-record -v --bdf records the driver's probe (insmod), writes
#      and reads (loops, single reads and writes of several widths), an
#      unbind and a second probe, more accesses, and the removal (rmmod):
#      format 1.4 (real devices since 1.3), the driver named, BAR0 4096 bytes of
#      memory, the I/O BAR's note, and exactly the MMIO reads and writes
#      the workload's commands make, with their values; pciem-trace verify
#      names the device by its address, not its stream key;
#  (2) pciem-replay refuses the trace without --without-io-bars (exit 2,
#      the I/O BAR named, COMMAND not run, no device created);
#  (3) the device is removed from the guest (sysfs remove); pciem-replay
#      --without-io-bars replays the trace with no hardware and no model,
#      20 times: exit 0 each, identical results;
#  (4) a changed workload (another value written by the second probe's
#      loop) diverges, exit 1, at that loop's first write (kind, index,
#      seq, type, offset, values); one more loop iteration diverges at its
#      write, where the next command's write (at 0x828) was recorded;
#  (5) pciem-record -- pciem-replay -v --without-io-bars: the recording of
#      the replay has the original's MMIO accesses and interrupts
#      (pciem-trace diff --no-config); -v names the device by its address.
. tests/vm/lib.sh

REC=$BIN/pciem-record
RP=$BIN/pciem-replay
PT=$BIN/pciem-trace
KO=$KM/testdrv/pciem_testdrv.ko
need_bins pciem-record pciem-replay pciem-trace
[ -f "$KO" ] || fail "$KO missing: run make test-kmods"

TD=$(lspci -D -d 1b36:0005 | awk '{ print $1; exit }')
[ -n "$TD" ] || fail "no pci-testdev (1b36:0005) in the guest: vm-devices not honoured?"
case $TD in 1[0-9a-f][0-9a-f][0-9a-f][0-9a-f]:*) fail "$TD is a PCIem device" ;; esac
KEY=$(real_key "$TD")
[ ! -e /sys/module/pciem_testdrv ] || rmmod pciem_testdrv || fail "cannot unload pciem_testdrv"
[ ! -e "/sys/bus/pci/devices/$TD/driver" ] || fail "$TD has a driver: $(readlink "/sys/bus/pci/devices/$TD/driver")"

# The driver's commands (one a line, to the device's "mmio"): OPS1 after
# the first probe, OPS2 after the second.  Offsets from 0x800: a write at
# offset 0 would start one of pci-testdev's own tests.
cat >"$TMP/ops1" <<'EOF'
loop 0 0x800 6 1
w 0 0x804 4 0x5a5a0001
r 0 0x804 4
w 0 0x812 2 0xbeef
r 0 0x810 1
r 0 0x818 8
EOF
cat >"$TMP/ops2" <<'EOF'
loop 0 0x820 4 2
w 0 0x828 1 0x7e
r 0 0x824 4
EOF
# the changed workloads: another value in OPS2's loop; one more iteration
sed 's/^loop 0 0x820 4 2$/loop 0 0x820 4 3/' "$TMP/ops2" >"$TMP/ops2.value"
sed 's/^loop 0 0x820 4 2$/loop 0 0x820 5 2/' "$TMP/ops2" >"$TMP/ops2.more"
cmp -s "$TMP/ops2" "$TMP/ops2.value" && fail "ops2.value is not changed"
cmp -s "$TMP/ops2" "$TMP/ops2.more" && fail "ops2.more is not changed"

# The workload, on the device at $1: insmod (the probe), OPS1 ($2), an
# unbind and a bind (the second probe), OPS2 ($3), rmmod (the removal).
cat >"$TMP/wl.sh" <<EOF
KO=$KO
EOF
cat >>"$TMP/wl.sh" <<'EOF'
a=$1
D=/sys/bus/pci/drivers/pciem_testdrv
insmod "$KO" || exit 10
[ -e "/sys/bus/pci/devices/$a/driver" ] || exit 11
while read -r op; do
	echo "$op" >"/sys/bus/pci/devices/$a/mmio" || exit 12
done <"$2"
echo "$a" >$D/unbind || exit 13
echo "$a" >$D/bind || exit 14
while read -r op; do
	echo "$op" >"/sys/bus/pci/devices/$a/mmio" || exit 15
done <"$3"
rmmod pciem_testdrv || exit 16
EOF

# The MMIO accesses the commands of files $@ make, as Python tuples
# (type, bar, offset, size, value or None for a read's), in order: "loop
# BAR OFF N TAG" N times writel(TAG << 24 | i) then readl; "w BAR OFF
# WIDTH VALUE" one write; "r BAR OFF WIDTH" one read.
expected() {
	python3 - "$@" <<'EOF'
import sys
acc = []
for path in sys.argv[1:]:
    for line in open(path):
        w = line.split()
        bar, off = int(w[1]), int(w[2], 0)
        if w[0] == "loop":
            for i in range(int(w[3], 0)):
                acc.append(("mmio_write", bar, off, 4, (int(w[4], 0) << 24) | i))
                acc.append(("mmio_read", bar, off, 4, None))
        elif w[0] == "w":
            acc.append(("mmio_write", bar, off, int(w[3], 0), int(w[4], 0)))
        elif w[0] == "r":
            acc.append(("mmio_read", bar, off, int(w[3], 0), None))
        else:
            raise SystemExit("unknown command " + line)
print(acc)
EOF
}
expected "$TMP/ops1" "$TMP/ops2" >"$TMP/expected" || fail "the expected accesses"

# ---- (1) the recording -----------------------------------------------------------
"$REC" -v --bdf "$TD" -o "$TMP/orig.zst" -- sh "$TMP/wl.sh" "$TD" "$TMP/ops1" "$TMP/ops2" \
	2>"$TMP/rec.err" || fail "recording: $(cat "$TMP/rec.err")"
[ -e "/sys/bus/pci/devices/$TD" ] && [ ! -e "/sys/bus/pci/devices/$TD/driver" ] ||
	fail "after the recording: $TD gone or still bound"
grep -q "device $TD 1b36:0005 (real device)" "$TMP/rec.err" &&
	grep -q "$TD: it has an I/O port BAR, whose accesses cannot be recorded" "$TMP/rec.err" &&
	grep -q "$TD: driver pciem_testdrv" "$TMP/rec.err" || fail "pciem-record -v: $(cat "$TMP/rec.err")"
"$PT" info "$TMP/orig.zst" >"$TMP/info" || fail "info: $(cat "$TMP/info")"
grep -q "^format  *1\.4$" "$TMP/info" || fail "not format 1.4: $(cat "$TMP/info")"
grep -q "^  $TD  1b36:0005  driver pciem_testdrv  events " "$TMP/info" || fail "info: device: $(cat "$TMP/info")"
grep -q "^    BAR0  4 KiB  *mem32  at " "$TMP/info" || fail "info: BAR0: $(cat "$TMP/info")"
grep -q "^    BAR1  .* io  at " "$TMP/info" || fail "info: BAR1: $(cat "$TMP/info")"
grep -q "^    real device$" "$TMP/info" || fail "info: not a real device: $(cat "$TMP/info")"
grep -q "^    note: I/O port BAR1: its accesses are missing$" "$TMP/info" ||
	fail "info: no note of the I/O BAR: $(cat "$TMP/info")"
"$PT" dump --json "$TMP/orig.zst" >"$TMP/orig.jsonl" || fail "dump"
python3 - "$TMP/orig.jsonl" "$KEY" "$TMP/expected" >"$TMP/counts" <<'EOF' || fail "the recording: $(cat "$TMP/counts")"
import ast, json, sys
key = sys.argv[2]
want = ast.literal_eval(open(sys.argv[3]).read())
acc, lc, dev, drv = [], [], None, None
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["record"] == "device":
        dev = e
    elif e["record"] == "driver":
        drv = e["driver"]
    if e["record"] != "event":
        continue
    assert e["domain"] == key, e
    if e["type"] in ("mmio_read", "mmio_write"):
        acc.append((e["type"], e["bar"], e["offset"], e["size"], int(e["value"], 16)))
    elif e["type"] == "lifecycle":
        lc.append(e["lifecycle"])
    elif e["type"] not in ("config_read", "config_write"):
        raise SystemExit("unexpected event " + line)
assert dev and dev["real"] and dev["io_bar"] and not dev["bound"], dev
b0, b1 = dev["bars"][0], dev["bars"][1]
assert b0["size"] == 4096 and not b0["flags"] & 1, dev
assert b1["size"] and b1["flags"] & 1, dev
assert drv == "pciem_testdrv", drv
wr = sum(1 for a in want if a[0] == "mmio_write")
rd = len(want) - wr
got_wr = sum(1 for a in acc if a[0] == "mmio_write")
assert (got_wr, len(acc) - got_wr) == (wr, rd), \
    "%d writes and %d reads recorded, the workload made %d and %d" % (got_wr, len(acc) - got_wr, wr, rd)
for i, (g, w) in enumerate(zip(acc, want)):
    assert g[:4] == w[:4] and (w[4] is None or g[4] == w[4]), (i, g, w)
assert lc.count("driver_bound") == 2 and lc.count("driver_unbound") == 2, lc
assert lc.count("bar_mapped") == 2 and lc.count("bar_unmapped") == 2, lc
assert "bar_taken_over" not in lc, lc
print(wr, rd)
EOF
read -r NWR NRD <"$TMP/counts"
# named by its address, not by its stream key
"$PT" verify "$TMP/orig.zst" >"$TMP/verify" || fail "verify: $(cat "$TMP/verify")"
grep -q "^device $TD 1b36:0005: [0-9]* events, seq 0-" "$TMP/verify" || fail "verify: $(cat "$TMP/verify")"
grep -q "$KEY" "$TMP/verify" && fail "verify names the stream key: $(cat "$TMP/verify")"
ok "(1) recorded $TD (key $KEY): format 1.4, real, pciem_testdrv, BAR0 4096 bytes mem, the I/O BAR noted; $NWR writes and $NRD reads, as the workload made them"

# ---- (2) refused without --without-io-bars ----------------------------------------------
rm -f "$TMP/ran"
"$RP" "$TMP/orig.zst" -- touch "$TMP/ran" >"$TMP/refused.out" 2>"$TMP/refused.err"
rc=$?
[ $rc = 2 ] || fail "replay without --without-io-bars: exit $rc, want 2: $(cat "$TMP/refused.err")"
grep -q "real device $TD: BAR1 is an I/O port BAR, whose accesses could not be recorded, .*--without-io-bars" "$TMP/refused.err" ||
	fail "replay without --without-io-bars: the reason is not given: $(cat "$TMP/refused.err")"
[ ! -e "$TMP/ran" ] || fail "replay without --without-io-bars: COMMAND ran"
any_pciem_device && fail "replay without --without-io-bars: a PCIem device was created"
ok "(2) refused without --without-io-bars (exit 2): $(grep -o "BAR1 is an I/O port BAR[^,]*" "$TMP/refused.err")"

# ---- (3) no such hardware: 20 replays ---------------------------------------------------
echo 1 >"/sys/bus/pci/devices/$TD/remove" || fail "removing $TD"
gone "/sys/bus/pci/devices/$TD" || fail "$TD did not leave"
lspci -n | grep -q "1b36:0005" && fail "a 1b36:0005 device is still there"
# replay NAME WANT_RC OPS2: the workload with OPS2 after the second probe
replay() {
	"$RP" --without-io-bars --report-json "$TMP/$1.json" --timeout 60 "$TMP/orig.zst" -- \
		sh -c 'exec sh "$0" "$PCIEM_REPLAY_DEVICE" "$1" "$2"' "$TMP/wl.sh" "$TMP/ops1" "$3" \
		>"$TMP/$1.out" 2>"$TMP/$1.err"
	_rc=$?
	[ "$_rc" = "$2" ] || { cat "$TMP/$1.err"; fail "$1: pciem-replay exited with $_rc, want $2"; }
	[ ! -e /sys/module/pciem_testdrv ] || rmmod pciem_testdrv || fail "$1: cannot unload pciem_testdrv"
	any_pciem_device && fail "$1: a PCIem device is left"
	return 0
}
SIG='r["result"], r["exit_status"], r["status"], r["divergences"], r["trace_accesses"]'
replays_alike 20 "$TMP/ops2"
[ "$(js "$TMP/ok1.json" 'r["result"], r["status"]["matched"], r["command"]["exit_status"], r["device"]["recorded_driver"], r["device"]["vendor_id"], r["device"]["device_id"]')" = \
  "('ok', $((NWR + NRD)), 0, 'pciem_testdrv', '1b36', '0005')" ] || fail "replay report: $(cat "$TMP/ok1.json")"
grep -q "I/O port BAR1 is left out (--without-io-bars)" "$TMP/ok1.err" || fail "no note of the left-out BAR: $(cat "$TMP/ok1.err")"
grep -q "OK: the driver made exactly the recorded accesses" "$TMP/ok1.err" || fail "no OK line: $(cat "$TMP/ok1.err")"
ok "(3) $TD removed; 20 replays with no hardware and no model: exit 0, identical results, $((NWR + NRD)) accesses matched"

# ---- (4) changed workloads ------------------------------------------------------------
# at_access N: the recorded MMIO access number N (from 0) of the device:
# its index among the device's events in the trace (from 0, as the
# report's divergence index counts), seq, type, offset and value
at_access() {
	python3 - "$TMP/orig.jsonl" "$KEY" "$1" <<'EOF'
import json, sys
key, n = sys.argv[2], int(sys.argv[3])
i = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["record"] != "event" or e["domain"] != key:
        continue
    if e["type"] in ("mmio_read", "mmio_write"):
        if n == 0:
            print(i, e["seq"], e["type"], e["offset"], int(e["value"], 16))
            break
        n -= 1
    i += 1
EOF
}
# OPS1's accesses come first: the changed loop's first write is the next
N1=$(expected "$TMP/ops1" | python3 -c 'import ast, sys; print(len(ast.literal_eval(sys.stdin.read())))')
read -r IDX SEQ TYPE OFF VAL <<EOF
$(at_access "$N1")
EOF
[ "$TYPE $OFF $VAL" = "mmio_write 2080 $((0x02000000))" ] || fail "the recorded access $N1: $TYPE $OFF $VAL"
replay value 1 "$TMP/ops2.value"
[ "$(js "$TMP/value.json" 'r["result"], r["divergences"][0]["kind"], r["divergences"][0]["index"], r["divergences"][0]["expected"]["seq"], r["divergences"][0]["expected"]["type"], r["divergences"][0]["expected"]["offset"], r["divergences"][0]["expected"]["value"], r["divergences"][0]["actual"]["type"], r["divergences"][0]["actual"]["offset"], r["divergences"][0]["actual"]["size"], r["divergences"][0]["actual"]["value"]')" = \
  "('diverged', 'mismatch', $IDX, $SEQ, 'mmio_write', 2080, '0x2000000', 'mmio_write', 2080, 4, '0x3000000')" ] ||
	fail "another value: $(cat "$TMP/value.json")"
SYM=$(js "$TMP/value.json" 'r["divergences"][0]["actual"]["symbol"]')
case $SYM in do_cmd*|mmio_store*) ;; *) fail "another value: the write is named '$SYM'" ;; esac
cat "$TMP/value.out" "$TMP/value.err" | grep -q "of device $TD in " ||
	fail "the divergence report does not name the recorded device $TD: $(cat "$TMP/value.out" "$TMP/value.err")"
# one more iteration: its write comes where OPS2's next command's access was recorded
N2=$(expected "$TMP/ops1" "$TMP/ops2" | python3 -c '
import ast, sys
acc = ast.literal_eval(sys.stdin.read())
print(next(i for i, a in enumerate(acc) if a[2] == 0x828))')
read -r IDX2 SEQ2 TYPE2 OFF2 VAL2 <<EOF
$(at_access "$N2")
EOF
[ "$TYPE2 $OFF2 $VAL2" = "mmio_write $((0x828)) $((0x7e))" ] || fail "the recorded access $N2: $TYPE2 $OFF2 $VAL2"
replay more 1 "$TMP/ops2.more"
[ "$(js "$TMP/more.json" 'r["result"], r["divergences"][0]["kind"], r["divergences"][0]["index"], r["divergences"][0]["expected"]["seq"], r["divergences"][0]["expected"]["offset"], r["divergences"][0]["actual"]["type"], r["divergences"][0]["actual"]["offset"], r["divergences"][0]["actual"]["value"]')" = \
  "('diverged', 'mismatch', $IDX2, $SEQ2, $((0x828)), 'mmio_write', 2080, '0x2000004')" ] ||
	fail "one more iteration: $(cat "$TMP/more.json")"
ok "(4) another value diverges at event $IDX (seq $SEQ, the loop's first write, in $SYM); one more iteration at event $IDX2 (seq $SEQ2)"

# ---- (5) recording the replay ------------------------------------------------------------
"$REC" -o "$TMP/rr.zst" -- "$RP" -v --without-io-bars "$TMP/orig.zst" -- \
	sh -c 'exec sh "$0" "$PCIEM_REPLAY_DEVICE" "$1" "$2"' "$TMP/wl.sh" "$TMP/ops1" "$TMP/ops2" \
	2>"$TMP/rr.err" || fail "recording the replay: $(cat "$TMP/rr.err")"
grep -q "orig.zst: device $TD (1b36:0005, driver pciem_testdrv), [0-9]* events: $((NWR + NRD)) accesses, 0 interrupts$" "$TMP/rr.err" ||
	fail "pciem-replay -v does not name $TD: $(cat "$TMP/rr.err")"
grep -q "$KEY" "$TMP/rr.err" && fail "pciem-replay -v names the stream key: $(cat "$TMP/rr.err")"
# MMIO accesses alike; config space differs by design (the PCI core
# enumerates the replayed device; BAR addresses are the machine's)
"$PT" diff --no-config "$TMP/orig.zst" "$TMP/rr.zst" >"$TMP/diff.out" 2>&1 ||
	fail "the recorded replay differs from the original: $(cat "$TMP/diff.out")"
ok "(5) pciem-trace diff --no-config: $(head -n 1 "$TMP/diff.out")"
