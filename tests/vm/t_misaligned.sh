# SPDX-License-Identifier: GPL-2.0
# A misaligned access that crosses into a trapped page (issue 10, section
# 2 defect 11, "scalar accesses use cr2 instead of the decoded address").
# Page 0 of the driver's mapping is untrapped (an instruction PCIem will
# never emulate: "sgdt", reported UNSUPPORTED), page 1 stays trapped.  A
# 4-byte access at 0xffe then faults with cr2 at 0x1000, but it starts at
# 0xffe: written bytes must land at 0xffe..0x1001, and a read must return
# the bytes at 0xffe..0x1001.  In write trap (the write) and in full trap
# (the read).
. tests/vm/lib.sh

rd() {	# rd BAR OFF WIDTH EXPECTED WHAT
	echo "r $1 $2 $3" > "$DEV/mmio" || fail "read $*"
	got=$(cat "$DEV/mmio")
	[ "$got" = "$4" ] || bad="$bad; $5: read bar$1+$2/$3 gives $got, want $4"
}
pte() {	# pte OFF: 0 not present, 1 read-only, 2 writable
	echo "pte 0 $1 0" > "$DEV/mmio"
	cat "$DEV/mmio"
}
bad=""
load_testdrv

# write trap: the write crosses from the untrapped page into the trapped one
start_model w --bar 0:8192 --fill 0:0x33
wait_bound "$DEV"
echo "untrap 0 0x800 0" > "$DEV/mmio" || fail "untrap"
wait_until 5 log_has w "UNSUPPORTED bar0+0x800" || fail "the sgdt was not reported UNSUPPORTED"
[ "$(pte 0)" = 0x2 ] && [ "$(pte 0x1000)" = 0x1 ] || fail "set-up: page 0 pte $(pte 0), page 1 pte $(pte 0x1000), want 0x2 and 0x1"
echo "w 0 0xffe 4 0x11223344" > "$DEV/mmio" || fail "write at 0xffe"
rd 0 0xffe 4 0x11223344 "write trap, write at 0xffe"
rd 0 0x1000 4 0x33331122 "write trap, write at 0xffe"
sleep 1
grep "MMIO_WRITE bar0+0xf\|MMIO_WRITE bar0+0x100" "$TMP/w.log" | sed 's/^/model: /'
kill "$w_PID"; wait "$w_PID"
gone "$DEV" || fail "device w still there"

# full trap: the read crosses from the untrapped page into the trapped one
start_model f --bar 0:8192 --fill 0:0x33 --full-trap
wait_bound "$DEV"
echo "w 0 0x1000 4 0xaabbccdd" > "$DEV/mmio" || fail "write at 0x1000"
echo "untrap 0 0x800 0" > "$DEV/mmio" || fail "untrap"
wait_until 5 log_has f "UNSUPPORTED bar0+0x800" || fail "the sgdt was not reported UNSUPPORTED"
[ "$(pte 0)" = 0x2 ] && [ "$(pte 0x1000)" = 0x0 ] || fail "set-up: page 0 pte $(pte 0), page 1 pte $(pte 0x1000), want 0x2 and 0x0"
rd 0 0xffe 4 0xccdd3333 "full trap, read at 0xffe"
sleep 1
grep "MMIO_READ bar0+0xf\|MMIO_READ bar0+0x100" "$TMP/f.log" | sed 's/^/model: /'
[ -z "$bad" ] || fail "${bad#; }"
ok "misaligned accesses crossing into a trapped page land at their own address"
