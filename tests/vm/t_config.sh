# Config space: the standard header is emulated (BAR sizing, command,
# capability list); device-specific registers 0x40-0xff and the extended
# space are stored, read back and reported as CONFIG_WRITE events.
. tests/vm/lib.sh

start_model m --bar 0:0x2000 --bar 2:0x100000:64 --pm --msi 3:64:mask --pcie
ADDR=$(basename "$DEV")
lspci -vvv -s "$ADDR" > "$TMP/lspci.txt" || fail "lspci"
cat "$TMP/lspci.txt"
grep -q "Region 0: Memory at .* (32-bit, non-prefetchable) \[disabled\] \[size=8K\]" "$TMP/lspci.txt" || fail "BAR0"
grep -q "Region 2: Memory at .* (64-bit, non-prefetchable) \[disabled\] \[size=1M\]" "$TMP/lspci.txt" || fail "BAR2"
grep -q "Power Management version 3" "$TMP/lspci.txt" || fail "PM capability"
grep -q "MSI: Enable- Count=1/8 Maskable+ 64bit+" "$TMP/lspci.txt" || fail "MSI capability"
grep -q "Express (v2) Endpoint" "$TMP/lspci.txt" || fail "PCIe capability"
# device-specific register after the capabilities
setpci -s "$ADDR" 0xf0.l=0xcafe1234 || fail "setpci write"
[ "$(setpci -s "$ADDR" 0xf0.l)" = cafe1234 ] || fail "0xf0 did not read back"
setpci -s "$ADDR" 0x400.l=0x5a5a0001 || fail "setpci extended write"
[ "$(setpci -s "$ADDR" 0x400.l)" = 5a5a0001 ] || fail "0x400 did not read back"
# read-only identity
setpci -s "$ADDR" 0x00.w=0xffff
[ "$(setpci -s "$ADDR" 0x00.w)" = 1234 ] || fail "vendor ID is writable"
wait_until 5 log_has m "CONFIG_WRITE cfg+0xf0 4 bytes 0xcafe1234" || fail "no CONFIG_WRITE event for 0xf0"
wait_until 5 log_has m "CONFIG_WRITE cfg+0x400 4 bytes 0x5a5a0001" || fail "no CONFIG_WRITE event for 0x400"
log_has m "CONFIG_WRITE cfg+0x0 " && fail "a header write was reported as device-specific"
ok "config space"
