# Every MMIO accessor (readX/writeX at each width, ioreadX/iowriteX, the
# big-endian forms, __raw_*, memcpy_toio/fromio, memset_io, the _rep
# string forms) and config-space accesses, in full trap: the driver reads
# back what it wrote (checked in the driver), and the trace channel shows
# exactly that sequence with those values, in order.
. tests/vm/lib.sh

"$BIN/tracecat" --match id:1234:0e01 --ready "$TMP/rec.ready" >"$TMP/rec.log" 2>&1 &
REC=$!
PIDS="$PIDS $REC"
wait_until 10 test -e "$TMP/rec.ready" || fail "recorder did not start"
load_testdrv
start_model m --bar 0:4096 --full-trap --quiet
wait_bound "$DEV"
echo "exercise 0 0 0" > "$DEV/mmio" || { dmesg | grep exercise; fail "the driver read back wrong values"; }
sleep 1
kill $REC; wait $REC
D=$(sed -n 's/^DEVICE \([0-9a-f]*\) 1234:0e01.*/\1/p' "$TMP/rec.log")
# the accesses between the markers, as TYPE where size value
sed -n '/MMIO_WRITE bar0+0xf00 4 0xdeadbeef/,/MMIO_WRITE bar0+0xf04 4 0xfeedface/p' "$TMP/rec.log" |
	grep "^EVENT $D " | awk '{print $4, $5, $6, $7}' > "$TMP/got.txt"
cat > "$TMP/want-head.txt" <<'EOT'
MMIO_WRITE bar0+0xf00 4 0xdeadbeef
MMIO_WRITE bar0+0x0 1 0x11
MMIO_WRITE bar0+0x2 2 0x2222
MMIO_WRITE bar0+0x4 4 0x33333333
MMIO_WRITE bar0+0x8 8 0x4444444444444444
MMIO_READ bar0+0x0 1 0x11
MMIO_READ bar0+0x2 2 0x2222
MMIO_READ bar0+0x4 4 0x33333333
MMIO_READ bar0+0x8 8 0x4444444444444444
MMIO_WRITE bar0+0x10 1 0x55
MMIO_WRITE bar0+0x12 2 0x6666
MMIO_WRITE bar0+0x14 4 0x77777777
MMIO_READ bar0+0x10 1 0x55
MMIO_READ bar0+0x12 2 0x6666
MMIO_READ bar0+0x14 4 0x77777777
MMIO_WRITE bar0+0x18 4 0x4030201
MMIO_READ bar0+0x18 4 0x4030201
MMIO_WRITE bar0+0x1c 4 0x89abcdef
MMIO_READ bar0+0x1c 4 0x89abcdef
CONFIG_WRITE bar0+0xf0 4 0xa5a5a5a5
CONFIG_READ bar0+0xf0 4 0xa5a5a5a5
EOT
n=$(wc -l < "$TMP/want-head.txt")
head -n "$n" "$TMP/got.txt" | diff -u "$TMP/want-head.txt" - || fail "accessor sequence differs"
# string forms: widths are the kernel's choice; check bytes and order
tail -n +$((n + 1)) "$TMP/got.txt" > "$TMP/str.txt"
cover() {	# cover TYPE FROM TO: the TYPE events at FROM..TO are contiguous
	next=$(($2)); bytes=0
	grep "^$1 bar0+" "$TMP/str.txt" | while read -r type where size value; do
		off=$((${where#bar0+}))
		[ $off -ge $(($2)) ] && [ $off -lt $(($3)) ] || continue
		[ $off = $next ] || { echo "$type at $where, expected $(printf 0x%x $next)"; exit 1; }
		next=$((off + size))
		[ $next = $(($3)) ] && echo done
	done | tail -n 1 | grep -q '^done$'
}
cover MMIO_WRITE 0x100 0x140 || fail "memcpy_toio not covered byte for byte"
cover MMIO_READ 0x100 0x140 || fail "memcpy_fromio not covered byte for byte"
cover MMIO_WRITE 0x200 0x220 || fail "memset_io not covered byte for byte"
[ "$(grep -c '^MMIO_WRITE bar0+0x300 4 ' "$TMP/str.txt")" = 4 ] || fail "iowrite32_rep: not 4 writes"
[ "$(grep -c '^MMIO_READ bar0+0x300 4 ' "$TMP/str.txt")" = 4 ] || fail "ioread32_rep: not 4 reads"
grep '^MMIO_WRITE bar0+0x300 4 ' "$TMP/str.txt" | awk '{print $4}' | tr '\n' ' ' | grep -q '^0x10 0x20 0x30 0x40 $' || fail "iowrite32_rep values"
tail -n 1 "$TMP/got.txt" | grep -q "^MMIO_WRITE bar0+0xf04 4 0xfeedface$" || fail "end marker"
ok "$(wc -l < "$TMP/got.txt") accesses recorded as made"
