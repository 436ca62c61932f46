/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Trampoline of the differential test (test_insn_diff.c): loads every
 * general register, RFLAGS and xmm0-15 (ymm0-15 with AVX) from diff_in,
 * jumps to the instruction under test, which jumps back to diff_ret, and
 * saves the same state to diff_out.  The stack pointer is one of the loaded
 * registers, so nothing between the load and the save touches the stack.
 *
 * Layout of diff_in/diff_out (struct diff_cpu in the test): gpr[16] at 0,
 * rflags at 128, 8 bytes of padding, then 16 vector registers of 32 bytes
 * at 144.
 */
	.data
	.balign	64
	.globl	diff_in
diff_in:
	.skip	656
	.balign	64
	.globl	diff_out
diff_out:
	.skip	656
host_rsp:
	.quad	0
code_ptr:
	.quad	0
use_avx:
	.quad	0

	.text
/* void diff_run(void *code, int avx) */
	.globl	diff_run
	.type	diff_run, @function
diff_run:
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rdi, code_ptr(%rip)
	mov	%rsi, use_avx(%rip)
	mov	%rsp, host_rsp(%rip)
	test	%esi, %esi
	jz	1f
	vmovdqu	diff_in+144(%rip), %ymm0
	vmovdqu	diff_in+176(%rip), %ymm1
	vmovdqu	diff_in+208(%rip), %ymm2
	vmovdqu	diff_in+240(%rip), %ymm3
	vmovdqu	diff_in+272(%rip), %ymm4
	vmovdqu	diff_in+304(%rip), %ymm5
	vmovdqu	diff_in+336(%rip), %ymm6
	vmovdqu	diff_in+368(%rip), %ymm7
	vmovdqu	diff_in+400(%rip), %ymm8
	vmovdqu	diff_in+432(%rip), %ymm9
	vmovdqu	diff_in+464(%rip), %ymm10
	vmovdqu	diff_in+496(%rip), %ymm11
	vmovdqu	diff_in+528(%rip), %ymm12
	vmovdqu	diff_in+560(%rip), %ymm13
	vmovdqu	diff_in+592(%rip), %ymm14
	vmovdqu	diff_in+624(%rip), %ymm15
	jmp	2f
1:
	movdqu	diff_in+144(%rip), %xmm0
	movdqu	diff_in+176(%rip), %xmm1
	movdqu	diff_in+208(%rip), %xmm2
	movdqu	diff_in+240(%rip), %xmm3
	movdqu	diff_in+272(%rip), %xmm4
	movdqu	diff_in+304(%rip), %xmm5
	movdqu	diff_in+336(%rip), %xmm6
	movdqu	diff_in+368(%rip), %xmm7
	movdqu	diff_in+400(%rip), %xmm8
	movdqu	diff_in+432(%rip), %xmm9
	movdqu	diff_in+464(%rip), %xmm10
	movdqu	diff_in+496(%rip), %xmm11
	movdqu	diff_in+528(%rip), %xmm12
	movdqu	diff_in+560(%rip), %xmm13
	movdqu	diff_in+592(%rip), %xmm14
	movdqu	diff_in+624(%rip), %xmm15
2:
	pushq	diff_in+128(%rip)
	popfq
	mov	diff_in+0(%rip), %rax
	mov	diff_in+8(%rip), %rcx
	mov	diff_in+16(%rip), %rdx
	mov	diff_in+24(%rip), %rbx
	mov	diff_in+40(%rip), %rbp
	mov	diff_in+48(%rip), %rsi
	mov	diff_in+56(%rip), %rdi
	mov	diff_in+64(%rip), %r8
	mov	diff_in+72(%rip), %r9
	mov	diff_in+80(%rip), %r10
	mov	diff_in+88(%rip), %r11
	mov	diff_in+96(%rip), %r12
	mov	diff_in+104(%rip), %r13
	mov	diff_in+112(%rip), %r14
	mov	diff_in+120(%rip), %r15
	mov	diff_in+32(%rip), %rsp
	jmp	*code_ptr(%rip)

	.globl	diff_ret
diff_ret:
	mov	%rax, diff_out+0(%rip)
	mov	%rcx, diff_out+8(%rip)
	mov	%rdx, diff_out+16(%rip)
	mov	%rbx, diff_out+24(%rip)
	mov	%rsp, diff_out+32(%rip)
	mov	%rbp, diff_out+40(%rip)
	mov	%rsi, diff_out+48(%rip)
	mov	%rdi, diff_out+56(%rip)
	mov	%r8, diff_out+64(%rip)
	mov	%r9, diff_out+72(%rip)
	mov	%r10, diff_out+80(%rip)
	mov	%r11, diff_out+88(%rip)
	mov	%r12, diff_out+96(%rip)
	mov	%r13, diff_out+104(%rip)
	mov	%r14, diff_out+112(%rip)
	mov	%r15, diff_out+120(%rip)
	mov	host_rsp(%rip), %rsp
	pushfq
	popq	diff_out+128(%rip)
	cld
	cmpq	$0, use_avx(%rip)
	jz	3f
	vmovdqu	%ymm0, diff_out+144(%rip)
	vmovdqu	%ymm1, diff_out+176(%rip)
	vmovdqu	%ymm2, diff_out+208(%rip)
	vmovdqu	%ymm3, diff_out+240(%rip)
	vmovdqu	%ymm4, diff_out+272(%rip)
	vmovdqu	%ymm5, diff_out+304(%rip)
	vmovdqu	%ymm6, diff_out+336(%rip)
	vmovdqu	%ymm7, diff_out+368(%rip)
	vmovdqu	%ymm8, diff_out+400(%rip)
	vmovdqu	%ymm9, diff_out+432(%rip)
	vmovdqu	%ymm10, diff_out+464(%rip)
	vmovdqu	%ymm11, diff_out+496(%rip)
	vmovdqu	%ymm12, diff_out+528(%rip)
	vmovdqu	%ymm13, diff_out+560(%rip)
	vmovdqu	%ymm14, diff_out+592(%rip)
	vmovdqu	%ymm15, diff_out+624(%rip)
	vzeroupper
	jmp	4f
3:
	movdqu	%xmm0, diff_out+144(%rip)
	movdqu	%xmm1, diff_out+176(%rip)
	movdqu	%xmm2, diff_out+208(%rip)
	movdqu	%xmm3, diff_out+240(%rip)
	movdqu	%xmm4, diff_out+272(%rip)
	movdqu	%xmm5, diff_out+304(%rip)
	movdqu	%xmm6, diff_out+336(%rip)
	movdqu	%xmm7, diff_out+368(%rip)
	movdqu	%xmm8, diff_out+400(%rip)
	movdqu	%xmm9, diff_out+432(%rip)
	movdqu	%xmm10, diff_out+464(%rip)
	movdqu	%xmm11, diff_out+496(%rip)
	movdqu	%xmm12, diff_out+528(%rip)
	movdqu	%xmm13, diff_out+560(%rip)
	movdqu	%xmm14, diff_out+592(%rip)
	movdqu	%xmm15, diff_out+624(%rip)
4:
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	ret
	.size	diff_run, . - diff_run

	.section .note.GNU-stack, "", @progbits
