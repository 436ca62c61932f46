// SPDX-License-Identifier: GPL-2.0
/*
 * pciem-replay --suite's reports for CI systems: JUnit XML (--junit) and
 * TAP (--tap).  Only writers: they take the suite's cases as suite.c
 * collected them and depend on nothing else, so that the unit test
 * (tests/unit/test_junit.c) links this file alone.
 *
 * The texts they carry (the divergence report, what pciem-replay and
 * COMMAND wrote on stderr) may hold any byte: a symbol recorded in a trace
 * is whatever the kernel named, and COMMAND writes what it likes.  Both
 * formats need text: XML 1.0 allows no control character but tab, newline
 * and carriage return, even escaped, and YAML (TAP's diagnostics) allows
 * no C1 control either.  So the text is made valid UTF-8 of characters
 * both allow, the same way for both: every byte that is not part of such
 * a character (invalid or overlong UTF-8, a surrogate, a control other
 * than tab and newline, DEL, a C1 control, U+FFFE, U+FFFF) is written as
 * the four characters \xNN, its value in hex.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "replay.h"

/* ---- text ------------------------------------------------------------------ */

/* The length of the UTF-8 character at @s (at most @len bytes) when it is
 * valid and one both XML and YAML allow, its code point in *cp; else 0. */
static size_t good_char(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t c = s[0], min;
	size_t n, i;

	if (c < 0x80) {
		*cp = c;
		return (c >= 0x20 && c != 0x7f) || c == '\t' || c == '\n';
	}
	if ((c & 0xe0) == 0xc0) {
		n = 2, c &= 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3, c &= 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) || c < 0xa0 ||
	    c == 0xfffe || c == 0xffff)
		return 0;
	*cp = c;
	return n;
}

enum esc {
	ESC_XML_TEXT,		/* element content */
	ESC_XML_ATTR,		/* a double-quoted attribute value */
	ESC_YAML_QUOTED,	/* a double-quoted YAML scalar */
	ESC_YAML_BLOCK,		/* a literal block scalar: lines after the first
				 * indented with @indent */
};

/* Writes @len bytes of @s to @f, made valid (above) and escaped as @how. */
static void put_text(FILE *f, const char *s, size_t len, enum esc how, const char *indent)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		n = good_char(p + i, len - i, &cp);
		if (!n) {
			fprintf(f, how == ESC_YAML_QUOTED ? "\\\\x%02x" : "\\x%02x", p[i]);
			i++;
			continue;
		}
		switch (how) {
		case ESC_XML_TEXT:
		case ESC_XML_ATTR:
			if (cp == '&')
				fputs("&amp;", f);
			else if (cp == '<')
				fputs("&lt;", f);
			else if (cp == '>')
				fputs("&gt;", f);
			else if (how == ESC_XML_ATTR && cp == '"')
				fputs("&quot;", f);
			else if (how == ESC_XML_ATTR && cp == '\'')
				fputs("&apos;", f);
			else if (how == ESC_XML_ATTR && cp == '\n')	/* kept as such */
				fputs("&#10;", f);
			else if (how == ESC_XML_ATTR && cp == '\t')
				fputs("&#9;", f);
			else
				fwrite(p + i, 1, n, f);
			break;
		case ESC_YAML_QUOTED:
			if (cp == '"' || cp == '\\')
				fprintf(f, "\\%c", (char)cp);
			else if (cp == '\n')
				fputs("\\n", f);
			else if (cp == '\t')
				fputs("\\t", f);
			else
				fwrite(p + i, 1, n, f);
			break;
		case ESC_YAML_BLOCK:
			fwrite(p + i, 1, n, f);
			if (cp == '\n' && i + 1 < len)
				fputs(indent, f);
			break;
		}
		i += n;
	}
}

/* @s without its leading and trailing blank lines (the text report starts
 * with one): its start in *start, the length returned. */
static size_t trim_lines(const char *s, size_t len, const char **start)
{
	size_t b = 0, e = len, i;

	for (i = 0; i < len && (s[i] == '\n' || s[i] == ' ' || s[i] == '\t'); i++)
		if (s[i] == '\n')
			b = i + 1;
	while (e > b && (s[e - 1] == '\n' || s[e - 1] == ' ' || s[e - 1] == '\t'))
		e--;
	*start = s ? s + b : "";
	return s ? e - b : 0;
}

void suite__count(const struct suite *s, unsigned int count[CASE_NVERDICTS])
{
	unsigned int i;

	memset(count, 0, sizeof(count[0]) * CASE_NVERDICTS);
	for (i = 0; i < s->n; i++)
		count[s->cases[i].verdict]++;
}

/* ---- JUnit XML ---------------------------------------------------------------- */

static void xml_attr(FILE *f, const char *name, const char *value)
{
	fprintf(f, " %s=\"", name);
	put_text(f, value ? value : "", value ? strlen(value) : 0, ESC_XML_ATTR, NULL);
	fputc('"', f);
}

/* <TAG>text</TAG>, nothing when the text is empty */
static void xml_element(FILE *f, const char *tag, const char *text, size_t len)
{
	const char *t;

	len = trim_lines(text, len, &t);
	if (!len)
		return;
	fprintf(f, "      <%s>", tag);
	put_text(f, t, len, ESC_XML_TEXT, NULL);
	fprintf(f, "</%s>\n", tag);
}

static void junit_case(FILE *f, const struct suite_case *c)
{
	const char *t;
	size_t len;

	fprintf(f, "    <testcase");
	xml_attr(f, "classname", c->classname);
	xml_attr(f, "name", c->name);
	fprintf(f, " time=\"%.3f\"", c->time_s);
	if (c->verdict == CASE_PASSED && !c->output_len) {
		fprintf(f, "/>\n");
		return;
	}
	fprintf(f, ">\n");
	/* the schema's order: skipped, error, failure, system-out, system-err */
	switch (c->verdict) {
	case CASE_SKIPPED:
		xml_element(f, "skipped", c->message, c->message ? strlen(c->message) : 0);
		break;
	case CASE_ERROR:
	case CASE_FAILED:
		fprintf(f, "      <%s", c->verdict == CASE_ERROR ? "error" : "failure");
		xml_attr(f, "type", c->result);
		xml_attr(f, "message", c->message);
		fprintf(f, ">");
		/* a failure carries the report; an error, all that was said */
		if (c->verdict == CASE_FAILED)
			len = trim_lines(c->report, c->report_len, &t);
		else
			len = trim_lines(c->output, c->output_len, &t);
		put_text(f, t, len, ESC_XML_TEXT, NULL);
		fprintf(f, "</%s>\n", c->verdict == CASE_ERROR ? "error" : "failure");
		break;
	default:
		break;
	}
	if (c->verdict != CASE_ERROR)
		xml_element(f, "system-err", c->output, c->output_len);
	fprintf(f, "    </testcase>\n");
}

int junit__write(FILE *f, const struct suite *s)
{
	unsigned int count[CASE_NVERDICTS], i;
	char attrs[160];

	suite__count(s, count);
	snprintf(attrs, sizeof(attrs), " tests=\"%u\" failures=\"%u\" errors=\"%u\"", s->n,
		 count[CASE_FAILED], count[CASE_ERROR]);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<testsuites");
	xml_attr(f, "name", s->name);
	fprintf(f, "%s time=\"%.3f\">\n", attrs, s->time_s);
	fprintf(f, "  <testsuite");
	xml_attr(f, "name", s->name);
	fprintf(f, "%s skipped=\"%u\" time=\"%.3f\"", attrs, count[CASE_SKIPPED], s->time_s);
	xml_attr(f, "timestamp", s->timestamp);
	xml_attr(f, "hostname", s->hostname);
	fprintf(f, ">\n");
	for (i = 0; i < s->n; i++)
		junit_case(f, &s->cases[i]);
	fprintf(f, "  </testsuite>\n</testsuites>\n");
	return ferror(f) ? -1 : 0;
}

/* ---- TAP ---------------------------------------------------------------------- */

void tap__plan(FILE *f, unsigned int n)
{
	fprintf(f, "TAP version 14\n1..%u\n", n);
	fflush(f);
}

/* The test point's description: a name made safe for the line (no '#',
 * which starts a directive, and no line break). */
static void tap_name(FILE *f, const char *name)
{
	const char *p;

	for (p = name; *p; p++)
		fputc(*p == '#' || *p == '\n' || *p == '\r' ? '_' : *p, f);
}

void tap__case(FILE *f, unsigned int number, const struct suite_case *c)
{
	const char *t;
	size_t len;

	fprintf(f, "%s %u - ", c->verdict == CASE_FAILED || c->verdict == CASE_ERROR ?
		"not ok" : "ok", number);
	tap_name(f, c->name);
	if (c->verdict == CASE_SKIPPED) {
		fprintf(f, " # SKIP ");
		tap_name(f, c->message ? c->message : "not run");
	}
	fputc('\n', f);
	if (c->verdict == CASE_FAILED || c->verdict == CASE_ERROR) {
		/* the YAML block, indented by 2 */
		fprintf(f, "  ---\n  message: \"");
		put_text(f, c->message ? c->message : "", c->message ? strlen(c->message) : 0,
			 ESC_YAML_QUOTED, NULL);
		fprintf(f, "\"\n  severity: %s\n  result: %s\n  exit_status: %d\n"
			"  trace: \"", c->verdict == CASE_ERROR ? "error" : "fail",
			c->result, c->exit_status);
		put_text(f, c->trace, strlen(c->trace), ESC_YAML_QUOTED, NULL);
		fprintf(f, "\"\n  duration_ms: %.0f\n", c->time_s * 1000);
		if (c->verdict == CASE_FAILED)
			len = trim_lines(c->report, c->report_len, &t);
		else
			len = trim_lines(c->output, c->output_len, &t);
		if (len) {
			/* |2: the indentation is given, so a first line that starts
			 * with a space is kept as it is */
			fprintf(f, "  %s: |2\n    ", c->verdict == CASE_FAILED ? "report" : "output");
			put_text(f, t, len, ESC_YAML_BLOCK, "    ");
			fputc('\n', f);
		}
		fprintf(f, "  ...\n");
	}
	fflush(f);
}

void tap__end(FILE *f, const struct suite *s)
{
	unsigned int count[CASE_NVERDICTS];

	suite__count(s, count);
	fprintf(f, "# %s: %u passed, %u failed, %u errors, %u skipped\n", s->name, count[CASE_PASSED],
		count[CASE_FAILED], count[CASE_ERROR], count[CASE_SKIPPED]);
	fflush(f);
}
