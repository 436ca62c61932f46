// SPDX-License-Identifier: GPL-2.0
/*
 * User pages that are not in memory, met by the fault path.  A driver that
 * copies between a BAR and a user buffer (copy_to_user() from iomem,
 * copy_from_user() into it) faults on the BAR; the emulator then reads or
 * writes the user buffer without faulting, which fails if that user page
 * is not in memory yet (a fresh buffer, say).  The fault path cannot bring
 * it in: it runs with interrupts off and must not sleep.  So it sends the
 * driver, instead of back to the instruction, to pciem_fault_in_stub
 * (pciem_stub.S), with a note of what to fault in; the stub, running in the
 * driver's context where the copy itself may sleep, faults the page in
 * with the kernel's own fault_in_*() and returns to the instruction, which
 * faults on the BAR again and is emulated this time.
 *
 * The note is kept in a small table keyed by task.  If faulting in fails
 * (a bad user pointer) or is not allowed there (the driver made the copy
 * with page faults disabled), the note says so, and the fault path, seeing
 * it on the retry, reports the access and untraps the page, so that the
 * CPU performs the copy itself and takes its own fault (a short copy, as
 * without PCIem).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sched.h>
#include <linux/uaccess.h>
#include <linux/pagemap.h>
#include <linux/rcupdate.h>
#include <linux/rcupdate_wait.h>
#include <asm/ptrace.h>
#include <asm/processor-flags.h>

#include "pciem.h"

#define FAULT_IN_SLOTS	32

enum { SLOT_FREE, SLOT_CLAIMED, SLOT_ARMED, SLOT_FAILED };

struct fault_in_slot {
	atomic_t state;
	struct task_struct *task;
	unsigned long ip;	/* the interrupted instruction */
	unsigned long uaddr;
	bool write;
};

static struct fault_in_slot slots[FAULT_IN_SLOTS];

/* pciem_stub.S: the stub, and what it calls */
void pciem_fault_in_stub(void);
asmlinkage unsigned long pciem_fault_in(void);

static struct fault_in_slot *slot_of(struct task_struct *task, int state)
{
	int i;

	for (i = 0; i < FAULT_IN_SLOTS; i++) {
		struct fault_in_slot *s = &slots[i];

		if (atomic_read(&s->state) == state && READ_ONCE(s->task) == task)
			return s;
	}
	return NULL;
}

static void slot_free(struct fault_in_slot *s)
{
	WRITE_ONCE(s->task, NULL);
	atomic_set_release(&s->state, SLOT_FREE);
}

/*
 * The fault path (interrupts off), after the emulator failed to reach the
 * user page at @uaddr: true if the driver at @regs has been sent to fault
 * it in (regs->ip changed), false if the access must be reported and
 * untrapped instead (an earlier attempt from this instruction failed, the
 * access was made in an interrupt or with interrupts off, or every slot
 * is taken).
 */
bool pciem_fault_in_arrange(struct pt_regs *regs, unsigned long uaddr, bool write)
{
	struct fault_in_slot *s = slot_of(current, SLOT_FAILED);
	int i;

	if (s) {
		bool same = s->ip == regs->ip;

		slot_free(s);
		if (same)
			return false;
	}
	if (!in_task() || !(regs->flags & X86_EFLAGS_IF) || uaddr >= TASK_SIZE_MAX)
		return false;
	for (i = 0; i < FAULT_IN_SLOTS; i++) {
		s = &slots[i];
		if (atomic_cmpxchg(&s->state, SLOT_FREE, SLOT_CLAIMED) != SLOT_FREE)
			continue;
		s->task = current;
		s->ip = regs->ip;
		s->uaddr = uaddr;
		s->write = write;
		atomic_set_release(&s->state, SLOT_ARMED);
		regs->ip = (unsigned long)pciem_fault_in_stub;
		return true;
	}
	return false;
}

/*
 * Called by pciem_fault_in_stub in the driver's context: faults the page
 * in and returns the instruction to go back to.
 */
asmlinkage __visible unsigned long pciem_fault_in(void)
{
	struct fault_in_slot *s = slot_of(current, SLOT_ARMED);
	unsigned long ip;
	size_t left;

	if (WARN_ON_ONCE(!s))	/* only the fault path sends a task here */
		return 0;
	ip = s->ip;
	if (faulthandler_disabled()) {
		left = 1;	/* the driver's own fault would not be handled either */
	} else if (s->write) {
		left = fault_in_safe_writeable((const char __user *)s->uaddr, 1);
	} else {
		left = fault_in_readable((const char __user *)s->uaddr, 1);
	}
	if (left) {
		/* the retry reports and untraps; the CPU then faults itself */
		atomic_set_release(&s->state, SLOT_FAILED);
		return ip;
	}
	slot_free(s);
	return ip;
}

/*
 * Module unload: no task may still be in the stub.  Notes of failed
 * attempts whose retry never came (the task ended) are dropped; a task
 * between the stub's last instructions and the driver's is waited for by
 * an RCU-tasks grace period (it has not switched voluntarily since).
 */
void pciem_fault_in_exit(void)
{
	bool busy;
	int i;

	do {
		busy = false;
		for (i = 0; i < FAULT_IN_SLOTS; i++) {
			int state = atomic_read(&slots[i].state);

			if (state == SLOT_FAILED)
				slot_free(&slots[i]);
			else if (state != SLOT_FREE)
				busy = true;
		}
		if (busy)
			schedule_timeout_uninterruptible(1);
	} while (busy);
	synchronize_rcu_tasks();
}
