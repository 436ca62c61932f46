# PCIem record/replay — top-level build.
#
#   make            build pciem.ko for every installed Debian kernel (and the
#                   running one when its headers exist) and for the debug
#                   kernel once it is built, the userspace programs and the
#                   examples
#   make debug-kernel  build (or bring up to date) the KASAN + lockdep debug
#                   kernel in build/debug-kernel (tools/vm/debug-kernel.sh)
#   make test       unit tests on the host, then the VM suite on every kernel,
#                   the debug kernel included (built first)
#   make demo       inside a VM: the counter device ticking, then recorded,
#                   replayed with no device model, and replayed against a
#                   driver with a bug; then the copy engine's DMA the same way
#   make deps       install the Debian packages the project needs
#   make install    the tools, man pages, completions and libptf under PREFIX
#                   (/usr/local; DESTDIR honoured); make install-dkms the
#                   module source for DKMS; make deb the Debian packages;
#                   make check-deb its test (lintian, a clean chroot;
#                   docs/packaging.md)
#   make clean      remove build/ except the debug kernel (build/debug-kernel);
#                   make distclean removes it too
#
# KDIR=/path/to/kernel/build builds the modules for that one kernel only.

SHELL := /bin/bash
TOP := $(abspath .)
BUILD := $(TOP)/build

# Kernels: every /lib/modules/<ver>/build that exists, or KDIR.
ifdef KDIR
KDIRS := $(KDIR)
else
KDIRS := $(sort $(wildcard /lib/modules/*/build))
endif
kver_of = $(notdir $(patsubst %/build,%,$(1)))
ifdef KDIR
KVERS := $(shell make -s -C $(KDIR) kernelrelease 2>/dev/null)
else
KVERS := $(foreach k,$(KDIRS),$(call kver_of,$(k)))
endif

# The debug kernel, once tools/vm/debug-kernel.sh has built it (it writes
# kernelrelease last).  Read when this makefile is parsed: a make that
# builds the debug kernel must be followed by another one for its modules.
DEBUG_KOUT := $(BUILD)/debug-kernel
DEBUG_KVER :=
ifndef KDIR
DEBUG_KVER := $(shell cat $(DEBUG_KOUT)/kernelrelease 2>/dev/null)
endif
ifneq ($(DEBUG_KVER),)
KVERS += $(DEBUG_KVER)
endif

CC ?= gcc
CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror
UAPI := -I$(TOP)/kmod/uapi

.PHONY: stress
.PHONY: all deps kmod test-kmods examples userspace test check check-unit check-vm \
	check-walkthrough check-harness demo bench clean distclean debug-kernel

all: kmod examples userspace

deps:
	@$(TOP)/tools/deps.sh

debug-kernel:
	@$(TOP)/tools/vm/debug-kernel.sh --out $(DEBUG_KOUT)

# ---- kernel modules -----------------------------------------------------------
# Each kernel gets its own build directory of symlinks, so several kernels
# build side by side from one source tree.
KMOD_SRCS := $(wildcard kmod/*.c kmod/*.h kmod/*.S) kmod/Kbuild
DRV_SRCS := $(wildcard examples/dummy_clock/driver/*.c) examples/dummy_clock/driver/Kbuild
DCP_SRCS := $(wildcard examples/dma_copy/driver/*.c) examples/dma_copy/driver/Kbuild
TDRV_SRCS := tests/vm/testdrv/pciem_testdrv.c tests/vm/testdrv/Kbuild

define kmod_rules
$(BUILD)/$(1)/kmod/pciem.ko: $(KMOD_SRCS) kmod/uapi/pciem_userspace.h
	@mkdir -p $(BUILD)/$(1)/kmod
	@ln -sfn $(TOP)/kmod/uapi $(BUILD)/$(1)/kmod/uapi
	@for f in $(notdir $(KMOD_SRCS)); do ln -sf $(TOP)/kmod/$$$$f $(BUILD)/$(1)/kmod/$$$$f; done
	$(MAKE) -C $(2) M=$(BUILD)/$(1)/kmod KCFLAGS=-Werror modules
$(BUILD)/$(1)/dummy_clock/dummy_clock.ko: $(DRV_SRCS)
	@mkdir -p $(BUILD)/$(1)/dummy_clock
	@for f in $(notdir $(DRV_SRCS)); do ln -sf $(TOP)/examples/dummy_clock/driver/$$$$f $(BUILD)/$(1)/dummy_clock/$$$$f; done
	$(MAKE) -C $(2) M=$(BUILD)/$(1)/dummy_clock KCFLAGS=-Werror modules
$(BUILD)/$(1)/dma_copy/dma_copy.ko: $(DCP_SRCS)
	@mkdir -p $(BUILD)/$(1)/dma_copy
	@for f in $(notdir $(DCP_SRCS)); do ln -sf $(TOP)/examples/dma_copy/driver/$$$$f $(BUILD)/$(1)/dma_copy/$$$$f; done
	$(MAKE) -C $(2) M=$(BUILD)/$(1)/dma_copy KCFLAGS=-Werror modules
$(BUILD)/$(1)/testdrv/pciem_testdrv.ko: $(TDRV_SRCS)
	@mkdir -p $(BUILD)/$(1)/testdrv
	@for f in $(notdir $(TDRV_SRCS)); do ln -sf $(TOP)/tests/vm/testdrv/$$$$f $(BUILD)/$(1)/testdrv/$$$$f; done
	$(MAKE) -C $(2) M=$(BUILD)/$(1)/testdrv KCFLAGS=-Werror modules
KMODS += $(BUILD)/$(1)/kmod/pciem.ko $(BUILD)/$(1)/dummy_clock/dummy_clock.ko \
	 $(BUILD)/$(1)/dma_copy/dma_copy.ko
TEST_KMODS += $(BUILD)/$(1)/testdrv/pciem_testdrv.ko
endef
$(foreach k,$(KDIRS),$(eval $(call kmod_rules,$(call kver_of,$(k)),$(k))))
ifneq ($(DEBUG_KVER),)
$(eval $(call kmod_rules,$(DEBUG_KVER),$(DEBUG_KOUT)/obj))
# The harness self-test's deliberate bugs, for the debug kernel only.
DCHK_SRCS := tools/vm/debugcheck/pciem_debugcheck.c tools/vm/debugcheck/Kbuild
DCHK_KMOD := $(BUILD)/$(DEBUG_KVER)/debugcheck/pciem_debugcheck.ko
$(DCHK_KMOD): $(DCHK_SRCS)
	@mkdir -p $(dir $@)
	@for f in $(notdir $(DCHK_SRCS)); do ln -sf $(TOP)/tools/vm/debugcheck/$$f $(dir $@)$$f; done
	$(MAKE) -C $(DEBUG_KOUT)/obj M=$(BUILD)/$(DEBUG_KVER)/debugcheck KCFLAGS=-Werror modules
TEST_KMODS += $(DCHK_KMOD)
endif

kmod: $(KMODS)
test-kmods: $(TEST_KMODS)

# ---- userspace ------------------------------------------------------------------
LIBPCIEM := tools/libpciem/pciem.c
LIBPCIEM_H := tools/libpciem/pciem.h kmod/uapi/pciem_userspace.h
USER_CFLAGS := -std=gnu11 $(CFLAGS) $(WARN) $(UAPI) -Itools/libpciem

$(BUILD)/bin/%: tests/vm/%.c $(LIBPCIEM) $(LIBPCIEM_H)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) $< $(LIBPCIEM) -o $@

$(BUILD)/examples/dummy_clock/device: examples/dummy_clock/device.c kmod/uapi/pciem_userspace.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(CFLAGS) $(WARN) $(UAPI) $< -o $@
$(BUILD)/examples/dma_copy/device: examples/dma_copy/device.c kmod/uapi/pciem_userspace.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(CFLAGS) $(WARN) $(UAPI) $< -o $@

TEST_BINS := $(BUILD)/bin/devmodel $(BUILD)/bin/ioctl_check $(BUILD)/bin/tracecat \
	     $(BUILD)/bin/replayer
userspace: $(TEST_BINS) pciem-trace
examples: $(BUILD)/examples/dummy_clock/device $(BUILD)/examples/dma_copy/device
include tracer/Makefile.inc

# The walkthrough's code compiles unchanged with both compilers.
check-walkthrough: examples/dummy_clock/walkthrough.c kmod/uapi/pciem_userspace.h
	@mkdir -p $(BUILD)/unit
	gcc -std=gnu11 -Wall -Werror $(UAPI) -c $< -o $(BUILD)/unit/walkthrough-gcc.o
	clang -std=gnu11 -Wall -Werror $(UAPI) -c $< -o $(BUILD)/unit/walkthrough-clang.o
	g++ -x c++ -std=c++17 -Wall -Werror $(UAPI) -fsyntax-only kmod/uapi/pciem_userspace.h

# ---- tests -----------------------------------------------------------------------
UNIT_SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -g
$(BUILD)/unit/test_libpciem: tests/unit/test_libpciem.c $(LIBPCIEM) $(LIBPCIEM_H)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O1 $(UNIT_SAN) $(WARN) $(UAPI) -Itools/libpciem $< $(LIBPCIEM) -lcmocka -o $@

# pciem-replay --suite's JUnit and TAP writers (replay/junit.c alone); it
# leaves a sample of each in $(BUILD)/unit for xmllint (check-unit)
$(BUILD)/unit/test_junit: tests/unit/test_junit.c replay/junit.c replay/replay.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O1 $(UNIT_SAN) $(WARN) $(UAPI) -Ireplay -Iformats -Itools/pciem-trace $< \
		replay/junit.c -lcmocka -o $@

-include tests/unit/Makefile.insn
include formats/Makefile.inc
include tools/pciem-trace/Makefile.inc
include replay/Makefile.inc

check-unit: check-walkthrough $(BUILD)/unit/test_libpciem $(BUILD)/unit/test_junit check-insn check-ptf check-ptrace
	$(BUILD)/unit/test_libpciem
	$(BUILD)/unit/test_junit $(BUILD)/unit
	xmllint --noout --schema tests/data/jenkins-junit.xsd $(BUILD)/unit/junit.xml

# One VM boot per test script and kernel; tools/pciem-vm checks each
# boot's kernel log.  VM_KERNELS and VM_TESTS narrow the run.  The debug
# kernel runs every test but those in VM_DEBUG_SKIP, which touch neither
# the fault path, concurrency, teardown nor replay (README, "The debug
# kernel"): that keeps CI under an hour.  VM_DEBUG_SKIP= runs them all.
VM_KERNELS ?= $(KVERS)
VM_TESTS ?= $(sort $(wildcard tests/vm/t_*.sh))
VM_DEBUG_SKIP ?= t_dummy_clock_ticks t_eight_devices t_lspci t_lttng t_pciem_replay \
		 t_record t_record_symbols t_unpriv t_ctf_export \
		 t_real_rec_pvpanic t_real_rec_bochs t_real_msi t_real_rec_testdev \
		 t_installed t_suite_junit t_dkms
# The stress tests' rounds in percent of their defaults (a quarter of that
# on the debug kernel): make test keeps CI under an hour, make stress runs
# hundreds of teardown rounds.
VM_STRESS_PCT ?= 5
check-vm: all test-kmods $(BUILD)/unit/gen_trace $(BUILD)/unit/trace_edit
	@STRESS_PCT=$(VM_STRESS_PCT) tests/vm/run.sh --kernels "$(VM_KERNELS)" \
		--debug-skip "$(VM_DEBUG_SKIP)" $(VM_TESTS)

# make stress: the teardown races and the vector cycling with three times
# their default rounds (300 teardown rounds, 180 for t_teardown_real; a
# quarter on the debug kernel), with an hour per test (two on the debug
# kernel) instead of the suite's 10 and 30 minutes.
STRESS_TESTS := $(sort $(wildcard tests/vm/t_teardown_*.sh)) tests/vm/t_irq_vectors_race.sh
stress: all test-kmods
	@STRESS_PCT=300 tests/vm/run.sh --timeout 3600 --debug-timeout 7200 --kernels "$(VM_KERNELS)" $(STRESS_TESTS)

# The harness itself: pciem-vm must report a guest's bad kernel log,
# crash or timeout, or the VM tests would prove nothing.
check-harness: kmod $(DCHK_KMOD)
	tools/vm/selftest.sh --kernels "$(VM_KERNELS)"

check: check-unit check-fuzz check-harness check-deb check-vm

# deps first, then the debug kernel, each in a make of its own: the
# kernels to build for are only known once their headers are installed
# and the debug kernel is built.
test: deps
	$(MAKE) debug-kernel
	$(MAKE) check

# make bench: MMIO cost per access in each trap mode and under mmiotrace,
# one VM boot per kernel (tests/bench/mmio.sh), and the same paths counted
# in guest instructions (tests/bench/trap_insns.sh, a boot with
# tools/pciem-vm --icount: the same counts in every run), full trap among them with
# the tracepoint pciem:pciem_event disabled, enabled and compiled out (a
# module built with PCIEM_NO_TRACEPOINT=1 into build/VERSION/kmod-notp,
# for the benchmark only); then a recording of 100,000
# ticks of the counter device (tests/bench/counter_record.sh, in a VM) and
# libptf's speed and size on it and on synthetic workloads (DMA payloads
# among them), on the host
# (tests/bench/ptf_bench.c); pciem-trace export --ctf beside dump --json
# (tests/bench/export_bench.sh); full trap recorded with and without
# pciem-record --stacks (tests/bench/stacks.sh, in a VM); replay against
# recording for dma_copy and for the in-tree nvme driver
# (tests/bench/dma_replay.sh, nvme_replay.sh).  Results and
# method: docs/benchmarks.md.
# The guests use the TSC clock, as hardware does (tools/pciem-vm --append):
# under TCG they would otherwise read the HPET, an emulated device, for
# every timestamp.
BENCH_KERNEL ?= $(firstword $(VM_KERNELS))
BENCH_VM := tools/pciem-vm --append tsc=reliable
bench: deps
	$(MAKE) all test-kmods
	@for k in $(VM_KERNELS); do \
		kd=$(if $(KDIR),$(KDIR),/lib/modules/$$k/build); \
		[ "$$k" != "$(DEBUG_KVER)" ] || kd=$(DEBUG_KOUT)/obj; \
		o=$(BUILD)/$$k/kmod-notp; mkdir -p $$o && ln -sfn $(TOP)/kmod/uapi $$o/uapi && \
		for f in $(notdir $(KMOD_SRCS)); do ln -sf $(TOP)/kmod/$$f $$o/$$f; done && \
		$(MAKE) -C $$kd M=$$o KCFLAGS=-Werror PCIEM_NO_TRACEPOINT=1 modules || exit 1; \
	done
	@for k in $(VM_KERNELS); do \
		$(BENCH_VM) --kernel $$k --device pci-testdev -- sh tests/bench/mmio.sh || exit 1; \
		$(BENCH_VM) --icount --smp 1 --kernel $$k --device pci-testdev -- \
			sh tests/bench/trap_insns.sh || exit 1; \
	done
	$(BENCH_VM) --kernel $(BENCH_KERNEL) --timeout 1800 -- sh tests/bench/counter_record.sh
	$(BENCH_VM) --kernel $(BENCH_KERNEL) --timeout 1800 -- sh tests/bench/stacks.sh
	$(BENCH_VM) --kernel $(BENCH_KERNEL) --device e1000 --timeout 1800 -- sh tests/bench/dma.sh
	$(BENCH_VM) --kernel $(BENCH_KERNEL) --timeout 1800 -- sh tests/bench/dma_replay.sh
	$(BENCH_VM) --kernel $(BENCH_KERNEL) --disk nv0:64 --device nvme,serial=pciem,drive=nv0 \
		--timeout 1800 -- sh tests/bench/nvme_replay.sh
	$(MAKE) bench-ptf PTF_BENCH_ARGS=$(BUILD)/bench/counter-100k.zst
	$(MAKE) bench-export

demo: deps
	$(MAKE) all
	tools/pciem-vm -- sh -c 'examples/dummy_clock/demo.sh && examples/dummy_clock/replay_demo.sh && examples/dma_copy/demo.sh'
	tools/pciem-vm --disk nv0:64 --device nvme,serial=pciem,drive=nv0 -- examples/nvme/demo.sh

# ---- installing -------------------------------------------------------------------
# make install / uninstall: the tools, their companion files, the man pages,
# the completions and libptf under PREFIX (default /usr/local), staged under
# DESTDIR; make install-dkms / uninstall-dkms: the module's source for DKMS
# and the udev rule; make deb: the Debian packages (docs/packaging.md).
# The tools find the LTTng-UST provider as ../lib/pciem/libpciem-tp.so from
# their own directory, so LIBDIR (libptf) may move but PKGLIBDIR follows
# PREFIX.  --stacks' BPF program is inside pciem-record and pciem-replay
# (the skeleton embeds it): there is no separate BPF object to install.
PCIEM_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' $(TOP)/kmod/dkms.conf)
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
PKGLIBDIR := $(PREFIX)/lib/pciem
INCLUDEDIR ?= $(PREFIX)/include
DATADIR ?= $(PREFIX)/share
PKGDATADIR := $(DATADIR)/pciem
MANDIR ?= $(DATADIR)/man
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
UDEVRULESDIR ?= /etc/udev/rules.d
DKMS_SRCDIR := /usr/src/pciem-$(PCIEM_VERSION)
INSTALL ?= install

INST_TOOLS := pciem-record pciem-replay pciem-trace
INST_MAN1 := $(addprefix docs/man/,$(addsuffix .1,$(INST_TOOLS)))
INST_MAN4 := docs/man/pciem.4
INST_REGS := $(wildcard examples/*/*.regs)

.PHONY: tools install uninstall install-dkms uninstall-dkms deb check-dkms check-deb
# What make install installs, built (debian/rules builds this alone).
tools: $(addprefix $(BUILD)/bin/,$(INST_TOOLS)) $(RECORD_TP_SO) $(PTF_LIB)

# libptf is a static library: its pkg-config file requires (not
# requires.private) libzstd and libxxhash, so --libs links them too.
install: tools
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(PKGDATADIR)/regs $(DESTDIR)$(PKGDATADIR)/tracecompass \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man4 $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(INCLUDEDIR)/pciem $(DESTDIR)$(LIBDIR)/pkgconfig
	$(INSTALL) -m 755 $(addprefix $(BUILD)/bin/,$(INST_TOOLS)) $(DESTDIR)$(BINDIR)
	$(if $(RECORD_TP_SO),$(INSTALL) -d $(DESTDIR)$(PKGLIBDIR) && \
		$(INSTALL) -m 644 $(RECORD_TP_SO) $(DESTDIR)$(PKGLIBDIR))
	$(INSTALL) -m 644 $(INST_REGS) $(DESTDIR)$(PKGDATADIR)/regs
	$(INSTALL) -m 644 tools/tracecompass/pciem-analysis.xml $(DESTDIR)$(PKGDATADIR)/tracecompass
	$(INSTALL) -m 644 $(INST_MAN1) $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 644 $(INST_MAN4) $(DESTDIR)$(MANDIR)/man4
	$(INSTALL) -m 644 completions/pciem $(DESTDIR)$(BASHCOMPDIR)/pciem-record
	ln -sf pciem-record $(DESTDIR)$(BASHCOMPDIR)/pciem-replay
	ln -sf pciem-record $(DESTDIR)$(BASHCOMPDIR)/pciem-trace
	$(INSTALL) -m 644 formats/ptf.h kmod/uapi/pciem_userspace.h $(DESTDIR)$(INCLUDEDIR)/pciem
	$(INSTALL) -m 644 $(PTF_LIB) $(DESTDIR)$(LIBDIR)
	printf '%s\n' 'prefix=$(PREFIX)' 'includedir=$(INCLUDEDIR)' 'libdir=$(LIBDIR)' '' \
		'Name: pciem-ptf' 'Description: libptf, the PCIem trace file (PTF) library' \
		'Version: $(PCIEM_VERSION)' 'Requires: libzstd libxxhash' \
		'Libs: -L$${libdir} -lptf' 'Cflags: -I$${includedir}/pciem' \
		> $(DESTDIR)$(LIBDIR)/pkgconfig/pciem-ptf.pc

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(INST_TOOLS)) \
		$(DESTDIR)$(PKGLIBDIR)/libpciem-tp.so \
		$(addprefix $(DESTDIR)$(PKGDATADIR)/regs/,$(notdir $(INST_REGS))) \
		$(DESTDIR)$(PKGDATADIR)/tracecompass/pciem-analysis.xml \
		$(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(INST_MAN1))) \
		$(DESTDIR)$(MANDIR)/man4/pciem.4 \
		$(addprefix $(DESTDIR)$(BASHCOMPDIR)/,$(INST_TOOLS)) \
		$(DESTDIR)$(INCLUDEDIR)/pciem/ptf.h $(DESTDIR)$(INCLUDEDIR)/pciem/pciem_userspace.h \
		$(DESTDIR)$(LIBDIR)/libptf.a $(DESTDIR)$(LIBDIR)/pkgconfig/pciem-ptf.pc
	-rmdir $(DESTDIR)$(PKGLIBDIR) $(DESTDIR)$(PKGDATADIR)/regs $(DESTDIR)$(PKGDATADIR)/tracecompass \
		$(DESTDIR)$(PKGDATADIR) $(DESTDIR)$(INCLUDEDIR)/pciem 2>/dev/null

# The module's source as DKMS wants it (/usr/src/pciem-VERSION: kmod/'s
# sources, Kbuild, uapi/ and dkms.conf) and the udev rule.  Then, as root:
# dkms install pciem/$(PCIEM_VERSION) (docs/packaging.md).
install-dkms:
	$(INSTALL) -d $(DESTDIR)$(DKMS_SRCDIR)/uapi $(DESTDIR)$(UDEVRULESDIR)
	$(INSTALL) -m 644 $(KMOD_SRCS) kmod/dkms.conf $(DESTDIR)$(DKMS_SRCDIR)
	$(INSTALL) -m 644 kmod/uapi/pciem_userspace.h $(DESTDIR)$(DKMS_SRCDIR)/uapi
	$(INSTALL) -m 644 kmod/60-pciem.rules $(DESTDIR)$(UDEVRULESDIR)

uninstall-dkms:
	@if [ -z "$(DESTDIR)" ] && command -v dkms >/dev/null && dkms status pciem/$(PCIEM_VERSION) | grep -q .; then \
		echo dkms remove pciem/$(PCIEM_VERSION) --all; dkms remove pciem/$(PCIEM_VERSION) --all; fi
	rm -rf $(DESTDIR)$(DKMS_SRCDIR)
	rm -f $(DESTDIR)$(UDEVRULESDIR)/60-pciem.rules

# make deb: pciem-dkms and pciem-tools (debian/), built with debhelper in a
# copy of the tree (build/deb/pciem-VERSION, so nothing is written beside
# the project), binary only, unsigned; the .deb files land in build/deb/.
DEB_DIR := $(BUILD)/deb
deb:
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_DIR)/pciem-$(PCIEM_VERSION)
	tar -C $(TOP) --exclude=./build --exclude=./.git -cf - . | tar -xf - -C $(DEB_DIR)/pciem-$(PCIEM_VERSION)
	cd $(DEB_DIR)/pciem-$(PCIEM_VERSION) && dpkg-buildpackage -b --no-sign -j2
	@ls $(DEB_DIR)/*.deb

# DKMS for each kernel with headers (/lib/modules/*/build), in trees under
# build/dkms-test: part of check-unit, so that tests/vm/t_dkms.sh, later in
# make test, modprobes the result in the VM.  make deb, then lintian and
# the packages installed into a clean chroot (tests/pkg/test_deb.sh):
# check-deb, in make test's check before the VM suite (it needs Debian's
# archive, as tools/deps.sh does; docs/packaging.md).
check-dkms:
	tests/pkg/test_dkms.sh $(BUILD)/dkms-test \
		$(foreach k,$(wildcard /lib/modules/*/build),$(call kver_of,$(k)))
check-unit: check-dkms

check-deb: deb
	tests/pkg/test_deb.sh $(DEB_DIR)

# The man pages (lint, and their options against each tool's --help), the
# bash completion (by calling its functions) and make install into a
# scratch DESTDIR (tests/pkg/); part of check-unit.
.PHONY: check-pkg
check-pkg: tools
	tests/pkg/test_man.sh $(BUILD)
	tests/pkg/test_completion.sh $(BUILD)
	tests/pkg/test_install.sh $(BUILD)
check-unit: check-pkg

clean:
	find $(BUILD) -mindepth 1 -maxdepth 1 ! -name debug-kernel -exec rm -rf {} + 2>/dev/null || true

distclean:
	rm -rf $(BUILD)
