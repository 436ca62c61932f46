// SPDX-License-Identifier: GPL-2.0
/*
 * Corpus of MMIO accesses as a driver compiles them, for the decoder test.
 *
 * Never linked or run: it is compiled with gcc and clang at several
 * optimisation levels, disassembled with objdump, and every instruction of
 * every function is handed to pciem_insn_decode() by test_corpus.c, which
 * checks the length, operation and sizes against objdump's text.
 *
 * The accessors below are written for this test in the manner of the x86
 * kernel's <asm/io.h>: a single asm volatile mov with an "m" operand for
 * the MMIO location, so the compiler chooses the addressing mode and the
 * register.  Next to them are the string forms of memcpy_{from,to}io and
 * memset_io, and plain volatile dereferences as some drivers use them.
 */
#include <stddef.h>
#include <stdint.h>

#define __iomem
#define noinline	__attribute__((noinline))

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;

#define MMIO8(a)	(*(volatile u8 *)(a))
#define MMIO16(a)	(*(volatile u16 *)(a))
#define MMIO32(a)	(*(volatile u32 *)(a))
#define MMIO64(a)	(*(volatile u64 *)(a))

/* readX: "=q" for bytes so that only byte-addressable registers are used. */
static inline u8 readb(const volatile void __iomem *a)
{
	u8 v;

	asm volatile("movb %1, %0" : "=q"(v) : "m"(MMIO8(a)) : "memory");
	return v;
}

static inline u16 readw(const volatile void __iomem *a)
{
	u16 v;

	asm volatile("movw %1, %0" : "=r"(v) : "m"(MMIO16(a)) : "memory");
	return v;
}

static inline u32 readl(const volatile void __iomem *a)
{
	u32 v;

	asm volatile("movl %1, %0" : "=r"(v) : "m"(MMIO32(a)) : "memory");
	return v;
}

static inline u64 readq(const volatile void __iomem *a)
{
	u64 v;

	asm volatile("movq %1, %0" : "=r"(v) : "m"(MMIO64(a)) : "memory");
	return v;
}

/* __raw_readX: same instruction, no compiler barrier. */
static inline u8 __raw_readb(const volatile void __iomem *a)
{
	u8 v;

	asm volatile("movb %1, %0" : "=q"(v) : "m"(MMIO8(a)));
	return v;
}

static inline u16 __raw_readw(const volatile void __iomem *a)
{
	u16 v;

	asm volatile("movw %1, %0" : "=r"(v) : "m"(MMIO16(a)));
	return v;
}

static inline u32 __raw_readl(const volatile void __iomem *a)
{
	u32 v;

	asm volatile("movl %1, %0" : "=r"(v) : "m"(MMIO32(a)));
	return v;
}

static inline u64 __raw_readq(const volatile void __iomem *a)
{
	u64 v;

	asm volatile("movq %1, %0" : "=r"(v) : "m"(MMIO64(a)));
	return v;
}

/* writeX: register source, as in older kernels. */
static inline void writeb(u8 v, volatile void __iomem *a)
{
	asm volatile("movb %0, %1" : : "q"(v), "m"(MMIO8(a)) : "memory");
}

static inline void writew(u16 v, volatile void __iomem *a)
{
	asm volatile("movw %0, %1" : : "r"(v), "m"(MMIO16(a)) : "memory");
}

static inline void writel(u32 v, volatile void __iomem *a)
{
	asm volatile("movl %0, %1" : : "r"(v), "m"(MMIO32(a)) : "memory");
}

static inline void writeq(u64 v, volatile void __iomem *a)
{
	asm volatile("movq %0, %1" : : "r"(v), "m"(MMIO64(a)) : "memory");
}

/* writeX_i: register or immediate source, as in newer kernels. */
static inline void writeb_i(u8 v, volatile void __iomem *a)
{
	asm volatile("movb %0, %1" : : "qi"(v), "m"(MMIO8(a)) : "memory");
}

static inline void writew_i(u16 v, volatile void __iomem *a)
{
	asm volatile("movw %0, %1" : : "ri"(v), "m"(MMIO16(a)) : "memory");
}

static inline void writel_i(u32 v, volatile void __iomem *a)
{
	asm volatile("movl %0, %1" : : "ri"(v), "m"(MMIO32(a)) : "memory");
}

static inline void writeq_i(u64 v, volatile void __iomem *a)
{
	asm volatile("movq %0, %1" : : "re"(v), "m"(MMIO64(a)) : "memory");
}

static inline void __raw_writeb(u8 v, volatile void __iomem *a)
{
	asm volatile("movb %0, %1" : : "q"(v), "m"(MMIO8(a)));
}

static inline void __raw_writew(u16 v, volatile void __iomem *a)
{
	asm volatile("movw %0, %1" : : "r"(v), "m"(MMIO16(a)));
}

static inline void __raw_writel(u32 v, volatile void __iomem *a)
{
	asm volatile("movl %0, %1" : : "r"(v), "m"(MMIO32(a)));
}

static inline void __raw_writeq(u64 v, volatile void __iomem *a)
{
	asm volatile("movq %0, %1" : : "r"(v), "m"(MMIO64(a)));
}

/* Port I/O, for ioreadX/iowriteX on a port cookie: not memory accesses. */
static inline u8 inb(u16 port)
{
	u8 v;

	asm volatile("inb %w1, %b0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u16 inw(u16 port)
{
	u16 v;

	asm volatile("inw %w1, %w0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u32 inl(u16 port)
{
	u32 v;

	asm volatile("inl %w1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outb(u8 v, u16 port)
{
	asm volatile("outb %b0, %w1" : : "a"(v), "Nd"(port));
}

static inline void outw(u16 v, u16 port)
{
	asm volatile("outw %w0, %w1" : : "a"(v), "Nd"(port));
}

static inline void outl(u32 v, u16 port)
{
	asm volatile("outl %0, %w1" : : "a"(v), "Nd"(port));
}

/* Cookies below this value are I/O ports (as lib/iomap.c does it). */
#define PIO_LIMIT	0x40000UL
#define IS_PIO(a)	((unsigned long)(a) < PIO_LIMIT)

/* ---------------------------------------------------------------------- */
/* Single accesses. */

noinline u8 acc_readb(void __iomem *b) { return readb(b); }
noinline u16 acc_readw(void __iomem *b) { return readw(b + 2); }
noinline u32 acc_readl(void __iomem *b) { return readl(b + 4); }
noinline u64 acc_readq(void __iomem *b) { return readq(b + 8); }
noinline u8 acc_raw_readb(void __iomem *b) { return __raw_readb(b + 0x7f); }
noinline u16 acc_raw_readw(void __iomem *b) { return __raw_readw(b - 0x80); }
noinline u32 acc_raw_readl(void __iomem *b) { return __raw_readl(b + 0x80); }
noinline u64 acc_raw_readq(void __iomem *b) { return __raw_readq(b + 0x12340); }

noinline void acc_writeb(void __iomem *b, u8 v) { writeb(v, b); }
noinline void acc_writew(void __iomem *b, u16 v) { writew(v, b + 0x10); }
noinline void acc_writel(void __iomem *b, u32 v) { writel(v, b + 0x100); }
noinline void acc_writeq(void __iomem *b, u64 v) { writeq(v, b + 0x1000); }
noinline void acc_raw_writeb(void __iomem *b, u8 v) { __raw_writeb(v, b + 1); }
noinline void acc_raw_writew(void __iomem *b, u16 v) { __raw_writew(v, b + 0x82); }
noinline void acc_raw_writel(void __iomem *b, u32 v) { __raw_writel(v, b + 0x7c); }
noinline void acc_raw_writeq(void __iomem *b, u64 v) { __raw_writeq(v, b + 0xff8); }

/* Byte written from the high byte of a value: may use %ah..%bh. */
noinline void acc_writeb_high(void __iomem *b, u32 v)
{
	writeb(v >> 8, b);
	writeb(v >> 24, b + 1);
}

/* Constants through a register and as immediates. */
noinline void acc_write_consts(void __iomem *b)
{
	writeb(1, b);
	writew(0xbeef, b + 2);
	writel(0x12345678, b + 0x80);
	writeq(0x1122334455667788ull, b + 0x100);
	writel(0, b + 0x200);
	writel(0xffffffff, b + 0x204);
}

noinline void acc_write_imms(void __iomem *b)
{
	writeb_i(1, b);
	writeb_i(0xff, b + 0x7f);
	writew_i(0xbeef, b + 2);
	writew_i(0x8000, b + 0x1002);
	writel_i(0x12345678, b + 0x80);
	writel_i(0x80000000u, b + 4);
	writel_i(0, b + 0x200);
	writeq_i(-1ll, b + 0x100);
	writeq_i(0x7fffffff, b + 0x108);
	writeq_i(-0x80000000ll, b + 0x110);
	writeq_i(0x1122334455667788ull, b + 0x118);
}

/* Base + index, the compiler picks SIB forms. */
noinline u32 acc_readl_idx(void __iomem *b, unsigned long i) { return readl(b + i * 4); }
noinline u64 acc_readq_idx(void __iomem *b, unsigned long i) { return readq(b + 0x40 + i * 8); }
noinline u16 acc_readw_idx(void __iomem *b, unsigned long i) { return readw(b + 0x400 + i * 2); }
noinline u8 acc_readb_idx(void __iomem *b, unsigned long i) { return readb(b + i); }
noinline void acc_writel_idx(void __iomem *b, unsigned long i, u32 v) { writel(v, b + i * 4 + 8); }
noinline void acc_writeq_idx(void __iomem *b, long i, u64 v) { writeq(v, b + i * 8 - 8); }
noinline void acc_writew_idx(void __iomem *b, unsigned long i, u16 v)
{
	writew(v, b + 0x2000 + i * 2);
}

noinline void acc_writeb_idx_imm(void __iomem *b, unsigned long i) { writeb_i(0x5a, b + i); }
noinline void acc_writel_idx_imm(void __iomem *b, unsigned long i)
{
	writel_i(0xdeadbeef, b + i * 4 + 0x100);
}

/* Fixed, fixmap-like addresses: absolute disp32 (SIB without base) or moffs64. */
noinline u32 acc_readl_fixmap(void) { return readl((void *)0xffffffffff5fe030ul); }
noinline void acc_writel_fixmap(u32 v) { writel(v, (void *)0xffffffffff5fe0b0ul); }
noinline u32 acc_readl_low(void) { return readl((void *)0x1000); }
noinline u32 acc_volatile_abs64_load(void) { return MMIO32(0x123400005678ull); }
noinline void acc_volatile_abs64_store(u32 v) { MMIO32(0x123400005670ull) = v; }
noinline u8 acc_volatile_abs64_loadb(void) { return MMIO8(0x123400005600ull); }
noinline void acc_volatile_abs64_storeq(u64 v) { MMIO64(0x123400005608ull) = v; }

/* ---------------------------------------------------------------------- */
/* A device register block with offsets beyond disp8. */

struct regs {
	u32 ctrl;			/* 0x000 */
	u32 status;			/* 0x004 */
	u8 pad0[0x78];
	u32 irq_mask;			/* 0x080 */
	u32 irq_status;			/* 0x084 */
	u8 pad1[0x178];
	u64 dma_addr;			/* 0x200 */
	u16 dma_len;			/* 0x208 */
	u8 dma_ctl;			/* 0x20a */
	u8 pad2[0xdf5];
	u32 doorbell[64];		/* 0x1000 */
};

_Static_assert(offsetof(struct regs, irq_mask) == 0x80, "layout");
_Static_assert(offsetof(struct regs, dma_addr) == 0x200, "layout");
_Static_assert(offsetof(struct regs, doorbell) == 0x1000, "layout");

noinline void acc_regs_start(struct regs __iomem *r, u64 dma, u16 len)
{
	writel(0, &r->ctrl);
	writel(~0u, &r->irq_mask);
	writeq(dma, &r->dma_addr);
	writew(len, &r->dma_len);
	writeb(1, &r->dma_ctl);
	writel(readl(&r->ctrl) | 1, &r->ctrl);
}

noinline u32 acc_regs_irq(struct regs __iomem *r)
{
	u32 st = readl(&r->irq_status);

	writel(st, &r->irq_status);
	return st & readl(&r->irq_mask);
}

noinline void acc_regs_doorbell(struct regs __iomem *r, unsigned int q, u32 v)
{
	writel(v, &r->doorbell[q & 63]);
}

noinline u32 acc_regs_doorbell_read(struct regs __iomem *r, unsigned int q)
{
	return readl(&r->doorbell[q]);
}

/*
 * Register pressure: many values live across the accesses, so the
 * compiler has to use r8..r15, rbx and rbp as data, base and index.
 */
noinline void acc_pressure(void __iomem *b0, void __iomem *b1, void __iomem *b2,
			   void __iomem *b3, void __iomem *b4, void __iomem *b5)
{
	u32 v0 = readl(b0), v1 = readl(b1 + 4), v2 = readl(b2 + 8);
	u32 v3 = readl(b3 + 0xc), v4 = readl(b4 + 0x10), v5 = readl(b5 + 0x14);
	u64 q0 = readq(b0 + 0x100), q1 = readq(b1 + 0x108), q2 = readq(b2 + 0x110);
	u64 q3 = readq(b3 + 0x118), q4 = readq(b4 + 0x120), q5 = readq(b5 + 0x128);
	u16 w0 = readw(b0 + 0x80), w1 = readw(b1 + 0x82), w2 = readw(b2 + 0x84);
	u8 c0 = readb(b3 + 0x7f), c1 = readb(b4 + 0x7e), c2 = readb(b5 + 0x7d);

	writel(v5, b0 + 0x14);
	writel(v4, b1 + 0x10);
	writel(v3, b2 + 0xc);
	writel(v2, b3 + 8);
	writel(v1, b4 + 4);
	writel(v0, b5);
	writeq(q5, b0 + 0x128);
	writeq(q4, b1 + 0x120);
	writeq(q3, b2 + 0x118);
	writeq(q2, b3 + 0x110);
	writeq(q1, b4 + 0x108);
	writeq(q0, b5 + 0x100);
	writew(w2, b3 + 0x84);
	writew(w1, b4 + 0x82);
	writew(w0, b5 + 0x80);
	writeb(c2, b0 + 0x7d);
	writeb(c1, b1 + 0x7e);
	writeb(c0, b2 + 0x7f);
}

noinline u64 acc_pressure_idx(void __iomem *b, unsigned long i, unsigned long j,
			      unsigned long k, unsigned long l, unsigned long m)
{
	u64 s = 0;
	u32 a[12];
	int n;

	for (n = 0; n < 12; n++)
		a[n] = readl(b + ((i + n) & 0xff) * 4);
	for (n = 0; n < 12; n++) {
		writel(a[n] ^ (u32)j, b + 0x400 + ((k + n) & 0x3f) * 8);
		s += readb(b + ((l + n) & 0x7f)) + readw(b + 0x800 + ((m + n) & 0xf) * 2);
	}
	return s;
}

/*
 * Bases and indices that must survive calls live in the callee-saved
 * rbx, rbp and r12..r15 (r12 needs a SIB byte, r13 a displacement), as
 * when a driver polls around udelay() or a lock.  Never linked, so the
 * callee need not exist.
 */
void acc_ext_delay(void);

noinline u32 acc_across_calls(void __iomem *b0, void __iomem *b1, void __iomem *b2,
			      void __iomem *b3, void __iomem *b4, void __iomem *b5)
{
	u32 s = readl(b0 + 0x10);

	acc_ext_delay();
	s += readl(b1 + 0x14);
	acc_ext_delay();
	writel(s, b2 + 0x18);
	acc_ext_delay();
	writeq(s, b3);
	acc_ext_delay();
	writeb(s, b4 + 0x80);
	acc_ext_delay();
	writew(s, b5 + 0x1000);
	acc_ext_delay();
	writel_i(0x12345678, b4);
	acc_ext_delay();
	return s + readl(b0) + readl(b1) + readl(b2) + readw(b3) + readb(b4) + (u32)readq(b5);
}

noinline u64 acc_across_calls_idx(void __iomem *b, unsigned long i, unsigned long j,
				  unsigned long k, unsigned long l)
{
	u64 s = readq(b + i * 8);

	acc_ext_delay();
	s += readl(b + j * 4 + 0x100);
	acc_ext_delay();
	writew(s, b + k * 2);
	acc_ext_delay();
	writeb_i(7, b + l + 0x7f);
	acc_ext_delay();
	return s + readl(b + i * 4) + readl(b + j * 4) + readb(b + k) + readw(b + l * 2 - 2);
}

/* A loop over a table of bases kept in many registers. */
noinline void acc_pressure_loop(void __iomem *const *bars, u32 *out, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		void __iomem *b = bars[i & 7];

		out[i * 4] = readl(b + 0x10);
		out[i * 4 + 1] = readw(b + 0x14);
		out[i * 4 + 2] = readb(b + 0x16);
		out[i * 4 + 3] = (u32)readq(b + 0x18);
		writel(out[i * 4] + 1, b + 0x20);
	}
}

/* ---------------------------------------------------------------------- */
/* ioreadX / iowriteX, with port cookies. */

noinline u8 acc_ioread8(void __iomem *a) { return IS_PIO(a) ? inb((unsigned long)a) : readb(a); }
noinline u16 acc_ioread16(void __iomem *a)
{
	return IS_PIO(a) ? inw((unsigned long)a) : readw(a);
}

noinline u32 acc_ioread32(void __iomem *a) { return IS_PIO(a) ? inl((unsigned long)a) : readl(a); }
noinline void acc_iowrite8(u8 v, void __iomem *a)
{
	if (IS_PIO(a))
		outb(v, (unsigned long)a);
	else
		writeb(v, a);
}

noinline void acc_iowrite16(u16 v, void __iomem *a)
{
	if (IS_PIO(a))
		outw(v, (unsigned long)a);
	else
		writew(v, a);
}

noinline void acc_iowrite32(u32 v, void __iomem *a)
{
	if (IS_PIO(a))
		outl(v, (unsigned long)a);
	else
		writel(v, a);
}

/* Big-endian: mov then bswap (the bswap has no memory operand). */
noinline u32 acc_ioread32be(void __iomem *a) { return __builtin_bswap32(readl(a)); }
noinline u16 acc_ioread16be(void __iomem *a) { return __builtin_bswap16(readw(a)); }
noinline void acc_iowrite32be(u32 v, void __iomem *a) { writel(__builtin_bswap32(v), a); }
noinline u64 acc_readq_be(void __iomem *a) { return __builtin_bswap64(readq(a + 0x40)); }

/* ---------------------------------------------------------------------- */
/* memcpy_fromio / memcpy_toio / memset_io. */

static inline void rep_movsb(void *d, const volatile void *s, size_t n)
{
	asm volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}

static inline void rep_movsq(void *d, const volatile void *s, size_t n)
{
	asm volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}

static inline void rep_stosb(volatile void *d, u8 v, size_t n)
{
	asm volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(v) : "memory");
}

static inline void rep_stosq(volatile void *d, u64 v, size_t n)
{
	asm volatile("rep stosq" : "+D"(d), "+c"(n) : "a"(v) : "memory");
}

noinline void acc_memcpy_fromio_movsb(void *to, const void __iomem *from, size_t n)
{
	rep_movsb(to, from, n);
}

noinline void acc_memcpy_toio_movsb(void __iomem *to, const void *from, size_t n)
{
	rep_movsb(to, from, n);
}

/* Whole dwords with rep movsl, then a word and a byte: the 6.1 iomem.c shape. */
noinline void acc_memcpy_fromio_movsl(void *to, const void __iomem *from, size_t n)
{
	size_t d0, d1, d2;

	asm volatile("rep movsl\n\t"
		     "testb $2, %b4\n\t"
		     "je 1f\n\t"
		     "movsw\n"
		     "1:\ttestb $1, %b4\n\t"
		     "je 2f\n\t"
		     "movsb\n"
		     "2:"
		     : "=&c"(d0), "=&D"(d1), "=&S"(d2)
		     : "0"(n / 4), "q"(n), "1"(to), "2"(from)
		     : "memory");
}

noinline void acc_memcpy_toio_movsq(void __iomem *to, const void *from, size_t n)
{
	rep_movsq(to, from, n / 8);
	if (n & 7)
		rep_movsb(to + (n & ~7ul), from + (n & ~7ul), n & 7);
}

/* An aligned qword loop, the way a driver without string ops copies. */
noinline void acc_memcpy_fromio_loop(u64 *to, const void __iomem *from, size_t n)
{
	size_t i;

	for (i = 0; i < n / 8; i++)
		to[i] = readq(from + i * 8);
	for (i = n & ~7ul; i < n; i++)
		((u8 *)to)[i] = readb(from + i);
}

noinline void acc_memcpy_toio_loop(void __iomem *to, const u64 *from, size_t n)
{
	size_t i;

	for (i = 0; i < n / 8; i++)
		writeq(from[i], to + i * 8);
}

/* The head/tail byte handling for unaligned copies. */
noinline void acc_memcpy_toio_unaligned(void __iomem *to, const u8 *from, size_t n)
{
	while (n && ((unsigned long)to & 3)) {
		writeb(*from++, to++);
		n--;
	}
	while (n >= 4) {
		writel(*(const u32 *)from, to);
		from += 4;
		to += 4;
		n -= 4;
	}
	while (n--)
		writeb(*from++, to++);
}

noinline void acc_memset_io_stosb(void __iomem *d, int c, size_t n) { rep_stosb(d, c, n); }
noinline void acc_memset_io_stosq(void __iomem *d, int c, size_t n)
{
	u64 v = 0x0101010101010101ull * (u8)c;

	rep_stosq(d, v, n / 8);
	rep_stosb(d + (n & ~7ul), c, n & 7);
}

noinline void acc_memset_io_stosl(void __iomem *d, u32 v, size_t n)
{
	asm volatile("rep stosl" : "+D"(d), "+c"(n) : "a"(v) : "memory");
}

/* Eight qword stores per iteration, as the kernel's non-ERMS memset does. */
noinline void acc_memset_io_unrolled(void __iomem *d, u64 v, size_t n)
{
	for (; n >= 64; n -= 64, d += 64) {
		writeq(v, d);
		writeq(v, d + 8);
		writeq(v, d + 16);
		writeq(v, d + 24);
		writeq(v, d + 32);
		writeq(v, d + 40);
		writeq(v, d + 48);
		writeq(v, d + 56);
	}
	for (; n >= 8; n -= 8, d += 8)
		writeq(v, d);
}

noinline void acc_memset_io_zero_imm(void __iomem *d)
{
	int i;

	for (i = 0; i < 16; i++)
		writel_i(0, d + 0x100 + i * 4);
}

/* ---------------------------------------------------------------------- */
/* readsX / writesX: FIFO accesses, one register read many times. */

noinline void acc_readsl_loop(const void __iomem *a, u32 *buf, unsigned long n)
{
	while (n--)
		*buf++ = readl(a);
}

noinline void acc_readsw_loop(const void __iomem *a, u16 *buf, unsigned long n)
{
	while (n--)
		*buf++ = readw(a);
}

noinline void acc_readsb_loop(const void __iomem *a, u8 *buf, unsigned long n)
{
	while (n--)
		*buf++ = readb(a);
}

noinline void acc_writesl_loop(void __iomem *a, const u32 *buf, unsigned long n)
{
	while (n--)
		writel(*buf++, a);
}

noinline void acc_writesb_loop(void __iomem *a, const u8 *buf, unsigned long n)
{
	while (n--)
		writeb(*buf++, a);
}

noinline void acc_writesq_loop(void __iomem *a, const u64 *buf, unsigned long n)
{
	while (n--)
		writeq(*buf++, a);
}

/* The string-instruction counterparts (rep movs over a FIFO window). */
noinline void acc_readsl_rep(const void __iomem *a, u32 *buf, unsigned long n)
{
	asm volatile("rep movsl" : "+D"(buf), "+S"(a), "+c"(n) : : "memory");
}

noinline void acc_writesw_rep(void __iomem *a, const u16 *buf, unsigned long n)
{
	asm volatile("rep movsw" : "+D"(a), "+S"(buf), "+c"(n) : : "memory");
}

/* lods from the device, one element at a time. */
noinline u32 acc_readsl_lods(const void __iomem *a, u32 *buf, unsigned long n)
{
	u32 v = 0;

	while (n--) {
		const void __iomem *p = a;

		asm volatile("lodsl" : "=a"(v), "+S"(p) : : "memory");
		*buf++ = v;
	}
	return v;
}

noinline u8 acc_lodsb(const void __iomem *a)
{
	u8 v;

	asm volatile("lodsb" : "=a"(v), "+S"(a) : : "memory");
	return v;
}

noinline u64 acc_lodsq(const void __iomem *a)
{
	u64 v;

	asm volatile("lodsq" : "=a"(v), "+S"(a) : : "memory");
	return v;
}

noinline void acc_stos_single(void __iomem *a, u32 v)
{
	asm volatile("stosl" : "+D"(a) : "a"(v) : "memory");
	asm volatile("stosw" : "+D"(a) : "a"((u16)v) : "memory");
	asm volatile("stosb" : "+D"(a) : "a"((u8)v) : "memory");
	asm volatile("stosq" : "+D"(a) : "a"((u64)v) : "memory");
}

noinline void acc_movs_single(void __iomem *to, const void __iomem *from)
{
	asm volatile("movsb\n\tmovsw\n\tmovsl\n\tmovsq"
		     : "+D"(to), "+S"(from) : : "memory");
}

/* ---------------------------------------------------------------------- */
/* Plain volatile dereferences: movzx/movsx/movsxd and immediate stores. */

noinline unsigned int acc_volatile_u8(void __iomem *a) { return MMIO8(a + 3); }
noinline int acc_volatile_s8(void __iomem *a) { return *(volatile s8 *)(a + 3); }
noinline long acc_volatile_s8_long(void __iomem *a) { return *(volatile s8 *)a; }
noinline unsigned int acc_volatile_u16(void __iomem *a) { return MMIO16(a + 0x200); }
noinline int acc_volatile_s16(void __iomem *a) { return *(volatile s16 *)(a + 2); }
noinline long acc_volatile_s16_long(void __iomem *a) { return *(volatile s16 *)(a + 0x90); }
noinline long acc_volatile_s32(void __iomem *a) { return *(volatile s32 *)(a + 0x84); }
noinline u64 acc_volatile_u32(void __iomem *a) { return MMIO32(a + 0x84); }
noinline u64 acc_volatile_u64(void __iomem *a, long i) { return MMIO64(a + i * 8); }
noinline u64 acc_volatile_u8_to_u64(void __iomem *a, long i) { return MMIO8(a + i); }

noinline void acc_volatile_store_imm(void __iomem *a)
{
	MMIO8(a) = 0x81;
	MMIO16(a + 2) = 0x1234;
	MMIO32(a + 4) = 0x12345678;
	MMIO64(a + 8) = -2;
	MMIO64(a + 0x10) = 0x0000000080000000ull;
	MMIO64(a + 0x18) = 0x7fffffffull;
	MMIO32(a + 0x1000) = 0xffffffffu;
	MMIO8(a + 0x1004) = 0;
}

noinline void acc_volatile_store_reg(void __iomem *a, u8 b, u16 w, u32 l, u64 q)
{
	MMIO8(a + 0x10) = b;
	MMIO16(a + 0x12) = w;
	MMIO32(a + 0x14) = l;
	MMIO64(a + 0x18) = q;
	MMIO8(a + 0x20) = (u8)(w >> 8);
}

noinline void acc_volatile_rmw(void __iomem *a)
{
	MMIO32(a + 0x40) |= 0x100;
	MMIO8(a + 0x44) &= 0xfe;
	MMIO16(a + 0x46) += 1;
}

noinline u32 acc_volatile_poll(void __iomem *a)
{
	int n = 1000;

	while (!(MMIO32(a + 0x80) & 1) && --n)
		;
	return MMIO32(a + 0x84);
}

noinline void acc_volatile_copy(void __iomem *d, const void __iomem *s)
{
	int i;

	for (i = 0; i < 8; i++)
		MMIO32(d + i * 4) = MMIO32(s + i * 4);
}

/* ---------------------------------------------------------------------- */
/*
 * Read-modify-write accesses: what clang makes of volatile compound
 * assignments (gcc mostly loads, operates and stores), and the x86
 * kernel's bitops and atomics, written the way <asm/bitops.h> and
 * <asm/atomic.h> write them, applied to an MMIO pointer.
 */

noinline void acc_volatile_alu(void __iomem *a, u32 v, u8 c, u64 q)
{
	MMIO32(a + 0x10) ^= v;
	MMIO32(a + 0x14) += v;
	MMIO32(a + 0x18) -= v;
	MMIO32(a + 0x1c) &= v;
	MMIO8(a + 0x20) |= c;
	MMIO16(a + 0x22) ^= 0x8001;
	MMIO64(a + 0x28) += q;
	MMIO64(a + 0x30) |= 0x10;
	MMIO8(a + 0x38) -= 3;
	MMIO32(a + 0x3c) = ~MMIO32(a + 0x3c);
	MMIO32(a + 0x40) = -MMIO32(a + 0x40);
	MMIO16(a + 0x44) -= 1;
}

noinline int acc_volatile_cmp_test(void __iomem *a, u32 v)
{
	int r = 0;

	if (MMIO32(a + 0x10) == 5)
		r |= 1;
	if (MMIO8(a + 0x11) & 0x80)
		r |= 2;
	if (MMIO32(a + 0x14) & v)
		r |= 4;
	if (MMIO16(a + 0x18) > 0x100)
		r |= 8;
	if (MMIO64(a + 0x20) == 0)
		r |= 16;
	return r;
}

noinline u32 acc_volatile_add_to_reg(void __iomem *a, u32 v)
{
	return v + MMIO32(a + 0x30) + MMIO32(a + 0x34);
}

#define LOCK_PREFIX	"lock; "
#define BITOP_ADDR(a)	"+m"(*(volatile long *)(a))

static inline void set_bit(long nr, volatile void __iomem *a)
{
	if (__builtin_constant_p(nr))
		asm volatile(LOCK_PREFIX "orb %b1,%0"
			     : "+m"(*((volatile u8 *)a + (nr >> 3)))
			     : "iq"((u8)(1 << (nr & 7))) : "memory");
	else
		asm volatile(LOCK_PREFIX "btsq %1,%0" : BITOP_ADDR(a) : "r"(nr) : "memory");
}

static inline void clear_bit(long nr, volatile void __iomem *a)
{
	if (__builtin_constant_p(nr))
		asm volatile(LOCK_PREFIX "andb %b1,%0"
			     : "+m"(*((volatile u8 *)a + (nr >> 3)))
			     : "iq"((u8)~(1 << (nr & 7))) : "memory");
	else
		asm volatile(LOCK_PREFIX "btrq %1,%0" : BITOP_ADDR(a) : "r"(nr) : "memory");
}

static inline void change_bit(long nr, volatile void __iomem *a)
{
	asm volatile(LOCK_PREFIX "btcq %1,%0" : BITOP_ADDR(a) : "r"(nr) : "memory");
}

static inline void __set_bit(long nr, volatile void __iomem *a)
{
	asm volatile("btsq %1,%0" : BITOP_ADDR(a) : "r"(nr) : "memory");
}

static inline void __clear_bit(long nr, volatile void __iomem *a)
{
	asm volatile("btrq %1,%0" : BITOP_ADDR(a) : "r"(nr) : "memory");
}

static inline int test_and_set_bit(long nr, volatile void __iomem *a)
{
	unsigned char c;

	asm volatile(LOCK_PREFIX "btsq %2,%0; setc %1"
		     : BITOP_ADDR(a), "=qm"(c) : "r"(nr) : "memory");
	return c;
}

static inline int test_and_clear_bit_imm(volatile void __iomem *a)
{
	unsigned char c;

	asm volatile(LOCK_PREFIX "btrl $5,%0; setc %1"
		     : "+m"(*(volatile u32 *)a), "=qm"(c) : : "memory");
	return c;
}

static inline int variable_test_bit(long nr, const volatile void __iomem *a)
{
	unsigned char c;

	asm volatile("btq %2,%1; setc %0" : "=qm"(c) : "m"(*(const volatile long *)a), "r"(nr));
	return c;
}

noinline int acc_bitops(void __iomem *a, long nr)
{
	int r;

	set_bit(3, a);
	set_bit(nr, a + 8);
	clear_bit(12, a);
	clear_bit(nr, a + 0x10);
	change_bit(nr, a + 0x18);
	__set_bit(nr, a + 0x20);
	__clear_bit(nr, a + 0x28);
	r = test_and_set_bit(nr, a + 0x30);
	r += test_and_clear_bit_imm(a + 0x38);
	r += variable_test_bit(nr, a + 0x40);
	return r;
}

static inline void atomic_inc(volatile void __iomem *a)
{
	asm volatile(LOCK_PREFIX "incl %0" : "+m"(MMIO32(a)));
}

static inline void atomic_dec(volatile void __iomem *a)
{
	asm volatile(LOCK_PREFIX "decl %0" : "+m"(MMIO32(a)));
}

static inline void atomic_add(int i, volatile void __iomem *a)
{
	asm volatile(LOCK_PREFIX "addl %1,%0" : "+m"(MMIO32(a)) : "ir"(i));
}

static inline void atomic_sub(int i, volatile void __iomem *a)
{
	asm volatile(LOCK_PREFIX "subl %1,%0" : "+m"(MMIO32(a)) : "ir"(i));
}

static inline void atomic64_or(u64 i, volatile void __iomem *a)
{
	asm volatile(LOCK_PREFIX "orq %1,%0" : "+m"(MMIO64(a)) : "er"(i) : "memory");
}

static inline void atomic64_and(u64 i, volatile void __iomem *a)
{
	asm volatile(LOCK_PREFIX "andq %1,%0" : "+m"(MMIO64(a)) : "er"(i) : "memory");
}

static inline void atomic_xor(u32 i, volatile void __iomem *a)
{
	asm volatile(LOCK_PREFIX "xorl %1,%0" : "+m"(MMIO32(a)) : "ir"(i) : "memory");
}

static inline u32 xchg32(volatile void __iomem *a, u32 v)
{
	asm volatile("xchgl %0,%1" : "+r"(v), "+m"(MMIO32(a)) : : "memory");
	return v;
}

static inline u8 xchg8(volatile void __iomem *a, u8 v)
{
	asm volatile("xchgb %0,%1" : "+q"(v), "+m"(MMIO8(a)) : : "memory");
	return v;
}

static inline u32 cmpxchg32(volatile void __iomem *a, u32 old, u32 new)
{
	u32 ret;

	asm volatile(LOCK_PREFIX "cmpxchgl %2,%1"
		     : "=a"(ret), "+m"(MMIO32(a)) : "r"(new), "0"(old) : "memory");
	return ret;
}

static inline u64 cmpxchg64_local(volatile void __iomem *a, u64 old, u64 new)
{
	u64 ret;

	asm volatile("cmpxchgq %2,%1"
		     : "=a"(ret), "+m"(MMIO64(a)) : "r"(new), "0"(old) : "memory");
	return ret;
}

static inline u16 cmpxchg16(volatile void __iomem *a, u16 old, u16 new)
{
	u16 ret;

	asm volatile(LOCK_PREFIX "cmpxchgw %2,%1"
		     : "=a"(ret), "+m"(MMIO16(a)) : "r"(new), "0"(old) : "memory");
	return ret;
}

static inline u32 atomic_fetch_add(u32 i, volatile void __iomem *a)
{
	asm volatile(LOCK_PREFIX "xaddl %0,%1" : "+r"(i), "+m"(MMIO32(a)) : : "memory");
	return i;
}

static inline u64 fetch_add64(u64 i, volatile void __iomem *a)
{
	asm volatile(LOCK_PREFIX "xaddq %0,%1" : "+r"(i), "+m"(MMIO64(a)) : : "memory");
	return i;
}

noinline u64 acc_atomics(void __iomem *a, int i, u32 v, u64 q)
{
	u64 r = 0;

	atomic_inc(a);
	atomic_dec(a + 4);
	atomic_add(i, a + 8);
	atomic_add(5, a + 0xc);
	atomic_sub(i, a + 0x10);
	atomic64_or(q, a + 0x18);
	atomic64_and(0xff, a + 0x20);
	atomic_xor(v, a + 0x28);
	r += xchg32(a + 0x2c, v);
	r += xchg8(a + 0x30, (u8)v);
	r += cmpxchg32(a + 0x34, v, v + 1);
	r += cmpxchg64_local(a + 0x38, q, q + 1);
	r += cmpxchg16(a + 0x40, (u16)v, 0);
	r += atomic_fetch_add(v, a + 0x44);
	r += fetch_add64(q, a + 0x48);
	return r;
}

/* ---------------------------------------------------------------------- */
/* Byte-swapping, non-temporal and direct stores, cache flushes. */

static inline u32 movbe_read32(const volatile void __iomem *a)
{
	u32 v;

	asm volatile("movbe %1,%0" : "=r"(v) : "m"(MMIO32(a)));
	return v;
}

static inline void movbe_write16(u16 v, volatile void __iomem *a)
{
	asm volatile("movbe %1,%0" : "=m"(MMIO16(a)) : "r"(v));
}

static inline void movbe_write64(u64 v, volatile void __iomem *a)
{
	asm volatile("movbe %1,%0" : "=m"(MMIO64(a)) : "r"(v));
}

static inline void movnti32(u32 v, volatile void __iomem *a)
{
	asm volatile("movnti %1,%0" : "=m"(MMIO32(a)) : "r"(v));
}

static inline void movnti64(u64 v, volatile void __iomem *a)
{
	asm volatile("movnti %1,%0" : "=m"(MMIO64(a)) : "r"(v));
}

static inline void movdiri32(u32 v, volatile void __iomem *a)
{
	asm volatile("movdiri %1,%0" : "=m"(MMIO32(a)) : "r"(v));
}

static inline void movdiri64(u64 v, volatile void __iomem *a)
{
	asm volatile("movdiri %1,%0" : "=m"(MMIO64(a)) : "r"(v));
}

/* As the kernel's movdir64b(): destination address in a register. */
static inline void movdir64b(volatile void __iomem *dst, const void *src)
{
	const struct { char b[64]; } *s = src;
	struct { char b[64]; } __iomem *d = (void *)dst;

	asm volatile("movdir64b %1,%0" : "+r"(d) : "m"(*s) : "memory");
}

static inline void clflush(volatile void __iomem *a)
{
	asm volatile("clflush %0" : "+m"(MMIO8(a)));
}

static inline void clflushopt(volatile void __iomem *a)
{
	asm volatile("clflushopt %0" : "+m"(MMIO8(a)));
}

noinline u32 acc_special_stores(void __iomem *a, const void *buf, u32 v, u64 q)
{
	u32 r = movbe_read32(a);

	movbe_write16((u16)v, a + 4);
	movbe_write64(q, a + 8);
	movnti32(v, a + 0x10);
	movnti64(q, a + 0x18);
	movdiri32(v, a + 0x20);
	movdiri64(q, a + 0x28);
	movdir64b(a + 0x40, buf);
	clflush(a + 0x80);
	clflushopt(a + 0xc0);
	return r;
}

/* ---------------------------------------------------------------------- */
/*
 * SSE and AVX moves, as memcpy_{to,from}io-like helpers built with vector
 * instructions compile them (not in the kernel-flags build, which has no
 * SSE).
 */
#ifdef __SSE2__
#include <immintrin.h>

noinline void acc_sse_copy(void __iomem *d, const void __iomem *s)
{
	__m128i v = _mm_loadu_si128((const __m128i *)s);
	__m128i w = _mm_load_si128((const __m128i *)s + 1);

	_mm_storeu_si128((__m128i *)d, v);
	_mm_store_si128((__m128i *)d + 1, w);
	_mm_stream_si128((__m128i *)d + 2, v);
	_mm_storeu_ps((float *)d + 12, _mm_loadu_ps((const float *)s + 12));
	_mm_store_ps((float *)d + 16, _mm_load_ps((const float *)s + 16));
	_mm_storeu_pd((double *)d + 10, _mm_loadu_pd((const double *)s + 10));
	asm volatile("" ::: "memory");
}

noinline u64 acc_sse_movd_movq(void __iomem *d, const void __iomem *s)
{
	__m128i v = _mm_cvtsi32_si128(*(const volatile int *)s);
	__m128i w = _mm_loadl_epi64((const __m128i *)s + 1);

	*(volatile int *)d = _mm_cvtsi128_si32(_mm_add_epi32(v, w));
	_mm_storel_epi64((__m128i *)d + 1, _mm_add_epi64(v, w));
	return (u64)_mm_cvtsi128_si64(w);
}

__attribute__((target("sse4.1"))) noinline void acc_sse_stream_load(void __iomem *d,
								     void __iomem *s)
{
	__m128i v = _mm_stream_load_si128((__m128i *)s);

	_mm_stream_si128((__m128i *)d, v);
}

/* The asm forms, whatever the compiler prefers. */
noinline void acc_sse_asm(void __iomem *d, const void __iomem *s)
{
	__m128i v;

	asm volatile("movdqu %1,%0" : "=x"(v) : "m"(*(const volatile __m128i *)s));
	asm volatile("movdqa %1,%0" : "=m"(*(volatile __m128i *)d) : "x"(v));
	asm volatile("movntdq %1,%0" : "=m"(*((volatile __m128i *)d + 1)) : "x"(v));
	asm volatile("movaps %1,%0" : "=x"(v) : "m"(*((const volatile __m128i *)s + 2)));
	asm volatile("movups %1,%0" : "=m"(*((volatile __m128i *)d + 3)) : "x"(v));
	asm volatile("movdqu %1,%0" : "=m"(*((volatile __m128i *)d + 4)) : "x"(v));
	asm volatile("movd %1,%0" : "=x"(v) : "m"(*((const volatile u32 *)s + 20)));
	asm volatile("movq %1,%0" : "=m"(*((volatile u64 *)d + 11)) : "x"(v));
}

__attribute__((target("avx2"))) noinline void acc_avx_copy(void __iomem *d,
							   const void __iomem *s)
{
	__m256i v = _mm256_loadu_si256((const __m256i *)s);
	__m256i w = _mm256_load_si256((const __m256i *)s + 1);
	__m128i x = _mm_loadu_si128((const __m128i *)s + 4);

	_mm256_storeu_si256((__m256i *)d, v);
	_mm256_store_si256((__m256i *)d + 1, w);
	_mm256_stream_si256((__m256i *)d + 2, v);
	_mm_storeu_si128((__m128i *)d + 6, x);
	_mm256_storeu_ps((float *)d + 32, _mm256_loadu_ps((const float *)s + 32));
	_mm256_store_pd((double *)d + 20, _mm256_load_pd((const double *)s + 20));
	asm volatile("" ::: "memory");
}

__attribute__((target("avx2"))) noinline void acc_avx_stream_load(void __iomem *d,
								  void __iomem *s)
{
	__m256i v = _mm256_stream_load_si256((__m256i *)s);

	_mm256_stream_si256((__m256i *)d, v);
}

__attribute__((target("avx2"))) noinline void acc_avx_asm(void __iomem *d,
							  const void __iomem *s)
{
	__m256i v;
	__m128i x;

	asm volatile("vmovdqu %1,%0" : "=x"(v) : "m"(*(const volatile __m256i *)s));
	asm volatile("vmovdqa %1,%0" : "=m"(*(volatile __m256i *)d) : "x"(v));
	asm volatile("vmovdqu %1,%0" : "=x"(x) : "m"(*((const volatile __m128i *)s + 4)));
	asm volatile("vmovdqu %1,%0" : "=m"(*((volatile __m128i *)d + 4)) : "x"(x));
	asm volatile("vmovd %1,%0" : "=m"(*((volatile u32 *)d + 40)) : "x"(x));
	asm volatile("vmovq %1,%0" : "=x"(x) : "m"(*((const volatile u64 *)s + 21)));
	asm volatile("vmovups %1,%0" : "=m"(*((volatile __m128i *)d + 6)) : "x"(x));
}
#endif /* __SSE2__ */
