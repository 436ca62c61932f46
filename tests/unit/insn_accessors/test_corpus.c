// SPDX-License-Identifier: GPL-2.0
/*
 * Cross-check of the MMIO instruction decoder against objdump.
 *
 * Usage: test_insn_corpus [-q] NAME=FILE.dis ...
 *
 * Each FILE.dis is the output of `objdump -d -w -z` (or -D for raw binary)
 * on compiler-generated code: accessors.c built with gcc and clang at
 * several levels, asm_forms.S through both assemblers, and a stream of
 * random instruction-like bytes.  Every instruction line is decoded twice
 * with pciem_insn_decode(): with exactly objdump's bytes and with the bytes
 * that follow it in the section.  The expected result is worked out from
 * objdump's AT&T text alone (never from the bytes):
 *
 *   - a mov/movzx/movsx/movslq/movs/stos/lods with a memory operand must
 *     decode to the length objdump shows, with the operation, memory size,
 *     register, register size, high-byte flag, rep, address size and
 *     immediate that the text implies;
 *   - every other instruction, and those with lock, repnz or a rep that is
 *     not on a string op, must be rejected (-1).
 *
 * A variant whose name starts with gcc- or clang- must also contain the
 * forms listed in compiled_required[], so that a broken build of the corpus
 * (no code, wrong flags, objdump format change) fails instead of passing
 * on nothing.  One summary line per variant tells which forms were seen.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pciem_insn.h"

#define MAX_LINE	4096
#define MAX_BYTES	32

struct line {
	uint64_t addr;
	uint8_t bytes[MAX_BYTES];
	unsigned int n;
	unsigned int func;	/* index into the function names */
	char *text;
};

struct summary;

struct variant {
	const char *name;
	const char *path;
	struct line *lines;
	size_t nlines;
	char **funcs;
	size_t nfuncs;
	struct summary *summary;
};

static int quiet;

/* ---------------------------------------------------------------------- */
/* Reading objdump output. */

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	return d;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* "  4f:\t8b 07     \tmov    (%rdi),%eax" */
static int parse_insn_line(const char *s, struct line *l)
{
	const char *tab;
	char *end;
	int hi, lo;

	while (*s == ' ')
		s++;
	l->addr = strtoull(s, &end, 16);
	if (end == s || end[0] != ':' || end[1] != '\t')
		return 0;
	s = end + 2;
	tab = strchr(s, '\t');
	if (!tab)
		return 0;	/* bytes without text */
	l->n = 0;
	while (s < tab) {
		if (*s == ' ') {
			s++;
			continue;
		}
		hi = hexval(s[0]);
		lo = hexval(s[1]);
		if (hi < 0 || lo < 0 || l->n >= MAX_BYTES)
			return 0;
		l->bytes[l->n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	if (!l->n)
		return 0;
	l->text = xstrdup(tab + 1);
	return 1;
}

static int load_variant(struct variant *v)
{
	char buf[MAX_LINE];
	FILE *f = fopen(v->path, "r");
	size_t cap = 0;
	char *p;

	if (!f) {
		perror(v->path);
		return -1;
	}
	while (fgets(buf, sizeof(buf), f)) {
		struct line l;

		buf[strcspn(buf, "\n")] = 0;
		/* "0000000000000010 <acc_readw>:" */
		p = strstr(buf, " <");
		if (p && isxdigit((unsigned char)buf[0]) && p[strlen(p) - 1] == ':') {
			p += 2;
			p[strlen(p) - 2] = 0;
			v->funcs = xrealloc(v->funcs, (v->nfuncs + 1) * sizeof(*v->funcs));
			v->funcs[v->nfuncs++] = xstrdup(p);
			continue;
		}
		if (!v->nfuncs || !parse_insn_line(buf, &l))
			continue;
		l.func = v->nfuncs - 1;
		if (v->nlines == cap) {
			cap = cap ? cap * 2 : 1024;
			v->lines = xrealloc(v->lines, cap * sizeof(*v->lines));
		}
		v->lines[v->nlines++] = l;
	}
	fclose(f);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* What objdump's text says the decoder must return. */

struct expect {
	int ret;		/* 0 or PCIEM_INSN_EUNSUPP */
	int anything_but_ok;	/* (bad), prefix-only lines: any error is fine */
	/*
	 * The text cannot tell (a prefix objdump prints the same way whether
	 * it makes the instruction invalid or not): either an error or a
	 * decoding of the right length and operation is fine.
	 */
	int either;
	struct pciem_insn insn;	/* len filled in by the caller */
	int mem_access;		/* accesses memory, by its text (for the summary) */
	char mnemonic[32];
	char mode[24];		/* addressing mode, for the summary */
};

struct gpr {
	const char *name;
	uint8_t num, size, high8;
};

static const struct gpr gprs[] = {
	{ "al", 0, 1, 0 }, { "cl", 1, 1, 0 }, { "dl", 2, 1, 0 }, { "bl", 3, 1, 0 },
	{ "ah", 0, 1, 1 }, { "ch", 1, 1, 1 }, { "dh", 2, 1, 1 }, { "bh", 3, 1, 1 },
	{ "spl", 4, 1, 0 }, { "bpl", 5, 1, 0 }, { "sil", 6, 1, 0 }, { "dil", 7, 1, 0 },
	{ "ax", 0, 2, 0 }, { "cx", 1, 2, 0 }, { "dx", 2, 2, 0 }, { "bx", 3, 2, 0 },
	{ "sp", 4, 2, 0 }, { "bp", 5, 2, 0 }, { "si", 6, 2, 0 }, { "di", 7, 2, 0 },
	{ "eax", 0, 4, 0 }, { "ecx", 1, 4, 0 }, { "edx", 2, 4, 0 }, { "ebx", 3, 4, 0 },
	{ "esp", 4, 4, 0 }, { "ebp", 5, 4, 0 }, { "esi", 6, 4, 0 }, { "edi", 7, 4, 0 },
	{ "rax", 0, 8, 0 }, { "rcx", 1, 8, 0 }, { "rdx", 2, 8, 0 }, { "rbx", 3, 8, 0 },
	{ "rsp", 4, 8, 0 }, { "rbp", 5, 8, 0 }, { "rsi", 6, 8, 0 }, { "rdi", 7, 8, 0 },
};

/* "%r11d" -> 11, 4 bytes.  Returns 0 if @op is not a general register. */
static int parse_gpr(const char *op, struct gpr *g)
{
	char *end;
	unsigned long n;
	size_t i;

	if (op[0] != '%')
		return 0;
	op++;
	for (i = 0; i < sizeof(gprs) / sizeof(gprs[0]); i++) {
		if (!strcmp(op, gprs[i].name)) {
			*g = gprs[i];
			return 1;
		}
	}
	if (op[0] != 'r' || !isdigit((unsigned char)op[1]))
		return 0;
	n = strtoul(op + 1, &end, 10);
	if (n < 8 || n > 15)
		return 0;
	g->num = (uint8_t)n;
	g->high8 = 0;
	if (!strcmp(end, ""))
		g->size = 8;
	else if (!strcmp(end, "d"))
		g->size = 4;
	else if (!strcmp(end, "w"))
		g->size = 2;
	else if (!strcmp(end, "b"))
		g->size = 1;
	else
		return 0;
	return 1;
}

static int is_mem(const char *op)
{
	if (op[0] == '$')
		return 0;
	if (op[0] == '%' && !strchr(op, ':'))
		return 0;
	return op[0] != 0;
}

static int suffix_size(char c)
{
	switch (c) {
	case 'b': return 1;
	case 'w': return 2;
	case 'l': return 4;
	case 'q': return 8;
	}
	return 0;
}

/* 32-bit registers in an address: "(%edi)", "0x10(%r8d,%r9d,4)", "%eip". */
static int addr32_operand(const char *op)
{
	const char *p = strchr(op, '(');

	for (; p && *p; p++) {
		if (p[0] == '%' && p[1] == 'e')
			return 1;
		if (p[0] == '%' && p[1] == 'r' && isdigit((unsigned char)p[2])) {
			const char *q = p + 2;

			while (isdigit((unsigned char)*q))
				q++;
			if (*q == 'd')
				return 1;
		}
	}
	return 0;
}

/* Addressing mode of a ModRM memory operand, from its AT&T text. */
static void classify_mode(const char *op, char *mode, size_t sz)
{
	const char *colon = strchr(op, ':');
	const char *paren, *comma;
	long long disp = 0;
	int has_disp, has_base, has_index;

	if (op[0] == '%' && colon)
		op = colon + 1;
	paren = strchr(op, '(');
	if (!paren) {
		snprintf(mode, sz, "abs32");
		return;
	}
	if (strstr(paren, "%rip") || strstr(paren, "%eip")) {
		snprintf(mode, sz, "rip");
		return;
	}
	has_disp = paren != op;
	if (has_disp)
		disp = strtoll(op, NULL, 0);
	has_base = paren[1] == '%';
	comma = strchr(paren, ',');
	has_index = comma && comma[1] == '%' && strncmp(comma + 2, "riz", 3) &&
		    strncmp(comma + 2, "eiz", 3);
	snprintf(mode, sz, "%s%s%s",
		 !has_base ? "index" : has_index ? "sib" : "base",
		 !has_base || !has_disp ? "" : (disp >= -128 && disp <= 127) ? "+d8" : "+d32",
		 !has_base ? "+d32" : "");
	if (has_base && !has_index && (strstr(paren, "%rsp") || strstr(paren, "%r12") ||
				       strstr(paren, "%esp") || strstr(paren, "%r12d")))
		snprintf(mode, sz, "sib(base)%s",
			 !has_disp ? "" : (disp >= -128 && disp <= 127) ? "+d8" : "+d32");
}

/*
 * Does the instruction read or write memory, as far as the text tells?
 * Only for the summary of rejected instructions: lea, nop, prefetch,
 * jumps and port I/O have an operand that looks like memory but do not
 * access it (or not as data).
 */
static int accesses_memory(const char *m, char *const *op, int nops)
{
	static const char *const exact[] = { "lea", "call", "in", "out" };
	static const char *const prefix[] = { "nop", "prefetch", "clflush", "clwb", "j" };
	size_t i;
	int k;

	for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (!strcmp(m, exact[i]))
			return 0;
	for (i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++)
		if (!strncmp(m, prefix[i], strlen(prefix[i])))
			return 0;
	for (k = 0; k < nops; k++)
		if (strchr(op[k], '(') || (op[k][0] == '%' && strchr(op[k], ':')))
			return 1;
	return 0;
}

static int is_prefix_word(const char *w)
{
	static const char *const words[] = {
		"rep", "repz", "repe", "repnz", "repne", "lock", "cs", "ds", "es", "fs",
		"gs", "ss", "data16", "data32", "addr32", "addr16", "xacquire",
		"xrelease", "bnd", "notrack",
	};
	size_t i;

	if (!strncmp(w, "rex", 3))
		return 1;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(w, words[i]))
			return 1;
	return 0;
}


/* Forms beyond mov: what objdump's mnemonic (without size suffix) means. */
enum {
	NF_SUFFIX = 1,		/* may carry a b/w/l/q suffix */
	NF_LOCK = 2,		/* lock is legal with a memory destination */
	NF_VEC = 4,		/* xmm/ymm register operand */
	NF_66 = 8,		/* mandatory 66: a repeated one (data16) is fine */
	NF_F3 = 16,		/* mandatory F3: a repeated one (repz) is fine */
	NF_AMBIG = 32,		/* movq: 66 or F3 form, the text does not say */
};

static const struct newform {
	const char *m;
	uint8_t op, sub;
	unsigned int fl;
} newforms[] = {
	{ "add", PCIEM_INSN_ALU, PCIEM_ALU_ADD, NF_SUFFIX | NF_LOCK },
	{ "or", PCIEM_INSN_ALU, PCIEM_ALU_OR, NF_SUFFIX | NF_LOCK },
	{ "adc", PCIEM_INSN_ALU, PCIEM_ALU_ADC, NF_SUFFIX | NF_LOCK },
	{ "sbb", PCIEM_INSN_ALU, PCIEM_ALU_SBB, NF_SUFFIX | NF_LOCK },
	{ "and", PCIEM_INSN_ALU, PCIEM_ALU_AND, NF_SUFFIX | NF_LOCK },
	{ "sub", PCIEM_INSN_ALU, PCIEM_ALU_SUB, NF_SUFFIX | NF_LOCK },
	{ "xor", PCIEM_INSN_ALU, PCIEM_ALU_XOR, NF_SUFFIX | NF_LOCK },
	{ "cmp", PCIEM_INSN_ALU, PCIEM_ALU_CMP, NF_SUFFIX },
	{ "test", PCIEM_INSN_TEST, 0, NF_SUFFIX },
	{ "inc", PCIEM_INSN_INC, 0, NF_SUFFIX | NF_LOCK },
	{ "dec", PCIEM_INSN_DEC, 0, NF_SUFFIX | NF_LOCK },
	{ "not", PCIEM_INSN_NOT, 0, NF_SUFFIX | NF_LOCK },
	{ "neg", PCIEM_INSN_NEG, 0, NF_SUFFIX | NF_LOCK },
	{ "xchg", PCIEM_INSN_XCHG, 0, NF_SUFFIX | NF_LOCK },
	{ "xadd", PCIEM_INSN_XADD, 0, NF_SUFFIX | NF_LOCK },
	{ "cmpxchg", PCIEM_INSN_CMPXCHG, 0, NF_SUFFIX | NF_LOCK },
	{ "bt", PCIEM_INSN_BT, PCIEM_BT_BT, NF_SUFFIX },
	{ "bts", PCIEM_INSN_BT, PCIEM_BT_BTS, NF_SUFFIX | NF_LOCK },
	{ "btr", PCIEM_INSN_BT, PCIEM_BT_BTR, NF_SUFFIX | NF_LOCK },
	{ "btc", PCIEM_INSN_BT, PCIEM_BT_BTC, NF_SUFFIX | NF_LOCK },
	{ "movnti", PCIEM_INSN_STORE, 1, NF_SUFFIX },
	{ "movdiri", PCIEM_INSN_STORE, 2, NF_SUFFIX },
	{ "movbe", PCIEM_INSN_MOVBE, 0, NF_SUFFIX },
	{ "movdir64b", PCIEM_INSN_MOVDIR64B, 0, NF_66 },
	{ "clflush", PCIEM_INSN_CLFLUSH, 0, 0 },
	{ "clflushopt", PCIEM_INSN_CLFLUSH, 1, NF_66 },
	{ "movups", PCIEM_INSN_VLOAD, PCIEM_VEC_MOVUPS, NF_VEC },
	{ "movupd", PCIEM_INSN_VLOAD, PCIEM_VEC_MOVUPD, NF_VEC | NF_66 },
	{ "movaps", PCIEM_INSN_VLOAD, PCIEM_VEC_MOVAPS, NF_VEC },
	{ "movapd", PCIEM_INSN_VLOAD, PCIEM_VEC_MOVAPD, NF_VEC | NF_66 },
	{ "movdqu", PCIEM_INSN_VLOAD, PCIEM_VEC_MOVDQU, NF_VEC | NF_F3 },
	{ "movdqa", PCIEM_INSN_VLOAD, PCIEM_VEC_MOVDQA, NF_VEC | NF_66 },
	{ "movntdq", PCIEM_INSN_VLOAD, PCIEM_VEC_MOVNTDQ, NF_VEC | NF_66 },
	{ "movntps", PCIEM_INSN_VLOAD, PCIEM_VEC_MOVNTPS, NF_VEC },
	{ "movntpd", PCIEM_INSN_VLOAD, PCIEM_VEC_MOVNTPD, NF_VEC | NF_66 },
	{ "movntdqa", PCIEM_INSN_VLOAD, PCIEM_VEC_MOVNTDQA, NF_VEC | NF_66 },
	{ "movd", PCIEM_INSN_VLOAD, PCIEM_VEC_MOVD, NF_VEC | NF_66 },
	{ "movq", PCIEM_INSN_VLOAD, PCIEM_VEC_MOVQ, NF_VEC | NF_AMBIG },
};

/* "%xmm12" / "%ymm3" -> 12 / 3 and the width; 0 if not a vector register. */
static int parse_vreg(const char *op, unsigned int *num, unsigned int *width)
{
	char *end;
	unsigned long n;

	if (strncmp(op, "%xmm", 4) && strncmp(op, "%ymm", 4))
		return 0;
	n = strtoul(op + 4, &end, 10);
	if (end == op + 4 || *end || n > 15)
		return 0;
	*num = (unsigned int)n;
	*width = op[1] == 'x' ? 16 : 32;
	return 1;
}

static const struct newform *find_newform(const char *m, int *vex, int *suffix)
{
	char base[32];
	size_t i, len;

	*vex = 0;
	*suffix = 0;
	for (i = 0; i < sizeof(newforms) / sizeof(newforms[0]); i++)
		if (!strcmp(m, newforms[i].m))
			return &newforms[i];
	if (m[0] == 'v') {
		for (i = 0; i < sizeof(newforms) / sizeof(newforms[0]); i++) {
			if ((newforms[i].fl & NF_VEC) && !strcmp(m + 1, newforms[i].m)) {
				*vex = 1;
				return &newforms[i];
			}
		}
	}
	len = strlen(m);
	if (len < 2 || len >= sizeof(base) || !suffix_size(m[len - 1]))
		return NULL;
	memcpy(base, m, len - 1);
	base[len - 1] = 0;
	for (i = 0; i < sizeof(newforms) / sizeof(newforms[0]); i++) {
		if ((newforms[i].fl & NF_SUFFIX) && !strcmp(base, newforms[i].m)) {
			*suffix = suffix_size(m[len - 1]);
			return &newforms[i];
		}
	}
	return NULL;
}

/*
 * The expectation for the forms beyond mov/movzx/movsx/string ops.
 * Returns 1 if @m is one of them (with @e filled in: ret 0 or -1).
 */
static int expect_newform(const char *m, char *const *op, int nops, int lock, int repnz,
			  int rep, int data16, int rex, int addr32, struct expect *e)
{
	const struct newform *nf;
	struct pciem_insn *x = &e->insn;
	int vex, suffix, memi = -1, regi = -1, immi = -1, k;
	unsigned int vnum = 0, vwidth = 0;
	struct gpr g = { 0 };
	uint64_t mask;

	nf = find_newform(m, &vex, &suffix);
	if (!nf)
		return 0;
	if ((nf->fl & NF_VEC) && !vex) {
		/* movq/movd with no xmm operand are mov or MMX forms */
		for (k = 0; k < nops; k++)
			if (parse_vreg(op[k], &vnum, &vwidth))
				break;
		if (k == nops)
			return 0;
	}
	e->ret = PCIEM_INSN_EUNSUPP;
	for (k = 0; k < nops; k++) {
		if (op[k][0] == '$')
			immi = k;
		else if (is_mem(op[k]))
			memi = k;
		else if (parse_gpr(op[k], &g) || parse_vreg(op[k], &vnum, &vwidth))
			regi = k;
	}
	if (memi < 0 || repnz)
		return 1;
	x->op = nf->op;
	x->sub = nf->sub;
	x->vex = vex;
	addr32 |= addr32_operand(op[memi]);

	if (nf->fl & NF_VEC) {
		if (regi < 0 || nops != 2 || !parse_vreg(op[regi], &vnum, &vwidth) || lock)
			return 1;
		/* any of 66 F2 F3 F0 REX before a VEX prefix: #UD */
		if (vex && (rep || data16 || rex))
			return 1;
		if (!vex && rep && !(nf->fl & (NF_F3 | NF_AMBIG)))
			return 1;
		if (!vex && data16 && !(nf->fl & (NF_66 | NF_AMBIG)))
			return 1;
		if (!vex && (nf->fl & NF_AMBIG) && (rep || data16))
			e->either = 1;
		x->op = memi == 0 ? PCIEM_INSN_VLOAD : PCIEM_INSN_VSTORE;
		/* movntdqa only loads; the other non-temporal ones only store */
		if ((nf->sub == PCIEM_VEC_MOVNTDQA) != (x->op == PCIEM_INSN_VLOAD) &&
		    (nf->sub == PCIEM_VEC_MOVNTDQA || nf->sub == PCIEM_VEC_MOVNTDQ ||
		     nf->sub == PCIEM_VEC_MOVNTPS || nf->sub == PCIEM_VEC_MOVNTPD))
			return 1;
		x->reg = (uint8_t)vnum;
		x->reg_size = (uint8_t)vwidth;
		x->size = nf->sub == PCIEM_VEC_MOVD ? 4 : nf->sub == PCIEM_VEC_MOVQ ? 8 : vwidth;
		if (x->size < 16 && vwidth != 16)
			return 1;
	} else if (nf->op == PCIEM_INSN_CLFLUSH) {
		if (nops != 1 || lock || rep || (data16 && !(nf->fl & NF_66)))
			return 1;
		x->size = x->reg_size = 1;
	} else if (nf->op == PCIEM_INSN_MOVDIR64B) {
		if (nops != 2 || memi != 0 || regi != 1 || lock || rep)
			return 1;
		x->size = 64;
		x->reg = g.num;
		x->reg_size = g.size;
	} else {
		/* General-register forms. */
		if (rep || (nf->op == PCIEM_INSN_STORE && data16))
			return 1;
		if (regi >= 0) {
			x->size = g.size;
			x->reg = g.num;
			x->high8 = g.high8;
			if (suffix && suffix != g.size)
				return 1;
		} else if (suffix) {
			x->size = (uint8_t)suffix;
		} else {
			return 1;
		}
		x->reg_size = x->size;
		if (immi >= 0) {
			x->src_imm = 1;
			mask = x->size >= 8 ? ~0ull : (1ull << (8 * x->size)) - 1;
			x->imm = strtoull(op[immi] + 1, NULL, 0);
			if (nf->op != PCIEM_INSN_BT)
				x->imm &= mask;
			x->reg = 0;
			x->high8 = 0;
		}
		switch (nf->op) {
		case PCIEM_INSN_ALU:
			if (nops != 2)
				return 1;
			x->reg_dst = memi == 0;
			if (x->reg_dst && immi >= 0)
				return 1;
			break;
		case PCIEM_INSN_TEST:
			if (nops != 2)
				return 1;
			/* F6/F7 /1, an undocumented alias, reads the same */
			if (immi >= 0)
				e->either = 1;
			break;
		case PCIEM_INSN_INC: case PCIEM_INSN_DEC: case PCIEM_INSN_NOT:
		case PCIEM_INSN_NEG:
			if (nops != 1)
				return 1;
			break;
		case PCIEM_INSN_MOVBE:
			if (nops != 2 || regi < 0 || x->size == 1)
				return 1;
			x->reg_dst = memi == 0;
			break;
		case PCIEM_INSN_STORE:	/* movnti, movdiri */
			if (nops != 2 || memi != 1 || regi != 0 || x->size < 4)
				return 1;
			break;
		case PCIEM_INSN_BT:
			if (nops != 2 || memi != 1 || x->size == 1)
				return 1;
			break;
		default:	/* xchg, xadd, cmpxchg */
			if (nops != 2 || regi < 0)
				return 1;
			break;
		}
	}
	/* lock: only where the decoder allows it, with a memory destination */
	if (lock) {
		if (!(nf->fl & NF_LOCK) || x->reg_dst)
			return 1;
		x->lock = 1;
	}
	x->addr_size = addr32 ? 4 : 8;
	classify_mode(op[memi], e->mode, sizeof(e->mode));
	e->ret = 0;
	return 1;
}

static void expect_from_text(const char *text_in, struct expect *e)
{
	char text[MAX_LINE], *w, *save = NULL, *ops = NULL, *op[3] = { 0 };
	int lock = 0, repnz = 0, rep = 0, addr32 = 0, nops = 0, depth = 0;
	int data16 = 0, rex = 0, segs = 0, fsgs = 0, k;
	int string = 0, size;
	struct pciem_insn *x = &e->insn;
	struct gpr g;
	char *p;
	const char *m, *memop = "";

	memset(e, 0, sizeof(*e));
	e->ret = PCIEM_INSN_EUNSUPP;
	snprintf(text, sizeof(text), "%s", text_in);
	/* Drop objdump's comments and symbolic targets. */
	p = strstr(text, "  #");
	if (p)
		*p = 0;
	p = strchr(text, '#');
	if (p)
		*p = 0;
	p = strchr(text, '<');
	if (p)
		*p = 0;

	for (w = strtok_r(text, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (!is_prefix_word(w))
			break;
		lock |= !strcmp(w, "lock");
		repnz |= !strcmp(w, "repnz") || !strcmp(w, "repne") ||
			 !strcmp(w, "xacquire") || !strcmp(w, "bnd");
		rep |= !strcmp(w, "rep") || !strcmp(w, "repz") || !strcmp(w, "repe") ||
		       !strcmp(w, "xrelease");
		addr32 |= !strcmp(w, "addr32");
		data16 |= !strcmp(w, "data16");
		rex |= !strncmp(w, "rex", 3);
		if (strlen(w) == 2 && w[1] == 's' && strchr("cdefgs", w[0])) {
			segs++;
			fsgs |= w[0] == 'f' || w[0] == 'g';
		}
	}
	if (!w) {
		/* Only prefixes: objdump split them off the instruction. */
		e->anything_but_ok = 1;
		snprintf(e->mnemonic, sizeof(e->mnemonic), "(prefix)");
		return;
	}
	snprintf(e->mnemonic, sizeof(e->mnemonic), "%s", w);
	/* objdump could not make sense of it, or of a part ("xsha256 (bad)"). */
	if (strstr(text_in, "(bad)")) {
		e->anything_but_ok = 1;
		return;
	}
	ops = strtok_r(NULL, " \t", &save);
	if (ops) {
		op[nops++] = ops;
		for (p = ops; *p; p++) {
			if (*p == '(')
				depth++;
			else if (*p == ')')
				depth--;
			else if (*p == ',' && !depth && nops < 3) {
				*p = 0;
				op[nops++] = p + 1;
			}
		}
	}
	e->mem_access = accesses_memory(w, op, nops);

	/*
	 * Segment overrides: fs or gs together with another override is
	 * rejected; objdump prints some overrides as words, some in the
	 * operand and drops es/ds on string ops, so a second one may not
	 * show which it was.
	 */
	for (k = 0; k < nops; k++) {
		if (op[k][0] == '%' && strlen(op[k]) > 4 && op[k][3] == ':') {
			if (!strncmp(w, "movs", 4) || !strncmp(w, "stos", 4) ||
			    !strncmp(w, "lods", 4)) {
				if (op[k][1] == 'e' || op[k][1] == 'd')
					continue;	/* the string op's defaults */
			}
			segs++;
			fsgs |= op[k][1] == 'f' || op[k][1] == 'g';
		}
	}
	if (fsgs && segs >= 2)
		e->either = 1;

	m = w;
	x->addr_size = 8;
	if (expect_newform(m, op, nops, lock, repnz, rep, data16, rex, addr32, e))
		return;
	if (!strcmp(m, "mov") || !strcmp(m, "movb") || !strcmp(m, "movw") ||
	    !strcmp(m, "movl") || !strcmp(m, "movq") || !strcmp(m, "movabs")) {
		if (nops != 2)
			return;
		if (is_mem(op[0]) && parse_gpr(op[1], &g)) {
			x->op = PCIEM_INSN_LOAD;
			memop = op[0];
			addr32 |= addr32_operand(op[0]);
		} else if (is_mem(op[1]) && parse_gpr(op[0], &g)) {
			x->op = PCIEM_INSN_STORE;
			memop = op[1];
			addr32 |= addr32_operand(op[1]);
		} else if (is_mem(op[1]) && op[0][0] == '$' && suffix_size(m[3])) {
			x->op = PCIEM_INSN_STORE_IMM;
			x->size = x->reg_size = suffix_size(m[3]);
			x->imm = strtoull(op[0] + 1, NULL, 0);
			memop = op[1];
			addr32 |= addr32_operand(op[1]);
		} else {
			return;
		}
		if (x->op != PCIEM_INSN_STORE_IMM) {
			x->size = x->reg_size = g.size;
			x->reg = g.num;
			x->high8 = g.high8;
			/* The moffs forms only exist for the accumulator. */
			if (!strchr(memop, '(') && !strcmp(m, "movabs") && g.num != 0)
				return;
		}
	} else if (strlen(m) == 6 && (!strncmp(m, "movz", 4) || !strncmp(m, "movs", 4)) &&
		   suffix_size(m[4]) && suffix_size(m[5]) >= suffix_size(m[4])) {
		/* movzbl, movswq, movslq, even movzww... */
		if (nops != 2 || !is_mem(op[0]) || !parse_gpr(op[1], &g) ||
		    g.size != suffix_size(m[5]))
			return;
		if (m[3] == 'z' && m[4] == 'l')
			return;
		x->op = m[3] == 'z' ? PCIEM_INSN_LOAD_ZX : PCIEM_INSN_LOAD_SX;
		x->size = suffix_size(m[4]);
		x->reg_size = g.size;
		x->reg = g.num;
		memop = op[0];
		addr32 |= addr32_operand(op[0]);
	} else if (strlen(m) == 5 && !strncmp(m, "movs", 4) && suffix_size(m[4])) {
		/* movsb %ds:(%rsi),%es:(%rdi) */
		if (nops != 2 || !strstr(op[1], "(%"))
			return;
		x->op = PCIEM_INSN_MOVS;
		x->size = x->reg_size = suffix_size(m[4]);
		string = 1;
		addr32 |= addr32_operand(op[1]);
	} else if (!strncmp(m, "stos", 4) || !strncmp(m, "lods", 4)) {
		/* stos %eax,%es:(%rdi) / lods %ds:(%rsi),%al */
		int is_stos = m[0] == 's';
		const char *reg = is_stos ? op[0] : op[1];
		const char *mem = is_stos ? op[1] : op[0];

		if (nops != 2 || !parse_gpr(reg, &g) || g.num != 0 || g.high8 || !is_mem(mem))
			return;
		size = m[4] ? suffix_size(m[4]) : g.size;
		if (size != g.size)
			return;
		x->op = is_stos ? PCIEM_INSN_STOS : PCIEM_INSN_LODS;
		x->size = x->reg_size = g.size;
		string = 1;
		addr32 |= addr32_operand(mem);
	} else {
		return;
	}

	if (lock || repnz || (rep && !string))
		return;
	if (string)
		snprintf(e->mode, sizeof(e->mode), "string");
	else if (!strchr(memop, '(') && !strcmp(m, "movabs"))
		snprintf(e->mode, sizeof(e->mode), "moffs64");
	else
		classify_mode(memop, e->mode, sizeof(e->mode));
	x->rep = string && rep;
	x->addr_size = addr32 ? 4 : 8;
	e->ret = 0;
}

/* ---------------------------------------------------------------------- */
/* The check. */

struct tally {
	const char *key;
	unsigned long count;
};

#define MAX_TALLY 256

struct summary {
	unsigned long insns, accesses, rejected, mismatches;
	struct tally forms[MAX_TALLY];
	size_t nforms;
	struct tally rejects[MAX_TALLY];
	size_t nrejects;
	unsigned int data_regs, high8_seen;
	char keybuf[MAX_TALLY * 2][64];
	size_t nkeys;
};

static void tally(struct summary *s, struct tally *t, size_t *n, const char *key)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		if (!strcmp(t[i].key, key)) {
			t[i].count++;
			return;
		}
	}
	if (*n >= MAX_TALLY || s->nkeys >= MAX_TALLY * 2)
		return;
	snprintf(s->keybuf[s->nkeys], sizeof(s->keybuf[0]), "%s", key);
	t[*n].key = s->keybuf[s->nkeys++];
	t[*n].count = 1;
	(*n)++;
}

static int same_insn(const struct pciem_insn *a, const struct pciem_insn *b)
{
	return a->len == b->len && a->op == b->op && a->size == b->size && a->reg == b->reg &&
	       a->reg_size == b->reg_size && a->high8 == b->high8 && a->rep == b->rep &&
	       a->addr_size == b->addr_size && a->imm == b->imm && a->sub == b->sub &&
	       a->lock == b->lock && a->reg_dst == b->reg_dst && a->src_imm == b->src_imm &&
	       a->vex == b->vex;
}

static void report(const struct variant *v, const struct line *l, const char *what,
		   int ret, const struct pciem_insn *got, const struct expect *e)
{
	unsigned int i;

	fprintf(stderr, "%s: %s+%#" PRIx64 ": %s:", v->name, v->funcs[l->func], l->addr, what);
	for (i = 0; i < l->n; i++)
		fprintf(stderr, " %02x", l->bytes[i]);
	fprintf(stderr, "  \"%s\"\n", l->text);
	fprintf(stderr, "    got ret %d len %u op %s size %u reg %u/%u high8 %u rep %u addr %u imm %#" PRIx64 "\n",
		ret, got->len, pciem_insn_op_name(got->op), got->size, got->reg, got->reg_size,
		got->high8, got->rep, got->addr_size, got->imm);
	fprintf(stderr, "    want ret %d%s len %u op %s size %u reg %u/%u high8 %u rep %u addr %u imm %#" PRIx64 "\n",
		e->ret, e->anything_but_ok ? " (or any error)" : "", e->insn.len,
		pciem_insn_op_name(e->insn.op), e->insn.size, e->insn.reg, e->insn.reg_size,
		e->insn.high8, e->insn.rep, e->insn.addr_size, e->insn.imm);
}

static int check_result(int ret, const struct pciem_insn *got, const struct expect *e)
{
	if (e->anything_but_ok)
		return ret != 0;
	if (e->either && e->ret == 0)
		return ret != 0 || same_insn(got, &e->insn);
	if (ret != e->ret)
		return 0;
	return ret || same_insn(got, &e->insn);
}

static void check_line(const struct variant *v, size_t idx, struct summary *s)
{
	const struct line *l = &v->lines[idx];
	uint8_t ctx[PCIEM_INSN_MAX_LEN + MAX_BYTES];
	struct pciem_insn got, got_ctx;
	struct expect e;
	uint8_t *exact;
	size_t nctx, j;
	char key[64];
	int ret, ret_ctx;

	expect_from_text(l->text, &e);
	e.insn.len = (uint8_t)l->n;
	s->insns++;

	/* Exactly objdump's bytes, in a heap block of that size. */
	exact = malloc(l->n);
	assert_non_null(exact);
	memcpy(exact, l->bytes, l->n);
	ret = pciem_insn_decode(exact, l->n, &got);
	free(exact);
	if (!check_result(ret, &got, &e)) {
		report(v, l, "mismatch", ret, &got, &e);
		s->mismatches++;
		return;
	}

	/* With the bytes that follow in the same function. */
	if (!e.anything_but_ok) {
		memcpy(ctx, l->bytes, l->n);
		nctx = l->n;
		for (j = idx + 1; j < v->nlines && nctx < PCIEM_INSN_MAX_LEN; j++) {
			const struct line *n = &v->lines[j];

			if (n->func != l->func || n->addr != v->lines[j - 1].addr + v->lines[j - 1].n)
				break;
			memcpy(ctx + nctx, n->bytes, n->n);
			nctx += n->n;
		}
		ret_ctx = pciem_insn_decode(ctx, nctx, &got_ctx);
		if (ret_ctx != ret || (!ret && !same_insn(&got, &got_ctx))) {
			report(v, l, "differs with following bytes", ret_ctx, &got_ctx, &e);
			s->mismatches++;
			return;
		}
	}

	if (ret == 0) {
		s->accesses++;
		if (got.op > PCIEM_INSN_LODS || (got.op == PCIEM_INSN_STORE && got.sub))
			snprintf(key, sizeof(key), "%s.%u %s", pciem_insn_name(&got), got.size,
				 got.addr_size == 4 ? "addr32 " : "");
		else
		snprintf(key, sizeof(key), "%s%s.%u %s", got.rep ? "rep " : "",
			 got.op == PCIEM_INSN_LOAD ? "load" :
			 got.op == PCIEM_INSN_STORE ? "store" :
			 got.op == PCIEM_INSN_STORE_IMM ? "store-imm" :
			 got.op == PCIEM_INSN_LOAD_ZX ? "movzx" :
			 got.op == PCIEM_INSN_LOAD_SX ? "movsx" : pciem_insn_op_name(got.op),
			 got.size, got.addr_size == 4 ? "addr32 " : "");
		tally(s, s->forms, &s->nforms, key);
		snprintf(key, sizeof(key), "mode %s", e.mode);
		tally(s, s->forms, &s->nforms, key);
		if (got.op <= PCIEM_INSN_STORE)
			s->data_regs |= 1u << got.reg;
		s->high8_seen |= got.high8;
	} else if (e.mem_access) {
		s->rejected++;
		tally(s, s->rejects, &s->nrejects, e.mnemonic);
		/*
		 * accessors.c only touches memory through its MMIO pointers
		 * and the stack: a rejected access elsewhere is an MMIO
		 * access the kernel could not emulate.
		 */
		if ((!strncmp(v->name, "gcc-", 4) || !strncmp(v->name, "clang-", 6)) &&
		    !strstr(l->text, "(%rsp") && !strstr(l->text, "(%rbp")) {
			report(v, l, "rejected MMIO access", ret, &got, &e);
			s->mismatches++;
		}
	}
}

/* Forms every compiled variant (gcc-*, clang-*) must contain. */
static const char *const compiled_required[] = {
	"load.1 ", "load.2 ", "load.4 ", "load.8 ",
	"store.1 ", "store.2 ", "store.4 ", "store.8 ",
	"store-imm.1 ", "store-imm.2 ", "store-imm.4 ", "store-imm.8 ",
	"movzx.1 ", "movzx.2 ",
	"rep movs.1 ", "rep movs.4 ", "rep movs.8 ", "movs.1 ", "movs.2 ",
	"rep stos.1 ", "rep stos.4 ", "rep stos.8 ", "stos.4 ", "lods.4 ",
	"mode base", "mode base+d8", "mode base+d32", "mode sib", "mode string",
};

/* The kernel-style bitops, atomics and special stores (accessors.c). */
static const char *const rmw_required[] = {
	"lock bts.8 ", "lock btr.8 ", "lock btc.8 ",
	"lock btr.4 ", "bts.8 ", "btr.8 ", "bt.8 ", "lock inc.4 ", "lock dec.4 ",
	"lock add.4 ", "lock sub.4 ", "lock or.8 ", "lock and.8 ", "lock xor.4 ",
	"xchg.4 ", "xchg.1 ", "lock cmpxchg.4 ", "lock cmpxchg.2 ", "cmpxchg.8 ",
	"lock xadd.4 ", "lock xadd.8 ", "movbe.4 ", "movbe.2 ", "movbe.8 ", "movnti.4 ",
	"movnti.8 ", "movdiri.4 ", "movdiri.8 ", "movdir64b.64 ", "clflush.1 ",
	"clflushopt.1 ",
};

/* SSE/AVX moves: every compiled variant but the kernel-flags ones. */
static const char *const vector_required[] = {
	"movdqu.16 ", "movdqa.16 ", "movntdq.16 ", "movntdqa.16 ", "movups.16 ",
	"movaps.16 ", "movd.4 ", "movq.8 ", "vmovdqu.32 ", "vmovdqu.16 ", "vmovdqa.32 ",
	"vmovntdq.32 ", "vmovntdqa.32 ", "vmovd.4 ", "vmovq.8 ", "vmovups.",
};

/* What clang makes of volatile compound assignments when optimising. */
static const char *const clang_rmw_required[] = {
	"or.4 ", "and.1 ", "xor.4 ", "add.4 ", "sub.4 ", "not.4 ", "neg.4 ", "cmp.",
};

/* And those that only optimised builds (not -O0) produce. */
static const char *const optimised_required[] = {
	"movsx.1 ", "movsx.2 ", "movsx.4 ", "mode abs32",
	"lock or.1 ", "lock and.1 ",	/* set_bit/clear_bit with a constant */
};

static int check_required(const struct variant *v, const struct summary *s,
			  const char *const *req, size_t nreq)
{
	unsigned long n;
	size_t i, k;
	int missing = 0;

	for (k = 0; k < nreq; k++) {
		n = 0;
		for (i = 0; i < s->nforms; i++)
			if (!strncmp(s->forms[i].key, req[k], strlen(req[k])))
				n += s->forms[i].count;
		if (!n) {
			fprintf(stderr, "%s: no \"%s\" access in the corpus\n", v->name, req[k]);
			missing++;
		}
	}
	return missing;
}

static void print_summary(const struct variant *v, const struct summary *s)
{
	size_t i;
	int r;

	printf("[ CORPUS   ] %s: %zu functions, %lu instructions, %lu decoded memory accesses, %lu rejected memory-operand instructions, %lu mismatches\n",
	       v->name, v->nfuncs, s->insns, s->accesses, s->rejected, s->mismatches);
	if (quiet)
		return;
	printf("[ CORPUS   ]   forms:");
	for (i = 0; i < s->nforms; i++)
		printf(" %s=%lu%s", s->forms[i].key, s->forms[i].count,
		       i + 1 < s->nforms ? "," : "");
	printf("\n[ CORPUS   ]   data registers:");
	for (r = 0; r < 16; r++)
		if (s->data_regs & (1u << r))
			printf(" %d", r);
	printf("%s\n", s->high8_seen ? " (and AH..BH)" : "");
	if (s->nrejects) {
		printf("[ CORPUS   ]   rejected:");
		for (i = 0; i < s->nrejects; i++)
			printf(" %s=%lu", s->rejects[i].key, s->rejects[i].count);
		printf("\n");
	}
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void test_variant(void **state)
{
	struct variant *v = *state;
	struct summary *s;
	size_t i;
	int missing = 0;

	s = v->summary = calloc(1, sizeof(*s));
	assert_non_null(s);
	if (load_variant(v))
		fail_msg("%s: cannot read %s", v->name, v->path);
	if (!v->nlines)
		fail_msg("%s: no instructions in %s", v->name, v->path);
	for (i = 0; i < v->nlines; i++)
		check_line(v, i, s);
	print_summary(v, s);

	if (!strncmp(v->name, "gcc-", 4) || !strncmp(v->name, "clang-", 6)) {
		missing += check_required(v, s, compiled_required, ARRAY_SIZE(compiled_required));
		if (!strstr(v->name, "-O0"))
			missing += check_required(v, s, optimised_required,
						  ARRAY_SIZE(optimised_required));
		missing += check_required(v, s, rmw_required, ARRAY_SIZE(rmw_required));
		if (!strstr(v->name, "-kernel"))
			missing += check_required(v, s, vector_required,
						  ARRAY_SIZE(vector_required));
		if (!strncmp(v->name, "clang-", 6) && !strstr(v->name, "-O0"))
			missing += check_required(v, s, clang_rmw_required,
						  ARRAY_SIZE(clang_rmw_required));
	}
	if (s->mismatches || missing)
		fail_msg("%s: %lu mismatches, %d required forms missing", v->name,
			 s->mismatches, missing);
}

static int free_variant(void **state)
{
	struct variant *v = *state;
	size_t i;

	for (i = 0; i < v->nlines; i++)
		free(v->lines[i].text);
	for (i = 0; i < v->nfuncs; i++)
		free(v->funcs[i]);
	free(v->lines);
	free(v->funcs);
	free(v->summary);
	v->lines = NULL;
	v->funcs = NULL;
	v->summary = NULL;
	v->nlines = v->nfuncs = 0;
	return 0;
}

int main(int argc, char **argv)
{
	struct CMUnitTest *tests;
	struct variant *vars;
	int i, n = 0, ret;
	char *eq;

	tests = calloc(argc, sizeof(*tests));
	vars = calloc(argc, sizeof(*vars));
	if (!tests || !vars)
		return 2;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-q")) {
			quiet = 1;
			continue;
		}
		eq = strchr(argv[i], '=');
		if (!eq) {
			fprintf(stderr, "usage: %s [-q] NAME=FILE.dis...\n", argv[0]);
			return 2;
		}
		*eq = 0;
		vars[n].name = argv[i];
		vars[n].path = eq + 1;
		tests[n].name = vars[n].name;
		tests[n].test_func = test_variant;
		tests[n].teardown_func = free_variant;
		tests[n].initial_state = &vars[n];
		n++;
	}
	if (!n) {
		fprintf(stderr, "usage: %s [-q] NAME=FILE.dis...\n", argv[0]);
		return 2;
	}
	ret = _cmocka_run_group_tests("insn_corpus", tests, n, NULL, NULL);
	free(tests);
	free(vars);
	return ret;
}
