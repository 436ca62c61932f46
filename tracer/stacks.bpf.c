// SPDX-License-Identifier: GPL-2.0
/*
 * pciem-record --stacks, the kernel side: a raw tracepoint program on
 * pciem:pciem_event (kmod/pciem_tracepoint.h) that sends the kernel call
 * stack of every event, with its (domain, seq), to pciem-record through a
 * ring buffer.  A raw tracepoint needs no BTF of the module: args[0] is
 * the domain, args[1] the struct pciem_event, read with
 * bpf_probe_read_kernel().  The tracepoint fires in the context of the
 * access, so the stack is the driver's.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "stacks.h"

/* The start of the uapi struct pciem_event (kmod/uapi/pciem_userspace.h,
 * which needs libc headers a BPF build has not): stacks.c checks that seq
 * is at offset 0. */
struct pciem_event_head {
	__u64 seq;
};

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, STACKS_RINGBUF_BYTES);
} stacks SEC(".maps");

/* Read by pciem-record through the skeleton's mapped .bss. */
__u64 dropped = 0;		/* the ring buffer was full */
__u64 seen = 0;			/* events the program ran for */

/* Set before loading (STACKS_TIMING_ENV): the program times itself and its
 * bpf_get_stack(), for make bench.  Off, the verifier drops that code. */
const volatile __u8 timing = 0;
__u64 timed = 0;		/* programs timed */
__u64 prog_ns = 0;		/* their time in all */
__u64 stack_ns = 0;		/* of which in bpf_get_stack() */
__u64 frames = 0;		/* frames it returned */

SEC("raw_tp/pciem_event")
int pciem_stack(struct bpf_raw_tracepoint_args *ctx)
{
	const struct pciem_event_head *ev = (const void *)ctx->args[1];
	__u64 t0 = timing ? bpf_ktime_get_ns() : 0, t1 = 0;
	struct stacks_rec *r;
	long n;

	__sync_fetch_and_add(&seen, 1);
	r = bpf_ringbuf_reserve(&stacks, sizeof(*r), 0);
	if (!r) {
		__sync_fetch_and_add(&dropped, 1);
		return 0;
	}
	r->domain = (__u32)ctx->args[0];
	if (bpf_probe_read_kernel(&r->seq, sizeof(r->seq), &ev->seq)) {
		bpf_ringbuf_discard(r, BPF_RB_NO_WAKEUP);
		__sync_fetch_and_add(&dropped, 1);
		return 0;
	}
	if (timing)
		t1 = bpf_ktime_get_ns();
	n = bpf_get_stack(ctx, r->ips, sizeof(r->ips), 0);
	r->nr = n < 0 ? (__s32)n : (__s32)(n / sizeof(r->ips[0]));
	if (timing) {
		__sync_fetch_and_add(&stack_ns, bpf_ktime_get_ns() - t1);
		if (n > 0)
			__sync_fetch_and_add(&frames, n / sizeof(r->ips[0]));
	}
	/* no wakeup: pciem-record takes stacks when it has their events
	 * (the trace channel wakes it), and waking it per access costs an
	 * irq_work on the accessing CPU */
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	if (timing) {
		__sync_fetch_and_add(&prog_ns, bpf_ktime_get_ns() - t0);
		__sync_fetch_and_add(&timed, 1);
	}
	return 0;
}
