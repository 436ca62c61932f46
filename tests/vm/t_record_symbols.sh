# SPDX-License-Identifier: GPL-2.0
# pciem-record while a module is loaded whose init sections lie outside
# its core (issue 10, 2.12): pciem_testdrv is loaded and its init freed
# first, so on 6.1 dummy_clock's init may land in the hole below
# dummy_clock's core (the layout that made recordings fail; whether it
# does depends on the modules' sizes, so the test says which it got).  The workload loads dummy_clock during the recording;
# the driver's probe, where pciem-record reads the module's symbols, runs
# from the module's init.  The recording succeeds, its MODULE record
# holds the core's symbols only (the init ones are counted as left out),
# the control writes are named tick_store [dummy_clock], and the file is
# created 0600 (it holds kernel addresses).
. tests/vm/lib.sh

REC=$BIN/pciem-record
CAT=$BIN/ptfcat
TRACE=$BIN/pciem-trace
need_bins pciem-record ptfcat pciem-trace

# no device of pciem_testdrv's yet: its init only registers the driver
load_testdrv

CLOCK_PAUSE_AFTER=1 CLOCK_PAUSE_FILE=$TMP/pause "$REC" -v -o "$TMP/a.zst" -- \
	sh examples/dummy_clock/workload.sh 2>"$TMP/a.err" &
rec=$!
PIDS="$PIDS $rec"
wait_until 60 test -e "$TMP/pause" || fail "the workload did not pause: $(cat "$TMP/a.err")"
text=$(cat /sys/module/dummy_clock/sections/.text)
init=$(cat /sys/module/dummy_clock/sections/.init.text)
core=$(cat /sys/module/dummy_clock/coresize)
rm -f "$TMP/pause"
wait "$rec"
rc=$?
cat "$TMP/a.err"
[ $rc = 0 ] || fail "recording: status $rc"

# module addresses are 0xffffffff........: compare their low 32 bits
low() {
	case $1 in
	0xffffffff????????) echo $((0x${1#0xffffffff})) ;;
	*) fail "not a module address: $1" ;;
	esac
}
if [ "$(low "$init")" -lt "$(low "$text")" ]; then
	where=below
elif [ "$(low "$init")" -ge $(($(low "$text") + core)) ]; then
	where=above
else
	where=inside
fi
ok "dummy_clock: .text $text, coresize $core, .init.text $init: init $where the core"
# Below the core is the layout that made recordings fail (seen on 6.1;
# it depends on what was loaded before); above it the same symbols are
# outside the core too.  Either way they must be left out, not fail.
[ "$where" != inside ] || fail "init sections inside the core?"

grep -q "module dummy_clock at $text, [0-9]* symbols ([1-9][0-9]* outside its core left out)" "$TMP/a.err" ||
	fail "no note of the init symbols left out"
"$CAT" "$TMP/a.zst" >"$TMP/a.txt" 2>"$TMP/a.caterr" || fail "unreadable: $(cat "$TMP/a.caterr")"
grep -q "^END 0$" "$TMP/a.txt" || fail "reading did not end cleanly"
grep -q "^MODULE dummy_clock base $text size $core syms [1-9]" "$TMP/a.txt" ||
	fail "MODULE record: $(grep '^MODULE' "$TMP/a.txt")"
w=$(grep -c " MMIO_WRITE bar0+0x0 4 0x1 " "$TMP/a.txt")
named=$(grep " MMIO_WRITE bar0+0x0 4 0x1 " "$TMP/a.txt" | grep -c " ip tick_store+0x[0-9a-f]* \[dummy_clock\]")
[ "$w" = 100 ] && [ "$named" = 100 ] || fail "$named of $w control writes named tick_store (want 100)"
"$TRACE" verify "$TMP/a.zst" >/dev/null || fail "pciem-trace verify"
ok "recorded; MODULE with the core's symbols only; writes named"

mode=$(stat -c %a "$TMP/a.zst")
[ "$mode" = 600 ] || fail "trace file mode $mode, want 600"
ok "trace file created 0600"
rmmod pciem_testdrv || fail "rmmod pciem_testdrv"
