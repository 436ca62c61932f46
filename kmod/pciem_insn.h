/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal x86-64 instruction decoder for MMIO emulation.
 *
 * A driver's access to a trapped BAR page faults; the fault handler decodes
 * the instruction at the faulting RIP with pciem_insn_decode(), emulates it
 * against the fault address and skips it (regs->ip += insn.len).  Only the
 * forms that MMIO accessors and plain volatile accesses compile to are
 * recognised; everything else is rejected so the caller can refuse it
 * instead of emulating it wrongly.
 *
 * Recognised (64-bit mode only, always with a memory operand):
 *
 *   LOAD       8A /r, 8B /r            mov  r/m -> reg
 *              A0, A1 (moffs)          mov  [moffs] -> al/ax/eax/rax
 *   LOAD_ZX    0F B6 /r, 0F B7 /r      movzx
 *   LOAD_SX    0F BE /r, 0F BF /r      movsx
 *              REX.W 63 /r             movsxd (63 without REX.W is rejected)
 *   STORE      88 /r, 89 /r            mov  reg -> r/m
 *              A2, A3 (moffs)          mov  al/ax/eax/rax -> [moffs]
 *   STORE_IMM  C6 /0 ib, C7 /0 iw/id   mov  imm -> r/m
 *   MOVS       A4, A5                  movs  (optionally F3 rep)
 *   STOS       AA, AB                  stos  (optionally F3 rep)
 *   LODS       AC, AD                  lods  (optionally F3 rep)
 *
 * Prefixes: 66, 67, segment overrides (2E 36 3E 26 64 65; ignored, the
 * fault address already includes the segment base), F3 and REX 40-4F, in
 * any order and number within the 15-byte limit.  A REX prefix only
 * counts when it immediately precedes the opcode.  Operand size: REX.W ->
 * 8, else 66 -> 2, else 4; byte opcodes are always 1.
 *
 * Rejected (PCIEM_INSN_EUNSUPP): LOCK (F0); F2 anywhere, even together
 * with F3 (REPNE has no defined meaning for movs/stos/lods, and which of F2
 * and F3 wins is not architectural); F3 on anything but a string op (it
 * would be an XRELEASE hint or a mandatory prefix); ModRM mod=11 (register,
 * not memory); C6/C7 with a reg field other than 0; VEX/EVEX/XOP and every
 * other opcode; instructions longer than 15 bytes.
 */
#ifndef _PCIEM_INSN_H
#define _PCIEM_INSN_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/string.h>
#else
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <stdbool.h>
#endif

#define PCIEM_INSN_MAX_LEN	15

/* Return values of pciem_insn_decode() besides 0. */
#define PCIEM_INSN_EUNSUPP	(-1)	/* unknown, unsupported or invalid */
#define PCIEM_INSN_ETRUNC	(-2)	/* needs more than @avail bytes */

enum pciem_insn_op {
	PCIEM_INSN_INVALID = 0,
	PCIEM_INSN_LOAD,	/* mov mem -> reg (8A, 8B; A0/A1 moffs) */
	PCIEM_INSN_LOAD_ZX,	/* movzx (0F B6, 0F B7) */
	PCIEM_INSN_LOAD_SX,	/* movsx (0F BE, 0F BF), movsxd (REX.W 63) */
	PCIEM_INSN_STORE,	/* mov reg -> mem (88, 89; A2/A3 moffs) */
	PCIEM_INSN_STORE_IMM,	/* mov imm -> mem (C6 /0, C7 /0) */
	PCIEM_INSN_MOVS,	/* movs (A4, A5), with or without rep */
	PCIEM_INSN_STOS,	/* stos (AA, AB), with or without rep */
	PCIEM_INSN_LODS,	/* lods (AC, AD), with or without rep */
	PCIEM_INSN_NR_OPS
};

/* Register numbers in x86 encoding order (not struct pt_regs order). */
enum pciem_insn_reg {
	PCIEM_REG_AX = 0, PCIEM_REG_CX, PCIEM_REG_DX, PCIEM_REG_BX,
	PCIEM_REG_SP, PCIEM_REG_BP, PCIEM_REG_SI, PCIEM_REG_DI,
	PCIEM_REG_R8, PCIEM_REG_R9, PCIEM_REG_R10, PCIEM_REG_R11,
	PCIEM_REG_R12, PCIEM_REG_R13, PCIEM_REG_R14, PCIEM_REG_R15
};

struct pciem_insn {
	uint8_t len;		/* total length in bytes, 1..15 */
	uint8_t op;		/* enum pciem_insn_op */
	uint8_t size;		/* memory operand size in bytes: 1, 2, 4, 8 */
	/*
	 * Register operand, enum pciem_insn_reg (0..15).  For LOAD*, the
	 * destination; for STORE, the source; 0 (rax) for the moffs forms,
	 * STOS (source) and LODS (destination); 0 and meaningless for
	 * STORE_IMM and MOVS, whose registers are implicit.
	 */
	uint8_t reg;
	uint8_t reg_size;	/* LOAD_ZX/LOAD_SX: destination size; else == size */
	/*
	 * 1 if the register is AH/CH/DH/BH (8A/88 without any REX prefix and
	 * ModRM.reg 4..7).  reg is then the register holding that byte:
	 * AH -> 0 (rax), CH -> 1, DH -> 2, BH -> 3, i.e. bits 15:8 of it.
	 */
	uint8_t high8;
	uint8_t rep;		/* 1 if F3 (rep) on MOVS/STOS/LODS */
	uint8_t addr_size;	/* 8, or 4 with the 67 prefix (rsi/rdi/rcx -> esi/edi/ecx) */
	/*
	 * STORE_IMM only: the immediate zero-extended from @size bytes, except
	 * that for REX.W C7 the imm32 is sign-extended to 64 bits.
	 */
	uint64_t imm;
};

/*
 * Decode the instruction at @buf, of which at most @avail bytes are valid.
 * Returns 0 and fills @insn, PCIEM_INSN_EUNSUPP (-1) for an unsupported or
 * invalid instruction, or PCIEM_INSN_ETRUNC (-2) if decoding it needs more
 * than @avail bytes.  Never reads buf[avail] or beyond, nor past the 15-byte
 * limit.  On an error @insn is left all zero.
 */
int pciem_insn_decode(const uint8_t *buf, size_t avail, struct pciem_insn *insn);

/* Short mnemonic of an enum pciem_insn_op ("mov", "movzx", "movs"...). */
const char *pciem_insn_op_name(int op);

/* Mnemonic of a decoded instruction, with "rep " where it has one. */
const char *pciem_insn_name(const struct pciem_insn *insn);

#endif /* _PCIEM_INSN_H */
