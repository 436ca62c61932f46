#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DKMS on the host, in trees of its own under OUT (the system's
# /var/lib/dkms and /lib/modules are not touched; --no-depmod): make
# install-dkms DESTDIR=OUT puts the source in OUT/usr/src/pciem-VERSION;
# then dkms add, build and install for each KERNEL; dkms status says
# installed, the module is in OUT/lib/modules/KERNEL/updates/dkms/ with
# that kernel's vermagic; a PREEMPT_RT kernel is skipped, not failed.  OUT
# stays for tests/vm/t_dkms.sh (modprobe in the VM).  A kernel DKMS
# refuses is reported with DKMS's make.log.
#
# Usage: test_dkms.sh OUT KERNEL...
set -u
. "$(dirname "$0")/lib.sh"
out=${1:?usage: test_dkms.sh OUT KERNEL...}
shift
[ $# -gt 0 ] || { echo "test_dkms.sh: no kernel with headers (/lib/modules/*/build)"; exit 1; }

ver=$pciem_version
rm -rf "$out"
mkdir -p "$out/var/lib/dkms" "$out/lib/modules"
make -s -C "$top" install-dkms DESTDIR="$out" >"$out/install.log" 2>&1 ||
	{ bad "make install-dkms: $(cat "$out/install.log")"; summary; exit 1; }
ok "make install-dkms DESTDIR=$out"
opts=(--sourcetree "$out/usr/src" --dkmstree "$out/var/lib/dkms" --installtree "$out/lib/modules" --no-depmod)

if dkms add -m pciem -v "$ver" "${opts[@]}" >"$out/add.log" 2>&1; then ok "dkms add pciem/$ver"; else
	bad "dkms add pciem/$ver"; sed 's/^/    /' "$out/add.log"; fi
for k in "$@"; do
	# dkms install wants the kernel's module directory in the install tree
	mkdir -p "$out/lib/modules/$k"
	if dkms build -m pciem -v "$ver" -k "$k" "${opts[@]}" >"$out/build-$k.log" 2>&1 &&
	   dkms install -m pciem -v "$ver" -k "$k" "${opts[@]}" >"$out/install-$k.log" 2>&1; then
		ok "dkms build and install for $k"
	else
		bad "dkms build/install for $k:"
		cat "$out/build-$k.log" "$out/install-$k.log" | sed 's/^/    /' | tail -20
		sed 's/^/    make.log: /' "$out/var/lib/dkms/pciem/$ver/build/make.log" 2>/dev/null | tail -20
		continue
	fi
	st=$(dkms status -m pciem -v "$ver" -k "$k" "${opts[@]}" 2>/dev/null)
	case $st in
	*": installed"*) ok "dkms status $k: $st" ;;
	*) bad "dkms status $k: '$st', want installed" ;;
	esac
	ko=$(ls "$out/lib/modules/$k/updates/dkms/"pciem.ko* 2>/dev/null)
	vm=$(modinfo -F vermagic "$ko" 2>/dev/null)
	case $vm in
	"$k "*) ok "$k: $(basename "$ko"), vermagic $vm" ;;
	*) bad "$k: module '$ko' with vermagic '$vm'" ;;
	esac
done

# A kernel PCIem does not support is skipped (dkms's status 77, "should not
# be built": BUILD_EXCLUSIVE_CONFIG), not failed: a fake PREEMPT_RT one.
fake=$out/fake-rt
mkdir -p "$fake" "$out/lib/modules/0.0.0-pciem-rt"
printf '%s=y\n' CONFIG_X86_64 CONFIG_KPROBES_ON_FTRACE CONFIG_KRETPROBES CONFIG_PREEMPT_RT >"$fake/.config"
dkms build -m pciem -v "$ver" -k 0.0.0-pciem-rt --kernelsourcedir "$fake" "${opts[@]}" >"$out/build-rt.log" 2>&1
rc=$?
if [ "$rc" = 77 ] && grep -q 'should not be built' "$out/build-rt.log"; then
	ok "a PREEMPT_RT kernel is skipped (77)"
else
	bad "PREEMPT_RT kernel: dkms build exited $rc, want 77 (skipped):"
	sed 's/^/    /' "$out/build-rt.log" | tail -10
fi

summary
