/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What pciem-record learns about a device's driver while it is loaded:
 * the driver's name (sysfs), the module that provides it, and that
 * module's address range and text symbols (/proc/modules, /proc/kallsyms,
 * /sys/module/<m>/sections/.text), so that instruction pointers in the
 * trace can be named after the module is gone.
 *
 * @root is prepended to every /proc and /sys path ("" for the running
 * system; a directory of fake files in the unit tests).
 */
#ifndef PCIEM_RECORD_SYMBOLS_H
#define PCIEM_RECORD_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>
#include "ptf.h"

/*
 * The driver bound to PCI device DOMAIN:BUS:DEVFN: its name in @driver
 * and the module providing it in @module.  @module is "" when sysfs does
 * not link the driver to a module: a built-in driver, or a module whose
 * driver is probing from its init function (the kernel links driver and
 * module only after the first probes): see symbols__module_at().
 * 0 on success; -ENOENT when no driver is bound; other -errno.
 */
int symbols__driver(const char *root, uint32_t domain, uint8_t bus, uint8_t devfn,
		    char *driver, size_t dlen, char *module, size_t mlen);

/*
 * The loaded module whose range holds @ip (the one with the highest base
 * at or below it), into @name.  0, -ENOENT or -errno.
 */
int symbols__module_at(const char *root, uint64_t ip, char *name, size_t len);

/*
 * Where module @name is loaded: its base (start of its core text) and
 * size, from /proc/modules, or from /sys/module/@name/sections/.text
 * when /proc/modules hides addresses; the size from
 * /sys/module/@name/coresize when there is one (/proc/modules adds the
 * init sections while the module's init runs), cut at the next loaded
 * module's base (since 6.4 that sum counts data allocated apart from the
 * text).  -ENOENT if it is not loaded,
 * -EPERM if the kernel hides its addresses (kptr_restrict, not root).
 */
int symbols__module_base(const char *root, const char *name, uint64_t *base, uint64_t *size);

/*
 * Module @name with its text symbols (from /proc/kallsyms), sorted by
 * address; each symbol's size runs to the next symbol (the last one's to
 * the end of the module).  Only symbols in the module's core range
 * [base, base + size) are kept: those outside it, of the init sections
 * while the module's init runs, are left out and counted in *@outside
 * (if not NULL).  -ENOENT when kallsyms lists no text symbol of it in
 * that range (it is being unloaded).  Free with symbols__free_module().
 */
int symbols__load_module(const char *root, const char *name, struct ptf_module **out,
			 uint32_t *outside);

void symbols__free_module(struct ptf_module *mod);

/* The loaded modules' ranges, from /proc/modules (those whose address the
 * kernel shows), each cut at the next one's base as for
 * symbols__module_base().  Free *@out with free().  0 or -errno. */
struct sym_range {
	char name[64];
	uint64_t base, size;
};
int symbols__modules(const char *root, struct sym_range **out, size_t *n);

#endif
