# SPDX-License-Identifier: GPL-2.0
# copy_from_user() and copy_to_user() straight into and out of a BAR in
# full trap (issue 10, defect 3): the test driver's debugfs file "bar0"
# copies between the caller's buffer and its mapping of BAR 0, as some
# drivers' write() and read() do, so the emulated string instruction has
# a user-space operand.  Four copies, each several pages long and starting
# mid-page so that the emulator's chunks straddle user page boundaries:
#   1. from a buffer in memory;
#   2. to a buffer from malloc() (what 1 wrote);
#   3. to an anonymous mapping never touched (what 1 wrote);
#   4. from a shared file mapping never touched.
# Every byte arrives (checked in the model's BAR memory and in the
# buffers), and nothing loops.  Copy 1 is recorded byte for byte with the
# right values, nothing reported.  For the others (copy 2's buffer is
# fresh from malloc(), so it may not be in memory either) a user page that
# is not present when the emulator needs it cannot be faulted in from the
# fault path: where the CPU has not brought it in itself, the emulator
# stops before that element (the CPU goes on and faults it in) or, at the
# first element, reports the access (UNSUPPORTED in the trace, "cannot
# emulate" in the log) and untraps that page; so each byte of 2, 3 and 4
# is recorded with its value, or lies on a page reported that way (in
# that copy or an earlier one), and the trace and the log report the same
# number of pages.  A write
# of 4 bytes from memory at 0xf000 + 8 * N marks the start of copy N in
# the recording (however the copy splits those 4 bytes).
. tests/vm/lib.sh

REC=$BIN/pciem-record
PT=$BIN/pciem-trace
SZ=0x10000
load_testdrv
mkdir -p "$TMP/dump"
start_model m --bar 0:$SZ --full-trap --quiet --dump "$TMP/dump"
wait_bound "$DEV"
UIO=/sys/kernel/debug/pciem_testdrv/bar0
[ -e "$UIO" ] || fail "no $UIO"

cat >"$TMP/copies.py" <<'EOF_PY'
import mmap, os, sys
uio, out = sys.argv[1], sys.argv[2]
def pattern(seed, n):
    return bytes(((i * 7) ^ (i >> 9) ^ seed) & 0xff for i in range(n))
fd = os.open(uio, os.O_RDWR)
bad = []
def mark(k):
    os.pwrite(fd, bytes([k, 0, 0, 0]), 0xf000 + 8 * k)
A_OFF, A_LEN = 0x0d, 3 * 4096 + 100
B_OFF, B_LEN = 0x5005, 2 * 4096 + 300
a = pattern(0x11, A_LEN)
mark(1)
n = os.pwrite(fd, a, A_OFF)
if n != A_LEN:
    bad.append("1, write from memory: %d of %d bytes" % (n, A_LEN))
mark(2)
if os.pread(fd, A_LEN, A_OFF) != a:
    bad.append("2, read into a new buffer: differs from what was written")
mark(3)
dst = mmap.mmap(-1, 4 * 4096)
n = os.preadv(fd, [memoryview(dst)[29:29 + A_LEN]], A_OFF)
if n != A_LEN or dst[29:29 + n] != a:
    bad.append("3, read into an untouched mapping: %d bytes, %s" %
               (n, "equal" if dst[29:29 + n] == a[:n] else "differing"))
mark(4)
b = pattern(0x5c, 3 * 4096)
mfd = os.memfd_create("src")
os.write(mfd, b)
src = mmap.mmap(mfd, len(b), mmap.MAP_SHARED, mmap.PROT_READ)
n = os.pwrite(fd, memoryview(src)[77:77 + B_LEN], B_OFF)
if n != B_LEN:
    bad.append("4, write from an untouched mapping: %d of %d bytes" % (n, B_LEN))
mark(5)
# the expected BAR image, for the model's side
img = bytearray(int(sys.argv[3], 0))
img[A_OFF:A_OFF + A_LEN] = a
img[B_OFF:B_OFF + B_LEN] = b[77:77 + B_LEN]
for k in range(1, 6):
    img[0xf000 + 8 * k] = k
open(out, "wb").write(img)
for w in bad:
    print("FAIL: " + w)
sys.exit(1 if bad else 0)
EOF_PY

"$REC" --match 1234:0e01 -o "$TMP/u.zst" -- python3 "$TMP/copies.py" "$UIO" "$TMP/image" $SZ \
	>"$TMP/copies.out" 2>"$TMP/rec.err"
rc=$?
cat "$TMP/copies.out"
[ $rc = 0 ] || { cat "$TMP/rec.err"; fail "the copies or pciem-record failed (status $rc)"; }

kill -WINCH "$m_PID"
wait_until 60 grep -q '^dumped' "$TMP/m.log" || fail "the model did not dump its BAR"
cmp "$TMP/dump/bar0" "$TMP/image" || fail "the model's BAR differs from what was written"

"$PT" dump --json "$TMP/u.zst" >"$TMP/u.jsonl" || fail "pciem-trace dump"
dmesg | grep -c "pciem: cannot emulate.*an operand outside the BAR cannot be accessed" >"$TMP/nrep"
python3 - "$TMP/u.jsonl" "$TMP/image" "$(cat "$TMP/nrep")" <<'EOF_PY' || fail "the recording does not account for every byte"
import json, sys
img = open(sys.argv[2], "rb").read()
logged = int(sys.argv[3])
evs = [json.loads(l) for l in open(sys.argv[1])]
evs = [e for e in evs if e.get("record") == "event" and e.get("bar") == 0]
# the phases, split at the marker writes
phase, ph = 0, {k: [] for k in range(0, 6)}
for e in evs:
    if e["type"] == "mmio_write" and 0xf000 <= e["offset"] < 0xf040:
        if e["offset"] % 8 == 0:
            phase = int(e["value"], 16) & 0xff
        continue
    ph[phase].append(e)
untrapped = set()   # pages reported in earlier copies: no longer trapped
def check(k, kind, start, length, may_report):
    seen, reported = set(), set()
    for e in ph[k]:
        o = e["offset"]
        if e["type"] == "unsupported":
            if not may_report:
                print("copy %d: UNSUPPORTED at %#x: %s" % (k, o, e))
                return None
            reported.add(o // 4096)
            continue
        if e["type"] != kind:
            print("copy %d: an unexpected %s at %#x" % (k, e["type"], o))
            return None
        want = int.from_bytes(img[o:o + e["size"]], "little")
        if int(e["value"], 16) != want:
            print("copy %d: %s at %#x: %s, want %#x" % (k, kind, o, e["value"], want))
            return None
        seen.update(range(o, o + e["size"]))
    gone = reported | untrapped
    untrapped.update(reported)
    miss = [i for i in range(start, start + length) if i not in seen and i // 4096 not in gone]
    if miss:
        print("copy %d: %d bytes of %#x..%#x neither recorded nor on a reported page, the first %#x" %
              (k, len(miss), start, start + length, miss[0]))
        return None
    print("copy %d: %s of %#x..%#x: %d bytes recorded, pages reported: %s" %
          (k, kind, start, start + length, len(seen), sorted(reported) or "none"))
    return len(reported)
A_OFF, A_LEN = 0x0d, 3 * 4096 + 100
B_OFF, B_LEN = 0x5005, 2 * 4096 + 300
r = [check(1, "mmio_write", A_OFF, A_LEN, False), check(2, "mmio_read", A_OFF, A_LEN, True),
     check(3, "mmio_read", A_OFF, A_LEN, True), check(4, "mmio_write", B_OFF, B_LEN, True)]
if None in r:
    sys.exit(1)
if sum(r) != logged:
    print("%d pages reported in the trace, %d in the kernel log" % (sum(r), logged))
    sys.exit(1)
EOF_PY
ok "copy_from_user and copy_to_user on a trapped BAR, buffers present or not: every byte right, each recorded or its page reported"
