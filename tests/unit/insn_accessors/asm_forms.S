/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Instruction forms written out in assembly, for the decoder corpus test:
 * the forms compilers rarely produce from accessors.c (high-byte registers,
 * segment and address-size prefixes, every register with every addressing
 * mode, moffs, all string-op sizes, the read-modify-write, bit, exchange,
 * special store and SSE/AVX forms) and instructions the decoder must
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

	/* Read-modify-write, test/cmp, exchange and bit forms. */
	.globl	asm_rmw
asm_rmw:
	.irp op, add, or, adc, sbb, and, sub, xor, cmp
	\op	%al, (%rdi)
	\op	%ah, 0x10(%rsi)
	\op	%r9w, -0x80(%rbp)
	\op	%ecx, 0x1234(%rdx,%rcx,2)
	\op	%r15, (%r12)
	\op	(%rdi), %bl
	\op	0x8(%rsp), %r10d
	\op	0x12345678(%rip), %rax
	\op\()b	$0x7f, (%rdi)
	\op\()w	$0x1234, 0x2(%rdi)
	\op\()w	$-1, 0x2(%rdi)
	\op\()l	$0x12345678, (%r13)
	\op\()l	$-0x80, 0x40(%rdi,%r8,8)
	\op\()q	$-0x80000000, %fs:0x28
	\op\()q	$1, (%rdi)
	.endr
	.irp op, add, or, adc, sbb, and, sub, xor
	lock \op	%eax, (%rdi)
	lock \op\()b	$1, 0x3(%rdi)
	lock \op\()q	$-1, (%rdi,%rsi,8)
	.endr
	.irp op, inc, dec, not, neg
	\op\()b	(%rdi)
	\op\()w	0x2(%rdi)
	\op\()l	(%r8)
	\op\()q	0x100(%rsp)
	lock \op\()l	(%rdi)
	.endr
	test	%al, (%rdi)
	test	%bh, 0x10(%rdi)
	test	%r11d, (%rdi)
	test	%rax, (%rdi,%rcx,4)
	testb	$0x80, (%rdi)
	testw	$0x8000, (%rdi)
	testl	$0x12345678, 0x4(%rdi)
	testq	$-2, (%rdi)
	xchg	%al, (%rdi)
	xchg	%dh, (%rdi)
	xchg	%r8w, (%rdi)
	xchg	%eax, (%rdi)
	lock xchg %rcx, 0x8(%rdi)
	xadd	%bl, (%rdi)
	xadd	%eax, (%rdi)
	lock xadd %r10, (%rdi)
	cmpxchg	%cl, (%rdi)
	cmpxchg	%ecx, (%rdi)
	lock cmpxchg %r9w, (%rdi)
	lock cmpxchg %rdx, 0x10(%rdi)
	.irp op, bt, bts, btr, btc
	\op	%ax, (%rdi)
	\op	%ecx, 0x4(%rdi)
	\op	%r12, (%rdi,%rbx,8)
	\op\()w	$3, (%rdi)
	\op\()l	$31, 0x8(%rdi)
	\op\()q	$63, (%rdi)
	.endr
	.irp op, bts, btr, btc
	lock \op	%rax, (%rdi)
	lock \op\()l	$5, (%rdi)
	.endr
	movnti	%eax, (%rdi)
	movnti	%r15, 0x8(%rdi)
	movbe	(%rdi), %ax
	movbe	(%rdi), %eax
	movbe	%r9, 0x8(%rdi)
	movdiri	%eax, (%rdi)
	movdiri	%r11, 0x40(%rdi)
	movdir64b (%rsi), %rdi
	movdir64b 0x40(%r8), %r9
	.byte	0x67, 0x66, 0x0f, 0x38, 0xf8, 0x3e	/* movdir64b (%esi),%edi */
	clflush	(%rdi)
	clflush	0x40(%rdi,%rcx,1)
	clflushopt (%rdi)
	ret

	/* SSE and AVX moves. */
	.globl	asm_vec
asm_vec:
	.irp op, movups, movupd, movaps, movapd, movdqu, movdqa
	\op	(%rdi), %xmm0
	\op	%xmm7, 0x10(%rdi)
	\op	0x20(%rsi,%rcx,8), %xmm8
	\op	%xmm15, (%r12)
	v\op	(%rdi), %xmm1
	v\op	%ymm2, 0x20(%rdi)
	v\op	(%r9,%r10,4), %ymm12
	v\op	%xmm15, -0x40(%rbp)
	.endr
	.irp op, movntdq, movntps, movntpd
	\op	%xmm3, (%rdi)
	v\op	%ymm3, (%rdi)
	v\op	%xmm11, 0x10(%r14)
	.endr
	movntdqa (%rdi), %xmm4
	movntdqa 0x10(%r8), %xmm14
	vmovntdqa (%rdi), %ymm4
	vmovntdqa (%rdi), %xmm13
	movd	(%rdi), %xmm0
	movd	%xmm9, 0x4(%rdi)
	movq	(%rdi), %xmm1
	movq	%xmm10, 0x8(%rdi)
	vmovd	(%rdi), %xmm0
	vmovd	%xmm9, 0x4(%rdi)
	vmovq	(%rdi), %xmm1
	vmovq	%xmm10, 0x8(%rdi)
	.byte	0x66, 0x48, 0x0f, 0x6e, 0x07	/* movq (%rdi),%xmm0 (66 REX.W 6E) */
	.byte	0x66, 0x48, 0x0f, 0x7e, 0x07	/* movq %xmm0,(%rdi) (66 REX.W 7E) */
	.byte	0xc4, 0xe1, 0xf9, 0x6e, 0x07	/* vmovq (%rdi),%xmm0 (C4 W1 6E) */
	vmovdqu	%fs:(%rdi), %ymm0
	ret

	.globl	asm_rejects
asm_rejects:
	.byte	0xf0, 0x83, 0x3f, 0x00	/* lock cmpl $0,(%rdi) */
	.byte	0xf0, 0x39, 0x07	/* lock cmp %eax,(%rdi) */
	.byte	0xf0, 0x03, 0x07	/* lock add (%rdi),%eax */
	.byte	0xf0, 0x85, 0x07	/* lock test %eax,(%rdi) */
	.byte	0xf0, 0x0f, 0xa3, 0x07	/* lock bt %eax,(%rdi) */
	.byte	0xf0, 0x0f, 0xc3, 0x07	/* lock movnti */
	.byte	0xf2, 0x0f, 0x6f, 0x07	/* F2 0F 6F */
	.byte	0x66, 0xf3, 0x0f, 0x6f, 0x07	/* 66 F3 0F 6F */
	.byte	0x66, 0xc5, 0xfa, 0x6f, 0x07	/* 66 + VEX */
	.byte	0x48, 0xc5, 0xfa, 0x6f, 0x07	/* REX + VEX */
	.byte	0x64, 0x2e, 0x8b, 0x07	/* fs cs mov */
	mull	(%rdi)
	divl	(%rdi)
	imull	(%rdi)
	cmpxchg8b (%rdi)
	lock cmpxchg16b (%rdi)
	bsf	(%rdi), %eax
	popcnt	(%rdi), %eax
	crc32b	(%rdi), %eax
	enqcmd	(%rsi), %rdi
	movss	(%rdi), %xmm0
	movsd	%xmm0, (%rdi)
	vmovss	(%rdi), %xmm0
	vbroadcastss (%rdi), %ymm0
	movq	(%rdi), %mm0
	movntq	%mm0, (%rdi)
	clwb	(%rdi)
	xsaveopt (%rdi)
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
	vmovdqu64	(%rdi), %zmm0
	cmpsb
	scasl
	insb
	outsl
	rep insl
	repnz movsb
	repnz stosl
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
