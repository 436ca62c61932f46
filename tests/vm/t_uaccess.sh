# SPDX-License-Identifier: GPL-2.0
# copy_from_user() and copy_to_user() straight into and out of a BAR in
# full trap (issue 10, defect 3): the test driver's debugfs file "bar0"
# copies between the caller's buffer and its mapping of BAR 0, as some
# drivers' write() and read() do, so the emulated string instruction has
# a user-space operand.  Four copies, each several pages long and starting
# mid-page so that the emulator's chunks straddle user page boundaries:
#   1. from a buffer in memory;
#   2. to a buffer from malloc() (what 1 wrote; its pages may not be in
#      memory yet);
#   3. to an anonymous mapping never touched (what 1 wrote);
#   4. from a shared file mapping never touched.
# A user page not in memory cannot be brought in by the fault path; the
# driver is sent to fault it in itself and retries (pciem_uaccess.c).  So
# every byte arrives (checked in the model's BAR memory and in the
# buffers), each copy is recorded with every byte exactly once and the
# right values, and nothing is reported UNSUPPORTED.  Then:
#   5. to a bad user pointer: the copy fails with EFAULT as it would
#      without PCIem and never loops; the driver cannot fault that page
#      in, so the access is reported once (UNSUPPORTED, and "cannot
#      emulate" in the log) and its BAR page untrapped, and the CPU then
#      takes its own fault; the device is not read;
#   6. from a bad user pointer: the CPU faults on the user address before
#      touching the BAR: EFAULT, and copy_from_user() zeroes the 64 bytes
#      it could not copy (64 bytes of zero writes in the recording).
# A write of 4 bytes from memory at 0xf000 + 8 * N marks the start of copy
# N in the recording (however the copy splits those 4 bytes).
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
import ctypes, errno, mmap, os, sys
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
libc = ctypes.CDLL(None, use_errno=True)
for f in (libc.pread, libc.pwrite):
    f.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_long]
n = libc.pread(fd, ctypes.c_void_p(0x1000), 64, 0xa000)
if n != -1 or ctypes.get_errno() != errno.EFAULT:
    bad.append("5, read into a bad pointer: %d (errno %d), want -1 (EFAULT)" % (n, ctypes.get_errno()))
mark(6)
n = libc.pwrite(fd, ctypes.c_void_p(0x1000), 64, 0xb000)
if n != -1 or ctypes.get_errno() != errno.EFAULT:
    bad.append("6, write from a bad pointer: %d (errno %d), want -1 (EFAULT)" % (n, ctypes.get_errno()))
mark(7)
# the expected BAR image, for the model's side
img = bytearray(int(sys.argv[3], 0))
img[A_OFF:A_OFF + A_LEN] = a
img[B_OFF:B_OFF + B_LEN] = b[77:77 + B_LEN]
for k in range(1, 8):
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
python3 - "$TMP/u.jsonl" "$TMP/image" <<'EOF_PY' || fail "the recording is not every byte once"
import json, sys
img = open(sys.argv[2], "rb").read()
evs = [json.loads(l) for l in open(sys.argv[1])]
evs = [e for e in evs if e.get("record") == "event" and e.get("bar") == 0]
# the copies, split at the marker writes
phase, ph = 0, {k: [] for k in range(0, 8)}
for e in evs:
    if e["type"] == "mmio_write" and 0xf000 <= e["offset"] < 0xf040:
        if e["offset"] % 8 == 0:
            phase = int(e["value"], 16) & 0xff
        continue
    ph[phase].append(e)
def check(k, kind, start, length):
    seen = {}
    for e in ph[k]:
        o = e["offset"]
        if e["type"] != kind:
            print("copy %d: an unexpected %s at %#x: %s" % (k, e["type"], o, e))
            return False
        want = int.from_bytes(img[o:o + e["size"]], "little")
        if int(e["value"], 16) != want:
            print("copy %d: %s at %#x: %s, want %#x" % (k, kind, o, e["value"], want))
            return False
        for i in range(o, o + e["size"]):
            seen[i] = seen.get(i, 0) + 1
    bad = [i for i in range(start, start + length) if seen.get(i, 0) != 1]
    extra = [i for i in seen if not start <= i < start + length]
    if bad or extra:
        i = (bad + extra)[0]
        print("copy %d: %d bytes of %#x..%#x not recorded once, %d outside; the first %#x (%d times)" %
              (k, len(bad), start, start + length, len(extra), i, seen.get(i, 0)))
        return False
    print("copy %d: %s of %#x..%#x: every byte once" % (k, kind, start, start + length))
    return True
A_OFF, A_LEN = 0x0d, 3 * 4096 + 100
B_OFF, B_LEN = 0x5005, 2 * 4096 + 300
r = [check(1, "mmio_write", A_OFF, A_LEN), check(2, "mmio_read", A_OFF, A_LEN),
     check(3, "mmio_read", A_OFF, A_LEN), check(4, "mmio_write", B_OFF, B_LEN)]
# 5: the bad pointer: one UNSUPPORTED, at its page, and nothing else
u = [e for e in ph[5] if e["type"] == "unsupported"]
if len(u) != 1 or u[0]["offset"] != 0xa000 or len(ph[5]) != 1:
    print("copy 5: %d UNSUPPORTED (want 1, at 0xa000), %d events: %s" % (len(u), len(ph[5]), ph[5][:3]))
    r.append(False)
else:
    print("copy 5: reported once, at 0xa000")
r.append(check(6, "mmio_write", 0xb000, 64))
sys.exit(0 if all(r) else 1)
EOF_PY
n=$(dmesg | grep -c "pciem: cannot emulate")
[ "$n" = 1 ] || fail "$n 'cannot emulate' lines in the kernel log, want 1 (the bad pointer's): $(dmesg | grep 'cannot emulate')"
ok "copy_from_user and copy_to_user on a trapped BAR, user pages in memory or not: every byte right and recorded once; a bad pointer gets EFAULT"
