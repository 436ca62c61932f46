// SPDX-License-Identifier: GPL-2.0
/*
 * Register map parser and lookups.  The format is documented in
 * docs/register-map.md:
 *
 *   # comment
 *   device 1234:5678                 (optional: the lines below are for it)
 *   bar0 0x00 4 CONTROL  Bit 0 adds one to the counter
 *   	bit 0 IRQ_PENDING              (bit fields of the register above)
 *   	bits 7:4 MODE
 *   cfg 0x44 2 MSI_FLAGS
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regs.h"

#define REGS_BAR_LIMIT	(256ULL << 20)	/* PCIEM_BAR_MAX_SIZE */
#define REGS_CFG_LIMIT	4096ULL
#define REGS_MAX_TOKENS	4		/* space, offset, size, name */
#define REGS_DMA_MAX_TOKENS	8		/* dma, kind, name, at, size, entry, field */

struct regmap {
	unsigned int nregs, cap;
	struct reg *regs;
	unsigned int nrules, rcap;
	struct reg_dma_rule *rules;
};

struct regs_parser {
	struct regmap *map;
	const char *name;
	unsigned int line;
	int any_device;
	uint16_t vid, did;
	struct reg *last;		/* the register fields attach to */
	char *err;
	size_t errlen;
};

static int parser__fail(struct regs_parser *p, const char *fmt, ...)
{
	int n = snprintf(p->err, p->errlen, "%s:%u: ", p->name, p->line);
	va_list ap;

	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Whole-token unsigned number, decimal or 0x-hex. */
static int parse_num(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-' || *s == '+' || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || *end)
		return -EINVAL;
	return 0;
}

static int name_ok(const char *s)
{
	const char *c;

	if (!isalpha((unsigned char)*s) && *s != '_')
		return 0;
	for (c = s + 1; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '.')
			return 0;
	return 1;
}

static int parse_space(const char *s)
{
	if (!strcmp(s, "cfg") || !strcmp(s, "config"))
		return REGS_SPACE_CFG;
	if (!strncmp(s, "bar", 3) && s[3] >= '0' && s[3] <= '5' && !s[4])
		return s[3] - '0';
	return -1;
}

/* Are two statements (a register, a DMA rule) for the same devices? */
static int same_scope(int any_a, uint16_t vid_a, uint16_t did_a, int any_b, uint16_t vid_b,
		      uint16_t did_b)
{
	if (any_a || any_b)
		return any_a == any_b;
	return vid_a == vid_b && did_a == did_b;
}

/* Splits @line into at most @max whitespace-separated tokens; *rest points
 * at what follows the last token (leading blanks skipped). */
static int tokenize(char *line, char **tok, int max, char **rest)
{
	int n = 0;
	char *s = line;

	*rest = NULL;
	while (n < max) {
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		tok[n++] = s;
		while (*s && !isspace((unsigned char)*s))
			s++;
		if (*s)
			*s++ = '\0';
	}
	while (isspace((unsigned char)*s))
		s++;
	if (*s)
		*rest = s;
	return n;
}

static void rstrip(char *s)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

static int parser__device(struct regs_parser *p, char **tok, int ntok, const char *rest)
{
	unsigned int vid, did;
	char tail;

	if (ntok != 2 || rest)
		return parser__fail(p, "expected 'device VVVV:DDDD'");
	if (!strcmp(tok[1], "*") || !strcmp(tok[1], "any")) {
		p->any_device = 1;
		p->last = NULL;
		return 0;
	}
	if (strlen(tok[1]) != 9 || sscanf(tok[1], "%4x:%4x%c", &vid, &did, &tail) != 2)
		return parser__fail(p, "bad device ID '%s' (expected VVVV:DDDD in hex)", tok[1]);
	p->any_device = 0;
	p->vid = vid;
	p->did = did;
	p->last = NULL;
	return 0;
}

static int parser__field(struct regs_parser *p, char **tok, int ntok)
{
	struct reg *r = p->last;
	struct reg_field *f;
	uint64_t lo, hi;
	unsigned int i;
	char *colon;

	if (!r)
		return parser__fail(p, "'%s' line with no register before it", tok[0]);
	if (ntok < 3)
		return parser__fail(p, "expected '%s %s NAME'", tok[0],
				    strcmp(tok[0], "bit") ? "HI:LO" : "N");
	colon = strchr(tok[1], ':');
	if (!strcmp(tok[0], "bit")) {
		if (colon || parse_num(tok[1], &lo))
			return parser__fail(p, "bad bit number '%s'", tok[1]);
		hi = lo;
	} else {
		if (!colon)
			return parser__fail(p, "bad bit range '%s' (expected HI:LO)", tok[1]);
		*colon = '\0';
		if (parse_num(tok[1], &hi) || parse_num(colon + 1, &lo))
			return parser__fail(p, "bad bit range '%s:%s' (expected HI:LO)",
					    tok[1], colon + 1);
		if (hi < lo)
			return parser__fail(p, "bit range %s:%s is reversed (expected HI:LO)",
					    tok[1], colon + 1);
	}
	if (hi >= r->size * 8ULL)
		return parser__fail(p, "bit %llu is beyond the %u-bit register %s",
				    (unsigned long long)hi, r->size * 8, r->name);
	if (!name_ok(tok[2]) || strlen(tok[2]) >= REGS_NAME_MAX)
		return parser__fail(p, "bad field name '%s'", tok[2]);
	for (i = 0; i < r->nfields; i++) {
		f = &r->fields[i];
		if (!strcmp(f->name, tok[2]))
			return parser__fail(p, "field %s is already defined in %s", tok[2],
					    r->name);
		if (lo <= f->hi && f->lo <= hi)
			return parser__fail(p, "field %s overlaps field %s of %s", tok[2],
					    f->name, r->name);
	}
	f = realloc(r->fields, (r->nfields + 1) * sizeof(*f));
	if (!f)
		return -ENOMEM;
	r->fields = f;
	f = &r->fields[r->nfields++];
	memset(f, 0, sizeof(*f));
	strcpy(f->name, tok[2]);
	f->lo = lo;
	f->hi = hi;
	return 0;
}

static int parser__reg(struct regs_parser *p, char **tok, int ntok, const char *rest)
{
	struct regmap *m = p->map;
	uint64_t off, size, limit;
	unsigned int i;
	struct reg *r;
	int space;

	space = parse_space(tok[0]);
	if (space < 0)
		return parser__fail(p, "unknown space '%s' (expected bar0-bar5, cfg, device, bit, bits or dma)",
				    tok[0]);
	if (ntok < 4)
		return parser__fail(p, "expected '%s OFFSET SIZE NAME [DESCRIPTION]'", tok[0]);
	if (parse_num(tok[1], &off))
		return parser__fail(p, "bad offset '%s'", tok[1]);
	if (parse_num(tok[2], &size) || (size != 1 && size != 2 && size != 4 && size != 8))
		return parser__fail(p, "bad size '%s' (expected 1, 2, 4 or 8)", tok[2]);
	if (off % size)
		return parser__fail(p, "offset 0x%llx is not aligned to the size %llu",
				    (unsigned long long)off, (unsigned long long)size);
	limit = space == REGS_SPACE_CFG ? REGS_CFG_LIMIT : REGS_BAR_LIMIT;
	if (off >= limit || size > limit - off)
		return parser__fail(p, "offset 0x%llx is beyond the end of %s",
				    (unsigned long long)off,
				    space == REGS_SPACE_CFG ? "config space" : "a BAR");
	if (!name_ok(tok[3]))
		return parser__fail(p, "bad register name '%s' (letters, digits, '_' and '.', not starting with a digit)",
				    tok[3]);
	if (strlen(tok[3]) >= REGS_NAME_MAX)
		return parser__fail(p, "register name '%s' is longer than %d characters", tok[3],
				    REGS_NAME_MAX - 1);
	for (i = 0; i < m->nregs; i++) {
		r = &m->regs[i];
		if (!same_scope(r->any_device, r->vendor_id, r->device_id, p->any_device, p->vid,
				p->did))
			continue;
		if (!strcmp(r->name, tok[3]))
			return parser__fail(p, "register %s is already defined at line %u",
					    tok[3], r->line);
		if (r->space == space && off < r->offset + r->size && r->offset < off + size)
			return parser__fail(p, "register %s overlaps %s (line %u)", tok[3],
					    r->name, r->line);
	}
	if (m->nregs == m->cap) {
		unsigned int cap = m->cap ? 2 * m->cap : 16;

		r = realloc(m->regs, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		m->regs = r;
		m->cap = cap;
	}
	r = &m->regs[m->nregs];
	memset(r, 0, sizeof(*r));
	r->desc = strdup(rest ? rest : "");
	if (!r->desc)
		return -ENOMEM;
	m->nregs++;
	r->space = space;
	r->offset = off;
	r->size = size;
	r->any_device = p->any_device;
	r->vendor_id = p->vid;
	r->device_id = p->did;
	strcpy(r->name, tok[3]);
	r->line = p->line;
	p->last = r;
	return 0;
}

/* "NAME=VALUE": the value if @tok is for @name, else NULL. */
static const char *key_value(const char *tok, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(tok, name, n) && tok[n] == '=' ? tok + n + 1 : NULL;
}

static int parser__dma_keys(struct regs_parser *p, struct reg_dma_rule *r, char **tok, int ntok)
{
	uint64_t n, off, len;
	const char *v;
	int i;

	for (i = 0; i < ntok; i++) {
		if ((v = key_value(tok[i], "at"))) {
			char names[sizeof(r->at)], *name, *save = NULL;

			if (!*v)
				return parser__fail(p, "bad function name ''");
			if (strlen(v) >= sizeof(r->at))
				return parser__fail(p, "at= is longer than %zu characters",
						    sizeof(r->at) - 1);
			strcpy(names, v);
			for (name = strtok_r(names, ",", &save); name;
			     name = strtok_r(NULL, ",", &save))
				if (!name_ok(name))
					return parser__fail(p, "bad function name '%s'", name);
			if (v[strlen(v) - 1] == ',' || strstr(v, ",,") || *v == ',')
				return parser__fail(p, "bad function list '%s'", v);
			strcpy(r->at, v);
		} else if ((v = key_value(tok[i], "size"))) {
			if (parse_num(v, &n) || !n)
				return parser__fail(p, "bad mapping size '%s'", v);
			r->size = n;
		} else if ((v = key_value(tok[i], "entry"))) {
			if (parse_num(v, &n) || !n || n > 4096)
				return parser__fail(p, "bad entry size '%s' (1 to 4096 bytes)", v);
			r->entry = n;
		} else if ((v = key_value(tok[i], "field"))) {
			char *colon = strchr(v, ':');

			if (!colon)
				return parser__fail(p, "bad field '%s' (expected OFFSET:LENGTH)", v);
			*colon = '\0';
			if (parse_num(v, &off) || parse_num(colon + 1, &len) || !len ||
			    off >= 4096 || len > 4096)
				return parser__fail(p, "bad field '%s:%s' (expected OFFSET:LENGTH)", v,
						    colon + 1);
			r->field = off;
			r->len = len;
		} else {
			return parser__fail(p, "unknown word '%s' in the DMA rule (expected at=, size=, entry= or field=)",
					    tok[i]);
		}
	}
	if (!r->at[0])
		return parser__fail(p, "the DMA rule needs at=FUNCTION");
	if (!r->entry != !r->len)
		return parser__fail(p, "entry= and field= go together");
	if (r->entry && r->field + r->len > r->entry)
		return parser__fail(p, "the field (bytes %u to %u) does not fit in an entry of %u bytes",
				    r->field, r->field + r->len - 1, r->entry);
	if (r->kind != REG_DMA_IGNORE && !r->entry)
		return parser__fail(p, "an identifier rule needs entry= and field=");
	if (r->kind != REG_DMA_IGNORE && r->len > REGS_DMA_ID_MAX)
		return parser__fail(p, "an identifier field has 1 or 2 bytes, not %u", r->len);
	return 0;
}

/* dma ignore KEYS... | dma id NAME KEYS... | dma echo NAME KEYS... */
static int parser__dma(struct regs_parser *p, char *line)
{
	struct regmap *m = p->map;
	struct reg_dma_rule r = {
		.any_device = p->any_device, .vendor_id = p->vid, .device_id = p->did,
		.line = p->line,
	};
	char *tok[REGS_DMA_MAX_TOKENS], *more;
	unsigned int i;
	int ntok, keys, ret, found = 0;

	ntok = tokenize(line, tok, REGS_DMA_MAX_TOKENS, &more);
	if (more)
		return parser__fail(p, "too many words in the DMA rule");
	if (ntok < 2)
		return parser__fail(p, "expected 'dma ignore|id|echo ...'");
	if (!strcmp(tok[1], "ignore")) {
		r.kind = REG_DMA_IGNORE;
		keys = 2;
	} else if (!strcmp(tok[1], "id") || !strcmp(tok[1], "echo")) {
		r.kind = tok[1][0] == 'i' ? REG_DMA_ID : REG_DMA_ECHO;
		if (ntok < 3 || strchr(tok[2], '=') || !name_ok(tok[2]) ||
		    strlen(tok[2]) >= REGS_NAME_MAX)
			return parser__fail(p, "expected 'dma %s NAME at=FUNCTION entry=BYTES field=OFFSET:LENGTH'",
					    tok[1]);
		strcpy(r.id, tok[2]);
		keys = 3;
	} else {
		return parser__fail(p, "unknown DMA rule '%s' (expected ignore, id or echo)", tok[1]);
	}
	ret = parser__dma_keys(p, &r, tok + keys, ntok - keys);
	if (ret)
		return ret;
	for (i = 0; i < m->nrules; i++) {
		const struct reg_dma_rule *o = &m->rules[i];

		if (o->kind == REG_DMA_ID && !strcmp(o->id, r.id) &&
		    same_scope(o->any_device, o->vendor_id, o->device_id, r.any_device, r.vendor_id,
			       r.device_id)) {
			if (o->len != r.len)
				return parser__fail(p, "identifier %s has %u-byte fields (line %u), not %u",
						    r.id, o->len, o->line, r.len);
			found = 1;
		}
	}
	if (r.kind == REG_DMA_ECHO && !found)
		return parser__fail(p, "an echo of %s needs a 'dma id %s' rule above it for the same device",
				    r.id, r.id);
	if (m->nrules == m->rcap) {
		unsigned int cap = m->rcap ? 2 * m->rcap : 8;
		struct reg_dma_rule *grown = realloc(m->rules, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		m->rules = grown;
		m->rcap = cap;
	}
	m->rules[m->nrules++] = r;
	p->last = NULL;
	return 0;
}

static int parser__line(struct regs_parser *p, char *line)
{
	char *tok[REGS_MAX_TOKENS], *rest, *hash, *s;
	int ntok;

	hash = strchr(line, '#');
	if (hash)
		*hash = '\0';
	for (s = line; isspace((unsigned char)*s); s++)
		;
	if (!strncmp(s, "dma", 3) && (!s[3] || isspace((unsigned char)s[3])))
		return parser__dma(p, s);
	ntok = tokenize(line, tok, REGS_MAX_TOKENS, &rest);
	if (!ntok)
		return 0;
	if (rest)
		rstrip(rest);
	if (!strcmp(tok[0], "device"))
		return parser__device(p, tok, ntok, rest);
	if (!strcmp(tok[0], "bit") || !strcmp(tok[0], "bits"))
		return parser__field(p, tok, ntok);
	return parser__reg(p, tok, ntok, rest);
}

int regmap__parse(struct regmap **mapp, const char *text, size_t len, const char *name,
		  char *err, size_t errlen)
{
	struct regs_parser p = {
		.name = name, .any_device = 1, .err = err, .errlen = errlen,
	};
	char *buf = NULL;
	size_t pos = 0;
	int ret = 0;

	*mapp = NULL;
	if (errlen)
		err[0] = '\0';
	p.map = calloc(1, sizeof(*p.map));
	if (!p.map)
		goto nomem;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char *b;

		p.line++;
		if (memchr(text + pos, '\0', n)) {
			ret = parser__fail(&p, "NUL byte in the line");
			goto out;
		}
		b = realloc(buf, n + 1);
		if (!b)
			goto nomem;
		buf = b;
		memcpy(buf, text + pos, n);
		buf[n] = '\0';
		ret = parser__line(&p, buf);
		if (ret == -ENOMEM)
			goto nomem;
		if (ret)
			goto out;
		pos += n + 1;
	}
	free(buf);
	*mapp = p.map;
	return 0;
nomem:
	ret = -ENOMEM;
	snprintf(err, errlen, "%s: out of memory", name);
out:
	free(buf);
	regmap__free(p.map);
	return ret;
}

int regmap__load(struct regmap **mapp, const char *path, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0, cap = 0;
	FILE *f;
	int ret;

	*mapp = NULL;
	f = fopen(path, "r");
	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	for (;;) {
		size_t n;

		if (len == cap) {
			char *t;

			cap = cap ? 2 * cap : 4096;
			t = realloc(text, cap);
			if (!t) {
				ret = -ENOMEM;
				snprintf(err, errlen, "%s: out of memory", path);
				goto out;
			}
			text = t;
		}
		n = fread(text + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		ret = -EIO;
		snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	ret = regmap__parse(mapp, text, len, path, err, errlen);
out:
	free(text);
	fclose(f);
	return ret;
}

void regmap__free(struct regmap *map)
{
	unsigned int i;

	if (!map)
		return;
	for (i = 0; i < map->nregs; i++) {
		free(map->regs[i].desc);
		free(map->regs[i].fields);
	}
	free(map->regs);
	free(map->rules);
	free(map);
}

unsigned int regmap__dma_rules(const struct regmap *map, uint16_t vid, uint16_t did,
			       const struct reg_dma_rule **out, unsigned int max)
{
	unsigned int i, n = 0;
	int pass;

	if (!map)
		return 0;
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < map->nrules; i++) {
			const struct reg_dma_rule *r = &map->rules[i];

			if (pass ? !r->any_device :
				   (r->any_device || r->vendor_id != vid || r->device_id != did))
				continue;
			if (n < max)
				out[n] = r;
			n++;
		}
	}
	return n;
}

unsigned int reg_dma_rules__spaces(const struct reg_dma_rule *const *rules, unsigned int n,
				   unsigned int *space)
{
	unsigned int i, k, nspaces = 0;

	for (i = 0; i < n; i++) {
		space[i] = 0;
		if (rules[i]->kind == REG_DMA_IGNORE)
			continue;
		/* the first rule of this name: its space, or a new one */
		for (k = 0; k < i && (rules[k]->kind == REG_DMA_IGNORE ||
				      strcmp(rules[k]->id, rules[i]->id)); k++)
			;
		space[i] = k < i ? space[k] : nspaces++;
	}
	return nspaces;
}

int reg_dma_rule__applies(const struct reg_dma_rule *rule, const char *function, uint64_t size)
{
	const char *at = rule->at, *comma;
	size_t n;

	if (!function || (rule->size && rule->size != size))
		return 0;
	for (;;) {
		comma = strchr(at, ',');
		n = comma ? (size_t)(comma - at) : strlen(at);
		if (!strncmp(function, at, n) && (!function[n] || function[n] == '.'))
			return 1;
		if (!comma)
			return 0;
		at = comma + 1;
	}
}

unsigned int regmap__count(const struct regmap *map)
{
	return map ? map->nregs : 0;
}

static int reg__for_device(const struct reg *r, uint16_t vid, uint16_t did)
{
	return !r->any_device && r->vendor_id == vid && r->device_id == did;
}

unsigned int regmap__count_device(const struct regmap *map, uint16_t vid, uint16_t did)
{
	unsigned int i, n = 0;

	for (i = 0; map && i < map->nregs; i++) {
		const struct reg *r = &map->regs[i];

		if (reg__for_device(r, vid, did) ||
		    (r->any_device && regmap__find(map, vid, did, r->name) == r))
			n++;
	}
	return n;
}

/* The register of device vid:did named @name, or with @name NULL the one
 * that holds @offset of @space; else the first such register of the
 * generic section; else NULL. */
static const struct reg *regmap__select(const struct regmap *map, uint16_t vid, uint16_t did,
					const char *name, int space, uint64_t offset)
{
	const struct reg *generic = NULL;
	unsigned int i;

	if (!map)
		return NULL;
	for (i = 0; i < map->nregs; i++) {
		const struct reg *r = &map->regs[i];

		if (name ? strcmp(r->name, name) != 0 :
		    r->space != space || offset < r->offset || offset - r->offset >= r->size)
			continue;
		if (reg__for_device(r, vid, did))
			return r;
		if (r->any_device && !generic)
			generic = r;
	}
	return generic;
}

const struct reg *regmap__lookup(const struct regmap *map, uint16_t vid, uint16_t did,
				 int space, uint64_t offset)
{
	return regmap__select(map, vid, did, NULL, space, offset);
}

const struct reg *regmap__find(const struct regmap *map, uint16_t vid, uint16_t did,
			       const char *name)
{
	return regmap__select(map, vid, did, name, 0, 0);
}

int regmap__has_name(const struct regmap *map, const char *name)
{
	unsigned int i;

	for (i = 0; map && i < map->nregs; i++)
		if (!strcmp(map->regs[i].name, name))
			return 1;
	return 0;
}

int reg__format(const struct reg *reg, uint64_t offset, char *buf, size_t len)
{
	if (offset == reg->offset)
		return snprintf(buf, len, "%s", reg->name);
	return snprintf(buf, len, "%s+0x%llx", reg->name,
			(unsigned long long)(offset - reg->offset));
}

int reg__decode(const struct reg *reg, uint64_t value, char *buf, size_t len)
{
	size_t pos = 0;
	unsigned int i;

	if (len)
		buf[0] = '\0';
	for (i = 0; i < reg->nfields; i++) {
		const struct reg_field *f = &reg->fields[i];
		unsigned int width = f->hi - f->lo + 1;
		uint64_t v = value >> f->lo;
		int n;

		if (width < 64)
			v &= (1ULL << width) - 1;
		if (!v)
			continue;
		/* once the buffer is full, only count (no pointer past it) */
		if (width == 1)
			n = snprintf(pos < len ? buf + pos : NULL, pos < len ? len - pos : 0,
				     "%s%s", pos ? "|" : "", f->name);
		else
			n = snprintf(pos < len ? buf + pos : NULL, pos < len ? len - pos : 0,
				     "%s%s=0x%llx", pos ? "|" : "", f->name, (unsigned long long)v);
		if (n < 0)
			return n;
		pos += n;
	}
	return pos;
}
