// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the MMIO instruction decoder (kmod/pciem_insn.c) on a table
 * of hand-encoded instructions.  Every instruction is decoded from the end
 * of a page followed by an inaccessible guard page, so a read past @avail
 * crashes the test even without ASan; each truncation is also decoded from
 * an exactly-sized heap copy for ASan/valgrind.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "pciem_insn.h"

#define OK		0
#define UNSUPP		PCIEM_INSN_EUNSUPP
#define TRUNC		PCIEM_INSN_ETRUNC

enum {
	AX, CX, DX, BX, SP, BP, SI, DI, R8, R9, R10, R11, R12, R13, R14, R15
};

struct tcase {
	const char *name;	/* AT&T form, for messages */
	uint8_t bytes[20];
	uint8_t n;		/* bytes used; the instruction length if OK */
	int ret;
	uint8_t op, size, reg, reg_size, high8, rep, addr32;
	uint64_t imm;
};

#define BYTES(...)	.bytes = { __VA_ARGS__ }, \
			.n = sizeof((uint8_t[]){ __VA_ARGS__ })
#define LOAD(sz, r)	.op = PCIEM_INSN_LOAD, .size = sz, .reg = r, .reg_size = sz
#define STORE(sz, r)	.op = PCIEM_INSN_STORE, .size = sz, .reg = r, .reg_size = sz
#define ZX(sz, r, rsz)	.op = PCIEM_INSN_LOAD_ZX, .size = sz, .reg = r, .reg_size = rsz
#define SX(sz, r, rsz)	.op = PCIEM_INSN_LOAD_SX, .size = sz, .reg = r, .reg_size = rsz
#define IMM(sz, v)	.op = PCIEM_INSN_STORE_IMM, .size = sz, .reg_size = sz, .imm = v
#define MOVS(sz)	.op = PCIEM_INSN_MOVS, .size = sz, .reg_size = sz
#define STOS(sz)	.op = PCIEM_INSN_STOS, .size = sz, .reg_size = sz
#define LODS(sz)	.op = PCIEM_INSN_LODS, .size = sz, .reg_size = sz
#define REJECT		.ret = UNSUPP
#define D32		0x78, 0x56, 0x34, 0x12
#define M64		0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11

static const struct tcase cases[] = {
	/* mov load, all sizes */
	{ "mov (%rdi),%eax", BYTES(0x8b, 0x07), LOAD(4, AX) },
	{ "mov (%rdi),%rax", BYTES(0x48, 0x8b, 0x07), LOAD(8, AX) },
	{ "mov (%rdi),%ax", BYTES(0x66, 0x8b, 0x07), LOAD(2, AX) },
	{ "mov (%rdi),%al", BYTES(0x8a, 0x07), LOAD(1, AX) },
	{ "mov (%rsi),%edx", BYTES(0x8b, 0x16), LOAD(4, DX) },
	{ "mov (%rax),%edi", BYTES(0x8b, 0x38), LOAD(4, DI) },
	/* high-byte registers without REX, SPL..DIL with REX 40 */
	{ "mov (%rdi),%ah", BYTES(0x8a, 0x27), LOAD(1, AX), .high8 = 1 },
	{ "mov (%rdi),%ch", BYTES(0x8a, 0x2f), LOAD(1, CX), .high8 = 1 },
	{ "mov (%rdi),%dh", BYTES(0x8a, 0x37), LOAD(1, DX), .high8 = 1 },
	{ "mov (%rdi),%bh", BYTES(0x8a, 0x3f), LOAD(1, BX), .high8 = 1 },
	{ "mov (%rdi),%spl", BYTES(0x40, 0x8a, 0x27), LOAD(1, SP) },
	{ "mov (%rdi),%bpl", BYTES(0x40, 0x8a, 0x2f), LOAD(1, BP) },
	{ "mov (%rdi),%sil", BYTES(0x40, 0x8a, 0x37), LOAD(1, SI) },
	{ "mov (%rdi),%dil", BYTES(0x40, 0x8a, 0x3f), LOAD(1, DI) },
	{ "mov (%r8),%sil (REX.B only)", BYTES(0x41, 0x8a, 0x30), LOAD(1, SI) },
	{ "mov (%rdi),%bl", BYTES(0x8a, 0x1f), LOAD(1, BX) },
	{ "mov %ah,(%rdi)", BYTES(0x88, 0x27), STORE(1, AX), .high8 = 1 },
	{ "mov %bh,0x10(%rsi)", BYTES(0x88, 0x7e, 0x10), STORE(1, BX), .high8 = 1 },
	{ "mov %sil,(%rdi)", BYTES(0x40, 0x88, 0x37), STORE(1, SI) },
	{ "mov %dil,(%rsi)", BYTES(0x40, 0x88, 0x3e), STORE(1, DI) },
	{ "mov %spl,(%rdi) (REX.W, no W effect)", BYTES(0x48, 0x88, 0x27), STORE(1, SP) },
	/* REX.R/X/B/W and r8..r15 */
	{ "mov (%rdi),%r8b", BYTES(0x44, 0x8a, 0x07), LOAD(1, R8) },
	{ "mov (%rdi),%r15b", BYTES(0x44, 0x8a, 0x3f), LOAD(1, R15) },
	{ "mov (%rdi),%r8", BYTES(0x4c, 0x8b, 0x07), LOAD(8, R8) },
	{ "mov (%rdi),%r15d", BYTES(0x44, 0x8b, 0x3f), LOAD(4, R15) },
	{ "mov (%rdi),%r10w", BYTES(0x66, 0x44, 0x8b, 0x17), LOAD(2, R10) },
	{ "mov (%r8),%eax", BYTES(0x41, 0x8b, 0x00), LOAD(4, AX) },
	{ "mov (%r8,%r9,1),%eax", BYTES(0x43, 0x8b, 0x04, 0x08), LOAD(4, AX) },
	{ "mov (%r15,%r9,8),%r15", BYTES(0x4f, 0x8b, 0x3c, 0xcf), LOAD(8, R15) },
	{ "mov (%rax,%r12,1),%eax", BYTES(0x42, 0x8b, 0x04, 0x20), LOAD(4, AX) },
	{ "mov 0x10(%r12),%r13d", BYTES(0x45, 0x8b, 0x6c, 0x24, 0x10), LOAD(4, R13) },
	{ "mov (%r12),%eax", BYTES(0x41, 0x8b, 0x04, 0x24), LOAD(4, AX) },
	{ "mov 0x0(%r13),%eax", BYTES(0x41, 0x8b, 0x45, 0x00), LOAD(4, AX) },
	{ "mov 0x0(%r13,%r14,2),%r11", BYTES(0x4f, 0x8b, 0x5c, 0x75, 0x00), LOAD(8, R11) },
	{ "mov %r9,(%r10)", BYTES(0x4d, 0x89, 0x0a), STORE(8, R9) },
	{ "mov %r14d,0x7f(%r11)", BYTES(0x45, 0x89, 0x73, 0x7f), STORE(4, R14) },
	{ "mov %r12w,-0x80(%rbx)", BYTES(0x66, 0x44, 0x89, 0x63, 0x80), STORE(2, R12) },
	{ "mov %r9w,0x100(%r12)",
	  BYTES(0x66, 0x45, 0x89, 0x8c, 0x24, 0x00, 0x01, 0x00, 0x00), STORE(2, R9) },
	{ "mov %r15,-0x8(%rsp)", BYTES(0x4c, 0x89, 0x7c, 0x24, 0xf8), STORE(8, R15) },
	{ "mov %al,0x0(%r13)", BYTES(0x41, 0x88, 0x45, 0x00), STORE(1, AX) },
	/* operand size: 66 -> 16, REX.W wins over 66, REX must be last */
	{ "data16 mov (%rdi),%rax", BYTES(0x66, 0x48, 0x8b, 0x07), LOAD(8, AX) },
	{ "rex.W data16 mov (%rdi),%ax", BYTES(0x48, 0x66, 0x8b, 0x07), LOAD(2, AX) },
	{ "rex.W cs mov (%rdi),%eax", BYTES(0x48, 0x2e, 0x8b, 0x07), LOAD(4, AX) },
	{ "rex.W rex mov (%rdi),%eax", BYTES(0x48, 0x40, 0x8b, 0x07), LOAD(4, AX) },
	{ "rex rex.W mov (%rdi),%rax", BYTES(0x40, 0x48, 0x8b, 0x07), LOAD(8, AX) },
	{ "rex.R rex mov (%rdi),%spl (the last REX counts)",
	  BYTES(0x44, 0x40, 0x8a, 0x27), LOAD(1, SP) },
	{ "rex.R data16 mov (%rdi),%ah", BYTES(0x44, 0x66, 0x8a, 0x27), LOAD(1, AX), .high8 = 1 },
	{ "data16 mov %al,(%rdi)", BYTES(0x66, 0x88, 0x07), STORE(1, AX) },
	{ "mov %ax,(%rdi)", BYTES(0x66, 0x89, 0x07), STORE(2, AX) },
	{ "mov %eax,(%rdi)", BYTES(0x89, 0x07), STORE(4, AX) },
	{ "mov %rax,(%rdi)", BYTES(0x48, 0x89, 0x07), STORE(8, AX) },
	{ "mov %rcx,(%rdi) 66+W", BYTES(0x66, 0x48, 0x89, 0x0f), STORE(8, CX) },
	{ "mov %al,(%rdi)", BYTES(0x88, 0x07), STORE(1, AX) },
	/* addressing modes */
	{ "mov 0x8(%rsp),%eax", BYTES(0x8b, 0x44, 0x24, 0x08), LOAD(4, AX) },
	{ "mov 0x80(%rsp),%eax",
	  BYTES(0x8b, 0x84, 0x24, 0x80, 0x00, 0x00, 0x00), LOAD(4, AX) },
	{ "mov (%rsp),%eax", BYTES(0x8b, 0x04, 0x24), LOAD(4, AX) },
	{ "mov 0x7f(%rdi),%eax", BYTES(0x8b, 0x47, 0x7f), LOAD(4, AX) },
	{ "mov -0x80(%rdi),%eax", BYTES(0x8b, 0x47, 0x80), LOAD(4, AX) },
	{ "mov 0x80(%rdi),%eax", BYTES(0x8b, 0x87, 0x80, 0x00, 0x00, 0x00), LOAD(4, AX) },
	{ "mov -0x1000(%rbp),%ecx", BYTES(0x8b, 0x8d, 0x00, 0xf0, 0xff, 0xff), LOAD(4, CX) },
	{ "mov 0x0(%rbp),%eax", BYTES(0x8b, 0x45, 0x00), LOAD(4, AX) },
	{ "mov 0x12345678(%rip),%eax", BYTES(0x8b, 0x05, D32), LOAD(4, AX) },
	{ "mov 0x12345678(%rip),%r8 (REX.B ignored)", BYTES(0x4d, 0x8b, 0x05, D32), LOAD(8, R8) },
	{ "mov %ebx,0x12345678(%rip)", BYTES(0x89, 0x1d, D32), STORE(4, BX) },
	{ "mov 0x12345678,%eax (SIB, no base/index)", BYTES(0x8b, 0x04, 0x25, D32), LOAD(4, AX) },
	{ "mov 0x12345678,%eax (REX.B on SIB base 101)",
	  BYTES(0x41, 0x8b, 0x04, 0x25, D32), LOAD(4, AX) },
	{ "mov 0x12345678(,%rcx,4),%eax", BYTES(0x8b, 0x04, 0x8d, D32), LOAD(4, AX) },
	{ "mov 0x12345678(,%r9,8),%edx", BYTES(0x42, 0x8b, 0x14, 0xcd, D32), LOAD(4, DX) },
	{ "mov 0x10(%rbp,%rcx,4),%eax", BYTES(0x8b, 0x44, 0x8d, 0x10), LOAD(4, AX) },
	{ "mov 0x100(%rbp,%rcx,4),%eax",
	  BYTES(0x8b, 0x84, 0x8d, 0x00, 0x01, 0x00, 0x00), LOAD(4, AX) },
	{ "mov (%rsi,%rdx,2),%ax", BYTES(0x66, 0x8b, 0x04, 0x56), LOAD(2, AX) },
	{ "mov %rdx,-0x8(%rdi,%rsi,8)", BYTES(0x48, 0x89, 0x54, 0xf7, 0xf8), STORE(8, DX) },
	/* segment overrides */
	{ "mov %fs:0x28,%rax", BYTES(0x64, 0x48, 0x8b, 0x04, 0x25, 0x28, 0, 0, 0), LOAD(8, AX) },
	{ "mov %gs:(%rdi),%eax", BYTES(0x65, 0x8b, 0x07), LOAD(4, AX) },
	{ "mov %cs:(%rdi),%eax", BYTES(0x2e, 0x8b, 0x07), LOAD(4, AX) },
	{ "mov %ss:(%rdi),%eax", BYTES(0x36, 0x8b, 0x07), LOAD(4, AX) },
	{ "mov %ds:(%rdi),%eax", BYTES(0x3e, 0x8b, 0x07), LOAD(4, AX) },
	{ "mov %eax,%es:(%rdi)", BYTES(0x26, 0x89, 0x07), STORE(4, AX) },
	{ "mov %ax,%gs:0x8(%rbx)", BYTES(0x65, 0x66, 0x89, 0x43, 0x08), STORE(2, AX) },
	{ "mov %fs:(%rdi),%r9w", BYTES(0x66, 0x64, 0x44, 0x8b, 0x0f), LOAD(2, R9) },
	/* address size */
	{ "mov (%edi),%eax", BYTES(0x67, 0x8b, 0x07), LOAD(4, AX), .addr32 = 1 },
	{ "mov 0x8(%esp),%rax", BYTES(0x67, 0x48, 0x8b, 0x44, 0x24, 0x08), LOAD(8, AX), .addr32 = 1 },
	{ "mov 0x12345678(%eip),%eax", BYTES(0x67, 0x8b, 0x05, D32), LOAD(4, AX), .addr32 = 1 },
	{ "mov %r8d,0x10(%r9d,%r10d,4)", BYTES(0x67, 0x47, 0x89, 0x44, 0x91, 0x10),
	  STORE(4, R8), .addr32 = 1 },
	/* moffs */
	{ "movabs 0x1122334455667788,%al", BYTES(0xa0, M64), LOAD(1, AX) },
	{ "movabs 0x1122334455667788,%eax", BYTES(0xa1, M64), LOAD(4, AX) },
	{ "movabs 0x1122334455667788,%ax", BYTES(0x66, 0xa1, M64), LOAD(2, AX) },
	{ "movabs 0x1122334455667788,%rax", BYTES(0x48, 0xa1, M64), LOAD(8, AX) },
	{ "movabs 0x1122334455667788,%rax (REX.R ignored)", BYTES(0x4c, 0xa1, M64), LOAD(8, AX) },
	{ "movabs %al,0x1122334455667788", BYTES(0xa2, M64), STORE(1, AX) },
	{ "movabs %eax,0x1122334455667788", BYTES(0xa3, M64), STORE(4, AX) },
	{ "movabs %ax,0x1122334455667788", BYTES(0x66, 0xa3, M64), STORE(2, AX) },
	{ "movabs %rax,0x1122334455667788", BYTES(0x48, 0xa3, M64), STORE(8, AX) },
	{ "movabs %rax,%fs:0x1122334455667788", BYTES(0x64, 0x48, 0xa3, M64), STORE(8, AX) },
	{ "addr32 mov 0x12345678,%eax", BYTES(0x67, 0xa1, D32), LOAD(4, AX), .addr32 = 1 },
	{ "addr32 mov %al,0x12345678", BYTES(0x67, 0xa2, D32), STORE(1, AX), .addr32 = 1 },
	{ "addr32 mov %rax,0x12345678", BYTES(0x67, 0x48, 0xa3, D32), STORE(8, AX), .addr32 = 1 },
	{ "rex.W addr32 mov %eax,0x12345678 (REX voided)",
	  BYTES(0x48, 0x67, 0xa3, D32), STORE(4, AX), .addr32 = 1 },
	/* store immediate */
	{ "movb $0x1,(%rdi)", BYTES(0xc6, 0x07, 0x01), IMM(1, 1) },
	{ "movb $0xff,(%rdi)", BYTES(0xc6, 0x07, 0xff), IMM(1, 0xff) },
	{ "movb $0x80,0x7f(%rdi)", BYTES(0xc6, 0x47, 0x7f, 0x80), IMM(1, 0x80) },
	{ "movb $0x5,0x10(%r12)", BYTES(0x41, 0xc6, 0x44, 0x24, 0x10, 0x05), IMM(1, 5) },
	{ "data16 movb $0x5,(%rdi)", BYTES(0x66, 0xc6, 0x07, 0x05), IMM(1, 5) },
	{ "rex.W movb $0xfe,(%rdi)", BYTES(0x48, 0xc6, 0x07, 0xfe), IMM(1, 0xfe) },
	{ "movw $0x1234,(%rdi)", BYTES(0x66, 0xc7, 0x07, 0x34, 0x12), IMM(2, 0x1234) },
	{ "movw $0xffff,(%rdi)", BYTES(0x66, 0xc7, 0x07, 0xff, 0xff), IMM(2, 0xffff) },
	{ "movl $0x12345678,(%rdi)", BYTES(0xc7, 0x07, D32), IMM(4, 0x12345678) },
	{ "movl $0xffffffff,(%rdi)", BYTES(0xc7, 0x07, 0xff, 0xff, 0xff, 0xff), IMM(4, 0xffffffff) },
	{ "movl $0x80000000,0x8(%rsp)", BYTES(0xc7, 0x44, 0x24, 0x08, 0, 0, 0, 0x80),
	  IMM(4, 0x80000000) },
	{ "movl $0x12345678,0x100(%rbp,%rcx,4)",
	  BYTES(0xc7, 0x84, 0x8d, 0x00, 0x01, 0x00, 0x00, D32), IMM(4, 0x12345678) },
	{ "movl $0x12345678,0x12345678(%rip)", BYTES(0xc7, 0x05, D32, D32), IMM(4, 0x12345678) },
	{ "movq $0xffffffffffffffff,(%rdi)",
	  BYTES(0x48, 0xc7, 0x07, 0xff, 0xff, 0xff, 0xff), IMM(8, 0xffffffffffffffffull) },
	{ "movq $0x12345678,(%rdi)", BYTES(0x48, 0xc7, 0x07, D32), IMM(8, 0x12345678) },
	{ "movq $0xffffffff80000000,(%rdi)",
	  BYTES(0x48, 0xc7, 0x07, 0, 0, 0, 0x80), IMM(8, 0xffffffff80000000ull) },
	{ "movq $0x1,0x80(%r13)",
	  BYTES(0x49, 0xc7, 0x85, 0x80, 0, 0, 0, 0x01, 0, 0, 0), IMM(8, 1) },
	{ "data16 movq $0x7fffffff,(%rdi) (66+W)",
	  BYTES(0x66, 0x48, 0xc7, 0x07, 0xff, 0xff, 0xff, 0x7f), IMM(8, 0x7fffffff) },
	{ "movl $0x1,%gs:0x12345678", BYTES(0x65, 0xc7, 0x04, 0x25, D32, 1, 0, 0, 0), IMM(4, 1) },
	/* movzx / movsx / movsxd */
	{ "movzbl (%rdi),%eax", BYTES(0x0f, 0xb6, 0x07), ZX(1, AX, 4) },
	{ "movzbw (%rdi),%ax", BYTES(0x66, 0x0f, 0xb6, 0x07), ZX(1, AX, 2) },
	{ "movzbq (%rdi),%rax", BYTES(0x48, 0x0f, 0xb6, 0x07), ZX(1, AX, 8) },
	{ "movzbl (%rdi),%esp (no high8 for wide dest)", BYTES(0x0f, 0xb6, 0x27), ZX(1, SP, 4) },
	{ "movzbl 0x10(%rdi),%r8d", BYTES(0x44, 0x0f, 0xb6, 0x47, 0x10), ZX(1, R8, 4) },
	{ "movzwl (%rdi),%eax", BYTES(0x0f, 0xb7, 0x07), ZX(2, AX, 4) },
	{ "movzwq (%rdi),%r11", BYTES(0x4c, 0x0f, 0xb7, 0x1f), ZX(2, R11, 8) },
	{ "movzww (%rdi),%ax", BYTES(0x66, 0x0f, 0xb7, 0x07), ZX(2, AX, 2) },
	{ "movzwl 0x12345678(%rip),%edx", BYTES(0x0f, 0xb7, 0x15, D32), ZX(2, DX, 4) },
	{ "movzbq 0x0(%r13,%rax,1),%rbx (66+W)",
	  BYTES(0x66, 0x49, 0x0f, 0xb6, 0x5c, 0x05, 0x00), ZX(1, BX, 8) },
	{ "movsbl (%rdi),%eax", BYTES(0x0f, 0xbe, 0x07), SX(1, AX, 4) },
	{ "movsbw (%rdi),%cx", BYTES(0x66, 0x0f, 0xbe, 0x0f), SX(1, CX, 2) },
	{ "movsbq (%rdi),%r9", BYTES(0x4c, 0x0f, 0xbe, 0x0f), SX(1, R9, 8) },
	{ "movswl (%rdi),%eax", BYTES(0x0f, 0xbf, 0x07), SX(2, AX, 4) },
	{ "movswq 0x80(%rsi),%rax",
	  BYTES(0x48, 0x0f, 0xbf, 0x86, 0x80, 0, 0, 0), SX(2, AX, 8) },
	{ "movslq (%rdi),%rax", BYTES(0x48, 0x63, 0x07), SX(4, AX, 8) },
	{ "movslq 0x8(%rdi),%r8", BYTES(0x4c, 0x63, 0x47, 0x08), SX(4, R8, 8) },
	{ "movslq (%r12,%r13,4),%r14",
	  BYTES(0x4f, 0x63, 0x34, 0xac), SX(4, R14, 8) },
	/* string ops */
	{ "movsb", BYTES(0xa4), MOVS(1) },
	{ "movsw", BYTES(0x66, 0xa5), MOVS(2) },
	{ "movsl", BYTES(0xa5), MOVS(4) },
	{ "movsq", BYTES(0x48, 0xa5), MOVS(8) },
	{ "rex.B movsl", BYTES(0x41, 0xa5), MOVS(4) },
	{ "rex movsb", BYTES(0x40, 0xa4), MOVS(1) },
	{ "rep movsb", BYTES(0xf3, 0xa4), MOVS(1), .rep = 1 },
	{ "rep movsw", BYTES(0xf3, 0x66, 0xa5), MOVS(2), .rep = 1 },
	{ "rep movsw (66 first)", BYTES(0x66, 0xf3, 0xa5), MOVS(2), .rep = 1 },
	{ "rep movsl", BYTES(0xf3, 0xa5), MOVS(4), .rep = 1 },
	{ "rep movsq", BYTES(0xf3, 0x48, 0xa5), MOVS(8), .rep = 1 },
	{ "rex.W rep movsl", BYTES(0x48, 0xf3, 0xa5), MOVS(4), .rep = 1 },
	{ "addr32 rep movsb", BYTES(0x67, 0xf3, 0xa4), MOVS(1), .rep = 1, .addr32 = 1 },
	{ "movsb %fs:(%rsi),%es:(%rdi)", BYTES(0x64, 0xa4), MOVS(1) },
	{ "stosb", BYTES(0xaa), STOS(1) },
	{ "stosw", BYTES(0x66, 0xab), STOS(2) },
	{ "stosl", BYTES(0xab), STOS(4) },
	{ "stosq", BYTES(0x48, 0xab), STOS(8) },
	{ "rep stosb", BYTES(0xf3, 0xaa), STOS(1), .rep = 1 },
	{ "rep stosl", BYTES(0xf3, 0xab), STOS(4), .rep = 1 },
	{ "rep stosq", BYTES(0xf3, 0x48, 0xab), STOS(8), .rep = 1 },
	{ "addr32 stosw", BYTES(0x67, 0x66, 0xab), STOS(2), .addr32 = 1 },
	{ "lodsb", BYTES(0xac), LODS(1) },
	{ "lodsw", BYTES(0x66, 0xad), LODS(2) },
	{ "lodsl", BYTES(0xad), LODS(4) },
	{ "lodsq", BYTES(0x48, 0xad), LODS(8) },
	{ "rep lodsb", BYTES(0xf3, 0xac), LODS(1), .rep = 1 },
	{ "lodsl %gs:(%rsi),%eax", BYTES(0x65, 0xad), LODS(4) },
	/* prefix count and the 15-byte limit */
	{ "13x data16 mov (%rdi),%ax (15 bytes)",
	  BYTES(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
		0x8b, 0x07), LOAD(2, AX) },
	{ "fs addr32 cs movq $imm,disp32(sib) (15 bytes)",
	  BYTES(0x64, 0x67, 0x2e, 0x48, 0xc7, 0x84, 0x88, D32, D32),
	  IMM(8, 0x12345678), .addr32 = 1 },
	{ "14x data16 mov (%rdi),%ax (16 bytes)",
	  BYTES(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
		0x66, 0x8b, 0x07), REJECT },
	{ "4 prefixes + movq $imm,disp32(sib) (16 bytes)",
	  BYTES(0x64, 0x67, 0x2e, 0x3e, 0x48, 0xc7, 0x84, 0x88, D32, D32), REJECT },
	{ "15 prefixes", BYTES(0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e,
			       0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x8b, 0x07), REJECT },
	/* lock, REPNE, REP on non-string ops */
	{ "lock mov %eax,(%rdi)", BYTES(0xf0, 0x89, 0x07), REJECT },
	{ "data16 lock mov %ax,(%rdi)", BYTES(0x66, 0xf0, 0x89, 0x07), REJECT },
	{ "lock addl $1,(%rdi)", BYTES(0xf0, 0x83, 0x07, 0x01), REJECT },
	{ "repnz movsb", BYTES(0xf2, 0xa4), REJECT },
	{ "repnz stos %eax", BYTES(0xf2, 0xab), REJECT },
	{ "repz repnz movsb", BYTES(0xf3, 0xf2, 0xa4), REJECT },
	{ "repnz repz movsb", BYTES(0xf2, 0xf3, 0xa4), REJECT },
	{ "xrelease mov %eax,(%rdi)", BYTES(0xf3, 0x89, 0x07), REJECT },
	{ "xacquire mov %eax,(%rdi)", BYTES(0xf2, 0x89, 0x07), REJECT },
	{ "repz movzbl (%rdi),%eax", BYTES(0xf3, 0x0f, 0xb6, 0x07), REJECT },
	{ "repz movl $1,(%rdi)", BYTES(0xf3, 0xc7, 0x07, 1, 0, 0, 0), REJECT },
	{ "popcnt (%rdi),%eax", BYTES(0xf3, 0x0f, 0xb8, 0x07), REJECT },
	/* register operands (mod=11) */
	{ "mov %eax,%eax", BYTES(0x89, 0xc0), REJECT },
	{ "mov %ecx,%eax (8B)", BYTES(0x8b, 0xc1), REJECT },
	{ "mov %ah,%al", BYTES(0x88, 0xe0), REJECT },
	{ "mov %r8b,%r15b", BYTES(0x45, 0x8a, 0xf8), REJECT },
	{ "movzbl %al,%eax", BYTES(0x0f, 0xb6, 0xc0), REJECT },
	{ "movswq %ax,%rax", BYTES(0x48, 0x0f, 0xbf, 0xc0), REJECT },
	{ "movslq %eax,%rax", BYTES(0x48, 0x63, 0xc0), REJECT },
	{ "mov $0x1,%al (C6 mod=11)", BYTES(0xc6, 0xc0, 0x01), REJECT },
	{ "mov $0x1,%eax (C7 mod=11)", BYTES(0xc7, 0xc0, 1, 0, 0, 0), REJECT },
	/* C6/C7 with reg != 0 */
	{ "c6 /1", BYTES(0xc6, 0x0f, 0x01), REJECT },
	{ "c7 /1 disp8", BYTES(0xc7, 0x4f, 0x08, D32), REJECT },
	{ "c7 /7 (sib)", BYTES(0xc7, 0x3c, 0x24, D32), REJECT },
	{ "xabort $0x1", BYTES(0xc6, 0xf8, 0x01), REJECT },
	{ "xbegin", BYTES(0xc7, 0xf8, 0, 0, 0, 0), REJECT },
	/* movsxd without REX.W */
	{ "movsxd (%rdi),%eax", BYTES(0x63, 0x07), REJECT },
	{ "movsxd (%rdi),%ax", BYTES(0x66, 0x63, 0x07), REJECT },
	{ "rex.W data16 movsxd (%rdi),%ax", BYTES(0x48, 0x66, 0x63, 0x07), REJECT },
	/* VEX, EVEX, XOP */
	{ "vzeroupper", BYTES(0xc5, 0xf8, 0x77), REJECT },
	{ "vmovdqu (%rdi),%xmm0", BYTES(0xc5, 0xfa, 0x6f, 0x07), REJECT },
	{ "vbroadcastss (%rdi),%xmm0", BYTES(0xc4, 0xe2, 0x79, 0x18, 0x07), REJECT },
	{ "vmovups (%rdi),%zmm0", BYTES(0x62, 0xf1, 0x7c, 0x48, 0x10, 0x07), REJECT },
	{ "xop", BYTES(0x8f, 0xe9, 0x78, 0x01, 0x0f), REJECT },
	{ "rex + vex", BYTES(0x48, 0xc5, 0xf8, 0x77), REJECT },
	/* other opcodes */
	{ "nop", BYTES(0x90), REJECT },
	{ "ret", BYTES(0xc3), REJECT },
	{ "int3", BYTES(0xcc), REJECT },
	{ "lea (%rdi),%eax", BYTES(0x8d, 0x07), REJECT },
	{ "add %eax,(%rdi)", BYTES(0x01, 0x07), REJECT },
	{ "or %eax,(%rdi)", BYTES(0x09, 0x07), REJECT },
	{ "and $0x1,(%rdi)", BYTES(0x83, 0x27, 0x01), REJECT },
	{ "test %eax,(%rdi)", BYTES(0x85, 0x07), REJECT },
	{ "cmpl $0x0,(%rdi)", BYTES(0x83, 0x3f, 0x00), REJECT },
	{ "xchg %eax,(%rdi)", BYTES(0x87, 0x07), REJECT },
	{ "mov %es,(%rdi)", BYTES(0x8c, 0x07), REJECT },
	{ "mov (%rdi),%es", BYTES(0x8e, 0x07), REJECT },
	{ "push (%rdi)", BYTES(0xff, 0x37), REJECT },
	{ "pop (%rdi)", BYTES(0x8f, 0x07), REJECT },
	{ "mov $0x12345678,%eax", BYTES(0xb8, D32), REJECT },
	{ "movabs $imm64,%rax", BYTES(0x48, 0xb8, M64), REJECT },
	{ "movnti %eax,(%rdi)", BYTES(0x0f, 0xc3, 0x07), REJECT },
	{ "movups (%rdi),%xmm0", BYTES(0x0f, 0x10, 0x07), REJECT },
	{ "movd (%rdi),%xmm0", BYTES(0x66, 0x0f, 0x6e, 0x07), REJECT },
	{ "movq (%rdi),%xmm0", BYTES(0xf3, 0x0f, 0x7e, 0x07), REJECT },
	{ "movbe (%rdi),%eax", BYTES(0x0f, 0x38, 0xf0, 0x07), REJECT },
	{ "nopl (%rax)", BYTES(0x0f, 0x1f, 0x00), REJECT },
	{ "ud2", BYTES(0x0f, 0x0b), REJECT },
	{ "cmpsb", BYTES(0xa6), REJECT },
	{ "scasb", BYTES(0xae), REJECT },
	{ "insb", BYTES(0x6c), REJECT },
	{ "outsb", BYTES(0x6e), REJECT },
	{ "rep insl", BYTES(0xf3, 0x6d), REJECT },
	{ "in (%dx),%al", BYTES(0xec), REJECT },
	{ "clflush (%rdi)", BYTES(0x0f, 0xae, 0x3f), REJECT },
	{ "x87 fld (%rdi)", BYTES(0xd9, 0x07), REJECT },
	{ "ret after prefixes", BYTES(0x66, 0x67, 0xc3), REJECT },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/*
 * Two pages, the second inaccessible; tail(n) is where n bytes must start
 * to end right at the guard page.
 */
static uint8_t *guard_area;
static long page_size;

static int setup(void **state)
{
	(void)state;
	page_size = sysconf(_SC_PAGESIZE);
	guard_area = mmap(NULL, 2 * page_size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (guard_area == MAP_FAILED)
		return -1;
	if (mprotect(guard_area + page_size, page_size, PROT_NONE))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	munmap(guard_area, 2 * page_size);
	return 0;
}

static uint8_t *tail(size_t n)
{
	return guard_area + page_size - n;
}

/* Decode @n bytes of @bytes placed right before the guard page. */
static int decode_guarded(const uint8_t *bytes, size_t n, struct pciem_insn *insn)
{
	uint8_t *p = tail(n);

	memcpy(p, bytes, n);
	return pciem_insn_decode(p, n, insn);
}

/* Decode @n bytes from an exactly-sized heap copy (for ASan/valgrind). */
static int decode_heap(const uint8_t *bytes, size_t n, struct pciem_insn *insn)
{
	uint8_t *p = malloc(n ? n : 1);
	int ret;

	assert_non_null(p);
	memcpy(p, bytes, n);
	ret = pciem_insn_decode(n ? p : p + 1, n, insn);
	free(p);
	return ret;
}

static const struct pciem_insn zero_insn;

static void check_case(const struct tcase *t)
{
	struct pciem_insn insn;
	int ret;

	memset(&insn, 0xa5, sizeof(insn));
	ret = decode_guarded(t->bytes, t->n, &insn);
	if (ret != t->ret)
		fail_msg("%s: returned %d, expected %d", t->name, ret, t->ret);
	if (ret) {
		if (memcmp(&insn, &zero_insn, sizeof(insn)))
			fail_msg("%s: insn not zeroed on error", t->name);
		return;
	}
	if (insn.len != t->n || insn.op != t->op || insn.size != t->size ||
	    insn.reg != t->reg || insn.reg_size != t->reg_size ||
	    insn.high8 != t->high8 || insn.rep != t->rep ||
	    insn.addr_size != (t->addr32 ? 4 : 8) || insn.imm != t->imm)
		fail_msg("%s: got len %u op %s size %u reg %u reg_size %u high8 %u rep %u addr %u imm %#llx; expected len %u op %s size %u reg %u reg_size %u high8 %u rep %u addr %u imm %#llx",
			 t->name, insn.len, pciem_insn_op_name(insn.op), insn.size, insn.reg,
			 insn.reg_size, insn.high8, insn.rep, insn.addr_size,
			 (unsigned long long)insn.imm, t->n, pciem_insn_op_name(t->op),
			 t->size, t->reg, t->reg_size, t->high8, t->rep,
			 t->addr32 ? 4 : 8, (unsigned long long)t->imm);
}

static void test_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NCASES; i++)
		check_case(&cases[i]);
}

/*
 * Every proper prefix of a valid instruction is truncated (-2); an
 * unsupported one is -1 or -2, never 0.  The decoder must not touch the
 * guard page or the bytes past the heap copy.
 */
static void test_truncation(void **state)
{
	struct pciem_insn insn;
	size_t i, k;
	int r1, r2;

	(void)state;
	for (i = 0; i < NCASES; i++) {
		const struct tcase *t = &cases[i];

		for (k = 0; k < t->n; k++) {
			memset(&insn, 0x5a, sizeof(insn));
			r1 = decode_guarded(t->bytes, k, &insn);
			if (memcmp(&insn, &zero_insn, sizeof(insn)))
				fail_msg("%s avail %zu: insn not zeroed on error", t->name, k);
			r2 = decode_heap(t->bytes, k, &insn);
			if (r1 != r2)
				fail_msg("%s avail %zu: guard %d heap %d", t->name, k, r1, r2);
			if (t->ret == OK && r1 != TRUNC)
				fail_msg("%s avail %zu: returned %d, expected -2",
					 t->name, k, r1);
			if (t->ret != OK && r1 != TRUNC && r1 != UNSUPP)
				fail_msg("%s avail %zu: returned %d", t->name, k, r1);
		}
	}
}

/*
 * Bytes after the instruction are poison: a decoder that looked at them
 * would return another length or fail.  Also an @avail far larger than the
 * accessible memory must stay within 15 bytes.
 */
static void test_trailing_poison(void **state)
{
	static const uint8_t poison[] = { 0x0f, 0xff, 0xf0, 0x66, 0x48, 0xcc, 0xc5, 0x62 };
	struct pciem_insn insn;
	uint8_t buf[64];
	size_t i, j, pi;
	int ret;

	(void)state;
	for (i = 0; i < NCASES; i++) {
		const struct tcase *t = &cases[i];

		if (t->ret != OK)
			continue;
		for (pi = 0; pi < sizeof(poison); pi++) {
			memcpy(buf, t->bytes, t->n);
			for (j = t->n; j < sizeof(buf); j++)
				buf[j] = poison[(pi + j) % sizeof(poison)];
			ret = pciem_insn_decode(buf, sizeof(buf), &insn);
			if (ret != OK || insn.len != t->n)
				fail_msg("%s + poison %zu: ret %d len %u", t->name, pi, ret,
					 insn.len);
		}
		/* 15 accessible bytes at most, avail unbounded. */
		memset(tail(PCIEM_INSN_MAX_LEN), 0xf0, PCIEM_INSN_MAX_LEN);
		memcpy(tail(PCIEM_INSN_MAX_LEN), t->bytes, t->n);
		ret = pciem_insn_decode(tail(PCIEM_INSN_MAX_LEN), SIZE_MAX, &insn);
		if (ret != OK || insn.len != t->n)
			fail_msg("%s, avail SIZE_MAX: ret %d len %u", t->name, ret, insn.len);
	}

	/* 15 prefixes right before the guard page, avail unbounded: -1. */
	memset(tail(PCIEM_INSN_MAX_LEN), 0x66, PCIEM_INSN_MAX_LEN);
	assert_int_equal(pciem_insn_decode(tail(PCIEM_INSN_MAX_LEN), SIZE_MAX, &insn), UNSUPP);
}

/* Deterministic xorshift, no global state. */
static uint32_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s >> 32);
}

/* Bytes biased to the prefixes and opcodes the decoder knows. */
static uint8_t rnd_byte(uint64_t *s)
{
	static const uint8_t interesting[] = {
		0x66, 0x67, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65, 0xf2, 0xf3, 0xf0,
		0x40, 0x41, 0x44, 0x48, 0x4c, 0x4f, 0x88, 0x89, 0x8a, 0x8b, 0x63,
		0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xaa, 0xab, 0xac, 0xad, 0xc6,
		0xc7, 0x0f, 0xb6, 0xb7, 0xbe, 0xbf, 0x04, 0x05, 0x24, 0x25, 0x44,
		0x84, 0x45, 0x85, 0xc4, 0xc5,
	};
	uint32_t r = rnd(s);

	if (r & 1)
		return interesting[(r >> 1) % sizeof(interesting)];
	return (uint8_t)(r >> 8);
}

/*
 * Random byte strings: decoding is consistent under truncation, fields are
 * in range and nothing is read past @avail.
 */
static void test_random_consistency(void **state)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	struct pciem_insn full, insn;
	uint8_t bytes[PCIEM_INSN_MAX_LEN];
	unsigned long nok = 0, iter;
	size_t j, k;
	int ret, r;

	(void)state;
	for (iter = 0; iter < 200000; iter++) {
		for (j = 0; j < sizeof(bytes); j++)
			bytes[j] = rnd_byte(&seed);
		ret = decode_guarded(bytes, sizeof(bytes), &full);
		if (ret != OK && ret != UNSUPP)
			fail_msg("iter %lu: 15 bytes gave %d", iter, ret);
		if (ret == OK) {
			nok++;
			assert_true(full.len >= 1 && full.len <= PCIEM_INSN_MAX_LEN);
			assert_true(full.op > PCIEM_INSN_INVALID && full.op < PCIEM_INSN_NR_OPS);
			assert_true(full.size == 1 || full.size == 2 || full.size == 4 ||
				    full.size == 8);
			assert_true(full.reg_size >= full.size);
			assert_true(full.reg < 16);
			assert_true(!full.high8 || (full.reg < 4 && full.size == 1));
			assert_true(full.addr_size == 4 || full.addr_size == 8);
			assert_true(!full.rep || full.op >= PCIEM_INSN_MOVS);
			assert_true(full.op == PCIEM_INSN_STORE_IMM || !full.imm);
			r = decode_guarded(bytes, full.len, &insn);
			assert_int_equal(r, OK);
			assert_memory_equal(&insn, &full, sizeof(insn));
		}
		if (ret != OK && memcmp(&full, &zero_insn, sizeof(full)))
			fail_msg("iter %lu: insn not zeroed on error", iter);
		for (k = 0; k < (ret == OK ? full.len : sizeof(bytes)); k++) {
			r = decode_guarded(bytes, k, &insn);
			if (ret == OK ? r != TRUNC : (r != TRUNC && r != UNSUPP))
				fail_msg("iter %lu: avail %zu gave %d (full: %d)", iter, k, r, ret);
			if (memcmp(&insn, &zero_insn, sizeof(insn)))
				fail_msg("iter %lu: avail %zu: insn not zeroed on error", iter, k);
		}
	}
	/* The bias must actually reach the decoder's accepting paths. */
	assert_true(nok > 10000);
}

static void test_op_names(void **state)
{
	struct pciem_insn insn;
	static const uint8_t rep_movsq[] = { 0xf3, 0x48, 0xa5 };
	static const uint8_t movzx[] = { 0x0f, 0xb6, 0x07 };

	(void)state;
	assert_string_equal(pciem_insn_op_name(PCIEM_INSN_LOAD), "mov");
	assert_string_equal(pciem_insn_op_name(PCIEM_INSN_STORE_IMM), "mov");
	assert_string_equal(pciem_insn_op_name(PCIEM_INSN_LOAD_ZX), "movzx");
	assert_string_equal(pciem_insn_op_name(PCIEM_INSN_LOAD_SX), "movsx");
	assert_string_equal(pciem_insn_op_name(PCIEM_INSN_STOS), "stos");
	assert_string_equal(pciem_insn_op_name(PCIEM_INSN_INVALID), "invalid");
	assert_string_equal(pciem_insn_op_name(-1), "invalid");
	assert_string_equal(pciem_insn_op_name(PCIEM_INSN_NR_OPS), "invalid");
	assert_string_equal(pciem_insn_op_name(1000), "invalid");
	assert_int_equal(pciem_insn_decode(rep_movsq, sizeof(rep_movsq), &insn), OK);
	assert_string_equal(pciem_insn_name(&insn), "rep movs");
	assert_int_equal(pciem_insn_decode(movzx, sizeof(movzx), &insn), OK);
	assert_string_equal(pciem_insn_name(&insn), "movzx");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_trailing_poison),
		cmocka_unit_test(test_random_consistency),
		cmocka_unit_test(test_op_names),
	};

	return cmocka_run_group_tests_name("pciem_insn", tests, setup, teardown);
}
