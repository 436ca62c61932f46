// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of tracer/symbols.c against a fake /proc and /sys tree: the
 * bound driver and its module (sysfs link, or the module of the driver's
 * name while sysfs has no link yet), the module holding an address,
 * bases hidden by kptr_restrict, and the symbol table with its sizes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "stack_live.h"
#include "symbols.h"

static char root[64];

static void put(const char *rel, const char *text)
{
	char path[256], dir[256], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	for (slash = strchr(dir + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(dir, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void link_to(const char *rel, const char *target)
{
	char path[256];

	put(rel, "");
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	unlink(path);
	assert_int_equal(symlink(target, path), 0);
}

static const char modules[] =
	"dummy_clock 16384 0 - Live 0xffffffffc0a1e000 (OE)\n"
	"pciem 98304 1 dummy_clock, Live 0xffffffffc0a00000 (OE)\n"
	"hidden 4096 0 - Live 0x0000000000000000\n";

static const char kallsyms[] =
	"ffffffff81000000 T _stext\n"
	"ffffffffc0a1e060 t counter_show\t[dummy_clock]\n"
	"ffffffffc0a1e000 t irq_count_show\t[dummy_clock]\n"
	"ffffffffc0a1e0e0 t dummy_clock_probe\t[dummy_clock]\n"
	"ffffffffc0a20000 d dummy_clock_ids\t[dummy_clock]\n"
	"ffffffffc0a1e200 T tick_store\t[dummy_clock]\n"
	"ffffffffc0a00100 t pciem_open\t[pciem]\n";

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/test_symbols.XXXXXX");
	assert_non_null(mkdtemp(root));
	put("proc/modules", modules);
	put("proc/kallsyms", kallsyms);
	link_to("sys/bus/pci/devices/10000:00:00.0/driver", "../../../bus/pci/drivers/dummy_clock");
	link_to("sys/bus/pci/drivers/dummy_clock/module", "../../../../module/dummy_clock");
	link_to("sys/bus/pci/devices/10001:00:00.0/driver", "../../../bus/pci/drivers/dummy-clock");
	link_to("sys/bus/pci/devices/10002:00:00.0/driver", "../../../bus/pci/drivers/builtin");
	put("sys/module/hidden/sections/.text", "0xffffffffc0b00000\n");
	put("sys/module/pciem/coresize", "81920\n");
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

static void test_driver_linked(void **state)
{
	char drv[64], mod[64];

	(void)state;
	assert_int_equal(symbols__driver(root, 0x10000, 0, 0, drv, sizeof(drv), mod, sizeof(mod)), 0);
	assert_string_equal(drv, "dummy_clock");
	assert_string_equal(mod, "dummy_clock");
}

static void test_driver_not_linked_yet(void **state)
{
	char drv[64], mod[64];

	(void)state;
	/* no module link: the loaded module of the driver's name, '-' as '_' */
	assert_int_equal(symbols__driver(root, 0x10001, 0, 0, drv, sizeof(drv), mod, sizeof(mod)), 0);
	assert_string_equal(drv, "dummy-clock");
	assert_string_equal(mod, "dummy_clock");
	/* nothing of that name: built in, or unknown for now */
	assert_int_equal(symbols__driver(root, 0x10002, 0, 0, drv, sizeof(drv), mod, sizeof(mod)), 0);
	assert_string_equal(drv, "builtin");
	assert_string_equal(mod, "");
}

static void test_no_driver(void **state)
{
	char drv[64], mod[64];

	(void)state;
	assert_int_equal(symbols__driver(root, 0x10003, 0, 0, drv, sizeof(drv), mod, sizeof(mod)),
			 -ENOENT);
}

static void test_module_at(void **state)
{
	char name[64];

	(void)state;
	assert_int_equal(symbols__module_at(root, 0xffffffffc0a1e210ULL, name, sizeof(name)), 0);
	assert_string_equal(name, "dummy_clock");
	assert_int_equal(symbols__module_at(root, 0xffffffffc0a00100ULL, name, sizeof(name)), 0);
	assert_string_equal(name, "pciem");
	assert_int_equal(symbols__module_at(root, 0xffffffff81000010ULL, name, sizeof(name)), -ENOENT);
	assert_int_equal(symbols__module_at(root, 0xffffffffc0a22000ULL, name, sizeof(name)), -ENOENT);
}

static void test_module_base(void **state)
{
	uint64_t base, size;

	(void)state;
	assert_int_equal(symbols__module_base(root, "pciem", &base, &size), 0);
	assert_true(base == 0xffffffffc0a00000ULL);
	assert_int_equal(size, 81920);	/* coresize, not /proc/modules' 98304 */
	/* hidden in /proc/modules, known from the section file */
	assert_int_equal(symbols__module_base(root, "hidden", &base, &size), 0);
	assert_true(base == 0xffffffffc0b00000ULL);
	assert_int_equal(symbols__module_base(root, "nosuch", &base, &size), -ENOENT);
	/* a module name that only starts like another */
	assert_int_equal(symbols__module_base(root, "dummy", &base, &size), -ENOENT);
}

static void test_load_module(void **state)
{
	struct ptf_module *m;
	uint32_t outside = 1;

	(void)state;
	assert_int_equal(symbols__load_module(root, "dummy_clock", &m, &outside), 0);
	assert_int_equal(outside, 0);
	assert_string_equal(m->name, "dummy_clock");
	assert_true(m->base == 0xffffffffc0a1e000ULL);
	assert_int_equal(m->size, 16384);
	/* text symbols only, sorted, sized to the next one / the module's end */
	assert_int_equal(m->nsyms, 4);
	assert_string_equal(m->syms[0].name, "irq_count_show");
	assert_int_equal(m->syms[0].size, 0x60);
	assert_string_equal(m->syms[1].name, "counter_show");
	assert_int_equal(m->syms[1].size, 0x80);
	assert_string_equal(m->syms[2].name, "dummy_clock_probe");
	assert_int_equal(m->syms[2].size, 0x120);
	assert_string_equal(m->syms[3].name, "tick_store");
	assert_int_equal(m->syms[3].size, 0xffffffffc0a22000ULL - 0xffffffffc0a1e200ULL);
	symbols__free_module(m);
	symbols__free_module(NULL);
}

static void test_kallsyms_hidden(void **state)
{
	struct ptf_module *m = (void *)1;

	(void)state;
	put("proc/kallsyms", "0000000000000000 t counter_show\t[dummy_clock]\n");
	assert_int_equal(symbols__load_module(root, "dummy_clock", &m, NULL), -EPERM);
	assert_null(m);
	/* listed in /proc/modules, but no symbol left: going away */
	put("proc/kallsyms", "ffffffff81000000 T _stext\n");
	assert_int_equal(symbols__load_module(root, "dummy_clock", &m, NULL), -ENOENT);
	assert_null(m);
	/* a module whose name ends like another's is not it */
	put("proc/kallsyms", "ffffffffc0a1e060 t counter_show\t[my_dummy_clock]\n");
	assert_int_equal(symbols__load_module(root, "dummy_clock", &m, NULL), -ENOENT);
	put("proc/kallsyms", kallsyms);
}

/*
 * A module loaded while recording, its init still running: /proc/modules
 * counts the init sections in its size and kallsyms lists its init
 * symbols, which lie below its base (6.1 allocates init apart from the
 * core, in the lowest hole that fits) or past its core's end.  They are
 * left out, and the module goes into a trace file and reads back.
 */
static void test_init_symbols_outside_core(void **state)
{
	static const char *const names[] = { "testdrv_probe", "testdrv_remove" };
	char path[128], name[128];
	struct ptf_module *m;
	struct ptf_header hdr;
	struct ptf_writer *w;
	struct ptf_reader *rd;
	struct ptf_record rec;
	uint32_t outside = 0, i;
	int err;

	(void)state;
	put("proc/modules", "pciem_testdrv 28672 1 - Loading 0xffffffffc024b000 (OE)\n");
	put("sys/module/pciem_testdrv/coresize", "16384\n");
	put("proc/kallsyms",
	    "ffffffffc0227000 t testdrv_driver_init\t[pciem_testdrv]\n"
	    "ffffffffc024b010 t testdrv_probe\t[pciem_testdrv]\n"
	    "ffffffffc024b400 t testdrv_remove\t[pciem_testdrv]\n"
	    "ffffffffc024f000 t testdrv_late_init\t[pciem_testdrv]\n");
	assert_int_equal(symbols__load_module(root, "pciem_testdrv", &m, &outside), 0);
	assert_int_equal(outside, 2);
	assert_true(m->base == 0xffffffffc024b000ULL);
	assert_int_equal(m->size, 16384);
	assert_int_equal(m->nsyms, 2);
	for (i = 0; i < 2; i++)
		assert_string_equal(m->syms[i].name, names[i]);
	assert_int_equal(m->syms[1].size, 0xffffffffc024f000ULL - 0xffffffffc024b400ULL);

	snprintf(path, sizeof(path), "%s/t.zst", root);
	memset(&hdr, 0, sizeof(hdr));
	strcpy(hdr.clock, "CLOCK_MONOTONIC");
	assert_int_equal(ptf_writer__open(&w, path, &hdr, NULL), 0);
	assert_int_equal(ptf_writer__add_module(w, m), 0);
	assert_int_equal(ptf_writer__close(w), 0);
	symbols__free_module(m);
	assert_int_equal(ptf_reader__open(&rd, path), 0);
	while ((err = ptf_reader__next(rd, &rec)) > 0)
		if (rec.type == PTF_REC_MODULE)
			assert_int_equal(rec.module->nsyms, 2);
	assert_int_equal(err, 0);
	assert_int_equal(ptf_reader__symbolize(rd, 0xffffffffc024b404ULL, name, sizeof(name)), 0);
	assert_string_equal(name, "testdrv_remove+0x4 [pciem_testdrv]");
	ptf_reader__close(rd);
	unlink(path);

	/* nothing of it in its core: as good as gone */
	put("proc/kallsyms", "ffffffffc0227000 t testdrv_driver_init\t[pciem_testdrv]\n");
	assert_int_equal(symbols__load_module(root, "pciem_testdrv", &m, &outside), -ENOENT);
	assert_null(m);
	put("proc/modules", modules);
	put("proc/kallsyms", kallsyms);
}

/*
 * Since 6.4 a module's size counts its data, allocated apart from its
 * text: from the text's base the range reaches over the text of modules
 * loaded later at higher addresses.  Ranges stop at the next module, and a
 * frame in a module loaded into such a hole after the list was first read
 * is named after that module, not its neighbour.
 */
static void test_ranges_cut_at_next_module(void **state)
{
	static const char wide[] = "ninep 102400 0 - Live 0xffffffffc0a10000\n";
	struct stack_live sl;
	struct sym_range *v;
	uint64_t base, size;
	char why[256], name[128];
	size_t n;

	(void)state;
	put("proc/modules", wide);
	put("proc/kallsyms",
	    "ffffffff81000000 T _stext\n"
	    "ffffffff81000100 T core_fn\n"
	    "ffffffff82000000 T _etext\n"
	    "ffffffffc0a10000 t p9_fn\t[ninep]\n"
	    "ffffffffc0a1e000 t irq_count_show\t[dummy_clock]\n");
	assert_int_equal(stack_live__open(&sl, root, why, sizeof(why)), 0);
	/* alone, the wide module's range holds the address... */
	assert_int_equal(stack_live__classify(&sl, 0xffffffffc0a1e010ULL)->where, SJ_MODULE);
	assert_int_equal(stack_live__name(&sl, 0xffffffffc0a10004ULL, name, sizeof(name)), 0);
	assert_string_equal(name, "p9_fn+0x4 [ninep]");

	/* ...until a module is loaded there */
	put("proc/modules", "dummy_clock 16384 0 - Live 0xffffffffc0a1e000 (OE)\n"
	    "ninep 102400 0 - Live 0xffffffffc0a10000\n");
	assert_int_equal(symbols__module_base(root, "ninep", &base, &size), 0);
	assert_int_equal(size, 0xe000);
	assert_int_equal(symbols__modules(root, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[1].name, "ninep");
	assert_int_equal(v[1].size, 0xe000);
	assert_int_equal(v[0].size, 16384);
	free(v);
	assert_int_equal(stack_live__name(&sl, 0xffffffffc0a1e014ULL, name, sizeof(name)), 0);
	assert_string_equal(name, "irq_count_show+0x14 [dummy_clock]");
	assert_int_equal(stack_live__name(&sl, 0xffffffffc0a10008ULL, name, sizeof(name)), 0);
	assert_string_equal(name, "p9_fn+0x8 [ninep]");
	assert_int_equal(stack_live__name(&sl, 0xffffffff81000104ULL, name, sizeof(name)), 0);
	assert_string_equal(name, "core_fn+0x4 [vmlinux]");
	stack_live__close(&sl);
	put("proc/modules", modules);
	put("proc/kallsyms", kallsyms);
}

/*
 * A module's removal runs its code (an rmmod unbinds the driver) and the
 * events are named after the module has left /proc/modules: its frames
 * keep the names read while it was there, until a module is loaded over
 * its range.
 */
static void test_gone_module_keeps_its_names(void **state)
{
	struct stack_live sl;
	char why[256], name[128];

	(void)state;
	put("proc/modules", "dummy_clock 16384 0 - Live 0xffffffffc0a1e000 (OE)\n"
	    "ninep 16384 0 - Live 0xffffffffc0a10000\n");
	put("proc/kallsyms",
	    "ffffffff81000000 T _stext\n"
	    "ffffffff81000100 T core_fn\n"
	    "ffffffff82000000 T _etext\n"
	    "ffffffffc0a10000 t p9_fn\t[ninep]\n"
	    "ffffffffc0a1e000 t irq_count_show\t[dummy_clock]\n"
	    "ffffffffc0a1e100 t dc_remove\t[dummy_clock]\n");
	assert_int_equal(stack_live__open(&sl, root, why, sizeof(why)), 0);
	assert_int_equal(stack_live__name(&sl, 0xffffffffc0a1e014ULL, name, sizeof(name)), 0);
	assert_string_equal(name, "irq_count_show+0x14 [dummy_clock]");

	/* rmmod dummy_clock; then a frame of its remove function comes */
	put("proc/modules", "ninep 16384 0 - Live 0xffffffffc0a10000\n");
	put("proc/kallsyms",
	    "ffffffff81000000 T _stext\n"
	    "ffffffff81000100 T core_fn\n"
	    "ffffffff82000000 T _etext\n"
	    "ffffffffc0a10000 t p9_fn\t[ninep]\n");
	assert_int_equal(stack_live__name(&sl, 0xffffffffc0a1e10cULL, name, sizeof(name)), 0);
	assert_string_equal(name, "dc_remove+0xc [dummy_clock]");
	assert_int_equal(stack_live__name(&sl, 0xffffffffc0a10008ULL, name, sizeof(name)), 0);
	assert_string_equal(name, "p9_fn+0x8 [ninep]");

	/* another module loaded over the range takes it */
	put("proc/modules", "other 16384 0 - Live 0xffffffffc0a1e000\n"
	    "ninep 16384 0 - Live 0xffffffffc0a10000\n");
	put("proc/kallsyms",
	    "ffffffff81000000 T _stext\n"
	    "ffffffff82000000 T _etext\n"
	    "ffffffffc0a10000 t p9_fn\t[ninep]\n"
	    "ffffffffc0a1e000 t other_fn\t[other]\n");
	assert_int_equal(stack_live__name(&sl, 0xffffffffc0a1e008ULL, name, sizeof(name)), 0);
	assert_string_equal(name, "other_fn+0x8 [other]");
	stack_live__close(&sl);
	put("proc/modules", modules);
	put("proc/kallsyms", kallsyms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_driver_linked),
		cmocka_unit_test(test_driver_not_linked_yet),
		cmocka_unit_test(test_no_driver),
		cmocka_unit_test(test_module_at),
		cmocka_unit_test(test_module_base),
		cmocka_unit_test(test_load_module),
		cmocka_unit_test(test_kallsyms_hidden),
		cmocka_unit_test(test_init_symbols_outside_core),
		cmocka_unit_test(test_ranges_cut_at_next_module),
		cmocka_unit_test(test_gone_module_keeps_its_names),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
