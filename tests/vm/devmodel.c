// SPDX-License-Identifier: GPL-2.0
/*
 * devmodel: a configurable PCIem device model for the VM tests.  It creates
 * a device from its options, logs every ring event as one line (libpciem's
 * format) on stdout, and can inject interrupts on request.
 *
 *   devmodel [--id VID:DID] [--bar N:SIZE[:64][:pf]]... [--msi LOG2[:64][:mask]]
 *            [--msix N:TBAR:TOFF:PBAR:POFF] [--pcie] [--pm] [--intx]
 *            [--watch BAR:OFF:WIDTH]... [--ready-file PATH]
 *            [--irq-on-write BAR:OFF[:vec]] [--fill BAR:BYTE] [--quiet] [--no-eventfd]
 *            [--dump DIR] [--irq-storm] [--dma-on-write BAR:OFF]
 *            [--dma-repeat N] [--dma-data KIND] [--dma-time]
 *
 * --dma-on-write: a DMA engine.  The driver writes the bus address (low
 *          and high dwords) at OFF-12 and OFF-8, the length at OFF-4, then
 *          a command at OFF: 1, the device writes LEN bytes (byte i is
 *          (i + 7) & 0xff) to host memory; 2, it reads LEN bytes and prints
 *          "dma read sum S" (their sum).  Each prints "dma CMD ok" or
 *          "dma CMD failed: ERROR".  --dma-repeat N: each command is
 *          carried out N times (the outcome printed is the last one's).
 *          --dma-data KIND: what command 1 writes instead of the pattern:
 *          "random", pseudo-random bytes new for each transfer (data that
 *          neither compresses nor repeats); "random-once", pseudo-random
 *          bytes that are the same for every transfer (data that repeats);
 *          "nibbles", bytes 'a' to 'p' chosen at random, new for each
 *          transfer (half of each byte is entropy: data that compresses
 *          by about half and does not repeat).  The bytes are made before
 *          each transfer's ioctl, outside --dma-time's time.
 *          --dma-time: before the outcome, print "dma time NS", the
 *          nanoseconds (CLOCK_MONOTONIC) spent inside the N ioctls.
 * --msix: an MSI-X capability with N vectors, its table at TOFF of BAR
 *          TBAR and its pending bits at POFF of BAR PBAR.
 * --intx: the device has interrupt pin INTA.
 * --irq-on-write: inject vector 0 each time the driver writes there (with
 *          ":vec", the vector the value written names), and print
 *          "irq N delivered" or "irq N pending".
 * --fill: fill BAR memory with BYTE after REGISTER (reads see it).
 * --stall: consume nothing until SIGTERM/SIGINT, then drain the ring and
 *          print "drained N first SEQ last SEQ" before the lost count.
 * --full-trap: trap reads too (PCIEM_TRAP_FULL), set before REGISTER.
 * --no-eventfd: register no eventfd; look at the ring every 100 ms instead
 *          (a model that is not woken per event).
 * --dump DIR: on SIGWINCH write each BAR's memory to DIR/barN, then print
 *          "dumped".
 * --irq-storm: inject vector 0 over and over, never waiting; failed
 *          injections are counted, not fatal; at the end prints
 *          "storm delivered N pending N failed N".
 * SIGUSR1 injects vector 0; SIGUSR2 toggles full trap on every BAR and
 * prints "trap full" or "trap writes"; SIGHUP unmaps everything and closes
 * every descriptor of the device (the device goes away while the process
 * lives on), prints "closed" and then waits for SIGTERM/SIGINT;
 * SIGTERM/SIGINT exit 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "pciem.h"

static void die(const char *what)
{
	fprintf(stderr, "devmodel: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage_error(const char *msg)
{
	fprintf(stderr, "devmodel: %s (see the comment at the top of devmodel.c)\n", msg);
	exit(2);
}

static uint32_t reg32(volatile uint8_t *bar, unsigned long off)
{
	return *(volatile uint32_t *)(bar + off);
}

/* --dma-data: what a device write (command 1) carries */
enum dma_data { DATA_PATTERN, DATA_RANDOM, DATA_RANDOM_ONCE, DATA_NIBBLES };

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

/* xorshift64*: fast and good enough to defeat a compressor */
static uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static void dma_fill(uint8_t *buf, uint32_t len, enum dma_data kind)
{
	uint64_t r = 0;
	uint32_t i;

	if (kind == DATA_RANDOM_ONCE)
		rng_state = 0x9e3779b97f4a7c15ULL;
	for (i = 0; i < len; i++) {
		switch (kind) {
		case DATA_PATTERN:
			buf[i] = (uint8_t)(i + 7);
			break;
		case DATA_RANDOM:
		case DATA_RANDOM_ONCE:
			if (i % 8 == 0)
				r = rng_next();
			buf[i] = (uint8_t)(r >> (i % 8 * 8));
			break;
		case DATA_NIBBLES:
			if (i % 16 == 0)
				r = rng_next();
			buf[i] = 'a' + (uint8_t)((r >> (i % 16 * 4)) & 15);
			break;
		}
	}
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

/* --dma-on-write: command @cmd, its arguments in the registers before @off. */
static void dma_command(int fd, volatile uint8_t *bar, unsigned long off, uint64_t cmd,
			int repeat, enum dma_data kind, int timed)
{
	struct pciem_dma d = {
		.bus_addr = reg32(bar, off - 12) | (uint64_t)reg32(bar, off - 8) << 32,
		.len = reg32(bar, off - 4),
		.flags = cmd == 1 ? PCIEM_DMA_TO_HOST : PCIEM_DMA_FROM_HOST,
	};
	unsigned long long sum = 0;
	uint8_t *buf = malloc(d.len ? d.len : 1);
	uint64_t spent = 0, t0;
	uint32_t i;
	int r;

	if (!buf)
		die("malloc");
	dma_fill(buf, d.len, kind);
	d.user_addr = (uintptr_t)buf;
	for (;;) {
		t0 = now_ns();
		r = ioctl(fd, PCIEM_IOCTL_DMA, &d);
		spent += now_ns() - t0;
		if (--repeat == 0)
			break;
		if (cmd == 1 && kind != DATA_PATTERN && kind != DATA_RANDOM_ONCE)
			dma_fill(buf, d.len, kind);
	}
	if (timed)
		printf("dma time %llu\n", (unsigned long long)spent);
	if (r) {
		printf("dma %llu failed: %s\n", (unsigned long long)cmd, strerror(errno));
	} else {
		if (cmd != 1) {
			for (i = 0; i < d.len; i++)
				sum += buf[i];
			printf("dma read sum %llu\n", sum);
		}
		printf("dma %llu ok\n", (unsigned long long)cmd);
	}
	free(buf);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "id", required_argument, NULL, 'i' },
		{ "bar", required_argument, NULL, 'b' },
		{ "msi", required_argument, NULL, 'm' },
		{ "msix", required_argument, NULL, 'X' },
		{ "pcie", no_argument, NULL, 'e' },
		{ "pm", no_argument, NULL, 'p' },
		{ "intx", no_argument, NULL, 'x' },
		{ "watch", required_argument, NULL, 'w' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ "irq-on-write", required_argument, NULL, 'I' },
		{ "fill", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-eventfd", no_argument, NULL, 'E' },
		{ "stall", no_argument, NULL, 's' },
		{ "full-trap", no_argument, NULL, 't' },
		{ "dump", required_argument, NULL, 'D' },
		{ "irq-storm", no_argument, NULL, 'S' },
		{ "dma-on-write", required_argument, NULL, 'M' },
		{ "dma-repeat", required_argument, NULL, 'R' },
		{ "dma-data", required_argument, NULL, 'K' },
		{ "dma-time", no_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	struct pciem_config_space cfg = {
		.vendor_id = 0x1234, .device_id = 0x0e01,
		.subsys_vendor_id = 0x1234, .subsys_device_id = 0x0e01,
		.class_code = { 0x00, 0x00, 0xff },
	};
	struct pciem_bar_config bars[6];
	struct pciem_watchpoint_config wps[8];
	struct pciem_cap_config caps[4];
	int nbars = 0, nwps = 0, ncaps = 0;
	const char *ready = NULL, *dump = NULL;
	int storm = 0;
	unsigned long long storm_n[3] = { 0, 0, 0 };
	int irq_bar = -1, fill_bar = -1, fill_byte = 0, quiet = 0, stall = 0, full = 0, no_efd = 0;
	int irq_vec = 0, dma_bar = -1, dma_repeat = 1, dma_timed = 0;
	enum dma_data dma_kind = DATA_PATTERN;
	unsigned long dma_off = 0;
	unsigned long irq_off = 0;
	int c, fd, ifd, efd, sfd, i;

	memset(caps, 0, sizeof(caps));
	while ((c = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
		unsigned int a, b;
		unsigned long long size;
		char flags[32] = "";

		if (ncaps == 4 && strchr("mXep", c))
			usage_error("a capability given twice");
		switch (c) {
		case 'i':
			if (sscanf(optarg, "%x:%x", &a, &b) != 2)
				usage_error("bad --id");
			cfg.vendor_id = cfg.subsys_vendor_id = a;
			cfg.device_id = cfg.subsys_device_id = b;
			break;
		case 'b':
			if (nbars == 6 || sscanf(optarg, "%u:%lli%31s", &a, &size, flags) < 2)
				usage_error("bad --bar");
			memset(&bars[nbars], 0, sizeof(bars[0]));
			bars[nbars].bar_index = a;
			bars[nbars].size = size;
			bars[nbars].flags = PCI_BASE_ADDRESS_SPACE_MEMORY |
				(strstr(flags, ":64") ? PCI_BASE_ADDRESS_MEM_TYPE_64 :
							PCI_BASE_ADDRESS_MEM_TYPE_32) |
				(strstr(flags, ":pf") ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0);
			nbars++;
			break;
		case 'm': {
			struct pciem_cap_msi_userspace msi = { 0 };

			if (sscanf(optarg, "%u%31s", &a, flags) < 1)
				usage_error("bad --msi");
			msi.num_vectors_log2 = a;
			msi.has_64bit = !!strstr(flags, ":64");
			msi.has_masking = !!strstr(flags, ":mask");
			caps[ncaps].cap_type = PCIEM_CAP_MSI;
			caps[ncaps].cap_size = sizeof(msi);
			memcpy(caps[ncaps++].cap_data, &msi, sizeof(msi));
			break;
		}
		case 'M':
			if (sscanf(optarg, "%d:%li", &dma_bar, &dma_off) != 2 || dma_off < 12)
				usage_error("bad --dma-on-write");
			break;
		case 'R':
			dma_repeat = atoi(optarg);
			if (dma_repeat < 1)
				usage_error("bad --dma-repeat");
			break;
		case 'K':
			if (!strcmp(optarg, "random"))
				dma_kind = DATA_RANDOM;
			else if (!strcmp(optarg, "random-once"))
				dma_kind = DATA_RANDOM_ONCE;
			else if (!strcmp(optarg, "nibbles"))
				dma_kind = DATA_NIBBLES;
			else
				usage_error("bad --dma-data");
			break;
		case 'T':
			dma_timed = 1;
			break;
		case 'X': {
			struct pciem_cap_msix_userspace x = { 0 };
			unsigned int n, tb, pb, to, po;

			if (sscanf(optarg, "%u:%u:%i:%u:%i", &n, &tb, &to, &pb, &po) != 5)
				usage_error("bad --msix");
			x.table_size = n;
			x.table_bar = tb;
			x.table_offset = to;
			x.pba_bar = pb;
			x.pba_offset = po;
			caps[ncaps].cap_type = PCIEM_CAP_MSIX;
			caps[ncaps].cap_size = sizeof(x);
			memcpy(caps[ncaps++].cap_data, &x, sizeof(x));
			break;
		}
		case 'e':
			caps[ncaps].cap_type = PCIEM_CAP_PCIE;
			caps[ncaps++].cap_size = sizeof(struct pciem_cap_pcie_userspace);
			break;
		case 'x':
			cfg.interrupt_pin = 1;
			break;
		case 'p':
			caps[ncaps].cap_type = PCIEM_CAP_PM;
			caps[ncaps++].cap_size = sizeof(struct pciem_cap_pm_userspace);
			break;
		case 'w': {
			unsigned int bar, off, width;

			if (nwps == 8 || sscanf(optarg, "%u:%i:%u", &bar, &off, &width) != 3)
				usage_error("bad --watch");
			memset(&wps[nwps], 0, sizeof(wps[0]));
			wps[nwps].bar_index = bar;
			wps[nwps].offset = off;
			wps[nwps].width = width;
			wps[nwps++].flags = PCIEM_WP_FLAG_BAR_KPROBES;
			break;
		}
		case 'r':
			ready = optarg;
			break;
		case 'I':
			if (sscanf(optarg, "%d:%li%31s", &irq_bar, &irq_off, flags) < 2)
				usage_error("bad --irq-on-write");
			irq_vec = !strcmp(flags, ":vec");
			break;
		case 'f':
			if (sscanf(optarg, "%d:%i", &fill_bar, &fill_byte) != 2)
				usage_error("bad --fill");
			break;
		case 'q':
			quiet = 1;
			break;
		case 'E':
			no_efd = 1;
			break;
		case 's':
			stall = 1;
			break;
		case 't':
			full = 1;
			break;
		case 'D':
			dump = optarg;
			break;
		case 'S':
			storm = 1;
			break;
		default:
			usage_error("bad option");
		}
	}

	fd = open(PCIEM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("open " PCIEM_DEVICE_PATH);
	struct pciem_create_device create = { 0 };
	if (ioctl(fd, PCIEM_IOCTL_CREATE_DEVICE, &create))
		die("CREATE_DEVICE");
	for (i = 0; i < nbars; i++)
		if (ioctl(fd, PCIEM_IOCTL_ADD_BAR, &bars[i]))
			die("ADD_BAR");
	for (i = 0; i < ncaps; i++)
		if (ioctl(fd, PCIEM_IOCTL_ADD_CAPABILITY, &caps[i]))
			die("ADD_CAPABILITY");
	if (ioctl(fd, PCIEM_IOCTL_SET_CONFIG, &cfg))
		die("SET_CONFIG");
	for (i = 0; i < nwps; i++)
		if (ioctl(fd, PCIEM_IOCTL_SET_WATCHPOINT, &wps[i]))
			die("SET_WATCHPOINT");

	struct pciem_shared_ring *ring = mmap(NULL, sizeof(*ring), PROT_READ | PROT_WRITE,
					      MAP_SHARED, fd, 0);
	if (ring == MAP_FAILED)
		die("mmap ring");
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct pciem_eventfd_config ecfg = { .eventfd = efd };
	if (efd < 0 || (!no_efd && ioctl(fd, PCIEM_IOCTL_SET_EVENTFD, &ecfg)))
		die("SET_EVENTFD");

	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGWINCH);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0)
		die("signalfd");

	struct pciem_trap_mode trap = { .mode = full ? PCIEM_TRAP_FULL : PCIEM_TRAP_WRITES };
	if (ioctl(fd, PCIEM_IOCTL_SET_TRAP_MODE, &trap))
		die("SET_TRAP_MODE");
	ifd = ioctl(fd, PCIEM_IOCTL_REGISTER, 0);
	if (ifd < 0)
		die("REGISTER");

	volatile uint8_t *barmem[6] = { 0 };
	size_t barsize[6] = { 0 };
	for (i = 0; i < nbars; i++) {
		struct pciem_bar_info_query q = { .bar_index = bars[i].bar_index };

		if (ioctl(fd, PCIEM_IOCTL_GET_BAR_INFO, &q))
			die("GET_BAR_INFO");
		barmem[q.bar_index] = mmap(NULL, q.size, PROT_READ | PROT_WRITE, MAP_SHARED, ifd,
					   PCIEM_BAR_MMAP_OFFSET(q.bar_index));
		if (barmem[q.bar_index] == MAP_FAILED)
			die("mmap BAR");
		barsize[q.bar_index] = q.size;
		if ((int)q.bar_index == fill_bar)
			memset((void *)barmem[q.bar_index], fill_byte, q.size);
	}

	struct pciem_device_info info;
	char addr[32];
	if (ioctl(fd, PCIEM_IOCTL_GET_DEVICE_INFO, &info))
		die("GET_DEVICE_INFO");
	pciem_format_address(addr, sizeof(addr), &info);
	if (ready) {
		char tmp[4096];
		FILE *f;

		snprintf(tmp, sizeof(tmp), "%s.tmp", ready);
		f = fopen(tmp, "w");
		if (!f || fprintf(f, "%s\n", addr) < 0 || fclose(f) || rename(tmp, ready))
			die("ready file");
	}
	if (!quiet)
		printf("registered %s\n", addr);
	fflush(stdout);

	for (;;) {
		struct pollfd p[2] = { { .fd = efd, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };
		struct pciem_event ev;
		int r = 0;

		while (!stall && (r = pciem_ring_pop(ring, &ev)) == 1) {
			char line[256];

			if (!quiet) {
				pciem_event_format(line, sizeof(line), &ev);
				printf("%s\n", line);
			}
			if (ev.type == PCIEM_EVENT_MMIO_WRITE && (int)ev.bar == dma_bar &&
			    ev.offset == dma_off && barmem[dma_bar])
				dma_command(fd, barmem[dma_bar], dma_off, ev.data, dma_repeat,
					    dma_kind, dma_timed);
			if (ev.type == PCIEM_EVENT_MMIO_WRITE && (int)ev.bar == irq_bar &&
			    ev.offset == irq_off) {
				struct pciem_irq_inject irq = {
					.vector = irq_vec ? (__u32)ev.data : 0,
				};

				if (ioctl(fd, PCIEM_IOCTL_INJECT_IRQ, &irq))
					die("INJECT_IRQ");
				if (!quiet)
					printf("irq %u %s\n", irq.vector,
					       irq.status == PCIEM_IRQ_DELIVERED ? "delivered" : "pending");
			}
		}
		if (r < 0)
			die("ring");
		fflush(stdout);
		if (storm) {
			struct pciem_irq_inject irq = { .vector = 0 };

			if (ioctl(fd, PCIEM_IOCTL_INJECT_IRQ, &irq))
				storm_n[2]++;
			else
				storm_n[irq.status == PCIEM_IRQ_DELIVERED ? 0 : 1]++;
		}
		if (poll(p, 2, storm ? 0 : no_efd ? 100 : -1) < 0 && errno != EINTR)
			die("poll");
		if (p[0].revents) {
			uint64_t n;

			if (read(efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
				die("read eventfd");
		}
		if (p[1].revents) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				die("read signalfd");
			if (si.ssi_signo == SIGUSR2) {
				trap.mode = trap.mode == PCIEM_TRAP_FULL ? PCIEM_TRAP_WRITES :
									   PCIEM_TRAP_FULL;
				if (ioctl(fd, PCIEM_IOCTL_SET_TRAP_MODE, &trap))
					die("SET_TRAP_MODE");
				printf("trap %s\n", trap.mode == PCIEM_TRAP_FULL ? "full" : "writes");
				fflush(stdout);
				continue;
			}
			if (si.ssi_signo == SIGWINCH) {
				for (i = 0; dump && i < 6; i++) {
					char path[4096];
					FILE *f;

					if (!barmem[i])
						continue;
					snprintf(path, sizeof(path), "%s/bar%d", dump, i);
					f = fopen(path, "w");
					if (!f || fwrite((const void *)barmem[i], 1, barsize[i], f) != barsize[i] ||
					    fclose(f))
						die("--dump");
				}
				printf(dump ? "dumped\n" : "no --dump\n");
				fflush(stdout);
				continue;
			}
			if (si.ssi_signo == SIGHUP) {
				for (i = 0; i < 6; i++)
					if (barmem[i] && munmap((void *)barmem[i], barsize[i]))
						die("munmap BAR");
				if (munmap(ring, sizeof(*ring)) || close(ifd) || close(fd) || close(efd))
					die("closing the device");
				printf("closed\n");
				fflush(stdout);
				for (;;) {
					if (read(sfd, &si, sizeof(si)) != sizeof(si))
						die("read signalfd");
					if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
						return 0;
				}
			}
			if (si.ssi_signo == SIGUSR1) {
				struct pciem_irq_inject irq = { .vector = 0 };

				if (ioctl(fd, PCIEM_IOCTL_INJECT_IRQ, &irq))
					die("INJECT_IRQ");
				printf("irq 0 %s\n", irq.status == PCIEM_IRQ_DELIVERED ?
				       "delivered" : "pending");
				continue;
			}
			break;
		}
	}
	if (stall) {
		struct pciem_event ev;
		unsigned long long n = 0, first = 0, last = 0;

		while (pciem_ring_pop(ring, &ev) == 1) {
			if (n && ev.seq != last + 1)
				printf("gap after %llu\n", last);
			if (!n)
				first = ev.seq;
			last = ev.seq;
			n++;
		}
		printf("drained %llu first %llu last %llu\n", n, first, last);
	}
	if (storm)
		printf("storm delivered %llu pending %llu failed %llu\n", storm_n[0], storm_n[1],
		       storm_n[2]);
	printf("lost %llu\n", (unsigned long long)pciem_ring_lost(ring));
	return 0;
}
