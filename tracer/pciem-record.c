// SPDX-License-Identifier: GPL-2.0
/*
 * pciem-record: records the traffic between drivers and PCIem devices
 * into a trace file.  Options and main(); the recording loop is record.c.
 *
 *   pciem-record [-o FILE] [--match VID:DID | --bdf D:B:D.F | --pid PID]
 *                [--mode full|writes] [--ring-size SIZE] [--lossless]
 *                [--stacks] [--force] [-v] [-- COMMAND [ARGS...]]
 */
#define _GNU_SOURCE
#include <argp.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "pciem.h"
#include "record.h"
#include "lttng.h"

#define DEFAULT_RING	(64ULL << 20)
#define DEVICE_ENV	"PCIEM_RECORD_DEVICE"	/* instead of /dev/pciem (tests) */
#define CHILD_TERM_MS	5000	/* after SIGTERM, before SIGKILL */

static struct env {
	const char *output;
	bool have_match;		/* one of --match, --bdf, --pid */
	uint32_t match;
	uint16_t vendor_id, device_id;
	uint32_t pid;
	uint32_t domain;
	uint8_t bus, devfn;
	const char *bdf;
	bool full_trap;
	uint64_t ring_size;
	bool lossless;
	bool force;
	bool verbose;
	bool no_lttng;
	bool stacks;
	char **cmd;			/* COMMAND and its arguments, or NULL */
} env = {
	.match = PCIEM_TRACE_MATCH_ALL,
	.full_trap = true,
	.ring_size = DEFAULT_RING,
};

const char *argp_program_version = RECORD_TOOL_VERSION;

static const char argp_doc[] =
"Record the traffic between drivers and PCIem devices into a trace file.\n"
"\n"
"USAGE: pciem-record [-o FILE] [--match VID:DID | --bdf DOMAIN:BUS:DEV.FN |\n"
"                    --pid PID] [--mode full|writes] [--ring-size SIZE]\n"
"                    [--lossless] [--stacks] [--force] [-v] [-- COMMAND [ARGS...]]\n"
"\n"
"pciem-record subscribes to the PCIem trace channel before it starts\n"
"COMMAND, so a driver's probe is recorded, and records until COMMAND exits\n"
"(then exits with COMMAND's status) or until SIGINT or SIGTERM (then\n"
"finishes the file; a COMMAND still running gets SIGTERM, and SIGKILL 5 s\n"
"later).  Without a match option every device created from then on is\n"
"recorded; several devices go into one file.  By default (--mode full)\n"
"the matched devices' BARs are switched to full trap while recording, so\n"
"the driver's MMIO reads are recorded with the values they returned.\n"
"\n"
"EXAMPLES:\n"
"    pciem-record -o clock.zst -- sh workload.sh\n"
"                     # record every device the workload creates\n"
"    pciem-record --match 1234:5678 -o clock.zst\n"
"                     # devices 1234:5678, existing or new, until Ctrl-C\n"
"    pciem-record --bdf 10000:00:00.0 --mode writes\n"
"                     # the existing device in domain 10000, writes only\n"
"    pciem-record --pid 4242 --lossless --ring-size 256M -o big.zst\n"
"                     # devices of process 4242; the kernel waits for us\n"
"                     # rather than drop a record\n"
"    pciem-record --stacks -o probe.zst -- modprobe mydrv\n"
"                     # with the kernel call stack of every access"
"\v"
"SIZE takes a K, M or G suffix (powers of 1024); the ring must be a power\n"
"of two from 64K to 1G.  The output defaults to pciem-YYYYmmdd-HHMMSS.zst\n"
"in the current directory, and an existing file is not overwritten without\n"
"--force.  A frame of the file is completed at least once a second, so a\n"
"recorder that is killed leaves a file readable up to its last second.  On\n"
"a terminal a status line is refreshed; a summary is always printed to\n"
"stderr at the end.  When libpciem-tp.so (LTTng-UST provider \"pciem\") and\n"
"liblttng-ust are present, every record is also a pciem:* tracepoint; set\n"
"PCIEM_TP_LIB to a provider path, or to \"\" (or use --no-lttng) to turn\n"
"that off.\n"
"\n"
"--stacks loads an eBPF program on the kernel tracepoint pciem:pciem_event\n"
"(needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN, and a kernel with BPF)\n"
"and stores each event's kernel call stack, without the frames of the\n"
"trap machinery, once per distinct stack, with the symbols of the modules\n"
"and core kernel functions in them; pciem-trace dump --stacks shows them.\n"
"\n"
"EXIT STATUS: COMMAND's status (128+N if it was killed by signal N), or 0\n"
"without COMMAND; pciem-record's own failures take precedence and use\n"
"sysexits-style codes 64..78, which a COMMAND should avoid:\n"
"   64  usage error\n"
"   65  --stacks was asked for and BPF cannot be used (the message says why:\n"
"       permission, no tracepoint, the verifier, built without libbpf);\n"
"       COMMAND was not started\n"
"   66  no matching device was recorded (COMMAND ended, or the recording\n"
"       was stopped, before any matching device appeared)\n"
"   69  /dev/pciem does not exist: the pciem module is not loaded\n"
"   70  internal error (the kernel's ring made no sense)\n"
"   71  system error (out of memory, fork, mmap...)\n"
"   73  the output file exists (use --force) or cannot be created\n"
"   74  writing the file failed, e.g. disk full; what was written up to\n"
"       the last complete frame stays readable\n"
"   77  no permission to open /dev/pciem (needs root: CAP_SYS_ADMIN)\n"
"   78  the loaded pciem module refuses the subscription (too old; full\n"
"       trap needs PCIEM_TRACE_F_FULL_TRAP, or use --mode writes)\n"
"  126  COMMAND is not executable;  127  COMMAND was not found\n";

enum { OPT_NO_LTTNG = 1000, OPT_STACKS };

static const struct argp_option argp_opts[] = {
	{ "output", 'o', "FILE", 0, "Trace file to write (default pciem-YYYYmmdd-HHMMSS.zst)", 0 },
	{ "match", 'm', "VID:DID", 0, "Devices with this vendor:device ID (hex), existing or new", 0 },
	{ "bdf", 'b', "DOMAIN:BUS:DEV.FN", 0, "The existing device at this address (as lspci -D)", 0 },
	{ "pid", 'p', "PID", 0, "Devices created by process PID (existing or new)", 0 },
	{ "mode", 'M', "full|writes", 0,
	  "full (default): reads trapped and recorded too; writes: the device model's own trap mode", 0 },
	{ "ring-size", 'r', "SIZE", 0, "Kernel ring for the records (default 64M)", 0 },
	{ "lossless", 'l', NULL, 0,
	  "Make the kernel wait (briefly) for room in the ring instead of dropping records", 0 },
	{ "force", 'f', NULL, 0, "Overwrite an existing output file", 0 },
	{ "verbose", 'v', NULL, 0, "Say what is recorded (devices, drivers, modules, LTTng)", 0 },
	{ "no-lttng", OPT_NO_LTTNG, NULL, 0, "Do not load the LTTng-UST provider", 0 },
	{ "stacks", OPT_STACKS, NULL, 0,
	  "Record each event's kernel call stack (eBPF; needs CAP_BPF+CAP_PERFMON or root)", 0 },
	{},
};

/* strtoull with a K/M/G suffix; 0 or -1. */
static int parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	}
	if (shift && (!strcmp(end, "iB") || !strcmp(end, "B")))
		end += strlen(end);
	if (*end || v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

static int parse_hex16(const char *s, char **end, uint16_t *out)
{
	unsigned long v;

	if (!isxdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoul(s, end, 16);
	if (errno || v > 0xffff)
		return -1;
	*out = v;
	return 0;
}

static void set_match(struct argp_state *state, uint32_t match)
{
	if (env.have_match)
		argp_error(state, "--match, --bdf and --pid exclude each other");
	env.have_match = true;
	env.match = match;
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	char *end;
	long v;

	switch (key) {
	case 'o':
		if (!*arg)
			argp_error(state, "empty output file name");
		env.output = arg;
		break;
	case 'm':
		set_match(state, PCIEM_TRACE_MATCH_ID);
		if (parse_hex16(arg, &end, &env.vendor_id) || *end != ':' ||
		    parse_hex16(end + 1, &end, &env.device_id) || *end)
			argp_error(state, "--match wants VID:DID in hex, e.g. 1234:5678, not '%s'",
				   arg);
		break;
	case 'b':
		set_match(state, PCIEM_TRACE_MATCH_DOMAIN);
		if (pciem_parse_address(arg, &env.domain, &env.bus, &env.devfn))
			argp_error(state, "--bdf wants DOMAIN:BUS:DEV.FN in hex, e.g. "
				   "10000:00:00.0, not '%s'", arg);
		env.bdf = arg;
		break;
	case 'p':
		set_match(state, PCIEM_TRACE_MATCH_PID);
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || end == arg || *end || v <= 0 || v > INT_MAX)
			argp_error(state, "--pid wants a process ID, not '%s'", arg);
		env.pid = v;
		break;
	case 'M':
		if (!strcmp(arg, "full"))
			env.full_trap = true;
		else if (!strcmp(arg, "writes"))
			env.full_trap = false;
		else
			argp_error(state, "--mode is full or writes, not '%s'", arg);
		break;
	case 'r':
		if (parse_size(arg, &env.ring_size) || env.ring_size < PCIEM_TRACE_MIN_RING ||
		    env.ring_size > PCIEM_TRACE_MAX_RING ||
		    (env.ring_size & (env.ring_size - 1)))
			argp_error(state, "--ring-size wants a power of two from 64K to 1G, not '%s'",
				   arg);
		break;
	case 'l':
		env.lossless = true;
		break;
	case 'f':
		env.force = true;
		break;
	case 'v':
		env.verbose = true;
		break;
	case OPT_NO_LTTNG:
		env.no_lttng = true;
		break;
	case OPT_STACKS:
		env.stacks = true;
		break;
	case ARGP_KEY_ARG:
		/* the first argument that is not an option starts COMMAND */
		env.cmd = &state->argv[state->next - 1];
		state->next = state->argc;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp argp = {
	.options = argp_opts,
	.parser = parse_arg,
	.args_doc = "[-- COMMAND [ARGS...]]",
	.doc = argp_doc,
};

static void default_output(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(buf, len, "pciem-%Y%m%d-%H%M%S.zst", &tm);
}

static void fill_header(struct ptf_header *h)
{
	struct utsname u;
	size_t used = 0;
	char **a;

	memset(h, 0, sizeof(*h));
	snprintf(h->tool_version, sizeof(h->tool_version), "%s", RECORD_TOOL_VERSION);
	if (!uname(&u)) {
		snprintf(h->kernel_release, sizeof(h->kernel_release), "%s", u.release);
		snprintf(h->hostname, sizeof(h->hostname), "%s", u.nodename);
	}
	snprintf(h->clock, sizeof(h->clock), "CLOCK_MONOTONIC");
	h->start_mono_ns = record__now_ns(CLOCK_MONOTONIC);
	h->start_real_ns = record__now_ns(CLOCK_REALTIME);
	h->trap_mode = env.full_trap ? PCIEM_TRAP_FULL : PCIEM_TRAP_WRITES;
	h->flags = env.lossless ? PTF_HDR_F_LOSSLESS : 0;
	if (env.stacks)
		h->flags |= PTF_HDR_F_STACKS;
	ptf_read_boot_id(h->boot_id);		/* all zero if unknown */
	for (a = env.cmd; a && *a; a++) {
		int n = snprintf(h->command + used, sizeof(h->command) - used, "%s%s",
				 a == env.cmd ? "" : " ", *a);

		if (n < 0 || (size_t)n >= sizeof(h->command) - used)
			break;
		used += n;
	}
}

/* Starts COMMAND; 0 with *status set to 126/127 when it could not be run. */
static pid_t spawn(char **cmd, const sigset_t *mask, int *status)
{
	pid_t pid = child__spawn(cmd, mask);

	if (pid > 0)
		return pid;
	fprintf(stderr, "pciem-record: cannot run %s: %s\n", cmd[0], strerror(-pid));
	*status = pid == -ENOENT ? REC_EX_CMD_NOTFOUND : REC_EX_CMD_NOEXEC;
	return 0;
}

static void summary(const char *path, const struct record_stats *rs,
		    const struct ptf_writer_stats *ws, bool failed)
{
	double secs = (rs->end_ns - rs->start_ns) / 1e9;
	uint64_t size = ws->file_bytes;
	struct stat sb;
	char sz[32];

	if (!stat(path, &sb))
		size = sb.st_size;
	if (size < 10 * 1024)
		snprintf(sz, sizeof(sz), "%" PRIu64 " B", size);
	else if (size < 10 * 1024 * 1024)
		snprintf(sz, sizeof(sz), "%.1f KiB", size / 1024.0);
	else
		snprintf(sz, sizeof(sz), "%.1f MiB", size / (1024.0 * 1024));
	fprintf(stderr, "pciem-record: %s: %u device%s, %" PRIu64 " events in %.1f s, %s",
		path, rs->devices, rs->devices == 1 ? "" : "s", rs->events, secs, sz);
	if (rs->events)
		fprintf(stderr, " (%.1f bytes/event)", (double)size / rs->events);
	fprintf(stderr, ", %" PRIu64 " lost%s\n", rs->lost,
		failed ? " (writing failed: the file holds those up to its last complete frame)" : "");
	if (env.stacks)
		fprintf(stderr, "pciem-record: stacks: %" PRIu64 " distinct, %" PRIu64
			" events without one (the BPF side dropped %" PRIu64 "; %" PRIu64
			" stacks of events not recorded)\n", rs->stacks, rs->stacks_lost,
			rs->stacks_dropped, rs->stacks_evicted);
}

int main(int argc, char **argv)
{
	struct record_opts opts = { .sys_root = "" };
	struct ptf_writer_opts wopts = { 0 };
	struct ptf_writer_stats ws = { 0 };
	struct ptf_writer *w = NULL;
	struct recorder *rec = NULL;
	struct record_stats rs;
	struct ptf_header hdr;
	char outbuf[64];
	const char *out;
	sigset_t mask, orig;
	int err, sigfd = -1, child_st = -1, exit_code = 0;
	pid_t child = 0;

	argp_err_exit_status = REC_EX_USAGE;
	err = argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, NULL);
	if (err)
		return REC_EX_USAGE;

	if (env.bdf) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%04x:%02x:%02x.%x", env.domain,
			 env.bus, env.devfn >> 3, env.devfn & 7);
		if (access(path, F_OK)) {
			fprintf(stderr, "pciem-record: no device %s (%s)\n", env.bdf, path);
			return REC_EX_NODEVICE;
		}
	}
	/*
	 * SIGINT/SIGTERM end the recording, SIGCHLD tells COMMAND ended.
	 * Blocked before liblttng-ust can start threads, which inherit the
	 * mask, so that no thread takes them with the default action.
	 */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &orig);
	sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sigfd < 0) {
		fprintf(stderr, "pciem-record: signalfd: %s\n", strerror(errno));
		return REC_EX_OSERR;
	}
	if (!env.no_lttng)
		lttng__init(env.verbose);

	opts.device_path = getenv(DEVICE_ENV) ? getenv(DEVICE_ENV) : PCIEM_DEVICE_PATH;
	opts.match = env.match;
	opts.vendor_id = env.vendor_id;
	opts.device_id = env.device_id;
	opts.pid = env.pid;
	opts.domain = env.domain;
	opts.ring_size = env.ring_size;
	opts.full_trap = env.full_trap;
	opts.lossless = env.lossless;
	/* a device already on the bus is recorded from now on too */
	opts.existing = env.match == PCIEM_TRACE_MATCH_ID || env.match == PCIEM_TRACE_MATCH_PID;
	opts.verbose = env.verbose;
	opts.status_line = isatty(STDERR_FILENO);
	opts.stacks = env.stacks;
	exit_code = recorder__open(&rec, &opts);
	if (exit_code)
		goto out;
	/* an existing device's description is written while subscribing */
	if (env.bdf && !recorder__has_records(rec)) {
		fprintf(stderr, "pciem-record: %s is not a PCIem device\n", env.bdf);
		exit_code = REC_EX_NODEVICE;
		goto out;
	}
	if (env.verbose)
		fprintf(stderr, "pciem-record: subscribed (%s, %s trap%s, %" PRIu64 " MiB ring)\n",
			env.match == PCIEM_TRACE_MATCH_ALL ? "every new device" :
			env.match == PCIEM_TRACE_MATCH_ID ? "by ID" :
			env.match == PCIEM_TRACE_MATCH_PID ? "by creator" : "by address",
			env.full_trap ? "full" : "write", env.lossless ? ", lossless" : "",
			env.ring_size >> 20);

	out = env.output;
	if (!out) {
		default_output(outbuf, sizeof(outbuf));
		out = outbuf;
	}
	fill_header(&hdr);
	wopts.force = env.force;
	err = ptf_writer__open(&w, out, &hdr, &wopts);
	if (err) {
		if (err == -EEXIST)
			fprintf(stderr, "pciem-record: %s exists; use --force to overwrite it, or "
				"-o to choose another name\n", out);
		else
			fprintf(stderr, "pciem-record: cannot create %s: %s\n", out,
				w ? ptf_writer__error(w) : strerror(-err));
		if (w)
			ptf_writer__close(w);
		w = NULL;
		exit_code = REC_EX_CANTCREAT;
		goto out;
	}

	if (env.cmd) {
		child = spawn(env.cmd, &orig, &exit_code);
		if (!child) {
			/* nothing to record: keep the (empty) file well formed */
			recorder__stats(rec, &rs);
			goto out_close;
		}
	}
	exit_code = recorder__run(rec, w, child, sigfd, &child_st);
	recorder__stats(rec, &rs);
out_close:
	ptf_writer__stats(w, &ws);
	err = ptf_writer__close(w);
	if (err && !exit_code) {
		fprintf(stderr, "pciem-record: finishing %s: %s\n", out, strerror(-err));
		exit_code = REC_EX_IOERR;
	}
	/* the recording is over: stop the kernel's full trap right away */
	recorder__close(rec);
	rec = NULL;
	if (child > 0 && child_st == -1)
		child_st = child__stop(child, sigfd, CHILD_TERM_MS, "pciem-record");
	summary(out, &rs, &ws, exit_code == REC_EX_IOERR);
	if (exit_code)
		goto out;
	if (!rs.devices) {
		if (child > 0)
			fprintf(stderr, "pciem-record: no matching device appeared before COMMAND "
				"ended (its status: %d)\n", child__exit_code(child_st));
		else
			fprintf(stderr, "pciem-record: no matching device appeared\n");
		exit_code = REC_EX_NODEVICE;
	} else if (child > 0) {
		exit_code = child__exit_code(child_st);
		if (exit_code && env.verbose)
			fprintf(stderr, "pciem-record: COMMAND exited with status %d\n", exit_code);
	}
out:
	recorder__close(rec);
	lttng__exit();
	if (sigfd >= 0)
		close(sigfd);
	return exit_code;
}
