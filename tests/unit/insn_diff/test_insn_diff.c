// SPDX-License-Identifier: GPL-2.0
/*
 * Differential test of the MMIO instruction emulator (kmod/pciem_insn.c)
 * against the CPU.
 *
 * For each case a small encoder writes one instruction of a recognised
 * form, with random registers, addressing mode (base, index, scale,
 * displacement, RIP-relative, no base, segment override, 32-bit
 * addressing), operand size, prefixes and operands, into an executable
 * page.  The trampoline (trampoline.S) loads a random register file, RFLAGS
 * and xmm/ymm registers, runs it on ordinary memory and saves the result.
 * The same bytes then go through pciem_insn_decode() and
 * pciem_insn_emulate() on a copy of the initial state and memory.  The
 * general registers, every flag the instruction defines (and those it must
 * leave alone), the vector registers, the instruction pointer and all of
 * the memory must agree.  The emulator's calls to its memory callbacks are
 * also checked against the documented order (one read, then at most one
 * write of the same place, for every non-string instruction).
 *
 * Environment: PCIEM_DIFF_SEED (decimal or 0x hex) fixes the seed, which
 * is printed either way; PCIEM_DIFF_CASES the number of cases per form
 * (default 1000).
 *
 * AVX forms run only if the CPU and OS support AVX (cpuid, xgetbv); the
 * test says so when it skips them.  movdiri and movdir64b run natively only
 * if cpuid reports them; otherwise they are checked against a computed
 * expectation (a plain store; a 64-byte copy), and the test says so.
 */
#include <cpuid.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <asm/prctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cmocka.h>

#include "pciem_insn.h"

/* ---- the CPU side ------------------------------------------------------- */

struct diff_cpu {
	uint64_t gpr[16];
	uint64_t flags;
	uint64_t pad;
	uint8_t vec[16][32];
};

extern struct diff_cpu diff_in, diff_out;
extern char diff_ret[];
void diff_run(void *code, int avx);

_Static_assert(sizeof(struct diff_cpu) == 656, "layout shared with trampoline.S");

#define CODE_SIZE	4096
#define DATA_SIZE	8192
#define DATA_LO		1024	/* operands are placed in [DATA_LO, DATA_HI) */
#define DATA_HI		(DATA_SIZE - 1024)
#define GS_BASE		0x10000ULL

static uint8_t *region;		/* code page, then the data */
static uint8_t *code;
static uint8_t *data;
static uint64_t fs_base;
static int have_avx, have_movdiri, have_movdir64b;
static unsigned long cases_per_form = 1000;

/* ---- random numbers ---------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd64(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned int rnd(unsigned int n)
{
	return (unsigned int)(rnd64() % n);
}

/* Values that hit the carry/overflow/sign edges more often than uniform. */
static uint64_t rnd_value(void)
{
	static const uint64_t edges[] = {
		0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000,
		0xffffffff, 0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull, 0xf, 0x10,
	};

	switch (rnd(4)) {
	case 0:
		return edges[rnd(sizeof(edges) / sizeof(edges[0]))] + rnd(3) - 1;
	case 1:
		return rnd64() & 0xff;
	default:
		return rnd64();
	}
}

/* ---- the emulator side -------------------------------------------------- */

struct access {
	char kind;		/* 'r' or 'w' */
	uint64_t addr;
	unsigned int size;
};

struct emu {
	uint8_t mem[DATA_SIZE];
	uint8_t vec[16][32];
	struct access log[64];
	unsigned int nlog;
	uint64_t flushed;
	unsigned int nflush;
	int fail_after;		/* fail the access after this many, -1 never */
	const char *why;
};

static int in_data(uint64_t addr, unsigned int size)
{
	uint64_t lo = (uint64_t)(uintptr_t)data;

	return addr >= lo && addr + size <= lo + DATA_SIZE && addr + size > addr;
}

static int emu_read(void *ctx, uint64_t addr, void *buf, unsigned int size)
{
	struct emu *e = ctx;

	if (e->nlog < 64)
		e->log[e->nlog] = (struct access){ 'r', addr, size };
	if (e->fail_after >= 0 && (int)e->nlog >= e->fail_after) {
		e->nlog++;
		return -14;
	}
	e->nlog++;
	if (!in_data(addr, size)) {
		e->why = "read outside the data area";
		return -14;
	}
	memcpy(buf, e->mem + (addr - (uint64_t)(uintptr_t)data), size);
	return 0;
}

static int emu_write(void *ctx, uint64_t addr, const void *buf, unsigned int size)
{
	struct emu *e = ctx;

	if (e->nlog < 64)
		e->log[e->nlog] = (struct access){ 'w', addr, size };
	if (e->fail_after >= 0 && (int)e->nlog >= e->fail_after) {
		e->nlog++;
		return -14;
	}
	e->nlog++;
	if (!in_data(addr, size)) {
		e->why = "write outside the data area";
		return -14;
	}
	memcpy(e->mem + (addr - (uint64_t)(uintptr_t)data), buf, size);
	return 0;
}

static void emu_vec_read(void *ctx, unsigned int reg, void *buf, unsigned int size)
{
	struct emu *e = ctx;

	memcpy(buf, e->vec[reg & 15], size);
}

static void emu_vec_write(void *ctx, unsigned int reg, const void *buf, unsigned int size)
{
	struct emu *e = ctx;

	memcpy(e->vec[reg & 15], buf, size);
}

static uint64_t emu_seg_base(void *ctx, int seg)
{
	(void)ctx;
	return seg == PCIEM_SEG_FS ? fs_base : GS_BASE;
}

static void emu_flush(void *ctx, uint64_t addr)
{
	struct emu *e = ctx;

	e->flushed = addr;
	e->nflush++;
}

static const struct pciem_insn_ops emu_ops = {
	.read = emu_read,
	.write = emu_write,
	.vec_read = emu_vec_read,
	.vec_write = emu_vec_write,
	.seg_base = emu_seg_base,
	.flush = emu_flush,
};

/* How often the encoder produced each feature: all must occur. */
static struct {
	unsigned long rip, addr32, fs, gs, sib_index, no_base, lock, rex_high, high8;
	unsigned long rep, df, str_a32, str_seg, partial;
} cov;

/* ---- the encoder -------------------------------------------------------- */

enum fclass {
	C_PLAIN,	/* no flags written */
	C_ARITH,	/* CF PF AF ZF SF OF defined */
	C_LOGIC,	/* AF undefined */
	C_INCDEC,	/* CF kept */
	C_BT,		/* only CF defined, ZF kept */
};

#define SZ_OSZ		0	/* 2, 4 or 8 by 66/REX.W */
#define SZ_48		100	/* 4 or 8 by REX.W, no 66 */

struct form {
	const char *name;
	uint8_t pfx;		/* mandatory prefix (66, F3) or 0 */
	uint8_t opc[3];
	uint8_t nopc;
	int ext;		/* ModRM.reg extension, -1: a register operand */
	int size;		/* 1, SZ_OSZ, SZ_48, or a fixed size */
	int imm;		/* immediate bytes: 0, 1, or 4 ('z': 2 with 66) */
	enum fclass fclass;
	unsigned int lockable:1, byte_reg:1, vec:1, vex:1, align:1, movzx:1;
	unsigned int string:1, moffs:1, btreg:1, cmpxchg:1, movdir64b:1, movdiri:1;
	unsigned int clflush:1, vec_fixed:1, vexl0:1, vexmap2:1, rex_w:1, rex_w_any:1;
	unsigned int movsxd:1;
	int vsize;		/* vector memory size if vec_fixed (4/8) */
};

#define MAXF	200
static struct form forms[MAXF];
static unsigned int nforms;

static struct form *add_form(const char *name, uint8_t pfx, const uint8_t *opc, int nopc,
			     int ext, int size, int imm, enum fclass fc)
{
	struct form *f = &forms[nforms++];

	assert_true(nforms <= MAXF);
	memset(f, 0, sizeof(*f));
	f->name = name;
	f->pfx = pfx;
	memcpy(f->opc, opc, nopc);
	f->nopc = nopc;
	f->ext = ext;
	f->size = size;
	f->imm = imm;
	f->fclass = fc;
	return f;
}

#define OPC(...)	(const uint8_t[]){ __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ })

static const char *const alu_n[8][4] = {
	{ "add r/m8,r8", "add r/m,r", "add r8,r/m8", "add r,r/m" },
	{ "or r/m8,r8", "or r/m,r", "or r8,r/m8", "or r,r/m" },
	{ "adc r/m8,r8", "adc r/m,r", "adc r8,r/m8", "adc r,r/m" },
	{ "sbb r/m8,r8", "sbb r/m,r", "sbb r8,r/m8", "sbb r,r/m" },
	{ "and r/m8,r8", "and r/m,r", "and r8,r/m8", "and r,r/m" },
	{ "sub r/m8,r8", "sub r/m,r", "sub r8,r/m8", "sub r,r/m" },
	{ "xor r/m8,r8", "xor r/m,r", "xor r8,r/m8", "xor r,r/m" },
	{ "cmp r/m8,r8", "cmp r/m,r", "cmp r8,r/m8", "cmp r,r/m" },
};
static const char *const alu_i[8][3] = {
	{ "add $ib,m8", "add $iz,m", "add $ib,m (83)" },
	{ "or $ib,m8", "or $iz,m", "or $ib,m (83)" },
	{ "adc $ib,m8", "adc $iz,m", "adc $ib,m (83)" },
	{ "sbb $ib,m8", "sbb $iz,m", "sbb $ib,m (83)" },
	{ "and $ib,m8", "and $iz,m", "and $ib,m (83)" },
	{ "sub $ib,m8", "sub $iz,m", "sub $ib,m (83)" },
	{ "xor $ib,m8", "xor $iz,m", "xor $ib,m (83)" },
	{ "cmp $ib,m8", "cmp $iz,m", "cmp $ib,m (83)" },
};

static void build_forms(void)
{
	struct form *f;
	int a, k;

	f = add_form("mov r8,m8", 0, OPC(0x88), -1, 1, 0, C_PLAIN);
	f->byte_reg = 1;
	add_form("mov r,m", 0, OPC(0x89), -1, SZ_OSZ, 0, C_PLAIN);
	f = add_form("mov m8,r8", 0, OPC(0x8a), -1, 1, 0, C_PLAIN);
	f->byte_reg = 1;
	add_form("mov m,r", 0, OPC(0x8b), -1, SZ_OSZ, 0, C_PLAIN);
	f = add_form("movzb", 0, OPC(0x0f, 0xb6), -1, 1, 0, C_PLAIN);
	f->movzx = 1;
	f = add_form("movzw", 0, OPC(0x0f, 0xb7), -1, 2, 0, C_PLAIN);
	f->movzx = 1;
	f = add_form("movsb", 0, OPC(0x0f, 0xbe), -1, 1, 0, C_PLAIN);
	f->movzx = 1;
	f = add_form("movsw", 0, OPC(0x0f, 0xbf), -1, 2, 0, C_PLAIN);
	f->movzx = 1;
	f = add_form("movslq", 0, OPC(0x63), -1, 4, 0, C_PLAIN);
	f->movsxd = 1;
	add_form("mov $ib,m8", 0, OPC(0xc6), 0, 1, 1, C_PLAIN);
	add_form("mov $iz,m", 0, OPC(0xc7), 0, SZ_OSZ, 'z', C_PLAIN);
	for (k = 0; k < 4; k++) {
		f = add_form("moffs", 0, OPC(0xa0 + k), -1, (k & 1) ? SZ_OSZ : 1, 0, C_PLAIN);
		f->moffs = 1;
	}
	for (a = 0; a < 8; a++) {
		enum fclass fc = (a == 1 || a == 4 || a == 6) ? C_LOGIC : C_ARITH;

		for (k = 0; k < 4; k++) {
			f = add_form(alu_n[a][k], 0, OPC(a * 8 + k), -1, (k & 1) ? SZ_OSZ : 1, 0,
				     fc);
			f->byte_reg = !(k & 1);
			f->lockable = k < 2 && a != 7;
		}
		f = add_form(alu_i[a][0], 0, OPC(0x80), a, 1, 1, fc);
		f->lockable = a != 7;
		f = add_form(alu_i[a][1], 0, OPC(0x81), a, SZ_OSZ, 'z', fc);
		f->lockable = a != 7;
		f = add_form(alu_i[a][2], 0, OPC(0x83), a, SZ_OSZ, 1, fc);
		f->lockable = a != 7;
	}
	f = add_form("test r/m8,r8", 0, OPC(0x84), -1, 1, 0, C_LOGIC);
	f->byte_reg = 1;
	add_form("test r/m,r", 0, OPC(0x85), -1, SZ_OSZ, 0, C_LOGIC);
	add_form("test $ib,m8", 0, OPC(0xf6), 0, 1, 1, C_LOGIC);
	add_form("test $iz,m", 0, OPC(0xf7), 0, SZ_OSZ, 'z', C_LOGIC);
	f = add_form("not m8", 0, OPC(0xf6), 2, 1, 0, C_PLAIN);
	f->lockable = 1;
	f = add_form("not m", 0, OPC(0xf7), 2, SZ_OSZ, 0, C_PLAIN);
	f->lockable = 1;
	f = add_form("neg m8", 0, OPC(0xf6), 3, 1, 0, C_ARITH);
	f->lockable = 1;
	f = add_form("neg m", 0, OPC(0xf7), 3, SZ_OSZ, 0, C_ARITH);
	f->lockable = 1;
	f = add_form("inc m8", 0, OPC(0xfe), 0, 1, 0, C_INCDEC);
	f->lockable = 1;
	f = add_form("inc m", 0, OPC(0xff), 0, SZ_OSZ, 0, C_INCDEC);
	f->lockable = 1;
	f = add_form("dec m8", 0, OPC(0xfe), 1, 1, 0, C_INCDEC);
	f->lockable = 1;
	f = add_form("dec m", 0, OPC(0xff), 1, SZ_OSZ, 0, C_INCDEC);
	f->lockable = 1;
	f = add_form("xchg r8,m8", 0, OPC(0x86), -1, 1, 0, C_PLAIN);
	f->byte_reg = 1;
	f->lockable = 1;
	f->align = 1;	/* always locked: keep it off split locks */
	f = add_form("xchg r,m", 0, OPC(0x87), -1, SZ_OSZ, 0, C_PLAIN);
	f->lockable = 1;
	f->align = 1;
	f = add_form("xadd r8,m8", 0, OPC(0x0f, 0xc0), -1, 1, 0, C_ARITH);
	f->byte_reg = 1;
	f->lockable = 1;
	f = add_form("xadd r,m", 0, OPC(0x0f, 0xc1), -1, SZ_OSZ, 0, C_ARITH);
	f->lockable = 1;
	f = add_form("cmpxchg r8,m8", 0, OPC(0x0f, 0xb0), -1, 1, 0, C_ARITH);
	f->byte_reg = 1;
	f->lockable = 1;
	f->cmpxchg = 1;
	f = add_form("cmpxchg r,m", 0, OPC(0x0f, 0xb1), -1, SZ_OSZ, 0, C_ARITH);
	f->lockable = 1;
	f->cmpxchg = 1;
	for (k = 0; k < 4; k++) {
		static const char *const n[] = { "bt r,m", "bts r,m", "btr r,m", "btc r,m" };
		static const char *const ni[] = { "bt $ib,m", "bts $ib,m", "btr $ib,m",
						  "btc $ib,m" };

		f = add_form(n[k], 0, OPC(0x0f, 0xa3 + 8 * k), -1, SZ_OSZ, 0, C_BT);
		f->btreg = 1;
		f->lockable = k != 0;
		f = add_form(ni[k], 0, OPC(0x0f, 0xba), 4 + k, SZ_OSZ, 1, C_BT);
		f->lockable = k != 0;
	}
	add_form("movnti", 0, OPC(0x0f, 0xc3), -1, SZ_48, 0, C_PLAIN);
	add_form("movbe m,r", 0, OPC(0x0f, 0x38, 0xf0), -1, SZ_OSZ, 0, C_PLAIN);
	add_form("movbe r,m", 0, OPC(0x0f, 0x38, 0xf1), -1, SZ_OSZ, 0, C_PLAIN);
	f = add_form("movdiri", 0, OPC(0x0f, 0x38, 0xf9), -1, SZ_48, 0, C_PLAIN);
	f->movdiri = 1;
	f = add_form("movdir64b", 0x66, OPC(0x0f, 0x38, 0xf8), -1, 64, 0, C_PLAIN);
	f->movdir64b = 1;
	for (k = 0; k < 6; k++) {
		static const uint8_t o[] = { 0xa4, 0xa5, 0xaa, 0xab, 0xac, 0xad };
		static const char *const n[] = { "movsb", "movs", "stosb", "stos", "lodsb",
						 "lods" };

		f = add_form(n[k], 0, OPC(o[k]), -1, (k & 1) ? SZ_OSZ : 1, 0, C_PLAIN);
		f->string = 1;
	}
	f = add_form("clflush", 0, OPC(0x0f, 0xae), 7, 1, 0, C_PLAIN);
	f->clflush = 1;
	f = add_form("clflushopt", 0x66, OPC(0x0f, 0xae), 7, 1, 0, C_PLAIN);
	f->clflush = 1;

	/* SSE, then the same as VEX. */
	for (k = 0; k < 2; k++) {
		int vex = k;
		static const struct {
			const char *n, *vn;
			uint8_t pfx, opc, map2, align, fixed, vsize, l0;
		} v[] = {
			{ "movups load", "vmovups load", 0, 0x10, 0, 0, 0, 0, 0 },
			{ "movups store", "vmovups store", 0, 0x11, 0, 0, 0, 0, 0 },
			{ "movupd load", "vmovupd load", 0x66, 0x10, 0, 0, 0, 0, 0 },
			{ "movupd store", "vmovupd store", 0x66, 0x11, 0, 0, 0, 0, 0 },
			{ "movaps load", "vmovaps load", 0, 0x28, 0, 1, 0, 0, 0 },
			{ "movaps store", "vmovaps store", 0, 0x29, 0, 1, 0, 0, 0 },
			{ "movapd load", "vmovapd load", 0x66, 0x28, 0, 1, 0, 0, 0 },
			{ "movapd store", "vmovapd store", 0x66, 0x29, 0, 1, 0, 0, 0 },
			{ "movdqu load", "vmovdqu load", 0xf3, 0x6f, 0, 0, 0, 0, 0 },
			{ "movdqu store", "vmovdqu store", 0xf3, 0x7f, 0, 0, 0, 0, 0 },
			{ "movdqa load", "vmovdqa load", 0x66, 0x6f, 0, 1, 0, 0, 0 },
			{ "movdqa store", "vmovdqa store", 0x66, 0x7f, 0, 1, 0, 0, 0 },
			{ "movntdq", "vmovntdq", 0x66, 0xe7, 0, 1, 0, 0, 0 },
			{ "movntps", "vmovntps", 0, 0x2b, 0, 1, 0, 0, 0 },
			{ "movntpd", "vmovntpd", 0x66, 0x2b, 0, 1, 0, 0, 0 },
			{ "movntdqa", "vmovntdqa", 0x66, 0x2a, 1, 1, 0, 0, 0 },
			{ "movd/q load (66 6E)", "vmovd/q load (66 6E)", 0x66, 0x6e, 0, 0, 1, 0, 1 },
			{ "movd/q store (66 7E)", "vmovd/q store (66 7E)", 0x66, 0x7e, 0, 0, 1, 0, 1 },
			{ "movq load (F3 7E)", "vmovq load (F3 7E)", 0xf3, 0x7e, 0, 0, 1, 8, 1 },
			{ "movq store (66 D6)", "vmovq store (66 D6)", 0x66, 0xd6, 0, 0, 1, 8, 1 },
		};
		unsigned int i;

		for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
			if (v[i].map2)
				f = add_form(vex ? v[i].vn : v[i].n, v[i].pfx,
					     OPC(0x0f, 0x38, v[i].opc), -1, 16, 0, C_PLAIN);
			else
				f = add_form(vex ? v[i].vn : v[i].n, v[i].pfx,
					     OPC(0x0f, v[i].opc), -1, 16, 0, C_PLAIN);
			f->vec = 1;
			f->vex = vex;
			f->align = v[i].align;
			f->vec_fixed = v[i].fixed;
			f->vsize = v[i].vsize;	/* 0: 4 or 8 by W */
			f->vexl0 = v[i].l0;
			f->vexmap2 = v[i].map2;
		}
	}
}

/* One generated case. */
struct gen {
	uint8_t bytes[16];
	unsigned int len;
	struct diff_cpu in;
	uint8_t mem[DATA_SIZE];
	unsigned int size;	/* memory operand size */
	uint64_t ea;		/* the operand's address (for clflush) */
	int native;		/* run on the CPU */
	int reg;		/* the register operand */
	uint64_t dst;		/* movdir64b: the destination address */
	char desc[160];
};

static uint64_t data_addr(unsigned int off)
{
	return (uint64_t)(uintptr_t)data + off;
}

/* A target offset in the data area for @size bytes, aligned to @align. */
static unsigned int pick_target(unsigned int size, unsigned int align)
{
	unsigned int off = DATA_LO + rnd(DATA_HI - DATA_LO - size);

	if (align > 1)
		off &= ~(align - 1);
	return off;
}

/*
 * Encode the ModRM memory operand for the address @ea into @b (at *@n),
 * choosing the addressing mode at random; set the registers it uses in
 * @st; @avoid holds registers that must not serve as base or index.  Sets
 * *@rex_xb to the REX.X/REX.B bits.  Returns the offset of a RIP-relative
 * disp32 to patch (or 0), writing *@rip_target.
 */
struct memenc {
	uint8_t modrm_rm_bits;	/* mod and rm bits (reg filled by the caller) */
	uint8_t sib, has_sib;
	uint8_t disp[4];
	unsigned int ndisp;
	uint8_t rex_x, rex_b;
	int rip;		/* disp is RIP-relative, to be patched */
	uint64_t rip_target;
	int seg;		/* prefix byte or 0 */
	int addr32;
	uint32_t used;		/* registers used for the address */
};

static int pick_reg(uint32_t avoid)
{
	int r;

	do {
		r = rnd(16);
	} while (avoid & (1u << r));
	return r;
}

static void enc_mem(struct memenc *m, uint64_t ea, uint32_t avoid, struct diff_cpu *st,
		    int allow_seg, int allow_addr32)
{
	int mode, base = -1, index = -1, scale = 1, mod, dsz;
	uint64_t segbase = 0, off, ival = 0, amask;
	int32_t disp;

	memset(m, 0, sizeof(*m));
	m->addr32 = allow_addr32 && rnd(5) == 0;
	if (allow_seg) {
		switch (rnd(8)) {
		case 0:
			if (!m->addr32) {
				m->seg = 0x64;
				segbase = fs_base;
			}
			break;
		case 1:
			m->seg = 0x65;
			segbase = GS_BASE;
			break;
		case 2:
			m->seg = (int[]){ 0x26, 0x2e, 0x36, 0x3e }[rnd(4)];
			break;
		}
	}
	amask = m->addr32 ? 0xffffffffull : ~0ull;
	off = (ea - segbase) & amask;
	/* No base/index (absolute disp32) and RIP-relative need a small offset. */
	mode = rnd(8);
	if ((mode == 5 || mode == 6) && (m->seg == 0x64 || off > 0x7fffffff))
		mode = 0;
	if (mode == 7 && m->seg == 0x64)
		mode = 1;
	dsz = (int[]){ 0, 1, 4 }[rnd(3)];
	disp = dsz == 0 ? 0 : dsz == 1 ? (int8_t)rnd64() : (int32_t)(rnd64() & 0xffff) - 0x8000;

	switch (mode) {
	case 5:	/* absolute: SIB, no base, no index */
		m->modrm_rm_bits = 0x04;
		m->has_sib = 1;
		m->sib = 0x25 | (rnd(4) << 6);
		dsz = 4;
		disp = (int32_t)off;
		break;
	case 6:	/* RIP-relative */
		m->modrm_rm_bits = 0x05;
		m->rip = 1;
		m->rip_target = ea - segbase;
		dsz = 4;
		break;
	case 7: case 1: case 2:	/* base + index * scale + disp, or no base */
		index = pick_reg(avoid | (1u << 4));	/* rsp is no index */
		scale = 1 << rnd(4);
		ival = rnd64() & 0xfffff;
		if (m->addr32)
			ival |= rnd64() << 32;	/* ignored upper half */
		if (mode == 7 && off <= 0x7fffffff) {
			/* index * scale + disp32, no base */
			dsz = 4;
			disp = (int32_t)((off - (ival & amask) * scale) & 0xffffffff);
			if ((int64_t)(int32_t)disp != (int64_t)((off - (ival & amask) * scale)) &&
			    !m->addr32) {
				ival = 0;
				disp = (int32_t)off;
			}
			m->modrm_rm_bits = 0x04;
			m->has_sib = 1;
			m->sib = (uint8_t)((__builtin_ctz(scale) << 6) | ((index & 7) << 3) | 5);
			m->rex_x = index >= 8;
			st->gpr[index] = ival;
			m->used = 1u << index;
			break;
		}
		base = pick_reg(avoid | (1u << index));
		goto with_base;
	default:
		base = pick_reg(avoid);
with_base:
		mod = dsz == 0 ? 0 : dsz == 1 ? 1 : 2;
		if (mod == 0 && (base & 7) == 5) {
			mod = 1;	/* rbp/r13 need a displacement */
			dsz = 1;
			disp = 0;
		}
		if (index >= 0 || (base & 7) == 4 || rnd(8) == 0) {
			/* SIB (required for rsp/r12; optional otherwise: index 100) */
			m->has_sib = 1;
			if (index >= 0)
				m->sib = (uint8_t)((__builtin_ctz(scale) << 6) | ((index & 7) << 3) |
						   (base & 7));
			else
				m->sib = (uint8_t)((rnd(4) << 6) | (4 << 3) | (base & 7));
			m->modrm_rm_bits = (uint8_t)(mod << 6 | 4);
			m->rex_x = index >= 8;
		} else {
			m->modrm_rm_bits = (uint8_t)(mod << 6 | (base & 7));
		}
		m->rex_b = base >= 8;
		if (index >= 0) {
			st->gpr[index] = ival;
			m->used |= 1u << index;
		}
		st->gpr[base] = (off - (index >= 0 ? (ival & amask) * scale : 0) -
				 (uint64_t)(int64_t)disp) & amask;
		if (m->addr32)
			st->gpr[base] |= rnd64() << 32;
		m->used |= 1u << base;
		break;
	}
	m->ndisp = dsz;
	memcpy(m->disp, &disp, 4);
}

static void random_state(struct gen *g)
{
	int i;

	for (i = 0; i < 16; i++)
		g->in.gpr[i] = rnd_value();
	g->in.flags = rnd64() & (PCIEM_FLAG_CF | PCIEM_FLAG_PF | PCIEM_FLAG_AF | PCIEM_FLAG_ZF |
				 PCIEM_FLAG_SF | PCIEM_FLAG_OF);
	for (i = 0; i < 16; i++) {
		uint64_t v[4] = { rnd64(), rnd64(), rnd64(), rnd64() };

		memcpy(g->in.vec[i], v, 32);
	}
	for (i = 0; i < DATA_SIZE; i += 8) {
		uint64_t v = rnd(4) ? rnd64() : rnd_value();

		memcpy(g->mem + i, &v, 8);
	}
}

/* Put @n legacy prefix bytes @p in random order at @b. */
static unsigned int put_prefixes(uint8_t *b, uint8_t *p, unsigned int n)
{
	unsigned int i, j;
	uint8_t t;

	for (i = n; i > 1; i--) {
		j = rnd(i);
		t = p[i - 1];
		p[i - 1] = p[j];
		p[j] = t;
	}
	memcpy(b, p, n);
	return n;
}

/* Build a random instance of form @f; 0 or -1 if it cannot (skip). */
static int gen_case(const struct form *f, struct gen *g)
{
	uint8_t pfx[8], *b = g->bytes;
	unsigned int npfx = 0, n = 0, size, opsize = 0, i, imm_len = 0;
	int reg = 0, lock = 0, rex_w = 0, rex_r = 0, rex40 = 0, vl = 0, vw = 0;
	uint32_t avoid = 0;
	struct memenc m;
	uint64_t imm = 0;
	unsigned int off, rip_at = 0;

	memset(g, 0, sizeof(*g));
	random_state(g);
	g->native = 1;

	/* Operand size. */
	if (f->size == SZ_OSZ)
		opsize = (unsigned int[]){ 2, 4, 8 }[rnd(3)];
	else if (f->size == SZ_48)
		opsize = rnd(2) ? 8 : 4;
	else
		opsize = f->size;
	size = opsize;
	if (f->movzx) {
		/* memory size fixed; destination 2/4/8 */
		unsigned int d = (unsigned int[]){ 2, 4, 8 }[rnd(3)];

		if (d == 2)
			pfx[npfx++] = 0x66;
		rex_w = d == 8;
	} else if (f->movsxd) {
		rex_w = 1;
	} else if (f->vec) {
		if (f->vex) {
			vl = f->vexl0 ? 0 : rnd(2);
			vw = rnd(2);
		} else if (f->pfx) {
			pfx[npfx++] = f->pfx;
		}
		if (f->vec_fixed) {
			if (f->vsize)
				size = f->vsize;
			else {
				size = rnd(2) ? 8 : 4;
				if (f->vex)
					vw = size == 8;
				else
					rex_w = size == 8;
			}
		} else {
			size = vl ? 32 : 16;
			if (!f->vex)
				rex_w = rnd(4) == 0;	/* REX.W is ignored */
		}
	} else {
		if (f->pfx)
			pfx[npfx++] = f->pfx;
		if (opsize == 2 && f->size != 1)
			pfx[npfx++] = 0x66;
		rex_w = opsize == 8 && f->size != 1;
		if (f->size == 1 && rnd(8) == 0)
			rex_w = 1;	/* no effect on byte ops */
	}
	if (f->movdir64b)
		size = 64;
	g->size = size;

	if (f->lockable && (rnd(2) || (f->align && !f->string)))
		lock = rnd(2);
	if (lock)
		pfx[npfx++] = 0xf0;

	if (f->string) {
		/* rep, DF, addr32, source segment */
		int rep = rnd(3) != 0, a32 = rnd(4) == 0, seg = 0;
		uint64_t count = rep ? rnd(9) : 1, am = a32 ? 0xffffffffull : ~0ull;
		int df = rnd(2);
		uint64_t segbase = 0;
		unsigned int span = (unsigned int)(count * size) + 8;
		unsigned int so = DATA_LO + span + rnd(DATA_HI - DATA_LO - 2 * span);
		unsigned int d_o = DATA_LO + span + rnd(DATA_HI - DATA_LO - 2 * span);

		if (rep)
			pfx[npfx++] = 0xf3;
		if (a32)
			pfx[npfx++] = 0x67;
		if (f->opc[0] != 0xaa && f->opc[0] != 0xab) {
			switch (rnd(6)) {
			case 0:
				if (!a32) {
					seg = 0x64;
					segbase = fs_base;
				}
				break;
			case 1:
				seg = 0x65;
				segbase = GS_BASE;
				break;
			}
		}
		if (seg)
			pfx[npfx++] = seg;
		if (df)
			g->in.flags |= PCIEM_FLAG_DF;
		g->in.gpr[PCIEM_REG_SI] = (data_addr(so) - segbase) & am;
		g->in.gpr[PCIEM_REG_DI] = data_addr(d_o) & am;
		if (a32) {
			g->in.gpr[PCIEM_REG_SI] |= rnd64() << 32;
			g->in.gpr[PCIEM_REG_DI] |= rnd64() << 32;
		}
		if (rep)
			g->in.gpr[PCIEM_REG_CX] = a32 ? (count | rnd64() << 32) : count;
		n += put_prefixes(b + n, pfx, npfx);
		if (rex_w || rnd(4) == 0)
			b[n++] = 0x40 | (rex_w ? 8 : 0) | rnd(8);	/* R, X, B ignored */
		b[n++] = f->opc[0];
		g->len = n;
		snprintf(g->desc, sizeof(g->desc), "%s size %u rep %d count %" PRIu64
			 " df %d a32 %d seg %#x", f->name, size, rep, count, df, a32, seg);
		cov.rep += rep;
		cov.df += df;
		cov.str_a32 += a32;
		cov.str_seg += seg != 0;
		return 0;
	}

	if (f->moffs) {
		int a32 = rnd(4) == 0, seg = 0;
		uint64_t segbase = 0;

		off = pick_target(size, 1);
		if (rnd(4) == 0) {
			seg = 0x65;
			segbase = GS_BASE;
			pfx[npfx++] = (uint8_t)seg;
		}
		if (a32)
			pfx[npfx++] = 0x67;
		n += put_prefixes(b + n, pfx, npfx);
		if (rex_w || rnd(4) == 0)
			b[n++] = 0x40 | (rex_w ? 8 : 0) | rnd(8);	/* R, X, B ignored */
		b[n++] = f->opc[0];
		imm = data_addr(off) - segbase;
		for (i = 0; i < (a32 ? 4u : 8u); i++)
			b[n++] = (uint8_t)(imm >> (8 * i));
		g->len = n;
		g->ea = data_addr(off);
		snprintf(g->desc, sizeof(g->desc), "%s size %u a32 %d seg %#x", f->name, size,
			 a32, seg);
		return 0;
	}

	/* The register operand. */
	if (f->ext < 0) {
		reg = rnd(16);
		if (f->cmpxchg)
			avoid |= 1u << PCIEM_REG_AX;
		if (f->btreg || f->movdir64b)
			avoid |= 1u << reg;
		if (f->byte_reg && reg >= 4 && reg < 8 && rnd(2))
			rex40 = 1;	/* spl..dil instead of ah..bh */
		rex_r = reg >= 8;
	}

	/* Target and addressing. */
	{
		unsigned int align = f->align ? size : 1;
		int64_t bitoff = 0;

		if (lock || (f->align && !f->vec))
			align = size;
		if (f->movdir64b)
			align = 1;
		if (f->btreg) {
			/* bit offset in the register; memory moves by it */
			bitoff = (int64_t)rnd(4096) - 2048;
			off = 1024 + 256 + rnd(DATA_SIZE - 2048 - 512);
			if (lock)
				off &= ~(size - 1);
		} else {
			off = pick_target(size, align);
		}
		g->ea = data_addr(off);
		enc_mem(&m, data_addr(off), avoid, &g->in, 1, 1);
		if (f->btreg) {
			uint64_t v = (uint64_t)bitoff & (size == 8 ? ~0ull :
						       (1ull << (8 * size)) - 1);

			if (m.used & (1u << reg))
				return -1;
			g->in.gpr[reg] = (g->in.gpr[reg] & ~(size == 8 ? ~0ull :
							     (1ull << (8 * size)) - 1)) | v;
		}
		if (f->movdir64b) {
			unsigned int d_o = pick_target(64, 64);
			uint64_t am = m.addr32 ? 0xffffffffull : ~0ull;

			if (m.used & (1u << reg))
				return -1;
			g->in.gpr[reg] = data_addr(d_o) & am;
			g->dst = data_addr(d_o);
			if (m.addr32)
				g->in.gpr[reg] |= rnd64() << 32;
		}
		if (f->cmpxchg && rnd(2)) {
			/* make the comparison succeed half of the time */
			uint64_t cur = 0;

			memcpy(&cur, g->mem + off, size);
			if (size < 8)
				g->in.gpr[0] = (g->in.gpr[0] & ~((1ull << (8 * size)) - 1)) | cur;
			else
				g->in.gpr[0] = cur;
		}
	}
	if (m.seg)
		pfx[npfx++] = (uint8_t)m.seg;
	if (m.addr32)
		pfx[npfx++] = 0x67;

	/* The immediate. */
	if (f->imm == 1)
		imm_len = 1;
	else if (f->imm == 'z')
		imm_len = opsize == 2 ? 2 : 4;
	imm = rnd_value();
	if (f->ext >= 4 && f->opc[1] == 0xba)
		imm = rnd(4) ? rnd(8 * size) : rnd(256);	/* bt: also out of range */

	if (f->vex) {
		int c4 = m.rex_x || m.rex_b || vw || f->vexmap2 || rnd(2);
		unsigned int pp = f->pfx == 0x66 ? 1 : f->pfx == 0xf3 ? 2 : 0;

		n += put_prefixes(b + n, pfx, npfx);
		if (c4) {
			b[n++] = 0xc4;
			b[n++] = (uint8_t)((rex_r ? 0 : 0x80) | (m.rex_x ? 0 : 0x40) |
					   (m.rex_b ? 0 : 0x20) | (f->vexmap2 ? 2 : 1));
			b[n++] = (uint8_t)((vw << 7) | (15 << 3) | (vl << 2) | pp);
		} else {
			b[n++] = 0xc5;
			b[n++] = (uint8_t)((rex_r ? 0 : 0x80) | (15 << 3) | (vl << 2) | pp);
		}
		b[n++] = f->vexmap2 ? f->opc[2] : f->opc[1];
	} else {
		uint8_t rex = (uint8_t)((rex_w ? 8 : 0) | (rex_r ? 4 : 0) | (m.rex_x ? 2 : 0) |
					(m.rex_b ? 1 : 0));

		n += put_prefixes(b + n, pfx, npfx);
		if (rex || rex40 || rnd(8) == 0)
			b[n++] = 0x40 | rex;
		memcpy(b + n, f->opc, f->nopc);
		n += f->nopc;
	}
	b[n++] = (uint8_t)(m.modrm_rm_bits | (((f->ext >= 0 ? f->ext : reg) & 7) << 3));
	if (m.has_sib)
		b[n++] = m.sib;
	if (m.rip)
		rip_at = n;
	memcpy(b + n, m.disp, m.ndisp);
	n += m.ndisp;
	for (i = 0; i < imm_len; i++)
		b[n++] = (uint8_t)(imm >> (8 * i));
	if (m.rip) {
		/* relative to the end of the instruction, in the code page */
		int64_t d = (int64_t)(m.rip_target - ((uint64_t)(uintptr_t)code + n));

		if (m.addr32)
			d = (int32_t)(uint32_t)(m.rip_target - ((uint64_t)(uintptr_t)code + n));
		if (d != (int32_t)d)
			return -1;
		for (i = 0; i < 4; i++)
			b[rip_at + i] = (uint8_t)((uint64_t)d >> (8 * i));
	}
	g->len = n;
	g->reg = reg;
	if (n > 15)
		return -1;
	if ((f->movdiri && !have_movdiri) || (f->movdir64b && !have_movdir64b))
		g->native = 0;
	snprintf(g->desc, sizeof(g->desc), "%s size %u reg %d lock %d seg %#x a32 %d rip %d",
		 f->name, size, reg, lock, m.seg, m.addr32, m.rip);
	cov.rip += m.rip;
	cov.addr32 += m.addr32;
	cov.fs += m.seg == 0x64;
	cov.gs += m.seg == 0x65;
	cov.sib_index += m.has_sib && ((m.sib >> 3) & 7) != 4;
	cov.no_base += m.has_sib && (m.sib & 7) == 5 && !(m.modrm_rm_bits >> 6);
	cov.lock += lock;
	cov.rex_high += rex_r;
	cov.high8 += f->byte_reg && reg >= 4 && reg < 8 && !rex40 && !rex_w && !rex_r &&
		     !m.rex_x && !m.rex_b;
	return 0;
}

/* ---- running and comparing --------------------------------------------- */

static uint64_t defined_flags(const struct form *f)
{
	uint64_t all = PCIEM_FLAG_CF | PCIEM_FLAG_PF | PCIEM_FLAG_AF | PCIEM_FLAG_ZF |
		       PCIEM_FLAG_SF | PCIEM_FLAG_OF | PCIEM_FLAG_DF;

	switch (f->fclass) {
	case C_LOGIC:
		return all & ~PCIEM_FLAG_AF;
	case C_BT:
		return PCIEM_FLAG_CF | PCIEM_FLAG_ZF | PCIEM_FLAG_DF;
	default:
		return all;
	}
}

static void dump_case(const struct gen *g)
{
	unsigned int i;

	fprintf(stderr, "  bytes:");
	for (i = 0; i < g->len; i++)
		fprintf(stderr, " %02x", g->bytes[i]);
	fprintf(stderr, "  (%s)\n", g->desc);
	for (i = 0; i < 16; i++)
		fprintf(stderr, "  in gpr%-2u %016" PRIx64 "%s", i, g->in.gpr[i],
			i % 2 ? "\n" : "");
	fprintf(stderr, "  in flags %#" PRIx64 "\n", g->in.flags);
}

/*
 * The expected result of a form the CPU lacks, computed by hand: movdiri is
 * a plain store of the register's low 4 or 8 bytes, movdir64b a copy of 64
 * bytes from the memory operand to the address in the register.  Neither
 * changes a register or a flag.
 */
static void expect_by_hand(const struct form *f, const struct gen *g, struct diff_cpu *out,
			   uint8_t *mem)
{
	uint64_t base = (uint64_t)(uintptr_t)data;

	*out = g->in;
	memcpy(mem, g->mem, DATA_SIZE);
	if (f->movdiri)
		memcpy(mem + (g->ea - base), &g->in.gpr[g->reg], g->size);
	else if (f->movdir64b)
		memcpy(mem + (g->dst - base), g->mem + (g->ea - base), 64);
	else
		fail_msg("%s: no computed expectation", f->name);
}

static unsigned long total_cases, native_cases, hand_cases;


static int run_case(const struct form *f, struct gen *g, unsigned long idx)
{
	struct pciem_insn in;
	struct pciem_insn_regs r;
	static struct emu e;
	static uint8_t native_mem[DATA_SIZE];
	struct diff_cpu nat;
	uint64_t mask = defined_flags(f);
	int ret, i, bad = 0, vbytes = have_avx ? 32 : 16;
	unsigned long max_elems = f->string ? rnd(4) : 0;
	unsigned int rounds = 0;

	ret = pciem_insn_decode(g->bytes, g->len, &in);
	if (ret || in.len != g->len) {
		fprintf(stderr, "%s case %lu: decode returned %d len %u, want len %u\n",
			f->name, idx, ret, in.len, g->len);
		dump_case(g);
		return 1;
	}

	/* The emulator. */
	memset(&e, 0, sizeof(e));
	e.fail_after = -1;
	memcpy(e.mem, g->mem, DATA_SIZE);
	memcpy(e.vec, g->in.vec, sizeof(e.vec));
	memcpy(r.gpr, g->in.gpr, sizeof(r.gpr));
	r.flags = g->in.flags | 0x202;
	r.ip = (uint64_t)(uintptr_t)code;
	do {
		e.nlog = 0;
		ret = pciem_insn_emulate(&in, &r, &emu_ops, &e, max_elems);
		if (ret == PCIEM_INSN_PARTIAL && r.ip != (uint64_t)(uintptr_t)code) {
			fprintf(stderr, "%s case %lu: PARTIAL moved ip\n", f->name, idx);
			return 1;
		}
		cov.partial += ret == PCIEM_INSN_PARTIAL;
	} while (ret == PCIEM_INSN_PARTIAL && ++rounds < 100);
	if (ret != PCIEM_INSN_DONE) {
		fprintf(stderr, "%s case %lu: emulate returned %d (%s)\n", f->name, idx, ret,
			e.why ? e.why : "");
		dump_case(g);
		return 1;
	}
	if (r.ip != (uint64_t)(uintptr_t)code + g->len) {
		fprintf(stderr, "%s case %lu: ip %#" PRIx64 " not advanced by %u\n", f->name, idx,
			r.ip, g->len);
		return 1;
	}
	/* The documented order of memory calls for non-string instructions. */
	if (!f->string) {
		unsigned int nr = 0, nw = 0, k;

		for (k = 0; k < e.nlog; k++)
			e.log[k].kind == 'r' ? nr++ : nw++;
		if (nr > 1 || nw > 1 || (nr && nw && (e.log[0].kind != 'r' ||
			  (!f->movdir64b && (e.log[0].addr != e.log[1].addr ||
					     e.log[0].size != e.log[1].size))))) {
			fprintf(stderr, "%s case %lu: %u reads, %u writes, out of order\n",
				f->name, idx, nr, nw);
			dump_case(g);
			return 1;
		}
		if (f->clflush && (e.nflush != 1 || e.flushed != g->ea)) {
			fprintf(stderr, "%s case %lu: flushed %u times, at %#" PRIx64 " not %#" PRIx64 "\n",
				f->name, idx, e.nflush, e.flushed, g->ea);
			return 1;
		}
	}

	/* The CPU, or the expectation computed by hand. */
	if (g->native) {
		memcpy(data, g->mem, DATA_SIZE);
		memcpy(code, g->bytes, g->len);
		code[g->len] = 0xff;	/* jmp *0(%rip) */
		code[g->len + 1] = 0x25;
		memset(code + g->len + 2, 0, 4);
		{
			uint64_t back = (uint64_t)(uintptr_t)diff_ret;

			memcpy(code + g->len + 6, &back, 8);
		}
		diff_in = g->in;
		diff_run(code, have_avx);
		nat = diff_out;
		memcpy(native_mem, data, DATA_SIZE);
		native_cases++;
	} else {
		expect_by_hand(f, g, &nat, native_mem);
		hand_cases++;
	}
	total_cases++;

	for (i = 0; i < 16; i++) {
		if (r.gpr[i] != nat.gpr[i]) {
			fprintf(stderr, "%s case %lu: gpr%d emulated %016" PRIx64 " cpu %016" PRIx64 "\n",
				f->name, idx, i, r.gpr[i], nat.gpr[i]);
			bad = 1;
		}
	}
	if ((r.flags ^ nat.flags) & mask) {
		fprintf(stderr, "%s case %lu: flags emulated %#" PRIx64 " cpu %#" PRIx64 " (compared %#" PRIx64 ")\n",
			f->name, idx, r.flags & mask, nat.flags & mask, mask);
		bad = 1;
	}
	for (i = 0; i < 16; i++) {
		if (memcmp(e.vec[i], nat.vec[i], vbytes)) {
			fprintf(stderr, "%s case %lu: vector register %d differs\n", f->name, idx, i);
			bad = 1;
		}
	}
	if (memcmp(e.mem, native_mem, DATA_SIZE)) {
		for (i = 0; i < DATA_SIZE; i++) {
			if (e.mem[i] != native_mem[i]) {
				fprintf(stderr, "%s case %lu: memory at +%d emulated %02x cpu %02x\n",
					f->name, idx, i, e.mem[i], native_mem[i]);
				break;
			}
		}
		bad = 1;
	}
	if (bad)
		dump_case(g);
	return bad;
}

/* ---- setup -------------------------------------------------------------- */

static void detect_cpu(void)
{
	unsigned int a, b, c, d;

	if (__get_cpuid(1, &a, &b, &c, &d)) {
		/* AVX and OSXSAVE, then the OS must enable the ymm state. */
		if ((c & (1u << 28)) && (c & (1u << 27))) {
			uint32_t lo, hi;

			__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
			have_avx = (lo & 6) == 6;
		}
	}
	if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
		have_movdiri = !!(c & (1u << 27));
		have_movdir64b = !!(c & (1u << 28));
	}
}

static int setup(void **state)
{
	const char *s = getenv("PCIEM_DIFF_SEED");
	const char *nc = getenv("PCIEM_DIFF_CASES");
	uint64_t seed;

	(void)state;
	if (s && *s) {
		seed = strtoull(s, NULL, 0);
	} else {
		uint64_t t;

		__asm__ volatile("rdtsc; shl $32, %%rdx; or %%rdx, %%rax" : "=a"(t) : : "rdx");
		seed = t ^ ((uint64_t)getpid() << 32);
	}
	if (nc && *nc)
		cases_per_form = strtoul(nc, NULL, 0);
	rng_state = seed;
	printf("[ DIFF     ] seed %#" PRIx64 " (set PCIEM_DIFF_SEED to repeat), %lu cases per form\n",
	       seed, cases_per_form);

	detect_cpu();
	printf("[ DIFF     ] AVX: %s\n", have_avx ? "yes, the VEX forms run on the CPU" :
	       "NO: the VEX forms are SKIPPED (no AVX on this CPU or OS)");
	printf("[ DIFF     ] movdiri: %s; movdir64b: %s\n",
	       have_movdiri ? "on the CPU" : "not on this CPU, checked against a computed expectation",
	       have_movdir64b ? "on the CPU" : "not on this CPU, checked against a computed expectation");

	region = mmap(NULL, CODE_SIZE + DATA_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (region == MAP_FAILED) {
		perror("mmap");
		return -1;
	}
	code = region;
	data = region + CODE_SIZE;
	if (syscall(SYS_arch_prctl, ARCH_GET_FS, &fs_base) ||
	    syscall(SYS_arch_prctl, ARCH_SET_GS, GS_BASE)) {
		perror("arch_prctl");
		return -1;
	}
	build_forms();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	munmap(region, CODE_SIZE + DATA_SIZE);
	return 0;
}

static void test_differential(void **state)
{
	static struct gen g;
	unsigned long failures = 0, skipped_forms = 0;
	unsigned int fi;

	(void)state;
	for (fi = 0; fi < nforms; fi++) {
		const struct form *f = &forms[fi];
		unsigned long done = 0, tries = 0;

		if (f->vex && !have_avx) {
			skipped_forms++;
			continue;
		}
		while (done < cases_per_form && tries++ < 10 * cases_per_form) {
			if (gen_case(f, &g))
				continue;
			if (run_case(f, &g, done) && ++failures > 20)
				fail_msg("too many failures");
			done++;
		}
		if (done < cases_per_form)
			fail_msg("%s: could only generate %lu cases", f->name, done);
	}
	printf("[ DIFF     ] %u forms, %lu cases: %lu on the CPU, %lu against computed expectations; %lu VEX forms skipped\n",
	       nforms, total_cases, native_cases, hand_cases, skipped_forms);
	printf("[ DIFF     ] coverage: rip %lu, addr32 %lu, fs %lu, gs %lu, index %lu, no base %lu, lock %lu, reg 8-15 %lu, ah-bh %lu; strings: rep %lu, df %lu, addr32 %lu, segment %lu, partial %lu\n",
	       cov.rip, cov.addr32, cov.fs, cov.gs, cov.sib_index, cov.no_base, cov.lock,
	       cov.rex_high, cov.high8, cov.rep, cov.df, cov.str_a32, cov.str_seg, cov.partial);
	if (failures)
		fail_msg("%lu cases differ", failures);
	if (cases_per_form >= 100 &&
	    (!cov.rip || !cov.addr32 || !cov.fs || !cov.gs || !cov.sib_index || !cov.no_base ||
	     !cov.lock || !cov.rex_high || !cov.high8 || !cov.rep || !cov.df || !cov.str_a32 ||
	     !cov.str_seg || !cov.partial))
		fail_msg("the encoder missed a feature (see coverage)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_differential),
	};

	return cmocka_run_group_tests_name("pciem_insn_diff", tests, setup, teardown);
}
