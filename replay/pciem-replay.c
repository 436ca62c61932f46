// SPDX-License-Identifier: GPL-2.0
/*
 * pciem-replay: re-creates a recorded PCIem device from a trace file and
 * lets a driver run against the recording, with no device model: the
 * kernel answers the driver's reads from the trace, checks its writes and
 * injects its interrupts (kmod/pciem_replay.c); this program streams the
 * trace to it and reports the first access that differs.  Options and
 * main(); the session is replay.c, the report report.c.
 */
#define _GNU_SOURCE
#include <argp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "child.h"
#include "pciem.h"
#include "pciem-trace.h"
#include "replay.h"

#define DEVICE_ENV	"PCIEM_REPLAY_DEV_PATH"	/* instead of /dev/pciem (tests) */
#define ADDRESS_ENV	"PCIEM_REPLAY_DEVICE"	/* given to COMMAND */
#define CHILD_TERM_MS	5000

const char *argp_program_version = REPLAY_TOOL_VERSION;

static const char argp_doc[] =
"Replay a trace recorded by pciem-record against a driver, with no device\n"
"model and no hardware, and report the first access that differs.\n"
"\n"
"pciem-replay re-creates the recorded device (IDs, config space, BARs,\n"
"capabilities) from TRACE, hands the recorded sequence to the kernel and\n"
"registers the device, so that its driver probes.  The kernel answers the\n"
"driver's MMIO reads with the recorded values, compares its writes (BAR,\n"
"offset, size, value) and injects each recorded interrupt right after the\n"
"access it followed.  COMMAND, if given, is the workload that drives the\n"
"driver (load it, use it, unload it); it finds the device's address in\n"
"$PCIEM_REPLAY_DEVICE.  The replay ends when COMMAND exits; without\n"
"COMMAND, when the whole trace has been replayed or a divergence stopped\n"
"it; in any case at --timeout or on SIGINT/SIGTERM.  Then the device is\n"
"removed.  Divergences are reported on stderr as they happen, and a\n"
"summary at the end; stdout is left to COMMAND.\n"
"\n"
"EXAMPLES:\n"
"    pciem-replay clock.zst -- sh workload.sh\n"
"                     # replay, driving the driver with workload.sh\n"
"    pciem-replay --regs dummy_clock.regs --report-json r.json clock.zst\n"
"                     # no COMMAND: load the driver by other means\n"
"    pciem-replay --match per-register --on-divergence continue mt.zst -- ./mt\n"
"                     # a multi-threaded driver; report every divergence\n"
"    pciem-replay --stacks clock.zst -- sh workload.sh\n"
"                     # and the call stack of the access that diverged\n"
"    pciem-replay --suite --junit report.xml --tap suite/\n"
"                     # every suite/NAME.zst, with suite/NAME.sh as COMMAND"
"\v"
"Runs of identical polling reads whose length differs from the recording\n"
"are tolerated in both match modes (the summary says how many reads were\n"
"collapsed).  After a divergence with --on-divergence stop, the device\n"
"acts like unplugged hardware: reads return all-ones, writes are ignored\n"
"and no interrupt comes; COMMAND runs on until it exits.  A trace that\n"
"lost events while recording is refused unless --allow-lost is given.\n"
"The kernel keeps a FIFO of --fifo events ahead of the driver; on a\n"
"machine with one CPU make it as large as the trace.\n"
"DMA: the driver's DMA mappings are matched with the recorded ones in the\n"
"order it makes them (kind, size, direction) and get the recorded bus\n"
"addresses; the device's DMA writes land in the driver's buffers at their\n"
"recorded place, in the kernel, and the bytes the device read are\n"
"compared with the recording (--dma-check).\n"
"The MSI-X table and pending bits are emulated by the kernel, as when\n"
"recording: their accesses are not compared (the PCI core writes this\n"
"machine's message addresses), a read of them gets the emulated value.\n"
"\n"
"A real device's trace (pciem-record --bdf of a real device) replays the\n"
"same way, with no hardware: its config space, BARs (their real sizes) and\n"
"the capabilities PCIem can present (MSI-X when its table and pending bits\n"
"lie in memory BARs the replayed device has); the others are reported and\n"
"left out before the replay starts.  Refused: a trace whose\n"
"driver was bound before recording (no probe: record with --rebind), and\n"
"one of a device with I/O port BARs unless --without-io-bars.\n"
"\n"
"A divergence shows the recorded call stack of the expected access when\n"
"the trace has stacks (pciem-record --stacks).  --stacks loads the same\n"
"eBPF program as pciem-record --stacks and also shows the actual call\n"
"stack of the access that diverged, trimmed the same way (it starts at\n"
"the driver's access).\n"
"\n"
"SUITES:\n"
"With --suite, pciem-replay replays each TRACE given, and each NAME.zst in\n"
"each DIR given (in name order, not its subdirectories), one after the\n"
"other, each as the single-trace form would (a device created, replayed\n"
"and removed).  A trace's COMMAND is NAME.sh beside NAME.zst, when there is\n"
"one, run as 'sh NAME.sh' in that directory with PCIEM_REPLAY_DEVICE,\n"
"PCIEM_REPLAY_TRACE (the trace's absolute path) and PCIEM_REPLAY_NAME\n"
"(NAME) set; without it, the trace has no COMMAND.  No COMMAND goes after\n"
"--.  Each trace's report goes to stderr as it comes; --junit FILE writes\n"
"a JUnit XML report (a test case per trace: a divergence is a failure\n"
"carrying the report, a trace that ended with no verdict an error), and\n"
"--tap a TAP report on stdout, to which COMMAND's stdout then does not go.\n"
"A suite exits with 0 when every trace passed, 1 when any diverged\n"
"(whatever the others did), else 2 when any ended with no verdict.\n"
"\n"
"EXIT STATUS:\n"
"   0  the driver made exactly the recorded accesses: all consumed, all\n"
"      matched, every interrupt injected (and COMMAND exited with 0)\n"
"   1  a divergence: another access or value, an access past the end of\n"
"      the trace, a driver that stopped early (COMMAND ended, or the\n"
"      timeout came, before every recorded access was made), recorded\n"
"      interrupts that could not be injected\n"
"   2  usage or environment error, no verdict: bad option; the pciem\n"
"      module missing or too old; TRACE unreadable, corrupt, of another\n"
"      format version, or lossy without --allow-lost; COMMAND not found,\n"
"      or failed although every access matched; interrupted by a signal\n"
"  65  --stacks was asked for and BPF cannot be used (the message says why:\n"
"      built without libbpf, no permission, no tracepoint pciem:pciem_event,\n"
"      the verifier's refusal); nothing was replayed\n";

enum {
	OPT_ALLOW_LOST = 1000,
	OPT_REPORT_JSON,
	OPT_FIFO,
	OPT_WINDOW,
	OPT_WAIT_US,
	OPT_CONFIG_WRITES,
	OPT_WITHOUT_IO_BARS,
	OPT_STACKS,
	OPT_DMA_CHECK,
	OPT_SUITE,
	OPT_JUNIT,
	OPT_TAP,
};

static const struct argp_option argp_opts[] = {
	{ "match", 'm', "strict|per-register", 0,
	  "strict (default): accesses in the recorded order; per-register: each register's "
	  "accesses in order, registers may interleave otherwise (several threads)", 0 },
	{ "timing", 't', "asap|recorded", 0,
	  "When to inject a recorded interrupt: asap (default) right after the access "
	  "before it; recorded: as long after it as recorded", 0 },
	{ "on-divergence", 'd', "stop|continue", 0,
	  "stop (default): stop at the first divergence, the device then acts unplugged; "
	  "continue: resynchronise and report every divergence", 0 },
	{ "dma-check", OPT_DMA_CHECK, "full|addresses|none", 0,
	  "How the bytes the device read by DMA are compared with the recording: full "
	  "(default) every byte; addresses: only fields holding a bus address of a live "
	  "mapping (descriptors, queue bases), for data that holds timestamps or checksums; "
	  "none", 0 },
	{ "regs", 'r', "FILE", 0, "Register map (docs/register-map.md): name the registers, and apply its DMA rules (bytes not compared, identifiers the device echoes)", 0 },
	{ "allow-lost", OPT_ALLOW_LOST, NULL, 0,
	  "Replay a trace that lost events while recording", 0 },
	{ "timeout", 'T', "SEC", 0, "End the replay after SEC seconds (default: none)", 0 },
	{ "report-json", OPT_REPORT_JSON, "FILE", 0,
	  "Also write the report as JSON to FILE (for CI systems)", 0 },
	{ "device", 'D', "DOMAIN", 0,
	  "Which device of a trace that holds several (its PCI domain, hex; a real "
	  "device's address, 0000:00:03.0)", 0 },
	{ "config-writes", OPT_CONFIG_WRITES, NULL, 0,
	  "Also compare the driver's writes to device-specific config registers "
	  "(0x40 and up, outside the standard capabilities)", 0 },
	{ "fifo", OPT_FIFO, "EVENTS", 0,
	  "Events the kernel holds ahead of the driver: a power of two, 16..1048576 "
	  "(default 65536)", 0 },
	{ "window", OPT_WINDOW, "EVENTS", 0,
	  "Look-ahead for per-register matching and resynchronising (default 64)", 0 },
	{ "wait-us", OPT_WAIT_US, "USEC", 0,
	  "How long an access waits for a recorded event not fed yet, with interrupts off (1 to 100000, default 100000)", 0 },
	{ "without-io-bars", OPT_WITHOUT_IO_BARS, NULL, 0,
	  "A real device's trace: present the device without its I/O port BARs, whose "
	  "accesses were not recorded (refused otherwise)", 0 },
	{ "stacks", OPT_STACKS, NULL, 0,
	  "Also show the kernel call stack of the diverging access (eBPF, as pciem-record "
	  "--stacks; needs CAP_BPF+CAP_PERFMON or root)", 0 },
	{ "verbose", 'v', NULL, 0, "Say what is done", 0 },
	{ NULL, 0, NULL, 0, "A regression suite (see SUITES below):", 1 },
	{ "suite", OPT_SUITE, NULL, 0,
	  "Replay every trace given, and every NAME.zst in each DIR given, one after the "
	  "other, each with NAME.sh beside it as its COMMAND", 1 },
	{ "junit", OPT_JUNIT, "FILE", 0,
	  "With --suite: write a JUnit XML report to FILE, a test case per trace", 1 },
	{ "tap", OPT_TAP, NULL, 0,
	  "With --suite: write TAP (version 14) on stdout, a test point per trace "
	  "(COMMAND's stdout then goes to stderr)", 1 },
	{},
};

static struct replay_opts opts = {
	.device_path = PCIEM_DEVICE_PATH,
};
static bool suite, tap;
static const char *junit;
static char **paths;			/* the traces (--suite: and directories) */
static unsigned int npaths;

static unsigned long long parse_num(struct argp_state *state, const char *arg,
				    const char *opt, unsigned long long max)
{
	uint64_t v;

	if (parse_u64(arg, &v) || v > max)
		argp_error(state, "bad %s '%s' (expected a number up to %llu)", opt, arg, max);
	return v;
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	struct pciem_replay_start *s = &opts.start;

	switch (key) {
	case 'm':
		if (!strcmp(arg, "strict"))
			s->match = PCIEM_REPLAY_MATCH_STRICT;
		else if (!strcmp(arg, "per-register"))
			s->match = PCIEM_REPLAY_MATCH_REGISTER;
		else
			argp_error(state, "bad --match '%s' (expected strict or per-register)", arg);
		break;
	case 't':
		if (!strcmp(arg, "asap"))
			s->timing = PCIEM_REPLAY_TIMING_ASAP;
		else if (!strcmp(arg, "recorded"))
			s->timing = PCIEM_REPLAY_TIMING_RECORDED;
		else
			argp_error(state, "bad --timing '%s' (expected asap or recorded)", arg);
		break;
	case 'd':
		if (!strcmp(arg, "stop"))
			s->on_divergence = PCIEM_REPLAY_DIV_STOP;
		else if (!strcmp(arg, "continue"))
			s->on_divergence = PCIEM_REPLAY_DIV_CONTINUE;
		else
			argp_error(state, "bad --on-divergence '%s' (expected stop or continue)",
				   arg);
		break;
	case 'r':
		opts.regs = arg;
		break;
	case OPT_ALLOW_LOST:
		opts.allow_lost = true;
		break;
	case 'T':
		opts.timeout_s = parse_num(state, arg, "--timeout", 1000000);
		if (!opts.timeout_s)
			argp_error(state, "bad --timeout '%s' (expected 1 or more seconds)", arg);
		break;
	case OPT_REPORT_JSON:
		opts.report_json = arg;
		break;
	case 'D':
		if (parse_domain(arg, &opts.domain))
			argp_error(state, "bad --device '%s' (expected a PCI domain in hex, "
				   "e.g. 10000)", arg);
		opts.have_domain = true;
		break;
	case OPT_CONFIG_WRITES:
		s->flags |= PCIEM_REPLAY_F_CONFIG_WRITES;
		break;
	case OPT_WITHOUT_IO_BARS:
		opts.without_io_bars = true;
		break;
	case OPT_FIFO:
		s->fifo_events = parse_num(state, arg, "--fifo", PCIEM_REPLAY_MAX_FIFO);
		if (s->fifo_events < PCIEM_REPLAY_MIN_FIFO ||
		    (s->fifo_events & (s->fifo_events - 1)))
			argp_error(state, "bad --fifo '%s' (expected a power of two from %u to %u)",
				   arg, PCIEM_REPLAY_MIN_FIFO, PCIEM_REPLAY_MAX_FIFO);
		break;
	case OPT_WINDOW:
		s->window = parse_num(state, arg, "--window", PCIEM_REPLAY_MAX_WINDOW);
		if (!s->window)
			argp_error(state, "bad --window '%s' (expected 1 to %u)", arg,
				   PCIEM_REPLAY_MAX_WINDOW);
		break;
	case OPT_WAIT_US:
		s->wait_us = parse_num(state, arg, "--wait-us", PCIEM_REPLAY_MAX_WAIT_US);
		if (!s->wait_us)
			argp_error(state, "bad --wait-us '%s' (expected 1 to %u)", arg,
				   PCIEM_REPLAY_MAX_WAIT_US);
		break;
	case OPT_STACKS:
		opts.stacks = true;
		break;
	case OPT_DMA_CHECK:
		if (!strcmp(arg, "full"))
			s->dma_check = PCIEM_REPLAY_DMA_FULL;
		else if (!strcmp(arg, "addresses"))
			s->dma_check = PCIEM_REPLAY_DMA_ADDRESSES;
		else if (!strcmp(arg, "none"))
			s->dma_check = PCIEM_REPLAY_DMA_NONE;
		else
			argp_error(state, "bad --dma-check '%s' (expected full, addresses or none)",
				   arg);
		break;
	case 'v':
		opts.verbose = true;
		break;
	case OPT_SUITE:
		suite = true;
		break;
	case OPT_JUNIT:
		junit = arg;
		break;
	case OPT_TAP:
		tap = true;
		break;
	case ARGP_KEY_ARG: {
		/* checked at the end: --suite may come after the traces */
		char **p = realloc(paths, (npaths + 2) * sizeof(*paths));

		if (!p)
			argp_failure(state, REPLAY_EX_ERROR, ENOMEM, "arguments");
		paths = p;
		paths[npaths++] = arg;
		paths[npaths] = NULL;
		break;
	}
	case ARGP_KEY_ARGS:
		argp_error(state, "unexpected argument '%s'", state->argv[state->next]);
		break;
	case ARGP_KEY_END:
		if (!npaths)
			argp_error(state, suite ? "--suite: no trace or directory given" :
				   "no trace file given");
		if (suite) {
			if (opts.report_json)
				argp_error(state, "--report-json reports one trace: with --suite, "
					   "use --junit");
			break;
		}
		if (npaths > 1)
			argp_error(state, "one trace file only (a COMMAND goes after --; "
				   "several traces: --suite)");
		if (junit || tap)
			argp_error(state, "--junit and --tap report a suite: add --suite");
		opts.trace = paths[0];
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp argp = {
	.options = argp_opts,
	.parser = parse_arg,
	.args_doc = "TRACE [-- COMMAND [ARGS...]]\n--suite [--junit FILE] [--tap] TRACE|DIR...",
	.doc = argp_doc,
};

/* Splits argv at the first "--": what follows is COMMAND.  *bad when
 * nothing follows it. */
static char **split_command(int *argc, char **argv, bool *bad)
{
	int i;

	*bad = false;
	for (i = 1; i < *argc; i++) {
		if (!strcmp(argv[i], "--")) {
			char **cmd = argv[i + 1] ? &argv[i + 1] : NULL;

			*bad = !cmd;
			argv[i] = NULL;
			*argc = i;
			return cmd;
		}
	}
	return NULL;
}

int replay_trace(struct replay_opts *o, int sigfd, const sigset_t *orig, FILE *out,
		 struct replay_end *end)
{
	struct replay rp = { .opts = o, .fd = -1, .ifd = -1, .child_code = -1 };
	int err, child_st = -1, code;
	pid_t child = 0;

	rp.out = out;
	err = replay__open_trace(&rp);
	if (err)
		goto fail;
	if (o->verbose) {
		char addr[32];
		char msix[80] = "";

		if (rp.total_msix_accesses)
			snprintf(msix, sizeof(msix), " (and %llu to the MSI-X table and PBA, not "
				 "compared)", (unsigned long long)rp.total_msix_accesses);
		device__format_addr(addr, sizeof(addr), rp.domain, NULL);
		fprintf(stderr, "pciem-replay: %s: device %s (%04x:%04x%s%s), %llu events: "
			"%llu accesses%s, %llu interrupts\n", o->trace, addr,
			rp.dev.desc.vendor_id, rp.dev.desc.device_id, rp.driver[0] ? ", driver " : "",
			rp.driver, (unsigned long long)rp.total_events,
			(unsigned long long)rp.total_accesses, msix, (unsigned long long)rp.total_irqs);
	}
	if (o->cmd_dir && chdir(o->cmd_dir)) {
		fprintf(stderr, "pciem-replay: cannot enter %s: %s\n", o->cmd_dir, strerror(errno));
		goto fail;
	}
	if (o->stacks) {
		code = replay__open_stacks(&rp);
		if (code) {
			rp.result = RESULT_ERROR;
			goto out;
		}
	}
	rp.start_ns = replay__now_ns();
	err = replay__create_device(&rp);
	if (err)
		goto fail;
	if (o->verbose)
		fprintf(stderr, "pciem-replay: device registered at %s\n", rp.address);

	if (o->cmd) {
		if (setenv(ADDRESS_ENV, rp.address, 1)) {
			fprintf(stderr, "pciem-replay: setenv: %s\n", strerror(errno));
			goto fail;
		}
		child = child__spawn(o->cmd, orig);
		if (child < 0) {
			fprintf(stderr, "pciem-replay: cannot run %s: %s\n", o->cmd[0],
				strerror(-child));
			goto fail;
		}
		rp.have_child = true;
	}
	err = replay__run(&rp, child, sigfd, &child_st);
	if (child > 0 && child_st == -1)
		child_st = child__stop(child, sigfd, CHILD_TERM_MS, "pciem-replay");
	if (child > 0) {
		rp.child_code = child__exit_code(child_st);
		if (rp.child_code && o->verbose)
			fprintf(stderr, "pciem-replay: COMMAND exited with status %d\n",
				rp.child_code);
	}
	if (err || replay__finish(&rp))
		goto fail;
	report__summary(&rp);
	code = report__exit_status(rp.result);
	if (o->report_json && report__json(&rp, o->report_json))
		code = REPLAY_EX_ERROR;
	goto out;

fail:
	if (child > 0 && child_st == -1)
		child__stop(child, sigfd, CHILD_TERM_MS, "pciem-replay");
	rp.result = RESULT_ERROR;
	rp.end_ns = replay__now_ns();
	if (o->report_json && rp.r)
		report__json(&rp, o->report_json);
	code = REPLAY_EX_ERROR;
out:
	if (end) {
		end->result = rp.result;
		report__headline(&rp, end->headline, sizeof(end->headline));
	}
	replay__close(&rp);
	return code;
}

int main(int argc, char **argv)
{
	sigset_t mask, orig;
	int sigfd, code;
	bool no_cmd;

	opts.cmd = split_command(&argc, argv, &no_cmd);
	argp_err_exit_status = REPLAY_EX_ERROR;
	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return REPLAY_EX_ERROR;
	if (no_cmd) {
		fprintf(stderr, "pciem-replay: no COMMAND after --\n");
		return REPLAY_EX_ERROR;
	}
	if (suite && opts.cmd) {
		fprintf(stderr, "pciem-replay: --suite takes no COMMAND after --: each trace's "
			"COMMAND is NAME.sh beside NAME.zst\n");
		return REPLAY_EX_ERROR;
	}
	if (getenv(DEVICE_ENV))
		opts.device_path = getenv(DEVICE_ENV);

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &orig);
	sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sigfd < 0) {
		fprintf(stderr, "pciem-replay: signalfd: %s\n", strerror(errno));
		return REPLAY_EX_ERROR;
	}
	if (suite)
		code = suite__run(&opts, paths, junit, tap, sigfd, &orig);
	else
		code = replay_trace(&opts, sigfd, &orig, stderr, NULL);
	close(sigfd);
	free(paths);
	return code;
}
