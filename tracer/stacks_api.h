/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pciem-record --stacks: the BPF program's loader and consumer
 * (stacks.c), as the recorder uses it.
 */
#ifndef PCIEM_STACKS_API_H
#define PCIEM_STACKS_API_H

#include <stddef.h>
#include <stdint.h>
#include "stack_join.h"

struct stacks;

/* The environment variable that sizes the BPF ring buffer, in bytes (a
 * power of two, at least a page; default STACKS_RINGBUF_BYTES, 8 MiB):
 * a small one makes the BPF side drop stacks, for the tests. */
#define STACKS_RING_ENV		"PCIEM_STACKS_RING_BYTES"

/* The environment variable that makes the BPF program time itself (set
 * and not "0"), for make bench: stacks__timing() then says what it cost. */
#define STACKS_TIMING_ENV	"PCIEM_STACKS_TIMING"

struct stacks_timing {
	uint64_t programs;	/* runs of the BPF program timed */
	uint64_t prog_ns;	/* their time in all */
	uint64_t stack_ns;	/* of which in bpf_get_stack() */
	uint64_t frames;	/* frames it captured in all */
};

/* Loads stacks.bpf.c and attaches it to pciem:pciem_event.  0, or -errno
 * with the exact reason in @why (permission, no tracepoint, the
 * verifier's refusal, built without BPF, a bad STACKS_RING_ENV). */
int stacks__open(struct stacks **s, char *why, size_t len);
void stacks__close(struct stacks *s);

/* The join keeps the newest stacks: when its table is full, consuming
 * goes on and the oldest stack is forgotten (pciem-replay, which asks
 * for the stack of an access it learns of after the fact), instead of
 * leaving the rest in the ring buffer until the recorder has taken their
 * events (pciem-record, the default). */
void stacks__keep_newest(struct stacks *s);

/* Moves the stacks waiting in the BPF ring buffer into the join table
 * without waiting (consume), or waiting at most @timeout_ms for one
 * (wait).  0 or -errno. */
int stacks__consume(struct stacks *s);
int stacks__wait(struct stacks *s, int timeout_ms);

/* Stacks the BPF side could not send (its ring buffer was full) or
 * capture. */
uint64_t stacks__dropped(const struct stacks *s);

struct stack_join *stacks__join(struct stacks *s);

/* What the BPF program cost so far, when STACKS_TIMING_ENV asked for it:
 * 0, or -ENODATA. */
int stacks__timing(const struct stacks *s, struct stacks_timing *t);

#endif
