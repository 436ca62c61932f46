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

/* ---- DMA rules ------------------------------------------------------------ */

static const char dma_map[] =
	"dma ignore at=generic_fn\n"
	"device 1b36:0010\n"
	"bar0 0x00 8 CAP\n"
	"dma id   cid at=nvme_alloc_queue entry=64 field=2:2   # SQE\n"
	"dma echo cid at=nvme_alloc_queue entry=16 field=12:2  # CQE\n"
	"\tdma ignore at=nvme_prep_rq size=8\n"
	"dma ignore at=nvme_dbbuf size=0x1000 entry=8 field=4:4\n"
	"device 1234:5678\n"
	"dma id tag at=other_fn entry=0x10 field=0:1 size=4096\n"
	"device *\n"
	"dma ignore at=late_generic\n";

static void test_dma_rules(void **state)
{
	struct regmap *m = parse_ok(dma_map);
	const struct reg_dma_rule *r[8];
	unsigned int n;

	(void)state;
	/* registers are unaffected; the device's own rules first, in order,
	 * then the generic ones */
	assert_int_equal(regmap__count(m), 1);
	n = regmap__dma_rules(m, 0x1b36, 0x0010, r, 8);
	assert_int_equal(n, 6);
	assert_int_equal(r[0]->kind, REG_DMA_ID);
	assert_string_equal(r[0]->id, "cid");
	assert_string_equal(r[0]->at, "nvme_alloc_queue");
	assert_int_equal(r[0]->entry, 64);
	assert_int_equal(r[0]->field, 2);
	assert_int_equal(r[0]->len, 2);
	assert_int_equal(r[0]->size, 0);
	assert_false(r[0]->any_device);
	assert_int_equal(r[0]->vendor_id, 0x1b36);
	assert_int_equal(r[0]->device_id, 0x0010);
	assert_int_equal(r[0]->line, 4);
	assert_int_equal(r[1]->kind, REG_DMA_ECHO);
	assert_string_equal(r[1]->id, "cid");
	assert_int_equal(r[1]->entry, 16);
	assert_int_equal(r[1]->field, 12);
	assert_int_equal(r[1]->len, 2);
	assert_int_equal(r[2]->kind, REG_DMA_IGNORE);
	assert_string_equal(r[2]->at, "nvme_prep_rq");
	assert_string_equal(r[2]->id, "");
	assert_int_equal(r[2]->size, 8);
	assert_int_equal(r[2]->entry, 0);
	assert_int_equal(r[2]->len, 0);
	assert_int_equal(r[3]->kind, REG_DMA_IGNORE);
	assert_int_equal(r[3]->size, 0x1000);
	assert_int_equal(r[3]->entry, 8);
	assert_int_equal(r[3]->field, 4);
	assert_int_equal(r[3]->len, 4);
	assert_string_equal(r[4]->at, "generic_fn");
	assert_true(r[4]->any_device);
	assert_int_equal(r[4]->line, 1);
	assert_string_equal(r[5]->at, "late_generic");
	assert_true(r[5]->any_device);

	/* another device: its own rule, then the generic ones */
	n = regmap__dma_rules(m, 0x1234, 0x5678, r, 8);
	assert_int_equal(n, 3);
	assert_int_equal(r[0]->kind, REG_DMA_ID);
	assert_string_equal(r[0]->id, "tag");
	assert_int_equal(r[0]->entry, 16);
	assert_int_equal(r[0]->len, 1);
	assert_int_equal(r[0]->size, 4096);
	assert_string_equal(r[1]->at, "generic_fn");
	assert_string_equal(r[2]->at, "late_generic");
	/* a device with none of its own */
	n = regmap__dma_rules(m, 0x1af4, 0x1110, r, 8);
	assert_int_equal(n, 2);
	assert_string_equal(r[0]->at, "generic_fn");

	/* fewer asked for than there are: the count of all, the first filled */
	r[1] = NULL;
	assert_int_equal(regmap__dma_rules(m, 0x1b36, 0x0010, r, 1), 6);
	assert_int_equal(r[0]->kind, REG_DMA_ID);
	assert_null(r[1]);
	assert_int_equal(regmap__dma_rules(m, 0x1b36, 0x0010, NULL, 0), 6);
	assert_int_equal(regmap__dma_rules(NULL, 0x1b36, 0x0010, r, 8), 0);
	regmap__free(m);
}

static void test_dma_rule_applies(void **state)
{
	struct regmap *m = parse_ok(dma_map);
	const struct reg_dma_rule *r[8];

	(void)state;
	assert_int_equal(regmap__dma_rules(m, 0x1b36, 0x0010, r, 8), 6);
	/* r[0]: at=nvme_alloc_queue, any size */
	assert_true(reg_dma_rule__applies(r[0], "nvme_alloc_queue", 4096));
	assert_true(reg_dma_rule__applies(r[0], "nvme_alloc_queue", 1));
	assert_true(reg_dma_rule__applies(r[0], "nvme_alloc_queue.part.0", 4096));
	assert_true(reg_dma_rule__applies(r[0], "nvme_alloc_queue.isra.0", 4096));
	assert_false(reg_dma_rule__applies(r[0], "nvme_alloc_queue_x", 4096));
	assert_false(reg_dma_rule__applies(r[0], "nvme_alloc_queues", 4096));
	assert_false(reg_dma_rule__applies(r[0], "nvme_alloc_queu", 4096));
	assert_false(reg_dma_rule__applies(r[0], "x_nvme_alloc_queue", 4096));
	assert_false(reg_dma_rule__applies(r[0], "", 4096));
	assert_false(reg_dma_rule__applies(r[0], NULL, 4096));
	/* r[2]: at=nvme_prep_rq size=8 */
	assert_true(reg_dma_rule__applies(r[2], "nvme_prep_rq", 8));
	assert_true(reg_dma_rule__applies(r[2], "nvme_prep_rq.part.0", 8));
	assert_false(reg_dma_rule__applies(r[2], "nvme_prep_rq", 16));
	assert_false(reg_dma_rule__applies(r[2], "nvme_prep_rq", 0));
	assert_false(reg_dma_rule__applies(r[2], "nvme_prep_rq_x", 8));
	regmap__free(m);
	/* a list of functions: any of them */
	m = parse_ok("dma ignore at=nvme_dbbuf_dma_alloc,nvme_reset_work\n");
	assert_int_equal(regmap__dma_rules(m, 0x1b36, 0x0010, r, 8), 1);
	assert_true(reg_dma_rule__applies(r[0], "nvme_dbbuf_dma_alloc", 24));
	assert_true(reg_dma_rule__applies(r[0], "nvme_reset_work", 24));
	assert_true(reg_dma_rule__applies(r[0], "nvme_reset_work.cold", 24));
	assert_false(reg_dma_rule__applies(r[0], "nvme_reset", 24));
	assert_false(reg_dma_rule__applies(r[0], "nvme_dbbuf_dma_alloc,nvme_reset_work", 24));
	regmap__free(m);
}

static void test_dma_rule_spaces(void **state)
{
	struct regmap *m = parse_ok("dma id a at=f entry=64 field=2:2\n"
				    "dma ignore at=g\n"
				    "dma id b at=f entry=64 field=4:1\n"
				    "dma echo a at=h entry=16 field=12:2\n"
				    "dma echo b at=h entry=16 field=0:1\n");
	const struct reg_dma_rule *r[8];
	unsigned int space[8];

	(void)state;
	assert_int_equal(regmap__dma_rules(m, 0x1b36, 0x0010, r, 8), 5);
	assert_int_equal(reg_dma_rules__spaces(r, 5, space), 2);
	assert_int_equal(space[0], 0);
	assert_int_equal(space[1], 0);
	assert_int_equal(space[2], 1);
	assert_int_equal(space[3], 0);
	assert_int_equal(space[4], 1);
	assert_int_equal(reg_dma_rules__spaces(r + 1, 1, space), 0);
	regmap__free(m);
}

static const struct bad_case bad_dma_cases[] = {
	{ "dma\n", "t.regs:1: expected 'dma ignore|id|echo ...'" },
	{ "dma frob at=f\n", "t.regs:1: unknown DMA rule 'frob' (expected ignore, id or echo)" },
	{ "dma ignore\n", "t.regs:1: the DMA rule needs at=FUNCTION" },
	{ "# c\ndma ignore size=8\n", "t.regs:2: the DMA rule needs at=FUNCTION" },
	{ "dma id cid entry=64 field=2:2\n", "t.regs:1: the DMA rule needs at=FUNCTION" },
	{ "dma ignore at=f entry=16\n", "t.regs:1: entry= and field= go together" },
	{ "dma ignore at=f field=0:4\n", "t.regs:1: entry= and field= go together" },
	{ "dma ignore at=f entry=16 field=15:2\n",
	  "t.regs:1: the field (bytes 15 to 16) does not fit in an entry of 16 bytes" },
	{ "dma id cid at=f entry=64 field=62:3\n",
	  "t.regs:1: the field (bytes 62 to 64) does not fit in an entry of 64 bytes" },
	{ "dma id cid at=f entry=64 field=2:3\n",
	  "t.regs:1: an identifier field has 1 or 2 bytes, not 3" },
	{ "dma echo cid at=f entry=64 field=0:4\n",
	  "t.regs:1: an identifier field has 1 or 2 bytes, not 4" },
	{ "dma id cid at=f\n", "t.regs:1: an identifier rule needs entry= and field=" },
	{ "dma id at=f entry=64 field=2:2\n",
	  "t.regs:1: expected 'dma id NAME at=FUNCTION entry=BYTES field=OFFSET:LENGTH'" },
	{ "dma echo\n",
	  "t.regs:1: expected 'dma echo NAME at=FUNCTION entry=BYTES field=OFFSET:LENGTH'" },
	{ "dma id 9cid at=f entry=64 field=2:2\n", "t.regs:1: expected 'dma id NAME" },
	{ "dma echo cid at=f entry=16 field=12:2\n",
	  "t.regs:1: an echo of cid needs a 'dma id cid' rule above it for the same device" },
	/* the identifier after its echo, or for another device */
	{ "dma echo cid at=f entry=16 field=12:2\ndma id cid at=f entry=64 field=2:2\n",
	  "t.regs:1: an echo of cid needs a 'dma id cid' rule above it" },
	{ "device 1234:5678\ndma id cid at=f entry=64 field=2:2\ndevice 1234:9999\n"
	  "dma echo cid at=f entry=16 field=12:2\n",
	  "t.regs:4: an echo of cid needs a 'dma id cid' rule above it for the same device" },
	{ "dma id cid at=f entry=64 field=2:2\ndevice 1234:5678\n"
	  "dma echo cid at=f entry=16 field=12:2\n",
	  "t.regs:3: an echo of cid needs a 'dma id cid' rule above it for the same device" },
	{ "dma id cid at=f entry=64 field=2:2\ndma echo cid at=f entry=16 field=12:1\n",
	  "t.regs:2: identifier cid has 2-byte fields (line 1), not 1" },
	{ "dma id cid at=f entry=64 field=2:2\ndma id cid at=g entry=32 field=0:1\n",
	  "t.regs:2: identifier cid has 2-byte fields (line 1), not 1" },
	{ "dma id cid at=f entry=64 field=2:2 size=8 at=g size=9 x\n",
	  "t.regs:1: too many words in the DMA rule" },
	{ "dma ignore at=f bogus=1\n",
	  "t.regs:1: unknown word 'bogus=1' in the DMA rule (expected at=, size=, entry= or field=)" },
	{ "dma ignore at=f 8\n", "t.regs:1: unknown word '8' in the DMA rule" },
	{ "dma ignore at=9f\n", "t.regs:1: bad function name '9f'" },
	{ "dma ignore at=\n", "t.regs:1: bad function name ''" },
	{ "dma ignore at=a,,b\n", "t.regs:1: bad function list 'a,,b'" },
	{ "dma ignore at=a,\n", "t.regs:1: bad function list 'a,'" },
	{ "dma ignore at=,a\n", "t.regs:1: bad function list ',a'" },
	{ "dma ignore at=a,9\n", "t.regs:1: bad function name '9'" },
	{ "dma ignore at=a-b\n", "t.regs:1: bad function name 'a-b'" },
	{ "dma ignore at=f size=0\n", "t.regs:1: bad mapping size '0'" },
	{ "dma ignore at=f size=x\n", "t.regs:1: bad mapping size 'x'" },
	{ "dma ignore at=f size=-8\n", "t.regs:1: bad mapping size '-8'" },
	{ "dma ignore at=f size=99999999999999999999\n",
	  "t.regs:1: bad mapping size '99999999999999999999'" },
	{ "dma ignore at=f entry=0 field=0:1\n", "t.regs:1: bad entry size '0' (1 to 4096 bytes)" },
	{ "dma ignore at=f entry=4097 field=0:1\n",
	  "t.regs:1: bad entry size '4097' (1 to 4096 bytes)" },
	{ "dma ignore at=f entry=0x10x field=0:1\n", "t.regs:1: bad entry size '0x10x'" },
	{ "dma ignore at=f entry=16 field=2\n",
	  "t.regs:1: bad field '2' (expected OFFSET:LENGTH)" },
	{ "dma ignore at=f entry=16 field=a:2\n",
	  "t.regs:1: bad field 'a:2' (expected OFFSET:LENGTH)" },
	{ "dma ignore at=f entry=16 field=2:0\n", "t.regs:1: bad field '2:0'" },
	{ "dma ignore at=f entry=16 field=2:\n", "t.regs:1: bad field '2:'" },
	{ "dma ignore at=f entry=16 field=4096:1\n", "t.regs:1: bad field '4096:1'" },
	/* a bad rule after good lines names its own line */
	{ "bar0 0 4 A\ndevice 1b36:0010\ndma id cid at=f entry=64 field=2:2\n\ndma echo cid\n",
	  "t.regs:5: the DMA rule needs at=FUNCTION" },
};

static void test_bad_dma_lines(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad_dma_cases) / sizeof(bad_dma_cases[0]); i++) {
		const struct bad_case *c = &bad_dma_cases[i];
		struct regmap *m = (struct regmap *)1;
		char err[256];
		int ret;

		ret = regmap__parse(&m, c->text, strlen(c->text), "t.regs", err, sizeof(err));
		if (ret != -EINVAL || m != NULL || strncmp(err, c->msg, strlen(c->msg)))
			fail_msg("case %u (%s): ret %d, message '%s', expected '%s'", i, c->text,
				 ret, err, c->msg);
	}
}

/* "dma" starts a rule only as a word of its own: "dmax" is a bad space, and
 * a register may be named dma */
static void test_dma_word(void **state)
{
	struct regmap *m = (struct regmap *)1;
	char err[256];

	(void)state;
	assert_int_equal(regmap__parse(&m, "dmax 0 4 A\n", 11, "t.regs", err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "t.regs:1: unknown space 'dmax'"));
	m = parse_ok("bar0 0 4 dma\n\tbit 0 dma_on\n");
	assert_string_equal(regmap__lookup(m, 0, 0, 0, 0)->name, "dma");
	assert_int_equal(regmap__dma_rules(m, 0, 0, NULL, 0), 0);
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
		cmocka_unit_test(test_dma_rules),
		cmocka_unit_test(test_dma_rule_applies),
		cmocka_unit_test(test_dma_rule_spaces),
		cmocka_unit_test(test_bad_dma_lines),
		cmocka_unit_test(test_dma_word),
		cmocka_unit_test(test_load_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
