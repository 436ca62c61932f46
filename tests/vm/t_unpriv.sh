# /dev/pciem is mode 0600 and needs CAP_SYS_ADMIN: an unprivileged user
# cannot open it, nor can root without CAP_SYS_ADMIN.
. tests/vm/lib.sh

[ "$(stat -c %a /dev/pciem)" = 600 ] || fail "mode is $(stat -c %a /dev/pciem)"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN/devmodel" --bar 0:4096 2>&1) && fail "nobody opened /dev/pciem"
echo "$out" | grep -q "Permission denied" || fail "unexpected error for nobody: $out"
ok "nobody: $out"
out=$(setpriv --inh-caps=-sys_admin --bounding-set=-sys_admin "$BIN/devmodel" --bar 0:4096 2>&1) && fail "root without CAP_SYS_ADMIN opened /dev/pciem"
echo "$out" | grep -q "Operation not permitted" || fail "unexpected error without CAP_SYS_ADMIN: $out"
ok "no CAP_SYS_ADMIN: $out"
