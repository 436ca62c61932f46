// SPDX-License-Identifier: GPL-2.0
/*
 * Minimal x86-64 instruction decoder for MMIO emulation; see pciem_insn.h
 * for what it recognises.  Plain C without state, allocation or floating
 * point, so that the same file builds in the kernel module and in the
 * userspace unit tests.
 */
#include "pciem_insn.h"

#define REX_W	0x08
#define REX_R	0x04

/* Prefixes and flags seen before the opcode. */
struct insn_prefixes {
	uint8_t rex;		/* REX byte right before the opcode, or 0 */
	uint8_t opsize16;	/* 66 */
	uint8_t addr32;		/* 67 */
	uint8_t f2;		/* F2 (repne) seen */
	uint8_t f3;		/* F3 (rep) seen */
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

/*
 * Consume the prefixes at @buf; on success return 0 and leave the offset of
 * the opcode in *@pos.
 */
static int insn_prefixes(const uint8_t *buf, size_t avail, size_t *pos,
			 struct insn_prefixes *pfx)
{
	size_t i = 0;
	uint8_t b;
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
			break;
		case 0xf2:
			pfx->f2 = 1;
			break;
		case 0xf3:
			pfx->f3 = 1;
			break;
		case 0xf0:
			return PCIEM_INSN_EUNSUPP;
		default:
			if ((b & 0xf0) != 0x40) {
				*pos = i;
				return 0;
			}
			/* REX: kept only if the opcode follows. */
			pfx->rex = b;
			i++;
			continue;
		}
		/* A legacy prefix after a REX prefix voids the REX. */
		pfx->rex = 0;
		i++;
	}
}

/*
 * Skip the ModRM byte at *@pos and its SIB byte and displacement.  Only
 * memory operands are accepted.  Returns 0 with *@pos past the displacement
 * and the ModRM byte in *@modrm.
 */
static int insn_modrm(const uint8_t *buf, size_t avail, size_t *pos,
		      uint8_t *modrm)
{
	size_t p = *pos;
	unsigned int mod, rm, disp = 0;
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

	if (rm == 4) {
		ret = insn_need(p + 1, avail);
		if (ret)
			return ret;
		/* SIB base 101 with mod 00: no base, disp32. */
		if (mod == 0 && (buf[p] & 7) == 5)
			disp = 4;
		p++;
	} else if (mod == 0 && rm == 5) {
		disp = 4;	/* RIP-relative */
	}

	p += disp;
	ret = insn_need(p, avail);
	if (ret)
		return ret;
	*pos = p;
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

int pciem_insn_decode(const uint8_t *buf, size_t avail, struct pciem_insn *insn)
{
	struct insn_prefixes pfx;
	size_t pos = 0;
	unsigned int osz, imm_len = 0, moffs_len = 0;
	uint8_t opc, modrm = 0;
	bool has_modrm = true, string_op = false, byte_reg = false;
	int ret;

	memset(insn, 0, sizeof(*insn));
	memset(&pfx, 0, sizeof(pfx));

	ret = insn_prefixes(buf, avail, &pos, &pfx);
	if (ret)
		return ret;

	osz = (pfx.rex & REX_W) ? 8 : pfx.opsize16 ? 2 : 4;
	opc = buf[pos++];

	switch (opc) {
	case 0x88:
		insn->op = PCIEM_INSN_STORE;
		insn->size = 1;
		byte_reg = true;
		break;
	case 0x89:
		insn->op = PCIEM_INSN_STORE;
		insn->size = osz;
		break;
	case 0x8a:
		insn->op = PCIEM_INSN_LOAD;
		insn->size = 1;
		byte_reg = true;
		break;
	case 0x8b:
		insn->op = PCIEM_INSN_LOAD;
		insn->size = osz;
		break;
	case 0x63:
		/* Without REX.W the operand size is not agreed on by vendors. */
		if (!(pfx.rex & REX_W))
			goto unsupported;
		insn->op = PCIEM_INSN_LOAD_SX;
		insn->size = 4;
		insn->reg_size = 8;
		break;
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:
		insn->op = opc < 0xa2 ? PCIEM_INSN_LOAD : PCIEM_INSN_STORE;
		insn->size = (opc & 1) ? osz : 1;
		has_modrm = false;
		moffs_len = pfx.addr32 ? 4 : 8;
		break;
	case 0xa4: case 0xa5: case 0xaa: case 0xab: case 0xac: case 0xad:
		if (opc < 0xaa)
			insn->op = PCIEM_INSN_MOVS;
		else if (opc < 0xac)
			insn->op = PCIEM_INSN_STOS;
		else
			insn->op = PCIEM_INSN_LODS;
		insn->size = (opc & 1) ? osz : 1;
		has_modrm = false;
		string_op = true;
		break;
	case 0xc6:
		insn->op = PCIEM_INSN_STORE_IMM;
		insn->size = 1;
		imm_len = 1;
		break;
	case 0xc7:
		insn->op = PCIEM_INSN_STORE_IMM;
		insn->size = osz;
		imm_len = osz == 2 ? 2 : 4;
		break;
	case 0x0f:
		ret = insn_need(pos + 1, avail);
		if (ret)
			goto fail;
		opc = buf[pos++];
		switch (opc) {
		case 0xb6: case 0xb7:
			insn->op = PCIEM_INSN_LOAD_ZX;
			break;
		case 0xbe: case 0xbf:
			insn->op = PCIEM_INSN_LOAD_SX;
			break;
		default:
			goto unsupported;
		}
		insn->size = (opc & 1) ? 2 : 1;
		insn->reg_size = osz;
		break;
	default:
		goto unsupported;
	}

	/* F2 is never accepted; F3 only as rep on a string op. */
	if (pfx.f2 || (pfx.f3 && !string_op))
		goto unsupported;
	insn->rep = pfx.f3;

	if (has_modrm) {
		ret = insn_modrm(buf, avail, &pos, &modrm);
		if (ret)
			goto fail;
		insn->reg = ((modrm >> 3) & 7) | ((pfx.rex & REX_R) ? 8 : 0);
		if (insn->op == PCIEM_INSN_STORE_IMM) {
			/* C6 /0 and C7 /0 only (C6 F8, C7 F8 are XABORT, XBEGIN). */
			if (modrm & 0x38)
				goto unsupported;
			insn->reg = 0;
		}
	}

	/* Without REX, byte registers 4..7 are AH, CH, DH, BH. */
	if (byte_reg && !pfx.rex && insn->reg >= 4) {
		insn->reg -= 4;
		insn->high8 = 1;
	}

	ret = insn_need(pos + imm_len + moffs_len, avail);
	if (ret)
		goto fail;
	if (imm_len) {
		insn->imm = insn_get_le(buf + pos, imm_len);
		/* REX.W C7: imm32 sign-extended to 64 bits. */
		if (insn->size == 8 && (insn->imm & 0x80000000u))
			insn->imm |= 0xffffffff00000000ull;
	}
	pos += imm_len + moffs_len;

	if (!insn->reg_size)
		insn->reg_size = insn->size;
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
};

const char *pciem_insn_op_name(int op)
{
	if (op < 0 || op >= PCIEM_INSN_NR_OPS)
		return "invalid";
	return pciem_insn_op_names[op];
}

const char *pciem_insn_name(const struct pciem_insn *insn)
{
	if (insn->rep) {
		switch (insn->op) {
		case PCIEM_INSN_MOVS:
			return "rep movs";
		case PCIEM_INSN_STOS:
			return "rep stos";
		case PCIEM_INSN_LODS:
			return "rep lods";
		default:
			break;
		}
	}
	return pciem_insn_op_name(insn->op);
}
