# SPDX-License-Identifier: GPL-2.0
# vm-devices: pvpanic-pci
#
# A real device recorded and replayed (issue 13): QEMU's pvpanic-pci
# (1b36:0011, one 16-byte memory BAR; driver pvpanic-pci, whose probe
# reads BAR0 offset 0) is real hardware to the guest.
#  (1) pciem-record --bdf records the driver's probe (modprobe), lspci
#      -vvv's config reads, an unbind and a second probe, and the removal
#      (rmmod): format 1.4 (real devices since 1.3), the driver named, the 16-byte
#      BAR, two probe reads, the config reads, no I/O BAR;
#  (2) the device is then removed from the guest (sysfs remove): no such
#      hardware is left; pciem-replay replays the trace with no model, 20
#      times: exit 0 each, identical results;
#  (3) a changed workload (a third probe) diverges, exit 1, at that probe's
#      read, past the end of the recording, in the driver's probe; a
#      shorter one stops early with the second probe's read expected;
#  (4) pciem-record -- pciem-replay: the recording of the replay has the
#      original's MMIO accesses and interrupts (pciem-trace diff --no-config);
# and before (2), on the real device:
#  (5) a driver bound before recording: its mapping is taken over (a
#      bar_taken_over event, the probe not recorded, info says so) and
#      pciem-replay refuses the trace; --rebind records the probe, and the
#      driver is bound again afterwards;
#  (6) refusals: --mode writes (64), a second recorder of the same device
#      (75), and the device is usable after every recording.
. tests/vm/lib.sh

REC=$BIN/pciem-record
RP=$BIN/pciem-replay
PT=$BIN/pciem-trace
need_bins pciem-record pciem-replay pciem-trace
modinfo pvpanic-pci >/dev/null 2>&1 || notrun "no pvpanic-pci module in $KVER"

BDF=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1b36:0x0011 ] && BDF=$(basename "$d")
done
[ -n "$BDF" ] || fail "no pvpanic-pci device (1b36:0011) in the guest: vm-devices not honoured?"
case $BDF in 1[0-9a-f][0-9a-f][0-9a-f][0-9a-f]:*) fail "$BDF is a PCIem device" ;; esac
KEY=$(real_key "$BDF")
rmmod pvpanic_pci 2>/dev/null
[ ! -e "/sys/bus/pci/devices/$BDF/driver" ] || fail "$BDF still has a driver"

# The workload, on the device at $1: load the driver (probe: one read),
# lspci, the driver's attributes, an unbind and $2 more probes, unload.
cat >"$TMP/wl.sh" <<'EOF'
a=$1
n=${2:-1}
modprobe pvpanic-pci || exit 10
[ -e /sys/bus/pci/devices/$a/driver ] || exit 11
lspci -vvv -s "$a" >/dev/null || exit 12
cat /sys/bus/pci/devices/$a/capability /sys/bus/pci/devices/$a/events >/dev/null || exit 13
while [ "$n" -gt 0 ]; do
	echo "$a" >/sys/bus/pci/drivers/pvpanic-pci/unbind || exit 14
	echo "$a" >/sys/bus/pci/drivers/pvpanic-pci/bind || exit 15
	n=$((n - 1))
done
rmmod pvpanic_pci || exit 16
EOF

# ---- (6) refusals ---------------------------------------------------------------
"$REC" --bdf "$BDF" --mode writes -o "$TMP/x.zst" -- true 2>"$TMP/w.err"
[ $? = 64 ] && grep -q "full trap" "$TMP/w.err" || fail "--mode writes on a real device: $(cat "$TMP/w.err")"
"$REC" --bdf "$BDF" -o "$TMP/hold.zst" 2>"$TMP/hold.err" &
HOLD=$!
PIDS="$PIDS $HOLD"
# its file is created once it has subscribed
wait_until 20 test -s "$TMP/hold.zst" || fail "first recorder did not start: $(cat "$TMP/hold.err")"
"$REC" --bdf "$BDF" -o "$TMP/second.zst" -- true 2>"$TMP/second.err"
rc=$?
kill -INT $HOLD
wait $HOLD
[ $rc = 75 ] && grep -q "traced already" "$TMP/second.err" ||
	fail "a second recorder of $BDF: status $rc: $(cat "$TMP/second.err")"
ok "(6) --mode writes refused (64), a second recorder refused (75): $(cat "$TMP/second.err")"

# ---- (1) the recording -----------------------------------------------------------
"$REC" -v --bdf "$BDF" -o "$TMP/orig.zst" -- sh "$TMP/wl.sh" "$BDF" 1 2>"$TMP/rec.err" ||
	fail "recording: $(cat "$TMP/rec.err")"
"$PT" info "$TMP/orig.zst" >"$TMP/info" || fail "info: $(cat "$TMP/info")"
grep -q "^format  *1\.4$" "$TMP/info" || fail "not format 1.4: $(cat "$TMP/info")"
grep -q "^  $BDF  1b36:0011  driver pvpanic-pci" "$TMP/info" || fail "info: device: $(cat "$TMP/info")"
grep -q "^    BAR0  16 bytes  mem32" "$TMP/info" || fail "info: BAR0: $(cat "$TMP/info")"
grep -q "^    real device$" "$TMP/info" || fail "info: not a real device: $(cat "$TMP/info")"
grep -q "note:" "$TMP/info" && fail "info: a note where none is due: $(cat "$TMP/info")"
"$PT" dump --json "$TMP/orig.zst" >"$TMP/orig.jsonl" || fail "dump"
python3 - "$TMP/orig.jsonl" "$KEY" >"$TMP/counts" <<'EOF' || fail "the recording: $(cat "$TMP/counts")"
import json, sys
key = sys.argv[2]
reads, cfg, lc, dev, bar_reg = [], 0, [], None, 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["record"] == "device":
        dev = e
    if e["record"] != "event":
        continue
    assert e["domain"] == key, e
    if e["type"] == "mmio_read":
        reads.append((e["bar"], e["offset"], e["size"], e.get("symbol", "")))
    elif e["type"] in ("config_read", "config_write"):
        cfg += 1
        # lspci's read of the BAR register gives the BAR's address
        if e["type"] == "config_read" and e["offset"] == 0x10 and e["size"] == 4:
            bar_reg = int(e["value"], 16)
    elif e["type"] == "lifecycle":
        lc.append(e["lifecycle"])
    elif e["type"] == "mmio_write":
        raise SystemExit("unexpected write " + line)
assert dev and dev["real"] and not dev["bound"] and not dev["io_bar"], dev
assert dev["bars"][0]["size"] == 16, dev
assert len(reads) == 2 and all(r[:3] == (0, 0, 1) for r in reads), reads
assert lc.count("driver_bound") == 2 and lc.count("driver_unbound") == 2, lc
assert lc.count("bar_mapped") == 2 and lc.count("bar_unmapped") == 2, lc
assert "bar_taken_over" not in lc, lc
assert cfg >= 16, cfg
assert bar_reg == int(dev["bars"][0]["bus_addr"], 16), (bar_reg, dev["bars"][0])
print(len(reads), cfg)
EOF
read -r NREADS NCFG <"$TMP/counts"
ok "(1) recorded $BDF (key $KEY): $NREADS probe reads of BAR0+0 (1 byte), $NCFG config accesses, bound/unbound twice"
[ -e "/sys/bus/pci/devices/$BDF" ] && [ ! -e "/sys/bus/pci/devices/$BDF/driver" ] ||
	fail "after the recording: $BDF gone or still bound"

# ---- (5) a driver bound before recording; --rebind -------------------------------------
modprobe pvpanic-pci && wait_bound "/sys/bus/pci/devices/$BDF"
"$REC" --bdf "$BDF" -o "$TMP/bound.zst" -- lspci -vvv -s "$BDF" >/dev/null 2>"$TMP/bound.err" ||
	fail "recording a bound device: $(cat "$TMP/bound.err")"
grep -q "its probe is not recorded" "$TMP/bound.err" || fail "no note of the bound driver: $(cat "$TMP/bound.err")"
"$PT" info "$TMP/bound.zst" >"$TMP/binfo"
grep -q "note: a driver was bound when recording started: its probe was not recorded" "$TMP/binfo" ||
	fail "bound: info: $(cat "$TMP/binfo")"
"$PT" dump --type lifecycle "$TMP/bound.zst" | grep -q "bar_taken_over bar0" ||
	fail "bound: no bar_taken_over: $("$PT" dump "$TMP/bound.zst" | head -20)"
"$PT" dump --type driver "$TMP/bound.zst" | grep -q "driver  *pvpanic-pci" || fail "bound: driver not named"
"$RP" "$TMP/bound.zst" -- true 2>"$TMP/rb.err"
[ $? = 2 ] && grep -q "record it again with pciem-record --rebind" "$TMP/rb.err" ||
	fail "replay of a bound trace: $(cat "$TMP/rb.err")"
"$REC" --bdf "$BDF" --rebind -o "$TMP/rebind.zst" -- true 2>"$TMP/rebind.err" ||
	fail "--rebind: $(cat "$TMP/rebind.err")"
[ -e "/sys/bus/pci/devices/$BDF/driver" ] || fail "--rebind: the driver is not bound again"
"$PT" info "$TMP/rebind.zst" | grep -q "note:" && fail "--rebind: a note: $("$PT" info "$TMP/rebind.zst")"
[ "$("$PT" dump --type mmio_read "$TMP/rebind.zst" | grep -c "mmio_read *bar0+0x0 1 ")" = 1 ] ||
	fail "--rebind: the probe's read is not recorded: $("$PT" dump "$TMP/rebind.zst" | head)"
rmmod pvpanic_pci || fail "rmmod after --rebind"
ok "(5) bound driver: taken over, probe not recorded, replay refused; --rebind records the probe"

# ---- (2) no such hardware: 20 replays -------------------------------------------------
echo 1 >"/sys/bus/pci/devices/$BDF/remove" || fail "removing $BDF"
gone "/sys/bus/pci/devices/$BDF" || fail "$BDF did not leave"
lspci -n | grep -q "1b36:0011" && fail "a 1b36:0011 device is still there"
# replay NAME WANT_RC N: the workload with N more probes
replay() {
	"$RP" --report-json "$TMP/$1.json" --timeout 60 "$TMP/orig.zst" -- \
		sh -c 'exec sh "$0" "$PCIEM_REPLAY_DEVICE" "$1"' "$TMP/wl.sh" "$3" \
		>"$TMP/$1.out" 2>"$TMP/$1.err"
	_rc=$?
	[ "$_rc" = "$2" ] || { cat "$TMP/$1.err"; fail "$1: pciem-replay exited with $_rc, want $2"; }
	[ ! -e /sys/module/pvpanic_pci ] || fail "$1: pvpanic_pci still loaded"
	for _d in /sys/bus/pci/devices/1000*; do
		[ -e "$_d" ] && fail "$1: a PCIem device is left: $_d"
	done
	return 0
}
SIG='r["result"], r["exit_status"], r["status"], r["divergences"], r["trace_accesses"]'
replays_alike 20 1
[ "$(js "$TMP/ok1.json" 'r["result"], r["status"]["matched"], r["command"]["exit_status"], r["device"]["recorded_driver"]')" = \
  "('ok', $NREADS, 0, 'pvpanic-pci')" ] || fail "replay report: $(cat "$TMP/ok1.json")"
grep -q "OK: the driver made exactly the recorded accesses" "$TMP/ok1.err" || fail "no OK line: $(cat "$TMP/ok1.err")"
ok "(2) $BDF removed; 20 replays with no hardware and no model: exit 0, identical results"

# ---- (3) changed workloads ------------------------------------------------------------
# the probe's read is ioread8()'s, called by devm_pvpanic_probe()
TOTAL=$(js "$TMP/ok1.json" 'r["trace_events"]')
replay more 1 2
cat "$TMP/more.out" "$TMP/more.err" | grep -q "of device $BDF in " ||
	fail "the divergence report does not name the recorded device $BDF: $(cat "$TMP/more.out" "$TMP/more.err")"
[ "$(js "$TMP/more.json" 'r["result"], r["divergences"][0]["kind"], r["divergences"][0]["index"], r["divergences"][0]["actual"]["type"], r["divergences"][0]["actual"]["offset"], r["divergences"][0]["actual"]["size"]')" = \
  "('diverged', 'past_end', $TOTAL, 'mmio_read', 0, 1)" ] ||
	fail "a third probe: $(cat "$TMP/more.json")"
SYM=$(js "$TMP/more.json" 'r["divergences"][0]["actual"]["symbol"]')
case $SYM in ioread8+*|devm_pvpanic_probe+*) ;; *) fail "a third probe: the read is named '$SYM'" ;; esac
SECOND=$(python3 -c '
import json, sys
print([json.loads(l)["seq"] for l in open(sys.argv[1]) if "\"type\":\"mmio_read\"" in l][1])' "$TMP/orig.jsonl")
replay less 1 0
[ "$(js "$TMP/less.json" 'r["result"], r["next_expected"]["event"]["type"], r["next_expected"]["event"]["offset"], r["next_expected"]["event"]["seq"]')" = \
  "('stopped_early', 'mmio_read', 0, $SECOND)" ] || fail "one probe only: $(cat "$TMP/less.json")"
ok "(3) a third probe diverges past the end (event $TOTAL) at its read in $SYM; one probe stops early, the second probe's read (seq $SECOND) expected"

# ---- (4) recording the replay ------------------------------------------------------------
"$REC" -o "$TMP/rr.zst" -- "$RP" "$TMP/orig.zst" -- \
	sh -c 'exec sh "$0" "$PCIEM_REPLAY_DEVICE" 1' "$TMP/wl.sh" 2>"$TMP/rr.err" ||
	fail "recording the replay: $(cat "$TMP/rr.err")"
# MMIO accesses and interrupts alike; config space differs by design (the
# PCI core enumerates the replayed device; BAR addresses are the machine's)
"$PT" diff --no-config "$TMP/orig.zst" "$TMP/rr.zst" >"$TMP/diff.out" 2>&1 ||
	fail "the recorded replay differs from the original: $(cat "$TMP/diff.out")"
ok "(4) pciem-trace diff --no-config: $(head -n 1 "$TMP/diff.out")"

# ---- (7) capabilities PCIem cannot present ---------------------------------------------
# gen_trace's real_caps.zst: the same device with MSI-X, PM and a
# vendor-specific capability, interrupt pin B.  pciem-replay says what it
# leaves out, and SET_CONFIG_IMAGE takes what is left: lspci of the
# replayed device shows PM only, pin A.
GEN=$TOP/build/unit/gen_trace
[ -x "$GEN" ] || fail "$GEN missing: make check-unit (or make $GEN) builds it"
"$GEN" "$TMP" || fail "gen_trace"
"$RP" --timeout 30 "$TMP/real_caps.zst" -- \
	sh -c 'lspci -vvv -s "$PCIEM_REPLAY_DEVICE" >"$0"' "$TMP/caps.lspci" 2>"$TMP/caps.err"
rc=$?
[ $rc = 1 ] || fail "real_caps.zst: pciem-replay exited with $rc, want 1 (stopped early): $(cat "$TMP/caps.err")"
grep -q "capability MSI-X (0x11) at 0x40 is not presented: .*MSI if the device has it, else INTx" "$TMP/caps.err" ||
	fail "real_caps.zst: MSI-X not reported: $(cat "$TMP/caps.err")"
grep -q "Capabilities: \[50\] Power Management" "$TMP/caps.lspci" || fail "no PM capability: $(cat "$TMP/caps.lspci")"
grep -q "MSI-X\|Vendor Specific" "$TMP/caps.lspci" && fail "MSI-X or vendor capability presented: $(cat "$TMP/caps.lspci")"
grep -q "Interrupt: pin A" "$TMP/caps.lspci" || fail "not pin A: $(cat "$TMP/caps.lspci")"
ok "(7) MSI-X and a vendor capability reported and left out; the device presented with PM, pin A"
