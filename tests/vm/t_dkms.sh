# SPDX-License-Identifier: GPL-2.0
# modprobe pciem with the module DKMS built and installed on the host
# (make check-dkms: build/dkms-test/lib/modules/VERSION/updates/dkms/):
# the module tools/pciem-vm loaded is removed, the guest's read-only
# /lib/modules/VERSION gets a tmpfs overlay holding DKMS's updates/dkms/
# and depmod's indexes of it, then modprobe pciem loads DKMS's module
# (modinfo -n names it), /dev/pciem is root's with mode 0600, the
# installed udev rule keeps it so, and pciem-record records the counter
# device's workload through it.  Not run when make check-dkms has
# not built the module for this kernel (the debug kernel has no
# /lib/modules/VERSION/build for DKMS).
. tests/vm/lib.sh

need_bins pciem-record pciem-trace
DK=$TOP/build/dkms-test/lib/modules/$KVER/updates/dkms
[ -e "/lib/modules/$KVER/build" ] || notrun "no /lib/modules/$KVER/build: DKMS cannot build for this kernel"
ls "$DK"/pciem.ko* >/dev/null 2>&1 || notrun "no DKMS build for $KVER in $DK (make check-dkms)"

rmmod pciem || fail "cannot remove the module pciem-vm loaded"
[ ! -e /sys/module/pciem ] || fail "pciem still loaded after rmmod"
modprobe overlay 2>/dev/null
mkdir -p "$TMP/up" "$TMP/work"
mount -t overlay overlay -o "lowerdir=/lib/modules/$KVER,upperdir=$TMP/up,workdir=$TMP/work" \
	"/lib/modules/$KVER" || fail "cannot put an overlay on /lib/modules/$KVER"
# depmod of the whole tree reads every module over 9p (minutes): index
# DKMS's module alone in a tree of its own, then put that tree, module
# and indexes, over /lib/modules/VERSION (modprobe then knows pciem only,
# which needs no other module)
B=$TMP/depmod
mkdir -p "$B/lib/modules/$KVER/updates"
cp -r "$DK" "$B/lib/modules/$KVER/updates/" || fail "cannot copy $DK"
for f in modules.builtin modules.builtin.modinfo; do
	[ ! -e "/lib/modules/$KVER/$f" ] || cp "/lib/modules/$KVER/$f" "$B/lib/modules/$KVER/"
done
(cd "$B/lib/modules/$KVER" && ls updates/dkms/pciem.ko*) >"$B/lib/modules/$KVER/modules.order"
depmod -b "$B" "$KVER" || fail "depmod"
grep -q '^updates/dkms/pciem.ko' "$B/lib/modules/$KVER/modules.dep" ||
	fail "depmod did not index pciem: $(cat "$B/lib/modules/$KVER/modules.dep")"
cp -r "$B/lib/modules/$KVER/." "/lib/modules/$KVER/" || fail "cannot copy the indexes"
modprobe pciem || fail "modprobe pciem: $(dmesg | tail -5)"
path=$(modinfo -n pciem)
case $path in
*/updates/dkms/pciem.ko*) ;;
*) fail "modprobe found $path, not DKMS's module" ;;
esac
[ -e /sys/module/pciem ] || fail "pciem not loaded after modprobe"
ok "modprobe pciem: $path"

[ "$(stat -c '%a %U %G' /dev/pciem)" = "600 root root" ] ||
	fail "/dev/pciem: $(stat -c '%a %U %G' /dev/pciem), want 600 root root"
ok "/dev/pciem: mode 0600, root:root"

# The udev rule make install-dkms installed, applied by udev's own rule
# processing (udevadm test: the guest runs no udevd) to a node made
# world-writable and another user's: back to 0600 root:root.  Without the
# rule udev restores the mode but leaves the owner.
RULE=$TOP/build/dkms-test/etc/udev/rules.d/60-pciem.rules
[ -f "$RULE" ] || fail "no udev rule installed in $RULE"
mkdir -p /run/udev/rules.d
cp "$RULE" /run/udev/rules.d/
chmod 666 /dev/pciem
chown daemon:daemon /dev/pciem
udevadm test /sys/class/misc/pciem >"$TMP/udev.log" 2>&1 || fail "udevadm test: $(tail "$TMP/udev.log")"
[ "$(stat -c '%a %U %G' /dev/pciem)" = "600 root root" ] ||
	fail "after the udev rule /dev/pciem is $(stat -c '%a %U %G' /dev/pciem): $(grep -i pciem "$TMP/udev.log")"
ok "the installed udev rule makes /dev/pciem 0600 root:root"

export CLOCK_WAIT=5
"$BIN/pciem-record" -o "$TMP/clock.zst" -- sh examples/dummy_clock/workload.sh 2>"$TMP/rec.err" ||
	fail "recording through DKMS's module: $(cat "$TMP/rec.err")"
"$BIN/pciem-trace" verify "$TMP/clock.zst" >"$TMP/verify.out" 2>&1 ||
	fail "verify: $(cat "$TMP/verify.out")"
ok "the counter device recorded through DKMS's module"
