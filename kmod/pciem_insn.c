// SPDX-License-Identifier: GPL-2.0
/*
 * x86-64 instruction decoder and emulator for MMIO accesses; see
 * pciem_insn.h for what it recognises and the emulation contract.  Plain C
 * without state, allocation or floating point, so that the same file builds
 * in the kernel module and in the userspace unit tests.
 */
#include "pciem_insn.h"

#define REX_W	0x08
#define REX_R	0x04
#define REX_X	0x02
#define REX_B	0x01

/* Prefixes and flags seen before the opcode. */
struct insn_prefixes {
	uint8_t rex;		/* REX byte right before the opcode, or 0 */
	uint8_t opsize16;	/* 66 */
	uint8_t addr32;		/* 67 */
	uint8_t f2;		/* F2 (repne) seen */
	uint8_t f3;		/* F3 (rep) seen */
	uint8_t lock;		/* F0 seen */
	uint8_t seg;		/* last segment override, enum pciem_insn_seg */
	uint8_t seg_conflict;	/* fs/gs together with another override */
	uint8_t legacy_last;	/* the byte before the opcode was a legacy prefix */
};

/*
 * May the first @n bytes of the instruction be read?  An instruction never
 * exceeds 15 bytes, whatever @avail is.
 */
static int insn_need(size_t n, size_t avail)
{
	if (n > PCIEM_INSN_MAX_LEN)
		return PCIEM_INSN_EUNSUPP;
	if (n > avail)
		return PCIEM_INSN_ETRUNC;
	return 0;
}

static uint8_t seg_of(uint8_t b)
{
	switch (b) {
	case 0x26: return PCIEM_SEG_ES;
	case 0x2e: return PCIEM_SEG_CS;
	case 0x36: return PCIEM_SEG_SS;
	case 0x3e: return PCIEM_SEG_DS;
	case 0x64: return PCIEM_SEG_FS;
	default: return PCIEM_SEG_GS;
	}
}

/*
 * Consume the prefixes at @buf; on success return 0 and leave the offset of
 * the opcode in *@pos.
 */
static int insn_prefixes(const uint8_t *buf, size_t avail, size_t *pos,
			 struct insn_prefixes *pfx)
{
	size_t i = 0;
	uint8_t b, s;
	int ret;

	for (;;) {
		ret = insn_need(i + 1, avail);
		if (ret)
			return ret;
		b = buf[i];
		switch (b) {
		case 0x66:
			pfx->opsize16 = 1;
			break;
		case 0x67:
			pfx->addr32 = 1;
			break;
		case 0x26: case 0x2e: case 0x36: case 0x3e:
		case 0x64: case 0x65:
			s = seg_of(b);
			if (pfx->seg && pfx->seg != s &&
			    (s >= PCIEM_SEG_FS || pfx->seg >= PCIEM_SEG_FS))
				pfx->seg_conflict = 1;
			pfx->seg = s;
			break;
		case 0xf2:
			pfx->f2 = 1;
			break;
		case 0xf3:
			pfx->f3 = 1;
			break;
		case 0xf0:
			pfx->lock = 1;
			break;
		default:
			if ((b & 0xf0) != 0x40) {
				*pos = i;
				return 0;
			}
			/* REX: kept only if the opcode follows. */
			pfx->rex = b;
			pfx->legacy_last = 0;
			i++;
			continue;
		}
		/* A legacy prefix after a REX prefix voids the REX. */
		pfx->rex = 0;
		pfx->legacy_last = 1;
		i++;
	}
}

/*
 * Decode the ModRM byte at *@pos, its SIB byte and displacement into the
 * memory operand of @insn.  Only memory operands are accepted.  @rex holds
 * the REX (or VEX-derived) X and B bits.  Returns 0 with *@pos past the
 * displacement and the ModRM byte in *@modrm.
 */
static int insn_modrm(const uint8_t *buf, size_t avail, size_t *pos, uint8_t rex,
		      uint8_t *modrm, struct pciem_insn *insn)
{
	size_t p = *pos;
	unsigned int mod, rm, disp = 0;
	uint8_t sib;
	int ret;

	ret = insn_need(p + 1, avail);
	if (ret)
		return ret;
	*modrm = buf[p++];
	mod = *modrm >> 6;
	rm = *modrm & 7;

	if (mod == 3)
		return PCIEM_INSN_EUNSUPP;
	if (mod == 1)
		disp = 1;
	else if (mod == 2)
		disp = 4;

	insn->index = PCIEM_REG_NONE;
	insn->scale = 1;
	if (rm == 4) {
		ret = insn_need(p + 1, avail);
		if (ret)
			return ret;
		sib = buf[p++];
		if (((sib >> 3) & 7) != 4 || (rex & REX_X)) {
			insn->index = ((sib >> 3) & 7) | ((rex & REX_X) ? 8 : 0);
			insn->scale = 1 << (sib >> 6);
		}
		/* SIB base 101 with mod 00: no base, disp32. */
		if (mod == 0 && (sib & 7) == 5) {
			disp = 4;
			insn->base = PCIEM_REG_NONE;
		} else {
			insn->base = (sib & 7) | ((rex & REX_B) ? 8 : 0);
		}
	} else if (mod == 0 && rm == 5) {
		disp = 4;
		insn->base = PCIEM_REG_RIP;
	} else {
		insn->base = rm | ((rex & REX_B) ? 8 : 0);
	}

	ret = insn_need(p + disp, avail);
	if (ret)
		return ret;
	if (disp == 1)
		insn->disp = (int8_t)buf[p];
	else if (disp == 4)
		insn->disp = (int32_t)((uint32_t)buf[p] | (uint32_t)buf[p + 1] << 8 |
				       (uint32_t)buf[p + 2] << 16 | (uint32_t)buf[p + 3] << 24);
	*pos = p + disp;
	return 0;
}

/* Little-endian unsigned read of @n bytes. */
static uint64_t insn_get_le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = (v << 8) | p[n];
	return v;
}

/* The decoder's working state for one instruction. */
struct insn_dec {
	unsigned int osz;	/* operand size from the prefixes */
	unsigned int imm_len;	/* immediate bytes after the ModRM operand */
	unsigned int moffs_len;
	bool has_modrm;
	bool byte_reg;		/* the ModRM.reg operand is a byte register */
	bool string_op;
	bool lockable;		/* LOCK is legal (with a memory destination) */
	bool imm_sext;		/* sign-extend the immediate to @size */
	bool reg_is_op;		/* ModRM.reg is an operand, not an opcode extension */
	/* Mandatory-prefix forms: which of 66/F2/F3 the opcode requires. */
	bool mandatory;
	uint8_t need66, needf3;
};

/* Set up a vector move of @sub; @store, @align as for the form. */
static void vec_form(struct pciem_insn *insn, struct insn_dec *d, int sub, bool store)
{
	insn->op = store ? PCIEM_INSN_VSTORE : PCIEM_INSN_VLOAD;
	insn->sub = sub;
	insn->size = 16;
	insn->reg_size = 16;
	d->mandatory = true;
}

/* Two-byte opcodes 0F xx (and 0F 38 xx); 0 or an error. */
static int decode_0f(const uint8_t *buf, size_t avail, size_t *pos,
		     const struct insn_prefixes *pfx, struct pciem_insn *insn,
		     struct insn_dec *d)
{
	uint8_t opc;
	int ret;

	ret = insn_need(*pos + 1, avail);
	if (ret)
		return ret;
	opc = buf[(*pos)++];
	d->reg_is_op = true;
	switch (opc) {
	case 0xb6: case 0xb7: case 0xbe: case 0xbf:
		insn->op = opc < 0xbe ? PCIEM_INSN_LOAD_ZX : PCIEM_INSN_LOAD_SX;
		insn->size = (opc & 1) ? 2 : 1;
		insn->reg_size = d->osz;
		return 0;
	case 0xc0: case 0xc1:
		insn->op = PCIEM_INSN_XADD;
		goto byte_or_full;
	case 0xb0: case 0xb1:
		insn->op = PCIEM_INSN_CMPXCHG;
byte_or_full:
		insn->size = (opc & 1) ? d->osz : 1;
		d->byte_reg = !(opc & 1);
		d->lockable = true;
		return 0;
	case 0xa3: case 0xab: case 0xb3: case 0xbb:
		insn->op = PCIEM_INSN_BT;
		insn->sub = (opc >> 3) & 3;	/* a3 -> 0, ab -> 1, b3 -> 2, bb -> 3 */
		insn->size = d->osz;
		d->lockable = insn->sub != PCIEM_BT_BT;
		return 0;
	case 0xba:
		insn->op = PCIEM_INSN_BT;	/* sub from ModRM.reg, below */
		insn->size = d->osz;
		insn->src_imm = 1;
		d->imm_len = 1;
		d->reg_is_op = false;
		return 0;
	case 0xc3:
		/* movnti: no 66 (nor F2/F3) prefix, 4 or 8 bytes. */
		if (pfx->opsize16)
			return PCIEM_INSN_EUNSUPP;
		insn->op = PCIEM_INSN_STORE;
		insn->sub = 1;
		insn->size = d->osz;
		return 0;
	case 0xae:
		insn->op = PCIEM_INSN_CLFLUSH;	/* checked with ModRM below */
		insn->size = 1;
		insn->sub = pfx->opsize16;
		d->mandatory = true;
		d->need66 = pfx->opsize16;
		d->reg_is_op = false;
		return 0;
	case 0x10: case 0x11:
		vec_form(insn, d, pfx->opsize16 ? PCIEM_VEC_MOVUPD : PCIEM_VEC_MOVUPS, opc & 1);
		d->need66 = pfx->opsize16;
		return 0;
	case 0x28: case 0x29:
		vec_form(insn, d, pfx->opsize16 ? PCIEM_VEC_MOVAPD : PCIEM_VEC_MOVAPS, opc & 1);
		d->need66 = pfx->opsize16;
		return 0;
	case 0x2b:
		vec_form(insn, d, pfx->opsize16 ? PCIEM_VEC_MOVNTPD : PCIEM_VEC_MOVNTPS, true);
		d->need66 = pfx->opsize16;
		return 0;
	case 0x6f: case 0x7f:
		if (pfx->f3) {
			vec_form(insn, d, PCIEM_VEC_MOVDQU, opc == 0x7f);
			d->needf3 = 1;
		} else if (pfx->opsize16) {
			vec_form(insn, d, PCIEM_VEC_MOVDQA, opc == 0x7f);
			d->need66 = 1;
		} else {
			return PCIEM_INSN_EUNSUPP;	/* MMX movq */
		}
		return 0;
	case 0xe7:
		vec_form(insn, d, PCIEM_VEC_MOVNTDQ, true);
		d->need66 = 1;
		return 0;
	case 0x6e:
		vec_form(insn, d, (pfx->rex & REX_W) ? PCIEM_VEC_MOVQ : PCIEM_VEC_MOVD, false);
		insn->size = (pfx->rex & REX_W) ? 8 : 4;
		d->need66 = 1;
		return 0;
	case 0x7e:
		if (pfx->f3) {
			vec_form(insn, d, PCIEM_VEC_MOVQ, false);
			insn->size = 8;
			d->needf3 = 1;
		} else {
			vec_form(insn, d, (pfx->rex & REX_W) ? PCIEM_VEC_MOVQ : PCIEM_VEC_MOVD,
				 true);
			insn->size = (pfx->rex & REX_W) ? 8 : 4;
			d->need66 = 1;
		}
		return 0;
	case 0xd6:
		vec_form(insn, d, PCIEM_VEC_MOVQ, true);
		insn->size = 8;
		d->need66 = 1;
		return 0;
	case 0x38:
		break;
	default:
		return PCIEM_INSN_EUNSUPP;
	}

	/* 0F 38 xx */
	ret = insn_need(*pos + 1, avail);
	if (ret)
		return ret;
	opc = buf[(*pos)++];
	switch (opc) {
	case 0xf0: case 0xf1:
		/* movbe; F2 0F 38 F0/F1 is crc32. */
		if (pfx->f2 || pfx->f3)
			return PCIEM_INSN_EUNSUPP;
		insn->op = PCIEM_INSN_MOVBE;
		insn->reg_dst = opc == 0xf0;
		insn->size = d->osz;
		return 0;
	case 0xf9:
		/* movdiri: no prefix, 4 or 8 bytes. */
		if (pfx->opsize16 || pfx->f2 || pfx->f3)
			return PCIEM_INSN_EUNSUPP;
		insn->op = PCIEM_INSN_STORE;
		insn->sub = 2;
		insn->size = d->osz;
		return 0;
	case 0xf8:
		/* movdir64b is 66; F2/F3 are enqcmd(s), no prefix is undefined. */
		insn->op = PCIEM_INSN_MOVDIR64B;
		insn->size = 64;
		d->mandatory = true;
		d->need66 = 1;
		return 0;
	case 0x2a:
		vec_form(insn, d, PCIEM_VEC_MOVNTDQA, false);
		d->need66 = 1;
		return 0;
	default:
		return PCIEM_INSN_EUNSUPP;
	}
}

/*
 * VEX-encoded vector moves (C5 xx op / C4 xx xx op) at *@pos, which points
 * at the C4/C5 byte.  Fills @insn up to the ModRM operand; *@rex gets the
 * R, X and B bits in REX layout.
 */
static int decode_vex(const uint8_t *buf, size_t avail, size_t *pos,
		      struct pciem_insn *insn, uint8_t *rex)
{
	size_t p = *pos;
	uint8_t b1, b2, opc;
	unsigned int map, pp, l, vvvv, w;
	int ret, sub = -1;
	bool store = false;

	ret = insn_need(p + (buf[p] == 0xc5 ? 3 : 4), avail);
	if (ret)
		return ret;
	b1 = buf[p + 1];
	if (buf[p] == 0xc5) {
		*rex = (b1 & 0x80) ? 0 : REX_R;
		map = 1;
		b2 = b1;
		w = 0;
		p += 2;
	} else {
		b2 = buf[p + 2];
		*rex = ((b1 & 0x80) ? 0 : REX_R) | ((b1 & 0x40) ? 0 : REX_X) |
		       ((b1 & 0x20) ? 0 : REX_B);
		map = b1 & 0x1f;
		w = b2 >> 7;
		p += 3;
	}
	vvvv = (b2 >> 3) & 15;
	l = (b2 >> 2) & 1;
	pp = b2 & 3;
	opc = buf[p++];
	if (vvvv != 15)
		return PCIEM_INSN_EUNSUPP;

	insn->size = 16;
	if (map == 1) {
		switch (opc) {
		case 0x10: case 0x11:
			if (pp == 0)
				sub = PCIEM_VEC_MOVUPS;
			else if (pp == 1)
				sub = PCIEM_VEC_MOVUPD;
			store = opc & 1;
			break;
		case 0x28: case 0x29:
			if (pp == 0)
				sub = PCIEM_VEC_MOVAPS;
			else if (pp == 1)
				sub = PCIEM_VEC_MOVAPD;
			store = opc & 1;
			break;
		case 0x2b:
			if (pp == 0)
				sub = PCIEM_VEC_MOVNTPS;
			else if (pp == 1)
				sub = PCIEM_VEC_MOVNTPD;
			store = true;
			break;
		case 0x6f: case 0x7f:
			if (pp == 2)
				sub = PCIEM_VEC_MOVDQU;
			else if (pp == 1)
				sub = PCIEM_VEC_MOVDQA;
			store = opc == 0x7f;
			break;
		case 0xe7:
			if (pp == 1)
				sub = PCIEM_VEC_MOVNTDQ;
			store = true;
			break;
		case 0x6e: case 0x7e:
			if (l)
				break;
			if (pp == 1) {
				sub = w ? PCIEM_VEC_MOVQ : PCIEM_VEC_MOVD;
				insn->size = w ? 8 : 4;
				store = opc == 0x7e;
			} else if (pp == 2 && opc == 0x7e) {
				sub = PCIEM_VEC_MOVQ;
				insn->size = 8;
			}
			break;
		case 0xd6:
			if (pp == 1 && !l) {
				sub = PCIEM_VEC_MOVQ;
				insn->size = 8;
				store = true;
			}
			break;
		}
	} else if (map == 2 && opc == 0x2a && pp == 1) {
		sub = PCIEM_VEC_MOVNTDQA;
	}
	if (sub < 0)
		return PCIEM_INSN_EUNSUPP;
	insn->op = store ? PCIEM_INSN_VSTORE : PCIEM_INSN_VLOAD;
	insn->sub = sub;
	insn->vex = 1;
	insn->reg_size = l ? 32 : 16;
	if (insn->size == 16 && l)
		insn->size = 32;
	*pos = p;
	return 0;
}

int pciem_insn_decode(const uint8_t *buf, size_t avail, struct pciem_insn *insn)
{
	struct insn_prefixes pfx;
	struct insn_dec d;
	size_t pos = 0;
	uint8_t opc, modrm = 0, rex;
	unsigned int ext;
	int ret;

	memset(insn, 0, sizeof(*insn));
	memset(&pfx, 0, sizeof(pfx));
	memset(&d, 0, sizeof(d));

	ret = insn_prefixes(buf, avail, &pos, &pfx);
	if (ret)
		return ret;
	if (pfx.seg_conflict)
		goto unsupported;

	rex = pfx.rex;
	d.osz = (pfx.rex & REX_W) ? 8 : pfx.opsize16 ? 2 : 4;
	d.has_modrm = true;
	opc = buf[pos];

	if (opc == 0xc4 || opc == 0xc5) {
		/* VEX: no 66, F2, F3, F0 or REX before it. */
		if (pfx.opsize16 || pfx.f2 || pfx.f3 || pfx.lock || pfx.rex)
			goto unsupported;
		ret = decode_vex(buf, avail, &pos, insn, &rex);
		if (ret)
			goto fail;
		d.reg_is_op = true;
		goto operand;
	}
	pos++;

	if (opc < 0x40 && (opc & 7) < 4) {
		/* 00-3B: add or adc sbb and sub xor cmp */
		insn->op = PCIEM_INSN_ALU;
		insn->sub = opc >> 3;
		insn->reg_dst = (opc >> 1) & 1;
		insn->size = (opc & 1) ? d.osz : 1;
		d.byte_reg = !(opc & 1);
		d.reg_is_op = true;
		d.lockable = !insn->reg_dst && insn->sub != PCIEM_ALU_CMP;
		goto checked_opcode;
	}

	switch (opc) {
	case 0x88: case 0x89: case 0x8a: case 0x8b:
		insn->op = (opc & 2) ? PCIEM_INSN_LOAD : PCIEM_INSN_STORE;
		insn->size = (opc & 1) ? d.osz : 1;
		d.byte_reg = !(opc & 1);
		d.reg_is_op = true;
		break;
	case 0x63:
		/* Without REX.W the operand size is not agreed on by vendors. */
		if (!(pfx.rex & REX_W))
			goto unsupported;
		insn->op = PCIEM_INSN_LOAD_SX;
		insn->size = 4;
		insn->reg_size = 8;
		d.reg_is_op = true;
		break;
	case 0x84: case 0x85:
		insn->op = PCIEM_INSN_TEST;
		insn->size = (opc & 1) ? d.osz : 1;
		d.byte_reg = !(opc & 1);
		d.reg_is_op = true;
		break;
	case 0x86: case 0x87:
		insn->op = PCIEM_INSN_XCHG;
		insn->size = (opc & 1) ? d.osz : 1;
		d.byte_reg = !(opc & 1);
		d.reg_is_op = true;
		d.lockable = true;
		break;
	case 0x80: case 0x81: case 0x83:
		insn->op = PCIEM_INSN_ALU;	/* sub from ModRM.reg */
		insn->size = opc == 0x80 ? 1 : d.osz;
		insn->src_imm = 1;
		d.imm_len = opc == 0x81 ? (d.osz == 2 ? 2 : 4) : 1;
		d.imm_sext = true;
		break;
	case 0xf6: case 0xf7:
		insn->op = PCIEM_INSN_TEST;	/* or not/neg, from ModRM.reg */
		insn->size = opc == 0xf6 ? 1 : d.osz;
		break;
	case 0xfe: case 0xff:
		insn->op = PCIEM_INSN_INC;	/* or dec, from ModRM.reg */
		insn->size = opc == 0xfe ? 1 : d.osz;
		d.lockable = true;
		break;
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:
		insn->op = opc < 0xa2 ? PCIEM_INSN_LOAD : PCIEM_INSN_STORE;
		insn->size = (opc & 1) ? d.osz : 1;
		d.has_modrm = false;
		d.moffs_len = pfx.addr32 ? 4 : 8;
		break;
	case 0xa4: case 0xa5: case 0xaa: case 0xab: case 0xac: case 0xad:
		if (opc < 0xaa)
			insn->op = PCIEM_INSN_MOVS;
		else if (opc < 0xac)
			insn->op = PCIEM_INSN_STOS;
		else
			insn->op = PCIEM_INSN_LODS;
		insn->size = (opc & 1) ? d.osz : 1;
		d.has_modrm = false;
		d.string_op = true;
		break;
	case 0xc6:
		insn->op = PCIEM_INSN_STORE_IMM;
		insn->size = 1;
		d.imm_len = 1;
		break;
	case 0xc7:
		insn->op = PCIEM_INSN_STORE_IMM;
		insn->size = d.osz;
		d.imm_len = d.osz == 2 ? 2 : 4;
		d.imm_sext = true;
		break;
	case 0x0f:
		ret = decode_0f(buf, avail, &pos, &pfx, insn, &d);
		if (ret)
			goto fail;
		break;
	default:
		goto unsupported;
	}

checked_opcode:
	if (d.mandatory) {
		/* Exactly the mandatory prefix among 66, F2 and F3. */
		if (pfx.f2 || pfx.f3 != d.needf3 || pfx.opsize16 != d.need66)
			goto unsupported;
		/* A REX is fine, but no legacy prefix between it and 0F... */
	} else if (pfx.f2 || (pfx.f3 && !d.string_op)) {
		/* F2 is never accepted; F3 only as rep on a string op. */
		goto unsupported;
	}
	insn->rep = pfx.f3 && d.string_op;

operand:
	if (d.has_modrm) {
		ret = insn_modrm(buf, avail, &pos, rex, &modrm, insn);
		if (ret)
			goto fail;
		ext = (modrm >> 3) & 7;
		if (d.reg_is_op)
			insn->reg = ext | ((rex & REX_R) ? 8 : 0);
		switch (insn->op) {
		case PCIEM_INSN_STORE_IMM:
			/* C6 /0 and C7 /0 only (C6 F8, C7 F8 are XABORT, XBEGIN). */
			if (ext)
				goto unsupported;
			break;
		case PCIEM_INSN_ALU:
			if (insn->src_imm) {
				insn->sub = ext;
				d.lockable = ext != PCIEM_ALU_CMP;
			}
			break;
		case PCIEM_INSN_TEST:
			if (opc != 0xf6 && opc != 0xf7)
				break;
			if (ext == 0) {
				insn->src_imm = 1;
				d.imm_len = insn->size == 1 ? 1 : insn->size == 2 ? 2 : 4;
				d.imm_sext = true;
			} else if (ext == 2 || ext == 3) {
				insn->op = ext == 2 ? PCIEM_INSN_NOT : PCIEM_INSN_NEG;
				d.lockable = true;
			} else {
				goto unsupported;
			}
			break;
		case PCIEM_INSN_INC:
			if (ext > 1)
				goto unsupported;
			if (ext == 1)
				insn->op = PCIEM_INSN_DEC;
			break;
		case PCIEM_INSN_BT:
			if (insn->src_imm) {
				if (ext < 4)
					goto unsupported;
				insn->sub = ext - 4;
				d.lockable = ext != 4;
			}
			break;
		case PCIEM_INSN_CLFLUSH:
			if (ext != 7)
				goto unsupported;
			break;
		case PCIEM_INSN_MOVDIR64B:
			insn->reg_size = pfx.addr32 ? 4 : 8;
			break;
		default:
			break;
		}
	}

	if (pfx.lock && !d.lockable)
		goto unsupported;
	insn->lock = pfx.lock;

	/* Without REX, byte registers 4..7 are AH, CH, DH, BH. */
	if (d.byte_reg && !pfx.rex && insn->reg >= 4) {
		insn->reg -= 4;
		insn->high8 = 1;
	}

	ret = insn_need(pos + d.imm_len + d.moffs_len, avail);
	if (ret)
		goto fail;
	if (d.imm_len) {
		insn->imm = insn_get_le(buf + pos, d.imm_len);
		if (d.imm_sext && insn->size > d.imm_len &&
		    (insn->imm >> (8 * d.imm_len - 1)) & 1) {
			insn->imm |= ~0ULL << (8 * d.imm_len);
			if (insn->size < 8)
				insn->imm &= (1ULL << (8 * insn->size)) - 1;
		}
	}
	if (d.moffs_len) {
		insn->base = PCIEM_REG_NONE;
		insn->index = PCIEM_REG_NONE;
		insn->scale = 1;
		insn->disp = (int64_t)insn_get_le(buf + pos, d.moffs_len);
	}
	pos += d.imm_len + d.moffs_len;

	if (!d.has_modrm && !d.moffs_len) {
		/* String ops: implicit operands. */
		insn->base = PCIEM_REG_NONE;
		insn->index = PCIEM_REG_NONE;
		insn->scale = 1;
	}
	if (!insn->reg_size)
		insn->reg_size = insn->size;
	insn->seg = pfx.seg;
	insn->addr_size = pfx.addr32 ? 4 : 8;
	insn->len = pos;
	return 0;

unsupported:
	ret = PCIEM_INSN_EUNSUPP;
fail:
	memset(insn, 0, sizeof(*insn));
	return ret;
}

static const char * const pciem_insn_op_names[PCIEM_INSN_NR_OPS] = {
	[PCIEM_INSN_INVALID]	= "invalid",
	[PCIEM_INSN_LOAD]	= "mov",
	[PCIEM_INSN_LOAD_ZX]	= "movzx",
	[PCIEM_INSN_LOAD_SX]	= "movsx",
	[PCIEM_INSN_STORE]	= "mov",
	[PCIEM_INSN_STORE_IMM]	= "mov",
	[PCIEM_INSN_MOVS]	= "movs",
	[PCIEM_INSN_STOS]	= "stos",
	[PCIEM_INSN_LODS]	= "lods",
	[PCIEM_INSN_ALU]	= "alu",
	[PCIEM_INSN_TEST]	= "test",
	[PCIEM_INSN_INC]	= "inc",
	[PCIEM_INSN_DEC]	= "dec",
	[PCIEM_INSN_NOT]	= "not",
	[PCIEM_INSN_NEG]	= "neg",
	[PCIEM_INSN_XCHG]	= "xchg",
	[PCIEM_INSN_XADD]	= "xadd",
	[PCIEM_INSN_CMPXCHG]	= "cmpxchg",
	[PCIEM_INSN_BT]		= "bt",
	[PCIEM_INSN_MOVBE]	= "movbe",
	[PCIEM_INSN_MOVDIR64B]	= "movdir64b",
	[PCIEM_INSN_VLOAD]	= "vector load",
	[PCIEM_INSN_VSTORE]	= "vector store",
	[PCIEM_INSN_CLFLUSH]	= "clflush",
};

const char *pciem_insn_op_name(int op)
{
	if (op < 0 || op >= PCIEM_INSN_NR_OPS)
		return "invalid";
	return pciem_insn_op_names[op];
}

static const char * const alu_names[2][8] = {
	{ "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp" },
	{ "lock add", "lock or", "lock adc", "lock sbb", "lock and", "lock sub",
	  "lock xor", "lock cmp" },
};
static const char * const bt_names[2][4] = {
	{ "bt", "bts", "btr", "btc" },
	{ "lock bt", "lock bts", "lock btr", "lock btc" },
};
static const char * const vec_names[2][PCIEM_VEC_NR] = {
	{ "movups", "movupd", "movaps", "movapd", "movdqu", "movdqa", "movntdq",
	  "movntps", "movntpd", "movntdqa", "movd", "movq" },
	{ "vmovups", "vmovupd", "vmovaps", "vmovapd", "vmovdqu", "vmovdqa", "vmovntdq",
	  "vmovntps", "vmovntpd", "vmovntdqa", "vmovd", "vmovq" },
};

const char *pciem_insn_name(const struct pciem_insn *insn)
{
	bool lock = insn->lock;

	switch (insn->op) {
	case PCIEM_INSN_MOVS:
		return insn->rep ? "rep movs" : "movs";
	case PCIEM_INSN_STOS:
		return insn->rep ? "rep stos" : "stos";
	case PCIEM_INSN_LODS:
		return insn->rep ? "rep lods" : "lods";
	case PCIEM_INSN_STORE:
		return insn->sub == 1 ? "movnti" : insn->sub == 2 ? "movdiri" : "mov";
	case PCIEM_INSN_ALU:
		return alu_names[lock][insn->sub & 7];
	case PCIEM_INSN_BT:
		return bt_names[lock][insn->sub & 3];
	case PCIEM_INSN_VLOAD:
	case PCIEM_INSN_VSTORE:
		if (insn->sub < PCIEM_VEC_NR)
			return vec_names[insn->vex ? 1 : 0][insn->sub];
		return "invalid";
	case PCIEM_INSN_CLFLUSH:
		return insn->sub ? "clflushopt" : "clflush";
	case PCIEM_INSN_INC:
		return lock ? "lock inc" : "inc";
	case PCIEM_INSN_DEC:
		return lock ? "lock dec" : "dec";
	case PCIEM_INSN_NOT:
		return lock ? "lock not" : "not";
	case PCIEM_INSN_NEG:
		return lock ? "lock neg" : "neg";
	case PCIEM_INSN_XCHG:
		return lock ? "lock xchg" : "xchg";
	case PCIEM_INSN_XADD:
		return lock ? "lock xadd" : "xadd";
	case PCIEM_INSN_CMPXCHG:
		return lock ? "lock cmpxchg" : "cmpxchg";
	default:
		return pciem_insn_op_name(insn->op);
	}
}

/* ---- emulation ---------------------------------------------------------- */

#define FLAGS_ARITH	(PCIEM_FLAG_CF | PCIEM_FLAG_PF | PCIEM_FLAG_AF | \
			 PCIEM_FLAG_ZF | PCIEM_FLAG_SF | PCIEM_FLAG_OF)

static uint64_t size_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

uint64_t pciem_insn_sign_extend(uint64_t v, unsigned int size)
{
	unsigned int shift = 64 - 8 * size;

	if (size >= 8)
		return v;
	return (uint64_t)((int64_t)(v << shift) >> shift);
}

uint64_t pciem_insn_reg_read(const struct pciem_insn_regs *r, unsigned int reg,
			     unsigned int size, bool high8)
{
	uint64_t v = r->gpr[reg & 15];

	if (high8)
		v >>= 8;
	return v & size_mask(size);
}

void pciem_insn_reg_write(struct pciem_insn_regs *r, unsigned int reg,
			  unsigned int size, bool high8, uint64_t v)
{
	uint64_t *p = &r->gpr[reg & 15];

	switch (size) {
	case 8:
		*p = v;
		break;
	case 4:
		*p = (uint32_t)v;	/* 32-bit destinations zero-extend */
		break;
	case 2:
		*p = (*p & ~0xffffULL) | (v & 0xffff);
		break;
	default:
		if (high8)
			*p = (*p & ~0xff00ULL) | ((v & 0xff) << 8);
		else
			*p = (*p & ~0xffULL) | (v & 0xff);
	}
}

/* The ModRM.reg operand of @in. */
static uint64_t op_reg(const struct pciem_insn_regs *r, const struct pciem_insn *in)
{
	return pciem_insn_reg_read(r, in->reg, in->size, in->high8);
}

static void set_op_reg(struct pciem_insn_regs *r, const struct pciem_insn *in, uint64_t v)
{
	pciem_insn_reg_write(r, in->reg, in->reg_size, in->high8, v);
}

static uint64_t get_le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = (v << 8) | p[n];
	return v;
}

static void put_le(uint8_t *p, unsigned int n, uint64_t v)
{
	unsigned int i;

	for (i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

/* One scalar access of 1..8 bytes; PCIEM_INSN_EFAULT or 0 (or >0 to stop). */
static int mem_read(const struct pciem_insn_ops *ops, void *ctx, uint64_t addr,
		    unsigned int size, uint64_t *v)
{
	uint8_t b[8];
	int ret = ops->read(ctx, addr, b, size);

	if (ret < 0)
		return PCIEM_INSN_EFAULT;
	if (ret > 0)
		return 1;
	*v = get_le(b, size);
	return 0;
}

static int mem_write(const struct pciem_insn_ops *ops, void *ctx, uint64_t addr,
		     unsigned int size, uint64_t v)
{
	uint8_t b[8];
	int ret;

	put_le(b, size, v);
	ret = ops->write(ctx, addr, b, size);
	if (ret < 0)
		return PCIEM_INSN_EFAULT;
	return ret > 0 ? 1 : 0;
}

/* For non-string instructions a request to stop is a failure. */
static int scalar_ret(int ret)
{
	return ret > 0 ? PCIEM_INSN_EFAULT : ret;
}

static int seg_base(const struct pciem_insn *in, const struct pciem_insn_ops *ops,
		    void *ctx, uint64_t *base)
{
	*base = 0;
	if (in->seg != PCIEM_SEG_FS && in->seg != PCIEM_SEG_GS)
		return 0;
	if (!ops->seg_base)
		return PCIEM_INSN_EUNSUPP;
	*base = ops->seg_base(ctx, in->seg);
	return 0;
}

/* The bit offset of a BT with a register offset, signed, at operand size. */
static int64_t bt_reg_offset(const struct pciem_insn *in, const struct pciem_insn_regs *r)
{
	return (int64_t)pciem_insn_sign_extend(op_reg(r, in), in->size);
}

int pciem_insn_ea(const struct pciem_insn *in, const struct pciem_insn_regs *r,
		  const struct pciem_insn_ops *ops, void *ctx, uint64_t *ea)
{
	uint64_t a = 0, sb;
	int ret;

	if (in->op == PCIEM_INSN_MOVS || in->op == PCIEM_INSN_STOS ||
	    in->op == PCIEM_INSN_LODS || in->op == PCIEM_INSN_INVALID)
		return PCIEM_INSN_EUNSUPP;
	ret = seg_base(in, ops, ctx, &sb);
	if (ret)
		return ret;
	if (in->base == PCIEM_REG_RIP)
		a = r->ip + in->len;
	else if (in->base < 16)
		a = r->gpr[in->base];
	if (in->index < 16)
		a += r->gpr[in->index] * in->scale;
	a += (uint64_t)in->disp;
	if (in->op == PCIEM_INSN_BT && !in->src_imm) {
		/*
		 * The word holding the bit: offset >> log2(bits), signed, in
		 * units of the operand size (the shift of a signed value is
		 * done by hand: >> of a negative number is implementation
		 * defined in C).
		 */
		int64_t off = bt_reg_offset(in, r);
		unsigned int shift = in->size == 2 ? 4 : in->size == 4 ? 5 : 6;
		uint64_t words = off >= 0 ? (uint64_t)off >> shift :
				 ~(~(uint64_t)off >> shift);

		a += words * in->size;
	}
	if (in->addr_size == 4)
		a = (uint32_t)a;
	*ea = sb + a;
	return 0;
}

/* ---- flags */

static uint64_t parity_flag(uint64_t res)
{
	uint8_t b = (uint8_t)res;

	b ^= b >> 4;
	b ^= b >> 2;
	b ^= b >> 1;
	return (b & 1) ? 0 : PCIEM_FLAG_PF;
}

/* ZF, SF and PF of @res at @size bytes. */
static uint64_t szp_flags(uint64_t res, unsigned int size)
{
	uint64_t f = parity_flag(res);

	res &= size_mask(size);
	if (!res)
		f |= PCIEM_FLAG_ZF;
	if ((res >> (8 * size - 1)) & 1)
		f |= PCIEM_FLAG_SF;
	return f;
}

/* a + b + carry at @size bytes; *@f gets CF PF AF ZF SF OF. */
static uint64_t do_add(uint64_t a, uint64_t b, unsigned int carry, unsigned int size,
		       uint64_t *f)
{
	uint64_t m = size_mask(size), res;
	unsigned int top = 8 * size - 1;
	bool cf;

	a &= m;
	b &= m;
	res = (a + b + carry) & m;
	if (size == 8)
		cf = res < a || (carry && res == a);
	else
		cf = ((a + b + carry) >> (8 * size)) & 1;
	*f = szp_flags(res, size);
	if (cf)
		*f |= PCIEM_FLAG_CF;
	if ((a ^ b ^ res) & 0x10)
		*f |= PCIEM_FLAG_AF;
	if ((((a ^ res) & (b ^ res)) >> top) & 1)
		*f |= PCIEM_FLAG_OF;
	return res;
}

/* a - b - borrow at @size bytes; *@f gets CF PF AF ZF SF OF. */
static uint64_t do_sub(uint64_t a, uint64_t b, unsigned int borrow, unsigned int size,
		       uint64_t *f)
{
	uint64_t m = size_mask(size), res;
	unsigned int top = 8 * size - 1;
	bool cf;

	a &= m;
	b &= m;
	res = (a - b - borrow) & m;
	cf = a < b || (borrow && a == b);
	*f = szp_flags(res, size);
	if (cf)
		*f |= PCIEM_FLAG_CF;
	if ((a ^ b ^ res) & 0x10)
		*f |= PCIEM_FLAG_AF;
	if ((((a ^ b) & (a ^ res)) >> top) & 1)
		*f |= PCIEM_FLAG_OF;
	return res;
}

/*
 * ALU operation @alu on @a (destination) and @b; returns the result and
 * sets *@f to the new flags and *@fmask to the flags it defines.
 */
static uint64_t do_alu(unsigned int alu, uint64_t a, uint64_t b, uint64_t flags,
		       unsigned int size, uint64_t *f, uint64_t *fmask)
{
	unsigned int cf = (flags & PCIEM_FLAG_CF) ? 1 : 0;
	uint64_t m = size_mask(size), res;

	*fmask = FLAGS_ARITH;
	switch (alu) {
	case PCIEM_ALU_ADD:
		return do_add(a, b, 0, size, f);
	case PCIEM_ALU_ADC:
		return do_add(a, b, cf, size, f);
	case PCIEM_ALU_SBB:
		return do_sub(a, b, cf, size, f);
	case PCIEM_ALU_SUB:
	case PCIEM_ALU_CMP:
		return do_sub(a, b, 0, size, f);
	case PCIEM_ALU_OR:
		res = (a | b) & m;
		break;
	case PCIEM_ALU_AND:
		res = (a & b) & m;
		break;
	default: /* XOR */
		res = (a ^ b) & m;
		break;
	}
	/* Logic ops: CF = OF = 0, AF undefined (left as it is). */
	*fmask = FLAGS_ARITH & ~PCIEM_FLAG_AF;
	*f = szp_flags(res, size);
	return res;
}

static void set_flags(struct pciem_insn_regs *r, uint64_t f, uint64_t mask)
{
	r->flags = (r->flags & ~mask) | (f & mask);
}

/* ---- string instructions */

static uint64_t addr_mask(const struct pciem_insn *in)
{
	return in->addr_size == 4 ? 0xffffffffULL : ~0ULL;
}

/* Write an address register (rsi/rdi/rcx) at the address size. */
static void set_addr_reg(struct pciem_insn_regs *r, const struct pciem_insn *in,
			 unsigned int reg, uint64_t v)
{
	pciem_insn_reg_write(r, reg, in->addr_size, false, v);
}

static int emulate_string(const struct pciem_insn *in, struct pciem_insn_regs *r,
			  const struct pciem_insn_ops *ops, void *ctx,
			  unsigned long max_elems)
{
	uint64_t am = addr_mask(in);
	uint64_t count = in->rep ? r->gpr[PCIEM_REG_CX] & am : 1;
	uint64_t step = (r->flags & PCIEM_FLAG_DF) ? -(uint64_t)in->size : in->size;
	uint64_t sb = 0, si, di, v;
	unsigned long done = 0;
	int ret;

	/* The source of movs/lods may have a segment override; es:rdi may not. */
	if (in->op != PCIEM_INSN_STOS) {
		ret = seg_base(in, ops, ctx, &sb);
		if (ret)
			return ret;
	}

	while (count) {
		if (max_elems && done == max_elems)
			return PCIEM_INSN_PARTIAL;
		si = r->gpr[PCIEM_REG_SI] & am;
		di = r->gpr[PCIEM_REG_DI] & am;
		switch (in->op) {
		case PCIEM_INSN_MOVS:
			ret = mem_read(ops, ctx, sb + si, in->size, &v);
			if (!ret)
				ret = mem_write(ops, ctx, di, in->size, v);
			if (ret)
				break;
			set_addr_reg(r, in, PCIEM_REG_SI, si + step);
			set_addr_reg(r, in, PCIEM_REG_DI, di + step);
			break;
		case PCIEM_INSN_STOS:
			ret = mem_write(ops, ctx, di, in->size,
					pciem_insn_reg_read(r, PCIEM_REG_AX, in->size, false));
			if (ret)
				break;
			set_addr_reg(r, in, PCIEM_REG_DI, di + step);
			break;
		default: /* LODS */
			ret = mem_read(ops, ctx, sb + si, in->size, &v);
			if (ret)
				break;
			pciem_insn_reg_write(r, PCIEM_REG_AX, in->size, false, v);
			set_addr_reg(r, in, PCIEM_REG_SI, si + step);
			break;
		}
		if (ret > 0)
			return PCIEM_INSN_PARTIAL;
		if (ret)
			return ret;
		count--;
		done++;
		if (in->rep)
			set_addr_reg(r, in, PCIEM_REG_CX, count);
	}
	r->ip += in->len;
	return PCIEM_INSN_DONE;
}

/* ---- vector moves, movdir64b */

/* Does the form need an aligned operand, and is it? */
static bool vec_misaligned(const struct pciem_insn *in, uint64_t ea)
{
	switch (in->sub) {
	case PCIEM_VEC_MOVAPS: case PCIEM_VEC_MOVAPD: case PCIEM_VEC_MOVDQA:
	case PCIEM_VEC_MOVNTDQ: case PCIEM_VEC_MOVNTPS: case PCIEM_VEC_MOVNTPD:
	case PCIEM_VEC_MOVNTDQA:
		return ea & (in->size - 1);
	default:
		return false;
	}
}

static int emulate_vec(const struct pciem_insn *in, struct pciem_insn_regs *r,
		       const struct pciem_insn_ops *ops, void *ctx, uint64_t ea)
{
	uint8_t buf[32];

	if (!ops->vec_read || !ops->vec_write)
		return PCIEM_INSN_EUNSUPP;
	if (vec_misaligned(in, ea))
		return PCIEM_INSN_EALIGN;
	memset(buf, 0, sizeof(buf));
	if (in->op == PCIEM_INSN_VLOAD) {
		if (ops->read(ctx, ea, buf, in->size))
			return PCIEM_INSN_EFAULT;
		/* movd/movq zero the rest of the xmm register; VEX the rest. */
		ops->vec_write(ctx, in->reg, buf, in->vex ? 32 : 16);
	} else {
		ops->vec_read(ctx, in->reg, buf, in->size > 16 ? 32 : 16);
		if (ops->write(ctx, ea, buf, in->size))
			return PCIEM_INSN_EFAULT;
	}
	r->ip += in->len;
	return PCIEM_INSN_DONE;
}

static int emulate_movdir64b(const struct pciem_insn *in, struct pciem_insn_regs *r,
			     const struct pciem_insn_ops *ops, void *ctx, uint64_t ea)
{
	uint64_t dst = r->gpr[in->reg] & addr_mask(in);
	uint8_t buf[64];

	/* es:dst; the segment override only applies to the source. */
	if (dst & 63)
		return PCIEM_INSN_EALIGN;
	if (ops->read(ctx, ea, buf, 64))
		return PCIEM_INSN_EFAULT;
	if (ops->write(ctx, dst, buf, 64))
		return PCIEM_INSN_EFAULT;
	r->ip += in->len;
	return PCIEM_INSN_DONE;
}

/* ---- the rest: one scalar operand */

static uint64_t bswap(uint64_t v, unsigned int size)
{
	uint64_t out = 0;
	unsigned int i;

	for (i = 0; i < size; i++, v >>= 8)
		out = (out << 8) | (v & 0xff);
	return out;
}

int pciem_insn_emulate(const struct pciem_insn *in, struct pciem_insn_regs *r,
		       const struct pciem_insn_ops *ops, void *ctx,
		       unsigned long max_elems)
{
	struct pciem_insn_regs n PCIEM_NOINIT;	/* a copy of *r before it is used */
	uint64_t ea, v = 0, res, f = 0, fmask = 0, src, m = size_mask(in->size);
	unsigned int bit;
	bool write = false;
	int ret;

	switch (in->op) {
	case PCIEM_INSN_MOVS:
	case PCIEM_INSN_STOS:
	case PCIEM_INSN_LODS:
		return emulate_string(in, r, ops, ctx, max_elems);
	case PCIEM_INSN_INVALID:
		return PCIEM_INSN_EUNSUPP;
	default:
		break;
	}
	if (in->op >= PCIEM_INSN_NR_OPS)
		return PCIEM_INSN_EUNSUPP;
	ret = pciem_insn_ea(in, r, ops, ctx, &ea);
	if (ret)
		return ret;

	switch (in->op) {
	case PCIEM_INSN_VLOAD:
	case PCIEM_INSN_VSTORE:
		return emulate_vec(in, r, ops, ctx, ea);
	case PCIEM_INSN_MOVDIR64B:
		return emulate_movdir64b(in, r, ops, ctx, ea);
	case PCIEM_INSN_CLFLUSH:
		if (ops->flush)
			ops->flush(ctx, ea);
		r->ip += in->len;
		return PCIEM_INSN_DONE;
	case PCIEM_INSN_STORE:
		ret = mem_write(ops, ctx, ea, in->size, op_reg(r, in));
		goto out;
	case PCIEM_INSN_STORE_IMM:
		ret = mem_write(ops, ctx, ea, in->size, in->imm);
		goto out;
	case PCIEM_INSN_MOVBE:
		if (!in->reg_dst) {
			ret = mem_write(ops, ctx, ea, in->size, bswap(op_reg(r, in), in->size));
			goto out;
		}
		break;
	default:
		break;
	}

	/* Everything else reads the operand first. */
	ret = mem_read(ops, ctx, ea, in->size, &v);
	if (ret)
		return scalar_ret(ret);
	/* A plain load, the commonest: nothing can fail after the read, so
	 * the register is written in place, without the copy below. */
	switch (in->op) {
	case PCIEM_INSN_LOAD:
	case PCIEM_INSN_LOAD_ZX:
		set_op_reg(r, in, v);
		goto out;
	case PCIEM_INSN_LOAD_SX:
		set_op_reg(r, in, pciem_insn_sign_extend(v, in->size));
		goto out;
	default:
		break;
	}
	n = *r;
	src = in->src_imm ? in->imm : op_reg(r, in);

	switch (in->op) {
	case PCIEM_INSN_MOVBE:
		set_op_reg(&n, in, bswap(v, in->size));
		break;
	case PCIEM_INSN_ALU:
		if (in->reg_dst) {
			res = do_alu(in->sub, src, v, r->flags, in->size, &f, &fmask);
			if (in->sub != PCIEM_ALU_CMP)
				set_op_reg(&n, in, res);
		} else {
			res = do_alu(in->sub, v, src, r->flags, in->size, &f, &fmask);
			if (in->sub != PCIEM_ALU_CMP) {
				v = res;
				write = true;
			}
		}
		set_flags(&n, f, fmask);
		break;
	case PCIEM_INSN_TEST:
		do_alu(PCIEM_ALU_AND, v, src, r->flags, in->size, &f, &fmask);
		set_flags(&n, f, fmask);
		break;
	case PCIEM_INSN_INC:
	case PCIEM_INSN_DEC:
		if (in->op == PCIEM_INSN_INC)
			v = do_add(v, 1, 0, in->size, &f);
		else
			v = do_sub(v, 1, 0, in->size, &f);
		set_flags(&n, f, FLAGS_ARITH & ~PCIEM_FLAG_CF);
		write = true;
		break;
	case PCIEM_INSN_NOT:
		v = ~v & m;
		write = true;
		break;
	case PCIEM_INSN_NEG:
		v = do_sub(0, v, 0, in->size, &f);
		set_flags(&n, f, FLAGS_ARITH);
		write = true;
		break;
	case PCIEM_INSN_XCHG:
		set_op_reg(&n, in, v);
		v = src;
		write = true;
		break;
	case PCIEM_INSN_XADD:
		res = do_add(v, src, 0, in->size, &f);
		set_flags(&n, f, FLAGS_ARITH);
		set_op_reg(&n, in, v);
		v = res;
		write = true;
		break;
	case PCIEM_INSN_CMPXCHG:
		do_sub(pciem_insn_reg_read(r, PCIEM_REG_AX, in->size, false), v, 0,
		       in->size, &f);
		set_flags(&n, f, FLAGS_ARITH);
		if (f & PCIEM_FLAG_ZF)
			v = src;	/* equal: store the source */
		else			/* not equal: load the accumulator */
			pciem_insn_reg_write(&n, PCIEM_REG_AX, in->size, false, v);
		write = true;		/* the old value is written back on failure */
		break;
	case PCIEM_INSN_BT:
		if (in->src_imm)
			bit = in->imm & (8 * in->size - 1);
		else
			bit = (uint64_t)bt_reg_offset(in, r) & (8 * in->size - 1);
		set_flags(&n, ((v >> bit) & 1) ? PCIEM_FLAG_CF : 0, PCIEM_FLAG_CF);
		switch (in->sub) {
		case PCIEM_BT_BTS:
			v |= 1ULL << bit;
			break;
		case PCIEM_BT_BTR:
			v &= ~(1ULL << bit);
			break;
		case PCIEM_BT_BTC:
			v ^= 1ULL << bit;
			break;
		default:
			break;
		}
		write = in->sub != PCIEM_BT_BT;
		break;
	default:
		return PCIEM_INSN_EUNSUPP;
	}

	if (write) {
		ret = mem_write(ops, ctx, ea, in->size, v & m);
		if (ret)
			return scalar_ret(ret);
	}
	*r = n;
out:
	if (ret)
		return scalar_ret(ret);
	r->ip += in->len;
	return PCIEM_INSN_DONE;
}
