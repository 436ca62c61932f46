# SPDX-License-Identifier: GPL-2.0
# vm-devices: bochs-display
#
# A real display device recorded and replayed (issue 13): QEMU's
# bochs-display (1234:1111: BAR0 16 MiB of video memory, prefetchable,
# mapped write-combining; BAR2 4 KiB of registers; driver bochs-drm) is
# real hardware to the guest.  The workload loads the driver, sets a
# 320x240 mode through KMS (a dumb buffer pinned into video memory, which
# TTM clears through a second write-combining mapping of BAR0, then the
# mode registers written through BAR2), closes the device (the mode is
# switched off) and unloads the driver.  fbdev emulation is turned off
# first (drm_kms_helper's fbdev_emulation): fbcon would otherwise draw
# into the framebuffer from timers (the cursor), which no two runs do
# alike.
#  (1) the recording: both memory BARs, the two mappings of BAR0, the mode
#      (320 and 240 written to the width and height registers), the whole
#      buffer cleared;
#  (2) the device removed from the guest, the trace replays with no model,
#      20 times: exit 0, identical results;
#  (3) a 400x300 mode instead diverges, exit 1, at the first access past
#      the recorded buffer's clear, in the same place each time;
#  (4) a recording of the replay has the original's MMIO accesses.
. tests/vm/lib.sh

REC=$BIN/pciem-record
RP=$BIN/pciem-replay
PT=$BIN/pciem-trace
need_bins pciem-record pciem-replay pciem-trace
modinfo bochs >/dev/null 2>&1 || notrun "no bochs module in $KVER"

BDF=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1234:0x1111 ] && BDF=$(basename "$d")
done
[ -n "$BDF" ] || fail "no bochs-display device (1234:1111) in the guest"
rmmod bochs 2>/dev/null
modprobe drm_kms_helper || fail "modprobe drm_kms_helper"
echo 0 >/sys/module/drm_kms_helper/parameters/fbdev_emulation || fail "fbdev emulation cannot be turned off"

# KMS from Python: the first connector's mode WxH on the first CRTC, with
# a dumb buffer (DRM_IOCTL_MODE_GETRESOURCES, GETCONNECTOR, CREATE_DUMB,
# ADDFB, SETCRTC).
cat >"$TMP/kms.py" <<'EOF'
import ctypes, fcntl, os, struct, sys

def iowr(nr, size):
    return (3 << 30) | (size << 16) | (ord('d') << 8) | nr

GETRES, GETCONN, SETCRTC = iowr(0xA0, 64), iowr(0xA7, 80), iowr(0xA2, 104)
ADDFB, CREATE_DUMB = iowr(0xAE, 28), iowr(0xB2, 32)
fd = os.open(sys.argv[1], os.O_RDWR)
want = (int(sys.argv[2]), int(sys.argv[3]))
res = bytearray(64)
fcntl.ioctl(fd, GETRES, res)
nfb, ncrtc, nconn, nenc = struct.unpack_from("4I", res, 32)
fbs, crtcs = (ctypes.c_uint32 * max(nfb, 1))(), (ctypes.c_uint32 * ncrtc)()
conns, encs = (ctypes.c_uint32 * nconn)(), (ctypes.c_uint32 * max(nenc, 1))()
struct.pack_into("4Q4I", res, 0, *map(ctypes.addressof, (fbs, crtcs, conns, encs)), 0, ncrtc, nconn, nenc)
fcntl.ioctl(fd, GETRES, res)
conn = bytearray(80)
struct.pack_into("I", conn, 48, conns[0])
fcntl.ioctl(fd, GETCONN, conn)
nmodes = struct.unpack_from("I", conn, 32)[0]
modes = ctypes.create_string_buffer(68 * nmodes)
props, pvals, cencs = (ctypes.c_uint32 * 64)(), (ctypes.c_uint64 * 64)(), (ctypes.c_uint32 * 8)()
conn = bytearray(80)
struct.pack_into("4Q3I", conn, 0, *map(ctypes.addressof, (cencs, modes, props, pvals)), nmodes, 0, 0)
struct.pack_into("I", conn, 48, conns[0])
fcntl.ioctl(fd, GETCONN, conn)
# a mode of the connector's list of that size, else the first one made
# that size (its timings stay valid: only the visible area shrinks)
mode = [modes.raw[68 * i:68 * i + 68] for i in range(nmodes)
        if struct.unpack_from("H", modes.raw, 68 * i + 4)[0] == want[0] and
        struct.unpack_from("H", modes.raw, 68 * i + 14)[0] == want[1]]
if not mode:
    m = bytearray(modes.raw[0:68])
    assert struct.unpack_from("H", m, 4)[0] >= want[0] and struct.unpack_from("H", m, 14)[0] >= want[1]
    struct.pack_into("H", m, 4, want[0])
    struct.pack_into("H", m, 14, want[1])
    struct.pack_into("I", m, 28, 0)                     # type: user defined
    m[36:68] = (b"%dx%d" % want).ljust(32, b"\0")
    mode = [bytes(m)]
dumb = bytearray(32)
struct.pack_into("4I", dumb, 0, want[1], want[0], 32, 0)
fcntl.ioctl(fd, CREATE_DUMB, dumb)
handle, pitch = struct.unpack_from("2I", dumb, 16)
fb = bytearray(28)
struct.pack_into("7I", fb, 0, 0, want[0], want[1], pitch, 32, 24, handle)
fcntl.ioctl(fd, ADDFB, fb)
one = (ctypes.c_uint32 * 1)(conns[0])
crtc = bytearray(104)
struct.pack_into("Q6II", crtc, 0, ctypes.addressof(one), 1, crtcs[0], struct.unpack_from("I", fb)[0],
                 0, 0, 0, 1)
crtc[36:104] = mode[0]
fcntl.ioctl(fd, SETCRTC, crtc)
os.close(fd)
EOF

# the workload on the device at $1: mode $2 x $3
cat >"$TMP/wl.sh" <<EOF
a=\$1
modprobe bochs || exit 10
card=\$(ls -d /sys/bus/pci/devices/\$a/drm/card* 2>/dev/null | head -n 1)
[ -n "\$card" ] || exit 11
python3 $TMP/kms.py /dev/dri/\${card##*/} \$2 \$3 || exit 12
rmmod bochs || exit 13
EOF

# ---- (1) the recording -----------------------------------------------------------
"$REC" --bdf "$BDF" -o "$TMP/orig.zst" -- sh "$TMP/wl.sh" "$BDF" 320 240 2>"$TMP/rec.err" ||
	fail "recording: $(cat "$TMP/rec.err")"
"$PT" info "$TMP/orig.zst" >"$TMP/info" || fail "info"
grep -q "^  $BDF  1234:1111  driver bochs-drm" "$TMP/info" || fail "info: $(cat "$TMP/info")"
grep -q "^    BAR0  16 MiB  *mem.. prefetchable" "$TMP/info" || fail "info: BAR0: $(cat "$TMP/info")"
grep -q "^    BAR2  4 KiB  *mem" "$TMP/info" || fail "info: BAR2: $(cat "$TMP/info")"
"$PT" dump --json --type mmio,lifecycle "$TMP/orig.zst" | python3 -c '
import json, sys
maps, regs, n0, top = [], {}, 0, 0
for line in sys.stdin:
    e = json.loads(line)
    if e["record"] != "event":
        continue
    if e["type"] == "lifecycle" and e["lifecycle"] == "bar_mapped":
        maps.append((e["bar"], e["map_size"]))
    elif e["type"] == "mmio_write" and e["bar"] == 2:
        regs.setdefault(e["offset"], []).append(int(e["value"], 16))
    elif e["type"] == "mmio_write" and e["bar"] == 0:
        n0 += e["size"]
        top = max(top, e["offset"] + e["size"])
bar0_maps = [s for b, s in maps if b == 0]
assert (2, 4096) in maps and 16 << 20 in bar0_maps and len(bar0_maps) == 2, maps
assert 320 in regs.get(0x502, []) and 240 in regs.get(0x504, []), regs
assert n0 == top == 320 * 240 * 4, (n0, top)
print(n0)
' >"$TMP/n" || fail "the recording: $(cat "$TMP/n")"
EVENTS=$("$PT" info "$TMP/orig.zst" | sed -n 's/^events  *//p')
ok "(1) recorded $BDF: $EVENTS events; BAR0 mapped twice (16 MiB, then the buffer), 320x240 set through BAR2, $(cat "$TMP/n") bytes of the buffer cleared through BAR0"

# ---- (2) no such hardware: 20 replays -------------------------------------------------
echo 1 >"/sys/bus/pci/devices/$BDF/remove" || fail "removing $BDF"
gone "/sys/bus/pci/devices/$BDF" || fail "$BDF did not leave"
# The clear is 300,000 one-byte writes in a row on 6.1 (rep stosb), too
# fast for the feeder to follow on a loaded 2-CPU TCG guest: the FIFO
# holds the whole trace beforehand.
replay() {	# NAME WANT_RC W H
	"$RP" --fifo 524288 --report-json "$TMP/$1.json" --timeout 300 "$TMP/orig.zst" -- \
		sh -c 'exec sh "$0" "$PCIEM_REPLAY_DEVICE" "$1" "$2"' "$TMP/wl.sh" "$3" "$4" \
		>"$TMP/$1.out" 2>"$TMP/$1.err"
	_rc=$?
	[ "$_rc" = "$2" ] || { cat "$TMP/$1.err"; fail "$1: pciem-replay exited with $_rc, want $2"; }
	[ ! -e /sys/module/bochs ] || fail "$1: bochs still loaded"
	for _d in /sys/bus/pci/devices/1000*; do
		[ -e "$_d" ] && fail "$1: a PCIem device is left: $_d"
	done
	return 0
}
SIG='r["result"], r["exit_status"], r["status"], r["divergences"], r["trace_accesses"]'
N=20
replays_alike $N 320 240
[ "$(js "$TMP/ok1.json" 'r["result"], r["status"]["matched"] == r["trace_accesses"], r["command"]["exit_status"]')" = \
  "('ok', True, 0)" ] || fail "replay report: $(cat "$TMP/ok1.json")"
ok "(2) $BDF removed; $N replays of $(js "$TMP/ok1.json" 'r["trace_accesses"]') accesses with no hardware and no model: exit 0, identical results$(grep -q 'not presented' "$TMP/ok1.err" && echo "; $(grep -m1 'not presented' "$TMP/ok1.err" | sed 's/.*: capability/capability/')")"

# ---- (3) another mode -------------------------------------------------------------------
# the expected access where 400x300 first differs: the first after the
# recorded buffer's clear (the larger buffer's clear goes on)
FIRST=$("$PT" dump --json --type mmio "$TMP/orig.zst" | python3 -c '
import json, sys
after, pending = None, False
for line in sys.stdin:
    e = json.loads(line)
    if e["record"] != "event":
        continue
    if e["bar"] == 0:
        pending = True
    elif pending:
        after, pending = e, False
print(after["seq"], after["bar"], after["offset"])')
for i in 1 2; do
	replay big$i 1 400 300
	js "$TMP/big$i.json" 'r["divergences"][0]["kind"], r["divergences"][0]["expected"]["seq"], r["divergences"][0]["expected"]["bar"], r["divergences"][0]["expected"]["offset"], r["divergences"][0]["actual"]["bar"], r["divergences"][0]["actual"]["offset"]' >"$TMP/bsig.$i"
done
cmp -s "$TMP/bsig.1" "$TMP/bsig.2" || fail "400x300 twice: $(cat "$TMP/bsig.1") vs $(cat "$TMP/bsig.2")"
set -- $FIRST
[ "$(cat "$TMP/bsig.1")" = "('mismatch', $1, $2, $3, 0, $((320 * 240 * 4)))" ] ||
	fail "400x300: divergence $(cat "$TMP/bsig.1"), want the access at seq $1 (bar$2+$3) met by bar0+$((320 * 240 * 4)): $(head -c 3000 "$TMP/big1.json")"
ok "(3) 400x300 diverges at seq $1 (bar$2+$3 expected), met by the clear's write at bar0+$((320 * 240 * 4)), twice alike"

# ---- (4) recording the replay ------------------------------------------------------------
"$REC" -o "$TMP/rr.zst" -- "$RP" --fifo 524288 "$TMP/orig.zst" -- \
	sh -c 'exec sh "$0" "$PCIEM_REPLAY_DEVICE" 320 240' "$TMP/wl.sh" 2>"$TMP/rr.err" ||
	fail "recording the replay: $(cat "$TMP/rr.err")"
# MMIO accesses and interrupts alike; config space differs by design
"$PT" diff --no-config "$TMP/orig.zst" "$TMP/rr.zst" >"$TMP/diff.out" 2>&1 ||
	fail "the recorded replay differs from the original: $(head -c 3000 "$TMP/diff.out")"
ok "(4) pciem-trace diff --no-config: $(head -n 1 "$TMP/diff.out")"
