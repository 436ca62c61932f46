# SPDX-License-Identifier: GPL-2.0
# Every MMIO instruction form drivers emit (issue 10, section 3): the test
# driver runs each form of its forms[] table by inline asm on its own page
# of a BAR in full trap, and the same instruction on kernel memory holding
# the same bytes.  For each: the registers, the flags the instruction
# defines and the memory agree (checked by the driver: "ok" in its result
# line); the device model sees the right memory (the driver reads it back
# through BAR accesses); a recording (pciem-record, pciem-trace dump) shows
# the access with its values at the instruction's own address (a
# read-modify-write: the read with the old value, then the write with the
# new one, adjacent in sequence); nothing is reported UNSUPPORTED.  Forms
# the guest CPU lacks are listed as skipped (not counted as passing).
. tests/vm/lib.sh

REC=$BIN/pciem-record
PT=$BIN/pciem-trace
load_testdrv
# 128 pages: one per form
start_model m --bar 0:0x80000 --full-trap
wait_bound "$DEV"
cat >"$TMP/forms.sh" <<EOS
k=0
while [ \$k -lt 200 ]; do
	echo "form 0 \$k 0" > $DEV/mmio 2>/dev/null
	line=\$(cat $DEV/form)
	[ "\$line" = end ] && break
	echo "\$line" >>"$TMP/forms.txt"
	k=\$((k + 1))
done
EOS
"$REC" --match 1234:0e01 -o "$TMP/f.zst" -- sh "$TMP/forms.sh" 2>"$TMP/rec.err"
rc=$?
[ $rc = 0 ] || { cat "$TMP/rec.err"; fail "pciem-record: status $rc"; }
[ -s "$TMP/forms.txt" ] || fail "no form ran"
echo "--- the driver's results (NAME KIND BAROFF LEN OLD NEW IP STATUS)"
cat "$TMP/forms.txt"
nforms=$(wc -l <"$TMP/forms.txt")
skipped=$(grep " skip " "$TMP/forms.txt" | cut -d' ' -f1 | tr '\n' ' ')
[ -z "$skipped" ] || echo "SKIPPED (the guest CPU lacks them, so not tested): $skipped"
"$PT" dump --json "$TMP/f.zst" >"$TMP/f.jsonl" || fail "pciem-trace dump"
"$PT" verify "$TMP/f.zst" || fail "pciem-trace verify"
bad=0
python3 - "$TMP/forms.txt" "$TMP/f.jsonl" <<'EOF_PY' || bad=1
import json, sys
forms = [l.split() for l in open(sys.argv[1]) if l.strip()]
evs = [json.loads(l) for l in open(sys.argv[2])]
evs = [e for e in evs if e.get("record") == "event"]
unsup = {int(e["ip"], 16) for e in evs if e["type"] == "unsupported"}
byip = {}
for e in evs:
    if e["type"] in ("mmio_read", "mmio_write") and "ip" in e:
        byip.setdefault(int(e["ip"], 16), []).append(e)
fails = 0
def bad(name, why):
    global fails
    fails += 1
    print("FAIL form %s: %s" % (name, why))
def le(hexbytes, start, size):
    b = bytes.fromhex(hexbytes)[start:start + size]
    return int.from_bytes(b, "little")
def covers(name, what, es, base, length, image):
    pos = base
    for e in es:
        if e["offset"] != pos:
            bad(name, "%s at offset %#x, want %#x" % (what, e["offset"], pos))
            return False
        want = le(image, pos - base, e["size"])
        if int(e["value"], 16) != want:
            bad(name, "%s at %#x: value %s, want %#x" % (what, pos, e["value"], want))
            return False
        pos += e["size"]
    if pos != base + length:
        bad(name, "%ss cover %#x..%#x, want %#x..%#x" % (what, base, pos, base, base + length))
        return False
    return True
for f in forms:
    name = f[0]
    if f[1] == "skip":
        continue
    kind, base, length, old, new, ip, status = f[1], int(f[2], 16), int(f[3]), f[4], f[5], int(f[6], 16), f[7]
    if status != "ok":
        bad(name, "the driver says " + " ".join(f[7:]))
    if ip in unsup:
        bad(name, "reported UNSUPPORTED")
    # forms that share an instruction (cmpxchg that succeeds, that fails)
    # use different registers: the form's accesses are those at its ip
    # inside its own range
    es = sorted((e for e in byip.get(ip, []) if base <= e["offset"] < base + max(length, 1)),
                key=lambda e: e["seq"])
    reads = [e for e in es if e["type"] == "mmio_read"]
    writes = [e for e in es if e["type"] == "mmio_write"]
    if kind == "none":
        if es:
            bad(name, "%d accesses recorded, want none" % len(es))
        continue
    if not es:
        bad(name, "no access recorded at its ip %#x" % ip)
        continue
    if any(e["bar"] != 0 for e in es):
        bad(name, "an access on another BAR")
        continue
    seqs = [e["seq"] for e in es]
    if seqs != list(range(seqs[0], seqs[0] + len(seqs))):
        bad(name, "its accesses are not adjacent in the stream: seqs %s" % seqs)
    if writes and reads and max(e["seq"] for e in reads) > min(e["seq"] for e in writes):
        bad(name, "a write before a read")
    # one instruction: every access but the first is flagged as its continuation
    same = [e.get("same_insn") for e in es]
    if same != [False] + [True] * (len(es) - 1):
        bad(name, "same_insn flags %s, want the first false and the others true" % same)
    if kind == "r":
        if writes:
            bad(name, "%d writes recorded for a read-only form" % len(writes))
        covers(name, "read", reads, base, length, old)
    elif kind == "w":
        if reads:
            bad(name, "%d reads recorded for a store" % len(reads))
        covers(name, "write", writes, base, length, new)
    elif kind == "rw":
        covers(name, "read", reads, base, length, old) and covers(name, "write", writes, base, length, new)
    elif kind == "r+w?":  # cmpxchg that fails: the read, perhaps a write of the same value
        covers(name, "read", reads, base, length, old)
        if writes:
            covers(name, "write", writes, base, length, old)
if unsup:
    print("FAIL: %d UNSUPPORTED events in the trace" % len(unsup))
    fails += 1
print("%d forms checked, %d failures" % (sum(1 for f in forms if f[1] != "skip"), fails))
sys.exit(1 if fails else 0)
EOF_PY
n=$(dmesg | grep -c "pciem: cannot emulate")
[ "$n" = 0 ] || { dmesg | grep "pciem: cannot emulate" | head -n 20; echo "FAIL: $n 'cannot emulate' lines in the kernel log"; bad=1; }
grep -q "UNSUPPORTED" "$TMP/m.log" && { echo "FAIL: the device model got UNSUPPORTED events:"; grep "UNSUPPORTED" "$TMP/m.log" | head -n 20; bad=1; }
[ $bad = 0 ] || fail "instruction forms: see above"
ok "$nforms forms right in registers, flags, memory and trace${skipped:+ (skipped: $skipped)}"
