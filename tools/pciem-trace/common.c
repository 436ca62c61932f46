// SPDX-License-Identifier: GPL-2.0
/* pciem-trace: helpers shared by the subcommands. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pciem.h"
#include "pciem-trace.h"

void ptrace_err(const char *fmt, ...)
{
	va_list ap;

	fputs("pciem-trace: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int trace__open(struct ptf_reader **r, const char *path)
{
	int err = ptf_reader__open(r, path);

	if (err < 0) {
		const char *msg = *r ? ptf_reader__error(*r) : NULL;

		if (msg && *msg)
			ptrace_err("%s", msg);
		else
			ptrace_err("%s: %s", path, strerror(-err));
		ptf_reader__close(*r);
		*r = NULL;
	}
	return err;
}

int trace__load_regs(struct regmap **map, const char *path)
{
	char msg[512];
	int err;

	*map = NULL;
	if (!path)
		return 0;
	err = regmap__load(map, path, msg, sizeof(msg));
	if (err)
		ptrace_err("%s", msg);
	return err;
}

error_t trace_args__parse_opt(int key, char *arg, struct argp_state *state)
{
	struct trace_args *a = state->input;

	switch (key) {
	case 'r':
		a->regs = arg;
		break;
	case ARGP_KEY_ARG:
		if (a->trace)
			argp_error(state, "one trace file only");
		a->trace = arg;
		break;
	case ARGP_KEY_END:
		if (!a->trace)
			argp_error(state, "no trace file given");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int trace_args__open(const struct trace_args *a, struct filter *f, struct regmap **map,
		     struct ptf_reader **r)
{
	int err;

	*r = NULL;
	err = trace__load_regs(map, a->regs);
	if (!err && f)
		err = filter__check(f, *map);
	if (!err)
		err = trace__open(r, a->trace);
	return err;
}

void *devs__get(void **devs, unsigned int *n, size_t size, uint32_t domain)
{
	char *v = *devs, *d;
	unsigned int i;

	for (i = 0; i < *n; i++)
		if (*(uint32_t *)(v + i * size) == domain)
			return v + i * size;
	v = realloc(v, (*n + 1) * size);
	if (!v)
		return NULL;
	*devs = v;
	d = v + (*n)++ * size;
	memset(d, 0, size);
	*(uint32_t *)d = domain;
	return d;
}

int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || *end)
		return -EINVAL;
	return 0;
}

int parse_domain(const char *s, uint32_t *domain)
{
	unsigned long long v;
	uint8_t bus, devfn;
	char *end;

	if (strchr(s, ':')) {
		if (pciem_parse_address(s, domain, &bus, &devfn))
			return -EINVAL;
		/* a real device's address: its stream key */
		if (*domain <= PCIEM_REAL_MAX_DOMAIN)
			*domain = PCIEM_REAL_KEY(*domain, bus, devfn);
		return 0;
	}
	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 16);
	if (errno || *end || v > 0xffffffffULL)
		return -EINVAL;
	*domain = v;
	return 0;
}

const char *evtype__name(uint32_t type)
{
	switch (type) {
	case PCIEM_EVENT_MMIO_READ: return "mmio_read";
	case PCIEM_EVENT_MMIO_WRITE: return "mmio_write";
	case PCIEM_EVENT_CONFIG_READ: return "config_read";
	case PCIEM_EVENT_CONFIG_WRITE: return "config_write";
	case PCIEM_EVENT_WATCHPOINT: return "watchpoint";
	case PCIEM_EVENT_UNSUPPORTED: return "unsupported";
	case PCIEM_EVENT_IRQ: return "irq";
	case PCIEM_EVENT_LIFECYCLE: return "lifecycle";
	case PCIEM_EVENT_DMA_MAP: return "dma_map";
	case PCIEM_EVENT_DMA_UNMAP: return "dma_unmap";
	case PCIEM_EVENT_DMA_SYNC: return "dma_sync";
	case PCIEM_EVENT_DMA_READ: return "dma_read";
	case PCIEM_EVENT_DMA_WRITE: return "dma_write";
	default: return NULL;
	}
}

const char *lifecycle__name(uint64_t kind)
{
	switch (kind) {
	case PCIEM_LC_REGISTERED: return "registered";
	case PCIEM_LC_BAR_MAPPED: return "bar_mapped";
	case PCIEM_LC_BAR_UNMAPPED: return "bar_unmapped";
	case PCIEM_LC_DRIVER_BOUND: return "driver_bound";
	case PCIEM_LC_DRIVER_UNBOUND: return "driver_unbound";
	case PCIEM_LC_REMOVED: return "removed";
	case PCIEM_LC_BAR_TAKEN_OVER: return "bar_taken_over";
	default: return NULL;
	}
}

const char *dma_dir__name(uint32_t dir)
{
	switch (dir) {
	case PCIEM_DMA_DIR_BIDIRECTIONAL: return "bidirectional";
	case PCIEM_DMA_DIR_TO_DEVICE: return "to-device";
	case PCIEM_DMA_DIR_FROM_DEVICE: return "from-device";
	default: return NULL;
	}
}

int dma_dir__allows(uint32_t dir, uint32_t type)
{
	if (dir == PCIEM_DMA_DIR_BIDIRECTIONAL)
		return 1;
	if (type == PCIEM_EVENT_DMA_READ)
		return dir == PCIEM_DMA_DIR_TO_DEVICE;
	return type == PCIEM_EVENT_DMA_WRITE && dir == PCIEM_DMA_DIR_FROM_DEVICE;
}

int event__is_dma(const struct pciem_event *ev)
{
	return ev->type >= PCIEM_EVENT_DMA_MAP && ev->type <= PCIEM_EVENT_DMA_WRITE;
}

int event__is_dma_transfer(const struct pciem_event *ev)
{
	return ev->type == PCIEM_EVENT_DMA_READ || ev->type == PCIEM_EVENT_DMA_WRITE;
}

void dma__format(char *buf, size_t len, const struct pciem_event *ev)
{
	const char *dir = dma_dir__name(ev->bar);
	char d[24];
	int n;

	if (!dir) {
		snprintf(d, sizeof(d), "dir%u", ev->bar);
		dir = d;
	}
	n = snprintf(buf, len, "0x%llx+%llu", (unsigned long long)ev->offset,
		     (unsigned long long)ev->data);
	if (n < 0 || (size_t)n >= len)
		return;
	switch (ev->type) {
	case PCIEM_EVENT_DMA_MAP:
	case PCIEM_EVENT_DMA_UNMAP:
		snprintf(buf + n, len - n, " %s %s", dir,
			 (ev->flags & PCIEM_EVENT_F_DMA_COHERENT) ? "coherent" : "streaming");
		break;
	case PCIEM_EVENT_DMA_SYNC:
		snprintf(buf + n, len - n, " %s %s", dir,
			 (ev->flags & PCIEM_EVENT_F_DMA_FOR_DEVICE) ? "for-device" : "for-cpu");
		break;
	default:
		snprintf(buf + n, len - n, "%s%s%s%s",
			 (ev->flags & PCIEM_EVENT_F_SAME_INSN) ? " same-insn" : "",
			 (ev->flags & PCIEM_EVENT_F_DMA_COHERENT) ? " coherent" : "",
			 (ev->flags & PCIEM_EVENT_F_DMA_SEEN) ? " seen" : "",
			 (ev->flags & PCIEM_EVENT_F_DMA_FAULT) ? " refused" : "");
		break;
	}
}

void trace__call_site_function(struct ptf_reader *r, uint64_t ip, char *buf, size_t len)
{
	if (!ip || ptf_reader__symbolize(r, ip, buf, len)) {
		buf[0] = '\0';
		return;
	}
	buf[strcspn(buf, "+ ")] = '\0';
}

void device__format_addr(char *buf, size_t len, uint32_t domain, const struct ptf_device *dev)
{
	if (PCIEM_KEY_IS_REAL(domain))
		snprintf(buf, len, "%04x:%02x:%02x.%x", PCIEM_KEY_REAL_DOMAIN(domain),
			 PCIEM_KEY_REAL_BUS(domain), PCIEM_KEY_REAL_DEVFN(domain) >> 3,
			 PCIEM_KEY_REAL_DEVFN(domain) & 7);
	else if (dev)
		snprintf(buf, len, "%04x:%02x:%02x.%x", domain, dev->desc.bus,
			 dev->desc.devfn >> 3, dev->desc.devfn & 7);
	else
		snprintf(buf, len, "%04x", domain);
}

void device__format_notes(char *buf, size_t len, const struct ptf_device *dev)
{
	uint8_t f = dev ? dev->desc.flags : 0;
	int i, n = 0, io = -1;

	buf[0] = '\0';
	if (!(f & PCIEM_TDEV_F_REAL))
		return;
	for (i = 0; i < 6 && io < 0; i++)
		if (dev->desc.bars[i].size && (dev->desc.bars[i].flags & PCI_BASE_ADDRESS_SPACE_IO))
			io = i;
	n = snprintf(buf, len, "real device");
	if ((f & PCIEM_TDEV_F_BOUND) && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - n, "; a driver was bound when recording started: "
			      "its probe was not recorded");
	if ((f & PCIEM_TDEV_F_IO_BAR) && n >= 0 && (size_t)n < len) {
		if (io >= 0)
			snprintf(buf + n, len - n, "; I/O port BAR%d: its accesses are missing", io);
		else
			snprintf(buf + n, len - n, "; an I/O port BAR: its accesses are missing");
	}
}

int64_t rel_ns(uint64_t ts, uint64_t start)
{
	if (ts >= start)
		return ts - start > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)(ts - start);
	return start - ts > (uint64_t)INT64_MAX ? -INT64_MAX : -(int64_t)(start - ts);
}

void format_rel_time(char *buf, size_t len, int64_t ns)
{
	uint64_t a = ns < 0 ? -(uint64_t)ns : (uint64_t)ns;

	snprintf(buf, len, "%s%llu.%09llu", ns < 0 ? "-" : "",
		 (unsigned long long)(a / 1000000000ULL),
		 (unsigned long long)(a % 1000000000ULL));
}

void format_value(char *buf, size_t len, uint64_t v, uint32_t size)
{
	int digits = size >= 1 && size <= 8 ? 2 * size : 1;

	snprintf(buf, len, "0x%0*llx", digits, (unsigned long long)v);
}

void format_seq_range(char *buf, size_t len, uint64_t first, uint64_t last, uint64_t count)
{
	snprintf(buf, len, "seq %llu-%llu (%llu events)", (unsigned long long)first,
		 (unsigned long long)last, (unsigned long long)count);
}

int event__has_bar(const struct pciem_event *ev)
{
	switch (ev->type) {
	case PCIEM_EVENT_MMIO_READ:
	case PCIEM_EVENT_MMIO_WRITE:
	case PCIEM_EVENT_WATCHPOINT:
	case PCIEM_EVENT_UNSUPPORTED:
		return 1;
	case PCIEM_EVENT_LIFECYCLE:
		return ev->offset == PCIEM_LC_BAR_MAPPED || ev->offset == PCIEM_LC_BAR_UNMAPPED;
	default:
		return 0;
	}
}

int event__is_config(const struct pciem_event *ev)
{
	return ev->type == PCIEM_EVENT_CONFIG_READ || ev->type == PCIEM_EVENT_CONFIG_WRITE;
}

int event__is_mmio(const struct pciem_event *ev)
{
	return ev->type == PCIEM_EVENT_MMIO_READ || ev->type == PCIEM_EVENT_MMIO_WRITE;
}

const struct reg *event__reg(const struct pciem_event *ev, const struct regmap *map,
			     const struct ptf_device *dev)
{
	uint16_t vid = dev ? dev->desc.vendor_id : 0, did = dev ? dev->desc.device_id : 0;

	if (!map)
		return NULL;
	if (event__is_config(ev))
		return regmap__lookup(map, vid, did, REGS_SPACE_CFG, ev->offset);
	if (ev->type == PCIEM_EVENT_LIFECYCLE || !event__has_bar(ev) || ev->bar > 5)
		return NULL;
	return regmap__lookup(map, vid, did, ev->bar, ev->offset);
}

void summary__describe_end(char *buf, size_t len, const struct ptf_summary *s)
{
	if (s->trailing_bytes)
		snprintf(buf, len, "the file ends %llu bytes into frame %u, which starts at "
			 "byte %llu and is lost", (unsigned long long)s->trailing_bytes, s->frames,
			 (unsigned long long)(s->file_bytes - s->trailing_bytes));
	else if (s->frames)
		snprintf(buf, len, "the file ends after frame %u", s->frames - 1);
	else
		snprintf(buf, len, "the file has no complete frame");
}

/* Length of the valid UTF-8 sequence at @c, 0 if it is not one. */
static int utf8_len(const unsigned char *c)
{
	int n, i;

	if (*c < 0x80)
		return 1;
	if (*c >= 0xc2 && *c <= 0xdf)
		n = 2;
	else if (*c >= 0xe0 && *c <= 0xef)
		n = 3;
	else if (*c >= 0xf0 && *c <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((c[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void json_string(FILE *f, const char *s)
{
	const unsigned char *c = (const unsigned char *)s;

	fputc('"', f);
	while (*c) {
		int n = utf8_len(c);

		switch (*c) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		default:
			/* control characters, and bytes that are not UTF-8 (taken
			 * as Latin-1), are escaped so the output stays JSON */
			if (*c < 0x20 || *c == 0x7f || !n) {
				fprintf(f, "\\u%04x", *c);
				n = 1;
			} else {
				fwrite(c, 1, n, f);
			}
		}
		c += n ? n : 1;
	}
	fputc('"', f);
}

void format_uuid(char *buf, size_t len, const uint8_t id[16])
{
	snprintf(buf, len, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 id[0], id[1], id[2], id[3], id[4], id[5], id[6], id[7], id[8], id[9], id[10],
		 id[11], id[12], id[13], id[14], id[15]);
}

int boot_id__known(const uint8_t id[16])
{
	int i;

	for (i = 0; i < 16; i++)
		if (id[i])
			return 1;
	return 0;
}

void event__location(char *buf, size_t len, const struct pciem_event *ev)
{
	if (event__is_config(ev))
		snprintf(buf, len, "cfg+0x%llx", (unsigned long long)ev->offset);
	else
		snprintf(buf, len, "bar%u+0x%llx", ev->bar, (unsigned long long)ev->offset);
}
