// SPDX-License-Identifier: GPL-2.0
/* Unit tests of pciem-trace's register maps (tools/pciem-trace/regs.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "regs.h"

static const char good_map[] =
	"# the counter device\n"
	"bar0 0x00 4 CONTROL   Bit 0 adds one to the counter\n"
	"bar0 0x04 4 STATUS    Interrupt status (write 1 to clear)   \n"
	"\tbit 0 IRQ_PENDING\n"
	"\tbits 7:4 MODE        free text after a field is ignored\n"
	"bar0 8 4 COUNTER\n"
	"\n"
	"   # indented comment\n"
	"cfg 0x44 2 MSI_FLAGS # trailing comment\n"
	"bar2 0x1000 8 DOORBELL\n"
	"device 1af4:1110\n"
	"bar0 0x00 2 OTHER_CONTROL\n"
	"bar0 0x08 4 OTHER_COUNTER\n"
	"device *\n"
	"config 0x48 4 MSI_ADDR\n";

static struct regmap *parse_ok(const char *text)
{
	struct regmap *m = NULL;
	char err[256];
	int ret;

	ret = regmap__parse(&m, text, strlen(text), "t.regs", err, sizeof(err));
	if (ret)
		fail_msg("unexpected parse error %d: %s", ret, err);
	assert_non_null(m);
	return m;
}

static void test_good_map(void **state)
{
	struct regmap *m = parse_ok(good_map);
	const struct reg *r;

	(void)state;
	assert_int_equal(regmap__count(m), 8);
	r = regmap__lookup(m, 0x1234, 0x5678, 0, 0x0);
	assert_non_null(r);
	assert_string_equal(r->name, "CONTROL");
	assert_string_equal(r->desc, "Bit 0 adds one to the counter");
	assert_int_equal(r->line, 2);
	r = regmap__lookup(m, 0x1234, 0x5678, 0, 0x4);
	assert_non_null(r);
	assert_string_equal(r->name, "STATUS");
	assert_string_equal(r->desc, "Interrupt status (write 1 to clear)");
	assert_int_equal(r->nfields, 2);
	assert_string_equal(r->fields[1].name, "MODE");
	assert_int_equal(r->fields[1].lo, 4);
	assert_int_equal(r->fields[1].hi, 7);
	r = regmap__lookup(m, 0x1234, 0x5678, 0, 0x8);
	assert_non_null(r);
	assert_string_equal(r->name, "COUNTER");
	assert_string_equal(r->desc, "");
	r = regmap__lookup(m, 0x1234, 0x5678, REGS_SPACE_CFG, 0x44);
	assert_non_null(r);
	assert_string_equal(r->name, "MSI_FLAGS");
	assert_string_equal(r->desc, "");
	r = regmap__lookup(m, 0x1234, 0x5678, REGS_SPACE_CFG, 0x48);
	assert_non_null(r);
	assert_string_equal(r->name, "MSI_ADDR");
	assert_true(r->any_device);
	regmap__free(m);
}

static void test_lookup_inside_and_outside(void **state)
{
	struct regmap *m = parse_ok(good_map);
	const struct reg *r;
	char buf[80];

	(void)state;
	r = regmap__lookup(m, 0x1234, 0x5678, 0, 0x6);
	assert_non_null(r);
	assert_string_equal(r->name, "STATUS");
	reg__format(r, 0x6, buf, sizeof(buf));
	assert_string_equal(buf, "STATUS+0x2");
	reg__format(r, 0x4, buf, sizeof(buf));
	assert_string_equal(buf, "STATUS");
	assert_null(regmap__lookup(m, 0x1234, 0x5678, 0, 0xc));
	assert_null(regmap__lookup(m, 0x1234, 0x5678, 1, 0x0));
	assert_null(regmap__lookup(m, 0x1234, 0x5678, REGS_SPACE_CFG, 0x0));
	r = regmap__lookup(m, 0x1234, 0x5678, 2, 0x1007);
	assert_non_null(r);
	assert_string_equal(r->name, "DOORBELL");
	assert_null(regmap__lookup(m, 0x1234, 0x5678, 2, 0x1008));
	assert_null(regmap__lookup(NULL, 0x1234, 0x5678, 0, 0));
	regmap__free(m);
}

static void test_device_scopes(void **state)
{
	struct regmap *m = parse_ok(good_map);
	const struct reg *r;

	(void)state;
	/* the device's own register wins over the generic one */
	r = regmap__lookup(m, 0x1af4, 0x1110, 0, 0x0);
	assert_non_null(r);
	assert_string_equal(r->name, "OTHER_CONTROL");
	/* byte 2 of the generic CONTROL: no register of its own there */
	r = regmap__lookup(m, 0x1af4, 0x1110, 0, 0x2);
	assert_non_null(r);
	assert_string_equal(r->name, "CONTROL");
	/* another device does not see 1af4:1110's registers */
	r = regmap__lookup(m, 0x1234, 0x5678, 0, 0x8);
	assert_string_equal(r->name, "COUNTER");
	r = regmap__find(m, 0x1af4, 0x1110, "OTHER_COUNTER");
	assert_non_null(r);
	assert_int_equal(r->offset, 8);
	assert_null(regmap__find(m, 0x1234, 0x5678, "OTHER_COUNTER"));
	assert_true(regmap__has_name(m, "OTHER_COUNTER"));
	assert_false(regmap__has_name(m, "NOPE"));
	r = regmap__find(m, 0x1234, 0x5678, "COUNTER");
	assert_non_null(r);
	assert_int_equal(r->space, 0);
	assert_int_equal(r->offset, 8);
	assert_null(regmap__find(m, 0x1234, 0x5678, "counter"));
	assert_int_equal(regmap__count_device(m, 0x1234, 0x5678), 6);
	assert_int_equal(regmap__count_device(m, 0x1af4, 0x1110), 8);
	regmap__free(m);
}

static void test_decode_fields(void **state)
{
	struct regmap *m = parse_ok(good_map);
	const struct reg *r = regmap__find(m, 0, 0, "STATUS");
	char buf[80];

	(void)state;
	assert_non_null(r);
	assert_int_equal(reg__decode(r, 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	reg__decode(r, 0x1, buf, sizeof(buf));
	assert_string_equal(buf, "IRQ_PENDING");
	reg__decode(r, 0x31, buf, sizeof(buf));
	assert_string_equal(buf, "IRQ_PENDING|MODE=0x3");
	reg__decode(r, 0x100, buf, sizeof(buf));
	assert_string_equal(buf, "");
	/* a short buffer is cut, never overrun */
	reg__decode(r, 0x31, buf, 6);
	assert_string_equal(buf, "IRQ_P");
	regmap__free(m);
}

struct bad_case {
	const char *text;
	const char *msg;	/* expected message, "t.regs:LINE: ..." */
};

static const struct bad_case bad_cases[] = {
	{ "bar6 0 4 X\n", "t.regs:1: unknown space 'bar6'" },
	{ "# c\nbar0 0 4\n", "t.regs:2: expected 'bar0 OFFSET SIZE NAME" },
	{ "bar0 zz 4 X\n", "t.regs:1: bad offset 'zz'" },
	{ "bar0 -4 4 X\n", "t.regs:1: bad offset '-4'" },
	{ "bar0 0 3 X\n", "t.regs:1: bad size '3'" },
	{ "bar0 0x2 4 X\n", "t.regs:1: offset 0x2 is not aligned to the size 4" },
	{ "cfg 0x1000 4 X\n", "t.regs:1: offset 0x1000 is beyond the end of config space" },
	{ "bar0 0x10000000 4 X\n", "t.regs:1: offset 0x10000000 is beyond the end of a BAR" },
	{ "bar0 0 4 9LIVES\n", "t.regs:1: bad register name '9LIVES'" },
	{ "bar0 0 4 A-B\n", "t.regs:1: bad register name 'A-B'" },
	{ "bar0 0 4 A\nbar0 4 4 A\n", "t.regs:2: register A is already defined at line 1" },
	{ "bar0 0 8 A\n\nbar0 4 4 B\n", "t.regs:3: register B overlaps A (line 1)" },
	{ "bit 0 X\n", "t.regs:1: 'bit' line with no register before it" },
	{ "bar0 0 4 A\ndevice 1234:5678\nbit 0 X\n",
	  "t.regs:3: 'bit' line with no register before it" },
	{ "bar0 0 1 A\nbit 8 X\n", "t.regs:2: bit 8 is beyond the 8-bit register A" },
	{ "bar0 0 4 A\nbits 3 X\n", "t.regs:2: bad bit range '3' (expected HI:LO)" },
	{ "bar0 0 4 A\nbits 2:5 X\n", "t.regs:2: bit range 2:5 is reversed" },
	{ "bar0 0 4 A\nbits 5:2 X\nbit 3 Y\n", "t.regs:3: field Y overlaps field X of A" },
	{ "bar0 0 4 A\nbit 1 X\nbit 2 X\n", "t.regs:3: field X is already defined in A" },
	{ "bar0 0 4 A\nbit 1\n", "t.regs:2: expected 'bit N NAME'" },
	{ "device 12345678\n", "t.regs:1: bad device ID '12345678'" },
	{ "device 1234:56789\n", "t.regs:1: bad device ID '1234:56789'" },
	{ "device\n", "t.regs:1: expected 'device VVVV:DDDD'" },
	{ "bar0 0 4 "
	  "A123456789012345678901234567890123456789012345678901234567890123\n",
	  "t.regs:1: register name 'A1234567890" },
};

static void test_bad_lines(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct regmap *m = (struct regmap *)1;
		char err[256];
		int ret;

		ret = regmap__parse(&m, bad_cases[i].text, strlen(bad_cases[i].text), "t.regs",
				    err, sizeof(err));
		if (ret != -EINVAL || m != NULL ||
		    strncmp(err, bad_cases[i].msg, strlen(bad_cases[i].msg)))
			fail_msg("case %u (%s): ret %d, message '%s', expected '%s'", i,
				 bad_cases[i].text, ret, err, bad_cases[i].msg);
	}
}

static void test_same_name_in_other_scope(void **state)
{
	struct regmap *m;
	const char *text = "bar0 0 4 CTRL\ndevice 1234:5678\nbar0 0 4 CTRL\n"
			   "device 1234:9999\nbar0 0 4 CTRL\n";

	(void)state;
	m = parse_ok(text);
	assert_int_equal(regmap__count(m), 3);
	assert_int_equal(regmap__find(m, 0x1234, 0x9999, "CTRL")->line, 5);
	assert_int_equal(regmap__find(m, 0x1234, 0x5678, "CTRL")->line, 3);
	assert_int_equal(regmap__find(m, 0x1, 0x2, "CTRL")->line, 1);
	assert_int_equal(regmap__count_device(m, 0x1234, 0x5678), 1);
	assert_int_equal(regmap__count_device(m, 0x1, 0x2), 1);
	regmap__free(m);
}

static void test_empty_and_no_newline(void **state)
{
	struct regmap *m;

	(void)state;
	m = parse_ok("");
	assert_int_equal(regmap__count(m), 0);
	assert_null(regmap__lookup(m, 0, 0, 0, 0));
	regmap__free(m);
	m = parse_ok("bar1 0x10 2 LAST");
	assert_string_equal(regmap__lookup(m, 0, 0, 1, 0x11)->name, "LAST");
	regmap__free(m);
}

static void test_load_file(void **state)
{
	char path[] = "/tmp/test_regs_XXXXXX";
	struct regmap *m = NULL;
	char err[256];
	int fd, ret;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, good_map, strlen(good_map)), (ssize_t)strlen(good_map));
	close(fd);
	ret = regmap__load(&m, path, err, sizeof(err));
	assert_int_equal(ret, 0);
	assert_int_equal(regmap__count(m), 8);
	regmap__free(m);
	unlink(path);

	ret = regmap__load(&m, path, err, sizeof(err));
	assert_int_equal(ret, -ENOENT);
	assert_null(m);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "No such file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_map),
		cmocka_unit_test(test_lookup_inside_and_outside),
		cmocka_unit_test(test_device_scopes),
		cmocka_unit_test(test_decode_fields),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_same_name_in_other_scope),
		cmocka_unit_test(test_empty_and_no_newline),
		cmocka_unit_test(test_load_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
