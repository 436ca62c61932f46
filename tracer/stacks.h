/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pciem-record --stacks: the record that the BPF program (stacks.bpf.c)
 * sends through its ring buffer for every pciem:pciem_event, and
 * pciem-record (stacks.c) joins to the event of the same (domain, seq).
 * Shared by both sides: only fixed-width kernel types.
 */
#ifndef PCIEM_STACKS_H
#define PCIEM_STACKS_H

/* Frames captured per event: the trap machinery (about 15 frames: the
 * tracepoint, pciem's fault handler, the kprobe, the page fault entry)
 * plus the driver's own call chain. */
#define STACKS_MAX_DEPTH	64

/* The ring buffer's size in bytes (a power of two): some 15,000 stacks
 * waiting for pciem-record. */
#define STACKS_RINGBUF_BYTES	(8U << 20)

struct stacks_rec {
	__u64 seq;			/* the event's sequence number */
	__u32 domain;			/* its device's PCI domain */
	__s32 nr;			/* frames in ips[], or bpf_get_stack()'s
					 * -errno */
	__u64 ips[STACKS_MAX_DEPTH];	/* innermost first */
};

#endif
