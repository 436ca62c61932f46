// SPDX-License-Identifier: GPL-2.0
/*
 * Device model for the PCIem "DMA copy" example: a copy engine.
 *
 * Registers a PCIe device 1234:dc01 with one 8 KiB memory BAR and an
 * MSI-X capability of two vectors, then serves the driver that binds to it.
 * The driver programs a source, a destination and a length (bus addresses
 * it got from the DMA API) and writes START; the device reads LEN bytes of
 * host memory at SRC and writes them at DST, both with PCIEM_IOCTL_DMA,
 * then reports in STATUS and raises MSI-X vector 0 (done) or 1 (error).
 *
 *   BAR0 + 0x00  SRC_LO, 0x04 SRC_HI   source bus address
 *   BAR0 + 0x08  DST_LO, 0x0c DST_HI   destination bus address
 *   BAR0 + 0x10  LEN                   bytes, 1..LEN_MAX
 *   BAR0 + 0x14  CTRL                  write bit 0: start the copy; with bit
 *                                      1, take SRC, DST and LEN from the
 *                                      descriptor at DESC
 *   BAR0 + 0x24  DESC_LO, 0x28 DESC_HI  a descriptor's bus address
 *   BAR0 + 0x18  STATUS                bit 0 done, bit 1 error; W1C
 *   BAR0 + 0x1c  ERROR                 why the last copy failed (0: it did not)
 *   BAR0 + 0x20  COUNT                 copies done
 *   BAR0 + 0x1000  MSI-X table (2 entries), + 0x1800 pending bits
 *
 * See README.md for the details.  The event loop is the one of
 * examples/dummy_clock/device.c, which explains it at more length.
 */
#define _GNU_SOURCE

#include <endian.h>
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
#include <unistd.h>

#include "pciem_userspace.h"

#define PROG			"dma_copy"

#define VENDOR_ID		0x1234
#define DEVICE_ID		0xdc01
#define BAR0_SIZE		8192u

#define REG_SRC_LO		0x00
#define REG_SRC_HI		0x04
#define REG_DST_LO		0x08
#define REG_DST_HI		0x0c
#define REG_LEN			0x10
#define REG_CTRL		0x14
#define REG_STATUS		0x18
#define REG_ERROR		0x1c
#define REG_COUNT		0x20
#define REG_DESC_LO		0x24
#define REG_DESC_HI		0x28
#define REGS_END		0x2c

#define CTRL_START		(1u << 0)
#define CTRL_DESC		(1u << 1)
#define STATUS_DONE		(1u << 0)
#define STATUS_ERROR		(1u << 1)

#define ERROR_NONE		0	/* the last copy succeeded */
#define ERROR_LEN		1	/* LEN is 0 or above LEN_MAX */
#define ERROR_SRC		2	/* reading the source was refused */
#define ERROR_DST		3	/* writing the destination was refused */
#define ERROR_HOST		4	/* the model could not do DMA at all */
#define ERROR_DESC		5	/* reading the descriptor was refused */

#define LEN_MAX			(16u << 20)

/* MSI-X: two vectors; the table and the pending bits in a page of their own */
#define MSIX_VECTORS		2
#define MSIX_TABLE_OFFSET	0x1000
#define MSIX_PBA_OFFSET		0x1800
#define VECTOR_DONE		0
#define VECTOR_ERROR		1

struct options {
	bool quiet;
	const char *ready_file;
};

struct copy_dev {
	int ctl_fd;		/* /dev/pciem: ioctls and the event ring */
	int inst_fd;		/* returned by REGISTER: maps the BARs */
	int event_fd;		/* signalled when the kernel adds events */
	int signal_fd;		/* SIGINT, SIGTERM */
	struct pciem_shared_ring *ring;
	volatile uint32_t *bar0;
	size_t bar0_size;
	uint32_t head;		/* next ring slot to consume */
	uint64_t lost_seen;

	/*
	 * Register state, from the driver's writes as the ring reports them;
	 * BAR0 memory is a copy the driver reads.
	 */
	uint32_t src_lo, src_hi, dst_lo, dst_hi, len, desc_lo, desc_hi;
	uint32_t status, error, count;
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

static void bar_store(struct copy_dev *d, uint32_t reg, uint32_t val)
{
	d->bar0[reg / 4] = val;
}

/* ---- the copy engine ----------------------------------------------------- */

/*
 * Move @len bytes between host memory at bus address @bus and @buf, in
 * pieces of at most PCIEM_DMA_MAX_LEN (one PCIEM_IOCTL_DMA each).  @flags
 * is PCIEM_DMA_FROM_HOST (the device reads host memory into @buf) or
 * PCIEM_DMA_TO_HOST (it writes @buf there).  Returns 0, or -1 with errno
 * (EFAULT: PCIem refused it, the range is not all inside a mapping the
 * driver made for that direction).
 */
static int dma(struct copy_dev *d, uint32_t flags, uint64_t bus, uint8_t *buf,
	       uint32_t len)
{
	uint32_t done = 0;

	while (done < len) {
		uint32_t n = len - done;
		struct pciem_dma req;

		if (n > PCIEM_DMA_MAX_LEN)
			n = PCIEM_DMA_MAX_LEN;
		memset(&req, 0, sizeof(req));
		req.bus_addr = bus + done;
		req.user_addr = (uintptr_t)(buf + done);
		req.len = n;
		req.flags = flags;
		if (ioctl(d->ctl_fd, PCIEM_IOCTL_DMA, &req) < 0)
			return -1;
		done += n;
	}
	return 0;
}

static void inject_irq(struct copy_dev *d, uint32_t vector)
{
	struct pciem_irq_inject irq = { .vector = vector };

	if (ioctl(d->ctl_fd, PCIEM_IOCTL_INJECT_IRQ, &irq) < 0) {
		fail("INJECT_IRQ");
		return;
	}
	if (irq.status == PCIEM_IRQ_PENDING)
		note("irq vector %" PRIu32 " (left pending: masked or MSI-X disabled)",
		     vector);
	else
		note("irq vector %" PRIu32, vector);
}

/*
 * CTRL_START: read the whole source first, then write the destination, so
 * that a refused source leaves the destination untouched.  (A destination
 * refused part-way, in a later piece of a copy above PCIEM_DMA_MAX_LEN,
 * keeps the pieces written before, as on hardware.)
 */
/*
 * A descriptor (CTRL_DESC), 32 bytes in host memory, little-endian: the
 * source and destination bus addresses (8 bytes each), the length (4), then
 * 12 bytes that must be 0.  Read by DMA at DESC; 0, or -1 with errno.
 */
#define DESC_SIZE	32
static int read_desc(struct copy_dev *d, uint64_t *src, uint64_t *dst, uint32_t *len)
{
	uint64_t at = (uint64_t)d->desc_hi << 32 | d->desc_lo;
	uint8_t b[DESC_SIZE];
	uint64_t s, t;
	uint32_t n;

	if (dma(d, PCIEM_DMA_FROM_HOST, at, b, sizeof(b)) < 0)
		return -1;
	memcpy(&s, b, 8);
	memcpy(&t, b + 8, 8);
	memcpy(&n, b + 16, 4);
	*src = le64toh(s);
	*dst = le64toh(t);
	*len = le32toh(n);
	return 0;
}

static void start_copy(struct copy_dev *d, bool desc)
{
	uint64_t src = (uint64_t)d->src_hi << 32 | d->src_lo;
	uint64_t dst = (uint64_t)d->dst_hi << 32 | d->dst_lo;
	uint32_t len = d->len;
	uint8_t *buf = NULL;
	const char *what = "";
	int err = 0;

	d->error = ERROR_NONE;
	if (desc && read_desc(d, &src, &dst, &len) < 0) {
		err = errno;
		d->error = err == EFAULT ? ERROR_DESC : ERROR_HOST;
		what = "descriptor read refused";
	} else if (len == 0 || len > LEN_MAX) {
		d->error = ERROR_LEN;
		what = "length out of range";
	} else if (!(buf = malloc(len))) {
		err = errno;
		d->error = ERROR_HOST;
		what = "no memory for the copy";
	} else if (dma(d, PCIEM_DMA_FROM_HOST, src, buf, len) < 0) {
		err = errno;
		d->error = err == EFAULT ? ERROR_SRC : ERROR_HOST;
		what = "source read refused";
	} else if (dma(d, PCIEM_DMA_TO_HOST, dst, buf, len) < 0) {
		err = errno;
		d->error = err == EFAULT ? ERROR_DST : ERROR_HOST;
		what = "destination write refused";
	}
	free(buf);

	if (d->error == ERROR_NONE) {
		d->count++;
		d->status |= STATUS_DONE;
		note("copy %" PRIu32 " bytes 0x%" PRIx64 " -> 0x%" PRIx64
		     ": done (copy %" PRIu32 ")", len, src, dst, d->count);
	} else {
		d->status |= STATUS_ERROR;
		note("copy %" PRIu32 " bytes 0x%" PRIx64 " -> 0x%" PRIx64
		     ": error %" PRIu32 ", %s%s%s", len, src, dst, d->error,
		     what, err ? ": " : "", err ? strerror(err) : "");
	}
	/* the registers first: the driver's handler reads them */
	bar_store(d, REG_ERROR, d->error);
	bar_store(d, REG_COUNT, d->count);
	bar_store(d, REG_STATUS, d->status);
	inject_irq(d, d->error == ERROR_NONE ? VECTOR_DONE : VECTOR_ERROR);
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

/* A plain read/write register takes the written lanes. */
static void latch(const struct pciem_event *ev, uint32_t reg, uint32_t *r)
{
	uint32_t val, mask;

	if (write_lanes(ev, reg, &val, &mask))
		*r = (*r & ~mask) | (val & mask);
}

static void mmio_write(struct copy_dev *d, const struct pciem_event *ev)
{
	uint32_t val, mask;

	note("write bar%" PRIu32 "+0x%" PRIx64 " = 0x%" PRIx64 " (%" PRIu32
	     " bytes)", ev->bar, (uint64_t)ev->offset, (uint64_t)ev->data,
	     ev->size);

	/* the MSI-X table and pending bits (above REGS_END) are the kernel's */
	if (ev->bar != 0 || ev->offset >= REGS_END)
		return;
	if (ev->size != 1 && ev->size != 2 && ev->size != 4 && ev->size != 8) {
		fprintf(stderr, "%s: write with bad size %" PRIu32 " ignored\n",
			PROG, ev->size);
		return;
	}

	latch(ev, REG_SRC_LO, &d->src_lo);
	latch(ev, REG_SRC_HI, &d->src_hi);
	latch(ev, REG_DST_LO, &d->dst_lo);
	latch(ev, REG_DST_HI, &d->dst_hi);
	latch(ev, REG_LEN, &d->len);
	latch(ev, REG_DESC_LO, &d->desc_lo);
	latch(ev, REG_DESC_HI, &d->desc_hi);
	/* STATUS is write-1-to-clear */
	if (write_lanes(ev, REG_STATUS, &val, &mask)) {
		d->status &= ~(val & mask);
		bar_store(d, REG_STATUS, d->status);
	}
	/* ERROR and COUNT are read-only: undo what the write left in BAR0 */
	if (write_lanes(ev, REG_ERROR, &val, &mask))
		bar_store(d, REG_ERROR, d->error);
	if (write_lanes(ev, REG_COUNT, &val, &mask))
		bar_store(d, REG_COUNT, d->count);
	/* CTRL reads back as 0: START is an action, not a setting */
	if (write_lanes(ev, REG_CTRL, &val, &mask)) {
		bar_store(d, REG_CTRL, 0);
		if (val & mask & CTRL_START)
			start_copy(d, val & mask & CTRL_DESC);
	}
}

static void handle_event(struct copy_dev *d, const struct pciem_event *ev)
{
	switch (ev->type) {
	case PCIEM_EVENT_MMIO_WRITE:
		mmio_write(d, ev);
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

/* ---- the event ring (as in examples/dummy_clock/device.c) --------------- */

/* Handle every event in the ring; -1 if the ring is corrupt. */
static int drain_ring(struct copy_dev *d)
{
	struct pciem_shared_ring *ring = d->ring;
	uint64_t lost;
	uint32_t tail;

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
			handle_event(d, &ring->events[d->head]);
			d->head = (d->head + 1) % PCIEM_RING_SIZE;
			atomic_store_explicit(&ring->head, d->head,
					      memory_order_release);
		}
	}
	/*
	 * A driver of this device makes a handful of writes per copy and
	 * waits for each copy: the ring does not fill, but say so if it did.
	 */
	lost = __atomic_load_n(&ring->lost, __ATOMIC_RELAXED);
	if (lost != d->lost_seen) {
		d->lost_seen = lost;
		fprintf(stderr, "%s: %" PRIu64 " events lost so far (ring full)\n",
			PROG, lost);
	}
	return 0;
}

/* ---- setup --------------------------------------------------------------- */

static int create_device(struct copy_dev *d)
{
	struct pciem_create_device create = { .flags = 0 };
	struct pciem_bar_config bar = {
		.bar_index = 0,
		.flags = PCI_BASE_ADDRESS_SPACE_MEMORY |
			 PCI_BASE_ADDRESS_MEM_TYPE_32,
		.size = BAR0_SIZE,
	};
	struct pciem_cap_msix_userspace msix = {
		.table_size = MSIX_VECTORS,
		.table_bar = 0,
		.table_offset = MSIX_TABLE_OFFSET,
		.pba_bar = 0,
		.pba_offset = MSIX_PBA_OFFSET,
	};
	struct pciem_cap_config cap = {
		.cap_type = PCIEM_CAP_MSIX,
		.cap_size = sizeof(msix),
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

	memcpy(cap.cap_data, &msix, sizeof(msix));

	if (ioctl(d->ctl_fd, PCIEM_IOCTL_CREATE_DEVICE, &create) < 0) {
		fail("CREATE_DEVICE");
		return -1;
	}
	if (ioctl(d->ctl_fd, PCIEM_IOCTL_ADD_BAR, &bar) < 0) {
		fail("ADD_BAR (BAR0, 8 KiB, 32-bit memory)");
		return -1;
	}
	if (ioctl(d->ctl_fd, PCIEM_IOCTL_ADD_CAPABILITY, &cap) < 0) {
		fail("ADD_CAPABILITY (MSI-X, 2 vectors)");
		return -1;
	}
	if (ioctl(d->ctl_fd, PCIEM_IOCTL_SET_CONFIG, &cfg) < 0) {
		fail("SET_CONFIG");
		return -1;
	}
	d->inst_fd = ioctl(d->ctl_fd, PCIEM_IOCTL_REGISTER, 0);
	if (d->inst_fd < 0) {
		fail("REGISTER");
		return -1;
	}
	return 0;
}

static int setup_events(struct copy_dev *d)
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

static int map_bar0(struct copy_dev *d)
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
	/* the registers start at zero; the MSI-X ranges are left alone */
	note("BAR0: %zu bytes at bus address 0x%" PRIx64, d->bar0_size,
	     (uint64_t)info.bus_addr);
	return 0;
}

static int get_address(struct copy_dev *d, char *buf, size_t len)
{
	struct pciem_device_info info;

	memset(&info, 0, sizeof(info));
	if (ioctl(d->ctl_fd, PCIEM_IOCTL_GET_DEVICE_INFO, &info) < 0) {
		fail("GET_DEVICE_INFO");
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

static int setup_signals(struct copy_dev *d)
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

static int run(struct copy_dev *d)
{
	struct pollfd pfd[2] = {
		{ .fd = d->event_fd, .events = POLLIN },
		{ .fd = d->signal_fd, .events = POLLIN },
	};

	for (;;) {
		/* events may have arrived before the eventfd was set */
		if (drain_ring(d) < 0)
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

static void teardown(struct copy_dev *d)
{
	if (d->ring)
		munmap(d->ring, sizeof(*d->ring));
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
		"Emulate the PCIem DMA copy engine (1234:dc01) until SIGINT or SIGTERM.\n"
		"\n"
		"  -r, --ready-file PATH  once serving, write the device's PCI address\n"
		"                         (DOMAIN:BUS:DEV.FN) to PATH; removed at exit\n"
		"  -q, --quiet            do not log events and copies\n"
		"  -h, --help             show this help\n");
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "ready-file", required_argument, NULL, 'r' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "r:qh", longopts, NULL)) != -1) {
		switch (c) {
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
	struct options o = { .quiet = false };
	struct copy_dev d = {
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
	if (create_device(&d) < 0)
		goto out;
	if (setup_events(&d) < 0)
		goto out;
	if (map_bar0(&d) < 0)
		goto out;
	if (get_address(&d, addr, sizeof(addr)) < 0)
		goto out;
	note("device %04x:%04x registered at %s", VENDOR_ID, DEVICE_ID, addr);

	if (o.ready_file) {
		if (write_ready_file(o.ready_file, addr) < 0)
			goto out;
		ready = true;
	}

	if (run(&d) == 0)
		ret = 0;
out:
	if (ready)
		unlink(o.ready_file);
	teardown(&d);
	return ret;
}
