// SPDX-License-Identifier: GPL-2.0
/*
 * Write a deterministic stream of random x86-64 byte sequences, biased to
 * the forms the decoder knows, for objdump to disassemble and
 * test_corpus.c to compare the decoder against: random prefixes in random
 * order, maybe a REX, an opcode the decoder knows (or not: one-byte,
 * 0F xx, 0F 38 xx, VEX C5/C4), and random ModRM/SIB/displacement/immediate
 * bytes.
 *
 * Usage: gen_random OUTPUT COUNT
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t state = 0x2545f4914f6cdd1dull;

static uint32_t rnd(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return (uint32_t)(state >> 32);
}

int main(int argc, char **argv)
{
	static const uint8_t legacy[] = {
		0x66, 0x66, 0x67, 0x67, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65, 0xf3, 0xf3, 0xf2, 0xf0,
	};
	static const uint8_t opcodes[] = {
		0x88, 0x89, 0x8a, 0x8b, 0x63, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xaa,
		0xab, 0xac, 0xad, 0xc6, 0xc7, 0x88, 0x89, 0x8a, 0x8b, 0xc6, 0xc7,
	};
	static const uint8_t opcodes_0f[] = {
		0xb6, 0xb7, 0xbe, 0xbf, 0xc0, 0xc1, 0xb0, 0xb1, 0xa3, 0xab, 0xb3,
		0xbb, 0xba, 0xc3, 0xae, 0x10, 0x11, 0x28, 0x29, 0x2b, 0x6f, 0x7f,
		0xe7, 0x6e, 0x7e, 0xd6, 0xc7,
	};
	/* read-modify-write and friends */
	static const uint8_t opcodes_rmw[] = {
		0x00, 0x01, 0x02, 0x03, 0x09, 0x0b, 0x10, 0x11, 0x19, 0x1a, 0x20,
		0x21, 0x29, 0x2b, 0x30, 0x31, 0x38, 0x39, 0x3a, 0x3b, 0x80, 0x81,
		0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0xf6, 0xf7, 0xfe, 0xff,
	};
	static const uint8_t opcodes_0f38[] = { 0xf0, 0xf1, 0xf8, 0xf9, 0x2a, 0x2b };
	static const uint8_t opcodes_vex[] = {
		0x10, 0x11, 0x28, 0x29, 0x2b, 0x6f, 0x7f, 0xe7, 0x6e, 0x7e, 0xd6, 0x2a,
	};
	unsigned long count, i;
	unsigned int k, n;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: %s OUTPUT COUNT\n", argv[0]);
		return 2;
	}
	count = strtoul(argv[2], NULL, 0);
	f = fopen(argv[1], "wb");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	for (i = 0; i < count; i++) {
		uint8_t b[32];
		uint32_t r = rnd();

		n = 0;
		for (k = r % 4; k; k--)
			b[n++] = legacy[rnd() % sizeof(legacy)];
		if (rnd() % 8 == 0)	/* a REX before a legacy prefix */
			b[n++] = 0x40 | (rnd() & 15);
		if (rnd() % 8 == 0 && n < 8)
			b[n++] = legacy[rnd() % sizeof(legacy)];
		if (rnd() % 2)
			b[n++] = 0x40 | (rnd() & 15);
		switch (rnd() % 16) {
		case 0:
			b[n++] = (uint8_t)rnd();
			break;
		case 1:
		case 2:
			b[n++] = 0x0f;
			b[n++] = rnd() % 4 ? opcodes_0f[rnd() % 4] : (uint8_t)rnd();
			break;
		case 3:
		case 4:
			b[n++] = 0x0f;
			b[n++] = opcodes_0f[rnd() % sizeof(opcodes_0f)];
			break;
		case 5:
			b[n++] = 0x0f;
			b[n++] = 0x38;
			b[n++] = rnd() % 4 ? opcodes_0f38[rnd() % sizeof(opcodes_0f38)] :
					     (uint8_t)rnd();
			break;
		case 6:
			/* VEX: mostly vvvv 1111 and maps 1/2, sometimes anything */
			if (rnd() % 2) {
				b[n++] = 0xc5;
				b[n++] = (uint8_t)(rnd() % 4 ? (rnd() & 0x87) | 0x78 : rnd());
			} else {
				b[n++] = 0xc4;
				b[n++] = (uint8_t)(rnd() % 4 ? (rnd() & 0xe0) | (1 + rnd() % 2) :
						   rnd());
				b[n++] = (uint8_t)(rnd() % 4 ? (rnd() & 0x87) | 0x78 : rnd());
			}
			b[n++] = opcodes_vex[rnd() % sizeof(opcodes_vex)];
			break;
		case 7:
		case 8:
		case 9:
			b[n++] = opcodes_rmw[rnd() % sizeof(opcodes_rmw)];
			break;
		default:
			b[n++] = opcodes[rnd() % sizeof(opcodes)];
			break;
		}
		/* ModRM: memory forms three times out of four. */
		b[n] = (uint8_t)rnd();
		if ((b[n] >> 6) == 3 && rnd() % 4)
			b[n] &= 0xbf;
		n++;
		for (k = 0; k < 12; k++)
			b[n++] = (uint8_t)rnd();
		if (fwrite(b, 1, n, f) != n) {
			perror(argv[1]);
			return 1;
		}
	}
	return fclose(f) ? 1 : 0;
}
