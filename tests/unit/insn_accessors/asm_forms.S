/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Instruction forms written out in assembly, for the decoder corpus test:
 * the forms compilers rarely produce from accessors.c (high-byte registers,
 * segment and address-size prefixes, every register with every addressing
 * mode, moffs, all string-op sizes) and instructions the decoder must
 * reject.  Assembled by both GNU as (through gcc) and clang's integrated
 * assembler, whose encodings may differ; objdump's reading of the result
 * is what the test compares against.  Never executed.
 */
	.text

	.globl	asm_byte_regs
asm_byte_regs:
	.irp r, %al, %cl, %dl, %bl, %ah, %ch, %dh, %bh, %spl, %bpl, %sil, %dil, %r8b, %r9b, %r10b, %r11b, %r12b, %r13b, %r14b, %r15b
	mov	\r, (%rdi)
	mov	0x10(%rsi), \r
	mov	\r, 0x1234(%rdx,%rcx,2)
	.endr
	ret

	.globl	asm_wide_regs
asm_wide_regs:
	.irp r, ax, cx, dx, bx, sp, bp, si, di
	mov	%\r, (%rdi)
	mov	(%rsi), %e\r
	mov	%r\r, 0x8(%rsp)
	mov	-0x80(%r13), %\r
	.endr
	.irp n, 8, 9, 10, 11, 12, 13, 14, 15
	mov	%r\n\()w, (%r8)
	mov	(%r9), %r\n\()d
	mov	%r\n, 0x100(%r10,%r11,8)
	movzbl	(%r12), %r\n\()d
	movzwq	0x7f(%r13), %r\n
	movsbw	(%r14,%r15), %r\n\()w
	movswl	(%rax,%r\n,4), %r\n\()d
	movslq	0x12345678(%rip), %r\n
	.endr
	ret

	.globl	asm_addressing
asm_addressing:
	/* Every form with each memory operand; quoted because of the commas. */
	.macro	ACCESS m
	mov	%eax, \m
	mov	\m, %r11
	movb	%dl, \m
	movw	$0x1234, \m
	movq	$-2, \m
	movb	$0x80, \m
	movl	$0x89abcdef, \m
	movzbl	\m, %r9d
	movsbq	\m, %rdx
	movzwl	\m, %esi
	movslq	\m, %rbx
	movw	\m, %r10w
	.endm
	ACCESS	"(%rax)"
	ACCESS	"(%rcx)"
	ACCESS	"(%rsp)"
	ACCESS	"(%rbp)"
	ACCESS	"(%r12)"
	ACCESS	"(%r13)"
	ACCESS	"0x7f(%rdi)"
	ACCESS	"-0x80(%r13)"
	ACCESS	"0x80(%r12)"
	ACCESS	"-0x81(%rbp)"
	ACCESS	"0x12345678(%rip)"
	ACCESS	"(,%rcx,4)"
	ACCESS	"0x10(,%r9,8)"
	ACCESS	"(%rax,%rbx)"
	ACCESS	"(%r8,%r15,2)"
	ACCESS	"0x10(%rbp,%r12,4)"
	ACCESS	"-0x1000(%r13,%r14,8)"
	ACCESS	"(%rsp,%rbp,1)"
	ACCESS	"0x1000"
	ACCESS	"-0x1000"
	ACCESS	"%fs:0x28"
	ACCESS	"%gs:(%r11)"
	ACCESS	"%es:0x8(%rsp,%rsi,2)"
	ACCESS	"%cs:(%rax)"
	ACCESS	"%ss:0x10(%rbp)"
	ACCESS	"%ds:(%r12)"
	ACCESS	"(%eax)"
	ACCESS	"0x10(%r8d,%r9d,4)"
	ACCESS	"0x12345678(%eip)"
	ACCESS	"(%esp)"
	ACCESS	"(,%eax,8)"
	/* AH..BH only exist without REX, so only with the legacy registers. */
	.macro	HIGH8 m
	mov	%ah, \m
	mov	\m, %ch
	mov	%dh, \m
	mov	\m, %bh
	.endm
	HIGH8	"(%rax)"
	HIGH8	"0x80(%rsp)"
	HIGH8	"-0x81(%rbp)"
	HIGH8	"0x12345678(%rip)"
	HIGH8	"(,%rcx,4)"
	HIGH8	"0x10(%rsi,%rdi,8)"
	HIGH8	"%fs:0x28"
	HIGH8	"(%eax)"
	ret

	.globl	asm_moffs
asm_moffs:
	movabs	0x1122334455667788, %al
	movabs	0x1122334455667788, %ax
	movabs	0x1122334455667788, %eax
	movabs	0x1122334455667788, %rax
	movabs	%al, 0x8877665544332211
	movabs	%ax, 0x8877665544332211
	movabs	%eax, 0x8877665544332211
	movabs	%rax, 0x8877665544332211
	movabs	%fs:0x10, %eax
	.byte	0x67, 0xa1, 0x78, 0x56, 0x34, 0x12		/* addr32 mov 0x12345678,%eax */
	.byte	0x67, 0x48, 0xa3, 0x78, 0x56, 0x34, 0x12	/* addr32 mov %rax,0x12345678 */
	.byte	0x67, 0xa2, 0x00, 0x10, 0x00, 0x00		/* addr32 mov %al,0x1000 */
	ret

	.globl	asm_strings
asm_strings:
	movsb
	movsw
	movsl
	movsq
	rep movsb
	rep movsw
	rep movsl
	rep movsq
	stosb
	stosw
	stosl
	stosq
	rep stosb
	rep stosw
	rep stosl
	rep stosq
	lodsb
	lodsw
	lodsl
	lodsq
	rep lodsb
	rep lodsq
	movsb	%fs:(%rsi), %es:(%rdi)
	lodsl	%gs:(%rsi), %eax
	.byte	0x67, 0xf3, 0xa4	/* addr32 rep movsb */
	.byte	0x67, 0x48, 0xab	/* addr32 stosq */
	.byte	0x66, 0xf3, 0xa5	/* rep movsw, 66 first */
	.byte	0x40, 0xa4		/* rex movsb */
	ret

	.globl	asm_prefixes
asm_prefixes:
	.byte	0x66, 0x48, 0x8b, 0x07			/* data16 mov (%rdi),%rax */
	.byte	0x66, 0x48, 0xc7, 0x07, 0xff, 0xff, 0xff, 0x7f	/* data16 movq $imm */
	.byte	0x66, 0x88, 0x07			/* data16 mov %al,(%rdi) */
	.byte	0x48, 0x88, 0x27			/* rex.W mov %spl,(%rdi) */
	.byte	0x40, 0x8a, 0x27			/* mov (%rdi),%spl */
	.byte	0x2e, 0x8b, 0x07			/* cs mov (%rdi),%eax */
	.byte	0x3e, 0x3e, 0x8b, 0x07			/* ds ds mov */
	.byte	0x64, 0x67, 0x2e, 0x48, 0xc7, 0x84, 0x88	/* 15 bytes */
	.byte	0x78, 0x56, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12
	.byte	0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66	/* 13 x 66, mov: 15 bytes */
	.byte	0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x8b, 0x07
	ret

	.globl	asm_rejects
asm_rejects:
	lock addl	$1, (%rdi)
	lock xchg	%eax, (%rdi)
	lock cmpxchg	%ecx, (%rdi)
	xchg	%eax, (%rdi)
	orl	$0x100, 0x40(%rdi)
	andb	$0xfe, 0x44(%rdi)
	addw	$1, 0x46(%rdi)
	testl	$1, (%rdi)
	cmpl	$0, 0x80(%rdi)
	incl	(%rdi)
	notq	(%rdi)
	btsl	$3, (%rdi)
	push	(%rdi)
	pop	(%rdi)
	lea	0x10(%rdi), %rax
	mov	%eax, %ecx
	mov	%r8b, %al
	movzbl	%al, %eax
	movslq	%eax, %rax
	movl	$1, %eax
	movabs	$0x1122334455667788, %rax
	mov	%es, (%rdi)
	mov	(%rdi), %ds
	mov	%cr0, %rax
	movnti	%eax, (%rdi)
	movbe	(%rdi), %eax
	movups	(%rdi), %xmm0
	movq	%xmm0, (%rdi)
	movd	(%rdi), %xmm1
	vmovdqu	(%rdi), %ymm0
	vmovdqu64	(%rdi), %zmm0
	cmpsb
	scasl
	insb
	outsl
	rep insl
	repnz movsb
	repnz stosl
	clflush	(%rdi)
	prefetcht0	(%rdi)
	nopl	0x0(%rax,%rax,1)
	in	(%dx), %al
	outl	%eax, (%dx)
	bswap	%eax
	.byte	0x63, 0x07		/* movsxd (%rdi),%eax */
	.byte	0xf3, 0x89, 0x07	/* xrelease mov */
	.byte	0xf2, 0x89, 0x07	/* repnz mov */
	.byte	0xf3, 0x0f, 0xb6, 0x07	/* repz movzbl */
	.byte	0xc6, 0xf8, 0x01	/* xabort */
	ret
