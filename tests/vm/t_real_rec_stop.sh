# SPDX-License-Identifier: GPL-2.0
# vm-devices: pvpanic-pci
#
# Every way a real device's recording ends gives the device back
# (issue 13, "Stopping"): on QEMU's pvpanic-pci, with its driver's BAR
# mapping trapped each time,
#  (1) SIGINT of pciem-record (exit 0, the trace complete);
#  (2) kill -9 of pciem-record;
#  (3) rmmod of the driver mid-recording (the recording goes on: the
#      unbinding and unmapping are in it);
#  (4) the device's surprise removal (sysfs remove; REMOVED ends its
#      events), then a rescan;
# and after each, the device works (the driver probes again and reads the
# same capability from the device) and a second recording of it works.
# tests/vm/run.sh checks the kernel log.  Where the driver is built in
# (the debug kernel), unbinding stands for rmmod and binding for modprobe.
. tests/vm/lib.sh

REC=$BIN/pciem-record
PT=$BIN/pciem-trace
need_bins pciem-record pciem-trace
PDRV=/sys/bus/pci/drivers/pvpanic-pci
if modinfo pvpanic-pci >/dev/null 2>&1 && ! [ -d /sys/module/pvpanic_pci ] ||
   grep -q "^pvpanic_pci " /proc/modules; then
	BUILTIN=false
elif [ -d "$PDRV" ]; then
	BUILTIN=true
else
	notrun "no pvpanic-pci driver in $KVER"
fi

find_dev() {
	BDF=
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1b36:0x0011 ] && BDF=$(basename "$d")
	done
	[ -n "$BDF" ] || fail "no pvpanic-pci device (1b36:0011)"
	D=/sys/bus/pci/devices/$BDF
}
# drv_load, drv_unload: modprobe and rmmod, or bind and unbind
drv_load() {
	if $BUILTIN; then echo "$BDF" >"$PDRV/bind"; else modprobe pvpanic-pci; fi
}
drv_unload() {
	if $BUILTIN; then echo "$BDF" >"$PDRV/unbind"; else rmmod pvpanic_pci; fi
}
find_dev
[ -e "$D/driver" ] && drv_unload
drv_load || fail "loading the driver"
wait_bound "$D"
CAP=$(cat "$D/capability") || fail "no capability attribute"

# recorder NAME ARGS...: pciem-record in the background, once subscribed
recorder() {
	_n=$1
	shift
	"$REC" --bdf "$BDF" -o "$TMP/$_n.zst" "$@" 2>"$TMP/$_n.err" &
	RPID=$!
	PIDS="$PIDS $RPID"
	wait_until 20 test -s "$TMP/$_n.zst" || fail "$_n: the recorder did not start: $(cat "$TMP/$_n.err")"
}

# probe_reads TRACE: the probe reads (BAR0+0, 1 byte) in it
probe_reads() {
	"$PT" dump --type mmio_read "$1" | grep -c "mmio_read *bar0+0x0 1 "
}

# usable WHAT: the driver probes again, reading the same capability, and
# a second recording of the device (unload and load) has that probe's read
usable() {
	[ -e "$D/driver" ] && drv_unload
	drv_load || fail "$1: loading the driver after"
	wait_bound "$D"
	[ "$(cat "$D/capability")" = "$CAP" ] || fail "$1: capability $(cat "$D/capability"), was $CAP"
	if $BUILTIN; then
		_cmd="echo $BDF >$PDRV/unbind && echo $BDF >$PDRV/bind"
	else
		_cmd="rmmod pvpanic_pci && modprobe pvpanic-pci"
	fi
	"$REC" --bdf "$BDF" -o "$TMP/after.zst" --force -- sh -c "$_cmd" \
		2>"$TMP/after.err" || fail "$1: a second recording: $(cat "$TMP/after.err")"
	[ "$(probe_reads "$TMP/after.zst")" = 1 ] || fail "$1: the second recording lacks the probe's read"
}

# ---- (1) SIGINT ----------------------------------------------------------------------
recorder int --rebind
kill -INT "$RPID"
wait "$RPID" || fail "(1) pciem-record exited with $? after SIGINT: $(cat "$TMP/int.err")"
"$PT" info "$TMP/int.zst" | grep -q "^complete *yes" || fail "(1) the trace is not complete"
[ "$(probe_reads "$TMP/int.zst")" = 1 ] || fail "(1) --rebind's probe read not recorded"
usable "(1)"
ok "(1) SIGINT: a complete trace; the device works and records again"

# ---- (2) kill -9 ----------------------------------------------------------------------
recorder kill
# the driver is bound: its mapping is taken over at the subscription
wait_until 20 grep -q "its probe is not recorded" "$TMP/kill.err" ||
	fail "(2) no note of the bound driver: $(cat "$TMP/kill.err")"
kill -9 "$RPID"
wait "$RPID" 2>/dev/null
usable "(2)"
ok "(2) kill -9 with the mapping taken over: the device works and records again"

# ---- (3) rmmod mid-recording -------------------------------------------------------------
recorder rmmod --rebind
drv_unload || fail "(3) rmmod while recorded"
[ -e "$D/driver" ] && fail "(3) still bound"
kill -0 "$RPID" || fail "(3) the recorder ended with the driver"
drv_load || fail "(3) modprobe while recorded"
wait_bound "$D"
kill -INT "$RPID"
wait "$RPID" || fail "(3) pciem-record exited with $?: $(cat "$TMP/rmmod.err")"
"$PT" dump --type lifecycle "$TMP/rmmod.zst" >"$TMP/rmmod.lc"
grep -q "driver_unbound" "$TMP/rmmod.lc" && grep -q "bar_unmapped bar0" "$TMP/rmmod.lc" ||
	fail "(3) no unbinding in the trace: $(cat "$TMP/rmmod.lc")"
[ "$(probe_reads "$TMP/rmmod.zst")" = 2 ] || fail "(3) not both probes' reads: $("$PT" dump "$TMP/rmmod.zst" | grep mmio)"
usable "(3)"
ok "(3) rmmod and modprobe mid-recording: both in the trace; the device works and records again"

# ---- (4) surprise removal ----------------------------------------------------------------
recorder remove
echo 1 >"$D/remove" || fail "(4) remove"
gone "$D" || fail "(4) the device did not leave"
kill -0 "$RPID" || fail "(4) the recorder died with the device"
kill -INT "$RPID"
wait "$RPID" || fail "(4) pciem-record exited with $?: $(cat "$TMP/remove.err")"
"$PT" dump --type lifecycle "$TMP/remove.zst" | grep -q " removed$" ||
	fail "(4) no removal in the trace: $("$PT" dump --type lifecycle "$TMP/remove.zst")"
echo 1 >/sys/bus/pci/rescan || fail "(4) rescan"
wait_until 20 sh -c "ls /sys/bus/pci/devices/*/device | xargs grep -l 0x0011 >/dev/null" || fail "(4) not back"
find_dev
usable "(4)"
ok "(4) surprise removal: REMOVED ends the trace; after a rescan the device works and records again"
