#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The record/replay story with an in-tree DMA driver: the nvme driver on
# QEMU's NVMe controller.  Run it as root where pciem.ko is loaded, inside
# the project's VM with a controller (make demo runs it last):
#
#   tools/pciem-vm --disk nv0:64 --device nvme,serial=pciem,drive=nv0 -- examples/nvme/demo.sh
#
#  1. pciem-record --bdf records workload.sh on the controller (bind, 256
#     KiB written and read back with O_DIRECT, unbind);
#  2. the controller is removed from the machine (sysfs), and pciem-replay
#     replays the recording with nvme.regs's DMA rules: the driver probes,
#     writes and reads its data, with no controller (exit 0);
#  3. it replays it against the driver loaded with io_queue_depth=64, a
#     changed configuration: the report shows the I/O queue's mapping that
#     differs (exit 1).
#
# Exit status 0 when all three went as described.  The controller is gone
# from the VM afterwards.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
cd "$top" || exit 1
DEMO="nvme demo"
. examples/demo_common.sh
WL=examples/nvme/workload.sh
MAP=examples/nvme/nvme.regs

bdf=$(lspci -D -n -d 1b36:0010 | awk '{ print $1; exit }')
[ -n "$bdf" ] || die "no NVMe controller (1b36:0010): run the VM with --device nvme"
# the driver's work on one CPU, as README.md explains
echo 1 > /sys/devices/virtual/workqueue/cpumask || die "cannot pin unbound work to CPU 0"
modprobe nvme || die "no nvme driver"
[ ! -e "/sys/bus/pci/devices/$bdf/driver" ] || echo "$bdf" > "/sys/bus/pci/devices/$bdf/driver/unbind"

say "1. Record the nvme driver on the controller at $bdf"
echo "\$ pciem-record --bdf $bdf -o nvme.zst -- sh $WL"
"$B/pciem-record" --bdf "$bdf" -o "$tmp/nvme.zst" -- sh "$WL" || die "recording failed"
"$B/pciem-trace" info "$tmp/nvme.zst" | grep -E '^(devices|events|dma) ' | sed 's/^/  /'

say "2. Remove the controller, and replay the recording with no hardware"
echo 1 > "/sys/bus/pci/devices/$bdf/remove" || die "cannot remove $bdf"
lspci -n | grep -q 1b36:0010 && die "the controller is still there"
echo "\$ pciem-replay --regs $MAP nvme.zst -- sh $WL"
"$B/pciem-replay" --regs "$MAP" "$tmp/nvme.zst" -- sh "$WL"
rc=$?
echo "(exit status $rc)"
[ $rc -eq 0 ] || die "the replay did not pass"

say "3. Replay it against nvme loaded with io_queue_depth=64"
rmmod nvme && modprobe nvme io_queue_depth=64 || die "cannot reload nvme"
for p in admin_timeout io_timeout; do	# the unplugged device's commands: no long waits
	echo 3 > "/sys/module/nvme_core/parameters/$p"
done
echo "\$ pciem-replay --regs $MAP nvme.zst -- sh $WL"
NVME_WAIT=5 "$B/pciem-replay" --regs "$MAP" "$tmp/nvme.zst" -- sh "$WL"
rc=$?
echo "(exit status $rc)"
rmmod nvme
[ $rc -eq 1 ] || die "the changed driver was not caught"
echo
echo "nvme demo: done"
