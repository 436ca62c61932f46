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
	uint8_t sub, lock, reg_dst, src_imm, vex;
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
#define ALU(s, sz, r)	.op = PCIEM_INSN_ALU, .sub = PCIEM_ALU_##s, .size = sz, .reg = r, \
			.reg_size = sz
#define ALUI(s, sz, v)	.op = PCIEM_INSN_ALU, .sub = PCIEM_ALU_##s, .size = sz, \
			.reg_size = sz, .src_imm = 1, .imm = v
#define OPR(o, sz, r)	.op = PCIEM_INSN_##o, .size = sz, .reg = r, .reg_size = sz
#define OPM(o, sz)	.op = PCIEM_INSN_##o, .size = sz, .reg_size = sz
#define TESTI(sz, v)	.op = PCIEM_INSN_TEST, .size = sz, .reg_size = sz, .src_imm = 1, .imm = v
#define BT(s, sz, r)	.op = PCIEM_INSN_BT, .sub = PCIEM_BT_##s, .size = sz, .reg = r, \
			.reg_size = sz
#define BTI(s, sz, v)	.op = PCIEM_INSN_BT, .sub = PCIEM_BT_##s, .size = sz, .reg_size = sz, \
			.src_imm = 1, .imm = v
#define VL(s, sz, r, rsz) .op = PCIEM_INSN_VLOAD, .sub = PCIEM_VEC_##s, .size = sz, .reg = r, \
			.reg_size = rsz
#define VS(s, sz, r, rsz) .op = PCIEM_INSN_VSTORE, .sub = PCIEM_VEC_##s, .size = sz, .reg = r, \
			.reg_size = rsz
#define LOCK		.lock = 1
#define RDST		.reg_dst = 1
#define VEX		.vex = 1
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
	{ "ds addr32 cs movq $imm,disp32(sib) (15 bytes)",
	  BYTES(0x3e, 0x67, 0x2e, 0x48, 0xc7, 0x84, 0x88, D32, D32),
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
	{ "repnz movsb", BYTES(0xf2, 0xa4), REJECT },
	{ "repnz stos %eax", BYTES(0xf2, 0xab), REJECT },
	{ "repz repnz movsb", BYTES(0xf3, 0xf2, 0xa4), REJECT },
	{ "repnz repz movsb", BYTES(0xf2, 0xf3, 0xa4), REJECT },
	{ "xrelease mov %eax,(%rdi)", BYTES(0xf3, 0x89, 0x07), REJECT },
	{ "xacquire mov %eax,(%rdi)", BYTES(0xf2, 0x89, 0x07), REJECT },
	{ "repz movzbl (%rdi),%eax", BYTES(0xf3, 0x0f, 0xb6, 0x07), REJECT },
	{ "repz movl $1,(%rdi)", BYTES(0xf3, 0xc7, 0x07, 1, 0, 0, 0), REJECT },
	{ "popcnt (%rdi),%eax", BYTES(0xf3, 0x0f, 0xb8, 0x07), REJECT },
	/* segment overrides: fs/gs with another one is ambiguous */
	{ "fs cs mov (%rdi),%eax", BYTES(0x64, 0x2e, 0x8b, 0x07), REJECT },
	{ "cs gs mov (%rdi),%eax", BYTES(0x2e, 0x65, 0x8b, 0x07), REJECT },
	{ "fs gs mov (%rdi),%eax", BYTES(0x64, 0x65, 0x8b, 0x07), REJECT },
	{ "fs fs mov (%rdi),%eax", BYTES(0x64, 0x64, 0x8b, 0x07), LOAD(4, AX) },
	{ "ds cs mov (%rdi),%eax", BYTES(0x3e, 0x2e, 0x8b, 0x07), LOAD(4, AX) },
	/* ALU, register source or destination */
	{ "add %eax,(%rdi)", BYTES(0x01, 0x07), ALU(ADD, 4, AX) },
	{ "add %al,(%rdi)", BYTES(0x00, 0x07), ALU(ADD, 1, AX) },
	{ "add (%rdi),%eax", BYTES(0x03, 0x07), ALU(ADD, 4, AX), RDST },
	{ "add (%rdi),%dl", BYTES(0x02, 0x17), ALU(ADD, 1, DX), RDST },
	{ "or %ecx,(%rdi)", BYTES(0x09, 0x0f), ALU(OR, 4, CX) },
	{ "or (%rdi),%r8", BYTES(0x4c, 0x0b, 0x07), ALU(OR, 8, R8), RDST },
	{ "adc %edx,(%rdi)", BYTES(0x11, 0x17), ALU(ADC, 4, DX) },
	{ "adc (%rdi),%cl", BYTES(0x12, 0x0f), ALU(ADC, 1, CX), RDST },
	{ "sbb %rbx,(%rdi)", BYTES(0x48, 0x19, 0x1f), ALU(SBB, 8, BX) },
	{ "sbb (%rdi),%si", BYTES(0x66, 0x1b, 0x37), ALU(SBB, 2, SI), RDST },
	{ "and %sil,(%rdi)", BYTES(0x40, 0x20, 0x37), ALU(AND, 1, SI) },
	{ "and (%rdi),%r15d", BYTES(0x44, 0x23, 0x3f), ALU(AND, 4, R15), RDST },
	{ "sub %r9w,(%rdi)", BYTES(0x66, 0x44, 0x29, 0x0f), ALU(SUB, 2, R9) },
	{ "sub (%rdi),%rax", BYTES(0x48, 0x2b, 0x07), ALU(SUB, 8, AX), RDST },
	{ "xor %ah,(%rdi)", BYTES(0x30, 0x27), ALU(XOR, 1, AX), .high8 = 1 },
	{ "xor (%rdi),%ebp", BYTES(0x33, 0x2f), ALU(XOR, 4, BP), RDST },
	{ "cmp %eax,(%rdi)", BYTES(0x39, 0x07), ALU(CMP, 4, AX) },
	{ "cmp %al,(%rdi)", BYTES(0x38, 0x07), ALU(CMP, 1, AX) },
	{ "cmp (%rdi),%eax", BYTES(0x3b, 0x07), ALU(CMP, 4, AX), RDST },
	{ "cmp (%rdi),%bh", BYTES(0x3a, 0x3f), ALU(CMP, 1, BX), RDST, .high8 = 1 },
	{ "lock add %eax,(%rdi)", BYTES(0xf0, 0x01, 0x07), ALU(ADD, 4, AX), LOCK },
	{ "lock or %cl,(%rdi)", BYTES(0xf0, 0x08, 0x0f), ALU(OR, 1, CX), LOCK },
	{ "lock sbb %r11,(%rdi)", BYTES(0xf0, 0x4c, 0x19, 0x1f), ALU(SBB, 8, R11), LOCK },
	{ "data16 lock xor %ax,(%rdi)", BYTES(0x66, 0xf0, 0x31, 0x07), ALU(XOR, 2, AX), LOCK },
	{ "lock cmp %eax,(%rdi)", BYTES(0xf0, 0x39, 0x07), REJECT },
	{ "lock add (%rdi),%eax", BYTES(0xf0, 0x03, 0x07), REJECT },
	{ "lock and (%rdi),%al", BYTES(0xf0, 0x22, 0x07), REJECT },
	{ "add %eax,%ecx", BYTES(0x01, 0xc1), REJECT },
	{ "add $0x1,%al", BYTES(0x04, 0x01), REJECT },
	{ "add $imm,%eax", BYTES(0x05, D32), REJECT },
	{ "push %es (invalid)", BYTES(0x06), REJECT },
	{ "daa (invalid)", BYTES(0x27), REJECT },
	{ "rep add %eax,(%rdi)", BYTES(0xf3, 0x01, 0x07), REJECT },
	{ "xacquire lock add %eax,(%rdi)", BYTES(0xf2, 0xf0, 0x01, 0x07), REJECT },
	{ "xrelease lock add %eax,(%rdi)", BYTES(0xf3, 0xf0, 0x01, 0x07), REJECT },
	/* ALU, immediate source */
	{ "addl $0x1,(%rdi)", BYTES(0x83, 0x07, 0x01), ALUI(ADD, 4, 1) },
	{ "orl $0xffffffff,(%rdi) (83)", BYTES(0x83, 0x0f, 0xff), ALUI(OR, 4, 0xffffffff) },
	{ "orq $-1,(%rdi) (83)", BYTES(0x48, 0x83, 0x0f, 0xff), ALUI(OR, 8, ~0ull) },
	{ "andw $0xfff0,(%rdi)", BYTES(0x66, 0x83, 0x27, 0xf0), ALUI(AND, 2, 0xfff0) },
	{ "andb $0xf0,(%rdi)", BYTES(0x80, 0x27, 0xf0), ALUI(AND, 1, 0xf0) },
	{ "adcl $0x5,(%rdi)", BYTES(0x83, 0x17, 0x05), ALUI(ADC, 4, 5) },
	{ "sbbl $0x5,(%rdi)", BYTES(0x83, 0x1f, 0x05), ALUI(SBB, 4, 5) },
	{ "subl $0x12345678,(%rdi)", BYTES(0x81, 0x2f, D32), ALUI(SUB, 4, 0x12345678) },
	{ "subq $-0x80000000,(%rdi)", BYTES(0x48, 0x81, 0x2f, 0, 0, 0, 0x80),
	  ALUI(SUB, 8, 0xffffffff80000000ull) },
	{ "xorw $0x1234,(%rdi)", BYTES(0x66, 0x81, 0x37, 0x34, 0x12), ALUI(XOR, 2, 0x1234) },
	{ "cmpl $0x0,(%rdi)", BYTES(0x83, 0x3f, 0x00), ALUI(CMP, 4, 0) },
	{ "cmpb $0x1,0x10(%rdi)", BYTES(0x80, 0x7f, 0x10, 0x01), ALUI(CMP, 1, 1) },
	{ "cmpq $0x7f,(%rip)", BYTES(0x48, 0x83, 0x3d, D32, 0x7f), ALUI(CMP, 8, 0x7f) },
	{ "lock addl $0x1,(%rdi)", BYTES(0xf0, 0x83, 0x07, 0x01), ALUI(ADD, 4, 1), LOCK },
	{ "lock andb $0xfe,(%rdi)", BYTES(0xf0, 0x80, 0x27, 0xfe), ALUI(AND, 1, 0xfe), LOCK },
	{ "lock cmpl $0x0,(%rdi)", BYTES(0xf0, 0x83, 0x3f, 0x00), REJECT },
	{ "82 /0 (invalid in 64-bit mode)", BYTES(0x82, 0x07, 0x01), REJECT },
	{ "addl $0x1,%eax (83 mod=11)", BYTES(0x83, 0xc0, 0x01), REJECT },
	/* test */
	{ "test %eax,(%rdi)", BYTES(0x85, 0x07), OPR(TEST, 4, AX) },
	{ "test %al,(%rdi)", BYTES(0x84, 0x07), OPR(TEST, 1, AX) },
	{ "test %ch,(%rdi)", BYTES(0x84, 0x2f), OPR(TEST, 1, CX), .high8 = 1 },
	{ "test %r10,(%rdi)", BYTES(0x4c, 0x85, 0x17), OPR(TEST, 8, R10) },
	{ "testb $0x80,(%rdi)", BYTES(0xf6, 0x07, 0x80), TESTI(1, 0x80) },
	{ "testl $0x12345678,(%rdi)", BYTES(0xf7, 0x07, D32), TESTI(4, 0x12345678) },
	{ "testw $0x8000,(%rdi)", BYTES(0x66, 0xf7, 0x07, 0x00, 0x80), TESTI(2, 0x8000) },
	{ "testq $-1,(%rdi)", BYTES(0x48, 0xf7, 0x07, 0xff, 0xff, 0xff, 0xff), TESTI(8, ~0ull) },
	{ "lock test %eax,(%rdi)", BYTES(0xf0, 0x85, 0x07), REJECT },
	{ "f6 /1 (undocumented test)", BYTES(0xf6, 0x0f, 0x01), REJECT },
	{ "mull (%rdi)", BYTES(0xf7, 0x27), REJECT },
	{ "imull (%rdi)", BYTES(0xf7, 0x2f), REJECT },
	{ "divl (%rdi)", BYTES(0xf7, 0x37), REJECT },
	{ "idivb (%rdi)", BYTES(0xf6, 0x3f), REJECT },
	/* inc, dec, not, neg */
	{ "incl (%rdi)", BYTES(0xff, 0x07), OPM(INC, 4) },
	{ "incb (%rdi)", BYTES(0xfe, 0x07), OPM(INC, 1) },
	{ "decq (%rdi)", BYTES(0x48, 0xff, 0x0f), OPM(DEC, 8) },
	{ "decw 0x8(%r9)", BYTES(0x66, 0x41, 0xff, 0x49, 0x08), OPM(DEC, 2) },
	{ "lock incl (%rdi)", BYTES(0xf0, 0xff, 0x07), OPM(INC, 4), LOCK },
	{ "lock decb (%rdi)", BYTES(0xf0, 0xfe, 0x0f), OPM(DEC, 1), LOCK },
	{ "notl (%rdi)", BYTES(0xf7, 0x17), OPM(NOT, 4) },
	{ "notb (%rdi)", BYTES(0xf6, 0x17), OPM(NOT, 1) },
	{ "negb (%rdi)", BYTES(0xf6, 0x1f), OPM(NEG, 1) },
	{ "negq (%rdi)", BYTES(0x48, 0xf7, 0x1f), OPM(NEG, 8) },
	{ "lock negl (%rdi)", BYTES(0xf0, 0xf7, 0x1f), OPM(NEG, 4), LOCK },
	{ "lock notw (%rdi)", BYTES(0x66, 0xf0, 0xf7, 0x17), OPM(NOT, 2), LOCK },
	{ "call *(%rdi)", BYTES(0xff, 0x17), REJECT },
	{ "jmp *(%rdi)", BYTES(0xff, 0x27), REJECT },
	{ "fe /2", BYTES(0xfe, 0x17), REJECT },
	{ "incl %eax (mod=11)", BYTES(0xff, 0xc0), REJECT },
	/* xchg, xadd, cmpxchg */
	{ "xchg %eax,(%rdi)", BYTES(0x87, 0x07), OPR(XCHG, 4, AX) },
	{ "xchg %al,(%rdi)", BYTES(0x86, 0x07), OPR(XCHG, 1, AX) },
	{ "xchg %dh,(%rdi)", BYTES(0x86, 0x37), OPR(XCHG, 1, DX), .high8 = 1 },
	{ "lock xchg %rcx,(%rdi)", BYTES(0xf0, 0x48, 0x87, 0x0f), OPR(XCHG, 8, CX), LOCK },
	{ "xadd %eax,(%rdi)", BYTES(0x0f, 0xc1, 0x07), OPR(XADD, 4, AX) },
	{ "xadd %bl,(%rdi)", BYTES(0x0f, 0xc0, 0x1f), OPR(XADD, 1, BX) },
	{ "lock xadd %r10,(%rdi)", BYTES(0xf0, 0x4c, 0x0f, 0xc1, 0x17), OPR(XADD, 8, R10), LOCK },
	{ "cmpxchg %ecx,(%rdi)", BYTES(0x0f, 0xb1, 0x0f), OPR(CMPXCHG, 4, CX) },
	{ "cmpxchg %bh,(%rdi)", BYTES(0x0f, 0xb0, 0x3f), OPR(CMPXCHG, 1, BX), .high8 = 1 },
	{ "lock cmpxchg %ecx,(%rdi)", BYTES(0xf0, 0x0f, 0xb1, 0x0f), OPR(CMPXCHG, 4, CX), LOCK },
	{ "lock cmpxchg %r9w,(%rdi)", BYTES(0x66, 0xf0, 0x44, 0x0f, 0xb1, 0x0f),
	  OPR(CMPXCHG, 2, R9), LOCK },
	{ "cmpxchg8b (%rdi)", BYTES(0x0f, 0xc7, 0x0f), REJECT },
	{ "lock cmpxchg16b (%rdi)", BYTES(0xf0, 0x48, 0x0f, 0xc7, 0x0f), REJECT },
	{ "xchg %eax,%ecx (87 mod=11)", BYTES(0x87, 0xc1), REJECT },
	/* bt, bts, btr, btc */
	{ "bt %eax,(%rdi)", BYTES(0x0f, 0xa3, 0x07), BT(BT, 4, AX) },
	{ "bts %rcx,(%rdi)", BYTES(0x48, 0x0f, 0xab, 0x0f), BT(BTS, 8, CX) },
	{ "btr %dx,(%rdi)", BYTES(0x66, 0x0f, 0xb3, 0x17), BT(BTR, 2, DX) },
	{ "btc %r12d,(%rdi)", BYTES(0x44, 0x0f, 0xbb, 0x27), BT(BTC, 4, R12) },
	{ "lock bts %rcx,(%rdi)", BYTES(0xf0, 0x48, 0x0f, 0xab, 0x0f), BT(BTS, 8, CX), LOCK },
	{ "lock btr %eax,(%rdi)", BYTES(0xf0, 0x0f, 0xb3, 0x07), BT(BTR, 4, AX), LOCK },
	{ "lock bt %eax,(%rdi)", BYTES(0xf0, 0x0f, 0xa3, 0x07), REJECT },
	{ "btl $0x5,(%rdi)", BYTES(0x0f, 0xba, 0x27, 0x05), BTI(BT, 4, 5) },
	{ "btsq $0x3f,(%rdi)", BYTES(0x48, 0x0f, 0xba, 0x2f, 0x3f), BTI(BTS, 8, 0x3f) },
	{ "btrw $0x3,(%rdi)", BYTES(0x66, 0x0f, 0xba, 0x37, 0x03), BTI(BTR, 2, 3) },
	{ "btcl $0xff,(%rdi)", BYTES(0x0f, 0xba, 0x3f, 0xff), BTI(BTC, 4, 0xff) },
	{ "lock btcl $0x1,(%rdi)", BYTES(0xf0, 0x0f, 0xba, 0x3f, 0x01), BTI(BTC, 4, 1), LOCK },
	{ "lock btl $0x1,(%rdi)", BYTES(0xf0, 0x0f, 0xba, 0x27, 0x01), REJECT },
	{ "0f ba /0", BYTES(0x0f, 0xba, 0x07, 0x01), REJECT },
	{ "0f ba /3", BYTES(0x0f, 0xba, 0x1f, 0x01), REJECT },
	{ "bt %eax,%ecx (mod=11)", BYTES(0x0f, 0xa3, 0xc1), REJECT },
	{ "bsf (%rdi),%eax", BYTES(0x0f, 0xbc, 0x07), REJECT },
	/* movnti, movdiri, movbe, movdir64b */
	{ "movnti %eax,(%rdi)", BYTES(0x0f, 0xc3, 0x07), STORE(4, AX), .sub = 1 },
	{ "movnti %r8,(%rdi)", BYTES(0x4c, 0x0f, 0xc3, 0x07), STORE(8, R8), .sub = 1 },
	{ "data16 movnti", BYTES(0x66, 0x0f, 0xc3, 0x07), REJECT },
	{ "repz movnti", BYTES(0xf3, 0x0f, 0xc3, 0x07), REJECT },
	{ "lock movnti", BYTES(0xf0, 0x0f, 0xc3, 0x07), REJECT },
	{ "movdiri %eax,(%rdi)", BYTES(0x0f, 0x38, 0xf9, 0x07), STORE(4, AX), .sub = 2 },
	{ "movdiri %r9,(%rdi)", BYTES(0x4c, 0x0f, 0x38, 0xf9, 0x0f), STORE(8, R9), .sub = 2 },
	{ "data16 movdiri", BYTES(0x66, 0x0f, 0x38, 0xf9, 0x07), REJECT },
	{ "movbe (%rdi),%eax", BYTES(0x0f, 0x38, 0xf0, 0x07), OPR(MOVBE, 4, AX), RDST },
	{ "movbe %ax,(%rdi)", BYTES(0x66, 0x0f, 0x38, 0xf1, 0x07), OPR(MOVBE, 2, AX) },
	{ "movbe %r9,(%rdi)", BYTES(0x4c, 0x0f, 0x38, 0xf1, 0x0f), OPR(MOVBE, 8, R9) },
	{ "crc32b (%rdi),%eax", BYTES(0xf2, 0x0f, 0x38, 0xf0, 0x07), REJECT },
	{ "repz movbe", BYTES(0xf3, 0x0f, 0x38, 0xf0, 0x07), REJECT },
	{ "movdir64b (%rsi),%rdi", BYTES(0x66, 0x0f, 0x38, 0xf8, 0x3e),
	  .op = PCIEM_INSN_MOVDIR64B, .size = 64, .reg = DI, .reg_size = 8 },
	{ "movdir64b (%esi),%edi", BYTES(0x67, 0x66, 0x0f, 0x38, 0xf8, 0x3e),
	  .op = PCIEM_INSN_MOVDIR64B, .size = 64, .reg = DI, .reg_size = 4, .addr32 = 1 },
	{ "movdir64b 0x40(%r8),%r9", BYTES(0x66, 0x4d, 0x0f, 0x38, 0xf8, 0x48, 0x40),
	  .op = PCIEM_INSN_MOVDIR64B, .size = 64, .reg = R9, .reg_size = 8 },
	{ "enqcmd (%rsi),%rdi", BYTES(0xf2, 0x0f, 0x38, 0xf8, 0x3e), REJECT },
	{ "enqcmds (%rsi),%rdi", BYTES(0xf3, 0x0f, 0x38, 0xf8, 0x3e), REJECT },
	{ "0f 38 f8 without prefix", BYTES(0x0f, 0x38, 0xf8, 0x3e), REJECT },
	/* SSE */
	{ "movups (%rdi),%xmm0", BYTES(0x0f, 0x10, 0x07), VL(MOVUPS, 16, 0, 16) },
	{ "movups %xmm1,(%rdi)", BYTES(0x0f, 0x11, 0x0f), VS(MOVUPS, 16, 1, 16) },
	{ "movupd (%rdi),%xmm2", BYTES(0x66, 0x0f, 0x10, 0x17), VL(MOVUPD, 16, 2, 16) },
	{ "movaps (%rdi),%xmm8", BYTES(0x44, 0x0f, 0x28, 0x07), VL(MOVAPS, 16, 8, 16) },
	{ "movaps %xmm15,(%r8)", BYTES(0x45, 0x0f, 0x29, 0x38), VS(MOVAPS, 16, 15, 16) },
	{ "movapd %xmm3,(%rdi)", BYTES(0x66, 0x0f, 0x29, 0x1f), VS(MOVAPD, 16, 3, 16) },
	{ "movdqu (%rdi),%xmm0", BYTES(0xf3, 0x0f, 0x6f, 0x07), VL(MOVDQU, 16, 0, 16) },
	{ "movdqu %xmm9,(%rdi)", BYTES(0xf3, 0x44, 0x0f, 0x7f, 0x0f), VS(MOVDQU, 16, 9, 16) },
	{ "rex.W movdqu (%rdi),%xmm0", BYTES(0xf3, 0x48, 0x0f, 0x6f, 0x07),
	  VL(MOVDQU, 16, 0, 16) },
	{ "movdqa (%rdi),%xmm4", BYTES(0x66, 0x0f, 0x6f, 0x27), VL(MOVDQA, 16, 4, 16) },
	{ "movdqa %xmm4,0x10(%rdi)", BYTES(0x66, 0x0f, 0x7f, 0x67, 0x10), VS(MOVDQA, 16, 4, 16) },
	{ "movntdq %xmm0,(%rdi)", BYTES(0x66, 0x0f, 0xe7, 0x07), VS(MOVNTDQ, 16, 0, 16) },
	{ "movntps %xmm0,(%rdi)", BYTES(0x0f, 0x2b, 0x07), VS(MOVNTPS, 16, 0, 16) },
	{ "movntpd %xmm0,(%rdi)", BYTES(0x66, 0x0f, 0x2b, 0x07), VS(MOVNTPD, 16, 0, 16) },
	{ "movntdqa (%rdi),%xmm5", BYTES(0x66, 0x0f, 0x38, 0x2a, 0x2f), VL(MOVNTDQA, 16, 5, 16) },
	{ "movd (%rdi),%xmm0", BYTES(0x66, 0x0f, 0x6e, 0x07), VL(MOVD, 4, 0, 16) },
	{ "movq (%rdi),%xmm1 (66 REX.W 6E)", BYTES(0x66, 0x48, 0x0f, 0x6e, 0x0f),
	  VL(MOVQ, 8, 1, 16) },
	{ "movd %xmm0,(%rdi)", BYTES(0x66, 0x0f, 0x7e, 0x07), VS(MOVD, 4, 0, 16) },
	{ "movq %xmm10,(%rdi) (66 REX.W 7E)", BYTES(0x66, 0x4c, 0x0f, 0x7e, 0x17),
	  VS(MOVQ, 8, 10, 16) },
	{ "movq (%rdi),%xmm0 (F3 7E)", BYTES(0xf3, 0x0f, 0x7e, 0x07), VL(MOVQ, 8, 0, 16) },
	{ "movq %xmm0,(%rdi) (66 D6)", BYTES(0x66, 0x0f, 0xd6, 0x07), VS(MOVQ, 8, 0, 16) },
	{ "F2 0F 6F", BYTES(0xf2, 0x0f, 0x6f, 0x07), REJECT },
	{ "movq (%rdi),%mm0 (MMX)", BYTES(0x0f, 0x6f, 0x07), REJECT },
	{ "66 F3 0F 6F", BYTES(0x66, 0xf3, 0x0f, 0x6f, 0x07), REJECT },
	{ "F3 66 0F 6F", BYTES(0xf3, 0x66, 0x0f, 0x6f, 0x07), REJECT },
	{ "F2 F3 0F 6F", BYTES(0xf2, 0xf3, 0x0f, 0x6f, 0x07), REJECT },
	{ "movss (%rdi),%xmm0", BYTES(0xf3, 0x0f, 0x10, 0x07), REJECT },
	{ "movsd (%rdi),%xmm0", BYTES(0xf2, 0x0f, 0x10, 0x07), REJECT },
	{ "movntq %mm0,(%rdi)", BYTES(0x0f, 0xe7, 0x07), REJECT },
	{ "F3 0F E7", BYTES(0xf3, 0x0f, 0xe7, 0x07), REJECT },
	{ "movd (%rdi),%mm0", BYTES(0x0f, 0x6e, 0x07), REJECT },
	{ "movq2dq-ish F2 0F D6", BYTES(0xf2, 0x0f, 0xd6, 0x07), REJECT },
	{ "lock movdqu", BYTES(0xf0, 0xf3, 0x0f, 0x6f, 0x07), REJECT },
	{ "movdqu %xmm1,%xmm0 (mod=11)", BYTES(0xf3, 0x0f, 0x6f, 0xc1), REJECT },
	{ "66 0F 38 2B (packusdw)", BYTES(0x66, 0x0f, 0x38, 0x2b, 0x07), REJECT },
	{ "0F 38 2A without 66", BYTES(0x0f, 0x38, 0x2a, 0x07), REJECT },
	/* VEX */
	{ "vmovdqu (%rdi),%xmm0", BYTES(0xc5, 0xfa, 0x6f, 0x07), VL(MOVDQU, 16, 0, 16), VEX },
	{ "vmovdqu (%rdi),%ymm0", BYTES(0xc5, 0xfe, 0x6f, 0x07), VL(MOVDQU, 32, 0, 32), VEX },
	{ "vmovdqu %ymm8,(%rdi)", BYTES(0xc5, 0x7e, 0x7f, 0x07), VS(MOVDQU, 32, 8, 32), VEX },
	{ "vmovdqa (%rdi),%ymm15", BYTES(0xc5, 0x7d, 0x6f, 0x3f), VL(MOVDQA, 32, 15, 32), VEX },
	{ "vmovdqa %xmm1,(%rdi)", BYTES(0xc5, 0xf9, 0x7f, 0x0f), VS(MOVDQA, 16, 1, 16), VEX },
	{ "vmovups (%r8),%xmm0", BYTES(0xc4, 0xc1, 0x78, 0x10, 0x00), VL(MOVUPS, 16, 0, 16), VEX },
	{ "vmovups %ymm2,(%rdi)", BYTES(0xc5, 0xfc, 0x11, 0x17), VS(MOVUPS, 32, 2, 32), VEX },
	{ "vmovupd (%rdi),%ymm2", BYTES(0xc5, 0xfd, 0x10, 0x17), VL(MOVUPD, 32, 2, 32), VEX },
	{ "vmovaps %ymm3,(%rdi,%r9,4)", BYTES(0xc4, 0xa1, 0x7c, 0x29, 0x1c, 0x8f),
	  VS(MOVAPS, 32, 3, 32), VEX },
	{ "vmovapd (%rdi),%xmm12 (C4 R W1)", BYTES(0xc4, 0x61, 0xf9, 0x28, 0x27),
	  VL(MOVAPD, 16, 12, 16), VEX },
	{ "vmovntdq %ymm0,(%rdi)", BYTES(0xc5, 0xfd, 0xe7, 0x07), VS(MOVNTDQ, 32, 0, 32), VEX },
	{ "vmovntps %xmm0,(%rdi)", BYTES(0xc5, 0xf8, 0x2b, 0x07), VS(MOVNTPS, 16, 0, 16), VEX },
	{ "vmovntdqa (%rdi),%ymm0", BYTES(0xc4, 0xe2, 0x7d, 0x2a, 0x07),
	  VL(MOVNTDQA, 32, 0, 32), VEX },
	{ "vmovd (%rdi),%xmm0", BYTES(0xc5, 0xf9, 0x6e, 0x07), VL(MOVD, 4, 0, 16), VEX },
	{ "vmovd %xmm9,(%rdi)", BYTES(0xc5, 0x79, 0x7e, 0x0f), VS(MOVD, 4, 9, 16), VEX },
	{ "vmovq (%rdi),%xmm0 (F3 7E)", BYTES(0xc5, 0xfa, 0x7e, 0x07), VL(MOVQ, 8, 0, 16), VEX },
	{ "vmovq %xmm0,(%rdi) (66 D6)", BYTES(0xc5, 0xf9, 0xd6, 0x07), VS(MOVQ, 8, 0, 16), VEX },
	{ "vmovq (%rdi),%xmm0 (C4 W1 6E)", BYTES(0xc4, 0xe1, 0xf9, 0x6e, 0x07),
	  VL(MOVQ, 8, 0, 16), VEX },
	{ "vmovdqu, vvvv != 1111", BYTES(0xc5, 0xf2, 0x6f, 0x07), REJECT },
	{ "vmovd with VEX.L=1", BYTES(0xc5, 0xfd, 0x6e, 0x07), REJECT },
	{ "vmovdqu (F2)", BYTES(0xc5, 0xfb, 0x6f, 0x07), REJECT },
	{ "vmovq (%rdi),%mm? (VEX no prefix 6F)", BYTES(0xc5, 0xf8, 0x6f, 0x07), REJECT },
	{ "data16 vmovdqu", BYTES(0x66, 0xc5, 0xfa, 0x6f, 0x07), REJECT },
	{ "repz vmovdqu", BYTES(0xf3, 0xc5, 0xfa, 0x6f, 0x07), REJECT },
	{ "lock vmovdqu", BYTES(0xf0, 0xc5, 0xfa, 0x6f, 0x07), REJECT },
	{ "data16 cs vmovdqu (66 not right before C5: still #UD)",
	  BYTES(0x66, 0x2e, 0xc5, 0xfa, 0x6f, 0x07), REJECT },
	{ "rex.W cs vmovdqu (the REX is voided, the CPU runs it)",
	  BYTES(0x48, 0x2e, 0xc5, 0xfa, 0x6f, 0x07), VL(MOVDQU, 16, 0, 16), VEX },
	{ "VEX map 3 6F", BYTES(0xc4, 0xe3, 0x7d, 0x6f, 0x07), REJECT },
	{ "VEX map 0", BYTES(0xc4, 0xe0, 0x7d, 0x6f, 0x07), REJECT },
	{ "vmovss (%rdi),%xmm0", BYTES(0xc5, 0xfa, 0x10, 0x07), REJECT },
	{ "vmovdqu %ymm1,%ymm0 (mod=11)", BYTES(0xc5, 0xfe, 0x6f, 0xc1), REJECT },
	{ "gs vmovdqu (%rdi),%ymm0", BYTES(0x65, 0xc5, 0xfe, 0x6f, 0x07),
	  VL(MOVDQU, 32, 0, 32), VEX },
	{ "addr32 vmovdqu (%edi),%ymm0", BYTES(0x67, 0xc5, 0xfe, 0x6f, 0x07),
	  VL(MOVDQU, 32, 0, 32), VEX, .addr32 = 1 },
	/* clflush, clflushopt */
	{ "clflush (%rdi)", BYTES(0x0f, 0xae, 0x3f), OPM(CLFLUSH, 1) },
	{ "clflushopt 0x40(%rdi)", BYTES(0x66, 0x0f, 0xae, 0x7f, 0x40), OPM(CLFLUSH, 1),
	  .sub = 1 },
	{ "clwb (%rdi)", BYTES(0x66, 0x0f, 0xae, 0x37), REJECT },
	{ "xsaveopt (%rdi)", BYTES(0x0f, 0xae, 0x37), REJECT },
	{ "F3 0F AE /7", BYTES(0xf3, 0x0f, 0xae, 0x3f), REJECT },
	{ "lock clflush", BYTES(0xf0, 0x0f, 0xae, 0x3f), REJECT },
	{ "sfence", BYTES(0x0f, 0xae, 0xf8), REJECT },
	{ "lock mov %eax,(%rdi) (again)", BYTES(0xf0, 0x89, 0x07), REJECT },
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
	{ "vbroadcastss (%rdi),%xmm0", BYTES(0xc4, 0xe2, 0x79, 0x18, 0x07), REJECT },
	{ "vmovups (%rdi),%zmm0", BYTES(0x62, 0xf1, 0x7c, 0x48, 0x10, 0x07), REJECT },
	{ "xop", BYTES(0x8f, 0xe9, 0x78, 0x01, 0x0f), REJECT },
	{ "rex + vex", BYTES(0x48, 0xc5, 0xf8, 0x77), REJECT },
	/* other opcodes */
	{ "nop", BYTES(0x90), REJECT },
	{ "ret", BYTES(0xc3), REJECT },
	{ "int3", BYTES(0xcc), REJECT },
	{ "lea (%rdi),%eax", BYTES(0x8d, 0x07), REJECT },
	{ "mov %es,(%rdi)", BYTES(0x8c, 0x07), REJECT },
	{ "mov (%rdi),%es", BYTES(0x8e, 0x07), REJECT },
	{ "push (%rdi)", BYTES(0xff, 0x37), REJECT },
	{ "pop (%rdi)", BYTES(0x8f, 0x07), REJECT },
	{ "mov $0x12345678,%eax", BYTES(0xb8, D32), REJECT },
	{ "movabs $imm64,%rax", BYTES(0x48, 0xb8, M64), REJECT },
	{ "nopl (%rax)", BYTES(0x0f, 0x1f, 0x00), REJECT },
	{ "ud2", BYTES(0x0f, 0x0b), REJECT },
	{ "cmpsb", BYTES(0xa6), REJECT },
	{ "scasb", BYTES(0xae), REJECT },
	{ "insb", BYTES(0x6c), REJECT },
	{ "outsb", BYTES(0x6e), REJECT },
	{ "rep insl", BYTES(0xf3, 0x6d), REJECT },
	{ "in (%dx),%al", BYTES(0xec), REJECT },
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
	    insn.addr_size != (t->addr32 ? 4 : 8) || insn.imm != t->imm ||
	    insn.sub != t->sub || insn.lock != t->lock || insn.reg_dst != t->reg_dst ||
	    insn.src_imm != t->src_imm || insn.vex != t->vex)
		fail_msg("%s: got sub %u lock %u reg_dst %u src_imm %u vex %u, want %u %u %u %u %u; got len %u op %s size %u reg %u reg_size %u high8 %u rep %u addr %u imm %#llx; expected len %u op %s size %u reg %u reg_size %u high8 %u rep %u addr %u imm %#llx",
			 t->name, insn.sub, insn.lock, insn.reg_dst, insn.src_imm, insn.vex,
			 t->sub, t->lock, t->reg_dst, t->src_imm, t->vex,
			 insn.len, pciem_insn_op_name(insn.op), insn.size, insn.reg,
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


/* The decoded memory operand: base, index, scale, displacement, segment. */
struct mcase {
	const char *name;
	uint8_t bytes[16];
	uint8_t n;
	uint8_t base, index, scale, seg;
	int64_t disp;
};

#define NONE	PCIEM_REG_NONE
#define RIP	PCIEM_REG_RIP

static const struct mcase mcases[] = {
	{ "mov (%rdi),%eax", BYTES(0x8b, 0x07), DI, NONE, 1, 0, 0 },
	{ "mov 0x10(%r12),%r13d", BYTES(0x45, 0x8b, 0x6c, 0x24, 0x10), R12, NONE, 1, 0, 0x10 },
	{ "mov (%r8,%r9,1),%eax", BYTES(0x43, 0x8b, 0x04, 0x08), R8, R9, 1, 0, 0 },
	{ "mov (%r15,%r9,8),%r15", BYTES(0x4f, 0x8b, 0x3c, 0xcf), R15, R9, 8, 0, 0 },
	{ "mov 0x0(%r13,%r14,2),%r11", BYTES(0x4f, 0x8b, 0x5c, 0x75, 0x00), R13, R14, 2, 0, 0 },
	{ "mov (%rax,%r12,1),%eax", BYTES(0x42, 0x8b, 0x04, 0x20), AX, R12, 1, 0, 0 },
	{ "mov (%rsp),%eax", BYTES(0x8b, 0x04, 0x24), SP, NONE, 1, 0, 0 },
	{ "mov (%rsp) with scale bits, no index", BYTES(0x8b, 0x04, 0xe4), SP, NONE, 1, 0, 0 },
	{ "mov -0x80(%rbx),%eax", BYTES(0x8b, 0x43, 0x80), BX, NONE, 1, 0, -0x80 },
	{ "mov -0x1000(%rbp),%ecx", BYTES(0x8b, 0x8d, 0x00, 0xf0, 0xff, 0xff), BP, NONE, 1, 0,
	  -0x1000 },
	{ "mov -0x80000000(%rdi),%eax", BYTES(0x8b, 0x87, 0, 0, 0, 0x80), DI, NONE, 1, 0,
	  -0x80000000LL },
	{ "mov 0x12345678(%rip),%eax", BYTES(0x8b, 0x05, D32), RIP, NONE, 1, 0, 0x12345678 },
	{ "mov 0x12345678(%rip),%r8 (REX.B)", BYTES(0x4d, 0x8b, 0x05, D32), RIP, NONE, 1, 0,
	  0x12345678 },
	{ "mov 0x12345678,%eax (SIB)", BYTES(0x8b, 0x04, 0x25, D32), NONE, NONE, 1, 0,
	  0x12345678 },
	{ "mov 0x12345678,%eax (SIB, REX.B)", BYTES(0x41, 0x8b, 0x04, 0x25, D32), NONE, NONE, 1,
	  0, 0x12345678 },
	{ "mov 0x0(%r13),%eax (SIB, REX.B, mod 01)", BYTES(0x41, 0x8b, 0x44, 0x25, 0x00), R13,
	  NONE, 1, 0, 0 },
	{ "mov 0x12345678(,%rcx,4),%eax", BYTES(0x8b, 0x04, 0x8d, D32), NONE, CX, 4, 0,
	  0x12345678 },
	{ "mov 0x12345678(,%r9,8),%edx", BYTES(0x42, 0x8b, 0x14, 0xcd, D32), NONE, R9, 8, 0,
	  0x12345678 },
	{ "movabs 0x1122334455667788,%eax", BYTES(0xa1, M64), NONE, NONE, 1, 0,
	  0x1122334455667788LL },
	{ "movabs 0xffffffffffffff00,%al", BYTES(0xa0, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff), NONE, NONE, 1, 0, -0x100 },
	{ "addr32 mov 0x87654321,%eax", BYTES(0x67, 0xa1, 0x21, 0x43, 0x65, 0x87), NONE, NONE,
	  1, 0, 0x87654321LL },
	{ "mov %fs:0x28,%rax", BYTES(0x64, 0x48, 0x8b, 0x04, 0x25, 0x28, 0, 0, 0), NONE, NONE,
	  1, PCIEM_SEG_FS, 0x28 },
	{ "mov %gs:(%rdi),%eax", BYTES(0x65, 0x8b, 0x07), DI, NONE, 1, PCIEM_SEG_GS, 0 },
	{ "mov %es:(%rdi),%eax", BYTES(0x26, 0x8b, 0x07), DI, NONE, 1, PCIEM_SEG_ES, 0 },
	{ "ds cs mov (the last counts)", BYTES(0x3e, 0x2e, 0x8b, 0x07), DI, NONE, 1,
	  PCIEM_SEG_CS, 0 },
	{ "vmovaps %ymm3,(%rdi,%r9,4)", BYTES(0xc4, 0xa1, 0x7c, 0x29, 0x1c, 0x8f), DI, R9, 4,
	  0, 0 },
	{ "vmovups (%r8),%xmm0", BYTES(0xc4, 0xc1, 0x78, 0x10, 0x00), R8, NONE, 1, 0, 0 },
	{ "vmovdqu 0x20(%r12,%r13,2),%ymm0 (C4 X B)",
	  BYTES(0xc4, 0x81, 0x7e, 0x6f, 0x44, 0x6c, 0x20), R12, R13, 2, 0, 0x20 },
	{ "bts %rcx,0x8(%rdi)", BYTES(0x48, 0x0f, 0xab, 0x4f, 0x08), DI, NONE, 1, 0, 8 },
	{ "lock addl $0x1,-0x4(%rsp,%rax,4)", BYTES(0xf0, 0x83, 0x44, 0x84, 0xfc, 0x01), SP, AX,
	  4, 0, -4 },
	{ "movsb %fs:(%rsi),%es:(%rdi)", BYTES(0x64, 0xa4), NONE, NONE, 1, PCIEM_SEG_FS, 0 },
	{ "movdir64b 0x40(%r8),%r9", BYTES(0x66, 0x4d, 0x0f, 0x38, 0xf8, 0x48, 0x40), R8, NONE,
	  1, 0, 0x40 },
};

static void test_mem_operand(void **state)
{
	struct pciem_insn insn;
	size_t i;
	int ret;

	(void)state;
	for (i = 0; i < sizeof(mcases) / sizeof(mcases[0]); i++) {
		const struct mcase *t = &mcases[i];

		ret = decode_guarded(t->bytes, t->n, &insn);
		if (ret != OK || insn.len != t->n)
			fail_msg("%s: ret %d len %u", t->name, ret, insn.len);
		if (insn.base != t->base || insn.index != t->index || insn.scale != t->scale ||
		    insn.seg != t->seg || insn.disp != t->disp)
			fail_msg("%s: base %u index %u scale %u seg %u disp %lld; want %u %u %u %u %lld",
				 t->name, insn.base, insn.index, insn.scale, insn.seg,
				 (long long)insn.disp, t->base, t->index, t->scale, t->seg,
				 (long long)t->disp);
	}
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
		0x84, 0x45, 0x85, 0xc4, 0xc5, 0x01, 0x03, 0x09, 0x29, 0x39, 0x3b,
		0x80, 0x81, 0x83, 0xf6, 0xf7, 0xfe, 0xff, 0x86, 0x87, 0xc0, 0xc1,
		0xb0, 0xb1, 0xa3, 0xab, 0xb3, 0xbb, 0xba, 0xc3, 0x38, 0xf0, 0xf1,
		0xf8, 0xf9, 0x10, 0x11, 0x28, 0x29, 0x6f, 0x7f, 0xe7, 0x2a, 0x6e,
		0x7e, 0xd6, 0xae, 0x7e, 0xfa, 0xfe, 0xf9, 0x7d, 0xe1, 0xe2, 0xc1,
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
				    full.size == 8 || full.size == 16 || full.size == 32 ||
				    full.size == 64);
			assert_true(full.size <= 8 || full.op == PCIEM_INSN_VLOAD ||
				    full.op == PCIEM_INSN_VSTORE ||
				    full.op == PCIEM_INSN_MOVDIR64B);
			assert_true(full.reg_size >= full.size ||
				    full.op == PCIEM_INSN_MOVDIR64B);
			assert_true(full.reg < 16);
			assert_true(!full.high8 || (full.reg < 4 && full.size == 1));
			assert_true(full.addr_size == 4 || full.addr_size == 8);
			assert_true(!full.rep || (full.op >= PCIEM_INSN_MOVS &&
						  full.op <= PCIEM_INSN_LODS));
			assert_true(full.op == PCIEM_INSN_STORE_IMM || full.src_imm || !full.imm);
			assert_true(!full.imm || full.size >= 8 || full.op == PCIEM_INSN_BT ||
				    full.imm < (1ULL << (8 * full.size)));
			assert_true(full.base < 16 || full.base == PCIEM_REG_RIP ||
				    full.base == PCIEM_REG_NONE);
			assert_true(full.index < 16 || full.index == PCIEM_REG_NONE);
			assert_true(full.scale == 1 || full.scale == 2 || full.scale == 4 ||
				    full.scale == 8);
			assert_true(full.seg <= PCIEM_SEG_GS);
			assert_true(!full.lock || (full.op >= PCIEM_INSN_ALU &&
						   full.op <= PCIEM_INSN_BT));
			assert_true(strcmp(pciem_insn_name(&full), "invalid"));
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


/* ---- emulation contract ------------------------------------------------ */

/*
 * A fake memory of 4 KiB at FAKE_BASE that logs every call and fails (or
 * asks to stop) the call numbered @fail_at (0-based).
 */
#define FAKE_BASE	0x10000ULL
#define FAKE_SIZE	4096

struct fake {
	uint8_t mem[FAKE_SIZE];
	uint8_t vec[16][32];
	char log[32];		/* 'r' / 'w' per call */
	uint64_t addr[32];
	unsigned int n;
	int fail_at;		/* -1: never */
	int fail_ret;		/* what the failing call returns */
	unsigned int flushes;
};

static int fake_access(struct fake *f, char kind, uint64_t addr, unsigned int size)
{
	int i = f->n;

	if (f->n < sizeof(f->log)) {
		f->log[f->n] = kind;
		f->addr[f->n] = addr;
	}
	f->n++;
	if (i == f->fail_at)
		return f->fail_ret;
	if (addr < FAKE_BASE || addr + size > FAKE_BASE + FAKE_SIZE)
		return -14;
	return 0;
}

static int fake_read(void *ctx, uint64_t addr, void *buf, unsigned int size)
{
	struct fake *f = ctx;
	int ret = fake_access(f, 'r', addr, size);

	if (!ret)
		memcpy(buf, f->mem + (addr - FAKE_BASE), size);
	return ret;
}

static int fake_write(void *ctx, uint64_t addr, const void *buf, unsigned int size)
{
	struct fake *f = ctx;
	int ret = fake_access(f, 'w', addr, size);

	if (!ret)
		memcpy(f->mem + (addr - FAKE_BASE), buf, size);
	return ret;
}

static void fake_vec_read(void *ctx, unsigned int reg, void *buf, unsigned int size)
{
	memcpy(buf, ((struct fake *)ctx)->vec[reg], size);
}

static void fake_vec_write(void *ctx, unsigned int reg, const void *buf, unsigned int size)
{
	memcpy(((struct fake *)ctx)->vec[reg], buf, size);
}

static uint64_t fake_seg_base(void *ctx, int seg)
{
	(void)ctx;
	return seg == PCIEM_SEG_FS ? 0x1000 : 0x2000;
}

static void fake_flush(void *ctx, uint64_t addr)
{
	(void)addr;
	((struct fake *)ctx)->flushes++;
}

static const struct pciem_insn_ops fake_ops = {
	.read = fake_read, .write = fake_write, .vec_read = fake_vec_read,
	.vec_write = fake_vec_write, .seg_base = fake_seg_base, .flush = fake_flush,
};

static struct fake fk;

static void fake_reset(int fail_at, int fail_ret)
{
	unsigned int i;

	memset(&fk, 0, sizeof(fk));
	for (i = 0; i < FAKE_SIZE; i++)
		fk.mem[i] = (uint8_t)(i * 7 + 3);
	fk.fail_at = fail_at;
	fk.fail_ret = fail_ret;
}

static void regs_init(struct pciem_insn_regs *r)
{
	unsigned int i;

	for (i = 0; i < 16; i++)
		r->gpr[i] = 0x1111111111111111ull * (i + 1);
	r->gpr[AX] = 5;		/* a bit offset for bt, no match for cmpxchg */
	r->gpr[DI] = FAKE_BASE + 0x100;
	r->gpr[SI] = FAKE_BASE + 0x200;
	r->flags = 0x202;
	r->ip = 0xffffffff81000000ull;
}

static void decode_ok(const uint8_t *b, size_t n, struct pciem_insn *in)
{
	assert_int_equal(pciem_insn_decode(b, n, in), 0);
	assert_int_equal(in->len, n);
}

struct ecase {
	const char *name;
	uint8_t bytes[16];
	uint8_t n;
	const char *calls;	/* the memory calls, in order */
};

/* Non-string forms: their calls, and what a failure at each call does. */
static const struct ecase ecases[] = {
	{ "mov (%rdi),%eax", BYTES(0x8b, 0x07), "r" },
	{ "mov %eax,(%rdi)", BYTES(0x89, 0x07), "w" },
	{ "movl $1,(%rdi)", BYTES(0xc7, 0x07, 1, 0, 0, 0), "w" },
	{ "add %eax,(%rdi)", BYTES(0x01, 0x07), "rw" },
	{ "add (%rdi),%eax", BYTES(0x03, 0x07), "r" },
	{ "lock orl $1,(%rdi)", BYTES(0xf0, 0x83, 0x0f, 0x01), "rw" },
	{ "cmpl $0,(%rdi)", BYTES(0x83, 0x3f, 0x00), "r" },
	{ "test %eax,(%rdi)", BYTES(0x85, 0x07), "r" },
	{ "incl (%rdi)", BYTES(0xff, 0x07), "rw" },
	{ "negq (%rdi)", BYTES(0x48, 0xf7, 0x1f), "rw" },
	{ "xchg %eax,(%rdi)", BYTES(0x87, 0x07), "rw" },
	{ "xadd %eax,(%rdi)", BYTES(0x0f, 0xc1, 0x07), "rw" },
	{ "cmpxchg %ecx,(%rdi) (fails)", BYTES(0x0f, 0xb1, 0x0f), "rw" },
	{ "bt %eax,(%rdi)", BYTES(0x0f, 0xa3, 0x07), "r" },
	{ "lock bts %rax,(%rdi)", BYTES(0xf0, 0x48, 0x0f, 0xab, 0x07), "rw" },
	{ "movbe (%rdi),%eax", BYTES(0x0f, 0x38, 0xf0, 0x07), "r" },
	{ "movbe %eax,(%rdi)", BYTES(0x0f, 0x38, 0xf1, 0x07), "w" },
	{ "movdqu (%rdi),%xmm1", BYTES(0xf3, 0x0f, 0x6f, 0x0f), "r" },
	{ "vmovdqu %ymm1,(%rdi)", BYTES(0xc5, 0xfe, 0x7f, 0x0f), "w" },
	{ "movdir64b (%rsi),%rdi", BYTES(0x66, 0x0f, 0x38, 0xf8, 0x3e), "rw" },
	{ "movsb (no rep)", BYTES(0xa4), "rw" },
};

static void test_emulate_calls_and_failures(void **state)
{
	struct pciem_insn in;
	struct pciem_insn_regs r, r0;
	size_t i;
	unsigned int k;
	int ret;

	(void)state;
	for (i = 0; i < sizeof(ecases) / sizeof(ecases[0]); i++) {
		const struct ecase *t = &ecases[i];
		size_t ncalls = strlen(t->calls);

		decode_ok(t->bytes, t->n, &in);

		/* The calls in the documented order, ip advanced. */
		fake_reset(-1, 0);
		regs_init(&r);
		r0 = r;
		ret = pciem_insn_emulate(&in, &r, &fake_ops, &fk, 0);
		if (ret != PCIEM_INSN_DONE || fk.n != ncalls ||
		    memcmp(fk.log, t->calls, ncalls))
			fail_msg("%s: ret %d, calls \"%.*s\", want \"%s\"", t->name, ret,
				 (int)fk.n, fk.log, t->calls);
		assert_int_equal(r.ip, r0.ip + in.len);
		/* a read-modify-write writes where it read */
		if (ncalls == 2 && in.op != PCIEM_INSN_MOVDIR64B && in.op != PCIEM_INSN_MOVS)
			assert_int_equal(fk.addr[0], fk.addr[1]);

		/*
		 * A failure (negative) or a request to stop (positive) at each
		 * call: PCIEM_INSN_EFAULT (PARTIAL for the stop of a string
		 * op), the registers untouched, no call after the failing one.
		 */
		for (k = 0; k < ncalls; k++) {
			int fr;

			for (fr = -14; fr <= 1; fr += 15) {
				fake_reset((int)k, fr);
				regs_init(&r);
				r0 = r;
				ret = pciem_insn_emulate(&in, &r, &fake_ops, &fk, 0);
				/* string ops stop without an error (PARTIAL) */
				if (ret != (fr > 0 && in.op == PCIEM_INSN_MOVS ?
					    PCIEM_INSN_PARTIAL : PCIEM_INSN_EFAULT) ||
				    fk.n != k + 1 ||
				    memcmp(&r, &r0, sizeof(r)))
					fail_msg("%s: failing call %u with %d: ret %d, %u calls, regs %s",
						 t->name, k, fr, ret, fk.n,
						 memcmp(&r, &r0, sizeof(r)) ? "changed" : "kept");
			}
		}
	}
}

/* cmpxchg writes the old value back when the comparison fails. */
static void test_emulate_cmpxchg_writeback(void **state)
{
	static const uint8_t b[] = { 0xf0, 0x0f, 0xb1, 0x0f };	/* lock cmpxchg %ecx,(%rdi) */
	struct pciem_insn in;
	struct pciem_insn_regs r;
	uint32_t old;

	(void)state;
	decode_ok(b, sizeof(b), &in);
	fake_reset(-1, 0);
	regs_init(&r);
	memcpy(&old, fk.mem + 0x100, 4);
	r.gpr[AX] = 0xffffffff00000000ull | (uint32_t)(old + 1);
	assert_int_equal(pciem_insn_emulate(&in, &r, &fake_ops, &fk, 0), PCIEM_INSN_DONE);
	assert_string_equal(fk.log, "rw");
	assert_memory_equal(fk.mem + 0x100, &old, 4);
	assert_int_equal(r.gpr[AX], old);		/* zero-extended */
	assert_false(r.flags & PCIEM_FLAG_ZF);

	/* equal: the source is stored, rax untouched */
	fake_reset(-1, 0);
	regs_init(&r);
	r.gpr[AX] = 0xabcdef0000000000ull | old;
	assert_int_equal(pciem_insn_emulate(&in, &r, &fake_ops, &fk, 0), PCIEM_INSN_DONE);
	assert_int_equal(r.gpr[AX], 0xabcdef0000000000ull | old);
	assert_memory_equal(fk.mem + 0x100, &r.gpr[CX], 4);
	assert_true(r.flags & PCIEM_FLAG_ZF);
}

/* rep: at most max_elems elements per call; PARTIAL keeps ip. */
static void test_emulate_rep_partial(void **state)
{
	static const uint8_t b[] = { 0xf3, 0xa4 };	/* rep movsb */
	struct pciem_insn in;
	struct pciem_insn_regs r;
	uint64_t ip;
	int ret, calls = 0;

	(void)state;
	decode_ok(b, sizeof(b), &in);
	fake_reset(-1, 0);
	regs_init(&r);
	ip = r.ip;
	r.gpr[CX] = 10;
	ret = pciem_insn_emulate(&in, &r, &fake_ops, &fk, 3);
	assert_int_equal(ret, PCIEM_INSN_PARTIAL);
	assert_int_equal(r.gpr[CX], 7);
	assert_int_equal(r.gpr[SI], FAKE_BASE + 0x203);
	assert_int_equal(r.gpr[DI], FAKE_BASE + 0x103);
	assert_int_equal(r.ip, ip);
	assert_int_equal(fk.n, 6);
	do {
		ret = pciem_insn_emulate(&in, &r, &fake_ops, &fk, 3);
		calls++;
	} while (ret == PCIEM_INSN_PARTIAL && calls < 10);
	assert_int_equal(ret, PCIEM_INSN_DONE);
	assert_int_equal(calls, 3);	/* 3 + 3 + 1 */
	assert_int_equal(r.gpr[CX], 0);
	assert_int_equal(r.ip, ip + 2);
	assert_memory_equal(fk.mem + 0x100, fk.mem + 0x200, 10);

	/* exactly max_elems left: DONE, not a PARTIAL with nothing to do */
	fake_reset(-1, 0);
	regs_init(&r);
	r.gpr[CX] = 3;
	assert_int_equal(pciem_insn_emulate(&in, &r, &fake_ops, &fk, 3), PCIEM_INSN_DONE);

	/* rcx 0: nothing accessed, done */
	fake_reset(-1, 0);
	regs_init(&r);
	r.gpr[CX] = 0;
	assert_int_equal(pciem_insn_emulate(&in, &r, &fake_ops, &fk, 0), PCIEM_INSN_DONE);
	assert_int_equal(fk.n, 0);
	assert_int_equal(r.ip, ip + 2);
}

/* A failure or a stop in the middle of rep: the elements done so far. */
static void test_emulate_rep_failure(void **state)
{
	static const uint8_t stos[] = { 0xf3, 0xab };	/* rep stosl */
	static const uint8_t movs[] = { 0xf3, 0x48, 0xa5 };	/* rep movsq */
	struct pciem_insn in;
	struct pciem_insn_regs r;
	uint64_t ip;

	(void)state;
	decode_ok(stos, sizeof(stos), &in);
	fake_reset(2, -14);
	regs_init(&r);
	ip = r.ip;
	r.gpr[CX] = 5;
	assert_int_equal(pciem_insn_emulate(&in, &r, &fake_ops, &fk, 0), PCIEM_INSN_EFAULT);
	assert_int_equal(r.gpr[CX], 3);
	assert_int_equal(r.gpr[DI], FAKE_BASE + 0x108);
	assert_int_equal(r.ip, ip);

	/* positive: stop without an error, PARTIAL */
	fake_reset(2, 1);
	regs_init(&r);
	r.gpr[CX] = 5;
	assert_int_equal(pciem_insn_emulate(&in, &r, &fake_ops, &fk, 0), PCIEM_INSN_PARTIAL);
	assert_int_equal(r.gpr[CX], 3);
	assert_int_equal(r.ip, ip);

	/* movs: the write of element 2 fails after its read */
	decode_ok(movs, sizeof(movs), &in);
	fake_reset(3, -14);
	regs_init(&r);
	r.gpr[CX] = 4;
	r.flags |= PCIEM_FLAG_DF;
	assert_int_equal(pciem_insn_emulate(&in, &r, &fake_ops, &fk, 0), PCIEM_INSN_EFAULT);
	assert_int_equal(r.gpr[CX], 3);
	assert_int_equal(r.gpr[SI], FAKE_BASE + 0x200 - 8);
	assert_int_equal(r.gpr[DI], FAKE_BASE + 0x100 - 8);
	assert_int_equal(fk.n, 4);
}

/* Alignment, missing callbacks. */
static void test_emulate_refusals(void **state)
{
	static const uint8_t movdqa[] = { 0x66, 0x0f, 0x6f, 0x07 };
	static const uint8_t vmovdqa_y[] = { 0xc5, 0xfd, 0x7f, 0x07 };
	static const uint8_t movntdqa[] = { 0x66, 0x0f, 0x38, 0x2a, 0x07 };
	static const uint8_t movdqu[] = { 0xf3, 0x0f, 0x6f, 0x07 };
	static const uint8_t md64b[] = { 0x66, 0x0f, 0x38, 0xf8, 0x3e };
	static const uint8_t fs_mov[] = { 0x64, 0x8b, 0x07 };
	static const uint8_t gs_lods[] = { 0x65, 0xad };
	static const uint8_t clflush[] = { 0x0f, 0xae, 0x3f };
	struct pciem_insn_ops ops = fake_ops;
	struct pciem_insn in;
	struct pciem_insn_regs r, r0;
	uint64_t ea;

	(void)state;
	decode_ok(movdqa, sizeof(movdqa), &in);
	fake_reset(-1, 0);
	regs_init(&r);
	r.gpr[DI] += 8;
	r0 = r;
	assert_int_equal(pciem_insn_emulate(&in, &r, &fake_ops, &fk, 0), PCIEM_INSN_EALIGN);
	assert_memory_equal(&r, &r0, sizeof(r));
	assert_int_equal(fk.n, 0);
	r.gpr[DI] += 8;
	assert_int_equal(pciem_insn_emulate(&in, &r, &fake_ops, &fk, 0), PCIEM_INSN_DONE);

	decode_ok(vmovdqa_y, sizeof(vmovdqa_y), &in);
	regs_init(&r);
	r.gpr[DI] += 16;	/* 16- but not 32-byte aligned */
	assert_int_equal(pciem_insn_emulate(&in, &r, &fake_ops, &fk, 0), PCIEM_INSN_EALIGN);

	decode_ok(movntdqa, sizeof(movntdqa), &in);
	regs_init(&r);
	r.gpr[DI] += 1;
	assert_int_equal(pciem_insn_emulate(&in, &r, &fake_ops, &fk, 0), PCIEM_INSN_EALIGN);

	decode_ok(movdqu, sizeof(movdqu), &in);
	regs_init(&r);
	r.gpr[DI] += 1;
	assert_int_equal(pciem_insn_emulate(&in, &r, &fake_ops, &fk, 0), PCIEM_INSN_DONE);
	ops.vec_write = NULL;
	assert_int_equal(pciem_insn_emulate(&in, &r, &ops, &fk, 0), PCIEM_INSN_EUNSUPP);
	ops = fake_ops;

	decode_ok(md64b, sizeof(md64b), &in);
	fake_reset(-1, 0);
	regs_init(&r);
	r.gpr[DI] += 0x20;	/* destination not 64-byte aligned */
	assert_int_equal(pciem_insn_emulate(&in, &r, &fake_ops, &fk, 0), PCIEM_INSN_EALIGN);
	assert_int_equal(fk.n, 0);
	r.gpr[DI] += 0x20;
	r.gpr[SI] += 3;		/* the source may be anywhere */
	assert_int_equal(pciem_insn_emulate(&in, &r, &fake_ops, &fk, 0), PCIEM_INSN_DONE);
	assert_memory_equal(fk.mem + 0x140, fk.mem + 0x203, 64);

	/* fs/gs without seg_base: refused, before any access */
	ops.seg_base = NULL;
	decode_ok(fs_mov, sizeof(fs_mov), &in);
	fake_reset(-1, 0);
	regs_init(&r);
	r0 = r;
	assert_int_equal(pciem_insn_ea(&in, &r, &ops, &fk, &ea), PCIEM_INSN_EUNSUPP);
	assert_int_equal(pciem_insn_emulate(&in, &r, &ops, &fk, 0), PCIEM_INSN_EUNSUPP);
	assert_memory_equal(&r, &r0, sizeof(r));
	decode_ok(gs_lods, sizeof(gs_lods), &in);
	assert_int_equal(pciem_insn_emulate(&in, &r, &ops, &fk, 0), PCIEM_INSN_EUNSUPP);
	assert_int_equal(fk.n, 0);
	/* with it, the base is added */
	r.gpr[SI] = FAKE_BASE + 0x300 - 0x2000;
	assert_int_equal(pciem_insn_emulate(&in, &r, &fake_ops, &fk, 0), PCIEM_INSN_DONE);
	assert_int_equal(fk.addr[0], FAKE_BASE + 0x300);

	/* clflush: the flush callback, or nothing */
	decode_ok(clflush, sizeof(clflush), &in);
	fake_reset(-1, 0);
	regs_init(&r);
	assert_int_equal(pciem_insn_emulate(&in, &r, &fake_ops, &fk, 0), PCIEM_INSN_DONE);
	assert_int_equal(fk.flushes, 1);
	assert_int_equal(fk.n, 0);
	ops = fake_ops;
	ops.flush = NULL;
	assert_int_equal(pciem_insn_emulate(&in, &r, &ops, &fk, 0), PCIEM_INSN_DONE);
}

/* pciem_insn_ea: the address the CPU uses. */
static void test_ea(void **state)
{
	static const struct {
		const char *name;
		uint8_t bytes[16];
		uint8_t n;
		uint64_t ea;
	} t[] = {
		/* registers from regs_init(): rcx 0x2222..22 */
		{ "mov 0x10(%rdi,%rcx,4)", BYTES(0x8b, 0x44, 0x8f, 0x10),
		  FAKE_BASE + 0x100 + 0x2222222222222222ull * 4 + 0x10 },
		{ "mov -0x80(%rdi)", BYTES(0x8b, 0x47, 0x80), FAKE_BASE + 0x100 - 0x80 },
		{ "mov 0x100(%rip)", BYTES(0x8b, 0x05, 0x00, 0x01, 0, 0),
		  0xffffffff81000000ull + 6 + 0x100 },
		{ "addr32 mov 0x10(%edi,%ecx,2)", BYTES(0x67, 0x8b, 0x44, 0x4f, 0x10),
		  (uint32_t)(FAKE_BASE + 0x100 + 0x22222222u * 2 + 0x10) },
		{ "addr32 mov -0x10(%eip)", BYTES(0x67, 0x8b, 0x05, 0xf0, 0xff, 0xff, 0xff),
		  (uint32_t)(0x81000000u + 7 - 0x10) },
		{ "mov %fs:0x28", BYTES(0x64, 0x8b, 0x04, 0x25, 0x28, 0, 0, 0), 0x1000 + 0x28 },
		{ "addr32 mov %gs:-1(%edi)", BYTES(0x65, 0x67, 0x8b, 0x47, 0xff),
		  0x2000 + (uint32_t)(FAKE_BASE + 0x100 - 1) },
		{ "movabs 0x1122334455667788", BYTES(0xa1, M64), 0x1122334455667788ull },
		{ "movdir64b (%rsi),%rdi: the source", BYTES(0x66, 0x0f, 0x38, 0xf8, 0x3e),
		  FAKE_BASE + 0x200 },
	};
	static const uint8_t bt[] = { 0x48, 0x0f, 0xa3, 0x07 };		/* bt %rax,(%rdi) */
	static const uint8_t btw[] = { 0x66, 0x0f, 0xa3, 0x07 };	/* bt %ax,(%rdi) */
	static const uint8_t btl[] = { 0x0f, 0xab, 0x0f };		/* bts %ecx,(%rdi) */
	static const uint8_t bti[] = { 0x0f, 0xba, 0x27, 0xff };	/* btl $255,(%rdi) */
	static const uint8_t movs[] = { 0xa4 };
	struct pciem_insn in;
	struct pciem_insn_regs r;
	uint64_t ea;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		decode_ok(t[i].bytes, t[i].n, &in);
		regs_init(&r);
		assert_int_equal(pciem_insn_ea(&in, &r, &fake_ops, NULL, &ea), 0);
		if (ea != t[i].ea)
			fail_msg("%s: ea %#llx, want %#llx", t[i].name, (unsigned long long)ea,
				 (unsigned long long)t[i].ea);
	}

	/* bt with a register offset: signed, in units of the operand size */
	decode_ok(bt, sizeof(bt), &in);
	regs_init(&r);
	r.gpr[AX] = (uint64_t)-1;
	assert_int_equal(pciem_insn_ea(&in, &r, &fake_ops, NULL, &ea), 0);
	assert_int_equal(ea, FAKE_BASE + 0x100 - 8);
	r.gpr[AX] = 64;
	assert_int_equal(pciem_insn_ea(&in, &r, &fake_ops, NULL, &ea), 0);
	assert_int_equal(ea, FAKE_BASE + 0x100 + 8);
	r.gpr[AX] = (uint64_t)-65;
	assert_int_equal(pciem_insn_ea(&in, &r, &fake_ops, NULL, &ea), 0);
	assert_int_equal(ea, FAKE_BASE + 0x100 - 16);
	decode_ok(btw, sizeof(btw), &in);
	r.gpr[AX] = 0x123456789abcffffull;	/* ax = -1, the rest ignored */
	assert_int_equal(pciem_insn_ea(&in, &r, &fake_ops, NULL, &ea), 0);
	assert_int_equal(ea, FAKE_BASE + 0x100 - 2);
	decode_ok(btl, sizeof(btl), &in);
	r.gpr[CX] = 0xffffffff00000040ull;	/* ecx = 64 */
	assert_int_equal(pciem_insn_ea(&in, &r, &fake_ops, NULL, &ea), 0);
	assert_int_equal(ea, FAKE_BASE + 0x100 + 8);
	/* bts %ecx with ecx = 64 sets bit 0 of the dword at +8 */
	fake_reset(-1, 0);
	fk.mem[0x108] = 0;
	assert_int_equal(pciem_insn_emulate(&in, &r, &fake_ops, &fk, 0), PCIEM_INSN_DONE);
	assert_int_equal(fk.mem[0x108], 1);
	assert_false(r.flags & PCIEM_FLAG_CF);
	/* an immediate offset stays inside the operand (modulo its size) */
	decode_ok(bti, sizeof(bti), &in);
	regs_init(&r);
	assert_int_equal(pciem_insn_ea(&in, &r, &fake_ops, NULL, &ea), 0);
	assert_int_equal(ea, FAKE_BASE + 0x100);

	decode_ok(movs, sizeof(movs), &in);
	assert_int_equal(pciem_insn_ea(&in, &r, &fake_ops, NULL, &ea), PCIEM_INSN_EUNSUPP);
}

/* Register helpers: x86 partial-register semantics. */
static void test_reg_helpers(void **state)
{
	struct pciem_insn_regs r;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.gpr[BX] = 0x1122334455667788ull;
	assert_int_equal(pciem_insn_reg_read(&r, BX, 1, false), 0x88);
	assert_int_equal(pciem_insn_reg_read(&r, BX, 1, true), 0x77);
	assert_int_equal(pciem_insn_reg_read(&r, BX, 2, false), 0x7788);
	assert_int_equal(pciem_insn_reg_read(&r, BX, 4, false), 0x55667788);
	pciem_insn_reg_write(&r, BX, 1, true, 0xaa);
	assert_int_equal(r.gpr[BX], 0x112233445566aa88ull);
	pciem_insn_reg_write(&r, BX, 1, false, 0x1bb);
	assert_int_equal(r.gpr[BX], 0x112233445566aabbull);
	pciem_insn_reg_write(&r, BX, 2, false, 0x1cccc);
	assert_int_equal(r.gpr[BX], 0x112233445566ccccull);
	pciem_insn_reg_write(&r, BX, 4, false, 0xdddddddd);
	assert_int_equal(r.gpr[BX], 0xddddddddull);
	pciem_insn_reg_write(&r, BX, 8, false, ~0ull);
	assert_int_equal(r.gpr[BX], ~0ull);
	assert_int_equal(pciem_insn_sign_extend(0x80, 1), 0xffffffffffffff80ull);
	assert_int_equal(pciem_insn_sign_extend(0x7fff, 2), 0x7fff);
	assert_int_equal(pciem_insn_sign_extend(0x80000000, 4), 0xffffffff80000000ull);
	assert_int_equal(pciem_insn_sign_extend(0x8000000000000000ull, 8),
			 0x8000000000000000ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_trailing_poison),
		cmocka_unit_test(test_random_consistency),
		cmocka_unit_test(test_op_names),
		cmocka_unit_test(test_mem_operand),
		cmocka_unit_test(test_emulate_calls_and_failures),
		cmocka_unit_test(test_emulate_cmpxchg_writeback),
		cmocka_unit_test(test_emulate_rep_partial),
		cmocka_unit_test(test_emulate_rep_failure),
		cmocka_unit_test(test_emulate_refusals),
		cmocka_unit_test(test_ea),
		cmocka_unit_test(test_reg_helpers),
	};

	return cmocka_run_group_tests_name("pciem_insn", tests, setup, teardown);
}
