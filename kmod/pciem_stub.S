/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where the fault path sends a driver whose copy to or from user memory
 * met a user page that is not in memory (pciem_uaccess.c): it runs in the
 * driver's own context, after the page fault has returned, calls
 * pciem_fault_in() to bring the page in (which may sleep, as the driver's
 * copy itself may), and returns to the interrupted instruction with every
 * register and flag as they were, so the CPU executes it again and the
 * fault path emulates it.  The kernel is built without a red zone, so the
 * stack below the interrupted stack pointer is free.
 *
 * Not a C-ABI function: objtool leaves this file alone (Kbuild).
 */
#include <linux/linkage.h>
#include <asm/smap.h>
#include <asm/ibt.h>

#include "pciem_compat.h"

	.text
SYM_CODE_START(pciem_fault_in_stub)
	PCIEM_UNWIND_HINT_UNDEFINED
	ENDBR				/* its address is taken (IBT) */
	pushq	$0			/* the interrupted ip goes here */
	pushfq
	ASM_CLAC			/* C code runs with user access off */
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%rbp
	movq	%rsp, %rbp
	andq	$-16, %rsp
	call	pciem_fault_in		/* returns the interrupted ip */
	movq	%rbp, %rsp
	popq	%rbp
	movq	%rax, 80(%rsp)
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rax
	popfq				/* AC and IF as they were */
	RET
SYM_CODE_END(pciem_fault_in_stub)
