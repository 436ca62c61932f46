# SPDX-License-Identifier: GPL-2.0
# pciem-record --stacks with concurrent accesses (issue 12): kernel threads
# on CPUs 0 and 1 hammer BAR 0 (at 0x10 and 0x18) while a shell writes the
# test driver's sysfs file in a loop (at 0x100).  Each event's stack is its
# own thread's: a hammer thread's accesses have a stack through kthread
# and not mmio_store; the shell's through mmio_store and vfs_write and not
# kthread.  A join that mixed events up (by seq alone, or off by one)
# would give some events the other kind's stack.  At least 99% of the
# MMIO events have a stack.
. tests/vm/lib.sh

REC=$BIN/pciem-record
TRACE=$BIN/pciem-trace
need_bins pciem-record pciem-trace
[ "$(nproc)" -ge 2 ] || notrun "needs 2 CPUs"
load_testdrv
start_model m --bar 0:0x1000 --full-trap --quiet
wait_bound "$DEV"

cat >"$TMP/work.sh" <<EOS
echo "hammer 0 0x10 2" > "$DEV/mmio" || exit 1
i=0
while [ \$i -lt 20 ]; do
	echo "loop 0 0x100 20 \$i" > "$DEV/mmio" || exit 1
	i=\$((i + 1))
done
echo "stop 0 0 0" > "$DEV/mmio"
cat "$DEV/mmio"
EOS
"$REC" --stacks --bdf "$(basename "$DEV")" -o "$TMP/h.zst" -- sh "$TMP/work.sh" 2>"$TMP/h.err"
rc=$?
cat "$TMP/h.err"
[ $rc = 0 ] || fail "recording: status $rc"
! grep -q "BPF program took" "$TMP/h.err" || fail "the BPF program timed itself without PCIEM_STACKS_TIMING"
"$TRACE" dump --json "$TMP/h.zst" >"$TMP/h.json" || fail "dump --json"

awk '
/"type":"mmio_(read|write)"/ {
	match($0, /"offset":[0-9]+/); off = substr($0, RSTART + 9, RLENGTH - 9) + 0
	kind = off == 16 || off == 24 ? "hammer" : off == 256 ? "shell" : ""
	if (kind == "")
		next
	n[kind]++
	if ($0 !~ /"stack":\[/) { nostack++; if (nostack < 4) print "no stack: " $0; next }
	kt = $0 ~ /"kthread\+0x[0-9a-f]* \[vmlinux\]"/
	ms = $0 ~ /"mmio_store\+0x[0-9a-f]* \[pciem_testdrv\]"/
	vw = $0 ~ /"vfs_write\+0x[0-9a-f]* \[vmlinux\]"/
	if (kind == "hammer" && (!kt || ms)) { bad++; if (bad < 4) print "hammer event with a foreign stack: " $0 }
	if (kind == "shell" && (kt || !ms || !vw)) { bad++; if (bad < 4) print "shell event with a foreign stack: " $0 }
}
END {
	printf "hammer events %d, shell events %d, without a stack %d, with a foreign stack %d\n",
		n["hammer"], n["shell"], nostack, bad
	if (n["hammer"] < 100 || n["shell"] < 400 || bad || nostack * 100 > n["hammer"] + n["shell"])
		exit 1
}' "$TMP/h.json" || fail "stacks do not belong to their events' threads"
ok "each event has its own thread's stack"

# two hammer threads: their events' pids differ, and each pid's events
# are all at its own offset (the stack is joined by the event, not the cpu)
grep '"type":"mmio_write"' "$TMP/h.json" | grep -E '"offset":(16|24),' |
	sed 's/.*"pid":\([0-9]*\).*"offset":\([0-9]*\).*/\1 \2/' | sort -u >"$TMP/pids.txt"
cat "$TMP/pids.txt"
[ "$(wc -l <"$TMP/pids.txt")" = 2 ] || fail "not two hammer threads, one offset each"
"$TRACE" info "$TMP/h.zst" | grep -A1 "^stacks" || fail "info"
