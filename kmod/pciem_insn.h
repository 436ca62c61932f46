/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86-64 instruction decoder and emulator for MMIO accesses.
 *
 * A driver's access to a trapped BAR page faults; the fault handler decodes
 * the instruction at the faulting RIP with pciem_insn_decode() and performs
 * it with pciem_insn_emulate(), which reads and writes memory through
 * callbacks and updates a copy of the registers (struct pciem_insn_regs).
 * Only the forms that MMIO accessors, plain volatile accesses and the
 * kernel's bitops/atomics compile to are recognised; everything else is
 * rejected so the caller can refuse it instead of emulating it wrongly.
 *
 * Recognised (64-bit mode only, always with a memory operand):
 *
 *   LOAD       8A /r, 8B /r            mov  r/m -> reg
 *              A0, A1 (moffs)          mov  [moffs] -> al/ax/eax/rax
 *   LOAD_ZX    0F B6 /r, 0F B7 /r      movzx
 *   LOAD_SX    0F BE /r, 0F BF /r      movsx
 *              REX.W 63 /r             movsxd (63 without REX.W is rejected)
 *   STORE      88 /r, 89 /r            mov  reg -> r/m              (sub 0)
 *              A2, A3 (moffs)          mov  al/ax/eax/rax -> [moffs] (sub 0)
 *              NP 0F C3 /r             movnti (4 or 8 bytes)         (sub 1)
 *              NP 0F 38 F9 /r          movdiri (4 or 8 bytes)        (sub 2)
 *   STORE_IMM  C6 /0 ib, C7 /0 iw/id   mov  imm -> r/m
 *   MOVS       A4, A5                  movs  (optionally F3 rep)
 *   STOS       AA, AB                  stos  (optionally F3 rep)
 *   LODS       AC, AD                  lods  (optionally F3 rep)
 *   ALU        00-3B (low 3 bits 0-3)  add or adc sbb and sub xor cmp, both
 *                                      directions (reg_dst says which)
 *              80 /n ib, 81 /n iw/id,  the same with an immediate source
 *              83 /n ib (sign-ext.)    (src_imm); sub = n (enum pciem_insn_alu)
 *   TEST       84 /r, 85 /r, F6 /0 ib, F7 /0 iw/id
 *   INC DEC    FE /0 /1, FF /0 /1
 *   NOT NEG    F6 /2 /3, F7 /2 /3
 *   XCHG       86 /r, 87 /r
 *   XADD       0F C0 /r, 0F C1 /r
 *   CMPXCHG    0F B0 /r, 0F B1 /r
 *   BT         0F A3 bt, 0F AB bts, 0F B3 btr, 0F BB btc (register bit
 *              offset, which may address memory outside the operand);
 *              0F BA /4../7 ib (immediate bit offset modulo the size);
 *              sub = enum pciem_insn_bt
 *   MOVBE      NP/66 0F 38 F0 (load), NP/66 0F 38 F1 (store)
 *   MOVDIR64B  66 0F 38 F8 /r          64 bytes from the memory operand to
 *                                      the address in register @reg (64-byte
 *                                      aligned)
 *   VLOAD      0F 10 movups, 66 0F 10 movupd, 0F 28 movaps, 66 0F 28
 *              movapd, F3 0F 6F movdqu, 66 0F 6F movdqa, 66 0F 38 2A
 *              movntdqa, 66 0F 6E movd/movq (REX.W), F3 0F 7E movq
 *   VSTORE     0F 11 movups, 66 0F 11 movupd, 0F 29 movaps, 66 0F 29
 *              movapd, F3 0F 7F movdqu, 66 0F 7F movdqa, 66 0F E7 movntdq,
 *              0F 2B movntps, 66 0F 2B movntpd, 66 0F 7E movd/movq (REX.W),
 *              66 0F D6 movq
 *              and the VEX (C5, C4) forms of all of these: vmovups ...
 *              vmovntdqa with VEX.L 0 (xmm) or 1 (ymm, not for vmovd/vmovq),
 *              VEX.vvvv 1111, registers 0..15; sub = enum pciem_insn_vec
 *   CLFLUSH    NP 0F AE /7 clflush (sub 0), 66 0F AE /7 clflushopt (sub 1)
 *
 * Prefixes: 66, 67, segment overrides (2E 36 3E 26 64 65; the last one
 * counts, and fs/gs together with any other segment override is rejected),
 * F3 (rep on string ops; mandatory prefix of some SSE forms), F2 (never
 * accepted), F0 (lock: only on add or adc sbb and sub xor, inc dec not neg,
 * xchg xadd cmpxchg, bts btr btc, all with a memory destination) and REX
 * 40-4F, in any order and number within the 15-byte limit.  A REX prefix
 * only counts when it immediately precedes the opcode (or the 0F escape).
 * Operand size: REX.W -> 8, else 66 -> 2, else 4; byte opcodes are always
 * 1.  An SSE form needs exactly its mandatory prefix among 66, F2 and F3
 * (F3 0F 6F is movdqu, 66 F3 0F 6F and F2 0F 6F are rejected); VEX forms
 * reject any 66, F2, F3, F0 or REX before C4/C5.
 *
 * Rejected (PCIEM_INSN_EUNSUPP): everything not listed, in particular
 * ModRM mod=11 (register, not memory), C6/C7 with a reg field other than
 * 0, 82, F6/F7 /1 /4../7, FE/FF /2../7, bt* with LOCK on bt, EVEX/XOP,
 * instructions longer than 15 bytes.
 *
 * The memory operand (fields @base, @index, @scale, @disp, @seg and
 * @addr_size) is what pciem_insn_ea() turns into the address; the emulator
 * (pciem_insn_emulate(), see below) uses it, never the fault address.
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

/*
 * For a local variable written in full before it is read, on the path of
 * every trapped access: exempt from the kernel's CONFIG_INIT_STACK_ALL_ZERO,
 * whose zeroing would cost a string instruction (a step per word under
 * emulation) each time.  gcc 12 and clang; nothing elsewhere.
 */
#if defined(__has_attribute)
#if __has_attribute(__uninitialized__)
#define PCIEM_NOINIT	__attribute__((__uninitialized__))
#endif
#endif
#ifndef PCIEM_NOINIT
#define PCIEM_NOINIT
#endif

/* Return values of pciem_insn_decode() and pciem_insn_emulate(). */
#define PCIEM_INSN_DONE		0	/* emulate: finished, ip advanced */
#define PCIEM_INSN_PARTIAL	1	/* emulate: rep op stopped early, ip kept */
#define PCIEM_INSN_EUNSUPP	(-1)	/* unknown, unsupported or invalid */
#define PCIEM_INSN_ETRUNC	(-2)	/* needs more than @avail bytes */
#define PCIEM_INSN_EFAULT	(-3)	/* emulate: a memory callback failed */
#define PCIEM_INSN_EALIGN	(-4)	/* emulate: misaligned operand (the CPU
					 * would raise #GP) */

enum pciem_insn_op {
	PCIEM_INSN_INVALID = 0,
	PCIEM_INSN_LOAD,	/* mov mem -> reg (8A, 8B; A0/A1 moffs) */
	PCIEM_INSN_LOAD_ZX,	/* movzx (0F B6, 0F B7) */
	PCIEM_INSN_LOAD_SX,	/* movsx (0F BE, 0F BF), movsxd (REX.W 63) */
	PCIEM_INSN_STORE,	/* mov reg -> mem (88, 89; A2/A3 moffs), movnti, movdiri */
	PCIEM_INSN_STORE_IMM,	/* mov imm -> mem (C6 /0, C7 /0) */
	PCIEM_INSN_MOVS,	/* movs (A4, A5), with or without rep */
	PCIEM_INSN_STOS,	/* stos (AA, AB), with or without rep */
	PCIEM_INSN_LODS,	/* lods (AC, AD), with or without rep */
	PCIEM_INSN_ALU,		/* add or adc sbb and sub xor cmp; sub = enum pciem_insn_alu */
	PCIEM_INSN_TEST,	/* test mem, reg/imm */
	PCIEM_INSN_INC,
	PCIEM_INSN_DEC,
	PCIEM_INSN_NOT,
	PCIEM_INSN_NEG,
	PCIEM_INSN_XCHG,
	PCIEM_INSN_XADD,
	PCIEM_INSN_CMPXCHG,
	PCIEM_INSN_BT,		/* bt bts btr btc; sub = enum pciem_insn_bt */
	PCIEM_INSN_MOVBE,	/* reg_dst: load (0F 38 F0), else store (F1) */
	PCIEM_INSN_MOVDIR64B,
	PCIEM_INSN_VLOAD,	/* mem -> xmm/ymm; sub = enum pciem_insn_vec */
	PCIEM_INSN_VSTORE,	/* xmm/ymm -> mem; sub = enum pciem_insn_vec */
	PCIEM_INSN_CLFLUSH,	/* sub 0 clflush, 1 clflushopt */
	PCIEM_INSN_NR_OPS
};

/* ALU operations, in the encoding's order (the /n of 80/81/83). */
enum pciem_insn_alu {
	PCIEM_ALU_ADD = 0, PCIEM_ALU_OR, PCIEM_ALU_ADC, PCIEM_ALU_SBB,
	PCIEM_ALU_AND, PCIEM_ALU_SUB, PCIEM_ALU_XOR, PCIEM_ALU_CMP
};

/* Bit tests, in the encoding's order (the /n - 4 of 0F BA). */
enum pciem_insn_bt {
	PCIEM_BT_BT = 0, PCIEM_BT_BTS, PCIEM_BT_BTR, PCIEM_BT_BTC
};

/* Vector moves, for the mnemonic (and the alignment they require). */
enum pciem_insn_vec {
	PCIEM_VEC_MOVUPS = 0, PCIEM_VEC_MOVUPD, PCIEM_VEC_MOVAPS, PCIEM_VEC_MOVAPD,
	PCIEM_VEC_MOVDQU, PCIEM_VEC_MOVDQA, PCIEM_VEC_MOVNTDQ, PCIEM_VEC_MOVNTPS,
	PCIEM_VEC_MOVNTPD, PCIEM_VEC_MOVNTDQA, PCIEM_VEC_MOVD, PCIEM_VEC_MOVQ,
	PCIEM_VEC_NR
};

/* Register numbers in x86 encoding order (not struct pt_regs order). */
enum pciem_insn_reg {
	PCIEM_REG_AX = 0, PCIEM_REG_CX, PCIEM_REG_DX, PCIEM_REG_BX,
	PCIEM_REG_SP, PCIEM_REG_BP, PCIEM_REG_SI, PCIEM_REG_DI,
	PCIEM_REG_R8, PCIEM_REG_R9, PCIEM_REG_R10, PCIEM_REG_R11,
	PCIEM_REG_R12, PCIEM_REG_R13, PCIEM_REG_R14, PCIEM_REG_R15
};
#define PCIEM_REG_RIP	16	/* @base of a RIP-relative operand */
#define PCIEM_REG_NONE	0xff	/* no @base / no @index */

/* Segment override (@seg); only fs and gs have a base in 64-bit mode. */
enum pciem_insn_seg {
	PCIEM_SEG_NONE = 0, PCIEM_SEG_ES, PCIEM_SEG_CS, PCIEM_SEG_SS,
	PCIEM_SEG_DS, PCIEM_SEG_FS, PCIEM_SEG_GS
};

/* Bits of RFLAGS the emulator reads or writes. */
#define PCIEM_FLAG_CF	0x0001
#define PCIEM_FLAG_PF	0x0004
#define PCIEM_FLAG_AF	0x0010
#define PCIEM_FLAG_ZF	0x0040
#define PCIEM_FLAG_SF	0x0080
#define PCIEM_FLAG_DF	0x0400
#define PCIEM_FLAG_OF	0x0800

struct pciem_insn {
	uint8_t len;		/* total length in bytes, 1..15 */
	uint8_t op;		/* enum pciem_insn_op */
	/*
	 * Memory operand size in bytes: 1, 2, 4, 8 (general registers), 4, 8,
	 * 16, 32 (VLOAD/VSTORE), 64 (MOVDIR64B); 1 and meaningless for
	 * CLFLUSH.  For BT with a register bit offset, the size of the word
	 * accessed (its address is moved by the offset, see pciem_insn_ea()).
	 */
	uint8_t size;
	/*
	 * Register operand, enum pciem_insn_reg (0..15).  For LOAD*, the
	 * destination; for STORE, the source; 0 (rax) for the moffs forms,
	 * STOS (source) and LODS (destination); 0 and meaningless for
	 * STORE_IMM, MOVS and the forms with an immediate source, whose
	 * registers are implicit.  ALU/TEST/XCHG/XADD/CMPXCHG/MOVBE: the
	 * ModRM.reg operand; BT with a register offset: the offset; MOVDIR64B:
	 * the register holding the destination address; VLOAD/VSTORE: the
	 * xmm/ymm register number.
	 */
	uint8_t reg;
	/*
	 * LOAD_ZX/LOAD_SX: destination size; VLOAD/VSTORE: the vector
	 * register's width written or read, 16 (xmm) or 32 (ymm, VEX.L=1);
	 * MOVDIR64B: @addr_size; else == size.
	 */
	uint8_t reg_size;
	/*
	 * 1 if the register is AH/CH/DH/BH (byte operand without any REX
	 * prefix and ModRM.reg 4..7).  reg is then the register holding that
	 * byte: AH -> 0 (rax), CH -> 1, DH -> 2, BH -> 3, i.e. bits 15:8 of it.
	 */
	uint8_t high8;
	uint8_t rep;		/* 1 if F3 (rep) on MOVS/STOS/LODS */
	uint8_t addr_size;	/* 8, or 4 with the 67 prefix (32-bit addressing) */
	uint8_t sub;		/* enum pciem_insn_alu / _bt / _vec, STORE/CLFLUSH variant */
	uint8_t lock;		/* F0 prefix (only where it is legal) */
	uint8_t reg_dst;	/* ALU/MOVBE: the register is the destination */
	uint8_t src_imm;	/* ALU/TEST/BT: the source is @imm, not @reg */
	uint8_t vex;		/* VEX-encoded vector move */
	/* Memory operand (not for MOVS/STOS/LODS, whose operands are implicit). */
	uint8_t base;		/* 0..15, PCIEM_REG_RIP or PCIEM_REG_NONE */
	uint8_t index;		/* 0..15 or PCIEM_REG_NONE */
	uint8_t scale;		/* 1, 2, 4, 8 (1 without index) */
	uint8_t seg;		/* enum pciem_insn_seg, the override or NONE */
	/*
	 * Displacement, sign-extended; for the moffs forms (A0-A3) the
	 * absolute address (8 bytes, or 4 zero-extended with 67).
	 */
	int64_t disp;
	/*
	 * The immediate: STORE_IMM, ALU and TEST sign-extend an imm32 to 64
	 * bits for size 8 (REX.W), 83 sign-extends its imm8 to @size bytes,
	 * others are zero-extended from @size bytes; BT: the imm8 as encoded.
	 * 0 where there is no immediate.
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

/*
 * Mnemonic of a decoded instruction, with "rep " or "lock " where it has
 * one ("lock add", "vmovdqu", "bts", "movnti").
 */
const char *pciem_insn_name(const struct pciem_insn *insn);

/* ---- emulation ---------------------------------------------------------- */

/* The registers an instruction may read or write; the caller copies them. */
struct pciem_insn_regs {
	uint64_t gpr[16];	/* enum pciem_insn_reg order */
	uint64_t flags;		/* RFLAGS */
	uint64_t ip;		/* address of the instruction */
};

/*
 * Memory and the vector registers, for pciem_insn_emulate().
 *
 * read/write: one access of @size bytes (1, 2, 4, 8, 16, 32 or 64) at the
 * linear address @addr, little-endian in @buf.  Return 0 on success, a
 * negative value on failure (the emulation stops and returns
 * PCIEM_INSN_EFAULT), or a positive value to stop a string instruction
 * before that element without an error (pciem_insn_emulate() then returns
 * PCIEM_INSN_PARTIAL with the registers of the elements completed, so the
 * CPU resumes the instruction itself; for other instructions a positive
 * value is treated as a failure).
 *
 * vec_read: copy the low @size bytes (16 or 32) of xmm/ymm register @reg
 * (0..15) to @buf.  vec_write: the register is written with @size bytes
 * from @buf:
 *   size 16: legacy SSE semantics, bits 127:0 written, bits 255 and up kept;
 *   size 32: VEX semantics, bits 255:0 written (a VEX.128 load passes
 *            zeros in bytes 16..31) and every bit above 255 cleared (zmm on
 *            AVX-512 CPUs), as a VEX load into the register does.
 * Both may be NULL if the caller cannot reach the vector registers: the
 * VLOAD/VSTORE forms then return PCIEM_INSN_EUNSUPP.
 *
 * seg_base: the base of PCIEM_SEG_FS or PCIEM_SEG_GS.  If NULL, every form
 * with an fs or gs override returns PCIEM_INSN_EUNSUPP.  (es, cs, ss, ds
 * have base 0 in 64-bit mode.)
 *
 * flush: clflush/clflushopt of the line at @addr.  If NULL, CLFLUSH is a
 * no-op (no memory contents change).
 */
struct pciem_insn_ops {
	int (*read)(void *ctx, uint64_t addr, void *buf, unsigned int size);
	int (*write)(void *ctx, uint64_t addr, const void *buf, unsigned int size);
	void (*vec_read)(void *ctx, unsigned int reg, void *buf, unsigned int size);
	void (*vec_write)(void *ctx, unsigned int reg, const void *buf, unsigned int size);
	uint64_t (*seg_base)(void *ctx, int seg);
	void (*flush)(void *ctx, uint64_t addr);
};

/*
 * The address the memory operand of @in refers to with the registers @r:
 * seg base + base + index * scale + disp (RIP-relative: the next
 * instruction's address + disp), truncated to 32 bits before the segment
 * base is added with the 67 prefix.  BT with a register bit offset: moved
 * by the offset as the CPU does, i.e. by (offset >> log2(8 * size)) * size
 * bytes, signed.  MOVDIR64B: the source (the destination is in @in->reg).
 * Returns 0 and sets *@ea, or PCIEM_INSN_EUNSUPP for MOVS/STOS/LODS (no
 * single operand) and for an fs/gs override without ops->seg_base.
 */
int pciem_insn_ea(const struct pciem_insn *in, const struct pciem_insn_regs *r,
		  const struct pciem_insn_ops *ops, void *ctx, uint64_t *ea);

/*
 * Perform the whole instruction @in (decoded from r->ip) through @ops and
 * @r.  Returns:
 *
 *   PCIEM_INSN_DONE     r->ip advanced by in->len;
 *   PCIEM_INSN_PARTIAL  a rep string op did @max_elems elements (or a
 *                       callback asked to stop): rsi/rdi/rcx updated for
 *                       the elements done, r->ip unchanged so that the CPU
 *                       re-executes the rest.  @max_elems 0 means no limit;
 *                       it bounds the work done per fault;
 *   PCIEM_INSN_EFAULT   a memory callback failed;
 *   PCIEM_INSN_EUNSUPP  the operand needs a callback that is NULL;
 *   PCIEM_INSN_EALIGN   the operand of movaps/movapd/movdqa/movntdq/
 *                       movntps/movntpd/movntdqa or the destination of
 *                       movdir64b is misaligned (the CPU raises #GP).
 *
 * On an error, @r is unchanged for a non-string instruction (and no write
 * was made after a failed read), and reflects exactly the elements
 * completed for a string instruction.
 *
 * Memory calls, in order:
 *   loads (LOAD*, LODS element, MOVBE load, VLOAD), TEST, ALU cmp and reg
 *     destinations, BT: one read;
 *   stores (STORE*, STOS element, MOVBE store, VSTORE): one write;
 *   ALU/INC/DEC/NOT/NEG with a memory destination, XCHG, XADD, BTS/BTR/
 *     BTC: one read, then one write of the same address and size;
 *   CMPXCHG: one read then one write, also when the comparison fails (the
 *     old value is written back, as the CPU does);
 *   MOVS element: read the source, then write the destination;
 *   MOVDIR64B: one 64-byte read of the source, one 64-byte write of the
 *     destination;
 *   CLFLUSH: ops->flush only.
 * The caller makes a read-modify-write atomic if it needs to be.
 *
 * Flags: every flag the instruction defines is computed as the CPU does
 * (CF PF AF ZF SF OF for add/adc/sub/sbb/cmp/neg/xadd/cmpxchg; inc/dec keep
 * CF; and/or/xor/test clear CF and OF and set PF ZF SF; bt* set CF only).
 * Flags the architecture leaves undefined (AF after and/or/xor/test; OF SF
 * AF PF after bt*) are left unchanged, as are all other RFLAGS bits.
 * Only DF is read besides CF (adc/sbb).
 *
 * A 4-byte register destination zero-extends into the 64-bit register,
 * 1- and 2-byte destinations keep the other bits, as on the CPU.
 */
int pciem_insn_emulate(const struct pciem_insn *in, struct pciem_insn_regs *r,
		       const struct pciem_insn_ops *ops, void *ctx,
		       unsigned long max_elems);

/*
 * General register access with x86 semantics: @size 1, 2, 4 or 8 bytes of
 * register @reg (bits 15:8 if @high8).  Writing 4 bytes zero-extends to
 * 64 bits; 1 and 2 bytes keep the rest.
 */
uint64_t pciem_insn_reg_read(const struct pciem_insn_regs *r, unsigned int reg,
			     unsigned int size, bool high8);
void pciem_insn_reg_write(struct pciem_insn_regs *r, unsigned int reg,
			  unsigned int size, bool high8, uint64_t v);

/* @v's low @size bytes, sign-extended to 64 bits. */
uint64_t pciem_insn_sign_extend(uint64_t v, unsigned int size);

#endif /* _PCIEM_INSN_H */
