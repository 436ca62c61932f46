/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pciem-record --stacks, the parts that need no BPF (unit-tested on the
 * host, tests/unit/test_stacks.c):
 *
 *  - the join: stacks arrive from the BPF ring buffer keyed by the
 *    event's (domain, seq), and wait in a table until the recorder reads
 *    that event from the kernel's trace ring;
 *  - the core kernel's text symbols (/proc/kallsyms), to name frames;
 *  - the trimming: the frames of the trap machinery (the tracepoint and
 *    BPF glue, pciem.ko's own frames, the kprobe and the page fault or
 *    debug exception entry) are removed, so that a stack starts at the
 *    driver's access.
 *
 * @root is prepended to /proc paths ("" for the running system).
 */
#ifndef PCIEM_STACK_JOIN_H
#define PCIEM_STACK_JOIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SJ_MAX_FRAMES	64

/* ---- the join --------------------------------------------------------- */

struct stack_join;

/* A table of at most @cap stacks waiting for their event (a power of two
 * is not needed).  0 or -ENOMEM. */
int stack_join__new(struct stack_join **j, uint32_t cap);
void stack_join__free(struct stack_join *j);

/* Keeps the stack of event (@domain, @seq): @n frames (more than
 * SJ_MAX_FRAMES are cut).  When the table is full the oldest stack is
 * forgotten (its event never came: another device's, or lost) and counted
 * in stack_join__evicted().  A second stack for the same key replaces the
 * first. */
void stack_join__put(struct stack_join *j, uint32_t domain, uint64_t seq,
		     const uint64_t *ips, uint32_t n);

/* The stack of (@domain, @seq), removed from the table: 1 with @ips (room
 * for SJ_MAX_FRAMES) and *@n filled, or 0 if it has not arrived. */
int stack_join__take(struct stack_join *j, uint32_t domain, uint64_t seq,
		     uint64_t *ips, uint32_t *n);

uint32_t stack_join__pending(const struct stack_join *j);
bool stack_join__full(const struct stack_join *j);

/* Forgets the stacks of @domain with a sequence number below @seq (their
 * events were lost: a device's events come in sequence order) and, if
 * that frees nothing, the oldest quarter of the table (other devices'
 * stacks, whose events are not recorded).  Counted as evicted. */
void stack_join__make_room(struct stack_join *j, uint32_t domain, uint64_t seq);
uint64_t stack_join__evicted(const struct stack_join *j);

/* ---- kernel symbols --------------------------------------------------- */

struct ksym {
	uint64_t addr;
	const char *name;
};

/* The core kernel's text symbols (no [module]), sorted, and the range of
 * its text [stext, etext). */
struct ksyms {
	struct ksym *syms;
	size_t n;
	char *names;
	uint64_t stext, etext;
	/* pages of code that is neither the kernel's nor a module's:
	 * ftrace trampolines ([__builtin__ftrace]), BPF programs ([bpf]),
	 * which may lie in a module's range */
	uint64_t *other_pages;
	size_t nother;
};

/* Reads @root/proc/kallsyms.  0; -EPERM when the kernel hides the
 * addresses (all zero: kptr_restrict, not root); -ENOENT when it lists no
 * text symbol; other -errno. */
int ksyms__load(struct ksyms *ks, const char *root);
void ksyms__free(struct ksyms *ks);

/* The core kernel symbol holding @addr (in [stext, etext), the highest
 * symbol at or below it), or NULL; *@size gets its size (to the next
 * symbol, or to etext). */
const struct ksym *ksyms__find(const struct ksyms *ks, uint64_t addr, uint64_t *size);

/* @addr is on a page of an ftrace trampoline or a BPF program. */
bool ksyms__is_other(const struct ksyms *ks, uint64_t addr);

/* ---- trimming --------------------------------------------------------- */

/* Where a frame's address lies, for the trimming. */
enum sj_where {
	SJ_CORE,		/* the core kernel's text: named by ksyms */
	SJ_PCIEM,		/* pciem.ko */
	SJ_MODULE,		/* another module */
	SJ_OTHER,		/* nothing known: an ftrace trampoline, a BPF
				 * program */
};

struct sj_frame {
	enum sj_where where;
	const char *name;	/* SJ_CORE: the function, else NULL */
};

/*
 * The index of the first frame of @f[0..n) that is not trap machinery:
 *  - the leading frames that are pciem.ko's, the tracepoint's and BPF's
 *    glue (bpf_trace_run*, __bpf_trace_*, trace_event_raw_event_*,
 *    perf_trace_*, __traceiter_*), a kprobe's (kprobe_*, *kretprobe*,
 *    *rethook*, ftrace_ops_*: pciem's kprobes on the functions drivers
 *    call, whose frame is kept) or unknown (SJ_OTHER);
 *  - and, when these are followed by the page fault or debug exception
 *    that trapped the access (an asm_exc_* frame reached through core
 *    kernel and unknown frames only: the fault handler, the kprobe, the
 *    ftrace trampoline), everything up to that exception entry: the next
 *    frame is the instruction that made the access.
 * @n when every frame is machinery.
 */
uint32_t stack_trim(const struct sj_frame *f, uint32_t n);

#endif
