// SPDX-License-Identifier: GPL-2.0
/*
 * Device model for the PCIem "dummy clock" example.
 *
 * Registers a PCIe device 1234:5678 with one 4 KiB memory BAR and one MSI
 * vector, then serves the driver that binds to it:
 *
 *   BAR0 + 0x00  REG_CONTROL  write a value with bit 0 set: counter + 1
 *   BAR0 + 0x04  REG_STATUS   bit 0: interrupt pending; write 1 to clear
 *   BAR0 + 0x08  REG_COUNTER  the counter (read-only)
 *
 * Every --irq-every counts (default 10) the model sets STATUS_IRQ_PENDING
 * and raises MSI vector 0.  See README.md for the details.
 *
 * The driver reads BAR0 straight from memory this program maps; its writes
 * land in that memory and are also reported, asynchronously, as events in
 * the ring shared with the kernel.  The program keeps the authoritative
 * register values itself and stores them into BAR0 after every event.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "pciem_userspace.h"

#define PROG			"dummy_clock"

#define VENDOR_ID		0x1234
#define DEVICE_ID		0x5678
#define BAR0_SIZE		4096u

#define REG_CONTROL		0x00
#define REG_STATUS		0x04
#define REG_COUNTER		0x08

#define CONTROL_TICK		(1u << 0)
#define STATUS_IRQ_PENDING	(1u << 0)

#define MSI_VECTOR		0
#define IRQ_EVERY_DEFAULT	10u
#define IRQ_EVERY_MAX		1000000u

struct options {
	bool watch_status;
	bool quiet;
	uint32_t irq_every;
	const char *ready_file;
};

struct clock_dev {
	int ctl_fd;		/* /dev/pciem: ioctls and the event ring */
	int inst_fd;		/* returned by REGISTER: maps the BARs */
	int event_fd;		/* signalled when the kernel adds events */
	int signal_fd;		/* SIGINT, SIGTERM */
	struct pciem_shared_ring *ring;
	volatile uint32_t *bar0;
	size_t bar0_size;
	uint32_t head;		/* next ring slot to consume */
	uint64_t lost_seen;
	time_t lost_reported_at;

	/* register state; BAR0 memory is a copy the driver reads */
	uint32_t counter;
	uint32_t status;
	uint32_t irqs_held;	/* interrupts waiting for the driver's ack */
};

static bool quiet;

static void __attribute__((format(printf, 1, 2))) note(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Report a failed system call or ioctl, naming the step; errno is kept. */
static void fail(const char *step)
{
	int err = errno;

	fprintf(stderr, "%s: %s failed: %s (errno %d)\n",
		PROG, step, strerror(err), err);
	errno = err;
}

static void bar_store(struct clock_dev *d, uint32_t reg, uint32_t val)
{
	d->bar0[reg / 4] = val;
}

/* ---- device behaviour ---------------------------------------------------- */

static void inject_irq(struct clock_dev *d)
{
	struct pciem_irq_inject irq = { .vector = MSI_VECTOR };

	if (ioctl(d->ctl_fd, PCIEM_IOCTL_INJECT_IRQ, &irq) < 0) {
		fail("INJECT_IRQ");
		return;
	}
	if (irq.status == PCIEM_IRQ_PENDING)
		note("irq vector %u (left pending: MSI disabled or masked)",
		     MSI_VECTOR);
	else
		note("irq vector %u", MSI_VECTOR);
}

/*
 * Raise the interrupt condition.  While an earlier one is still pending
 * (the driver has not cleared STATUS_IRQ_PENDING yet) a new MSI is not
 * sent: it is held and sent when the driver acknowledges the current one.
 * Back-to-back MSIs could otherwise merge in the interrupt controller, or
 * be acknowledged by the handler of the previous one, and the driver would
 * see fewer interrupts than the device raised.
 */
static void raise_irq(struct clock_dev *d)
{
	if (d->status & STATUS_IRQ_PENDING) {
		d->irqs_held++;
		note("irq held until the pending one is acknowledged (%" PRIu32
		     " waiting)", d->irqs_held);
		return;
	}
	d->status |= STATUS_IRQ_PENDING;
	bar_store(d, REG_STATUS, d->status);
	inject_irq(d);
}

static void tick(struct clock_dev *d, const struct options *o)
{
	d->counter++;
	bar_store(d, REG_COUNTER, d->counter);
	if (d->counter % o->irq_every == 0)
		raise_irq(d);
}

/* REG_STATUS is write-1-to-clear. */
static void status_write(struct clock_dev *d, uint32_t clear)
{
	d->status &= ~clear;
	bar_store(d, REG_STATUS, d->status);
	if (!(d->status & STATUS_IRQ_PENDING) && d->irqs_held > 0) {
		d->irqs_held--;
		raise_irq(d);
	}
}

/*
 * The part of a write that falls in the 32-bit register at @reg, shifted to
 * the register's bit positions: @mask has the written byte lanes.  Returns
 * false when the write does not touch the register.
 */
static bool write_lanes(const struct pciem_event *ev, uint32_t reg,
			uint32_t *val, uint32_t *mask)
{
	uint64_t start = ev->offset;
	uint64_t end = ev->offset + ev->size;
	uint64_t a;

	if (end <= reg || start >= reg + 4u)
		return false;
	*val = 0;
	*mask = 0;
	for (a = start > reg ? start : reg; a < end && a < reg + 4u; a++) {
		unsigned int from = (unsigned int)(a - start) * 8;
		unsigned int to = (unsigned int)(a - reg) * 8;

		*val |= (uint32_t)((ev->data >> from) & 0xff) << to;
		*mask |= 0xffu << to;
	}
	return true;
}

static void mmio_write(struct clock_dev *d, const struct options *o,
		       const struct pciem_event *ev)
{
	uint32_t val, mask;

	note("write bar%" PRIu32 "+0x%" PRIx64 " = 0x%" PRIx64 " (%" PRIu32
	     " bytes)", ev->bar, (uint64_t)ev->offset, (uint64_t)ev->data,
	     ev->size);

	if (ev->bar != 0)
		return;
	if (ev->size != 1 && ev->size != 2 && ev->size != 4 && ev->size != 8) {
		fprintf(stderr, "%s: write with bad size %" PRIu32 " ignored\n",
			PROG, ev->size);
		return;
	}
	if (ev->offset >= d->bar0_size)
		return;

	/* Control reads back as 0: the tick is an action, not a setting. */
	if (write_lanes(ev, REG_CONTROL, &val, &mask)) {
		bar_store(d, REG_CONTROL, 0);
		if (val & mask & CONTROL_TICK)
			tick(d, o);
	}
	if (write_lanes(ev, REG_STATUS, &val, &mask))
		status_write(d, val & mask);
	/* The counter is read-only: undo what the write left in BAR0. */
	if (write_lanes(ev, REG_COUNTER, &val, &mask))
		bar_store(d, REG_COUNTER, d->counter);
	/* The rest of BAR0 is plain memory and keeps what was written. */
}

static void handle_event(struct clock_dev *d, const struct options *o,
			 const struct pciem_event *ev)
{
	switch (ev->type) {
	case PCIEM_EVENT_MMIO_WRITE:
		mmio_write(d, o, ev);
		break;
	case PCIEM_EVENT_MMIO_READ:
		note("read bar%" PRIu32 "+0x%" PRIx64 " = 0x%" PRIx64
		     " (%" PRIu32 " bytes)", ev->bar, (uint64_t)ev->offset,
		     (uint64_t)ev->data, ev->size);
		break;
	case PCIEM_EVENT_WATCHPOINT:
		note("watchpoint %s bar%" PRIu32 "+0x%" PRIx64 " = 0x%" PRIx64
		     " (%" PRIu32 " bytes) ip 0x%" PRIx64,
		     ev->flags & PCIEM_EVENT_F_WRITE ? "write" : "read",
		     ev->bar, (uint64_t)ev->offset, (uint64_t)ev->data,
		     ev->size, (uint64_t)ev->ip);
		break;
	case PCIEM_EVENT_CONFIG_WRITE:
		note("config write 0x%" PRIx64 " = 0x%" PRIx64 " (%" PRIu32
		     " bytes)", (uint64_t)ev->offset, (uint64_t)ev->data,
		     ev->size);
		break;
	default:
		note("event type %" PRIu32 " ignored", ev->type);
		break;
	}
}

/* ---- the event ring ---------------------------------------------------- */

static time_t monotonic_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static uint64_t ring_lost(const struct pciem_shared_ring *ring)
{
	/* @lost is a plain __u64 the kernel updates: load it atomically */
	return __atomic_load_n(&ring->lost, __ATOMIC_RELAXED);
}

/*
 * Handle every event in the ring.  The kernel publishes events[tail - 1]
 * with a release store of @tail, so @tail is loaded with acquire; @head is
 * stored with release so that the slot is only reused after we read it.
 * Returns -1 if the ring is corrupt.  Lost events are reported at most
 * once a second.
 */
static int drain_ring(struct clock_dev *d, const struct options *o)
{
	struct pciem_shared_ring *ring = d->ring;
	uint64_t lost;
	uint32_t tail;
	time_t now;

	for (;;) {
		tail = atomic_load_explicit(&ring->tail, memory_order_acquire);
		if (tail >= PCIEM_RING_SIZE) {
			fprintf(stderr, "%s: ring tail %" PRIu32
				" out of range\n", PROG, tail);
			return -1;
		}
		if (tail == d->head)
			break;
		while (d->head != tail) {
			handle_event(d, o, &ring->events[d->head]);
			d->head = (d->head + 1) % PCIEM_RING_SIZE;
			atomic_store_explicit(&ring->head, d->head,
					      memory_order_release);
		}
	}

	lost = ring_lost(ring);
	if (lost != d->lost_seen) {
		d->lost_seen = lost;
		now = monotonic_s();
		if (now != d->lost_reported_at) {
			fprintf(stderr, "%s: %" PRIu64
				" events lost so far (ring full)\n", PROG, lost);
			d->lost_reported_at = now;
		}
		/*
		 * The driver's acknowledgement may have been lost: rather than
		 * wait for it forever, send the pending interrupt again.
		 */
		if (d->status & STATUS_IRQ_PENDING) {
			note("irq re-sent: events were lost");
			inject_irq(d);
		}
	}
	return 0;
}

/* ---- setup --------------------------------------------------------------- */

static int create_device(struct clock_dev *d, const struct options *o)
{
	struct pciem_create_device create = { .flags = 0 };
	struct pciem_bar_config bar = {
		.bar_index = 0,
		.flags = PCI_BASE_ADDRESS_SPACE_MEMORY |
			 PCI_BASE_ADDRESS_MEM_TYPE_32,
		.size = BAR0_SIZE,
	};
	struct pciem_cap_msi_userspace msi = {
		.num_vectors_log2 = 0,	/* one vector */
		.has_64bit = 1,
		.has_masking = 0,
	};
	struct pciem_cap_config cap = {
		.cap_type = PCIEM_CAP_MSI,
		.cap_size = sizeof(msi),
	};
	struct pciem_config_space cfg = {
		.vendor_id = VENDOR_ID,
		.device_id = DEVICE_ID,
		.subsys_vendor_id = VENDOR_ID,
		.subsys_device_id = DEVICE_ID,
		.revision = 0x01,
		.class_code = { 0x00, 0x00, 0xff },	/* unclassified device */
		.header_type = 0x00,
		.interrupt_pin = 0,
	};
	struct pciem_watchpoint_config wp = {
		.bar_index = 0,
		.offset = REG_STATUS,
		.width = 4,
		.flags = PCIEM_WP_FLAG_BAR_KPROBES,
	};

	memcpy(cap.cap_data, &msi, sizeof(msi));

	if (ioctl(d->ctl_fd, PCIEM_IOCTL_CREATE_DEVICE, &create) < 0) {
		fail("CREATE_DEVICE");
		return -1;
	}
	if (ioctl(d->ctl_fd, PCIEM_IOCTL_ADD_BAR, &bar) < 0) {
		fail("ADD_BAR (BAR0, 4 KiB, 32-bit memory)");
		return -1;
	}
	if (ioctl(d->ctl_fd, PCIEM_IOCTL_ADD_CAPABILITY, &cap) < 0) {
		fail("ADD_CAPABILITY (MSI, 1 vector, 64-bit)");
		return -1;
	}
	if (ioctl(d->ctl_fd, PCIEM_IOCTL_SET_CONFIG, &cfg) < 0) {
		fail("SET_CONFIG");
		return -1;
	}
	if (o->watch_status &&
	    ioctl(d->ctl_fd, PCIEM_IOCTL_SET_WATCHPOINT, &wp) < 0) {
		fail("SET_WATCHPOINT (REG_STATUS)");
		return -1;
	}
	d->inst_fd = ioctl(d->ctl_fd, PCIEM_IOCTL_REGISTER, 0);
	if (d->inst_fd < 0) {
		fail("REGISTER");
		return -1;
	}
	return 0;
}

static int setup_events(struct clock_dev *d)
{
	struct pciem_eventfd_config efd_cfg = { .reserved = 0 };
	void *p;

	d->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->event_fd < 0) {
		fail("eventfd");
		return -1;
	}
	efd_cfg.eventfd = d->event_fd;
	if (ioctl(d->ctl_fd, PCIEM_IOCTL_SET_EVENTFD, &efd_cfg) < 0) {
		fail("SET_EVENTFD");
		return -1;
	}

	p = mmap(NULL, sizeof(*d->ring), PROT_READ | PROT_WRITE, MAP_SHARED,
		 d->ctl_fd, 0);
	if (p == MAP_FAILED) {
		fail("mmap of the event ring");
		return -1;
	}
	d->ring = p;
	if (d->ring->version != PCIEM_ABI_VERSION ||
	    d->ring->size != PCIEM_RING_SIZE) {
		fprintf(stderr, "%s: event ring has version %" PRIu32
			" size %" PRIu32 ", expected %d and %d\n", PROG,
			d->ring->version, d->ring->size, PCIEM_ABI_VERSION,
			PCIEM_RING_SIZE);
		return -1;
	}
	d->head = atomic_load_explicit(&d->ring->head, memory_order_relaxed);
	if (d->head >= PCIEM_RING_SIZE)
		d->head = 0;
	return 0;
}

static int map_bar0(struct clock_dev *d)
{
	struct pciem_bar_info_query info = { .bar_index = 0 };
	void *p;

	if (ioctl(d->ctl_fd, PCIEM_IOCTL_GET_BAR_INFO, &info) < 0) {
		fail("GET_BAR_INFO (BAR0)");
		return -1;
	}
	if (info.size < BAR0_SIZE || info.size > PCIEM_BAR_MAX_SIZE) {
		fprintf(stderr, "%s: BAR0 has size %" PRIu64
			", expected %u\n", PROG, (uint64_t)info.size,
			BAR0_SIZE);
		return -1;
	}
	p = mmap(NULL, (size_t)info.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 d->inst_fd, (off_t)PCIEM_BAR_MMAP_OFFSET(0));
	if (p == MAP_FAILED) {
		fail("mmap of BAR0");
		return -1;
	}
	d->bar0 = p;
	d->bar0_size = (size_t)info.size;

	bar_store(d, REG_CONTROL, 0);
	bar_store(d, REG_STATUS, d->status);
	bar_store(d, REG_COUNTER, d->counter);
	note("BAR0: %zu bytes at bus address 0x%" PRIx64, d->bar0_size,
	     (uint64_t)info.bus_addr);
	return 0;
}

static int get_address(struct clock_dev *d, char *buf, size_t len)
{
	struct pciem_device_info info;

	memset(&info, 0, sizeof(info));
	if (ioctl(d->ctl_fd, PCIEM_IOCTL_GET_DEVICE_INFO, &info) < 0) {
		fail("GET_DEVICE_INFO");
		return -1;
	}
	if (info.state != PCIEM_STATE_REGISTERED) {
		fprintf(stderr, "%s: device is in state %" PRIu32
			" after REGISTER\n", PROG, info.state);
		return -1;
	}
	snprintf(buf, len, "%04" PRIx32 ":%02x:%02x.%x", info.domain,
		 info.bus, (unsigned int)(info.devfn >> 3),
		 (unsigned int)(info.devfn & 7));
	return 0;
}

/* Write "ADDR\n" to @path so that it appears complete or not at all. */
static int write_ready_file(const char *path, const char *addr)
{
	char tmp[PATH_MAX];
	FILE *f;
	int n;

	n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		fprintf(stderr, "%s: ready file name too long\n", PROG);
		return -1;
	}
	f = fopen(tmp, "w");
	if (!f) {
		fail("creating the ready file");
		return -1;
	}
	if (fprintf(f, "%s\n", addr) < 0 || fclose(f) != 0) {
		fail("writing the ready file");
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		fail("renaming the ready file into place");
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int setup_signals(struct clock_dev *d)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) {
		fail("sigprocmask");
		return -1;
	}
	d->signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (d->signal_fd < 0) {
		fail("signalfd");
		return -1;
	}
	return 0;
}

/* ---- main loop ------------------------------------------------------------ */

static int run(struct clock_dev *d, const struct options *o)
{
	struct pollfd pfd[2] = {
		{ .fd = d->event_fd, .events = POLLIN },
		{ .fd = d->signal_fd, .events = POLLIN },
	};

	for (;;) {
		/* events may have arrived before the eventfd was set */
		if (drain_ring(d, o) < 0)
			return -1;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			fail("poll");
			return -1;
		}
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(d->signal_fd, &si, sizeof(si)) == sizeof(si))
				note("%s: exiting", strsignal((int)si.ssi_signo));
			return 0;
		}
		if (pfd[0].revents & POLLIN) {
			uint64_t n;

			/* reset the count before looking at the ring again */
			if (read(d->event_fd, &n, sizeof(n)) < 0 &&
			    errno != EAGAIN) {
				fail("read of the eventfd");
				return -1;
			}
		}
		if ((pfd[0].revents | pfd[1].revents) & (POLLERR | POLLNVAL)) {
			fprintf(stderr, "%s: poll reported an error\n", PROG);
			return -1;
		}
	}
}

static void teardown(struct clock_dev *d)
{
	uint64_t lost;

	if (d->ring) {
		lost = ring_lost(d->ring);
		if (lost)
			printf("%s: %" PRIu64 " events lost (ring full)\n",
			       PROG, lost);
		munmap(d->ring, sizeof(*d->ring));
	}
	if (d->bar0)
		munmap((void *)d->bar0, d->bar0_size);
	if (d->inst_fd >= 0)
		close(d->inst_fd);
	if (d->event_fd >= 0)
		close(d->event_fd);
	if (d->signal_fd >= 0)
		close(d->signal_fd);
	if (d->ctl_fd >= 0)
		close(d->ctl_fd);
}

/* ---- command line ------------------------------------------------------- */

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: device [OPTION]...\n"
		"Emulate the PCIem dummy clock device (1234:5678) until SIGINT or SIGTERM.\n"
		"\n"
		"  -w, --watch-status     set a watchpoint on REG_STATUS (driver reads\n"
		"                         of it are reported as watchpoint events)\n"
		"  -n, --irq-every N      raise MSI vector 0 every N counts (default %u)\n"
		"  -r, --ready-file PATH  once serving, write the device's PCI address\n"
		"                         (DOMAIN:BUS:DEV.FN) to PATH; removed at exit\n"
		"  -q, --quiet            do not log events\n"
		"  -h, --help             show this help\n",
		IRQ_EVERY_DEFAULT);
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "watch-status", no_argument, NULL, 'w' },
		{ "irq-every", required_argument, NULL, 'n' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long n;
	char *end;
	int c;

	o->irq_every = IRQ_EVERY_DEFAULT;
	while ((c = getopt_long(argc, argv, "wn:r:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'w':
			o->watch_status = true;
			break;
		case 'n':
			errno = 0;
			n = strtoul(optarg, &end, 0);
			if (errno || end == optarg || *end || optarg[0] == '-' ||
			    n < 1 || n > IRQ_EVERY_MAX) {
				fprintf(stderr, "%s: --irq-every wants a number "
					"from 1 to %u, not '%s'\n", PROG,
					IRQ_EVERY_MAX, optarg);
				return -1;
			}
			o->irq_every = (uint32_t)n;
			break;
		case 'r':
			o->ready_file = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", PROG,
			argv[optind]);
		usage(stderr);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = { .irq_every = IRQ_EVERY_DEFAULT };
	struct clock_dev d = {
		.ctl_fd = -1, .inst_fd = -1, .event_fd = -1, .signal_fd = -1,
	};
	bool ready = false;
	char addr[32];
	int ret = 1;

	if (parse_options(argc, argv, &o) < 0)
		return 2;
	quiet = o.quiet;
	/* one line per event, even when stdout is a file or a pipe */
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* a stale file from an earlier run must not look like "ready" */
	if (o.ready_file && unlink(o.ready_file) < 0 && errno != ENOENT) {
		fail("removing the old ready file");
		return 1;
	}

	if (setup_signals(&d) < 0)
		goto out;
	d.ctl_fd = open(PCIEM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (d.ctl_fd < 0) {
		fail("open " PCIEM_DEVICE_PATH);
		goto out;
	}
	if (create_device(&d, &o) < 0)
		goto out;
	if (setup_events(&d) < 0)
		goto out;
	if (map_bar0(&d) < 0)
		goto out;
	if (get_address(&d, addr, sizeof(addr)) < 0)
		goto out;
	note("device %04x:%04x registered at %s, MSI every %" PRIu32
	     " counts%s", VENDOR_ID, DEVICE_ID, addr, o.irq_every,
	     o.watch_status ? ", watching REG_STATUS" : "");

	if (o.ready_file) {
		if (write_ready_file(o.ready_file, addr) < 0)
			goto out;
		ready = true;
	}

	if (run(&d, &o) == 0)
		ret = 0;
out:
	if (ready)
		unlink(o.ready_file);
	teardown(&d);
	return ret;
}
