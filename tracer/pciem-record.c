// SPDX-License-Identifier: GPL-2.0
/*
 * pciem-record: records the traffic between drivers and PCIem devices,
 * or a real PCI device (--bdf in a domain below 0x10000), into a trace
 * file.  Options, the real device's checks and rebinding, and main(); the
 * recording loop is record.c.
 *
 *   pciem-record [-o FILE] [--match VID:DID | --bdf D:B:D.F | --pid PID]
 *                [--mode full|writes] [--ring-size SIZE] [--lossless]
 *                [--rebind] [--force-device]
 *                [--stacks] [--force] [-v] [-- COMMAND [ARGS...]]
 */
#define _GNU_SOURCE
#include <argp.h>
#include <ctype.h>
#include <dirent.h>
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
#include <sys/sysmacros.h>
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
#define ROOT_ENV	"PCIEM_RECORD_ROOT"	/* prefix of /proc and /sys (tests) */
#define PCIEM_FIRST_DOMAIN 0x10000		/* PCIem devices' domains start here */
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
	bool mode_given;
	bool real;			/* --bdf names a real device */
	bool rebind;
	bool force_device;
	char bdfname[32];		/* "0000:00:03.0", as sysfs names it */
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
"Record the traffic between drivers and PCIem devices, or a real PCI device,\n"
"into a trace file.\n"
"\n"
"USAGE: pciem-record [-o FILE] [--match VID:DID | --bdf DOMAIN:BUS:DEV.FN |\n"
"                    --pid PID] [--mode full|writes] [--ring-size SIZE]\n"
"                    [--lossless] [--rebind] [--force-device] [--stacks]\n"
"                    [--force] [-v] [-- COMMAND [ARGS...]]\n"
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
"                     # with the kernel call stack of every access\n"
"    pciem-record --bdf 0000:00:03.0 -o pvpanic.zst -- modprobe pvpanic-pci\n"
"                     # a real device: its driver's probe, MMIO, config\n"
"                     # accesses and interrupts\n"
"    pciem-record --bdf 0000:00:03.0 --rebind -o probe.zst -- sleep 1\n"
"                     # a real device whose driver is bound: unbind it,\n"
"                     # subscribe, bind it again: the probe is recorded"
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
"A real device (--bdf with a PCI domain below 10000, as lspci -D shows it)\n"
"is traced in full trap whatever --mode says: every access through its\n"
"driver's mappings of its memory BARs, its config-space accesses (the\n"
"driver's, the PCI core's, lspci's) and its interrupts.  Not recorded: I/O\n"
"port BARs (the trace notes that their accesses are missing), mappings of\n"
"BARs by userspace through sysfs resource files, and accesses by anything\n"
"but the CPU.  One recorder per real device.  A driver bound before\n"
"recording has its existing mappings taken over and its probe is missing\n"
"(the trace says so); --rebind unbinds it before subscribing and binds it\n"
"again after, so that the probe is recorded (and pciem-replay can replay\n"
"the trace).  A device that a mounted file system or active swap sits on\n"
"is refused, naming it, unless --force-device.\n"
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
"   75  the real device is in use by the system (a mounted file system or\n"
"       swap; --force-device), or traced already by another recorder\n"
"   77  no permission to open /dev/pciem (needs root: CAP_SYS_ADMIN)\n"
"   78  the loaded pciem module refuses the subscription (too old; full\n"
"       trap needs PCIEM_TRACE_F_FULL_TRAP, or use --mode writes), or\n"
"       cannot trace that real device (a bridge, a domain above 7fff)\n"
"  126  COMMAND is not executable;  127  COMMAND was not found\n";

enum { OPT_NO_LTTNG = 1000, OPT_STACKS, OPT_REBIND, OPT_FORCE_DEVICE };

static const struct argp_option argp_opts[] = {
	{ "output", 'o', "FILE", 0, "Trace file to write (default pciem-YYYYmmdd-HHMMSS.zst)", 0 },
	{ "match", 'm', "VID:DID", 0, "Devices with this vendor:device ID (hex), existing or new", 0 },
	{ "bdf", 'b', "DOMAIN:BUS:DEV.FN", 0,
	  "The existing device at this address (as lspci -D): a PCIem device, or a real one", 0 },
	{ "pid", 'p', "PID", 0, "Devices created by process PID (existing or new)", 0 },
	{ "mode", 'M', "full|writes", 0,
	  "full (default): reads trapped and recorded too; writes: the device model's own trap mode", 0 },
	{ "ring-size", 'r', "SIZE", 0, "Kernel ring for the records (default 64M)", 0 },
	{ "lossless", 'l', NULL, 0,
	  "Make the kernel wait (briefly) for room in the ring instead of dropping records", 0 },
	{ "force", 'f', NULL, 0, "Overwrite an existing output file", 0 },
	{ "verbose", 'v', NULL, 0, "Say what is recorded (devices, drivers, modules, LTTng)", 0 },
	{ "no-lttng", OPT_NO_LTTNG, NULL, 0, "Do not load the LTTng-UST provider", 0 },
	{ "rebind", OPT_REBIND, NULL, 0,
	  "Real device: unbind its driver, subscribe, bind it again (the probe is recorded)", 0 },
	{ "force-device", OPT_FORCE_DEVICE, NULL, 0,
	  "Real device: trace it even if a mounted file system or swap is on it", 0 },
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
		env.mode_given = true;
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
	case OPT_REBIND:
		env.rebind = true;
		break;
	case OPT_FORCE_DEVICE:
		env.force_device = true;
		break;
	case ARGP_KEY_END:
		env.real = env.bdf && env.domain < PCIEM_FIRST_DOMAIN;
		if (env.real && !env.full_trap)
			argp_error(state, "--mode writes: a real device is always recorded in full "
				   "trap (its reads are performed on the device)");
		if ((env.rebind || env.force_device) && !env.real)
			argp_error(state, "--rebind and --force-device are for a real device "
				   "(--bdf in a domain below 10000)");
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
	if (ws->dma_bytes)
		fprintf(stderr, "pciem-record: DMA: %" PRIu64 " bytes moved, %" PRIu64
			" distinct payloads stored (%" PRIu64 " bytes before compression)\n",
			ws->dma_bytes, ws->payloads, ws->payload_bytes);
	if (env.stacks)
		fprintf(stderr, "pciem-record: stacks: %" PRIu64 " distinct, %" PRIu64
			" events without one (the BPF side dropped %" PRIu64 "; %" PRIu64
			" stacks of events not recorded)\n", rs->stacks, rs->stacks_lost,
			rs->stacks_dropped, rs->stacks_evicted);
	if (rs->stacks_timed && rs->stacks_timing.programs) {
		const struct stacks_timing *t = &rs->stacks_timing;

		fprintf(stderr, "pciem-record: stacks: the BPF program took %" PRIu64
			" ns per event, %" PRIu64 " ns of it in bpf_get_stack() (%.1f frames"
			" on average; %s)\n", t->prog_ns / t->programs, t->stack_ns / t->programs,
			(double)t->frames / t->programs, STACKS_TIMING_ENV);
	}
}

/* ---- a real device: is the system using it? rebinding ------------------ */

/* Does the sysfs directory @dir (a block device) lie under the PCI device
 * @bdf, itself or through the devices it is made of (dm, md: slaves/)? */
static bool block_under(const char *dir, const char *bdf, int depth)
{
	char real[PATH_MAX], sub[PATH_MAX + 8], pat[40];
	struct dirent *de;
	bool found = false;
	size_t n;
	DIR *d;

	if (depth > 8 || !realpath(dir, real))
		return false;
	snprintf(pat, sizeof(pat), "/%s/", bdf);
	n = strlen(pat) - 1;
	if (strstr(real, pat) || (strlen(real) >= n && !strcmp(real + strlen(real) - n, pat)))
		return true;
	snprintf(sub, sizeof(sub), "%s/slaves", real);
	d = opendir(sub);
	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		char slave[PATH_MAX + 300];

		if (de->d_name[0] == '.')
			continue;
		snprintf(slave, sizeof(slave), "%s/%s", sub, de->d_name);
		found = block_under(slave, bdf, depth + 1);
	}
	closedir(d);
	return found;
}

static bool devnum_under(const char *root, unsigned int maj, unsigned int min, const char *bdf)
{
	char path[PATH_MAX];

	if (!maj)
		return false;		/* no block device: tmpfs, 9p, proc... */
	snprintf(path, sizeof(path), "%s/sys/dev/block/%u:%u", root, maj, min);
	return block_under(path, bdf, 0);
}

/*
 * Is a mounted file system or an active swap area on @bdf?  1 and @why
 * ("/ (ext4 on /dev/sda1)", "swap /dev/sda2") if so, else 0.
 */
static int device_in_use(const char *root, const char *bdf, char *why, size_t len)
{
	char path[PATH_MAX], line[4096];
	int used = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/proc/self/mountinfo", root);
	f = fopen(path, "re");
	while (f && !used && fgets(line, sizeof(line), f)) {
		char mnt[1024], fstype[64] = "?", source[1024] = "?";
		unsigned int maj, min;
		const char *sep;

		if (sscanf(line, "%*u %*u %u:%u %*s %1023s", &maj, &min, mnt) != 3)
			continue;
		sep = strstr(line, " - ");
		if (sep)
			sscanf(sep + 3, "%63s %1023s", fstype, source);
		if (devnum_under(root, maj, min, bdf)) {
			snprintf(why, len, "the file system mounted on %s (%s on %s)", mnt, fstype,
				 source);
			used = 1;
		}
	}
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "%s/proc/swaps", root);
	f = fopen(path, "re");
	while (f && !used && fgets(line, sizeof(line), f)) {
		char name[1024], file[PATH_MAX + 1100];
		struct stat st;

		if (sscanf(line, "%1023s", name) != 1 || name[0] != '/')
			continue;		/* the heading */
		snprintf(file, sizeof(file), "%s%s", root, name);
		if (stat(file, &st))
			continue;
		if (S_ISBLK(st.st_mode) ? devnum_under(root, major(st.st_rdev), minor(st.st_rdev), bdf)
					: devnum_under(root, major(st.st_dev), minor(st.st_dev), bdf)) {
			snprintf(why, len, "the active swap area %s", name);
			used = 1;
		}
	}
	if (f)
		fclose(f);
	return used;
}

/* The driver bound to the real device, "" if none. */
static void bound_driver(const char *root, char *drv, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	drv[0] = '\0';
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/driver", root, env.bdfname);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) < len)
		strcpy(drv, base);
}

/* Writes the device's name to @root/sys/bus/pci/@file; 0 or -errno. */
static int sysfs_put(const char *root, const char *file)
{
	char path[PATH_MAX];
	size_t n = strlen(env.bdfname);
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/sys/bus/pci/%s", root, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, env.bdfname, n) != (ssize_t)n)
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

/* Binds @drv to the device again: its bind file, else drivers_probe. */
static int rebind(const char *root, const char *drv)
{
	char file[128], now[64];
	int err;

	snprintf(file, sizeof(file), "drivers/%s/bind", drv);
	err = sysfs_put(root, file);
	if (err)
		err = sysfs_put(root, "drivers_probe");
	bound_driver(root, now, sizeof(now));
	if (!now[0])
		fprintf(stderr, "pciem-record: --rebind: %s could not be bound to %s again (%s); "
			"the device is left without a driver\n", env.bdfname, drv,
			strerror(err ? -err : ENODEV));
	else if (strcmp(now, drv))
		fprintf(stderr, "pciem-record: --rebind: %s is now bound to %s, not %s\n",
			env.bdfname, now, drv);
	return now[0] ? 0 : -ENODEV;
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
	char unbound[64] = "";		/* --rebind: the driver to bind again */
	const char *root;
	pid_t child = 0;

	argp_err_exit_status = REC_EX_USAGE;
	err = argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, NULL);
	if (err)
		return REC_EX_USAGE;

	root = getenv(ROOT_ENV) ? getenv(ROOT_ENV) : "";
	if (env.bdf) {
		char path[PATH_MAX], why[2200];

		snprintf(env.bdfname, sizeof(env.bdfname), "%04x:%02x:%02x.%x", env.domain,
			 env.bus, env.devfn >> 3, env.devfn & 7);
		snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s", root, env.bdfname);
		if (access(path, F_OK)) {
			fprintf(stderr, "pciem-record: no device %s (%s)\n", env.bdf, path);
			return REC_EX_NODEVICE;
		}
		if (env.real && device_in_use(root, env.bdfname, why, sizeof(why))) {
			if (!env.force_device) {
				fprintf(stderr, "pciem-record: %s: %s is on it; tracing would slow "
					"down or (if anything goes wrong) break the system; "
					"--force-device traces it anyway\n", env.bdfname, why);
				return REC_EX_BUSY;
			}
			fprintf(stderr, "pciem-record: %s: %s is on it; traced anyway "
				"(--force-device)\n", env.bdfname, why);
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
	opts.sys_root = root;
	opts.match = env.real ? PCIEM_TRACE_MATCH_REAL : env.match;
	opts.bus = env.bus;
	opts.devfn = env.devfn;
	opts.bdf = env.bdfname;
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
	if (env.rebind) {
		/* unbound before subscribing: the trace starts with a device
		 * without driver, as a replay does, and has its probe */
		bound_driver(root, unbound, sizeof(unbound));
		if (!unbound[0]) {
			fprintf(stderr, "pciem-record: --rebind: no driver is bound to %s: "
				"nothing to rebind\n", env.bdfname);
		} else {
			char file[128];

			snprintf(file, sizeof(file), "drivers/%s/unbind", unbound);
			err = sysfs_put(root, file);
			if (err) {
				fprintf(stderr, "pciem-record: --rebind: cannot unbind %s from %s: "
					"%s\n", env.bdfname, unbound, strerror(-err));
				exit_code = err == -EACCES || err == -EPERM ? REC_EX_NOPERM
									  : REC_EX_OSERR;
				goto out;
			}
			if (env.verbose)
				fprintf(stderr, "pciem-record: %s: driver %s unbound\n",
					env.bdfname, unbound);
		}
	}
	exit_code = recorder__open(&rec, &opts);
	if (!exit_code && unbound[0]) {
		if (rebind(root, unbound))
			exit_code = REC_EX_OSERR;
		else if (env.verbose)
			fprintf(stderr, "pciem-record: %s: driver %s bound again (its probe "
				"is recorded)\n", env.bdfname, unbound);
		unbound[0] = '\0';
	}
	if (exit_code)
		goto out;
	/* an existing device's description is written while subscribing */
	if (env.bdf && !env.real && !recorder__has_records(rec)) {
		fprintf(stderr, "pciem-record: %s is not a PCIem device\n", env.bdf);
		exit_code = REC_EX_NODEVICE;
		goto out;
	}
	if (env.verbose)
		fprintf(stderr, "pciem-record: subscribed (%s, %s trap%s, %" PRIu64 " MiB ring)\n",
			env.match == PCIEM_TRACE_MATCH_ALL ? "every new device" :
			env.match == PCIEM_TRACE_MATCH_ID ? "by ID" :
			env.match == PCIEM_TRACE_MATCH_PID ? "by creator" :
			env.real ? "a real device" : "by address",
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
	if (unbound[0])		/* subscribing failed: give the driver back */
		rebind(root, unbound);
	lttng__exit();
	if (sigfd >= 0)
		close(sigfd);
	return exit_code;
}
