# SPDX-License-Identifier: GPL-2.0
# pciem-record --stacks where BPF cannot be used (issue 12): the kernel is
# put in lockdown "confidentiality" mode (as Secure Boot setups do), which
# takes bpf_probe_read_kernel() away from BPF programs, so the verifier
# refuses stacks.bpf.c, and pciem-record gives the verifier's reason.  pciem-record says so, exits with status 65 (its
# documented status for --stacks without BPF), does not start COMMAND and
# creates no file; without --stacks it still records.  pciem-replay
# --stacks fails the same way: status 65, the reason, COMMAND not started.
# Lockdown lasts until reboot: this test has its own VM boot.
. tests/vm/lib.sh

REC=$BIN/pciem-record
need_bins pciem-record
L=/sys/kernel/security/lockdown
[ -e "$L" ] || mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
[ -e "$L" ] || notrun "no $L (kernel without the lockdown LSM)"
load_testdrv

# first, BPF works: the failure below is the lockdown's
"$REC" --stacks --match 1234:0e01 -o "$TMP/before.zst" -- true 2>"$TMP/before.err"
rc=$?
[ $rc = 66 ] || { cat "$TMP/before.err"; fail "before lockdown: status $rc, not 66 (no device)"; }
ok "before lockdown --stacks loads (no device: 66)"

echo confidentiality > "$L" || notrun "cannot set lockdown confidentiality"
cat "$L"
"$REC" --stacks --match 1234:0e01 -o "$TMP/s.zst" -- touch "$TMP/started" 2>"$TMP/s.err"
rc=$?
cat "$TMP/s.err"
[ $rc = 65 ] || fail "status $rc, not 65"
[ ! -e "$TMP/started" ] || fail "COMMAND was started"
[ ! -e "$TMP/s.zst" ] || fail "a trace file was created"
# the verifier's words: 6.1 "unknown func bpf_probe_read#4", 6.12 "program
# of this type cannot use helper bpf_probe_read#4"
grep -Eq "^pciem-record: --stacks: BPF cannot be used: loading the BPF program: .*(unknown func|cannot use helper) bpf_probe_read.*kernel lockdown" "$TMP/s.err" ||
	fail "the message does not say why"
ok "--stacks under lockdown: status 65, the reason, COMMAND not started"

start_model m --bar 0:0x1000 --full-trap --quiet
wait_bound "$DEV"
"$REC" --bdf "$(basename "$DEV")" -o "$TMP/n.zst" -- sh -c "echo 'w 0 0x10 4 0x55' > $DEV/mmio" \
	2>"$TMP/n.err" || { cat "$TMP/n.err"; fail "recording without --stacks under lockdown"; }
ok "without --stacks it records"

RP=$BIN/pciem-replay
"$RP" --stacks "$TMP/n.zst" -- touch "$TMP/replayed" 2>"$TMP/r.err"
rc=$?
cat "$TMP/r.err"
[ $rc = 65 ] || fail "pciem-replay --stacks under lockdown: status $rc, not 65"
[ ! -e "$TMP/replayed" ] || fail "pciem-replay started COMMAND"
grep -Eq "^pciem-replay: --stacks: BPF cannot be used: loading the BPF program: .*(unknown func|cannot use helper) bpf_probe_read.*kernel lockdown" "$TMP/r.err" ||
	fail "pciem-replay's message does not say why"
ok "pciem-replay --stacks under lockdown: status 65, the reason, COMMAND not started"
