// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl_check: every invalid input of the /dev/pciem ABI gets its
 * documented errno (a table), then a seeded random run of ioctls and mmaps
 * whose only allowed outcomes are success or a documented errno.  The VM
 * harness checks afterwards that the kernel log stayed clean.
 *
 *   ioctl_check table
 *   ioctl_check random SEED COUNT
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <sys/mman.h>
#include <stdint.h>
#include <unistd.h>

#include "pciem_userspace.h"

static int failures;

static void expect(const char *what, int ret, int want_errno)
{
	int got = ret < 0 ? errno : 0;

	if (got != want_errno) {
		printf("FAIL %s: got %s, want %s\n", what, got ? strerror(got) : "success",
		       want_errno ? strerror(want_errno) : "success");
		failures++;
	} else {
		printf("ok   %s -> %s\n", what, want_errno ? strerror(want_errno) : "success");
	}
}

static int open_dev(void)
{
	int fd = open(PCIEM_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		perror("open " PCIEM_DEVICE_PATH);
		exit(2);
	}
	return fd;
}

static int created(void)
{
	struct pciem_create_device c = { 0 };
	int fd = open_dev();

	if (ioctl(fd, PCIEM_IOCTL_CREATE_DEVICE, &c)) {
		perror("CREATE_DEVICE");
		exit(2);
	}
	return fd;
}

static struct pciem_bar_config bar(unsigned int idx, unsigned long long size, unsigned int flags)
{
	struct pciem_bar_config b = { .bar_index = idx, .size = size, .flags = flags };

	return b;
}

static struct pciem_cap_config msi_cap(unsigned int log2, unsigned int b64, unsigned int mask)
{
	struct pciem_cap_config c = { .cap_type = PCIEM_CAP_MSI,
				      .cap_size = sizeof(struct pciem_cap_msi_userspace) };
	struct pciem_cap_msi_userspace m = { .num_vectors_log2 = log2, .has_64bit = b64,
					     .has_masking = mask };

	memcpy(c.cap_data, &m, sizeof(m));
	return c;
}

static struct pciem_cap_config msix_cap(unsigned int n, unsigned int tbar, unsigned int toff,
					unsigned int pbar, unsigned int poff)
{
	struct pciem_cap_config c = { .cap_type = PCIEM_CAP_MSIX,
				      .cap_size = sizeof(struct pciem_cap_msix_userspace) };
	struct pciem_cap_msix_userspace m = { .table_size = n, .table_bar = tbar,
					      .table_offset = toff, .pba_bar = pbar,
					      .pba_offset = poff };

	memcpy(c.cap_data, &m, sizeof(m));
	return c;
}

/* A DMA request of 16 bytes at the start of PCIem's bus address window. */
static struct pciem_dma dma_req(unsigned int flags)
{
	static unsigned char buf[16];
	struct pciem_dma d = { .bus_addr = 0x80001000, .user_addr = (uintptr_t)buf,
			       .len = sizeof(buf), .flags = flags };

	return d;
}

static struct pciem_config_space ident(void)
{
	struct pciem_config_space c = { .vendor_id = 0x1234, .device_id = 0xfff0,
					.class_code = { 0, 0, 0xff } };

	return c;
}

static void put16(unsigned char *p, unsigned int at, unsigned int v)
{
	p[at] = v;
	p[at + 1] = v >> 8;
}

/* SET_CONFIG_IMAGE: every malformed image and out-of-order call. */
static void config_image_table(void)
{
	static unsigned char img[PCIEM_CFG_IMAGE_SIZE];
	struct pciem_config_image ci = { .data = (uintptr_t)img };
	struct pciem_cap_config cap = msi_cap(0, 1, 0);
	struct pciem_config_space cfg = ident();
	struct pciem_bar_config b;
	int fd = created(), ifd;

#define CFG_IMAGE(what, want) expect(what, ioctl(fd, PCIEM_IOCTL_SET_CONFIG_IMAGE, &ci), want)
	CFG_IMAGE("image with vendor 0", EINVAL);
	put16(img, PCI_VENDOR_ID, 0x1234);
	put16(img, PCI_DEVICE_ID, 0xfff0);
	img[PCI_HEADER_TYPE] = 0x80;
	CFG_IMAGE("image of a multi-function device", EINVAL);
	img[PCI_HEADER_TYPE] = 0;
	img[PCI_INTERRUPT_PIN] = 2;
	CFG_IMAGE("image with pin B", EINVAL);
	img[PCI_INTERRUPT_PIN] = 1;
	put16(img, PCI_STATUS, PCI_STATUS_CAP_LIST);
	img[PCI_CAPABILITY_LIST] = 0x40;
	img[0x40] = PCI_CAP_ID_VNDR;
	CFG_IMAGE("image with a vendor-specific capability", EINVAL);
	img[0x40] = PCI_CAP_ID_MSI;
	put16(img, 0x42, 6 << 1);
	CFG_IMAGE("image with 64 MSI vectors", EINVAL);
	put16(img, 0x42, PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT);
	img[0x41] = 0x40;
	CFG_IMAGE("image with a capability loop", EINVAL);
	img[0x41] = 0x52;
	CFG_IMAGE("image with a misaligned capability", EINVAL);
	img[0x41] = 0x50;
	img[0x50] = PCI_CAP_ID_PM;
	CFG_IMAGE("image with overlapping capabilities", EINVAL);
	img[0x41] = 0x58;
	img[0x58] = PCI_CAP_ID_MSI;
	CFG_IMAGE("image with two MSI capabilities", EINVAL);
	img[0x58] = PCI_CAP_ID_EXP;
	put16(img, 0x5a, 1);
	CFG_IMAGE("image with a PCIe capability of version 1", EINVAL);
	put16(img, 0x5a, 2 | (PCI_EXP_TYPE_ROOT_PORT << 4));
	CFG_IMAGE("image of a root port", EINVAL);
	put16(img, 0x5a, 2);
	img[0xfc] = 1;
	img[0x100] = 1;
	CFG_IMAGE("image with an extended capability", EINVAL);
	img[0x100] = 0;
	img[0x59] = 0xfc;
	img[0xfc] = PCI_CAP_ID_PM;
	CFG_IMAGE("image with a capability past 0xff", EINVAL);
	img[0x59] = 0xa0;
	img[0xa0] = PCI_CAP_ID_MSIX;
	put16(img, 0xa2, 0x3800 | 3);
	CFG_IMAGE("image with MSI-X reserved control bits", EINVAL);
	put16(img, 0xa2, PCI_MSIX_FLAGS_ENABLE | 3);	/* 4 vectors, enabled */
	put16(img, 0xa4, 0x800 | 6);
	CFG_IMAGE("image with an MSI-X table in BAR 6", EINVAL);
	put16(img, 0xa4, 0x800);
	put16(img, 0xa8, 0x810);
	CFG_IMAGE("image with the MSI-X PBA inside the table", EINVAL);
	put16(img, 0xa8, 0xc00);
	ci.flags = 1;
	CFG_IMAGE("SET_CONFIG_IMAGE flags", EINVAL);
	ci.flags = 0;
	ci.reserved[2] = 1;
	CFG_IMAGE("SET_CONFIG_IMAGE reserved", EINVAL);
	ci.reserved[2] = 0;
	ci.data = 16;
	CFG_IMAGE("SET_CONFIG_IMAGE bad data pointer", EFAULT);
	ci.data = (uintptr_t)img;
	ci.wmask = 16;
	CFG_IMAGE("SET_CONFIG_IMAGE bad mask pointer", EFAULT);
	ci.wmask = (uintptr_t)img;
	CFG_IMAGE("SET_CONFIG_IMAGE MSI + PCIe + MSI-X, own mask", 0);
	CFG_IMAGE("SET_CONFIG_IMAGE twice", EBUSY);
	expect("ADD_CAPABILITY after an image", ioctl(fd, PCIEM_IOCTL_ADD_CAPABILITY, &cap), EBUSY);
	expect("SET_CONFIG after an image", ioctl(fd, PCIEM_IOCTL_SET_CONFIG, &cfg), 0);
	expect("REGISTER with the MSI-X table in an absent BAR",
	       ioctl(fd, PCIEM_IOCTL_REGISTER, 0), EINVAL);
	b = bar(0, 4096, 0);
	expect("ADD_BAR 0 for the MSI-X table", ioctl(fd, PCIEM_IOCTL_ADD_BAR, &b), 0);
	ifd = ioctl(fd, PCIEM_IOCTL_REGISTER, 0);
	expect("REGISTER with an image", ifd < 0 ? -1 : 0, 0);
	close(ifd);
	close(fd);
	fd = created();
	expect("ADD_CAPABILITY", ioctl(fd, PCIEM_IOCTL_ADD_CAPABILITY, &cap), 0);
	CFG_IMAGE("SET_CONFIG_IMAGE after ADD_CAPABILITY", EBUSY);
	close(fd);
#undef CFG_IMAGE
}

static struct pciem_event mmio_ev(uint32_t type, uint32_t bar, uint64_t off, uint32_t size,
				  uint64_t data)
{
	struct pciem_event e = { .type = type, .bar = bar, .offset = off, .size = size,
				 .data = data };

	return e;
}

static int feed(int fd, struct pciem_event *ev, unsigned int n)
{
	struct pciem_replay_feed f = { .events = (uintptr_t)ev, .count = n };

	return ioctl(fd, PCIEM_IOCTL_REPLAY_FEED, &f);
}

/* The replay ioctls, read() and poll(). */
static void replay_table(void)
{
	struct pciem_replay_start rs = { 0 };
	struct pciem_replay_status st;
	struct pciem_replay_feed f = { 0 };
	struct pciem_replay_divergence d;
	struct pciem_bar_config b = bar(0, 4096, 0);
	struct pciem_config_space cfg = ident();
	struct pciem_cap_config cap = msi_cap(0, 1, 0);
	struct pciem_event ev[24];
	struct pollfd pfd;
	int fd = created(), i, r;
	struct pciem_replay_dma_rule rules[PCIEM_REPLAY_MAX_RULES + 1] = {
		{ .kind = PCIEM_REPLAY_RULE_IGNORE },
		{ .kind = PCIEM_REPLAY_RULE_ID, .entry = 64, .field = 2, .len = 2 },
		{ .kind = PCIEM_REPLAY_RULE_ECHO, .entry = 16, .field = 12, .len = 2 },
	};

#define START(what, want) expect(what, ioctl(fd, PCIEM_IOCTL_REPLAY_START, &rs), want)
#define FEED1(what, e, want) do { ev[0] = (e); expect(what, feed(fd, ev, 1), want); } while (0)
	ioctl(fd, PCIEM_IOCTL_ADD_BAR, &b);
	expect("REPLAY_STATUS before REPLAY_START", ioctl(fd, PCIEM_IOCTL_REPLAY_STATUS, &st), EBUSY);
	expect("REPLAY_FEED before REPLAY_START", ioctl(fd, PCIEM_IOCTL_REPLAY_FEED, &f), EBUSY);
	expect("REPLAY_END before REPLAY_START", ioctl(fd, PCIEM_IOCTL_REPLAY_END, 0), EBUSY);
	expect("read() without a replay", read(fd, &d, sizeof(d)) < 0 ? -1 : 0, EINVAL);
	rs.match = 2;
	START("REPLAY_START match 2", EINVAL);
	rs.match = PCIEM_REPLAY_MATCH_REGISTER;
	rs.on_divergence = 2;
	START("REPLAY_START on_divergence 2", EINVAL);
	rs.on_divergence = PCIEM_REPLAY_DIV_CONTINUE;
	rs.timing = 2;
	START("REPLAY_START timing 2", EINVAL);
	rs.timing = PCIEM_REPLAY_TIMING_RECORDED;
	rs.flags = 4;
	START("REPLAY_START unknown flag", EINVAL);
	rs.flags = PCIEM_REPLAY_F_CONFIG_WRITES;
	rs.reserved[1] = 1;
	START("REPLAY_START reserved", EINVAL);
	rs.reserved[1] = 0;
	/* DMA rules */
	rs.dma_rule_count = PCIEM_REPLAY_MAX_RULES + 1;
	rs.dma_rules = (uintptr_t)rules;
	START("REPLAY_START too many DMA rules", EINVAL);
	rs.dma_rule_count = 3;
	rs.dma_rules = 16;
	START("REPLAY_START DMA rules at a bad address", EFAULT);
	rs.dma_rules = (uintptr_t)rules;
	rules[2].kind = 4;
	START("REPLAY_START DMA rule of kind 4", EINVAL);
	rules[2].kind = PCIEM_REPLAY_RULE_ECHO;
	rules[2].ids = 1;
	START("REPLAY_START echo of identifiers nothing reads", EINVAL);
	rules[2].ids = PCIEM_REPLAY_MAX_IDS;
	START("REPLAY_START identifier space out of range", EINVAL);
	rules[2].ids = 0;
	rules[2].len = 1;
	START("REPLAY_START echo field of another length", EINVAL);
	rules[2].len = 2;
	rules[1].len = 3;
	START("REPLAY_START 3-byte identifier", EINVAL);
	rules[1].len = 2;
	rules[1].field = 63;
	START("REPLAY_START field beyond its entry", EINVAL);
	rules[1].field = 2;
	rules[0].field = 1;
	START("REPLAY_START whole-mapping rule with a field", EINVAL);
	rules[0].field = 0;
	rules[0].reserved = 1;
	START("REPLAY_START DMA rule's reserved field", EINVAL);
	rules[0].reserved = 0;
	rules[1].entry = PCIEM_REPLAY_MAX_ENTRY * 2;
	START("REPLAY_START entry too large", EINVAL);
	rules[1].entry = 64;
	rs.dma_check = PCIEM_REPLAY_DMA_NONE + 1;
	START("REPLAY_START dma_check 3", EINVAL);
	rs.dma_check = PCIEM_REPLAY_DMA_ADDRESSES;
	rs.payload_bytes = PCIEM_REPLAY_MIN_PAYLOAD - 1;
	START("REPLAY_START payload FIFO too small", EINVAL);
	rs.payload_bytes = PCIEM_REPLAY_MAX_PAYLOAD + 1;
	START("REPLAY_START payload FIFO too large", EINVAL);
	rs.payload_bytes = 0;
	rs.fifo_events = 1000;
	START("REPLAY_START FIFO of 1000", EINVAL);
	rs.fifo_events = PCIEM_REPLAY_MIN_FIFO / 2;
	START("REPLAY_START FIFO too small", EINVAL);
	rs.fifo_events = PCIEM_REPLAY_MAX_FIFO * 2;
	START("REPLAY_START FIFO too large", EINVAL);
	rs.fifo_events = 16;
	rs.window = 32;
	START("REPLAY_START window above the FIFO", EINVAL);
	rs.fifo_events = 0;
	rs.window = PCIEM_REPLAY_MAX_WINDOW + 1;
	START("REPLAY_START window too large", EINVAL);
	rs.window = 0;
	rs.wait_us = PCIEM_REPLAY_MAX_WAIT_US + 1;
	START("REPLAY_START wait too long", EINVAL);
	rs.wait_us = 0;
	expect("REPLAY_START bad pointer", ioctl(fd, PCIEM_IOCTL_REPLAY_START, (void *)16), EFAULT);
	rs.fifo_events = 16;
	START("REPLAY_START", 0);
	START("REPLAY_START twice", EBUSY);
	b = bar(2, 4096, 0);
	expect("ADD_BAR after REPLAY_START", ioctl(fd, PCIEM_IOCTL_ADD_BAR, &b), EBUSY);
	expect("ADD_CAPABILITY after REPLAY_START", ioctl(fd, PCIEM_IOCTL_ADD_CAPABILITY, &cap), EBUSY);
	expect("SET_CONFIG after REPLAY_START", ioctl(fd, PCIEM_IOCTL_SET_CONFIG, &cfg), EBUSY);

	expect("read() smaller than a record", read(fd, &d, sizeof(d) - 1) < 0 ? -1 : 0, EINVAL);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	expect("read() with nothing to read", read(fd, &d, sizeof(d)) < 0 ? -1 : 0, EAGAIN);

	f.reserved = 1;
	expect("REPLAY_FEED reserved", ioctl(fd, PCIEM_IOCTL_REPLAY_FEED, &f), EINVAL);
	f.reserved = 0;
	f.events = 16;
	f.count = 1;
	expect("REPLAY_FEED bad events pointer", ioctl(fd, PCIEM_IOCTL_REPLAY_FEED, &f), EFAULT);
	expect("REPLAY_FEED of 0 events", feed(fd, ev, 0), 0);
	FEED1("event type 99", mmio_ev(99, 0, 0, 4, 0), EINVAL);
	FEED1("event on absent BAR 1", mmio_ev(PCIEM_EVENT_MMIO_READ, 1, 0, 4, 0), EINVAL);
	FEED1("event on BAR 6", mmio_ev(PCIEM_EVENT_MMIO_READ, 6, 0, 4, 0), EINVAL);
	FEED1("event of size 3", mmio_ev(PCIEM_EVENT_MMIO_WRITE, 0, 0, 3, 0), EINVAL);
	FEED1("event past the BAR", mmio_ev(PCIEM_EVENT_MMIO_READ, 0, 4093, 4, 0), EINVAL);
	FEED1("event far past the BAR", mmio_ev(PCIEM_EVENT_MMIO_READ, 0, ~0ULL - 1, 4, 0), EINVAL);
	FEED1("event data wider than its size", mmio_ev(PCIEM_EVENT_MMIO_READ, 0, 0, 1, 0x100), EINVAL);
	FEED1("config event of size 8", mmio_ev(PCIEM_EVENT_CONFIG_WRITE, 0, 0, 8, 0), EINVAL);
	FEED1("config event past 4 KiB", mmio_ev(PCIEM_EVENT_CONFIG_READ, 0, 4094, 4, 0), EINVAL);
	FEED1("IRQ vector 2048", mmio_ev(PCIEM_EVENT_IRQ, 0, 0, 0, PCIEM_MSIX_MAX_VECTORS), EINVAL);
	FEED1("lifecycle kind 7", mmio_ev(PCIEM_EVENT_LIFECYCLE, 0, 7, 0, 0), EINVAL);
	ev[0] = mmio_ev(PCIEM_EVENT_MMIO_WRITE, 0, 0, 4, 1);
	ev[0].flags = PCIEM_EVENT_F_PENDING;
	expect("MMIO event with a flag", feed(fd, ev, 1), EINVAL);
	/* a device DMA's bytes come with it (@payload) */
	FEED1("DMA read without its bytes", mmio_ev(PCIEM_EVENT_DMA_READ, 0, 0x80000000, 0, 16),
	      EINVAL);
	FEED1("DMA write above 4 KiB", mmio_ev(PCIEM_EVENT_DMA_WRITE, 0, 0x80000000, 0,
					       PCIEM_TRACE_DMA_PIECE + 1), EINVAL);
	FEED1("DMA read with a BAR", mmio_ev(PCIEM_EVENT_DMA_READ, 1, 0x80000000, 0, 16), EINVAL);
	FEED1("DMA map of size 0", mmio_ev(PCIEM_EVENT_DMA_MAP, 0, 0x80000000, 0, 0), EINVAL);
	FEED1("DMA map under a rule not given",
	      mmio_ev(PCIEM_EVENT_DMA_MAP, 0, 0x80000000, 1U << 3, 4096), EINVAL);
	ev[0] = mmio_ev(PCIEM_EVENT_DMA_READ, 0, 0x80000000, 0, 16);
	f.events = (uintptr_t)ev;
	f.count = 1;
	f.payload = 16;
	f.payload_len = 16;
	expect("REPLAY_FEED bad payload pointer", ioctl(fd, PCIEM_IOCTL_REPLAY_FEED, &f), EFAULT);
	f.payload = 0;
	f.payload_len = 0;
	ev[0] = mmio_ev(PCIEM_EVENT_MMIO_WRITE, 0, 0, 4, 1);
	ev[1] = mmio_ev(PCIEM_EVENT_MMIO_READ, 0, 0, 16, 1);
	r = feed(fd, ev, 2);
	if (r != 1) {
		printf("FAIL REPLAY_FEED of a valid and an invalid event returned %d, want 1\n", r);
		failures++;
	} else {
		printf("ok   REPLAY_FEED stops at an invalid event -> 1\n");
	}
	for (i = 0; i < 24; i++)
		ev[i] = mmio_ev(PCIEM_EVENT_MMIO_READ, 0, 4 * i, 4, i);
	r = feed(fd, ev, 24);
	if (r != 15) {
		printf("FAIL REPLAY_FEED of 24 into 15 free slots returned %d\n", r);
		failures++;
	} else {
		printf("ok   REPLAY_FEED fills the FIFO -> 15\n");
	}
	expect("REPLAY_FEED into a full FIFO", feed(fd, ev, 1), EAGAIN);
	pfd.fd = fd;
	pfd.events = POLLIN | POLLOUT | POLLPRI;
	if (poll(&pfd, 1, 0) != 0) {
		printf("FAIL poll on a full replay: revents %#x, want none\n", pfd.revents);
		failures++;
	} else {
		printf("ok   poll on a full replay -> nothing\n");
	}
	if (ioctl(fd, PCIEM_IOCTL_REPLAY_STATUS, &st) || st.state != PCIEM_REPLAY_RUNNING ||
	    st.fed != 16 || st.left != 16 || st.consumed != 0) {
		printf("FAIL REPLAY_STATUS: state %u fed %llu left %llu\n", st.state,
		       (unsigned long long)st.fed, (unsigned long long)st.left);
		failures++;
	} else {
		printf("ok   REPLAY_STATUS -> running, 16 fed\n");
	}
	expect("REPLAY_STATUS bad pointer", ioctl(fd, PCIEM_IOCTL_REPLAY_STATUS, (void *)16), EFAULT);
	expect("REPLAY_END", ioctl(fd, PCIEM_IOCTL_REPLAY_END, 0), 0);
	expect("REPLAY_END twice", ioctl(fd, PCIEM_IOCTL_REPLAY_END, 0), EBUSY);
	expect("REPLAY_FEED after REPLAY_END", feed(fd, ev, 1), EBUSY);
	close(fd);
#undef START
#undef FEED1
}

static void table(void)
{
	struct pciem_create_device cr = { 0 };
	struct pciem_bar_config b;
	struct pciem_cap_config cap;
	struct pciem_config_space cfg;
	struct pciem_watchpoint_config wp;
	struct pciem_eventfd_config ef;
	struct pciem_bar_info_query q;
	struct pciem_irq_inject irq;
	struct pciem_dma dma;
	int fd, ifd, i, r;
	void *p;

	/* before CREATE_DEVICE */
	fd = open_dev();
	b = bar(0, 4096, 0);
	expect("ADD_BAR before CREATE_DEVICE", ioctl(fd, PCIEM_IOCTL_ADD_BAR, &b), ENODEV);
	expect("REGISTER before CREATE_DEVICE", ioctl(fd, PCIEM_IOCTL_REGISTER, 0), ENODEV);
	expect("mmap ring before CREATE_DEVICE",
	       mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED ? -1 : 0, ENODEV);
	expect("unknown ioctl", ioctl(fd, _IO(PCIEM_IOCTL_MAGIC, 0x7f), 0), ENOTTY);
	expect("foreign ioctl", ioctl(fd, 0x5401 /* TCGETS */, &cr), ENOTTY);
	cr.flags = 1;
	expect("CREATE_DEVICE flags", ioctl(fd, PCIEM_IOCTL_CREATE_DEVICE, &cr), EINVAL);
	cr.flags = 0;
	cr.reserved[6] = 1;
	expect("CREATE_DEVICE reserved", ioctl(fd, PCIEM_IOCTL_CREATE_DEVICE, &cr), EINVAL);
	expect("CREATE_DEVICE bad pointer",
	       ioctl(fd, PCIEM_IOCTL_CREATE_DEVICE, (void *)16), EFAULT);
	cr.reserved[6] = 0;
	expect("CREATE_DEVICE", ioctl(fd, PCIEM_IOCTL_CREATE_DEVICE, &cr), 0);
	expect("CREATE_DEVICE twice", ioctl(fd, PCIEM_IOCTL_CREATE_DEVICE, &cr), EBUSY);

	/* ADD_BAR */
	b = bar(6, 4096, 0);
	expect("ADD_BAR index 6", ioctl(fd, PCIEM_IOCTL_ADD_BAR, &b), EINVAL);
	b = bar(0, 1000, 0);
	expect("ADD_BAR size 1000", ioctl(fd, PCIEM_IOCTL_ADD_BAR, &b), EINVAL);
	b = bar(0, 8, 0);
	expect("ADD_BAR size 8", ioctl(fd, PCIEM_IOCTL_ADD_BAR, &b), EINVAL);
	b = bar(0, 3 * 4096, 0);
	expect("ADD_BAR size not a power of two", ioctl(fd, PCIEM_IOCTL_ADD_BAR, &b), EINVAL);
	b = bar(0, PCIEM_BAR_MAX_SIZE * 2, 0);
	expect("ADD_BAR size too large", ioctl(fd, PCIEM_IOCTL_ADD_BAR, &b), EINVAL);
	b = bar(0, 4096, PCI_BASE_ADDRESS_SPACE_IO);
	expect("ADD_BAR I/O space", ioctl(fd, PCIEM_IOCTL_ADD_BAR, &b), EOPNOTSUPP);
	b = bar(0, 4096, PCI_BASE_ADDRESS_MEM_TYPE_1M);
	expect("ADD_BAR below-1M type", ioctl(fd, PCIEM_IOCTL_ADD_BAR, &b), EINVAL);
	b = bar(0, 4096, 0x100);
	expect("ADD_BAR unknown flag", ioctl(fd, PCIEM_IOCTL_ADD_BAR, &b), EINVAL);
	b = bar(5, 4096, PCI_BASE_ADDRESS_MEM_TYPE_64);
	expect("ADD_BAR 64-bit at index 5", ioctl(fd, PCIEM_IOCTL_ADD_BAR, &b), EINVAL);
	b = bar(0, 4096, 0);
	b.reserved[1] = 1;
	expect("ADD_BAR reserved", ioctl(fd, PCIEM_IOCTL_ADD_BAR, &b), EINVAL);
	b = bar(0, 4096, 0);
	expect("ADD_BAR 0", ioctl(fd, PCIEM_IOCTL_ADD_BAR, &b), 0);
	expect("ADD_BAR 0 again", ioctl(fd, PCIEM_IOCTL_ADD_BAR, &b), EEXIST);
	b = bar(2, 8192, PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH);
	expect("ADD_BAR 2 64-bit", ioctl(fd, PCIEM_IOCTL_ADD_BAR, &b), 0);
	b = bar(3, 4096, 0);
	expect("ADD_BAR 3 (upper half of 2)", ioctl(fd, PCIEM_IOCTL_ADD_BAR, &b), EEXIST);
	b = bar(1, 4096, PCI_BASE_ADDRESS_MEM_TYPE_64);
	expect("ADD_BAR 1 64-bit over 2", ioctl(fd, PCIEM_IOCTL_ADD_BAR, &b), EEXIST);

	/* ADD_CAPABILITY */
	cap = msi_cap(0, 1, 0);
	cap.cap_type = 0;
	expect("ADD_CAPABILITY type 0", ioctl(fd, PCIEM_IOCTL_ADD_CAPABILITY, &cap), EINVAL);
	cap.cap_type = 99;
	expect("ADD_CAPABILITY type 99", ioctl(fd, PCIEM_IOCTL_ADD_CAPABILITY, &cap), EINVAL);
	cap = msi_cap(0, 1, 0);
	cap.cap_size = 4;
	expect("ADD_CAPABILITY wrong size", ioctl(fd, PCIEM_IOCTL_ADD_CAPABILITY, &cap), EINVAL);
	cap = msi_cap(6, 1, 0);
	expect("MSI 64 vectors", ioctl(fd, PCIEM_IOCTL_ADD_CAPABILITY, &cap), EINVAL);
	cap = msi_cap(0, 2, 0);
	expect("MSI has_64bit=2", ioctl(fd, PCIEM_IOCTL_ADD_CAPABILITY, &cap), EINVAL);
	cap = msi_cap(0, 1, 0);
	cap.cap_data[40] = 1;
	expect("ADD_CAPABILITY trailing data", ioctl(fd, PCIEM_IOCTL_ADD_CAPABILITY, &cap), EINVAL);
	cap = msi_cap(0, 1, 0);
	cap.cap_data[7] = 1;
	expect("MSI reserved", ioctl(fd, PCIEM_IOCTL_ADD_CAPABILITY, &cap), EINVAL);
	cap = msi_cap(5, 1, 1);
	expect("MSI 32 vectors, masking", ioctl(fd, PCIEM_IOCTL_ADD_CAPABILITY, &cap), 0);
	expect("MSI twice", ioctl(fd, PCIEM_IOCTL_ADD_CAPABILITY, &cap), EEXIST);
	memset(&cap, 0, sizeof(cap));
	cap.cap_type = PCIEM_CAP_PCIE;
	cap.cap_size = sizeof(struct pciem_cap_pcie_userspace);
	cap.cap_data[0] = 4;	/* root port: not allowed */
	expect("PCIe root port type", ioctl(fd, PCIEM_IOCTL_ADD_CAPABILITY, &cap), EINVAL);
	cap.cap_data[0] = 0;
	cap.cap_data[2] = 3;	/* x3 link */
	expect("PCIe x3 link", ioctl(fd, PCIEM_IOCTL_ADD_CAPABILITY, &cap), EINVAL);
	cap.cap_data[2] = 4;
	expect("PCIe x4 endpoint", ioctl(fd, PCIEM_IOCTL_ADD_CAPABILITY, &cap), 0);
	memset(&cap, 0, sizeof(cap));
	cap.cap_type = PCIEM_CAP_PM;
	cap.cap_size = sizeof(struct pciem_cap_pm_userspace);
	cap.cap_data[1] = 7;
	expect("PM d2_support=7", ioctl(fd, PCIEM_IOCTL_ADD_CAPABILITY, &cap), EINVAL);
	cap = msix_cap(0, 0, 0, 0, 0x800);
	expect("MSI-X 0 vectors", ioctl(fd, PCIEM_IOCTL_ADD_CAPABILITY, &cap), EINVAL);
	cap = msix_cap(PCIEM_MSIX_MAX_VECTORS + 1, 0, 0, 0, 0x800);
	expect("MSI-X 2049 vectors", ioctl(fd, PCIEM_IOCTL_ADD_CAPABILITY, &cap), EINVAL);
	cap = msix_cap(8, 6, 0, 0, 0x800);
	expect("MSI-X table in BAR 6", ioctl(fd, PCIEM_IOCTL_ADD_CAPABILITY, &cap), EINVAL);
	cap = msix_cap(8, 0, 4, 0, 0x800);
	expect("MSI-X table misaligned", ioctl(fd, PCIEM_IOCTL_ADD_CAPABILITY, &cap), EINVAL);
	cap = msix_cap(8, 0, 0, 0, 0x40);
	expect("MSI-X PBA inside the table", ioctl(fd, PCIEM_IOCTL_ADD_CAPABILITY, &cap), EINVAL);
	cap = msix_cap(8, 0, 0, 0, 0x800);
	cap.cap_data[15] = 1;
	expect("MSI-X reserved", ioctl(fd, PCIEM_IOCTL_ADD_CAPABILITY, &cap), EINVAL);
	cap = msix_cap(8, 0, 0x400, 0, 0x800);
	expect("MSI-X 8 vectors in BAR 0", ioctl(fd, PCIEM_IOCTL_ADD_CAPABILITY, &cap), 0);
	expect("MSI-X twice", ioctl(fd, PCIEM_IOCTL_ADD_CAPABILITY, &cap), EEXIST);

	/* SET_CONFIG */
	cfg = ident();
	cfg.vendor_id = 0xffff;
	expect("SET_CONFIG vendor ffff", ioctl(fd, PCIEM_IOCTL_SET_CONFIG, &cfg), EINVAL);
	cfg = ident();
	cfg.header_type = 1;
	expect("SET_CONFIG bridge header", ioctl(fd, PCIEM_IOCTL_SET_CONFIG, &cfg), EINVAL);
	cfg = ident();
	cfg.interrupt_pin = 2;
	expect("SET_CONFIG pin B", ioctl(fd, PCIEM_IOCTL_SET_CONFIG, &cfg), EINVAL);
	cfg = ident();
	cfg.reserved[17] = 1;
	expect("SET_CONFIG reserved", ioctl(fd, PCIEM_IOCTL_SET_CONFIG, &cfg), EINVAL);
	expect("REGISTER without SET_CONFIG", ioctl(fd, PCIEM_IOCTL_REGISTER, 0), EINVAL);

	/* SET_WATCHPOINT */
	memset(&wp, 0, sizeof(wp));
	wp.bar_index = 1;
	wp.width = 4;
	wp.flags = PCIEM_WP_FLAG_BAR_KPROBES;
	expect("watchpoint on absent BAR", ioctl(fd, PCIEM_IOCTL_SET_WATCHPOINT, &wp), EINVAL);
	wp.bar_index = 0;
	wp.width = 3;
	expect("watchpoint width 3", ioctl(fd, PCIEM_IOCTL_SET_WATCHPOINT, &wp), EINVAL);
	wp.width = 4;
	wp.offset = 2;
	expect("watchpoint misaligned", ioctl(fd, PCIEM_IOCTL_SET_WATCHPOINT, &wp), EINVAL);
	wp.offset = 4096;
	expect("watchpoint beyond BAR", ioctl(fd, PCIEM_IOCTL_SET_WATCHPOINT, &wp), EINVAL);
	wp.offset = 0;
	wp.flags = 0;
	expect("watchpoint without kind", ioctl(fd, PCIEM_IOCTL_SET_WATCHPOINT, &wp), EINVAL);
	wp.flags = PCIEM_WP_FLAG_BAR_KPROBES | PCIEM_WP_FLAG_BAR_MANUAL;
	expect("watchpoint both kinds", ioctl(fd, PCIEM_IOCTL_SET_WATCHPOINT, &wp), EINVAL);
	wp.flags = PCIEM_WP_FLAG_BAR_MANUAL;
	wp.vaddr = 0xffffffff81000000ULL;
	expect("manual watchpoint on a foreign address",
	       ioctl(fd, PCIEM_IOCTL_SET_WATCHPOINT, &wp), EINVAL);
	wp.flags = PCIEM_WP_FLAG_BAR_KPROBES;
	wp.vaddr = 0;
	for (i = 0; i < PCIEM_MAX_WATCHPOINTS; i++) {
		wp.offset = 4 * i;
		expect("watchpoint", ioctl(fd, PCIEM_IOCTL_SET_WATCHPOINT, &wp), 0);
	}
	wp.offset = 64;
	expect("one watchpoint too many", ioctl(fd, PCIEM_IOCTL_SET_WATCHPOINT, &wp), ENOSPC);

	/* SET_EVENTFD, GET_BAR_INFO, INJECT_IRQ, mmap before REGISTER */
	ef.eventfd = open("/dev/null", O_RDONLY);
	ef.reserved = 0;
	expect("SET_EVENTFD with /dev/null", ioctl(fd, PCIEM_IOCTL_SET_EVENTFD, &ef), EBADF);
	close(ef.eventfd);
	ef.eventfd = -2;
	expect("SET_EVENTFD -2", ioctl(fd, PCIEM_IOCTL_SET_EVENTFD, &ef), EINVAL);
	ef.eventfd = eventfd(0, EFD_CLOEXEC);
	expect("SET_EVENTFD", ioctl(fd, PCIEM_IOCTL_SET_EVENTFD, &ef), 0);
	memset(&q, 0, sizeof(q));
	q.bar_index = 1;
	expect("GET_BAR_INFO absent BAR", ioctl(fd, PCIEM_IOCTL_GET_BAR_INFO, &q), EINVAL);
	q.bar_index = 9;
	expect("GET_BAR_INFO index 9", ioctl(fd, PCIEM_IOCTL_GET_BAR_INFO, &q), EINVAL);
	memset(&irq, 0, sizeof(irq));
	expect("INJECT_IRQ before REGISTER", ioctl(fd, PCIEM_IOCTL_INJECT_IRQ, &irq), EBUSY);
	dma = dma_req(PCIEM_DMA_TO_HOST);
	expect("DMA before REGISTER", ioctl(fd, PCIEM_IOCTL_DMA, &dma), EBUSY);
	expect("mmap ring at offset 4096",
	       mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 4096) == MAP_FAILED ? -1 : 0, EINVAL);
	expect("mmap ring too large",
	       mmap(NULL, 1 << 24, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED ? -1 : 0, EINVAL);
	expect("mmap ring private",
	       mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED ? -1 : 0, EINVAL);

	/* SET_TRAP_MODE */
	{
		struct pciem_trap_mode t = { .mode = 2 };

		expect("SET_TRAP_MODE mode 2", ioctl(fd, PCIEM_IOCTL_SET_TRAP_MODE, &t), EINVAL);
		t.mode = PCIEM_TRAP_FULL;
		t.bar_mask = 1U << 1;
		expect("SET_TRAP_MODE absent BAR 1", ioctl(fd, PCIEM_IOCTL_SET_TRAP_MODE, &t), EINVAL);
		t.bar_mask = 1U << 6;
		expect("SET_TRAP_MODE BAR 6", ioctl(fd, PCIEM_IOCTL_SET_TRAP_MODE, &t), EINVAL);
		t.bar_mask = 1U << 3;
		expect("SET_TRAP_MODE upper half of BAR 2",
		       ioctl(fd, PCIEM_IOCTL_SET_TRAP_MODE, &t), EINVAL);
		t.bar_mask = 1;
		t.reserved = 1;
		expect("SET_TRAP_MODE reserved", ioctl(fd, PCIEM_IOCTL_SET_TRAP_MODE, &t), EINVAL);
		t.reserved = 0;
		expect("SET_TRAP_MODE BAR 0 full", ioctl(fd, PCIEM_IOCTL_SET_TRAP_MODE, &t), 0);
		t.bar_mask = 0;
		t.mode = PCIEM_TRAP_WRITES;
		expect("SET_TRAP_MODE all BARs writes", ioctl(fd, PCIEM_IOCTL_SET_TRAP_MODE, &t), 0);
	}

	/* REGISTER and after */
	cfg = ident();
	expect("SET_CONFIG", ioctl(fd, PCIEM_IOCTL_SET_CONFIG, &cfg), 0);
	ifd = ioctl(fd, PCIEM_IOCTL_REGISTER, 0);
	expect("REGISTER", ifd < 0 ? -1 : 0, 0);
	expect("REGISTER twice", ioctl(fd, PCIEM_IOCTL_REGISTER, 0), EBUSY);
	b = bar(4, 4096, 0);
	expect("ADD_BAR after REGISTER", ioctl(fd, PCIEM_IOCTL_ADD_BAR, &b), EBUSY);
	cap = msi_cap(0, 0, 0);
	expect("ADD_CAPABILITY after REGISTER", ioctl(fd, PCIEM_IOCTL_ADD_CAPABILITY, &cap), EBUSY);
	expect("SET_CONFIG after REGISTER", ioctl(fd, PCIEM_IOCTL_SET_CONFIG, &cfg), EBUSY);
	irq.vector = 32;
	expect("INJECT_IRQ vector 32 of 32", ioctl(fd, PCIEM_IOCTL_INJECT_IRQ, &irq), EINVAL);
	irq.vector = 0;
	irq.reserved = 1;
	expect("INJECT_IRQ reserved", ioctl(fd, PCIEM_IOCTL_INJECT_IRQ, &irq), EINVAL);
	irq.reserved = 0;
	expect("INJECT_IRQ with no driver (left pending)",
	       ioctl(fd, PCIEM_IOCTL_INJECT_IRQ, &irq), 0);
	if (irq.status != PCIEM_IRQ_PENDING) {
		printf("FAIL INJECT_IRQ status %u, want pending\n", irq.status);
		failures++;
	}
	dma = dma_req(PCIEM_DMA_TO_HOST | PCIEM_DMA_FROM_HOST);
	expect("DMA both ways", ioctl(fd, PCIEM_IOCTL_DMA, &dma), EINVAL);
	dma = dma_req(0);
	expect("DMA no way", ioctl(fd, PCIEM_IOCTL_DMA, &dma), EINVAL);
	dma = dma_req(PCIEM_DMA_TO_HOST);
	dma.len = 0;
	expect("DMA of 0 bytes", ioctl(fd, PCIEM_IOCTL_DMA, &dma), EINVAL);
	dma.len = PCIEM_DMA_MAX_LEN + 1;
	expect("DMA too long", ioctl(fd, PCIEM_IOCTL_DMA, &dma), EINVAL);
	dma = dma_req(PCIEM_DMA_FROM_HOST);
	dma.reserved[1] = 1;
	expect("DMA reserved", ioctl(fd, PCIEM_IOCTL_DMA, &dma), EINVAL);
	dma = dma_req(PCIEM_DMA_TO_HOST);
	dma.bus_addr = ~0ULL - 8;
	expect("DMA wrapping", ioctl(fd, PCIEM_IOCTL_DMA, &dma), EINVAL);
	dma = dma_req(PCIEM_DMA_TO_HOST);
	/* no driver, no mapping (EOPNOTSUPP: a kernel without dev->dma_ops) */
	r = ioctl(fd, PCIEM_IOCTL_DMA, &dma) < 0 ? errno : 0;
	expect("DMA outside any mapping", r ? -1 : 0, r == EOPNOTSUPP ? EOPNOTSUPP : EFAULT);
	p = mmap(NULL, 8192, PROT_READ, MAP_SHARED, ifd, PCIEM_BAR_MMAP_OFFSET(0));
	expect("mmap BAR 0 beyond its size", p == MAP_FAILED ? -1 : 0, EINVAL);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, ifd, PCIEM_BAR_MMAP_OFFSET(1));
	expect("mmap absent BAR 1", p == MAP_FAILED ? -1 : 0, EINVAL);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, ifd, PCIEM_BAR_MMAP_OFFSET(7));
	expect("mmap BAR 7", p == MAP_FAILED ? -1 : 0, EINVAL);
	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, ifd, PCIEM_BAR_MMAP_OFFSET(2));
	expect("mmap BAR 2", p == MAP_FAILED ? -1 : 0, 0);
	close(ifd);
	close(ef.eventfd);
	close(fd);
	if (p != MAP_FAILED)
		munmap(p, 8192);

	/* TRACE_SUBSCRIBE */
	{
		struct pciem_trace_subscribe sub = { .ring_size = 65536 };
		struct pciem_create_device c0 = { 0 };
		struct pollfd pfd;

		fd = open_dev();
		sub.ring_size = 1000;
		expect("SUBSCRIBE ring 1000", ioctl(fd, PCIEM_IOCTL_TRACE_SUBSCRIBE, &sub), EINVAL);
		sub.ring_size = 32768;
		expect("SUBSCRIBE ring 32 KiB", ioctl(fd, PCIEM_IOCTL_TRACE_SUBSCRIBE, &sub), EINVAL);
		sub.ring_size = 1ULL << 31;
		expect("SUBSCRIBE ring 2 GiB", ioctl(fd, PCIEM_IOCTL_TRACE_SUBSCRIBE, &sub), EINVAL);
		sub.ring_size = 65536;
		sub.match = 9;
		expect("SUBSCRIBE match 9", ioctl(fd, PCIEM_IOCTL_TRACE_SUBSCRIBE, &sub), EINVAL);
		sub.match = PCIEM_TRACE_MATCH_ALL;
		sub.vendor_id = 0x1234;
		expect("SUBSCRIBE MATCH_ALL with an ID", ioctl(fd, PCIEM_IOCTL_TRACE_SUBSCRIBE, &sub), EINVAL);
		sub.vendor_id = 0;
		sub.flags = 0x80;
		expect("SUBSCRIBE unknown flag", ioctl(fd, PCIEM_IOCTL_TRACE_SUBSCRIBE, &sub), EINVAL);
		sub.flags = PCIEM_TRACE_F_LOSSLESS;
		sub.wait_us = PCIEM_TRACE_MAX_WAIT_US + 1;
		expect("SUBSCRIBE wait too long", ioctl(fd, PCIEM_IOCTL_TRACE_SUBSCRIBE, &sub), EINVAL);
		sub.wait_us = 0;
		sub.reserved[2] = 1;
		expect("SUBSCRIBE reserved", ioctl(fd, PCIEM_IOCTL_TRACE_SUBSCRIBE, &sub), EINVAL);
		sub.reserved[2] = 0;
		sub.reserved0[5] = 1;
		expect("SUBSCRIBE reserved0", ioctl(fd, PCIEM_IOCTL_TRACE_SUBSCRIBE, &sub), EINVAL);
		sub.reserved0[5] = 0;
		sub.devfn = 8;
		expect("SUBSCRIBE MATCH_ALL with a devfn", ioctl(fd, PCIEM_IOCTL_TRACE_SUBSCRIBE, &sub),
		       EINVAL);
		sub.devfn = 0;
		/* real devices: 00:1f.7 is nothing on the VM's bus */
		sub.match = PCIEM_TRACE_MATCH_REAL;
		sub.domain = 0x8000;
		expect("SUBSCRIBE REAL domain 0x8000", ioctl(fd, PCIEM_IOCTL_TRACE_SUBSCRIBE, &sub),
		       EOPNOTSUPP);
		sub.domain = 0;
		sub.devfn = 0xff;
		expect("SUBSCRIBE REAL no such device", ioctl(fd, PCIEM_IOCTL_TRACE_SUBSCRIBE, &sub),
		       ENODEV);
		sub.devfn = 0;
		sub.bus = 0;
		{
			int pfd2 = created();
			struct pciem_device_info di = { 0 };

			/* a PCIem device is traced with MATCH_DOMAIN, not as a real one */
			if (ioctl(pfd2, PCIEM_IOCTL_GET_DEVICE_INFO, &di) == 0 && di.domain) {
				sub.domain = di.domain;
				expect("SUBSCRIBE REAL on a PCIem domain",
				       ioctl(fd, PCIEM_IOCTL_TRACE_SUBSCRIBE, &sub), EOPNOTSUPP);
			}
			close(pfd2);
		}
		sub.domain = 0;
		sub.match = PCIEM_TRACE_MATCH_ALL;
		expect("SUBSCRIBE", ioctl(fd, PCIEM_IOCTL_TRACE_SUBSCRIBE, &sub), 0);
		expect("SUBSCRIBE twice", ioctl(fd, PCIEM_IOCTL_TRACE_SUBSCRIBE, &sub), EBUSY);
		expect("CREATE_DEVICE on a recorder", ioctl(fd, PCIEM_IOCTL_CREATE_DEVICE, &c0), EBUSY);
		expect("mmap recorder ring too large",
		       mmap(NULL, 4096 + 2 * 65536, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED ? -1 : 0,
		       EINVAL);
		expect("mmap recorder ring private",
		       mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED ? -1 : 0, EINVAL);
		close(fd);
		fd = created();
		expect("SUBSCRIBE on a device fd", ioctl(fd, PCIEM_IOCTL_TRACE_SUBSCRIBE, &sub), EBUSY);
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 0) != 1 || !(pfd.revents & POLLERR)) {
			printf("FAIL poll on a device fd: revents %#x, want POLLERR\n", pfd.revents);
			failures++;
		}
		close(fd);
	}

	config_image_table();
	replay_table();

	/* a device that never registers is freed with its file */
	fd = created();
	close(fd);
	/* a device without MSI cannot inject (INTx is not implemented) */
	fd = created();
	cfg = ident();
	ioctl(fd, PCIEM_IOCTL_SET_CONFIG, &cfg);
	ifd = ioctl(fd, PCIEM_IOCTL_REGISTER, 0);
	irq.vector = 0;
	expect("INJECT_IRQ without MSI", ioctl(fd, PCIEM_IOCTL_INJECT_IRQ, &irq), EOPNOTSUPP);
	close(ifd);
	close(fd);
}

static const unsigned long cmds[] = {
	PCIEM_IOCTL_CREATE_DEVICE, PCIEM_IOCTL_ADD_BAR, PCIEM_IOCTL_ADD_CAPABILITY,
	PCIEM_IOCTL_SET_CONFIG, PCIEM_IOCTL_SET_WATCHPOINT, PCIEM_IOCTL_REGISTER,
	PCIEM_IOCTL_SET_EVENTFD, PCIEM_IOCTL_GET_BAR_INFO, PCIEM_IOCTL_INJECT_IRQ,
	PCIEM_IOCTL_GET_DEVICE_INFO, PCIEM_IOCTL_SET_TRAP_MODE, PCIEM_IOCTL_TRACE_SUBSCRIBE,
	PCIEM_IOCTL_SET_CONFIG_IMAGE, PCIEM_IOCTL_REPLAY_START, PCIEM_IOCTL_REPLAY_FEED,
	PCIEM_IOCTL_REPLAY_END, PCIEM_IOCTL_REPLAY_STATUS, PCIEM_IOCTL_DMA,
};

static int documented(int e)
{
	return e == EINVAL || e == EBUSY || e == ENODEV || e == EEXIST || e == ENOSPC ||
	       e == ENOMEM || e == EFAULT || e == ENOTTY || e == EBADF || e == EOPNOTSUPP ||
	       e == EAGAIN;
}

static void random_run(unsigned int seed, long count)
{
	int fds[4], i;
	long n, ok = 0, errs = 0;
	unsigned char buf[256];

	srandom(seed);
	for (i = 0; i < 4; i++)
		fds[i] = open_dev();
	for (n = 0; n < count; n++) {
		int k = random() % 4, r;
		unsigned long cmd;
		void *arg = buf;
		size_t j;

		for (j = 0; j < sizeof(buf); j++)
			buf[j] = random() % 4 ? 0 : random();	/* mostly zeros: reach deeper */
		switch (random() % 16) {
		case 0:
			cmd = random();			/* any number at all */
			break;
		case 1:
			cmd = cmds[random() % (sizeof(cmds) / sizeof(cmds[0]))] ^ (1UL << (random() % 32));
			break;
		default:
			cmd = cmds[random() % (sizeof(cmds) / sizeof(cmds[0]))];
		}
		if (cmd == PCIEM_IOCTL_SET_CONFIG) {
			/* never the ID of a real driver */
			buf[0] = 0x34;
			buf[1] = 0x12;
			buf[2] = 0xf0;
			buf[3] = 0xff;
		}
		if (cmd == PCIEM_IOCTL_TRACE_SUBSCRIBE && random() % 2) {
			/* a real subscription now and then, of a small ring */
			unsigned long long size = 65536;

			memcpy(buf, &size, sizeof(size));
		}
		if (cmd == PCIEM_IOCTL_ADD_BAR && random() % 2) {
			/* plausible sizes, so BARs get created */
			unsigned long long size = 4096ULL << (random() % 8);

			memcpy(buf + 8, &size, sizeof(size));
			buf[0] %= 6;
		}
		if (cmd == PCIEM_IOCTL_ADD_CAPABILITY && random() % 2) {
			/* an MSI-X capability, its layout small random numbers */
			struct pciem_cap_msix_userspace x = {
				.table_size = random() % 40, .table_bar = random() % 7,
				.pba_bar = random() % 7, .table_offset = 8 * (random() % 600),
				.pba_offset = 8 * (random() % 600),
			};

			memset(buf, 0, sizeof(struct pciem_cap_config));
			((struct pciem_cap_config *)buf)->cap_type = PCIEM_CAP_MSIX;
			((struct pciem_cap_config *)buf)->cap_size = sizeof(x);
			memcpy(((struct pciem_cap_config *)buf)->cap_data, &x, sizeof(x));
		}
		if (random() % 64 == 0)
			arg = (void *)(random() % 2 ? 8UL : 0xffff800000000000UL);
		r = ioctl(fds[k], cmd, arg);
		if (r < 0) {
			if (!documented(errno)) {
				printf("FAIL random #%ld: ioctl %#lx gave undocumented %s\n", n, cmd,
				       strerror(errno));
				failures++;
			}
			errs++;
		} else {
			ok++;
			if (cmd == PCIEM_IOCTL_REGISTER)
				close(r);
		}
		if (random() % 32 == 0) {
			void *p = mmap(NULL, 4096 << (random() % 7), PROT_READ | PROT_WRITE,
				       random() % 4 ? MAP_SHARED : MAP_PRIVATE, fds[k],
				       random() % 8 ? 0 : 4096);
			if (p != MAP_FAILED)
				munmap(p, 4096);
		}
		if (random() % 200 == 0) {
			close(fds[k]);
			fds[k] = open_dev();
		}
	}
	for (i = 0; i < 4; i++)
		close(fds[i]);
	printf("random run: seed %u, %ld calls, %ld succeeded, %ld refused\n", seed, count, ok,
	       errs);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "table")) {
		table();
	} else if (argc == 4 && !strcmp(argv[1], "random")) {
		random_run(strtoul(argv[2], NULL, 0), strtol(argv[3], NULL, 0));
	} else {
		fprintf(stderr, "usage: ioctl_check table | random SEED COUNT\n");
		return 2;
	}
	if (failures) {
		printf("%d failure(s)\n", failures);
		return 1;
	}
	return 0;
}
