#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kmod/Kbuild refuses kernels PCIem does not support, with a clear
# message: one that is not x86-64 and one that is PREEMPT_RT.  Each
# kernel tree's own kbuild reads kmod/Kbuild (alone in a scratch
# directory, so nothing is compiled) with the kernel's configuration
# overridden on make's command line, which reaches the Kbuild file as
# include/config/auto.conf's values would.  The unchanged configuration
# gets past the checks (kbuild then stops for want of the sources), and
# "clean", which reads no configuration, is not refused.
#
#   tests/unit/test_kbuild_cli.sh KDIR...   (default: /lib/modules/*/build)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
DIR=$(mktemp -d /tmp/test_kbuild_cli.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
. "$top/tests/unit/cli_lib.sh"

[ $# -gt 0 ] || set -- /lib/modules/*/build
cp "$top/kmod/Kbuild" "$DIR/Kbuild"
for kdir in "$@"; do
	[ -d "$kdir" ] || { bad "$kdir: no kernel tree"; continue; }
	k=$(basename "$(dirname "$kdir")")
	run "$k-plain" make -C "$kdir" M="$DIR" modules
	expect_no_line "$k as it is" "$err" 'pciem: '
	expect_line "$k as it is" "$err" "No rule to make target .*pciem_main\.o"
	run "$k-rt" make -C "$kdir" M="$DIR" CONFIG_PREEMPT_RT=y modules
	expect_rc "$k PREEMPT_RT" 2
	expect_line "$k PREEMPT_RT" "$err" \
		'Kbuild:[0-9]+: \*\*\* pciem: this kernel is PREEMPT_RT \(CONFIG_PREEMPT_RT=y\), which PCIem does not support'
	run "$k-32" make -C "$kdir" M="$DIR" CONFIG_X86_64= CONFIG_64BIT= modules
	expect_rc "$k not x86-64" 2
	expect_line "$k not x86-64" "$err" \
		'Kbuild:[0-9]+: \*\*\* pciem: this kernel is not x86-64 \(CONFIG_X86_64 is not set, ARCH=x86\); PCIem supports x86-64 kernels only'
	run "$k-clean" make -C "$kdir" M="$DIR" clean
	expect_rc "$k clean" 0
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
