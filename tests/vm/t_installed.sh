# SPDX-License-Identifier: GPL-2.0
# The tools as installed by make install (PREFIX=/usr, into a DESTDIR on
# the guest's tmpfs), away from the build tree: the installed
# pciem-record records the counter device's workload, loading the
# LTTng-UST provider from the installed lib/pciem/; the installed
# pciem-trace verifies the trace and names its registers with the
# installed register map; the installed pciem-replay replays it clean
# against the driver (exit 0), and diverges against the regressed one
# (regress=1, exit 1).
. tests/vm/lib.sh

need_bins pciem-record pciem-replay pciem-trace
WL=examples/dummy_clock/workload.sh
export CLOCK_WAIT=5
ROOT=$TMP/root
make -s install DESTDIR="$ROOT" PREFIX=/usr >"$TMP/install.log" 2>&1 ||
	fail "make install: $(cat "$TMP/install.log")"
P=$ROOT/usr
REGS=$P/share/pciem/regs/dummy_clock.regs
[ -f "$REGS" ] || fail "no installed register map $REGS"
ok "make install DESTDIR=$ROOT PREFIX=/usr"

"$P/bin/pciem-record" -v -o "$TMP/clock.zst" -- sh "$WL" 2>"$TMP/rec.err" ||
	fail "installed pciem-record: $(cat "$TMP/rec.err")"
if [ -e "$TOP/build/lib/libpciem-tp.so" ]; then
	grep -q -F "tracepoints on ($P/bin/../lib/pciem/libpciem-tp.so)" "$TMP/rec.err" ||
		fail "the installed provider was not loaded: $(cat "$TMP/rec.err")"
	ok "installed pciem-record recorded, with the installed LTTng-UST provider"
else
	ok "installed pciem-record recorded (no provider built)"
fi

"$P/bin/pciem-trace" verify "$TMP/clock.zst" >"$TMP/verify.out" 2>&1 ||
	fail "installed pciem-trace verify: $(cat "$TMP/verify.out")"
"$P/bin/pciem-trace" dump --regs "$REGS" --type mmio_write "$TMP/clock.zst" >"$TMP/dump.out" 2>&1 ||
	fail "installed pciem-trace dump: $(cat "$TMP/dump.out")"
grep -q ' CONTROL ' "$TMP/dump.out" || fail "dump names no CONTROL write: $(head "$TMP/dump.out")"
ok "installed pciem-trace: the trace verifies, the installed map names its registers"

"$P/bin/pciem-replay" --regs "$REGS" "$TMP/clock.zst" -- sh "$WL" >"$TMP/ok.out" 2>"$TMP/ok.err" ||
	fail "installed pciem-replay, good driver: exit $?: $(cat "$TMP/ok.err")"
grep -q 'OK: the driver made exactly the recorded accesses' "$TMP/ok.err" ||
	fail "installed pciem-replay: no OK line: $(cat "$TMP/ok.err")"
rc=0
DUMMY_CLOCK_PARAMS=regress=1 "$P/bin/pciem-replay" --regs "$REGS" "$TMP/clock.zst" -- sh "$WL" \
	>"$TMP/bad.out" 2>"$TMP/bad.err" || rc=$?
[ "$rc" = 1 ] || fail "installed pciem-replay, regressed driver: exit $rc, want 1: $(cat "$TMP/bad.err")"
grep -q 'DIVERGED' "$TMP/bad.err" || fail "no DIVERGED line: $(cat "$TMP/bad.err")"
ok "installed pciem-replay: clean against the driver, diverges against the regressed one"
