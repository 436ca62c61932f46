// SPDX-License-Identifier: GPL-2.0
/* pciem-trace dump: one line, or one JSON object, per record. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pciem-trace.h"

static struct env {
	struct trace_args args;
	int json;
	int stacks;
	int payload;			/* --payload */
	uint64_t payload_max;		/* bytes shown per event, UINT64_MAX: all */
	struct filter filter;
} env;

#define PAYLOAD_DEFAULT	64		/* --payload without a number */

static const char doc[] =
	"Print a trace's records in order: one line each, or one JSON object each with "
	"--json (JSON Lines; the fields are listed in docs/pciem-trace.md).\v"
	"Text lines: DOMAIN SEQ TIME CPU PID TYPE and what the record says, e.g.\n"
	"  10000 5 0.000008000 cpu0 pid 4242 mmio_write bar0+0x0 CONTROL 4 0x00000001\n"
	"TIME is in seconds after the start of the recording.  Instruction pointers are "
	"named from the module symbols recorded in the trace when possible.  With --stacks, "
	"an event recorded with its call stack (pciem-record --stacks) is followed by it, "
	"one frame a line, indented, innermost (the access) first: "
	"\"    function+0xoff [module]\"; --json gives every event that has one a \"stack\" "
	"array of such strings.\n\n"
	"DMA events (format 1.4) read, e.g.\n"
	"  10000 40 0.000041000 cpu0 pid 4242 dma_map 0x80001000+4096 to-device streaming  at ...\n"
	"  10000 44 0.000045000 cpu1 pid 4300 dma_read 0x80001000+4096\n"
	"With --payload, a transfer's bytes follow it in hex, 16 a line, the first N (64 "
	"without a number, every one with --payload=all), then how many were left out; "
	"--json gives them as a \"payload\" hex string.\n\n"
	"Examples:\n"
	"  pciem-trace dump run.zst\n"
	"  pciem-trace dump --regs dummy_clock.regs --offset STATUS run.zst\n"
	"  pciem-trace dump --type mmio_write,irq --time 0.5-1.5 run.zst\n"
	"  pciem-trace dump --device 10000 --seq 1000- run.zst\n"
	"  pciem-trace dump --json run.zst | jq -c 'select(.type == \"irq\")'\n"
	"  pciem-trace dump --stacks --type mmio_write run.zst\n"
	"  pciem-trace dump --type dma --payload=256 run.zst\n\n"
	"Exit status: 0 ok, 2 usage error, or the file cannot be opened or is corrupt (the "
	"records before the damage are printed first).";

static const struct argp_option options[] = {
	{ "json", 'j', NULL, 0, "JSON Lines: one object per record", 0 },
	{ "stacks", 'S', NULL, 0, "Print each event's call stack under it (recorded with --stacks)", 0 },
	{ "payload", 'P', "N|all", OPTION_ARG_OPTIONAL,
	  "Print the bytes of each DMA transfer in hex: the first N (default 64), or all", 0 },
	{ 0 },
};

static const struct argp trace_argp = TRACE_ARGP("Register map: name registers and decode "
						   "their bit fields");

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &env.args;
		state->child_inputs[1] = &env.filter;
		break;
	case 'j':
		env.json = 1;
		break;
	case 'S':
		env.stacks = 1;
		break;
	case 'P':
		env.payload = 1;
		if (!arg)
			env.payload_max = PAYLOAD_DEFAULT;
		else if (!strcmp(arg, "all"))
			env.payload_max = UINT64_MAX;
		else if (parse_u64(arg, &env.payload_max))
			argp_error(state, "bad --payload '%s' (expected a number of bytes or all)",
				   arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

struct dump {
	struct ptf_reader *r;
	const struct regmap *map;
	uint64_t start_ns;
};

static void insn_bytes(char *buf, size_t len, const struct pciem_event *ev)
{
	uint32_t i, n = ev->size > 8 ? 8 : ev->size;
	size_t pos = 0;

	buf[0] = '\0';
	for (i = 0; i < n && pos + 4 < len; i++)
		pos += snprintf(buf + pos, len - pos, "%s%02x", i ? " " : "",
				(unsigned int)((ev->data >> (8 * i)) & 0xff));
}

/* The register name and field decoding of an event, "" if none. */
static void reg_text(const struct dump *d, const struct pciem_event *ev,
		     const struct ptf_device *dev, char *name, size_t nlen, char *fields,
		     size_t flen)
{
	const struct reg *reg = event__reg(ev, d->map, dev);

	name[0] = fields[0] = '\0';
	if (!reg)
		return;
	reg__format(reg, ev->offset, name, nlen);
	if (ev->offset == reg->offset && ev->size == reg->size && ev->type != PCIEM_EVENT_UNSUPPORTED)
		reg__decode(reg, ev->data, fields, flen);
}

static void text_event(struct dump *d, uint32_t domain, const struct pciem_event *ev,
		       const struct ptf_device *dev)
{
	char t[32], val[24], name[REGS_NAME_MAX + 24], fields[256], sym[256], where[160];
	const char *type = evtype__name(ev->type);

	format_rel_time(t, sizeof(t), rel_ns(ev->timestamp_ns, d->start_ns));
	printf("%04x %8llu %14s  cpu%-3u pid %-7u %-12s", domain, (unsigned long long)ev->seq,
	       t, ev->cpu, ev->pid, type ? type : "unknown");
	reg_text(d, ev, dev, name, sizeof(name), fields, sizeof(fields));
	format_value(val, sizeof(val), ev->data, ev->size);
	if (event__is_config(ev))
		snprintf(where, sizeof(where), "cfg+0x%llx%s%s", (unsigned long long)ev->offset,
			 name[0] ? " " : "", name);
	else
		snprintf(where, sizeof(where), "bar%u+0x%llx%s%s", ev->bar,
			 (unsigned long long)ev->offset, name[0] ? " " : "", name);

	switch (ev->type) {
	case PCIEM_EVENT_MMIO_READ:
	case PCIEM_EVENT_MMIO_WRITE:
	case PCIEM_EVENT_CONFIG_READ:
	case PCIEM_EVENT_CONFIG_WRITE:
	case PCIEM_EVENT_WATCHPOINT:
		printf(" %s %u %s", where, ev->size, val);
		if (fields[0])
			printf(" {%s}", fields);
		if (ev->type == PCIEM_EVENT_WATCHPOINT)
			printf(" %s", (ev->flags & PCIEM_EVENT_F_WRITE) ? "write" : "read");
		if (ev->type == PCIEM_EVENT_CONFIG_WRITE && (ev->flags & PCIEM_EVENT_F_HEADER))
			printf(" header");
		if (event__is_mmio(ev) && (ev->flags & PCIEM_EVENT_F_SAME_INSN))
			printf(" same-insn");
		break;
	case PCIEM_EVENT_UNSUPPORTED:
		insn_bytes(val, sizeof(val), ev);
		printf(" %s insn %s", where, val);
		break;
	case PCIEM_EVENT_IRQ:
		printf(" vector %llu", (unsigned long long)ev->data);
		if (ev->flags & PCIEM_EVENT_F_PENDING)
			printf(" pending");
		if (ev->flags & PCIEM_EVENT_F_DEFERRED)
			printf(" deferred");
		break;
	case PCIEM_EVENT_DMA_MAP:
	case PCIEM_EVENT_DMA_UNMAP:
	case PCIEM_EVENT_DMA_SYNC:
	case PCIEM_EVENT_DMA_READ:
	case PCIEM_EVENT_DMA_WRITE:
		dma__format(where, sizeof(where), ev);
		printf(" %s", where);
		break;
	case PCIEM_EVENT_LIFECYCLE: {
		const char *lc = lifecycle__name(ev->offset);

		if (lc)
			printf(" %s", lc);
		else
			printf(" kind %llu", (unsigned long long)ev->offset);
		if (ev->offset == PCIEM_LC_BAR_MAPPED || ev->offset == PCIEM_LC_BAR_TAKEN_OVER)
			printf(" bar%u size 0x%llx", ev->bar, (unsigned long long)ev->data);
		else if (ev->offset == PCIEM_LC_BAR_UNMAPPED)
			printf(" bar%u", ev->bar);
		break;
	}
	default:
		printf(" type %u bar%u+0x%llx %u %s flags 0x%x", ev->type, ev->bar,
		       (unsigned long long)ev->offset, ev->size, val, ev->flags);
		break;
	}
	if (ev->ip) {
		if (!ptf_reader__symbolize(d->r, ev->ip, sym, sizeof(sym)))
			printf("  at %s", sym);
		else
			printf("  ip 0x%llx", (unsigned long long)ev->ip);
	}
	printf("\n");
}

static void print_stack(struct dump *d, uint32_t id, int json);
static void print_payload(struct dump *d, const struct pciem_event *ev, uint32_t id, int json);

static void json_event(struct dump *d, uint32_t domain, const struct pciem_event *ev,
		       uint32_t stack, uint32_t payload, const struct ptf_device *dev)
{
	char name[REGS_NAME_MAX + 24], fields[256], sym[256], bytes[32];
	const char *type = evtype__name(ev->type);

	printf("{\"record\":\"event\",\"domain\":\"%04x\",\"seq\":%llu,\"time_ns\":%lld,"
	       "\"timestamp_ns\":%llu,\"cpu\":%u,\"pid\":%u,\"type\":\"%s\"", domain,
	       (unsigned long long)ev->seq, (long long)rel_ns(ev->timestamp_ns, d->start_ns),
	       (unsigned long long)ev->timestamp_ns, ev->cpu, ev->pid, type ? type : "unknown");
	if (!type)
		printf(",\"type_id\":%u,\"bar\":%u,\"offset\":%llu,\"size\":%u,\"value\":\"0x%llx\"",
		       ev->type, ev->bar, (unsigned long long)ev->offset, ev->size,
		       (unsigned long long)ev->data);
	switch (ev->type) {
	case PCIEM_EVENT_MMIO_READ:
	case PCIEM_EVENT_MMIO_WRITE:
	case PCIEM_EVENT_WATCHPOINT:
		printf(",\"bar\":%u", ev->bar);
		/* fall through */
	case PCIEM_EVENT_CONFIG_READ:
	case PCIEM_EVENT_CONFIG_WRITE:
		printf(",\"offset\":%llu,\"size\":%u,\"value\":\"0x%llx\"",
		       (unsigned long long)ev->offset, ev->size, (unsigned long long)ev->data);
		if (ev->type == PCIEM_EVENT_WATCHPOINT)
			printf(",\"access\":\"%s\"",
			       (ev->flags & PCIEM_EVENT_F_WRITE) ? "write" : "read");
		if (ev->type == PCIEM_EVENT_CONFIG_WRITE)
			printf(",\"header\":%s",
			       (ev->flags & PCIEM_EVENT_F_HEADER) ? "true" : "false");
		if (event__is_mmio(ev))
			printf(",\"same_insn\":%s",
			       (ev->flags & PCIEM_EVENT_F_SAME_INSN) ? "true" : "false");
		break;
	case PCIEM_EVENT_UNSUPPORTED:
		insn_bytes(bytes, sizeof(bytes), ev);
		printf(",\"bar\":%u,\"offset\":%llu,\"insn\":\"%s\"", ev->bar,
		       (unsigned long long)ev->offset, bytes);
		break;
	case PCIEM_EVENT_IRQ:
		printf(",\"vector\":%llu,\"pending\":%s,\"deferred\":%s",
		       (unsigned long long)ev->data,
		       (ev->flags & PCIEM_EVENT_F_PENDING) ? "true" : "false",
		       (ev->flags & PCIEM_EVENT_F_DEFERRED) ? "true" : "false");
		break;
	case PCIEM_EVENT_LIFECYCLE: {
		const char *lc = lifecycle__name(ev->offset);

		if (lc)
			printf(",\"lifecycle\":\"%s\"", lc);
		else
			printf(",\"lifecycle\":\"unknown\",\"lifecycle_id\":%llu",
			       (unsigned long long)ev->offset);
		if (ev->offset == PCIEM_LC_BAR_MAPPED)
			printf(",\"bar\":%u,\"map_size\":%llu", ev->bar,
			       (unsigned long long)ev->data);
		else if (ev->offset == PCIEM_LC_BAR_UNMAPPED)
			printf(",\"bar\":%u", ev->bar);
		else if (ev->offset == PCIEM_LC_BAR_TAKEN_OVER)
			printf(",\"bar\":%u,\"map_size\":%llu", ev->bar,
			       (unsigned long long)ev->data);
		break;
	}
	case PCIEM_EVENT_DMA_MAP:
	case PCIEM_EVENT_DMA_UNMAP:
	case PCIEM_EVENT_DMA_SYNC:
	case PCIEM_EVENT_DMA_READ:
	case PCIEM_EVENT_DMA_WRITE: {
		const char *dir = dma_dir__name(ev->bar);

		printf(",\"bus_addr\":\"0x%llx\",\"length\":%llu", (unsigned long long)ev->offset,
		       (unsigned long long)ev->data);
		if (ev->type == PCIEM_EVENT_DMA_READ || ev->type == PCIEM_EVENT_DMA_WRITE) {
			printf(",\"same_insn\":%s,\"refused\":%s,\"seen\":%s,\"coherent\":%s",
			       (ev->flags & PCIEM_EVENT_F_SAME_INSN) ? "true" : "false",
			       (ev->flags & PCIEM_EVENT_F_DMA_FAULT) ? "true" : "false",
			       (ev->flags & PCIEM_EVENT_F_DMA_SEEN) ? "true" : "false",
			       (ev->flags & PCIEM_EVENT_F_DMA_COHERENT) ? "true" : "false");
			print_payload(d, ev, payload, 1);
			break;
		}
		if (dir)
			printf(",\"direction\":\"%s\"", dir);
		else
			printf(",\"direction\":\"unknown\",\"direction_id\":%u", ev->bar);
		if (ev->type == PCIEM_EVENT_DMA_SYNC)
			printf(",\"for_device\":%s",
			       (ev->flags & PCIEM_EVENT_F_DMA_FOR_DEVICE) ? "true" : "false");
		else
			printf(",\"coherent\":%s",
			       (ev->flags & PCIEM_EVENT_F_DMA_COHERENT) ? "true" : "false");
		break;
	}
	}
	printf(",\"flags\":%u", ev->flags);
	reg_text(d, ev, dev, name, sizeof(name), fields, sizeof(fields));
	if (name[0]) {
		printf(",\"register\":");
		json_string(stdout, name);
		if (fields[0]) {
			printf(",\"fields\":");
			json_string(stdout, fields);
		}
	}
	if (ev->ip) {
		printf(",\"ip\":\"0x%llx\"", (unsigned long long)ev->ip);
		if (!ptf_reader__symbolize(d->r, ev->ip, sym, sizeof(sym))) {
			printf(",\"symbol\":");
			json_string(stdout, sym);
		}
	}
	print_stack(d, stack, 1);
	printf("}\n");
}

/*
 * The bytes of a DMA transfer: "payload_length" (bytes stored) in JSON,
 * and with --payload the first env.payload_max of them, as a hex string
 * (JSON) or hex lines under the event, then how many were left out.
 */
static void print_payload(struct dump *d, const struct pciem_event *ev, uint32_t id, int json)
{
	const uint8_t *p;
	const void *buf;
	uint32_t len = 0, n, i;

	if (id && ptf_reader__payload(d->r, id, &buf, &len))
		len = 0;
	p = len ? buf : NULL;
	if (json)
		printf(",\"payload_length\":%u", len);
	if (!env.payload)
		return;
	n = env.payload_max < len ? (uint32_t)env.payload_max : len;
	if (json) {
		printf(",\"payload\":\"");
		for (i = 0; i < n; i++)
			printf("%02x", p[i]);
		printf("\",\"payload_omitted\":%u", len - n);
		return;
	}
	if (!len) {
		if (!(ev->flags & PCIEM_EVENT_F_DMA_FAULT) && ev->data)
			printf("    (no bytes stored)\n");
		return;
	}
	for (i = 0; i < n; i++) {
		if (i % 16 == 0)
			printf("    %04x ", i);
		printf("%s%02x", i % 16 == 8 ? "  " : " ", p[i]);
		if (i % 16 == 15 || i + 1 == n)
			printf("\n");
	}
	if (n < len)
		printf("    (%u more bytes: --payload=all shows them)\n", len - n);
}

/* The stack of an event: indented lines under it, or a JSON array. */
static void print_stack(struct dump *d, uint32_t id, int json)
{
	const uint64_t *ips;
	uint32_t n, i;
	char sym[256];

	if (!id || ptf_reader__stack(d->r, id, &ips, &n))
		return;
	if (json)
		printf(",\"stack\":[");
	for (i = 0; i < n; i++) {
		ptf_reader__symbolize(d->r, ips[i], sym, sizeof(sym));
		if (json) {
			if (i)
				putchar(',');
			json_string(stdout, sym);
		} else {
			printf("    %s\n", sym);
		}
	}
	if (json)
		printf("]");
}

static void dump__record(struct dump *d, const struct ptf_record *rec, const struct ptf_device *dev)
{
	char addr[32], range[80];
	int i;

	switch (rec->type) {
	case PTF_REC_EVENT:
		if (env.json) {
			json_event(d, rec->domain, &rec->event, rec->stack, rec->payload, dev);
		} else {
			text_event(d, rec->domain, &rec->event, dev);
			if (env.payload && event__is_dma_transfer(&rec->event))
				print_payload(d, &rec->event, rec->payload, 0);
			if (env.stacks)
				print_stack(d, rec->stack, 0);
		}
		break;
	case PTF_REC_LOST:
		if (env.json)
			printf("{\"record\":\"lost\",\"domain\":\"%04x\",\"first_seq\":%llu,"
			       "\"last_seq\":%llu,\"count\":%llu}\n", rec->domain,
			       (unsigned long long)rec->lost.first_seq,
			       (unsigned long long)rec->lost.last_seq,
			       (unsigned long long)rec->lost.count);
		else {
			format_seq_range(range, sizeof(range), rec->lost.first_seq,
					 rec->lost.last_seq, rec->lost.count);
			printf("%04x %8s %14s  %-20s %-12s %s\n", rec->domain, "-", "-", "", "lost",
			       range);
		}
		break;
	case PTF_REC_DEVICE: {
		const struct pciem_trace_device *desc = &rec->device->desc;

		device__format_addr(addr, sizeof(addr), rec->domain, rec->device);
		if (env.json) {
			printf("{\"record\":\"device\",\"domain\":\"%04x\",\"address\":\"%s\","
			       "\"vendor_id\":\"%04x\",\"device_id\":\"%04x\",\"msi_cap\":%u,"
			       "\"pcie_cap\":%u,\"pm_cap\":%u,\"creator_pid\":%u,\"bars\":[",
			       rec->domain, addr, desc->vendor_id, desc->device_id, desc->msi_cap,
			       desc->pcie_cap, desc->pm_cap, desc->creator_pid);
			for (i = 0; i < 6; i++) {
				const struct pciem_trace_bar *b = &desc->bars[i];

				printf("%s{\"bar\":%d,\"size\":%llu,\"flags\":%u,\"bus_addr\":\"0x%llx\"}",
				       i ? "," : "", i, (unsigned long long)b->size, b->flags,
				       (unsigned long long)b->bus_addr);
			}
			printf("],\"real\":%s,\"bound\":%s,\"io_bar\":%s,\"device_flags\":%u}\n",
			       (desc->flags & PCIEM_TDEV_F_REAL) ? "true" : "false",
			       (desc->flags & PCIEM_TDEV_F_BOUND) ? "true" : "false",
			       (desc->flags & PCIEM_TDEV_F_IO_BAR) ? "true" : "false", desc->flags);
		} else {
			char notes[256];

			printf("%04x %8s %14s  %-20s %-12s %04x:%04x at %s", rec->domain, "-", "-",
			       "", "device", desc->vendor_id, desc->device_id, addr);
			for (i = 0; i < 6; i++)
				if (desc->bars[i].size)
					printf(" bar%d%s 0x%llx", i,
					       (desc->bars[i].flags & PCI_BASE_ADDRESS_SPACE_IO) ?
					       " io" : "", (unsigned long long)desc->bars[i].size);
			device__format_notes(notes, sizeof(notes), rec->device);
			if (notes[0])
				printf(" (%s)", notes);
			printf("\n");
		}
		break;
	}
	case PTF_REC_DRIVER:
		if (env.json) {
			printf("{\"record\":\"driver\",\"domain\":\"%04x\",\"driver\":", rec->domain);
			json_string(stdout, rec->driver);
			printf("}\n");
		} else {
			printf("%04x %8s %14s  %-20s %-12s %s\n", rec->domain, "-", "-", "", "driver",
			       rec->driver);
		}
		break;
	case PTF_REC_MODULE:
		if (env.json) {
			printf("{\"record\":\"module\",\"name\":");
			json_string(stdout, rec->module->name);
			printf(",\"base\":\"0x%llx\",\"size\":%llu,\"symbols\":%u}\n",
			       (unsigned long long)rec->module->base,
			       (unsigned long long)rec->module->size, rec->module->nsyms);
		} else {
			printf("%-5s %7s %14s  %-20s %-12s %s at 0x%llx size 0x%llx, %u symbols\n",
			       "-", "-", "-", "", "module", rec->module->name,
			       (unsigned long long)rec->module->base,
			       (unsigned long long)rec->module->size, rec->module->nsyms);
		}
		break;
	}
}

int cmd_dump(int argc, char **argv)
{
	static const struct argp_child children[] = {
		{ &trace_argp, 0, NULL, 0 },
		{ &filter_argp, 0, NULL, 0 },
		{ 0 },
	};
	static const struct argp argp = {
		.options = options,
		.parser = parse_opt,
		.doc = doc,
		.children = children,
	};
	struct regmap *map = NULL;
	struct ptf_summary sum;
	struct ptf_record rec;
	struct dump d = { 0 };
	int err, ret = EXIT_ERROR, rd, done = 0;

	filter__init(&env.filter);
	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return EXIT_ERROR;
	if (trace_args__open(&env.args, &env.filter, &map, &d.r))
		goto cleanup;
	d.map = map;
	d.start_ns = ptf_reader__header(d.r)->start_mono_ns;
	/* a stack's frames are named by modules recorded after its event too;
	 * a damaged file is reported by the loop below */
	if ((env.stacks || env.json) && (ptf_reader__header(d.r)->flags & PTF_HDR_F_STACKS))
		ptf_reader__load_symbols(d.r);
	err = filter__seek(&env.filter, d.r, d.start_ns);
	if (err < 0)
		goto cleanup;
	if (err == 1) {
		ret = EXIT_OK;		/* nothing in the range */
		goto cleanup;
	}
	while ((rd = ptf_reader__next(d.r, &rec)) > 0) {
		const struct ptf_device *dev = NULL;

		if (filter__done(&env.filter, &rec)) {
			done = 1;
			break;
		}
		if (rec.type == PTF_REC_EVENT)
			dev = ptf_reader__device(d.r, rec.domain);
		if (filter__match(&env.filter, &rec, dev, map, d.start_ns))
			dump__record(&d, &rec, dev);
	}
	fflush(stdout);
	if (rd < 0) {
		ptrace_err("%s", ptf_reader__error(d.r));
		goto cleanup;
	}
	if (!done) {
		err = ptf_reader__summary(d.r, &sum);
		if (err < 0) {
			ptrace_err("%s", ptf_reader__error(d.r));
			goto cleanup;
		}
		if (!sum.complete || sum.trailing_bytes)
			ptrace_err("%s: warning: the trace is incomplete (%llu unreadable bytes at the end); "
				   "everything readable was dumped", env.args.trace,
				   (unsigned long long)sum.trailing_bytes);
	}
	ret = EXIT_OK;
cleanup:
	if (ferror(stdout) && ret == EXIT_OK) {
		ptrace_err("writing the output: %s", strerror(EIO));
		ret = EXIT_ERROR;
	}
	ptf_reader__close(d.r);
	regmap__free(map);
	return ret;
}
