// SPDX-License-Identifier: GPL-2.0
/*
 * Write a deterministic stream of random, mostly mov-like x86-64 byte
 * sequences, for objdump to disassemble and test_corpus.c to compare the
 * decoder against: random prefixes in random order, maybe a REX, an
 * opcode the decoder knows (or not), and random ModRM/SIB/displacement/
 * immediate bytes.
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
	static const uint8_t opcodes_0f[] = { 0xb6, 0xb7, 0xbe, 0xbf };
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
		switch (rnd() % 10) {
		case 0:
			b[n++] = (uint8_t)rnd();
			break;
		case 1:
		case 2:
			b[n++] = 0x0f;
			b[n++] = rnd() % 4 ? opcodes_0f[rnd() % 4] : (uint8_t)rnd();
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
