// SPDX-License-Identifier: GPL-2.0
/*
 * replayer: a minimal replayer for the VM tests of the kernel's replay
 * engine, over hand-written or generated sequences (pciem-replay is the
 * tool, over trace files).  It re-creates a device, puts it in replay
 * mode, streams an expected event sequence to the kernel, and prints the
 * divergences the kernel reports and, at the end, the replay's status.
 *
 *   replayer [--device DESC] [--events FILE [--domain D] | --loop BAR:OFF:COUNT:TAG]
 *            [--match strict|register] [--on-divergence stop|continue]
 *            [--timing asap|recorded] [--config-writes] [--fifo N]
 *            [--window N] [--wait-us N] [--chunk N] [--no-end]
 *            [--ready-file PATH]
 *
 * --device: a struct pciem_trace_device (tracecat --dump-device): the
 *   device gets its BARs and its config space (SET_CONFIG_IMAGE).  Without
 *   it: 1234:0e01 with a 4 KiB BAR 0 and one 64-bit MSI vector.
 * --events: a tracecat log (the EVENT lines of domain D, by default of the
 *   first DEVICE line's domain) or lines of this form ('#' starts a comment
 *   line):
 *       r BAR OFF SIZE VALUE       an MMIO read answering VALUE
 *       w BAR OFF SIZE VALUE       an MMIO write
 *       cw OFF SIZE VALUE          a config write
 *       irq VECTOR [DELAY_NS]      an interrupt, DELAY_NS after the event
 *                                  before it (1 us if not given)
 *       lc KIND                    a lifecycle marker (PCIEM_LC_*)
 * --loop: COUNT times "w BAR OFF 4 (TAG << 24 | i)" then "r BAR OFF 4
 *   ((TAG + 1) << 24 | i)": the test driver's loop command, with reads
 *   answered by values the driver never wrote.
 * --no-end: never give REPLAY_END.
 * --chunk: events per REPLAY_FEED call (default 256).
 *
 * Prints "registered ADDR", one "DIVERGENCE ..." line per divergence, a
 * "state NAME" line at each state change and, on SIGTERM or SIGINT (or
 * SIGUSR1, which does not end it), one "STATUS ..." line.  Exit status:
 * 0 with no divergence, 1 with divergences, 2 usage, 3 a system error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "pciem.h"

static void die(const char *what)
{
	fprintf(stderr, "replayer: %s: %s\n", what, strerror(errno));
	exit(3);
}

static void usage_error(const char *msg)
{
	fprintf(stderr, "replayer: %s (see the comment at the top of replayer.c)\n", msg);
	exit(2);
}

/* ---- where the expected events come from -------------------------------- */

struct source {
	FILE *f;
	int have_domain;
	unsigned int domain;
	unsigned long long ts;		/* simple format: made-up timestamps */
	unsigned long long seq;
	unsigned long line;
	/* --loop */
	int loop;
	unsigned int loop_bar, loop_tag;
	unsigned long long loop_off, loop_n, loop_i;
};

static uint32_t type_of(const char *name)
{
	static const uint32_t types[] = {
		PCIEM_EVENT_MMIO_READ, PCIEM_EVENT_MMIO_WRITE, PCIEM_EVENT_CONFIG_READ,
		PCIEM_EVENT_CONFIG_WRITE, PCIEM_EVENT_WATCHPOINT, PCIEM_EVENT_UNSUPPORTED,
		PCIEM_EVENT_IRQ, PCIEM_EVENT_LIFECYCLE,
	};
	unsigned int i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(name, pciem_event_type_name(types[i])))
			return types[i];
	return 0;
}

static void bad_line(struct source *s, const char *text)
{
	fprintf(stderr, "replayer: line %lu: cannot read \"%s\"\n", s->line, text);
	exit(2);
}

/* 1 and *ev, or 0 at the end. */
static int source_next(struct source *s, struct pciem_event *ev)
{
	char *line = NULL;
	size_t cap = 0;

	memset(ev, 0, sizeof(*ev));
	if (s->loop) {
		unsigned long long i = s->loop_i / 2;

		if (s->loop_i == 2 * s->loop_n)
			return 0;
		ev->type = (s->loop_i & 1) ? PCIEM_EVENT_MMIO_READ : PCIEM_EVENT_MMIO_WRITE;
		ev->bar = s->loop_bar;
		ev->offset = s->loop_off;
		ev->size = 4;
		ev->data = (uint32_t)(((s->loop_tag + (s->loop_i & 1)) << 24) | (i & 0xffffff));
		ev->seq = s->loop_i++;
		ev->timestamp_ns = 1000 * ev->seq;
		return 1;
	}
	while (getline(&line, &cap, s->f) > 0) {
		char name[32], *p = line;
		unsigned int dom, a, b, size, flags;
		unsigned long long seq, off, data, ts;
		int n;

		s->line++;
		p[strcspn(p, "\n")] = 0;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			continue;
		if (sscanf(p, "DEVICE %x", &dom) == 1) {
			if (!s->have_domain) {
				s->domain = dom;
				s->have_domain = 1;
			}
			continue;
		}
		if (!strncmp(p, "EVENT ", 6)) {
			n = sscanf(p, "EVENT %x #%llu %31s bar%u+0x%llx %u 0x%llx flags 0x%x ts %llu",
				   &dom, &seq, name, &a, &off, &size, &data, &flags, &ts);
			if (n < 8)
				bad_line(s, p);
			if (!s->have_domain) {
				s->domain = dom;
				s->have_domain = 1;
			}
			if (dom != s->domain)
				continue;
			ev->type = type_of(name);
			if (!ev->type)
				bad_line(s, p);
			ev->seq = seq;
			ev->bar = a;
			ev->offset = off;
			ev->size = size;
			ev->data = data;
			ev->flags = flags;
			ev->timestamp_ns = n == 9 ? ts : 0;
			free(line);
			return 1;
		}
		if (!strncmp(p, "LOST ", 5) || !strncmp(p, "lost ", 5) || !strncmp(p, "RECORD ", 7))
			continue;
		ev->seq = s->seq++;
		s->ts += 1000;
		if (sscanf(p, "r %u %lli %u %lli", &a, (long long *)&off, &size,
			   (long long *)&data) == 4) {
			ev->type = PCIEM_EVENT_MMIO_READ;
		} else if (sscanf(p, "w %u %lli %u %lli", &a, (long long *)&off, &size,
				  (long long *)&data) == 4) {
			ev->type = PCIEM_EVENT_MMIO_WRITE;
		} else if (sscanf(p, "cw %lli %u %lli", (long long *)&off, &size,
				  (long long *)&data) == 3) {
			ev->type = PCIEM_EVENT_CONFIG_WRITE;
			a = 0;
		} else if ((n = sscanf(p, "irq %u %llu", &b, &ts)) >= 1) {
			ev->type = PCIEM_EVENT_IRQ;
			ev->data = b;
			if (n == 2)
				s->ts += ts - 1000;
			ev->timestamp_ns = s->ts;
			free(line);
			return 1;
		} else if (sscanf(p, "lc %u", &b) == 1) {
			ev->type = PCIEM_EVENT_LIFECYCLE;
			ev->offset = b;
			ev->timestamp_ns = s->ts;
			free(line);
			return 1;
		} else {
			bad_line(s, p);
		}
		ev->bar = a;
		ev->offset = off;
		ev->size = size;
		ev->data = data;
		ev->timestamp_ns = s->ts;
		free(line);
		return 1;
	}
	free(line);
	return 0;
}

/* ---- output ---------------------------------------------------------------------- */

static const char *state_name(uint32_t st)
{
	switch (st) {
	case PCIEM_REPLAY_RUNNING: return "running";
	case PCIEM_REPLAY_DONE: return "done";
	case PCIEM_REPLAY_DIVERGED: return "diverged";
	case PCIEM_REPLAY_OVERRUN: return "overrun";
	default: return "unknown";
	}
}

static const char *kind_name(uint32_t k)
{
	switch (k) {
	case PCIEM_DIV_MISMATCH: return "mismatch";
	case PCIEM_DIV_PAST_END: return "past-end";
	case PCIEM_DIV_OVERRUN: return "overrun";
	case PCIEM_DIV_UNSUPPORTED: return "unsupported";
	default: return "unknown";
	}
}

static void print_ev(const struct pciem_event *e)
{
	if (!e->type) {
		printf("none");
		return;
	}
	printf("%s bar%u+0x%llx %u 0x%llx", pciem_event_type_name(e->type), e->bar,
	       (unsigned long long)e->offset, e->size, (unsigned long long)e->data);
}

static void print_divergence(const struct pciem_replay_divergence *d)
{
	char sym[128];

	printf("DIVERGENCE #%llu %s index %llu expected ", (unsigned long long)d->number,
	       kind_name(d->kind), (unsigned long long)d->index);
	print_ev(&d->expected);
	if (d->expected.type)
		printf(" seq %llu", (unsigned long long)d->expected.seq);
	printf(" actual ");
	print_ev(&d->actual);
	printf(" ip 0x%llx", (unsigned long long)d->actual.ip);
	if (!pciem_divergence_symbol(sym, sizeof(sym), d))
		printf(" %s", sym);
	printf(" cpu %u pid %u%s\n", d->actual.cpu, d->actual.pid,
	       (d->flags & PCIEM_DIV_F_RESYNC) ? " resync" : "");
}

static void drain_divergences(int fd)
{
	struct pciem_replay_divergence d[8];
	ssize_t n;
	int i;

	while ((n = read(fd, d, sizeof(d))) > 0)
		for (i = 0; i < n / (ssize_t)sizeof(d[0]); i++)
			print_divergence(&d[i]);
	if (n < 0 && errno != EAGAIN)
		die("read divergences");
}

static void print_status(const struct pciem_replay_status *st)
{
	printf("STATUS state %s%s fed %llu consumed %llu left %llu matched %llu irqs %llu "
	       "irq_errors %llu passed_over %llu polls_extra %llu polls_skipped %llu "
	       "skipped %llu divergences %llu div_dropped %llu\n",
	       state_name(st->state), (st->flags & PCIEM_REPLAY_ST_ENDED) ? " ended" : "",
	       (unsigned long long)st->fed, (unsigned long long)st->consumed,
	       (unsigned long long)st->left, (unsigned long long)st->matched,
	       (unsigned long long)st->irqs, (unsigned long long)st->irq_errors,
	       (unsigned long long)st->passed_over, (unsigned long long)st->polls_extra,
	       (unsigned long long)st->polls_skipped, (unsigned long long)st->skipped,
	       (unsigned long long)st->divergences, (unsigned long long)st->div_dropped);
}

/* ---- feeding --------------------------------------------------------------------- */

struct feeder {
	struct source *src;
	struct pciem_event *buf;
	int chunk, n, off, eof, ended, no_end;
	unsigned long long fed;
};

/* Feeds until the FIFO is full or the source is exhausted (then END). */
static void feed(int fd, struct feeder *fe)
{
	for (;;) {
		struct pciem_replay_feed f = { 0 };
		int r;

		while (fe->n < fe->chunk && !fe->eof) {
			if (source_next(fe->src, &fe->buf[fe->n]))
				fe->n++;
			else
				fe->eof = 1;
		}
		if (fe->off == fe->n) {
			if (fe->eof && !fe->ended && !fe->no_end) {
				if (ioctl(fd, PCIEM_IOCTL_REPLAY_END, 0))
					die("REPLAY_END");
				fe->ended = 1;
			}
			return;
		}
		f.events = (uintptr_t)(fe->buf + fe->off);
		f.count = fe->n - fe->off;
		r = ioctl(fd, PCIEM_IOCTL_REPLAY_FEED, &f);
		if (r < 0) {
			if (errno == EAGAIN)
				return;
			if (errno == EINVAL)
				fprintf(stderr, "replayer: event %llu refused\n", fe->fed);
			die("REPLAY_FEED");
		}
		fe->off += r;
		fe->fed += r;
		if (fe->off == fe->n)
			fe->off = fe->n = 0;
	}
}

/* ---- the device -------------------------------------------------------------------- */

static void create_device(int fd, const char *desc_path)
{
	struct pciem_create_device create = { 0 };
	int i;

	if (ioctl(fd, PCIEM_IOCTL_CREATE_DEVICE, &create))
		die("CREATE_DEVICE");
	if (desc_path) {
		static struct pciem_trace_device d;
		struct pciem_config_image img = { 0 };
		FILE *f = fopen(desc_path, "r");

		if (!f || fread(&d, sizeof(d), 1, f) != 1)
			die(desc_path);
		fclose(f);
		for (i = 0; i < 6; i++) {
			struct pciem_bar_config b = { .bar_index = i };

			if (!d.bars[i].size)
				continue;
			b.size = d.bars[i].size;
			b.flags = d.bars[i].flags;
			if (ioctl(fd, PCIEM_IOCTL_ADD_BAR, &b))
				die("ADD_BAR");
		}
		img.data = (uintptr_t)d.config;
		if (ioctl(fd, PCIEM_IOCTL_SET_CONFIG_IMAGE, &img))
			die("SET_CONFIG_IMAGE");
	} else {
		struct pciem_bar_config b = { .bar_index = 0, .size = 4096 };
		struct pciem_cap_msi_userspace msi = { .has_64bit = 1 };
		struct pciem_cap_config cap = { .cap_type = PCIEM_CAP_MSI, .cap_size = sizeof(msi) };
		struct pciem_config_space cfg = {
			.vendor_id = 0x1234, .device_id = 0x0e01,
			.subsys_vendor_id = 0x1234, .subsys_device_id = 0x0e01,
			.class_code = { 0x00, 0x00, 0xff },
		};

		memcpy(cap.cap_data, &msi, sizeof(msi));
		if (ioctl(fd, PCIEM_IOCTL_ADD_BAR, &b))
			die("ADD_BAR");
		if (ioctl(fd, PCIEM_IOCTL_ADD_CAPABILITY, &cap))
			die("ADD_CAPABILITY");
		if (ioctl(fd, PCIEM_IOCTL_SET_CONFIG, &cfg))
			die("SET_CONFIG");
	}
}

static unsigned long num(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || end == s)
		usage_error(what);
	return v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "events", required_argument, NULL, 'e' },
		{ "domain", required_argument, NULL, 'D' },
		{ "loop", required_argument, NULL, 'l' },
		{ "match", required_argument, NULL, 'm' },
		{ "on-divergence", required_argument, NULL, 'o' },
		{ "timing", required_argument, NULL, 't' },
		{ "config-writes", no_argument, NULL, 'c' },
		{ "fifo", required_argument, NULL, 'f' },
		{ "window", required_argument, NULL, 'w' },
		{ "wait-us", required_argument, NULL, 'W' },
		{ "chunk", required_argument, NULL, 'C' },
		{ "no-end", no_argument, NULL, 'n' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct pciem_replay_start start = { 0 };
	struct pciem_replay_status st;
	struct source src = { 0 };
	struct feeder fe = { .src = &src, .chunk = 256 };
	const char *desc = NULL, *events = NULL, *ready = NULL;
	uint32_t shown_state = PCIEM_REPLAY_RUNNING;
	struct pciem_device_info info;
	char addr[32];
	sigset_t mask;
	int c, fd, ifd, sfd, stop = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			desc = optarg;
			break;
		case 'e':
			events = optarg;
			break;
		case 'D':
			src.domain = strtoul(optarg, NULL, 16);
			src.have_domain = 1;
			break;
		case 'l':
			if (sscanf(optarg, "%u:%lli:%llu:%u", &src.loop_bar,
				   (long long *)&src.loop_off, &src.loop_n, &src.loop_tag) != 4)
				usage_error("bad --loop");
			src.loop = 1;
			break;
		case 'm':
			if (!strcmp(optarg, "strict"))
				start.match = PCIEM_REPLAY_MATCH_STRICT;
			else if (!strcmp(optarg, "register"))
				start.match = PCIEM_REPLAY_MATCH_REGISTER;
			else
				usage_error("bad --match");
			break;
		case 'o':
			if (!strcmp(optarg, "stop"))
				start.on_divergence = PCIEM_REPLAY_DIV_STOP;
			else if (!strcmp(optarg, "continue"))
				start.on_divergence = PCIEM_REPLAY_DIV_CONTINUE;
			else
				usage_error("bad --on-divergence");
			break;
		case 't':
			if (!strcmp(optarg, "asap"))
				start.timing = PCIEM_REPLAY_TIMING_ASAP;
			else if (!strcmp(optarg, "recorded"))
				start.timing = PCIEM_REPLAY_TIMING_RECORDED;
			else
				usage_error("bad --timing");
			break;
		case 'c':
			start.flags |= PCIEM_REPLAY_F_CONFIG_WRITES;
			break;
		case 'f':
			start.fifo_events = num(optarg, "bad --fifo");
			break;
		case 'w':
			start.window = num(optarg, "bad --window");
			break;
		case 'W':
			start.wait_us = num(optarg, "bad --wait-us");
			break;
		case 'C':
			fe.chunk = num(optarg, "bad --chunk");
			if (fe.chunk < 1)
				usage_error("bad --chunk");
			break;
		case 'n':
			fe.no_end = 1;
			break;
		case 'r':
			ready = optarg;
			break;
		default:
			usage_error("bad option");
		}
	}
	if (!!events == !!src.loop)
		usage_error("give one of --events and --loop");
	if (events) {
		src.f = fopen(events, "r");
		if (!src.f)
			die(events);
	}
	fe.buf = calloc(fe.chunk, sizeof(*fe.buf));
	if (!fe.buf)
		die("calloc");

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0)
		die("signalfd");

	fd = open(PCIEM_DEVICE_PATH, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		die("open " PCIEM_DEVICE_PATH);
	create_device(fd, desc);
	if (ioctl(fd, PCIEM_IOCTL_REPLAY_START, &start))
		die("REPLAY_START");
	feed(fd, &fe);		/* the driver's probe finds the sequence there */
	ifd = ioctl(fd, PCIEM_IOCTL_REGISTER, 0);
	if (ifd < 0)
		die("REGISTER");
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
	printf("registered %s\n", addr);
	fflush(stdout);

	while (!stop) {
		struct pollfd p[2] = {
			{ .fd = fd, .events = POLLIN | (fe.ended || (fe.no_end && fe.eof) ? 0 : POLLOUT) |
					       (shown_state == PCIEM_REPLAY_RUNNING ? POLLPRI : 0) },
			{ .fd = sfd, .events = POLLIN },
		};

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (p[0].revents & POLLOUT)
			feed(fd, &fe);
		if (p[0].revents & POLLIN)
			drain_divergences(fd);
		if (p[0].revents & POLLPRI) {
			if (ioctl(fd, PCIEM_IOCTL_REPLAY_STATUS, &st))
				die("REPLAY_STATUS");
			shown_state = st.state;
			printf("state %s\n", state_name(st.state));
		}
		if (p[1].revents) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				die("signalfd");
			drain_divergences(fd);
			if (ioctl(fd, PCIEM_IOCTL_REPLAY_STATUS, &st))
				die("REPLAY_STATUS");
			print_status(&st);
			if (si.ssi_signo != SIGUSR1)
				stop = 1;
		}
		fflush(stdout);
	}
	close(ifd);
	close(fd);
	return st.divergences ? 1 : 0;
}
