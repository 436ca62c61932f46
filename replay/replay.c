// SPDX-License-Identifier: GPL-2.0
/*
 * pciem-replay's session: read the trace (a first pass checks it whole and
 * counts what the replay should see), re-create the device, stream the
 * device's events into the kernel's replay FIFO while the driver runs, and
 * collect the divergences and the final status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pciem.h"
#include "pciem-trace.h"
#include "replay.h"
#include "stack_live.h"
#include "stacks_api.h"

/* --stacks: how long the BPF ring buffer goes unread at most while the
 * replay waits, so that it does not fill up (it holds some 15,000 stacks) */
#define STACKS_POLL_MS		10

#define FEED_CHUNK	512	/* events per REPLAY_FEED call */
#define MAX_DOMAINS	64

static const char prog[] = "pciem-replay";

uint64_t replay__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* ---- the trace ------------------------------------------------------------ */

struct dom_count {
	uint32_t domain;
	bool described;
	struct msix_layout msix;	/* of its description, if PCIem presents it */
	uint64_t events, accesses, msix_accesses, irqs, lost, dma;
	uint64_t first_lost_seq;
};

static uint16_t cfg16(const uint8_t *c, unsigned int at)
{
	return c[at] | (c[at + 1] << 8);
}

static uint32_t cfg32(const uint8_t *c, unsigned int at)
{
	return cfg16(c, at) | ((uint32_t)cfg16(c, at + 2) << 16);
}

/* The table and PBA of the MSI-X capability at @at of config space @c. */
static void msix_read(const uint8_t *c, unsigned int at, struct msix_layout *m)
{
	uint32_t t = cfg32(c, at + PCI_MSIX_TABLE), p = cfg32(c, at + PCI_MSIX_PBA);

	m->present = true;
	m->n = (cfg16(c, at + PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_QSIZE) + 1;
	m->tbar = t & PCI_MSIX_TABLE_BIR;
	m->toff = t & PCI_MSIX_TABLE_OFFSET;
	m->tlen = 16ULL * m->n;
	m->pbar = p & PCI_MSIX_PBA_BIR;
	m->poff = p & PCI_MSIX_PBA_OFFSET;
	m->plen = 8ULL * ((m->n + 63) / 64);
}

/*
 * Why PCIem cannot present the MSI-X capability @m of a device with BARs
 * @bars, NULL if it can: the table and the PBA must lie in memory BARs the
 * replayed device has, and not overlap (ADD_CAPABILITY's and REGISTER's
 * checks, kmod/pciem_irq.c).
 */
static const char *msix_refused(const struct msix_layout *m, const struct pciem_trace_bar *bars)
{
	static char why[200];
	const struct {
		const char *what;
		unsigned int bar;
		uint64_t off, len;
	} r[2] = { { "table", m->tbar, m->toff, m->tlen }, { "PBA", m->pbar, m->poff, m->plen } };
	int i;

	for (i = 0; i < 2; i++) {
		const struct pciem_trace_bar *b = r[i].bar < 6 ? &bars[r[i].bar] : NULL;

		if (!b || !b->size || (b->flags & PCI_BASE_ADDRESS_SPACE_IO)) {
			snprintf(why, sizeof(why), "its %s is in BAR%u, which %s; the driver will "
				 "take another path: MSI if the device has it, else INTx",
				 r[i].what, r[i].bar, !b ? "does not exist" :
				 !b->size ? "the replayed device does not have" :
				 "is an I/O port BAR");
			return why;
		}
		if (r[i].off + r[i].len > b->size) {
			snprintf(why, sizeof(why), "its %s (0x%" PRIx64 "-0x%" PRIx64 ") reaches "
				 "past the end of BAR%u (%" PRIu64 " bytes); the driver will take "
				 "another path: MSI if the device has it, else INTx", r[i].what,
				 r[i].off, r[i].off + r[i].len - 1, r[i].bar, (uint64_t)b->size);
			return why;
		}
	}
	if (m->tbar == m->pbar && m->toff < m->poff + m->plen && m->poff < m->toff + m->tlen)
		return "its table and PBA overlap; the driver will take another path: MSI if "
		       "the device has it, else INTx";
	return NULL;
}

/* The MSI-X capability of description @d, if it has one PCIem presents. */
static void msix_of(const struct pciem_trace_device *d, struct msix_layout *m)
{
	const uint8_t *c = d->config;
	unsigned int at, count = 0;

	memset(m, 0, sizeof(*m));
	if (!(cfg16(c, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return;
	for (at = c[PCI_CAPABILITY_LIST] & 0xfc; at >= 0x40 && count < 48;
	     at = c[at + PCI_CAP_LIST_NEXT] & 0xfc, count++) {
		if (c[at] != PCI_CAP_ID_MSIX)
			continue;
		msix_read(c, at, m);
		if (msix_refused(m, d->bars))
			memset(m, 0, sizeof(*m));
		return;
	}
}

bool replay__in_msix(const struct msix_layout *m, const struct pciem_event *ev)
{
	return m->present && (ev->type == PCIEM_EVENT_MMIO_READ || ev->type == PCIEM_EVENT_MMIO_WRITE) &&
	       ((ev->bar == m->tbar && ev->offset < m->toff + m->tlen &&
		 m->toff < ev->offset + ev->size) ||
		(ev->bar == m->pbar && ev->offset < m->poff + m->plen &&
		 m->poff < ev->offset + ev->size));
}

static struct dom_count *dom_get(struct dom_count *d, unsigned int *n, uint32_t domain)
{
	unsigned int i;

	for (i = 0; i < *n; i++)
		if (d[i].domain == domain)
			return &d[i];
	if (*n == MAX_DOMAINS)
		return NULL;
	memset(&d[*n], 0, sizeof(d[*n]));
	d[*n].domain = domain;
	return &d[(*n)++];
}

static void count_event(struct dom_count *c, const struct pciem_event *ev)
{
	c->events++;
	if (replay__in_msix(&c->msix, ev))
		c->msix_accesses++;
	else if (ev->type == PCIEM_EVENT_MMIO_READ || ev->type == PCIEM_EVENT_MMIO_WRITE ||
		 (event__is_dma(ev) && !event__is_dma_transfer(ev)))
		c->accesses++;	/* the DMA API calls are matched like accesses */
	if (event__is_dma(ev))
		c->dma++;
	else if (ev->type == PCIEM_EVENT_IRQ && !(ev->flags & PCIEM_EVENT_F_DEFERRED))
		c->irqs++;
}

/* The whole file once: is it readable to the end, which devices does it
 * hold, how many events of each, were any lost? */
static int prepass(struct replay *rp, struct dom_count *doms, unsigned int *ndoms)
{
	const char *path = rp->opts->trace;
	struct ptf_record rec;
	struct dom_count *c;
	int err;

	while ((err = ptf_reader__next(rp->r, &rec)) > 0) {
		if (rec.type != PTF_REC_DEVICE && rec.type != PTF_REC_EVENT &&
		    rec.type != PTF_REC_LOST)
			continue;
		c = dom_get(doms, ndoms, rec.domain);
		if (!c) {
			fprintf(stderr, "%s: %s: more than %d devices\n", prog, path, MAX_DOMAINS);
			return -E2BIG;
		}
		if (rec.type == PTF_REC_DEVICE) {
			c->described = true;
			msix_of(&rec.device->desc, &c->msix);
		} else if (rec.type == PTF_REC_EVENT) {
			count_event(c, &rec.event);
		} else {
			if (!c->lost)
				c->first_lost_seq = rec.lost.first_seq;
			c->lost += rec.lost.count;
		}
	}
	if (err < 0) {
		fprintf(stderr, "%s: %s\n", prog, ptf_reader__error(rp->r));
		fprintf(stderr, "%s: %s is damaged; nothing was replayed\n", prog, path);
		return err;
	}
	return 0;
}

/* ---- a real device's trace ------------------------------------------------ */

static const char *cap_name(uint8_t id)
{
	switch (id) {
	case PCI_CAP_ID_PM: return "power management";
	case PCI_CAP_ID_AGP: return "AGP";
	case PCI_CAP_ID_VPD: return "VPD";
	case PCI_CAP_ID_MSI: return "MSI";
	case PCI_CAP_ID_PCIX: return "PCI-X";
	case PCI_CAP_ID_VNDR: return "vendor-specific";
	case PCI_CAP_ID_SSVID: return "subsystem IDs";
	case PCI_CAP_ID_EXP: return "PCI Express";
	case PCI_CAP_ID_MSIX: return "MSI-X";
	case PCI_CAP_ID_SATA: return "SATA";
	case PCI_CAP_ID_AF: return "advanced features";
	case PCI_CAP_ID_EA: return "enhanced allocation";
	default: return "unknown";
	}
}

/* Why PCIem cannot present capability @id at @at as it is, NULL if it can
 * (the checks of SET_CONFIG_IMAGE: kmod/pciem_cfg.c), on a device with
 * BARs @bars. */
static const char *cap_refused(const uint8_t *c, unsigned int at,
			       const struct pciem_trace_bar *bars)
{
	struct msix_layout m;
	uint16_t f;

	switch (c[at]) {
	case PCI_CAP_ID_PM:
		return NULL;
	case PCI_CAP_ID_MSI:
		f = cfg16(c, at + PCI_MSI_FLAGS);
		if (f & ~(PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QMASK | PCI_MSI_FLAGS_QSIZE |
			  PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT) ||
		    ((f & PCI_MSI_FLAGS_QMASK) >> 1) > 5)
			return "a form of MSI that PCIem does not build (extended message data, "
			       "or more than 32 vectors); the driver will use INTx, if it can";
		return NULL;
	case PCI_CAP_ID_EXP:
		f = cfg16(c, at + PCI_EXP_FLAGS);
		if ((f & PCI_EXP_FLAGS_VERS) != 2)
			return "PCIem presents PCI Express capabilities of version 2 only; the "
			       "driver will see a conventional PCI device";
		if (((f & PCI_EXP_FLAGS_TYPE) >> 4) != PCI_EXP_TYPE_ENDPOINT &&
		    ((f & PCI_EXP_FLAGS_TYPE) >> 4) != PCI_EXP_TYPE_LEG_END)
			return "PCIem presents PCI Express endpoints only (this is another port "
			       "type, e.g. a root complex integrated endpoint); the driver will "
			       "see a conventional PCI device";
		return NULL;
	case PCI_CAP_ID_MSIX:
		msix_read(c, at, &m);
		return msix_refused(&m, bars);
	default:
		return "PCIem does not emulate it; the driver will not find it";
	}
}

unsigned int replay__adapt_config(uint8_t cfg[4096], const struct pciem_trace_bar bars[6],
				  FILE *out, const char *who)
{
	unsigned int prev = PCI_CAPABILITY_LIST, at, n = 0, kept = 0, count = 0;
	bool seen[64] = { false }, pcie = false;
	const char *why;

	if (cfg[PCI_HEADER_TYPE] & 0x80) {
		cfg[PCI_HEADER_TYPE] &= 0x7f;
		fprintf(out, "%s: the multi-function bit of the header type is cleared: the "
			"replayed device is a single function\n", who);
		n++;
	}
	if (cfg[PCI_INTERRUPT_PIN] > 1) {
		fprintf(out, "%s: interrupt pin INT%c is presented as INTA (PCIem's only pin)\n",
			who, 'A' + cfg[PCI_INTERRUPT_PIN] - 1);
		cfg[PCI_INTERRUPT_PIN] = 1;
		n++;
	}
	if (!(cfg16(cfg, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return n;
	for (at = cfg[PCI_CAPABILITY_LIST] & 0xfc; at; at = cfg[at + PCI_CAP_LIST_NEXT] & 0xfc) {
		if (at < 0x40 || seen[at / 4] || ++count > 48) {
			/* a broken list: cut it here */
			fprintf(out, "%s: the capability list is broken at 0x%02x; it is cut there\n",
				who, at);
			cfg[prev] = 0;
			n++;
			break;
		}
		seen[at / 4] = true;
		why = cap_refused(cfg, at, bars);
		if (cfg[at] == PCI_CAP_ID_EXP && !why)
			pcie = true;
		if (why) {
			fprintf(out, "%s: capability %s (0x%02x) at 0x%02x is not presented: %s\n",
				who, cap_name(cfg[at]), cfg[at], at, why);
			cfg[prev] = cfg[at + PCI_CAP_LIST_NEXT] & 0xfc;
			n++;
			continue;	/* prev stays */
		}
		kept++;
		prev = at + PCI_CAP_LIST_NEXT;
	}
	if (!kept) {
		cfg[PCI_CAPABILITY_LIST] = 0;
		cfg[PCI_STATUS] &= ~PCI_STATUS_CAP_LIST;
	}
	if (pcie) {
		unsigned int i;

		for (i = 256; i < 4096 && !cfg[i]; i++)
			;
		if (i < 4096) {
			fprintf(out, "%s: the extended capabilities (from 0x100: AER, ...) are not "
				"presented: PCIem emulates none\n", who);
			memset(cfg + 256, 0, 4096 - 256);
			n++;
		}
	}
	return n;
}

/*
 * A real device's trace (PCIEM_TDEV_F_REAL): refuses what cannot be
 * replayed exactly, and makes its description one PCIem can present.
 */
static int real_device(struct replay *rp)
{
	struct pciem_trace_device *d = &rp->dev.desc;
	const char *path = rp->opts->trace;
	char who[300], addr[32];
	int i;

	device__format_addr(addr, sizeof(addr), rp->domain, NULL);
	snprintf(who, sizeof(who), "%s: %s: real device %s", prog, path, addr);
	if (d->flags & PCIEM_TDEV_F_BOUND) {
		fprintf(stderr, "%s: its driver was bound when the recording started, so the "
			"driver's probe is not in the trace and a replay cannot start from it; "
			"record it again with pciem-record --rebind\n", who);
		return -EPROTO;
	}
	for (i = 0; i < 6; i++) {
		struct pciem_trace_bar *b = &d->bars[i];

		if (!b->size)
			continue;
		if (b->flags & PCI_BASE_ADDRESS_SPACE_IO) {
			if (!rp->opts->without_io_bars) {
				fprintf(stderr, "%s: BAR%d is an I/O port BAR, whose accesses "
					"could not be recorded, so the driver's port accesses cannot "
					"be replayed; --without-io-bars presents the device without "
					"its I/O BARs (the driver may then fail, or take another "
					"path)\n", who, i);
				return -EPROTO;
			}
			fprintf(stderr, "%s: I/O port BAR%d is left out (--without-io-bars)\n",
				who, i);
			memset(b, 0, sizeof(*b));
			continue;
		}
		if (b->size < PCIEM_BAR_MIN_SIZE || b->size > PCIEM_BAR_MAX_SIZE ||
		    (b->size & (b->size - 1))) {
			fprintf(stderr, "%s: BAR%d of %llu bytes cannot be presented (PCIem BARs "
				"are powers of two from %llu bytes to %llu MiB)\n", who, i,
				(unsigned long long)b->size, PCIEM_BAR_MIN_SIZE,
				PCIEM_BAR_MAX_SIZE >> 20);
			return -EPROTO;
		}
		/* the real BAR's flags are those ADD_BAR takes, address left out */
		b->flags &= PCI_BASE_ADDRESS_MEM_TYPE_MASK | PCI_BASE_ADDRESS_MEM_PREFETCH;
	}
	replay__adapt_config(d->config, d->bars, stderr, who);
	return 0;
}

/*
 * The register map's DMA rules for the device, as REPLAY_START takes them:
 * identifier names become spaces 0, 1, ...  -EINVAL after saying why.
 */
static int dma_rules(struct replay *rp)
{
	const struct reg_dma_rule *all[PCIEM_REPLAY_MAX_RULES + 1];
	unsigned int space[PCIEM_REPLAY_MAX_RULES], n, i;

	n = regmap__dma_rules(rp->map, rp->dev.desc.vendor_id, rp->dev.desc.device_id, all,
			      PCIEM_REPLAY_MAX_RULES + 1);
	if (n > PCIEM_REPLAY_MAX_RULES) {
		fprintf(stderr, "%s: %s: %u DMA rules apply to device %04x:%04x; a replay takes "
			"at most %u\n", prog, rp->opts->regs, n, rp->dev.desc.vendor_id,
			rp->dev.desc.device_id, PCIEM_REPLAY_MAX_RULES);
		return -EINVAL;
	}
	reg_dma_rules__spaces(all, n, space);
	for (i = 0; i < n; i++) {
		struct pciem_replay_dma_rule *kr = &rp->krules[i];
		const struct reg_dma_rule *r = all[i];

		rp->rules[i] = r;
		memset(kr, 0, sizeof(*kr));
		kr->kind = r->kind == REG_DMA_IGNORE ? PCIEM_REPLAY_RULE_IGNORE :
			   r->kind == REG_DMA_ID ? PCIEM_REPLAY_RULE_ID : PCIEM_REPLAY_RULE_ECHO;
		kr->entry = r->entry;
		kr->field = r->field;
		kr->len = r->len;
		kr->ids = space[i];
		if (space[i] >= PCIEM_REPLAY_MAX_IDS) {
			fprintf(stderr, "%s: %s:%u: more than %u kinds of identifier for one device\n",
				prog, rp->opts->regs, r->line, PCIEM_REPLAY_MAX_IDS);
			return -EINVAL;
		}
	}
	rp->nrules = n;
	return 0;
}

/* The rules that apply to the recorded mapping @ev (DMA_MAP), by the
 * function that made it: its mask, as REPLAY_FEED takes it in @size. */
static uint32_t map_rules(struct replay *rp, const struct pciem_event *ev)
{
	uint32_t mask = 0;
	unsigned int i;
	char fn[256];

	trace__call_site_function(rp->r, ev->ip, fn, sizeof(fn));
	for (i = 0; i < rp->nrules; i++)
		if (reg_dma_rule__applies(rp->rules[i], fn, ev->data))
			mask |= 1U << i;
	return mask;
}

int replay__open_trace(struct replay *rp)
{
	const struct replay_opts *o = rp->opts;
	struct dom_count doms[MAX_DOMAINS], *c = NULL;
	unsigned int ndoms = 0, i, described = 0;
	const struct ptf_device *dev;
	const char *warn, *drv;
	char addr[32];
	int err;

	err = ptf_reader__open(&rp->r, o->trace);
	if (err < 0) {
		const char *msg = rp->r ? ptf_reader__error(rp->r) : "";

		if (*msg)
			fprintf(stderr, "%s: %s\n", prog, msg);
		else
			fprintf(stderr, "%s: %s: %s\n", prog, o->trace, strerror(-err));
		return err;
	}
	/* stacks and the modules that name their frames, recorded anywhere */
	if ((ptf_reader__header(rp->r)->flags & PTF_HDR_F_STACKS) &&
	    ptf_reader__load_symbols(rp->r)) {
		fprintf(stderr, "%s: %s\n", prog, ptf_reader__error(rp->r));
		return -EBADMSG;
	}
	err = prepass(rp, doms, &ndoms);
	if (err)
		return err;
	warn = ptf_reader__warning(rp->r);
	if (warn)
		fprintf(stderr, "%s: warning: %s\n", prog, warn);

	for (i = 0; i < ndoms; i++)
		described += doms[i].described;
	if (o->have_domain) {
		for (i = 0; i < ndoms; i++)
			if (doms[i].domain == o->domain && doms[i].described)
				c = &doms[i];
		if (!c) {
			/* --device 0000:00:04.0 gives a real device's key */
			device__format_addr(addr, sizeof(addr), o->domain, NULL);
			fprintf(stderr, "%s: %s has no device %s%s\n", prog, o->trace,
				PCIEM_KEY_IS_REAL(o->domain) ? "" : "in domain ", addr);
			return -ENOENT;
		}
	} else {
		for (i = 0; i < ndoms; i++)
			if (doms[i].described && !c)
				c = &doms[i];
		if (!c) {
			fprintf(stderr, "%s: %s holds no device description: nothing to replay\n",
				prog, o->trace);
			return -ENOENT;
		}
		if (described > 1) {
			fprintf(stderr, "%s: %s holds %u devices; choose one with --device DOMAIN:",
				prog, o->trace, described);
			for (i = 0; i < ndoms; i++)
				if (doms[i].described) {
					device__format_addr(addr, sizeof(addr), doms[i].domain,
							    NULL);
					fprintf(stderr, " %s", addr);
				}
			fputc('\n', stderr);
			return -EINVAL;
		}
	}
	rp->domain = c->domain;
	rp->total_events = c->events;
	rp->total_accesses = c->accesses;
	rp->total_msix_accesses = c->msix_accesses;
	rp->msix = c->msix;
	rp->total_irqs = c->irqs;
	rp->has_dma = c->dma > 0;
	rp->lost = c->lost;
	device__format_addr(addr, sizeof(addr), c->domain, NULL);
	if (c->lost && !o->allow_lost) {
		fprintf(stderr, "%s: %s: %" PRIu64 " events of device %s were lost while "
			"recording (the first at seq %" PRIu64 "), so the replay would diverge "
			"there; record again with pciem-record --lossless, or pass --allow-lost\n",
			prog, o->trace, c->lost, addr, c->first_lost_seq);
		return -EPROTO;
	}
	if (c->lost)
		fprintf(stderr, "%s: warning: %" PRIu64 " events of device %s were lost while "
			"recording (the first at seq %" PRIu64 "); a divergence there may come "
			"from the loss\n", prog, c->lost, addr, c->first_lost_seq);
	dev = ptf_reader__device(rp->r, rp->domain);
	if (!dev)
		return -ENOENT;		/* described above: cannot happen */
	rp->dev = *dev;
	drv = ptf_reader__driver(rp->r, rp->domain);
	snprintf(rp->driver, sizeof(rp->driver), "%s", drv ? drv : "");
	if (rp->dev.desc.flags & PCIEM_TDEV_F_REAL) {
		err = real_device(rp);
		if (err)
			return err;
	}

	if (o->regs) {
		char msg[512];

		err = regmap__load(&rp->map, o->regs, msg, sizeof(msg));
		if (err) {
			fprintf(stderr, "%s: %s\n", prog, msg);
			return err;
		}
		err = dma_rules(rp);
		if (err)
			return err;
	}
	err = ptf_reader__rewind(rp->r);
	if (err) {
		fprintf(stderr, "%s: %s\n", prog, ptf_reader__error(rp->r));
		return err;
	}
	return 0;
}

/* ---- the device ------------------------------------------------------------- */

static int ioctl_fail(const char *what)
{
	int e = errno;

	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(e));
	return -e;
}

int replay__create_device(struct replay *rp)
{
	const struct replay_opts *o = rp->opts;
	struct pciem_create_device create = { 0 };
	struct pciem_config_image img = { 0 };
	struct pciem_replay_start start;
	struct pciem_device_info info;
	uint64_t hist;
	int i, err;

	hist = 2ULL * (o->start.fifo_events ? o->start.fifo_events : PCIEM_REPLAY_DEF_FIFO);
	rp->hist = calloc(hist, sizeof(*rp->hist));
	rp->hist_stack = calloc(hist, sizeof(*rp->hist_stack));
	rp->chunk = calloc(FEED_CHUNK, sizeof(*rp->chunk));
	rp->chunk_stack = calloc(FEED_CHUNK, sizeof(*rp->chunk_stack));
	rp->chunk_pay = malloc((size_t)FEED_CHUNK * PCIEM_TRACE_DMA_PIECE);
	if (!rp->hist || !rp->chunk || !rp->hist_stack || !rp->chunk_stack || !rp->chunk_pay) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return -ENOMEM;
	}
	rp->hist_mask = hist - 1;

	rp->fd = open(o->device_path, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (rp->fd < 0) {
		err = errno;
		if (err == ENOENT)
			fprintf(stderr, "%s: %s does not exist: the pciem module is not loaded "
				"(insmod pciem.ko)\n", prog, o->device_path);
		else if (err == EACCES || err == EPERM)
			fprintf(stderr, "%s: %s: %s (replaying needs root: CAP_SYS_ADMIN)\n",
				prog, o->device_path, strerror(err));
		else
			fprintf(stderr, "%s: %s: %s\n", prog, o->device_path, strerror(err));
		return -err;
	}
	if (ioctl(rp->fd, PCIEM_IOCTL_CREATE_DEVICE, &create))
		return ioctl_fail("creating the device (CREATE_DEVICE)");
	for (i = 0; i < 6; i++) {
		struct pciem_bar_config b = { .bar_index = i };
		char what[64];

		if (!rp->dev.desc.bars[i].size)
			continue;
		b.size = rp->dev.desc.bars[i].size;
		b.flags = rp->dev.desc.bars[i].flags;
		snprintf(what, sizeof(what), "the recorded BAR %d (ADD_BAR)", i);
		if (ioctl(rp->fd, PCIEM_IOCTL_ADD_BAR, &b))
			return ioctl_fail(what);
	}
	img.data = (uintptr_t)rp->dev.desc.config;
	if (ioctl(rp->fd, PCIEM_IOCTL_SET_CONFIG_IMAGE, &img))
		return ioctl_fail("the recorded config space (SET_CONFIG_IMAGE)");
	/* the driver's DMA is replayed when the recording has it */
	start = o->start;
	if (rp->has_dma) {
		start.flags |= PCIEM_REPLAY_F_DMA;
		start.dma_rule_count = rp->nrules;
		start.dma_rules = (uintptr_t)rp->krules;
	}
	if (ioctl(rp->fd, PCIEM_IOCTL_REPLAY_START, &start)) {
		if (errno != ENOTTY)
			return ioctl_fail("starting the replay (REPLAY_START)");
		fprintf(stderr, "%s: the loaded pciem module has no replay engine "
			"(REPLAY_START: %s); load this version's pciem.ko\n", prog,
			strerror(errno));
		return -ENOTTY;
	}
	/* the driver's probe finds its sequence already there */
	err = replay__feed(rp);
	if (err)
		return err;
	rp->ifd = ioctl(rp->fd, PCIEM_IOCTL_REGISTER, 0);
	if (rp->ifd < 0)
		return ioctl_fail("registering the device (REGISTER)");
	if (ioctl(rp->fd, PCIEM_IOCTL_GET_DEVICE_INFO, &info))
		return ioctl_fail("GET_DEVICE_INFO");
	pciem_format_address(rp->address, sizeof(rp->address), &info);
	rp->live_domain = info.domain;
	return 0;
}

/*
 * --stacks: the BPF program on pciem:pciem_event, as pciem-record --stacks
 * loads it, keeping the newest stacks, and the kernel's symbols to trim
 * and name them.  Before the device registers, so that every access has
 * its stack.  0, or REPLAY_EX_NOSTACKS having said exactly why.
 */
int replay__open_stacks(struct replay *rp)
{
	char why[1200];

	rp->sl = calloc(1, sizeof(*rp->sl));
	if (!rp->sl) {
		fprintf(stderr, "%s: --stacks: out of memory\n", prog);
		return REPLAY_EX_NOSTACKS;
	}
	if (stacks__open(&rp->stacks, why, sizeof(why))) {
		fprintf(stderr, "%s: --stacks: BPF cannot be used: %s\n", prog, why);
		return REPLAY_EX_NOSTACKS;
	}
	stacks__keep_newest(rp->stacks);
	if (stack_live__open(rp->sl, "", why, sizeof(why))) {
		free(rp->sl);
		rp->sl = NULL;
		fprintf(stderr, "%s: --stacks: %s\n", prog, why);
		return REPLAY_EX_NOSTACKS;
	}
	if (rp->opts->verbose)
		fprintf(stderr, "%s: --stacks: BPF program attached to pciem:pciem_event\n", prog);
	return 0;
}

/* The call stack of the driver's access @a, trimmed and named now (its
 * module is surely loaded), frames joined by PTF_STACK_SEP; NULL when
 * none was captured (no --stacks, no sequence number, dropped). */
static char *actual_stack(struct replay *rp, const struct pciem_event *a)
{
	uint64_t ips[SJ_MAX_FRAMES];
	char text[PTF_STACK_TEXT_MAX];
	uint32_t n, k;

	if (!rp->stacks || !a->seq)
		return NULL;
	/* the BPF program sent it before the kernel let the divergence be read */
	stacks__consume(rp->stacks);
	if (!stack_join__take(stacks__join(rp->stacks), rp->live_domain, a->seq, ips, &n))
		return NULL;
	k = stack_live__trim(rp->sl, ips, n);
	if (k == n)
		return NULL;
	ptf_stack_text(text, sizeof(text), ips + k, n - k, stack_live__name, rp->sl);
	return strdup(text);
}

/* ---- feeding ------------------------------------------------------------------ */

/* The bytes a DMA transfer event is fed with (none for a refused one). */
static uint32_t event_bytes(const struct pciem_event *ev)
{
	return event__is_dma_transfer(ev) && !(ev->flags & PCIEM_EVENT_F_DMA_FAULT) ?
	       (uint32_t)ev->data : 0;
}

/* The next event of the replayed device, its bytes (if a DMA transfer's)
 * appended to the chunk's: 1, 0 at the end, -errno. */
static int next_event(struct replay *rp, struct pciem_event *ev, uint32_t *stack)
{
	struct ptf_record rec;
	const void *bytes;
	uint32_t len, want;
	int err;

	while ((err = ptf_reader__next(rp->r, &rec)) > 0) {
		if (rec.type != PTF_REC_EVENT || rec.domain != rp->domain)
			continue;
		want = event_bytes(&rec.event);
		if (want) {
			if (want > PCIEM_TRACE_DMA_PIECE || !rec.payload ||
			    ptf_reader__payload(rp->r, rec.payload, &bytes, &len) || len != want) {
				fprintf(stderr, "%s: %s: DMA event seq %llu: its %u bytes are "
					"missing from the trace or do not match it\n", prog,
					rp->opts->trace, (unsigned long long)rec.event.seq, want);
				return -EINVAL;
			}
			memcpy(rp->chunk_pay + rp->pay_n, bytes, len);
			rp->pay_n += len;
		}
		*ev = rec.event;
		*stack = rec.stack;
		if (ev->type == PCIEM_EVENT_DMA_MAP && rp->nrules)
			ev->size = map_rules(rp, ev);
		return 1;
	}
	if (err < 0)
		fprintf(stderr, "%s: %s\n", prog, ptf_reader__error(rp->r));
	return err;
}

const struct pciem_event *replay__event_at(const struct replay *rp, uint64_t index)
{
	if (index >= rp->fed || rp->fed - index > rp->hist_mask + 1)
		return NULL;
	return &rp->hist[index & rp->hist_mask];
}

uint32_t replay__stack_at(const struct replay *rp, uint64_t index)
{
	if (index >= rp->fed || rp->fed - index > rp->hist_mask + 1)
		return 0;
	return rp->hist_stack[index & rp->hist_mask];
}

/* Feeds until the FIFO is full or the trace is exhausted (then REPLAY_END).
 * 0, or -errno having said why. */
int replay__feed(struct replay *rp)
{
	for (;;) {
		struct pciem_replay_feed f = { 0 };
		unsigned int i;
		int n;

		while (rp->chunk_n < FEED_CHUNK && !rp->eof) {
			n = next_event(rp, &rp->chunk[rp->chunk_n], &rp->chunk_stack[rp->chunk_n]);
			if (n < 0)
				return n;
			if (n)
				rp->chunk_n++;
			else
				rp->eof = true;
		}
		if (rp->chunk_off == rp->chunk_n) {
			if (rp->eof && !rp->ended) {
				if (ioctl(rp->fd, PCIEM_IOCTL_REPLAY_END, 0))
					return ioctl_fail("REPLAY_END");
				rp->ended = true;
			}
			return 0;
		}
		f.events = (uintptr_t)(rp->chunk + rp->chunk_off);
		f.count = rp->chunk_n - rp->chunk_off;
		f.payload = (uintptr_t)(rp->chunk_pay + rp->pay_off);
		f.payload_len = rp->pay_n - rp->pay_off;
		n = ioctl(rp->fd, PCIEM_IOCTL_REPLAY_FEED, &f);
		if (n < 0) {
			if (errno == EAGAIN)
				return 0;
			if (errno == EINVAL) {
				const struct pciem_event *ev = &rp->chunk[rp->chunk_off];
				char addr[32];

				device__format_addr(addr, sizeof(addr), rp->domain, NULL);
				fprintf(stderr, "%s: %s: event seq %llu of device %s (type %u, "
					"bar %u, offset 0x%llx, size %u) cannot be replayed on the "
					"recorded device\n", prog, rp->opts->trace,
					(unsigned long long)ev->seq, addr, ev->type, ev->bar,
					(unsigned long long)ev->offset, ev->size);
				return -EINVAL;
			}
			return ioctl_fail("REPLAY_FEED");
		}
		for (i = 0; i < (unsigned int)n; i++) {
			rp->pay_off += event_bytes(&rp->chunk[rp->chunk_off + i]);
			rp->hist[(rp->fed + i) & rp->hist_mask] = rp->chunk[rp->chunk_off + i];
			rp->hist_stack[(rp->fed + i) & rp->hist_mask] =
				rp->chunk_stack[rp->chunk_off + i];
		}
		rp->fed += n;
		rp->chunk_off += n;
		if (rp->chunk_off == rp->chunk_n) {
			rp->chunk_off = rp->chunk_n = 0;
			rp->pay_off = rp->pay_n = 0;
		}
	}
}

/* ---- running -------------------------------------------------------------------- */

static int get_status(struct replay *rp)
{
	if (ioctl(rp->fd, PCIEM_IOCTL_REPLAY_STATUS, &rp->st))
		return ioctl_fail("REPLAY_STATUS");
	rp->status_valid = true;
	return 0;
}

/* Reads the divergence records waiting; reports each at once, while the
 * driver's module is surely still loaded to name its ip. */
static int drain_divergences(struct replay *rp)
{
	struct pciem_replay_divergence d[8];
	ssize_t n;
	int i;

	while ((n = read(rp->fd, d, sizeof(d))) > 0) {
		for (i = 0; i < n / (ssize_t)sizeof(d[0]); i++) {
			struct replay_div tmp, *rd = &tmp;

			if (rp->ndivs < REPLAY_KEEP_DIVS) {
				if (!(rp->ndivs & (rp->ndivs - 1))) {
					void *p = realloc(rp->divs, (rp->ndivs ? 2 * rp->ndivs : 1) *
							  sizeof(*rp->divs));

					if (!p) {
						fprintf(stderr, "%s: out of memory\n", prog);
						return -ENOMEM;
					}
					rp->divs = p;
				}
				rd = &rp->divs[rp->ndivs++];
			}
			memset(rd, 0, sizeof(*rd));
			rd->d = d[i];
			rd->actual_stack = actual_stack(rp, &rd->d.actual);
			report__fill_context(rp, rd);
			report__divergence(rp, rd);
			if (rd == &tmp)
				free(tmp.actual_stack);
		}
	}
	if (n < 0 && errno != EAGAIN)
		return ioctl_fail("reading the divergences");
	return 0;
}

static bool child_exited(pid_t child, int *status)
{
	return child > 0 && waitpid(child, status, WNOHANG) == child;
}

/*
 * Until COMMAND (@child, when > 0) exits or, without COMMAND, the replay
 * is over (done, or stopped at a divergence); or a signal, or the timeout.
 * *child_status: COMMAND's wait status, -1 while it runs.
 */
int replay__run(struct replay *rp, pid_t child, int sigfd, int *child_status)
{
	uint64_t deadline = rp->opts->timeout_s ?
		rp->start_ns + rp->opts->timeout_s * 1000000000ULL : 0;
	bool running = true;
	int err;

	*child_status = -1;
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = rp->fd, .events = POLLIN | (rp->ended ? 0 : POLLOUT) |
						  (running ? POLLPRI : 0) },
			{ .fd = sigfd, .events = POLLIN },
		};
		int timeout = -1;

		if (child_exited(child, child_status))
			return 0;
		if (child <= 0 && !running)
			return 0;
		if (deadline) {
			uint64_t now = replay__now_ns();

			if (now >= deadline) {
				rp->timed_out = true;
				return 0;
			}
			timeout = (deadline - now) / 1000000 + 1;
		}
		if (rp->stacks) {
			/* the stacks of accesses that did not diverge make
			 * room for the next (the join forgets the oldest) */
			stacks__consume(rp->stacks);
			if (timeout < 0 || timeout > STACKS_POLL_MS)
				timeout = STACKS_POLL_MS;
		}
		if (poll(p, 2, timeout) < 0) {
			if (errno == EINTR)
				continue;
			return ioctl_fail("poll");
		}
		if (p[0].revents & POLLOUT) {
			err = replay__feed(rp);
			if (err)
				return err;
		}
		if (p[0].revents & POLLIN) {
			err = drain_divergences(rp);
			if (err)
				return err;
		}
		if (p[0].revents & POLLPRI) {
			err = get_status(rp);
			if (err)
				return err;
			running = rp->st.state == PCIEM_REPLAY_RUNNING;
			if (!running && rp->opts->verbose)
				fprintf(rp->out, "%s: the replay is %s\n", prog,
					rp->st.state == PCIEM_REPLAY_DONE ? "done" : "stopped");
		}
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sigfd, &si, sizeof(si)) != sizeof(si))
				return ioctl_fail("signalfd");
			if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM) {
				fprintf(rp->out, "%s: %s: stopping\n", prog, strsignal(si.ssi_signo));
				rp->interrupted = true;
				return 0;
			}
		}
	}
}

/* After the run: every divergence read, the final status, the verdict. */
int replay__finish(struct replay *rp)
{
	int err = drain_divergences(rp);

	if (!err)
		err = get_status(rp);
	rp->end_ns = replay__now_ns();
	if (err) {
		rp->result = RESULT_ERROR;
		return err;
	}
	if (rp->interrupted)
		rp->result = RESULT_INTERRUPTED;
	else if (rp->st.divergences)
		rp->result = RESULT_DIVERGED;
	else if (rp->st.state != PCIEM_REPLAY_DONE)
		rp->result = rp->timed_out ? RESULT_TIMEOUT : RESULT_STOPPED_EARLY;
	else if (rp->st.irq_errors)
		rp->result = RESULT_IRQ_ERRORS;
	else if (rp->have_child && rp->child_code)
		rp->result = RESULT_COMMAND_FAILED;
	else
		rp->result = RESULT_OK;
	return 0;
}

void replay__close(struct replay *rp)
{
	/* closing the instance and the fd removes the device */
	if (rp->ifd >= 0)
		close(rp->ifd);
	if (rp->fd >= 0)
		close(rp->fd);
	rp->ifd = rp->fd = -1;
	ptf_reader__close(rp->r);
	rp->r = NULL;
	regmap__free(rp->map);
	rp->map = NULL;
	free(rp->hist);
	free(rp->chunk);
	free(rp->hist_stack);
	free(rp->chunk_stack);
	free(rp->chunk_pay);
	rp->chunk_pay = NULL;
	rp->hist_stack = rp->chunk_stack = NULL;
	while (rp->ndivs)
		free(rp->divs[--rp->ndivs].actual_stack);
	free(rp->divs);
	rp->hist = rp->chunk = NULL;
	rp->divs = NULL;
	stacks__close(rp->stacks);
	rp->stacks = NULL;
	if (rp->sl)
		stack_live__close(rp->sl);
	free(rp->sl);
	rp->sl = NULL;
}
