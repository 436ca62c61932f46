// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of pciem-replay --suite's report writers (replay/junit.c):
 * JUnit XML and TAP, on a suite of four cases (passed, diverged, error,
 * not run) whose texts hold what a report can hold: XML's special
 * characters, quotes, control characters, invalid and overlong UTF-8,
 * surrogates, noncharacters, C1 controls, and valid multi-byte UTF-8.
 *
 *   test_junit [DIR]
 *
 * With DIR, also writes DIR/junit.xml and DIR/tap.txt, which make
 * check-unit validates against tests/data/jenkins-junit.xsd with xmllint.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "replay.h"

static const char *out_dir;

/* a symbol as a trace may name it: any byte */
#define NASTY "a<b>&c\"d'e \x01\x1f\x7f\r \xff \xc0\xaf \xed\xa0\x80 \xef\xbf\xbe \xc2\x85 " \
	      "\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x82 ]]> end"

static char report[] =
	"\npciem-replay: DIVERGENCE #1: the driver wrote another value\n"
	"  expected: mmio_write bar0+0x4 STATUS 4 0x00000001 {IRQ_PENDING}\n"
	"            recorded at " NASTY "\n"
	"\tactual:   mmio_write bar0+0x4 STATUS 4 0x00000002\n\n";
static char output[] = "workload.sh: counter 4294967295 after burst 1\n" NASTY "\n";
static char errout[] = "pciem-replay: x.zst: bad checksum <frame 4>\n";

static struct suite_case cases[] = {
	{ .trace = "suite/good.zst", .name = "good", .classname = "suite",
	  .verdict = CASE_PASSED, .result = "ok", .time_s = 1.5,
	  .output = "pciem-replay: OK\n", .output_len = 17 },
	{ .trace = "suite/bad\"name.zst", .name = "bad#name <1>", .classname = "suite&co",
	  .verdict = CASE_FAILED, .exit_status = 1, .result = "diverged",
	  .message = "DIVERGENCE #1 at event 140 of 283: expected " NASTY,
	  .report = report, .report_len = sizeof(report) - 1,
	  .output = output, .output_len = sizeof(output) - 1, .time_s = 0.25 },
	{ .trace = "suite/x.zst", .name = "x", .classname = "suite", .verdict = CASE_ERROR,
	  .exit_status = 2, .result = "error", .message = "x.zst: bad checksum <frame 4>",
	  .output = errout, .output_len = sizeof(errout) - 1 },
	{ .trace = "suite/y.zst", .name = "y", .classname = "suite", .verdict = CASE_SKIPPED,
	  .message = "not run: the suite was interrupted" },
};

static struct suite suite = {
	.name = "pciem-replay", .cases = cases, .n = 4,
	.timestamp = "2026-12-03T00:15:47", .hostname = "pciem-vm", .time_s = 1.75,
};

static char *write_to_string(int (*fn)(FILE *f, void *arg), void *arg, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	assert_non_null(f);
	assert_int_equal(fn(f, arg), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static int junit_fn(FILE *f, void *arg)
{
	return junit__write(f, arg);
}

static int tap_fn(FILE *f, void *arg)
{
	const struct suite *s = arg;
	unsigned int i;

	tap__plan(f, s->n);
	for (i = 0; i < s->n; i++)
		tap__case(f, i + 1, &s->cases[i]);
	tap__end(f, s);
	return 0;
}

/* Valid UTF-8 of characters XML 1.0 and YAML allow, checked here
 * independently of junit.c's reading of it: no C0 control but tab and
 * newline, no DEL, no C1 control, no surrogate, no U+FFFE/U+FFFF, nothing
 * overlong or beyond U+10FFFF, nothing cut. */
static void assert_clean_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned int c = p[i], n, k;

		if (c < 0x80) {
			assert_true(c == '\t' || c == '\n' || (c >= 0x20 && c != 0x7f));
			i++;
			continue;
		}
		n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		assert_true(c >= 0xc2 && c <= 0xf4);
		assert_true(i + n <= len);
		c &= 0xff >> (n + 1);
		for (k = 1; k < n; k++) {
			assert_int_equal(p[i + k] & 0xc0, 0x80);
			c = c << 6 | (p[i + k] & 0x3f);
		}
		assert_true(c >= (n == 2 ? 0xa0u : n == 3 ? 0x800u : 0x10000u));
		assert_true(c <= 0x10ffff && (c < 0xd800 || c > 0xdfff) && c != 0xfffe && c != 0xffff);
		i += n;
	}
}

static void save(const char *name, const char *buf, size_t len)
{
	char path[4096];
	FILE *f;

	if (!out_dir)
		return;
	snprintf(path, sizeof(path), "%s/%s", out_dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void test_junit_structure(void **state)
{
	size_t len;
	char *x = write_to_string(junit_fn, &suite, &len);

	(void)state;
	save("junit.xml", x, len);
	assert_non_null(strstr(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "));
	assert_non_null(strstr(x, "<testsuite name=\"pciem-replay\" tests=\"4\" failures=\"1\" "
			       "errors=\"1\" skipped=\"1\" time=\"1.750\" timestamp=\"2026-12-03T00:15:47\" "
			       "hostname=\"pciem-vm\">"));
	/* the passed case: its time, its stderr */
	assert_non_null(strstr(x, "<testcase classname=\"suite\" name=\"good\" time=\"1.500\">\n"
			       "      <system-err>pciem-replay: OK</system-err>\n    </testcase>"));
	/* names escaped in attributes */
	assert_non_null(strstr(x, "classname=\"suite&amp;co\" name=\"bad#name &lt;1&gt;\""));
	/* the failure: its type, a one-line message, the report as content
	 * without its blank first and last lines, then the stderr */
	assert_non_null(strstr(x, "<failure type=\"diverged\" message=\"DIVERGENCE #1 at event 140 "
			       "of 283: expected a&lt;b&gt;&amp;c&quot;d&apos;e "));
	assert_non_null(strstr(x, "\">pciem-replay: DIVERGENCE #1: the driver wrote another value\n"
			       "  expected: mmio_write bar0+0x4 STATUS 4 0x00000001 {IRQ_PENDING}\n"
			       "            recorded at a&lt;b&gt;&amp;c\"d'e "));
	assert_non_null(strstr(x, "\n\tactual:   mmio_write bar0+0x4 STATUS 4 0x00000002</failure>\n"
			       "      <system-err>workload.sh: counter 4294967295"));
	/* the bytes neither XML nor YAML allow, as \xNN; the valid ones kept */
	assert_non_null(strstr(x, "e \\x01\\x1f\\x7f\\x0d \\xff \\xc0\\xaf \\xed\\xa0\\x80 "
			       "\\xef\\xbf\\xbe \\xc2\\x85 \xc3\xa9 \xf0\x9f\x98\x80 \\xe2\\x82 ]]&gt; end"));
	/* the error: its message, all that was said as content, no system-err */
	assert_non_null(strstr(x, "<error type=\"error\" message=\"x.zst: bad checksum &lt;frame 4&gt;\">"
			       "pciem-replay: x.zst: bad checksum &lt;frame 4&gt;</error>\n    </testcase>"));
	/* the one not run */
	assert_non_null(strstr(x, "name=\"y\" time=\"0.000\">\n      <skipped>not run: the suite was "
			       "interrupted</skipped>\n    </testcase>"));
	assert_non_null(strstr(x, "  </testsuite>\n</testsuites>\n"));
	assert_null(strstr(x, "]]>"));
	assert_clean_utf8(x, len);
	free(x);
}

/* A passed case with nothing on stderr is an empty element. */
static void test_junit_empty(void **state)
{
	struct suite_case c = { .trace = "t.zst", .name = "t", .classname = ".",
				.verdict = CASE_PASSED, .result = "ok" };
	struct suite s = { .name = "pciem-replay", .cases = &c, .n = 1 };
	size_t len;
	char *x = write_to_string(junit_fn, &s, &len);

	(void)state;
	assert_non_null(strstr(x, "tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\""));
	assert_non_null(strstr(x, "<testcase classname=\".\" name=\"t\" time=\"0.000\"/>\n"));
	assert_clean_utf8(x, len);
	free(x);
}

static void test_tap(void **state)
{
	size_t len;
	char *t = write_to_string(tap_fn, &suite, &len);

	(void)state;
	save("tap.txt", t, len);
	assert_memory_equal(t, "TAP version 14\n1..4\nok 1 - good\nnot ok 2 - bad_name <1>\n  ---\n",
			    strlen("TAP version 14\n1..4\nok 1 - good\nnot ok 2 - bad_name <1>\n  ---\n"));
	/* a double-quoted YAML message, escaped; the bytes YAML cannot hold as \\xNN */
	assert_non_null(strstr(t, "  message: \"DIVERGENCE #1 at event 140 of 283: expected "
			       "a<b>&c\\\"d'e \\\\x01\\\\x1f\\\\x7f\\\\x0d \\\\xff"));
	assert_non_null(strstr(t, "\"\n  severity: fail\n  result: diverged\n  exit_status: 1\n"
			       "  trace: \"suite/bad\\\"name.zst\"\n  duration_ms: 250\n"
			       "  report: |2\n"
			       "    pciem-replay: DIVERGENCE #1: the driver wrote another value\n"
			       "      expected: mmio_write bar0+0x4 STATUS 4 0x00000001 {IRQ_PENDING}\n"));
	assert_non_null(strstr(t, "\n    \tactual:   mmio_write bar0+0x4 STATUS 4 0x00000002\n  ...\n"
			       "not ok 3 - x\n  ---\n  message: \"x.zst: bad checksum <frame 4>\"\n"
			       "  severity: error\n  result: error\n  exit_status: 2\n"));
	assert_non_null(strstr(t, "  output: |2\n    pciem-replay: x.zst: bad checksum <frame 4>\n"
			       "  ...\nok 4 - y # SKIP not run: the suite was interrupted\n"
			       "# pciem-replay: 1 passed, 1 failed, 1 errors, 1 skipped\n"));
	assert_clean_utf8(t, len);
	free(t);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_junit_structure),
		cmocka_unit_test(test_junit_empty),
		cmocka_unit_test(test_tap),
	};

	out_dir = argc > 1 ? argv[1] : NULL;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
