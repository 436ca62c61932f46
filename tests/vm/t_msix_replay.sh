# SPDX-License-Identifier: GPL-2.0
# A PCIem device with MSI-X recorded and replayed with no device model: the
# device model (4 vectors, table at BAR0+0x800, PBA at BAR0+0xc00; a write
# of N to BAR0+0x10 fires vector N) driven by pciem_testdrv, which gets 4
# MSI-X vectors.  The workload fires each vector once, reads vector 0's
# message address from the table, fires vector 0 again while the driver
# has it disabled (the PCI core masks it in the table; the PBA shows it
# pending), enables it (delivered), and unloads the driver.
#  (1) pciem-record records it (the IRQ events name vectors 0 to 3, the PCI
#      core's table writes are in the trace); irq_counts is "2 1 1 1";
#  (2) with the model stopped, pciem-replay replays it with the same
#      workload: exit 0, "OK", the driver gets MSI-X with 4 vectors, each
#      handler ran as recorded ("2 1 1 1"), the PBA read shows vector 0
#      pending as recorded, every recorded interrupt injected, every
#      access outside the MSI-X ranges matched.  Interrupts were recorded
#      on CPU 0 and are replayed on CPU 1 (/proc/irq/default_smp_affinity),
#      so the PCI core writes another message address into the table: the
#      driver's read of it gets this machine's value, not the recorded one,
#      and no divergence comes of it.  The same with --match per-register
#      and with --timing recorded;
#  (3) the workload with one vector fewer diverges (exit 1) where the
#      recorded write firing vector 3 was expected.
. tests/vm/lib.sh

REC=$BIN/pciem-record
RP=$BIN/pciem-replay
PT=$BIN/pciem-trace
KO=$KM/testdrv/pciem_testdrv.ko
need_bins pciem-record pciem-replay pciem-trace
[ -f "$KO" ] || fail "$KO missing: run make test-kmods"
[ "$(nproc)" -ge 2 ] || notrun "needs 2 CPUs"
[ ! -e /sys/module/pciem_testdrv ] || rmmod pciem_testdrv || fail "cannot unload pciem_testdrv"

# The driver's workload on the device at $1: insmod, fire vectors $2 (in
# order), then the message address of vector 0, vector 0 fired while
# disabled and the PBA, vector 0 enabled; results in file $3; rmmod.  The
# waits are bounded so that a replay that went wrong ends.
cat >"$TMP/drv.sh" <<EOF
KO=$KO
EOF
cat >>"$TMP/drv.sh" <<'EOF'
a=$1
D=/sys/bus/pci/devices/$a
out=$3
counts_are() {	# until irq_counts is $1, at most 10 s
	_i=0
	while [ "$(cat "$D/irq_counts")" != "$1" ] && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}
rd() {	# BAR0 OFF WIDTH: the driver's read
	echo "r 0 $1 $2" >"$D/mmio" && cat "$D/mmio"
}
insmod "$KO" || exit 10
[ -e "$D/driver" ] || exit 11
echo "kind $(cat "$D/irq_kind") nvec $(cat "$D/nvec")" >"$out"
want="0 0 0 0"
for v in $2; do
	echo "w 0 0x10 4 $v" >"$D/mmio" || exit 12
	want=$(echo "$want" | awk -v v="$v" '{ $(v + 1)++; print }')
	counts_are "$want"
done
echo "after $(cat "$D/irq_counts")" >>"$out"
echo "addr0 $(rd 0x800 4)" >>"$out"
echo 0 >"$D/irq_enable" || exit 13
echo "w 0 0x10 4 0" >"$D/mmio" || exit 14
_i=0
while [ "$(rd 0xc00 8)" != 0x1 ] && [ $_i -lt 100 ]; do
	sleep 0.1
	_i=$((_i + 1))
done
echo "pba $(rd 0xc00 8) masked $(cat "$D/irq_counts")" >>"$out"
echo 1 >"$D/irq_enable" || exit 15
counts_are "$(echo "$want" | awk '{ $1++; print }')"
echo "counts $(cat "$D/irq_counts")" >>"$out"
rmmod pciem_testdrv || exit 16
EOF

# ---- (1) the recording: interrupts on CPU 0 --------------------------------------
echo 1 >/proc/irq/default_smp_affinity || fail "cannot set the default IRQ affinity"
cat >"$TMP/rec.sh" <<EOF
"$BIN/devmodel" --ready-file "$TMP/m.ready" --bar 0:4096 --msix 4:0:0x800:0:0xc00 \
	--irq-on-write 0:0x10:vec >"$TMP/m.log" 2>&1 &
m=\$!
i=0
while [ ! -s "$TMP/m.ready" ] && [ \$i -lt 200 ]; do sleep 0.1; i=\$((i + 1)); done
[ -s "$TMP/m.ready" ] || exit 20
sh "$TMP/drv.sh" "\$(cat "$TMP/m.ready")" "0 1 2 3" "$TMP/rec.out"
rc=\$?
kill \$m
wait \$m
exit \$rc
EOF
"$REC" -o "$TMP/orig.zst" -- sh "$TMP/rec.sh" 2>"$TMP/rec.err" ||
	fail "recording: $(cat "$TMP/rec.err" "$TMP/m.log")"
any_pciem_device && fail "the model's device is still there"
cat "$TMP/rec.out"
grep -q "^kind msix nvec 4$" "$TMP/rec.out" || fail "recording: the driver did not get 4 MSI-X vectors: $(cat "$TMP/rec.out")"
grep -q "^after 1 1 1 1$" "$TMP/rec.out" || fail "recording: $(cat "$TMP/rec.out")"
grep -q "^pba 0x1 masked 1 1 1 1$" "$TMP/rec.out" || fail "recording: vector 0 not pending while disabled: $(cat "$TMP/rec.out")"
grep -q "^counts 2 1 1 1$" "$TMP/rec.out" || fail "recording: $(cat "$TMP/rec.out")"
ADDR0=$(sed -n 's/^addr0 //p' "$TMP/rec.out")
"$PT" dump --json "$TMP/orig.zst" >"$TMP/orig.jsonl" || fail "dump"
python3 - "$TMP/orig.jsonl" >"$TMP/trace" <<'EOF' || fail "the recording: $(cat "$TMP/trace")"
import json, sys
irqs, table, fire = [], 0, []
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("record") != "event":
        continue
    t = e["type"]
    if t == "irq":
        irqs.append(e["vector"])
    elif t in ("mmio_read", "mmio_write") and 0x800 <= e["offset"] < 0x840:
        table += 1
    elif t == "mmio_write" and e["offset"] == 0x10:
        fire.append(int(e["value"], 16))
if sorted(set(irqs)) != [0, 1, 2, 3]:
    raise SystemExit("IRQ events name vectors %s" % irqs)
if table < 8:
    raise SystemExit("only %d accesses to the MSI-X table" % table)
if fire != [0, 1, 2, 3, 0]:
    raise SystemExit("writes to 0x10: %s" % fire)
print("irqs %s, %d table accesses" % (irqs, table))
EOF
ok "(1) recorded: $(cat "$TMP/trace"); vector 0's address $ADDR0"

# ---- (2) the replay: interrupts on CPU 1 ------------------------------------------
echo 2 >/proc/irq/default_smp_affinity || fail "cannot set the default IRQ affinity"
# replay NAME WANT_RC VECTORS [OPTIONS]: the workload replayed, firing VECTORS
replay() {
	_n=$1 _want=$2 _vecs=$3
	shift 3
	"$RP" -v "$@" --report-json "$TMP/$_n.json" --timeout 60 "$TMP/orig.zst" -- \
		sh -c 'exec sh "$0" "$PCIEM_REPLAY_DEVICE" "$1" "$2"' "$TMP/drv.sh" "$_vecs" "$TMP/$_n.out" \
		>"$TMP/$_n.stdout" 2>"$TMP/$_n.err"
	_rc=$?
	[ "$_rc" = "$_want" ] || { cat "$TMP/$_n.err" "$TMP/$_n.out"; fail "$_n: pciem-replay exited with $_rc, want $_want"; }
	[ ! -e /sys/module/pciem_testdrv ] || rmmod pciem_testdrv || fail "$_n: cannot unload pciem_testdrv"
	any_pciem_device && fail "$_n: a PCIem device is left"
	return 0
}
pgrep -x devmodel && fail "a device model runs"
replay ok 0 "0 1 2 3"
cat "$TMP/ok.out"
grep -q "OK: the driver made exactly the recorded accesses" "$TMP/ok.err" || fail "no OK line: $(cat "$TMP/ok.err")"
grep -q "capability .* not presented" "$TMP/ok.err" && fail "a capability was left out: $(cat "$TMP/ok.err")"
grep -q "^kind msix nvec 4$" "$TMP/ok.out" || fail "replay: the driver did not get 4 MSI-X vectors: $(cat "$TMP/ok.out")"
grep -q "^after 1 1 1 1$" "$TMP/ok.out" || fail "replay: $(cat "$TMP/ok.out")"
grep -q "^pba 0x1 masked 1 1 1 1$" "$TMP/ok.out" || fail "replay: vector 0 not pending while disabled: $(cat "$TMP/ok.out")"
grep -q "^counts 2 1 1 1$" "$TMP/ok.out" || fail "replay: irq_counts: $(cat "$TMP/ok.out")"
ADDR1=$(sed -n 's/^addr0 //p' "$TMP/ok.out")
[ -n "$ADDR1" ] && [ "$ADDR1" != "$ADDR0" ] ||
	fail "vector 0's message address read in the replay is $ADDR1, recorded $ADDR0: not this machine's"
res=$(js "$TMP/ok.json" '(r["result"], r["status"]["matched"] == r["trace_accesses"], r["status"]["irqs"] == r["trace_irqs"], r["status"]["irq_errors"], r["status"]["divergences"], r["trace_msix_accesses"] > 0)')
[ "$res" = "('ok', True, True, 0, 0, True)" ] || fail "replay report: $res: $(cat "$TMP/ok.json")"
grep -q "MSI-X table and PBA accesses in the trace, emulated, not compared" "$TMP/ok.err" ||
	fail "the summary does not say the MSI-X accesses were not compared: $(cat "$TMP/ok.err")"
ok "(2) replayed with no model: $(grep 'accesses matched' "$TMP/ok.err" | sed 's/^pciem-replay: //'); irq_counts $(sed -n 's/^counts //p' "$TMP/ok.out"); vector 0's address $ADDR1 (recorded $ADDR0)"
replay reg 0 "0 1 2 3" --match per-register
replay timed 0 "0 1 2 3" --timing recorded
for n in reg timed; do
	grep -q "^pba 0x1 masked 1 1 1 1$" "$TMP/$n.out" && grep -q "^counts 2 1 1 1$" "$TMP/$n.out" ||
		fail "$n: $(cat "$TMP/$n.out")"
	[ "$(js "$TMP/$n.json" '(r["result"], r["status"]["matched"] == r["trace_accesses"], r["status"]["irqs"] == r["trace_irqs"])')" = "('ok', True, True)" ] ||
		fail "$n: $(cat "$TMP/$n.json")"
done
ok "(2) the same with --match per-register and with --timing recorded"

# ---- (3) one vector fewer ----------------------------------------------------------
replay fewer 1 "0 1 2"
res=$(js "$TMP/fewer.json" '(r["result"], r["divergences"][0]["kind"], r["divergences"][0]["expected"]["type"], r["divergences"][0]["expected"]["offset"], r["divergences"][0]["expected"]["value"], r["divergences"][0]["actual"]["value"])')
case $res in
"('diverged', 'mismatch', 'mmio_write', 16, '0x3', '0x0')" | "('diverged', 'mismatch', 'mmio_write', 16, '0x00000003', '0x00000000')") ;;
*) fail "one vector fewer: $res: $(cat "$TMP/fewer.err")" ;;
esac
ok "(3) one vector fewer diverges where vector 3 was fired: $res"
