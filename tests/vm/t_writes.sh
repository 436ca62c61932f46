# Write trap: every driver write, at any offset and width 1/2/4/8, lands
# in BAR memory and becomes an MMIO_WRITE event with bar, offset, size and
# data, in order; reads see BAR memory.  32- and 64-bit BARs, prefetchable,
# 64 MiB (mapped by ioremap with huge pages), memset_io and memcpy_toio.
. tests/vm/lib.sh

load_testdrv
start_model m --bar 0:4096 --bar 1:0x10000:pf --bar 2:0x4000000:64:pf --bar 4:0x200000:64
wait_bound "$DEV"
grep -q "^0x" "$DEV/resource" || fail "no resources"

expect=""
w() {	# w BAR OFF WIDTH VALUE
	echo "w $1 $2 $3 $4" > "$DEV/mmio" || fail "write $*"
	expect="$expect
MMIO_WRITE bar$1+$(printf '0x%x' "$2") $3 bytes $(printf '0x%x' "$4")"
}
r() {	# r BAR OFF WIDTH EXPECTED
	echo "r $1 $2 $3" > "$DEV/mmio" || fail "read $*"
	got=$(cat "$DEV/mmio")
	[ "$got" = "$(printf '0x%x' "$4")" ] || fail "read bar$1+$2/$3: got $got want $(printf '0x%x' "$4")"
}

for bar in 0 1 2 4; do
	w $bar 0 1 0xa5
	w $bar 2 2 0xbeef
	w $bar 4 4 0x12345678
	w $bar 8 8 0x1122334455667788
	w $bar 0x7f1 1 0x5a
	w $bar 0xffe 2 0x4321
done
w 2 0x3fffff8 8 0xdeadbeefcafef00d
w 4 0x1ffffc 4 0x77
w 2 0x2000004 4 0x99
# each value is in BAR memory, as the driver reads it back
for bar in 0 1 2 4; do
	r $bar 0 1 0xa5
	r $bar 2 2 0xbeef
	r $bar 4 4 0x12345678
	r $bar 8 8 0x1122334455667788
	r $bar 0 4 0xbeef00a5
	r $bar 0 8 0x12345678beef00a5
	r $bar 0x7f1 1 0x5a
	r $bar 0xffe 2 0x4321
done
r 2 0x3fffff8 8 0xdeadbeefcafef00d
r 2 0x2000004 4 0x99
r 4 0x1ffffc 4 0x77

sleep 1
grep MMIO_WRITE "$TMP/m.log" | sed 's/^#[0-9]* //' > "$TMP/got.txt"
echo "$expect" | sed '1d' > "$TMP/want.txt"
diff -u "$TMP/want.txt" "$TMP/got.txt" || fail "MMIO_WRITE events differ from the writes made"
ok "$(wc -l < "$TMP/want.txt") writes reported in order with their values"
# sequence numbers strictly increase
grep '^#' "$TMP/m.log" | sed 's/^#\([0-9]*\).*/\1/' | awk 'NR > 1 && $1 <= prev { exit 1 } { prev = $1 }' || fail "sequence numbers not increasing"

# string forms: memset_io and memcpy_toio
n0=$(grep -c MMIO_WRITE "$TMP/m.log")
echo "set 0 0x100 64 0x3c" > "$DEV/mmio" || fail "memset_io"
echo "copy 0 0x200 40" > "$DEV/mmio" || fail "memcpy_toio"
r 0 0x100 8 0x3c3c3c3c3c3c3c3c
r 0 0x138 8 0x3c3c3c3c3c3c3c3c
r 0 0x200 4 0x03020100
r 0 0x224 4 0x27262524
sleep 1
# the events cover exactly the bytes written, contiguously, in order
grep MMIO_WRITE "$TMP/m.log" | tail -n +$((n0 + 1)) > "$TMP/str.txt"
set_next=$((0x100)); copy_next=$((0x200))
while read -r seq type where size unit data; do
	off=$((${where#bar0+}))
	if [ $off -lt $((0x200)) ]; then
		[ $off = $set_next ] || fail "memset_io event at $where, expected $(printf 0x%x $set_next)"
		set_next=$((off + size))
		case $data in 0x3c3c*|0x3c) ;; *) fail "memset_io data $data" ;; esac
	else
		[ $off = $copy_next ] || fail "memcpy_toio event at $where, expected $(printf 0x%x $copy_next)"
		copy_next=$((off + size))
	fi
done < "$TMP/str.txt"
[ $set_next = $((0x140)) ] || fail "memset_io events end at $(printf 0x%x $set_next)"
[ $copy_next = $((0x228)) ] || fail "memcpy_toio events end at $(printf 0x%x $copy_next)"
ok "memset_io and memcpy_toio ($(wc -l < "$TMP/str.txt") events)"
