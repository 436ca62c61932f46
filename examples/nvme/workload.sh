#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A workload for an NVMe controller under the in-tree nvme driver, as a
# COMMAND to record (pciem-record --bdf) or to replay: bind nvme to the
# controller, wait for its first namespace, write 256 KiB of a known
# pattern to it with O_DIRECT, 4 KiB at a time, read it back the same way,
# compare, and unbind.  One page per command: the block layer merges
# physically adjacent pages of a larger buffer into one DMA mapping, and
# where a process's pages lie differs from run to run.
#
#   sh examples/nvme/workload.sh
#
# The controller is $PCIEM_REPLAY_DEVICE (set by pciem-replay), else
# $NVME_BDF, else the first QEMU NVMe controller (1b36:0010) lspci finds.
# Exits with 0 when the data read back is the pattern, else with 1 and a
# message on stderr.
#
# Environment:
#   NVME_PATTERN=WORD  (default PCIEMNVM) the 8 bytes repeated in the data
#   NVME_KIB=N  (default 256) how many KiB are written and read, a multiple of 4
#   NVME_WAIT=SECONDS  (default 30) the longest the namespace takes to appear
set -u
me=workload.sh
bdf=${PCIEM_REPLAY_DEVICE:-${NVME_BDF:-$(lspci -D -n -d 1b36:0010 | awk '{ print $1; exit }')}}
[ -n "$bdf" ] || { echo "$me: no NVMe controller" >&2; exit 1; }
dev=/sys/bus/pci/devices/$bdf
word=${NVME_PATTERN:-PCIEMNVM}
[ ${#word} -eq 8 ] || { echo "$me: NVME_PATTERN must have 8 bytes" >&2; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

modprobe nvme 2>/dev/null
# everything on CPU 0, so that one I/O queue serves every command and the
# driver's accesses come in one order (see README.md)
[ -e "$dev/driver" ] || taskset -c 0 sh -c "echo $bdf > /sys/bus/pci/drivers/nvme/bind" || {
	echo "$me: cannot bind nvme to $bdf" >&2; exit 1; }
deadline=$(( $(date +%s) + ${NVME_WAIT:-30} ))
ns=
while [ -z "$ns" ]; do
	ns=$(ls "$dev"/nvme/*/ 2>/dev/null | grep '^nvme[0-9]*n1$' | head -n 1)
	[ -n "$ns" ] && [ -e "/sys/block/$ns/dev" ] && break
	ns=
	[ "$(date +%s)" -lt "$deadline" ] || { echo "$me: no namespace on $bdf" >&2; exit 1; }
	sleep 0.1
done
[ -b "/dev/$ns" ] || mknod "/dev/$ns" b $(tr : ' ' < "/sys/block/$ns/dev")
kib=${NVME_KIB:-256}
case $kib in *[!0-9]*|'') echo "$me: bad NVME_KIB" >&2; exit 1;; esac
[ $((kib % 4)) -eq 0 ] && [ "$kib" -gt 0 ] || { echo "$me: NVME_KIB must be a multiple of 4" >&2; exit 1; }
# 128 copies of the word make a KiB
awk -v w="$word" -v k="$kib" 'BEGIN { for (i = 0; i < 128; i++) s = s w
	for (i = 0; i < k; i++) printf "%s", s }' > "$tmp/pattern"
taskset -c 0 dd if="$tmp/pattern" of="/dev/$ns" bs=4k oflag=direct 2>/dev/null ||
	{ echo "$me: writing /dev/$ns failed" >&2; exit 1; }
taskset -c 0 dd if="/dev/$ns" of="$tmp/back" bs=4k count=$((kib / 4)) iflag=direct 2>/dev/null ||
	{ echo "$me: reading /dev/$ns failed" >&2; exit 1; }
cmp -s "$tmp/pattern" "$tmp/back" || { echo "$me: the data read back differs" >&2; exit 1; }
taskset -c 0 sh -c "echo $bdf > $dev/driver/unbind" || { echo "$me: cannot unbind $bdf" >&2; exit 1; }
echo "nvme: $kib KiB written and read back from $ns"
