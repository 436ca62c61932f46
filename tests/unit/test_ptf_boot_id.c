// SPDX-License-Identifier: GPL-2.0
/*
 * Trace format 1.1: the boot id at the end of HEADER.  Written and read
 * back by libptf; a 1.0 HEADER (ending after Command) reads as an unknown
 * boot id; a HEADER cut inside Boot_Id is refused; ptf_read_boot_id()
 * parses the kernel's text.  The files of the last two cases are made by
 * hand, byte for byte, as the spec (formats/trace_format.md) says.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>
#include <cmocka.h>

#include "ptf.h"

static const uint8_t id[16] = {
	0xde, 0xad, 0xbe, 0xef, 0x01, 0x23, 0x45, 0x67,
	0x89, 0xab, 0xcd, 0xef, 0x10, 0x32, 0x54, 0x76,
};

static void test_round_trip(void **state)
{
	char path[] = "/tmp/test_boot_id.XXXXXX";
	struct ptf_writer_opts o = { .force = 1 };
	struct ptf_header h;
	struct ptf_writer *w;
	struct ptf_reader *r;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	memset(&h, 0, sizeof(h));
	strcpy(h.clock, "CLOCK_MONOTONIC");
	memcpy(h.boot_id, id, sizeof(id));
	assert_int_equal(ptf_writer__open(&w, path, &h, &o), 0);
	assert_int_equal(ptf_writer__close(w), 0);
	assert_int_equal(ptf_reader__open(&r, path), 0);
	assert_int_equal(ptf_reader__header(r)->version_major, 1);
	assert_int_equal(ptf_reader__header(r)->version_minor, PTF_VERSION_MINOR);
	assert_memory_equal(ptf_reader__header(r)->boot_id, id, sizeof(id));
	ptf_reader__close(r);
	unlink(path);
}

static uint8_t *put_str(uint8_t *p, const char *s)
{
	size_t n = strlen(s);

	*p++ = (uint8_t)n;		/* short strings: a one-byte varint */
	memcpy(p, s, n);
	return p + n;
}

/* Frame 0 of a file by hand: preamble (version 1.@minor), FRAME 0 and a
 * HEADER followed by @extra bytes of @tail; returns the compressed size. */
static size_t frame0(uint8_t *out, size_t cap, unsigned int minor, const uint8_t *tail,
		     size_t extra)
{
	uint8_t content[512], hdr[256], *p = hdr, *c = content;
	ZSTD_CCtx *z = ZSTD_createCCtx();
	size_t n;

	p = put_str(p, "hand 1");
	p = put_str(p, "6.1.0");
	p = put_str(p, "host");
	p = put_str(p, "CLOCK_MONOTONIC");
	*p++ = 0x05;			/* Start_Mono_Ns */
	*p++ = 0x02;			/* Start_Real_Ns: zigzag 1 */
	*p++ = 0x01;			/* Trap_Mode */
	*p++ = 0x00;			/* Header_Flags */
	p = put_str(p, "cmd");
	if (extra)
		memcpy(p, tail, extra);
	p += extra;

	memcpy(c, "\x89PTF\r\n\x1a\n", 8);
	c[8] = 1;
	c[9] = 0;
	c[10] = (uint8_t)minor;
	c[11] = 0;
	c += 12;
	*c++ = 0x02;			/* FRAME, flags 0, 1 byte: frame 0 */
	*c++ = 0x00;
	*c++ = 0x01;
	*c++ = 0x00;
	*c++ = 0x01;			/* HEADER */
	*c++ = 0x00;
	*c++ = (uint8_t)(p - hdr);
	memcpy(c, hdr, (size_t)(p - hdr));
	c += p - hdr;
	assert_non_null(z);
	ZSTD_CCtx_setParameter(z, ZSTD_c_checksumFlag, 1);
	ZSTD_CCtx_setParameter(z, ZSTD_c_contentSizeFlag, 1);
	n = ZSTD_compress2(z, out, cap, content, (size_t)(c - content));
	assert_false(ZSTD_isError(n));
	ZSTD_freeCCtx(z);
	return n;
}

static void test_by_hand(void **state)
{
	static uint8_t file[1024];
	struct ptf_reader *r;
	size_t n;

	(void)state;
	/* 1.0: no Boot_Id, unknown (zero) */
	n = frame0(file, sizeof(file), 0, NULL, 0);
	assert_int_equal(ptf_reader__open_mem(&r, file, n, "v10.zst"), 0);
	assert_int_equal(ptf_reader__header(r)->version_minor, 0);
	assert_string_equal(ptf_reader__header(r)->command, "cmd");
	{
		static const uint8_t zero[16];

		assert_memory_equal(ptf_reader__header(r)->boot_id, zero, 16);
	}
	ptf_reader__close(r);

	/* 1.1 with it, and a later minor with more after it */
	n = frame0(file, sizeof(file), 1, id, 16);
	assert_int_equal(ptf_reader__open_mem(&r, file, n, "v11.zst"), 0);
	assert_memory_equal(ptf_reader__header(r)->boot_id, id, 16);
	ptf_reader__close(r);
	{
		uint8_t more[20];

		memcpy(more, id, 16);
		memset(more + 16, 0x77, 4);
		n = frame0(file, sizeof(file), 9, more, 20);
		assert_int_equal(ptf_reader__open_mem(&r, file, n, "v19.zst"), 0);
		assert_memory_equal(ptf_reader__header(r)->boot_id, id, 16);
		ptf_reader__close(r);
	}

	/* cut inside Boot_Id: refused */
	n = frame0(file, sizeof(file), 1, id, 7);
	assert_int_equal(ptf_reader__open_mem(&r, file, n, "cut.zst"), -EBADMSG);
	assert_non_null(strstr(ptf_reader__error(r), "bad Boot_Id"));
	ptf_reader__close(r);
}

static void test_read_boot_id(void **state)
{
	uint8_t got[16];
	char text[64];
	FILE *f;

	(void)state;
	f = fopen("/proc/sys/kernel/random/boot_id", "r");
	if (!f) {
		assert_int_equal(ptf_read_boot_id(got), -ENOENT);
		return;
	}
	assert_non_null(fgets(text, sizeof(text), f));
	fclose(f);
	assert_int_equal(ptf_read_boot_id(got), 0);
	{
		char back[40];

		snprintf(back, sizeof(back),
			 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			 got[0], got[1], got[2], got[3], got[4], got[5], got[6], got[7], got[8],
			 got[9], got[10], got[11], got[12], got[13], got[14], got[15]);
		assert_int_equal(strncmp(back, text, 36), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_by_hand),
		cmocka_unit_test(test_read_boot_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
