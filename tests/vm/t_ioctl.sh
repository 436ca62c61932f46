# Every invalid ioctl input gets its documented errno; a seeded random
# run of 20000 calls gets only documented answers (and pciem-vm checks
# that the kernel log stays clean).
. tests/vm/lib.sh

"$BIN/ioctl_check" table > "$TMP/table.txt"
rc=$?
grep -v '^ok' "$TMP/table.txt"
[ $rc = 0 ] || fail "ioctl table"
[ "$(grep -c '^ok' "$TMP/table.txt")" -ge 60 ] || fail "ioctl table ran too few checks"
ok "$(grep -c '^ok' "$TMP/table.txt") table entries"
"$BIN/ioctl_check" random 20261124 20000 || fail "random ioctl run"
rmmod pciem || fail "rmmod after the random run"
