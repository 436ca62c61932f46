// SPDX-License-Identifier: GPL-2.0
/*
 * pciem-trace: the record filter shared by dump and stats (--type, --bar,
 * --offset, --seq, --time, --device).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pciem-trace.h"

enum {
	OPT_TYPE = 't',
	OPT_BAR = 'b',
	OPT_OFFSET = 'o',
	OPT_SEQ = 's',
	OPT_TIME = 'T',
	OPT_DEVICE = 'd',
};

static const struct argp_option filter_options[] = {
	{ NULL, 0, NULL, 0, "Filters (a record is shown when it passes all of them):", 1 },
	{ "type", OPT_TYPE, "TYPE[,TYPE]", 0,
	  "Only these record types: mmio_read, mmio_write, config_read, config_write, irq, "
	  "watchpoint, lifecycle, unsupported, dma_map, dma_unmap, dma_sync, dma_read, "
	  "dma_write, lost, device, driver, module; also mmio (both MMIO types), config "
	  "(both config types) and dma (the five DMA types)", 1 },
	{ "bar", OPT_BAR, "N", 0, "Only accesses to BAR N (0-5)", 1 },
	{ "offset", OPT_OFFSET, "OFF|NAME", 0,
	  "Only accesses at this offset (in a BAR or config space; a DMA event's bus "
	  "address), or to the register NAME of the --regs map", 1 },
	{ "seq", OPT_SEQ, "A-B", 0,
	  "Only sequence numbers A to B (inclusive; A- and -B leave an end open, A alone is "
	  "one number)", 1 },
	{ "time", OPT_TIME, "A-B", 0,
	  "Only events from A to B after the start of the recording (inclusive; open ends as "
	  "for --seq).  A time is a number with an optional unit s (default), ms, us or ns, "
	  "e.g. 1.5, 250ms, 1000ns", 1 },
	{ "device", OPT_DEVICE, "DOMAIN", 0,
	  "Only the device in this PCI domain (hex, as lspci prints it: 10000), or at this "
	  "address (10000:00:00.0)", 1 },
	{ 0 },
};

static const struct {
	const char *name;
	uint64_t bits;
} type_names[] = {
	{ "mmio_read", 1ULL << PCIEM_EVENT_MMIO_READ },
	{ "mmio_write", 1ULL << PCIEM_EVENT_MMIO_WRITE },
	{ "mmio", (1ULL << PCIEM_EVENT_MMIO_READ) | (1ULL << PCIEM_EVENT_MMIO_WRITE) },
	{ "config_read", 1ULL << PCIEM_EVENT_CONFIG_READ },
	{ "config_write", 1ULL << PCIEM_EVENT_CONFIG_WRITE },
	{ "config", (1ULL << PCIEM_EVENT_CONFIG_READ) | (1ULL << PCIEM_EVENT_CONFIG_WRITE) },
	{ "watchpoint", 1ULL << PCIEM_EVENT_WATCHPOINT },
	{ "unsupported", 1ULL << PCIEM_EVENT_UNSUPPORTED },
	{ "irq", 1ULL << PCIEM_EVENT_IRQ },
	{ "lifecycle", 1ULL << PCIEM_EVENT_LIFECYCLE },
	{ "dma_map", 1ULL << PCIEM_EVENT_DMA_MAP },
	{ "dma_unmap", 1ULL << PCIEM_EVENT_DMA_UNMAP },
	{ "dma_sync", 1ULL << PCIEM_EVENT_DMA_SYNC },
	{ "dma_read", 1ULL << PCIEM_EVENT_DMA_READ },
	{ "dma_write", 1ULL << PCIEM_EVENT_DMA_WRITE },
	{ "dma", (1ULL << PCIEM_EVENT_DMA_MAP) | (1ULL << PCIEM_EVENT_DMA_UNMAP) |
		 (1ULL << PCIEM_EVENT_DMA_SYNC) | (1ULL << PCIEM_EVENT_DMA_READ) |
		 (1ULL << PCIEM_EVENT_DMA_WRITE) },
	{ "lost", FILTER_T_LOST },
	{ "device", FILTER_T_DEVICE },
	{ "driver", FILTER_T_DRIVER },
	{ "module", FILTER_T_MODULE },
};

static int parse_types(const char *arg, uint64_t *types)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	*types = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
			if (!strcmp(tok, type_names[i].name))
				break;
		if (i == sizeof(type_names) / sizeof(type_names[0])) {
			err = -EINVAL;
			break;
		}
		*types |= type_names[i].bits;
	}
	if (!*types)
		err = -EINVAL;
	free(copy);
	return err;
}

/* "1", "1.5", "1.5s", "250ms", "3us", "1000ns": a time in ns. */
static int parse_time(const char *s, int64_t *ns)
{
	static const struct {
		const char *suffix;
		uint64_t ns;
	} units[] = { { "", 1000000000ULL }, { "s", 1000000000ULL }, { "ms", 1000000ULL },
		      { "us", 1000ULL }, { "ns", 1ULL } };
	uint64_t whole, frac = 0, scale = 1, unit = 0;
	const char *p = s;
	char *end;
	size_t i;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	errno = 0;
	whole = strtoull(p, &end, 10);
	if (errno)
		return -EINVAL;
	p = end;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (scale < 1000000000ULL) {
				frac = frac * 10 + (*p - '0');
				scale *= 10;
			}
		}
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(p, units[i].suffix))
			unit = units[i].ns;
	if (!unit)
		return -EINVAL;
	if (whole > (uint64_t)INT64_MAX / unit)
		return -ERANGE;
	*ns = whole * unit + frac * unit / scale;
	return 0;
}

/* "A-B", "A-", "-B" or "A" with @one parsing each end. */
static int parse_range(const char *arg, void *lo, void *hi,
		       int (*one)(const char *s, void *v))
{
	char *copy = strdup(arg), *dash;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	dash = strchr(copy, '-');
	if (!dash) {
		err = one(copy, lo) ?: one(copy, hi);
	} else {
		*dash = '\0';
		if (*copy)
			err = one(copy, lo);
		if (!err && dash[1])
			err = one(dash + 1, hi);
		if (!*copy && !dash[1])
			err = -EINVAL;
	}
	free(copy);
	return err;
}

static int one_seq(const char *s, void *v)
{
	return parse_u64(s, v);
}

static int one_time(const char *s, void *v)
{
	return parse_time(s, v);
}

static error_t filter__parse_opt(int key, char *arg, struct argp_state *state)
{
	struct filter *f = state->input;
	uint64_t v;

	switch (key) {
	case OPT_TYPE:
		if (parse_types(arg, &f->types))
			argp_error(state, "bad --type '%s' (see --help for the names)", arg);
		break;
	case OPT_BAR:
		if (parse_u64(arg, &v) || v > 5)
			argp_error(state, "bad --bar '%s' (expected 0-5)", arg);
		f->bar = v;
		break;
	case OPT_OFFSET:
		if (!parse_u64(arg, &v)) {
			f->has_offset = 1;
			f->offset = v;
			f->reg_name = NULL;
		} else {
			f->has_offset = 0;
			f->reg_name = arg;
		}
		break;
	case OPT_SEQ:
		f->seq_lo = 0;
		f->seq_hi = UINT64_MAX;
		if (parse_range(arg, &f->seq_lo, &f->seq_hi, one_seq) || f->seq_lo > f->seq_hi)
			argp_error(state, "bad --seq '%s' (expected A-B, A-, -B or A)", arg);
		f->has_seq = 1;
		break;
	case OPT_TIME:
		f->t_lo = 0;
		f->t_hi = INT64_MAX;
		if (parse_range(arg, &f->t_lo, &f->t_hi, one_time) || f->t_lo > f->t_hi)
			argp_error(state, "bad --time '%s' (expected A-B in seconds, or with a unit: 250ms, 10us, 1000ns)",
				   arg);
		f->has_time = 1;
		break;
	case OPT_DEVICE:
		if (parse_domain(arg, &f->domain))
			argp_error(state, "bad --device '%s' (expected a PCI domain in hex, e.g. 10000)",
				   arg);
		f->has_domain = 1;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp filter_argp = {
	.options = filter_options,
	.parser = filter__parse_opt,
};

void filter__init(struct filter *f)
{
	memset(f, 0, sizeof(*f));
	f->bar = -1;
	f->seq_hi = UINT64_MAX;
	f->t_hi = INT64_MAX;
}

int filter__check(struct filter *f, const struct regmap *map)
{
	if (f->reg_name && !map) {
		ptrace_err("--offset %s: not a number; a register name needs --regs",
			   f->reg_name);
		return -EINVAL;
	}
	if (f->reg_name && !regmap__has_name(map, f->reg_name)) {
		ptrace_err("--offset %s: no register of that name in the --regs map",
			   f->reg_name);
		return -EINVAL;
	}
	return 0;
}

int filter__seek(struct filter *f, struct ptf_reader *r, uint64_t start_ns)
{
	int err = 0;

	if (f->has_seq && f->has_domain && f->seq_lo > 0)
		err = ptf_reader__seek_seq(r, f->domain, f->seq_lo);
	else if (f->has_time && f->t_lo > 0)
		err = ptf_reader__seek_time(r, start_ns + f->t_lo);
	if (err == -ENOENT)
		return 1;	/* nothing at or after the start: nothing matches */
	if (err < 0)
		ptrace_err("%s", ptf_reader__error(r));
	return err;
}

static int filter__match_event(struct filter *f, const struct pciem_event *ev,
			       const struct ptf_device *dev, const struct regmap *map,
			       uint64_t start_ns)
{
	int64_t t = rel_ns(ev->timestamp_ns, start_ns);

	if (f->types && (ev->type >= 32 || !(f->types & (1ULL << ev->type))))
		return 0;
	if (f->has_seq && (ev->seq < f->seq_lo || ev->seq > f->seq_hi))
		return 0;
	if (f->has_time && (t < f->t_lo || t > f->t_hi))
		return 0;
	if (f->bar >= 0 && (!event__has_bar(ev) || ev->bar != (uint32_t)f->bar))
		return 0;
	if (f->has_offset && (ev->type == PCIEM_EVENT_IRQ || ev->type == PCIEM_EVENT_LIFECYCLE ||
			      ev->offset != f->offset))
		return 0;
	if (f->reg_name) {
		const struct reg *reg = event__reg(ev, map, dev);

		if (!reg || strcmp(reg->name, f->reg_name))
			return 0;
	}
	return 1;
}

int filter__match(struct filter *f, const struct ptf_record *rec, const struct ptf_device *dev,
		  const struct regmap *map, uint64_t start_ns)
{
	switch (rec->type) {
	case PTF_REC_EVENT: {
		int64_t t = rel_ns(rec->event.timestamp_ns, start_ns);

		f->last_event_ns = t;
		f->seen_event = 1;
		if (f->has_domain && rec->domain != f->domain)
			return 0;
		return filter__match_event(f, &rec->event, dev, map, start_ns);
	}
	case PTF_REC_LOST:
		if (f->types && !(f->types & FILTER_T_LOST))
			return 0;
		if (f->has_domain && rec->domain != f->domain)
			return 0;
		if (f->has_seq && (rec->lost.last_seq < f->seq_lo || rec->lost.first_seq > f->seq_hi))
			return 0;
		/* A LOST record has no time of its own: it goes with the
		 * event read before it. */
		if (f->has_time && f->seen_event &&
		    (f->last_event_ns < f->t_lo || f->last_event_ns > f->t_hi))
			return 0;
		if (f->has_time && !f->seen_event && f->t_lo > 0)
			return 0;
		return 1;
	case PTF_REC_DEVICE:
		if (f->types && !(f->types & FILTER_T_DEVICE))
			return 0;
		return !f->has_domain || rec->domain == f->domain;
	case PTF_REC_DRIVER:
		if (f->types && !(f->types & FILTER_T_DRIVER))
			return 0;
		return !f->has_domain || rec->domain == f->domain;
	case PTF_REC_MODULE:
		return !f->types || (f->types & FILTER_T_MODULE);
	}
	return 0;
}

int filter__done(const struct filter *f, const struct ptf_record *rec)
{
	return f->has_domain && f->has_seq && rec->type == PTF_REC_EVENT &&
	       rec->domain == f->domain && rec->event.seq > f->seq_hi;
}
