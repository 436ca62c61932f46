// SPDX-License-Identifier: GPL-2.0
/*
 * The recorder: the kernel's trace channel (a ring of records in memory
 * shared with pciem.ko) into the trace file, one record at a time, in the
 * kernel's order.  Beside copying, it
 *   - learns each device's bus address from its description, and when a
 *     driver maps a BAR or binds, records the driver's name and its
 *     module with the module's symbols (symbols.c), before that event;
 *   - emits the pciem:* LTTng-UST tracepoints (lttng.c);
 *   - ends a frame of the file at least once a second, so a recorder that
 *     is killed leaves a file readable up to the last second or so;
 *   - refreshes a status line on a terminal.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pciem.h"
#include "record.h"
#include "symbols.h"
#include "lttng.h"
#include "stacks_api.h"
#include "stack_live.h"

#define NSEC_PER_SEC		1000000000ULL
#define FLUSH_NS		NSEC_PER_SEC		/* a frame at least this often */
#define STATUS_NS		(NSEC_PER_SEC / 4)	/* status line refresh */
#define DRAIN_QUIET_MS		50	/* at the end: no record for this long */
#define DRAIN_MAX_NS		(NSEC_PER_SEC / 2)	/* or at most this long */
#define STACK_WAIT_MS		50	/* for an event's stack still on its way,
					 * after its access */
#define CORE_REWRITE_NS		(10 * NSEC_PER_SEC)	/* vmlinux symbols at most this often */
#define CORE_REWRITES_MAX	1000	/* then only at the end */

struct rec_device {
	uint32_t domain;		/* stream key */
	uint32_t pci_domain;		/* its PCI domain (a real device's
					 * comes from its key) */
	uint8_t bus, devfn;
	uint8_t flags;			/* PCIEM_TDEV_F_* */
	uint16_t vendor_id, device_id;
	bool have_driver;		/* driver recorded for the current binding */
	bool have_module;		/* and its module (or none to find) */
	unsigned int module_tries;	/* looks for the module by an event's ip */
	char driver[64];
};

struct rec_module {
	char name[64];
	uint64_t base;
};

struct recorder {
	struct record_opts opts;

	/* --stacks */
	struct stacks *st;
	struct stack_live sl;		/* the kernel's symbols and modules */
	uint8_t *core_used;		/* per ksyms symbol: in a stack */
	uint32_t ncore_used;
	bool core_dirty;
	uint64_t last_core_ns;
	uint32_t core_writes;
	uint32_t max_stack;		/* highest stack id written */
	uint64_t stacks_lost;
	uint64_t dropped_seen;
	int fd;
	void *map;
	size_t map_len;
	struct pciem_trace_reader rd;

	struct rec_device *devs;
	size_t ndevs;
	struct rec_module *mods;	/* modules already written */
	size_t nmods;

	struct ptf_writer *w;
	uint64_t records;
	uint64_t events;
	uint64_t start_ns, end_ns;
	uint64_t last_flush_ns;
	uint64_t unflushed;		/* records since the last flush */
	bool signalled;

	/* status line */
	uint64_t last_status_ns;
	uint64_t rate_ns, rate_events;	/* start of the rate window */
	double rate;
	bool status_shown;
};

uint64_t record__now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static void fmt_bytes(char *buf, size_t len, uint64_t n)
{
	if (n < 10 * 1024)
		snprintf(buf, len, "%" PRIu64 " B", n);
	else if (n < 10 * 1024 * 1024)
		snprintf(buf, len, "%.1f KiB", n / 1024.0);
	else if (n < 10ULL * 1024 * 1024 * 1024)
		snprintf(buf, len, "%.1f MiB", n / (1024.0 * 1024));
	else
		snprintf(buf, len, "%.1f GiB", n / (1024.0 * 1024 * 1024));
}

/*
 * --stacks: the kernel's symbols (to trim and name frames), then the BPF
 * program, before subscribing so that the first events have their
 * stacks.  0 or REC_EX_NOSTACKS, having said exactly why.
 */
static int stacks_setup(struct recorder *r)
{
	char why[1200];
	int err;

	err = stacks__open(&r->st, why, sizeof(why));
	if (err) {
		fprintf(stderr, "pciem-record: --stacks: BPF cannot be used: %s\n", why);
		return REC_EX_NOSTACKS;
	}
	err = stack_live__open(&r->sl, r->opts.sys_root, why, sizeof(why));
	if (err) {
		fprintf(stderr, "pciem-record: --stacks: %s\n", why);
		return REC_EX_NOSTACKS;
	}
	r->core_used = calloc(r->sl.ks.n ? r->sl.ks.n : 1, 1);
	if (!r->core_used) {
		fprintf(stderr, "pciem-record: --stacks: out of memory\n");
		return REC_EX_NOSTACKS;
	}
	if (r->opts.verbose)
		fprintf(stderr, "pciem-record: --stacks: BPF program attached to pciem:pciem_event "
			"(%zu kernel symbols)\n", r->sl.ks.n);
	return 0;
}

/*
 * Why the kernel refused to trace a real device (uapi: the comment after
 * struct pciem_trace_subscribe).  true with *status set once said; false
 * for the errors every subscription shares.
 */
static bool real_subscribe_error(const struct record_opts *o, int err, int *status)
{
	const char *bdf = o->bdf;

	switch (err) {
	case ENODEV:
		fprintf(stderr, "pciem-record: %s: no such device (it left the bus?)\n", bdf);
		*status = REC_EX_NODEVICE;
		return true;
	case EINVAL:
		fprintf(stderr, "pciem-record: %s: the pciem module refuses to trace it (%s): "
			"only ordinary devices can be traced, not bridges (header type 1 or 2); "
			"or the loaded module is older than real-device tracing\n", bdf,
			strerror(err));
		*status = REC_EX_CONFIG;
		return true;
	case EBUSY:
		fprintf(stderr, "pciem-record: %s is traced already (%s): one recorder per real "
			"device; stop the other pciem-record first\n", bdf, strerror(err));
		*status = REC_EX_BUSY;
		return true;
	case ENOSPC:
		fprintf(stderr, "pciem-record: %s: %d real devices are traced already, the most "
			"the module allows (%s)\n", bdf, PCIEM_MAX_REAL, strerror(err));
		*status = REC_EX_BUSY;
		return true;
	case EOPNOTSUPP:
		fprintf(stderr, "pciem-record: %s: real devices in PCI domains above %x cannot be "
			"traced (%s)\n", bdf, PCIEM_REAL_MAX_DOMAIN, strerror(err));
		*status = REC_EX_CONFIG;
		return true;
	case EPERM:
	case EACCES:
		fprintf(stderr, "pciem-record: %s: tracing a real device needs root "
			"(CAP_SYS_ADMIN): %s\n", bdf, strerror(err));
		*status = REC_EX_NOPERM;
		return true;
	case ENOENT:
		fprintf(stderr, "pciem-record: %s: the kernel has no irq_handler_entry tracepoint "
			"to trace its interrupts with (%s)\n", bdf, strerror(err));
		*status = REC_EX_CONFIG;
		return true;
	}
	return false;
}

int recorder__open(struct recorder **out, const struct record_opts *opts)
{
	struct pciem_trace_subscribe sub = {
		.ring_size = opts->ring_size,
		.match = opts->match,
	};
	char size[32];
	struct recorder *r;
	int err;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r) {
		fprintf(stderr, "pciem-record: out of memory\n");
		return REC_EX_OSERR;
	}
	r->opts = *opts;
	r->fd = -1;
	r->map = MAP_FAILED;

	switch (opts->match) {
	case PCIEM_TRACE_MATCH_ID:
		sub.vendor_id = opts->vendor_id;
		sub.device_id = opts->device_id;
		break;
	case PCIEM_TRACE_MATCH_PID:
		sub.pid = opts->pid;
		break;
	case PCIEM_TRACE_MATCH_DOMAIN:
		sub.domain = opts->domain;
		break;
	case PCIEM_TRACE_MATCH_REAL:
		sub.domain = opts->domain;
		sub.bus = opts->bus;
		sub.devfn = opts->devfn;
		break;
	}
	if (opts->full_trap)
		sub.flags |= PCIEM_TRACE_F_FULL_TRAP;
	if (opts->lossless)
		sub.flags |= PCIEM_TRACE_F_LOSSLESS;
	if (opts->existing)
		sub.flags |= PCIEM_TRACE_F_EXISTING;

	r->fd = open(opts->device_path, O_RDWR | O_CLOEXEC);
	if (r->fd < 0) {
		err = errno;
		if (err == ENOENT || err == ENXIO || err == ENODEV) {
			fprintf(stderr,
				"pciem-record: %s: %s: the pciem module is not loaded "
				"(insmod build/$(uname -r)/kmod/pciem.ko)\n",
				opts->device_path, strerror(err));
			err = REC_EX_NOMODULE;
		} else if (err == EPERM || err == EACCES) {
			fprintf(stderr,
				"pciem-record: %s: %s: recording needs root (CAP_SYS_ADMIN)\n",
				opts->device_path, strerror(err));
			err = REC_EX_NOPERM;
		} else {
			fprintf(stderr, "pciem-record: %s: %s\n", opts->device_path,
				strerror(err));
			err = REC_EX_OSERR;
		}
		goto out_free;
	}
	if (opts->stacks) {
		err = stacks_setup(r);
		if (err)
			goto out_free;
	}
	r->start_ns = record__now_ns(CLOCK_MONOTONIC);
	if (ioctl(r->fd, PCIEM_IOCTL_TRACE_SUBSCRIBE, &sub)) {
		err = errno;
		fmt_bytes(size, sizeof(size), opts->ring_size);
		if (opts->match == PCIEM_TRACE_MATCH_REAL && real_subscribe_error(opts, err, &err))
			goto out_free;
		if (err == EINVAL && opts->full_trap) {
			fprintf(stderr,
				"pciem-record: the loaded pciem module refuses the subscription "
				"(%s): a module older than full-trap recording "
				"(PCIEM_TRACE_F_FULL_TRAP) does that; load the current one, or "
				"record writes only with --mode writes\n", strerror(err));
			err = REC_EX_CONFIG;
		} else if (err == EINVAL || err == ENOTTY) {
			fprintf(stderr,
				"pciem-record: the loaded pciem module refuses the subscription "
				"(%s): is it older than this recorder?\n", strerror(err));
			err = REC_EX_CONFIG;
		} else if (err == ENOMEM) {
			fprintf(stderr,
				"pciem-record: the kernel cannot allocate a %s ring (%s); "
				"try a smaller --ring-size\n", size, strerror(err));
			err = REC_EX_OSERR;
		} else if (err == EPERM || err == EACCES) {
			fprintf(stderr, "pciem-record: TRACE_SUBSCRIBE: %s\n", strerror(err));
			err = REC_EX_NOPERM;
		} else {
			fprintf(stderr, "pciem-record: TRACE_SUBSCRIBE: %s\n", strerror(err));
			err = REC_EX_OSERR;
		}
		goto out_free;
	}
	r->map_len = 4096 + opts->ring_size;
	r->map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	if (r->map == MAP_FAILED) {
		fprintf(stderr, "pciem-record: mapping the trace ring: %s\n", strerror(errno));
		err = REC_EX_OSERR;
		goto out_free;
	}
	if (pciem_trace_reader_init(&r->rd, r->map, r->map_len)) {
		fprintf(stderr, "pciem-record: the trace ring's header makes no sense\n");
		err = REC_EX_SOFTWARE;
		goto out_free;
	}
	*out = r;
	return 0;

out_free:
	recorder__close(r);
	return err;
}

void recorder__close(struct recorder *r)
{
	if (!r)
		return;
	if (r->map != MAP_FAILED)
		munmap(r->map, r->map_len);
	if (r->fd >= 0)
		close(r->fd);
	free(r->devs);
	free(r->mods);
	stacks__close(r->st);
	if (r->sl.cache)
		stack_live__close(&r->sl);
	free(r->core_used);
	free(r);
}

/* A message on stderr, below (not inside) the status line. */
static void __attribute__((format(printf, 2, 3))) note(struct recorder *r, const char *fmt, ...)
{
	va_list ap;

	if (r->status_shown) {
		fputs("\r\033[K", stderr);
		r->status_shown = false;
	}
	fputs("pciem-record: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static struct rec_device *find_dev(struct recorder *r, uint32_t domain)
{
	size_t i;

	for (i = 0; i < r->ndevs; i++)
		if (r->devs[i].domain == domain)
			return &r->devs[i];
	return NULL;
}

static struct rec_device *add_dev(struct recorder *r, uint32_t domain,
				  const struct pciem_trace_device *d)
{
	struct rec_device *dev = find_dev(r, domain);

	if (!dev) {
		struct rec_device *p = realloc(r->devs, (r->ndevs + 1) * sizeof(*p));

		if (!p)
			return NULL;
		r->devs = p;
		dev = &r->devs[r->ndevs++];
	}
	memset(dev, 0, sizeof(*dev));
	dev->domain = domain;
	dev->pci_domain = PCIEM_KEY_IS_REAL(domain) ? PCIEM_KEY_REAL_DOMAIN(domain) : domain;
	dev->flags = d->flags;
	dev->bus = d->bus;
	dev->devfn = d->devfn;
	dev->vendor_id = d->vendor_id;
	dev->device_id = d->device_id;
	return dev;
}

static bool module_written(struct recorder *r, const char *name, uint64_t base)
{
	size_t i;

	for (i = 0; i < r->nmods; i++)
		if (r->mods[i].base == base && !strcmp(r->mods[i].name, name))
			return true;
	return false;
}

static int remember_module(struct recorder *r, const char *name, uint64_t base)
{
	struct rec_module *p = realloc(r->mods, (r->nmods + 1) * sizeof(*p));

	if (!p)
		return -ENOMEM;
	r->mods = p;
	snprintf(p[r->nmods].name, sizeof(p[r->nmods].name), "%s", name);
	p[r->nmods].base = base;
	r->nmods++;
	return 0;
}

/* Module @name with its symbols, unless it is already in the file. */
static int capture_module(struct recorder *r, struct rec_device *dev, const char *name)
{
	struct ptf_module *mod;
	uint64_t base, size;
	uint32_t outside;
	int err;

	err = symbols__module_base(r->opts.sys_root, name, &base, &size);
	if (!err && module_written(r, name, base)) {
		if (dev)
			dev->have_module = true;
		return 0;
	}
	if (!err)
		err = symbols__load_module(r->opts.sys_root, name, &mod, &outside);
	if (err) {
		note(r, "note: no symbols for module %s: %s\n", name,
			err == -EPERM ? "the kernel hides its addresses" : strerror(-err));
		if (dev)
			dev->have_module = true;	/* do not try again */
		else
			remember_module(r, name, base);	/* nor for a stack */
		return 0;
	}
	if (dev)
		dev->have_module = true;
	err = ptf_writer__add_module(r->w, mod);
	if (err == -EINVAL || err == -E2BIG) {
		/* the writer refused this module (and goes on): the
		 * recording goes on too, without its symbols */
		note(r, "note: no symbols for module %s: %s\n", name, ptf_writer__error(r->w));
		err = 0;
	} else if (!err) {
		r->unflushed++;
		if (r->opts.verbose && dev)
			note(r,
				"%04x:%02x:%02x.%x: module %s at 0x%" PRIx64
				", %u symbols (%u outside its core left out)\n", dev->pci_domain,
				dev->bus, dev->devfn >> 3, dev->devfn & 7, name, mod->base,
				mod->nsyms, outside);
		else if (r->opts.verbose)
			note(r, "module %s at 0x%" PRIx64 ", %u symbols (in a stack)\n", name,
				mod->base, mod->nsyms);
		if (remember_module(r, name, mod->base))
			err = -ENOMEM;
	}
	symbols__free_module(mod);
	return err;
}

/*
 * The driver of @dev and its module, written before the event that
 * prompted the look (a BAR mapping during probe, or the binding).  Only
 * errors of the file are returned: what cannot be learnt from the system
 * is reported (verbose) and left out.
 */
static int capture_driver(struct recorder *r, struct rec_device *dev)
{
	char driver[64], module[64];
	int err;

	err = symbols__driver(r->opts.sys_root, dev->pci_domain, dev->bus, dev->devfn, driver,
			      sizeof(driver), module, sizeof(module));
	if (err) {
		if (r->opts.verbose)
			note(r, "%04x:%02x:%02x.%x: no driver to record (%s)\n",
				dev->pci_domain, dev->bus, dev->devfn >> 3, dev->devfn & 7,
				strerror(-err));
		return 0;
	}
	dev->have_driver = true;
	if (strcmp(dev->driver, driver)) {
		snprintf(dev->driver, sizeof(dev->driver), "%s", driver);
		err = ptf_writer__add_driver(r->w, dev->domain, driver);
		if (err)
			return err;
		lttng__driver(dev->domain, driver);
		r->unflushed++;
		if (r->opts.verbose)
			note(r, "%04x:%02x:%02x.%x: driver %s\n", dev->pci_domain,
				dev->bus, dev->devfn >> 3, dev->devfn & 7, driver);
	}
	if (!module[0])
		return 0;	/* maybe later, from an access's ip */
	return capture_module(r, dev, module);
}

/* The driver's module is not known yet: the one holding @ip, if any.  A
 * built-in driver has none; a few looks settle that. */
static int module_by_ip(struct recorder *r, struct rec_device *dev, uint64_t ip)
{
	char module[64];

	if (symbols__module_at(r->opts.sys_root, ip, module, sizeof(module))) {
		if (++dev->module_tries == 8) {
			dev->have_module = true;
			if (r->opts.verbose)
				note(r, "driver %s: no module found (built in?)\n",
					dev->driver);
		}
		return 0;
	}
	return capture_module(r, dev, module);
}

/* ---- --stacks ---------------------------------------------------------------- */

/* The symbols that name a new stack's frames: its modules' (whole), and
 * the core kernel functions (collected for the vmlinux record). */
static int stack_symbols(struct recorder *r, const uint64_t *ips, uint32_t n)
{
	uint32_t i;
	int err;

	for (i = 0; i < n; i++) {
		const struct stack_addr *c = stack_live__classify(&r->sl, ips[i]);
		char name[64];

		if (c->where == SJ_CORE) {
			if (!r->core_used[c->sym]) {
				r->core_used[c->sym] = 1;
				r->ncore_used++;
				r->core_dirty = true;
			}
		} else if (c->where != SJ_OTHER) {
			snprintf(name, sizeof(name), "%s", r->sl.mranges[c->mod].name);
			if (module_written(r, name, r->sl.mranges[c->mod].base))
				continue;
			err = capture_module(r, NULL, name);
			if (err)
				return err;
			if (!module_written(r, name, r->sl.mranges[c->mod].base) &&
			    remember_module(r, name, r->sl.mranges[c->mod].base))
				return -ENOMEM;
		}
	}
	return 0;
}

/* The core kernel functions met in stacks so far, as the MODULE vmlinux
 * (a later one replaces it: the last recorded wins). */
static int write_core_symbols(struct recorder *r)
{
	struct ptf_module mod = {
		.name = "vmlinux",
		.base = r->sl.ks.stext,
		.size = r->sl.ks.etext - r->sl.ks.stext,
	};
	struct ptf_symbol *syms;
	size_t i;
	int err;

	if (!r->core_dirty)
		return 0;
	syms = calloc(r->ncore_used ? r->ncore_used : 1, sizeof(*syms));
	if (!syms)
		return -ENOMEM;
	for (i = 0; i < r->sl.ks.n; i++) {
		uint64_t size;

		if (!r->core_used[i])
			continue;
		ksyms__find(&r->sl.ks, r->sl.ks.syms[i].addr, &size);
		syms[mod.nsyms].addr = r->sl.ks.syms[i].addr;
		syms[mod.nsyms].size = size;
		syms[mod.nsyms].name = r->sl.ks.syms[i].name;
		mod.nsyms++;
	}
	mod.syms = syms;
	err = ptf_writer__add_module(r->w, &mod);
	free(syms);
	if (err == -EINVAL || err == -E2BIG) {
		note(r, "note: no core kernel symbols: %s\n", ptf_writer__error(r->w));
		err = 0;
	}
	if (!err) {
		r->core_dirty = false;
		r->core_writes++;
		r->last_core_ns = record__now_ns(CLOCK_MONOTONIC);
		r->unflushed++;
	}
	return err;
}

/* The stack of event @ev of @domain, trimmed, as a stack id of the file
 * (*id 0: none) and as its frames, *@frames[0..*nframes) in @ips (room
 * for SJ_MAX_FRAMES).  0 or -errno of the file. */
static int event_stack(struct recorder *r, uint32_t domain, const struct pciem_event *ev,
		       uint64_t *ips, const uint64_t **frames, uint32_t *nframes, uint32_t *id)
{
	struct stack_join *j = stacks__join(r->st);
	uint32_t n, k;
	int found, err;

	*id = 0;
	*nframes = 0;
	found = stack_join__take(j, domain, ev->seq, ips, &n);
	if (!found && stack_join__full(j)) {
		/* not in a full table: its stack was lost before (the BPF side
		 * dropped it) or waits in the ring buffer behind stacks whose
		 * events were lost */
		stack_join__make_room(j, domain, ev->seq);
	}
	if (!found) {
		/* from the access, not from now: behind a burst whose stacks
		 * the BPF side dropped, each event would wait again */
		uint64_t deadline = ev->timestamp_ns + STACK_WAIT_MS * (NSEC_PER_SEC / 1000);

		stacks__consume(r->st);
		found = stack_join__take(j, domain, ev->seq, ips, &n);
		/* the tracepoint fires just after the event is in our ring:
		 * its stack may still be on its way, unless the BPF side
		 * dropped some */
		while (!found) {
			uint64_t now = record__now_ns(CLOCK_MONOTONIC), d = stacks__dropped(r->st);

			if (d != r->dropped_seen) {
				r->dropped_seen = d;
				break;
			}
			if (now >= deadline)
				break;
			stacks__wait(r->st, (int)((deadline - now) / 1000000) + 1);
			found = stack_join__take(j, domain, ev->seq, ips, &n);
		}
	}
	if (!found) {
		r->stacks_lost++;
		return 0;
	}
	k = stack_live__trim(&r->sl, ips, n);
	if (k == n) {
		r->stacks_lost++;
		return 0;
	}
	*frames = ips + k;
	*nframes = n - k;
	err = ptf_writer__add_stack(r->w, ips + k, n - k, id);
	if (err)
		return err;
	if (*id > r->max_stack) {
		r->max_stack = *id;
		err = stack_symbols(r, ips + k, n - k);
	}
	return err;
}

static int handle(struct recorder *r, const struct pciem_trace_rec *rec)
{
	const void *payload = rec + 1;
	struct rec_device *dev;
	int err;

	switch (rec->type) {
	case PCIEM_TREC_DEVICE:
		if (rec->size < sizeof(*rec) + sizeof(struct pciem_trace_device))
			break;
		dev = add_dev(r, rec->domain, payload);
		if (!dev)
			return -ENOMEM;
		if (r->opts.verbose)
			note(r, "device %04x:%02x:%02x.%x %04x:%04x%s\n",
				dev->pci_domain, dev->bus, dev->devfn >> 3, dev->devfn & 7,
				dev->vendor_id, dev->device_id,
				dev->flags & PCIEM_TDEV_F_REAL ? " (real device)" : "");
		if (dev->flags & PCIEM_TDEV_F_BOUND)
			note(r, "%04x:%02x:%02x.%x: a driver is bound already: its probe is not "
				"recorded, its mappings are taken over (use --rebind to record "
				"the probe)\n", dev->pci_domain, dev->bus, dev->devfn >> 3,
				dev->devfn & 7);
		if (dev->flags & PCIEM_TDEV_F_IO_BAR)
			note(r, "%04x:%02x:%02x.%x: it has an I/O port BAR, whose accesses cannot "
				"be recorded\n", dev->pci_domain, dev->bus, dev->devfn >> 3,
				dev->devfn & 7);
		/* the driver bound before tracing, named after its device */
		err = ptf_writer__add_trace_rec(r->w, rec);
		if (!err && (dev->flags & PCIEM_TDEV_F_BOUND))
			err = capture_driver(r, dev);
		if (err)
			return err;
		lttng__emit(rec, NULL, 0, NULL, NULL);
		r->records++;
		r->unflushed++;
		return 0;
	case PCIEM_TREC_EVENT: {
		const struct pciem_event *ev = payload;

		if (rec->size < sizeof(*rec) + sizeof(*ev))
			break;
		r->events++;
		dev = find_dev(r, rec->domain);
		if (!dev)
			break;
		if (ev->type == PCIEM_EVENT_LIFECYCLE &&
		    (ev->offset == PCIEM_LC_BAR_MAPPED || ev->offset == PCIEM_LC_DRIVER_BOUND ||
		     ev->offset == PCIEM_LC_BAR_TAKEN_OVER) &&
		    !dev->have_driver) {
			err = capture_driver(r, dev);
			if (err)
				return err;
		} else if (ev->type == PCIEM_EVENT_LIFECYCLE &&
			   ev->offset == PCIEM_LC_DRIVER_UNBOUND) {
			/* a later binding may be another driver, or the module
			 * reloaded elsewhere: look again then */
			dev->have_driver = false;
			dev->have_module = false;
			dev->module_tries = 0;
			dev->driver[0] = '\0';
		}
		if (dev->have_driver && !dev->have_module && ev->ip) {
			err = module_by_ip(r, dev, ev->ip);
			if (err)
				return err;
		}
		break;
	}
	default:
		break;
	}
	if (r->st && rec->type == PCIEM_TREC_EVENT &&
	    rec->size >= sizeof(*rec) + sizeof(struct pciem_event)) {
		uint64_t ips[SJ_MAX_FRAMES];
		const uint64_t *frames = NULL;
		struct pciem_event ev;
		uint32_t id, n;

		memcpy(&ev, payload, sizeof(ev));
		err = event_stack(r, rec->domain, &ev, ips, &frames, &n, &id);
		lttng__emit(rec, frames, n, stack_live__name, &r->sl);
		/* the whole record: a DMA transfer's bytes follow its event */
		if (!err)
			err = ptf_writer__add_trace_rec_stack(r->w, rec, id);
	} else {
		lttng__emit(rec, NULL, 0, NULL, NULL);
		err = ptf_writer__add_trace_rec(r->w, rec);
	}
	if (err)
		return err;
	r->records++;
	r->unflushed++;
	return 0;
}

/* Everything waiting in the ring.  0, -errno of the file, or -EPROTO. */
static int drain(struct recorder *r)
{
	const struct pciem_trace_rec *rec;
	int n, err;

	while ((n = pciem_trace_next(&r->rd, &rec)) == 1) {
		err = handle(r, rec);
		pciem_trace_done(&r->rd);
		if (err)
			return err;
	}
	if (n < 0)
		return -EPROTO;
	return 0;
}

static void status_line(struct recorder *r, uint64_t now, bool final)
{
	struct ptf_writer_stats st;
	char file[32];

	if (!r->opts.status_line)
		return;
	if (final) {
		if (r->status_shown)
			fputs("\r\033[K", stderr);
		r->status_shown = false;
		return;
	}
	if (now - r->rate_ns >= NSEC_PER_SEC) {
		r->rate = (r->events - r->rate_events) * (double)NSEC_PER_SEC / (now - r->rate_ns);
		r->rate_ns = now;
		r->rate_events = r->events;
	}
	ptf_writer__stats(r->w, &st);
	fmt_bytes(file, sizeof(file), st.file_bytes);
	fprintf(stderr, "\r\033[Kpciem-record: %" PRIu64 " events, %.0f/s, %s written, ratio %.1fx, %"
		PRIu64 " lost", r->events, r->rate, file,
		st.file_bytes ? (double)st.raw_bytes / st.file_bytes : 0.0,
		pciem_trace_lost(&r->rd));
	fflush(stderr);
	r->status_shown = true;
}

static int periodic(struct recorder *r)
{
	uint64_t now = record__now_ns(CLOCK_MONOTONIC);
	int err;

	if (r->core_dirty && r->core_writes < CORE_REWRITES_MAX &&
	    (!r->core_writes || now - r->last_core_ns >= CORE_REWRITE_NS)) {
		err = write_core_symbols(r);
		if (err)
			return err;
	}
	if (r->unflushed && now - r->last_flush_ns >= FLUSH_NS) {
		err = ptf_writer__flush(r->w);
		if (err)
			return err;
		r->unflushed = 0;
		r->last_flush_ns = now;
	}
	if (now - r->last_status_ns >= STATUS_NS) {
		status_line(r, now, false);
		r->last_status_ns = now;
	}
	return 0;
}

/* Milliseconds until periodic() has something to do. */
static int next_timeout(const struct recorder *r)
{
	uint64_t now = record__now_ns(CLOCK_MONOTONIC);
	uint64_t due = now + FLUSH_NS;

	if (r->unflushed)
		due = r->last_flush_ns + FLUSH_NS;
	if (r->opts.status_line && r->last_status_ns + STATUS_NS < due)
		due = r->last_status_ns + STATUS_NS;
	return due > now ? (int)((due - now + 999999) / 1000000) : 0;
}

static int file_error(struct recorder *r, int err)
{
	if (err == -EPROTO) {
		note(r, "the trace ring's indices or a record's size make "
			"no sense; stopping\n");
		return REC_EX_SOFTWARE;
	}
	if (err == -ENOMEM) {
		note(r, "out of memory\n");
		return REC_EX_OSERR;
	}
	/* the library's message says what the file still holds */
	note(r, "%s%s\n", err == -ENOSPC ? "disk full: " : "", ptf_writer__error(r->w));
	return REC_EX_IOERR;
}

int recorder__run(struct recorder *r, struct ptf_writer *w, pid_t child, int sigfd,
		  int *child_status)
{
	int err = 0, rc = 0;
	bool stop = false;
	uint64_t deadline;

	r->w = w;
	*child_status = -1;
	r->last_flush_ns = r->rate_ns = record__now_ns(CLOCK_MONOTONIC);

	/* A child that is gone before we look: its SIGCHLD is pending. */
	while (!stop) {
		struct pollfd p[2] = {
			{ .fd = r->fd, .events = POLLIN },
			{ .fd = sigfd, .events = POLLIN },
		};
		int timeout = next_timeout(r);

		if (r->st)
			stacks__consume(r->st);
		err = drain(r);
		if (err)
			break;
		err = periodic(r);
		if (err)
			break;
		if (poll(p, 2, timeout) < 0 && errno != EINTR) {
			note(r, "poll: %s\n", strerror(errno));
			rc = REC_EX_OSERR;
			break;
		}
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sigfd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGCHLD) {
				int st;

				if (child > 0 && waitpid(child, &st, WNOHANG) == child) {
					*child_status = st;
					stop = true;
				}
			} else {
				r->signalled = true;
				stop = true;
			}
		}
	}
	/*
	 * The last records: whatever is in the ring, then a poll() so that
	 * the kernel writes trailing LOST records, until it stays quiet.
	 */
	deadline = record__now_ns(CLOCK_MONOTONIC) + DRAIN_MAX_NS;
	while (!err && !rc && record__now_ns(CLOCK_MONOTONIC) < deadline) {
		struct pollfd p = { .fd = r->fd, .events = POLLIN };

		err = drain(r);
		if (err || poll(&p, 1, DRAIN_QUIET_MS) <= 0)
			break;
	}
	if (!err && !rc)
		err = drain(r);
	if (!err && !rc && r->st) {
		err = write_core_symbols(r);
		ptf_writer__set_stacks_lost(r->w, r->stacks_lost);
	}
	r->end_ns = record__now_ns(CLOCK_MONOTONIC);
	status_line(r, r->end_ns, true);
	if (err)
		rc = file_error(r, err);
	return rc;
}

bool recorder__has_records(const struct recorder *r)
{
	return __atomic_load_n(&r->rd.hdr->tail, __ATOMIC_ACQUIRE) != r->rd.pos;
}

void recorder__stats(const struct recorder *r, struct record_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->devices = r->ndevs;
	st->records = r->records;
	st->events = r->events;
	st->lost = pciem_trace_lost(&r->rd);
	st->start_ns = r->start_ns;
	st->end_ns = r->end_ns ? r->end_ns : record__now_ns(CLOCK_MONOTONIC);
	st->signalled = r->signalled;
	st->stacks = r->max_stack;
	st->stacks_lost = r->stacks_lost;
	st->stacks_dropped = r->st ? stacks__dropped(r->st) : 0;
	st->stacks_evicted = r->st ? stack_join__evicted(stacks__join(r->st)) : 0;
	st->stacks_timed = r->st && !stacks__timing(r->st, &st->stacks_timing);
}
