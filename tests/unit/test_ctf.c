// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of pciem-trace's CTF writer (tools/pciem-trace/ctf.c): TSDL
 * identifiers and string escaping, the text of every field type (byte
 * sequences too), the env
 * and clock blocks, the directory rules, and the bytes of a packet.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "ctf.h"

static const struct ctf_field fields[] = {
	{ "a8", CTF_U8, 0 }, { "b16", CTF_U16, 1 }, { "c32", CTF_U32, 0 },
	{ "d64", CTF_U64, 1 }, { "name", CTF_STRING, 0 },
};

static const struct ctf_event_class classes[] = {
	{ "pciem:all \"types\"\n", fields, 5, 13 },
	{ "p:empty", NULL, 0, 13 },
};

static const uint8_t clock_uuid[16] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
};

static struct ctf_writer_opts base_opts(const char *dir)
{
	static const struct ctf_env env[] = {
		{ "domain", "ust", 0 }, { "tracer_major", NULL, -3 },
		{ "cmd", "a\\b\t\x01\"", 0 },
	};
	struct ctf_writer_opts o = {
		.dir = dir, .clock_name = "monotonic", .clock_description = "mono",
		.clock_offset_s = -2, .clock_offset = 999999999, .clock_uuid = clock_uuid,
		.env = env, .nenv = 3, .classes = classes, .nclasses = 2,
		.stream_prefix = "s",
	};

	memset(o.uuid, 0xab, sizeof(o.uuid));
	return o;
}

static void test_identifiers(void **state)
{
	(void)state;
	assert_true(tsdl_is_identifier("domain"));
	assert_true(tsdl_is_identifier("kind_name2"));
	assert_true(tsdl_is_identifier("X"));
	assert_false(tsdl_is_identifier(""));
	assert_false(tsdl_is_identifier(NULL));
	assert_false(tsdl_is_identifier("_x"));		/* the writer adds the '_' */
	assert_false(tsdl_is_identifier("2x"));
	assert_false(tsdl_is_identifier("a-b"));
	assert_false(tsdl_is_identifier("a b"));
	assert_false(tsdl_is_identifier("a:b"));
	assert_false(tsdl_is_identifier("integer"));	/* keywords */
	assert_false(tsdl_is_identifier("event"));
	assert_false(tsdl_is_identifier("string"));
}

static void test_escape(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(tsdl_escape(buf, sizeof(buf), "plain"), 5);
	assert_string_equal(buf, "plain");
	tsdl_escape(buf, sizeof(buf), "a\"b\\c\nd\te\x01\x7f");
	assert_string_equal(buf, "a\\\"b\\\\c\\nd\\te\\x01\\x7f");
	tsdl_escape(buf, sizeof(buf), "h\xc3\xa9");	/* UTF-8 passes */
	assert_string_equal(buf, "h\xc3\xa9");
	/* too small: truncated, NUL-terminated, the length needed returned */
	assert_int_equal(tsdl_escape(buf, 4, "ab\"cd"), 6);
	assert_string_equal(buf, "ab\\");
	assert_int_equal(tsdl_escape(NULL, 0, "\n"), 2);
}

static void test_metadata_text(void **state)
{
	struct ctf_writer_opts o = base_opts("/nonexistent");
	const char *why;
	char *m;

	(void)state;
	m = tsdl_metadata(&o, &why);
	assert_non_null(m);
	assert_int_equal(strncmp(m, "/* CTF 1.8 */\n", 14), 0);
	/* every field type */
	assert_non_null(strstr(m, "integer { size = 8; align = 8; signed = 0; encoding = none; "
				  "base = 10; } _a8;"));
	assert_non_null(strstr(m, "integer { size = 16; align = 8; signed = 0; encoding = none; "
				  "base = 16; } _b16;"));
	assert_non_null(strstr(m, "integer { size = 32; align = 8; signed = 0; encoding = none; "
				  "base = 10; } _c32;"));
	assert_non_null(strstr(m, "integer { size = 64; align = 8; signed = 0; encoding = none; "
				  "base = 16; } _d64;"));
	assert_non_null(strstr(m, "string { encoding = UTF8; } _name;"));
	/* event names escaped; ids in order */
	assert_non_null(strstr(m, "name = \"pciem:all \\\"types\\\"\\n\";\n\tid = 0;"));
	assert_non_null(strstr(m, "name = \"p:empty\";\n\tid = 1;"));
	/* env: strings escaped, numbers signed */
	assert_non_null(strstr(m, "\tdomain = \"ust\";\n"));
	assert_non_null(strstr(m, "\ttracer_major = -3;\n"));
	assert_non_null(strstr(m, "\tcmd = \"a\\\\b\\t\\x01\\\"\";\n"));
	/* clock */
	assert_non_null(strstr(m, "uuid = \"00112233-4455-6677-8899-aabbccddeeff\";"));
	assert_non_null(strstr(m, "offset_s = -2;\n\toffset = 999999999;"));
	assert_non_null(strstr(m, "map = clock.monotonic.value;"));
	assert_non_null(strstr(m, "uuid = \"abababab-abab-abab-abab-abababababab\";"));
	free(m);

	o.clock_uuid = NULL;
	m = tsdl_metadata(&o, &why);
	assert_non_null(m);
	assert_null(strstr(m, "00112233"));
	free(m);
}

static void test_metadata_refused(void **state)
{
	static const struct ctf_field bad_field[] = { { "a-b", CTF_U8, 0 } };
	static const struct ctf_field bad_type[] = { { "ok", 0, 0 } };
	static const struct ctf_event_class c1[] = { { "x", bad_field, 1, 0 } };
	static const struct ctf_event_class c2[] = { { "x", bad_type, 1, 0 } };
	static const struct ctf_env bad_env[] = { { "env", "x", 0 } };
	struct ctf_writer_opts o = base_opts("/nonexistent");
	const char *why;

	(void)state;
	o.classes = c1;
	o.nclasses = 1;
	assert_null(tsdl_metadata(&o, &why));
	assert_string_equal(why, "bad field");
	o.classes = c2;
	assert_null(tsdl_metadata(&o, &why));
	o = base_opts("/nonexistent");
	o.clock_name = "mono tonic";
	assert_null(tsdl_metadata(&o, &why));
	assert_string_equal(why, "bad clock name");
	o = base_opts("/nonexistent");
	o.env = bad_env;
	o.nenv = 1;
	assert_null(tsdl_metadata(&o, &why));
	assert_string_equal(why, "bad env key");
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static void test_packets(void **state)
{
	char dir[] = "/tmp/test_ctf.XXXXXX", path[128];
	struct ctf_writer_opts o;
	struct ctf_writer *w;
	struct ctf_stream *s, *s3;
	uint64_t ts;
	uint8_t *p, *d;
	size_t len;

	(void)state;
	assert_non_null(mkdtemp(dir));
	o = base_opts(dir);
	o.packet_bytes = 4096;
	assert_int_equal(ctf_writer__open(&w, &o), 0);
	s = ctf_writer__stream(w, 0);
	assert_non_null(s);
	assert_ptr_equal(ctf_writer__stream(w, 0), s);
	s3 = ctf_writer__stream(w, 3);
	assert_non_null(s3);
	assert_int_equal(ctf_writer__streams(w), 2);

	ts = 100;
	p = ctf_stream__begin(w, s, 0, &ts, 64);
	assert_non_null(p);
	p = ctf_put_u8(p, 0x12);
	p = ctf_put_u16(p, 0x3456);
	p = ctf_put_u32(p, 0x789abcde);
	p = ctf_put_u64(p, 0x1122334455667788ULL);
	p = ctf_put_str(p, "abc", 3);
	ctf_stream__commit(s, p);
	ts = 90;			/* earlier: raised to 100 */
	p = ctf_stream__begin(w, s, 1, &ts, 0);
	assert_int_equal(ts, 100);
	assert_int_equal(ctf_writer__raised(w), 1);
	ctf_stream__commit(s, p);
	ctf_stream__discard(s, 5);
	assert_int_equal(ctf_stream__flush(w, s, 0), 0);
	assert_int_equal(ctf_stream__flush(w, s, 0), 0);	/* nothing new: no packet */
	assert_int_equal(ctf_writer__close(w), 0);

	snprintf(path, sizeof(path), "%s/s_0", dir);
	d = (uint8_t *)slurp(path, &len);
	/* header + context 84 bytes, event 10 + 19, event 10 */
	assert_int_equal(len, 84 + 29 + 10);
	assert_int_equal(d[0], 0xc1);
	assert_int_equal(d[3], 0xc1);
	assert_int_equal(d[4], 0xab);
	assert_int_equal(le64(d + 24), 0);		/* stream_instance_id: cpu */
	assert_int_equal(le64(d + 32), 100);		/* timestamp_begin */
	assert_int_equal(le64(d + 40), 100);		/* timestamp_end */
	assert_int_equal(le64(d + 48), len * 8);	/* content_size, bits */
	assert_int_equal(le64(d + 56), len * 8);	/* packet_size */
	assert_int_equal(le64(d + 64), 0);		/* packet_seq_num */
	assert_int_equal(le64(d + 72), 5);		/* events_discarded */
	assert_int_equal(d[84], 0);			/* id 0 */
	assert_int_equal(le64(d + 86), 100);
	assert_int_equal(d[94], 0x12);
	assert_int_equal(d[95], 0x56);
	assert_int_equal(d[96], 0x34);
	assert_int_equal(d[97], 0xde);
	assert_int_equal(d[101], 0x88);
	assert_memory_equal(d + 109, "abc", 4);
	assert_int_equal(d[113], 1);			/* id 1 */
	free(d);
	/* the stream without events still has one empty packet */
	snprintf(path, sizeof(path), "%s/s_3", dir);
	d = (uint8_t *)slurp(path, &len);
	assert_int_equal(len, 84);
	assert_int_equal(le64(d + 24), 3);
	assert_int_equal(d[80], 3);			/* cpu_id */
	free(d);
	snprintf(path, sizeof(path), "%s/metadata", dir);
	d = (uint8_t *)slurp(path, &len);
	assert_non_null(strstr((char *)d, "CTF 1.8"));
	free(d);

	/* a directory that is not empty is refused and left alone */
	assert_int_equal(ctf_writer__open(&w, &o), -ENOTEMPTY);
	assert_non_null(strstr(ctf_writer__error(w), "not empty"));
	ctf_writer__close(w);
	snprintf(path, sizeof(path), "rm -r %s", dir);
	assert_int_equal(system(path), 0);
}

/* A byte sequence: its length field before it, as LTTng-UST declares
 * lttng_ust_field_sequence_hex(uint8_t, NAME, ..., uint32_t, ...), and its
 * bytes: a uint32 length, then the bytes. */
static void test_bytes(void **state)
{
	static const struct ctf_field f[] = {
		{ "addr", CTF_U64, 1 }, { "payload", CTF_BYTES, 1 }, { "stack", CTF_STRING, 0 },
	};
	static const struct ctf_event_class c[] = { { "pciem:dma_write", f, 3, 13 } };
	struct ctf_writer_opts o = base_opts("/nonexistent");
	uint8_t buf[32], *p;
	const char *why;
	char *m;

	(void)state;
	o.classes = c;
	o.nclasses = 1;
	m = tsdl_metadata(&o, &why);
	assert_non_null(m);
	assert_non_null(strstr(m, "base = 16; } _addr;\n"
				  "\t\tinteger { size = 32; align = 8; signed = 0; encoding = none; "
				  "base = 10; } __payload_length;\n"
				  "\t\tinteger { size = 8; align = 8; signed = 0; encoding = none; "
				  "base = 16; } _payload[ __payload_length ];\n"
				  "\t\tstring { encoding = UTF8; } _stack;"));
	free(m);

	memset(buf, 0xee, sizeof(buf));
	p = ctf_put_bytes(buf, "\x01\x02\x03", 3);
	assert_ptr_equal(p, buf + 7);
	assert_memory_equal(buf, "\x03\0\0\0\x01\x02\x03", 7);
	assert_int_equal(buf[7], 0xee);
	p = ctf_put_bytes(buf, NULL, 0);		/* empty: the length only */
	assert_ptr_equal(p, buf + 4);
	assert_memory_equal(buf, "\0\0\0\0", 4);
}

static void test_packet_full(void **state)
{
	char dir[] = "/tmp/test_ctf.XXXXXX", path[128];
	struct ctf_writer_opts o;
	struct ctf_writer *w;
	struct ctf_stream *s;
	uint64_t ts;
	uint8_t *p, *d;
	size_t len, off;
	int i, packets;

	(void)state;
	assert_non_null(mkdtemp(dir));
	o = base_opts(dir);
	o.packet_bytes = 4096;
	o.max_streams = 1;
	assert_int_equal(ctf_writer__open(&w, &o), 0);
	s = ctf_writer__stream(w, 9);
	for (i = 0; i < 1000; i++) {
		ts = 1000 + i;
		p = ctf_stream__begin(w, s, 1, &ts, 8);
		assert_non_null(p);
		ctf_stream__commit(s, ctf_put_u64(p, i));
	}
	assert_int_equal(ctf_writer__close(w), 0);
	snprintf(path, sizeof(path), "%s/s_9", dir);
	d = (uint8_t *)slurp(path, &len);
	/* packets follow each other, numbered, times increasing, 18 bytes an event */
	for (off = 0, packets = 0; off < len; packets++) {
		uint64_t bytes = le64(d + off + 48) / 8;

		assert_true(bytes > 84 && bytes <= 4096);
		assert_int_equal((bytes - 84) % 18, 0);
		assert_int_equal(le64(d + off + 64), packets);
		assert_true(le64(d + off + 40) >= le64(d + off + 32));
		off += bytes;
	}
	assert_int_equal(off, len);
	assert_int_equal(len, 84 * (size_t)packets + 18 * 1000);
	free(d);
	snprintf(path, sizeof(path), "rm -r %s", dir);
	assert_int_equal(system(path), 0);
}

static void test_refusals(void **state)
{
	char dir[] = "/tmp/test_ctf.XXXXXX", path[128];
	struct ctf_writer_opts o;
	struct ctf_writer *w;
	struct ctf_stream *s;
	uint64_t ts = 1;

	(void)state;
	assert_non_null(mkdtemp(dir));
	o = base_opts(dir);
	o.packet_bytes = 4096;
	o.max_streams = 1;
	assert_int_equal(ctf_writer__open(&w, &o), 0);
	s = ctf_writer__stream(w, 0);
	assert_non_null(s);
	/* a second CPU is one stream too many */
	assert_null(ctf_writer__stream(w, 1));
	assert_non_null(strstr(ctf_writer__error(w), "more than 1 CPUs"));
	assert_int_equal(ctf_writer__close(w), -E2BIG);
	snprintf(path, sizeof(path), "rm -r %s", dir);
	assert_int_equal(system(path), 0);

	assert_non_null(mkdtemp(strcpy(dir, "/tmp/test_ctf.XXXXXX")));
	o.dir = dir;
	assert_int_equal(ctf_writer__open(&w, &o), 0);
	s = ctf_writer__stream(w, 0);
	/* an event larger than a packet */
	assert_null(ctf_stream__begin(w, s, 0, &ts, 8192));
	assert_non_null(strstr(ctf_writer__error(w), "does not fit"));
	assert_int_equal(ctf_writer__close(w), -E2BIG);
	snprintf(path, sizeof(path), "rm -r %s", dir);
	assert_int_equal(system(path), 0);

	/* a file in the way, a missing parent */
	o.dir = "/dev/null";
	assert_int_equal(ctf_writer__open(&w, &o), -ENOTDIR);
	ctf_writer__close(w);
	o.dir = "/nonexistent/dir";
	assert_int_equal(ctf_writer__open(&w, &o), -ENOENT);
	assert_non_null(strstr(ctf_writer__error(w), "/nonexistent/dir: cannot create"));
	ctf_writer__close(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identifiers),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_metadata_text),
		cmocka_unit_test(test_metadata_refused),
		cmocka_unit_test(test_packets),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_packet_full),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
