// SPDX-License-Identifier: GPL-2.0
/*
 * pciem-trace: inspect, check and compare PCIem trace files.
 *
 *   pciem-trace SUBCOMMAND [OPTION...] ARG...
 *
 * Each subcommand lives in a file of its own and parses its own options
 * (argp); the manual is docs/pciem-trace.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pciem-trace.h"

const char *argp_program_version = "pciem-trace " PTRACE_VERSION;

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *what;
} subcommands[] = {
	{ "info", cmd_info, "header, devices, event counts, losses and completeness" },
	{ "dump", cmd_dump, "one line (or JSON object) per record, with filters" },
	{ "stats", cmd_stats, "accesses per register, config space and IRQ vectors" },
	{ "verify", cmd_verify, "integrity, sequence continuity, losses, truncation" },
	{ "diff", cmd_diff, "compare two traces' accesses; show the first difference" },
	{ "export", cmd_export, "write a CTF trace for babeltrace2 and Trace Compass" },
	{ "dma", cmd_dma, "DMA mappings with their lifetimes and traffic; transfers outside" },
};

#define NSUB (sizeof(subcommands) / sizeof(subcommands[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: pciem-trace SUBCOMMAND [OPTION...] TRACE...\n"
		"Inspect, check and compare PCIem trace files.\n\n"
		"Subcommands:\n");
	for (i = 0; i < NSUB; i++)
		fprintf(f, "  %-8s %s\n", subcommands[i].name, subcommands[i].what);
	fprintf(f,
		"\n"
		"Every subcommand takes --regs FILE (register names, docs/register-map.md)\n"
		"and --help.\n\n"
		"Examples:\n"
		"  pciem-trace info run.zst\n"
		"  pciem-trace dump --regs dummy_clock.regs --type mmio_write run.zst\n"
		"  pciem-trace dump --json --seq 100-200 --device 10000 run.zst\n"
		"  pciem-trace stats run.zst\n"
		"  pciem-trace verify run.zst && echo intact\n"
		"  pciem-trace diff good.zst bad.zst\n"
		"  pciem-trace export --ctf run-ctf run.zst\n"
		"  pciem-trace dma run.zst\n"
		"  pciem-trace dump --type dma --payload run.zst\n\n"
		"Exit status: 0 ok, 1 a finding (verify) or a difference (diff),\n"
		"2 a usage, I/O or format error.\n"
		"Manual: docs/pciem-trace.md\n");
}

int main(int argc, char **argv)
{
	char name[64];
	size_t i;

	argp_err_exit_status = EXIT_ERROR;
	if (argc < 2) {
		usage(stderr);
		return EXIT_ERROR;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("%s\n", argp_program_version);
		return EXIT_OK;
	}
	for (i = 0; i < NSUB; i++) {
		if (strcmp(argv[1], subcommands[i].name))
			continue;
		/* argp names the program after argv[0]: "pciem-trace dump" */
		snprintf(name, sizeof(name), "pciem-trace %s", subcommands[i].name);
		argv[1] = name;
		return subcommands[i].run(argc - 1, argv + 1);
	}
	fprintf(stderr, "pciem-trace: unknown subcommand '%s'\n", argv[1]);
	fprintf(stderr, "Try 'pciem-trace --help'.\n");
	return EXIT_ERROR;
}
