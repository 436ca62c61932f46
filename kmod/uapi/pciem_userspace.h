/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * PCIem userspace ABI: the only file shared by the kernel module and
 * userspace.  A device model opens /dev/pciem, describes a PCIe device
 * with the ioctls below, registers it, and then serves the driver that
 * binds to it through shared memory (BAR pages and an event ring).
 *
 * Rules for every struct here: fixed-width fields, explicit padding,
 * reserved fields and unknown flag bits must be zero (else -EINVAL).
 *
 * Every ioctl returns 0 (REGISTER: a new fd) or -1 with errno:
 *   EINVAL  a field is out of range, a reserved field or unknown flag is set
 *   EBUSY   the call is out of order for the device's state (e.g. ADD_BAR
 *           after REGISTER, or a second CREATE_DEVICE)
 *   ENODEV  no device was created on this fd yet (CREATE_DEVICE first)
 *   EEXIST  the BAR index or capability type is already configured
 *   ENOSPC  no room left (config space, watchpoint slots, bus windows)
 *   ENOMEM  out of kernel memory
 *   EFAULT  the argument pointer is not readable/writable
 *   ENOTTY  unknown ioctl command
 *   EBADF   SET_EVENTFD with a descriptor that is not an eventfd
 *   EOPNOTSUPP  a feature the module does not implement (e.g. I/O BARs)
 */
#ifndef _UAPI_PCIEM_USERSPACE_H
#define _UAPI_PCIEM_USERSPACE_H

#include <linux/types.h>
#include <linux/ioctl.h>
#include <linux/pci_regs.h>	/* PCI_BASE_ADDRESS_* flags for ADD_BAR */

#if defined(__KERNEL__) || defined(__cplusplus)
#define PCIEM_ATOMIC_U32 __u32
typedef __u64 pciem_off_t;
#else
#include <stdint.h>
#define PCIEM_ATOMIC_U32 _Atomic __u32
typedef uint64_t pciem_off_t;	/* same layout as __u64; prints with %lx */
#endif

#define PCIEM_DEVICE_PATH	"/dev/pciem"
#define PCIEM_ABI_VERSION	1

/* ---- Device description (before REGISTER) ---------------------------- */

/* PCIEM_IOCTL_CREATE_DEVICE: start describing a device on this fd. */
struct pciem_create_device {
	__u32 flags;		/* none defined: 0 */
	__u32 reserved[7];
};

/* PCIEM_IOCTL_ADD_BAR: BAR @bar_index (0-5), memory only.  A 64-bit BAR
 * uses two BAR registers, so @bar_index + 1 must be free and is taken. */
#define PCIEM_BAR_MIN_SIZE	4096ULL
#define PCIEM_BAR_MAX_SIZE	(256ULL << 20)
struct pciem_bar_config {
	__u32 bar_index;
	__u32 flags;		/* PCI_BASE_ADDRESS_SPACE_MEMORY |
				 * PCI_BASE_ADDRESS_MEM_TYPE_32 or _64 |
				 * optionally PCI_BASE_ADDRESS_MEM_PREFETCH */
	__u64 size;		/* power of two, MIN_SIZE..MAX_SIZE */
	__u64 reserved[2];
};

/* PCIEM_IOCTL_ADD_CAPABILITY: @cap_data holds one of the structs below. */
enum pciem_cap_type {
	PCIEM_CAP_MSI	= 1,	/* struct pciem_cap_msi_userspace */
	PCIEM_CAP_PCIE	= 2,	/* struct pciem_cap_pcie_userspace */
	PCIEM_CAP_PM	= 3,	/* struct pciem_cap_pm_userspace */
};
#define PCIEM_CAP_DATA_MAX	64

struct pciem_cap_msi_userspace {
	__u8 num_vectors_log2;	/* 0..5: 1..32 vectors */
	__u8 has_64bit;		/* 0 or 1: 64-bit message address */
	__u8 has_masking;	/* 0 or 1: per-vector mask and pending bits */
	__u8 reserved[5];
};

struct pciem_cap_pcie_userspace {
	__u8 port_type;		/* PCI_EXP_TYPE_ENDPOINT (0) or
				 * PCI_EXP_TYPE_LEG_END (1) */
	__u8 link_speed;	/* 1..4 (2.5, 5, 8, 16 GT/s); 0 means 1 */
	__u8 link_width;	/* 1, 2, 4, 8 or 16 lanes; 0 means 1 */
	__u8 reserved[5];
};

struct pciem_cap_pm_userspace {
	__u8 d1_support;	/* 0 or 1 */
	__u8 d2_support;	/* 0 or 1 */
	__u8 no_soft_reset;	/* 0 or 1 */
	__u8 reserved[5];
};

struct pciem_cap_config {
	__u32 cap_type;		/* enum pciem_cap_type */
	__u32 cap_size;		/* sizeof the struct in @cap_data */
	__u8 cap_data[PCIEM_CAP_DATA_MAX];
};

/* PCIEM_IOCTL_SET_CONFIG: identity of the device.  @class_code is in
 * config-space order: programming interface, sub-class, base class. */
struct pciem_config_space {
	__u16 vendor_id;	/* not 0x0000 nor 0xffff */
	__u16 device_id;
	__u16 subsys_vendor_id;
	__u16 subsys_device_id;
	__u8 revision;
	__u8 class_code[3];
	__u8 header_type;	/* 0x00 only (type 0, single function) */
	__u8 interrupt_pin;	/* 0: none; 1: INTA */
	__u8 reserved[18];
};

/* PCIEM_IOCTL_SET_WATCHPOINT: a hardware data breakpoint on a register of
 * the driver's mapping of a BAR.  Before or after REGISTER; with
 * BAR_KPROBES it is armed on every mapping the driver makes of the BAR
 * (including mappings made later).  A hit on a driver read produces a
 * PCIEM_EVENT_WATCHPOINT event; writes to the register are reported the
 * same way by the write trap.  At most PCIEM_MAX_WATCHPOINTS per device;
 * the CPU has 4 debug registers shared by the whole system. */
#define PCIEM_WP_FLAG_BAR_KPROBES	(1U << 0)
#define PCIEM_WP_FLAG_BAR_MANUAL	(1U << 1)
#define PCIEM_MAX_WATCHPOINTS		4
struct pciem_watchpoint_config {
	__u32 bar_index;
	__u32 offset;		/* aligned to @width, inside the BAR */
	__u32 width;		/* 1, 2, 4 or 8 */
	__u32 flags;		/* exactly one of BAR_KPROBES, BAR_MANUAL */
	__u64 vaddr;		/* BAR_MANUAL: kernel virtual address of the
				 * register in the driver's mapping */
	__u64 reserved[2];
};

/* ---- After REGISTER ---------------------------------------------------- */

/* PCIEM_IOCTL_SET_EVENTFD: signalled when events are added to the ring
 * (wake-ups are batched: one signal may stand for many events). */
struct pciem_eventfd_config {
	__s32 eventfd;		/* an eventfd, or -1 to remove it */
	__u32 reserved;
};

/* PCIEM_IOCTL_GET_BAR_INFO */
struct pciem_bar_info_query {
	__u32 bar_index;	/* in */
	__u32 flags;		/* out: as given to ADD_BAR */
	__u64 size;		/* out */
	__u64 bus_addr;		/* out: address assigned on the bus, 0
				 * before REGISTER */
	__u64 reserved[2];
};

/* The instance fd (returned by REGISTER) maps BAR n at this offset. */
#define PCIEM_BAR_MMAP_OFFSET(n)	((__u64)(n) << 32)

/* PCIEM_IOCTL_INJECT_IRQ: raise MSI @vector (INTx if the device has no
 * MSI capability; vector must then be 0).  If MSI is disabled or the
 * vector is masked, the interrupt is left pending (the MSI pending bit is
 * set) and delivered when the driver unmasks it.  @status reports which. */
#define PCIEM_IRQ_DELIVERED	0
#define PCIEM_IRQ_PENDING	1
struct pciem_irq_inject {
	__u32 vector;
	__u32 status;		/* out: PCIEM_IRQ_DELIVERED or _PENDING */
	__u64 reserved;
};

/* PCIEM_IOCTL_GET_DEVICE_INFO: where the device sits on the bus. */
#define PCIEM_STATE_CREATED	1	/* CREATE_DEVICE done */
#define PCIEM_STATE_REGISTERED	2	/* on the bus */
struct pciem_device_info {
	__u32 state;		/* 0, or PCIEM_STATE_* */
	__u32 domain;		/* PCI domain (segment) */
	__u8 bus;
	__u8 devfn;
	__u8 driver_bound;	/* 1 while a driver is bound */
	__u8 reserved0;
	__u32 reserved[5];
};

/* PCIEM_IOCTL_SET_TRAP_MODE: how the driver's accesses to the BARs in
 * @bar_mask (bit n: BAR n; 0: every BAR) are seen, before or after
 * REGISTER; the driver's existing mappings are switched at once.
 *   PCIEM_TRAP_WRITES (default): reads go straight to BAR memory, writes
 *     are trapped (MMIO_WRITE events).
 *   PCIEM_TRAP_FULL: reads are trapped too and become MMIO_READ events
 *     carrying the value the driver received. */
#define PCIEM_TRAP_WRITES	0
#define PCIEM_TRAP_FULL		1
struct pciem_trap_mode {
	__u32 bar_mask;
	__u32 mode;
	__u64 reserved;
};

/* ---- The event ring (mmap offset 0 of the /dev/pciem fd) ---------------
 *
 * Single producer (the kernel), single consumer (the device model).  The
 * kernel writes events[tail] then, with release ordering, advances @tail;
 * the consumer reads @tail with acquire ordering, handles events[head ..
 * tail), then stores @head.  Indices run 0..PCIEM_RING_SIZE-1 and wrap;
 * head == tail means empty, one slot stays free.  The kernel keeps its own
 * copy of @tail and bounds @head before use: a bad @head written by the
 * consumer can only make the ring look full or empty.  When the ring is
 * full an event is not written and @lost is incremented: nothing is
 * dropped without being counted (the event's sequence number is used up,
 * so the gap is visible too).
 *
 * Driver reads are not events in write-trap mode: the driver reads BAR
 * memory directly, so a register that the driver writes reads back the
 * written value until the device model stores the register's new state.
 */
#define PCIEM_RING_SIZE		1024

enum pciem_event_type {
	PCIEM_EVENT_MMIO_READ	= 1,	/* full trap only: bar, offset, size,
					 * data (the value the driver read) */
	PCIEM_EVENT_MMIO_WRITE	= 2,	/* bar, offset, size, data */
	PCIEM_EVENT_CONFIG_READ	= 3,	/* reserved for tracing */
	PCIEM_EVENT_CONFIG_WRITE = 4,	/* offset, size, data: a config write
					 * at 0x40 or above (capabilities and
					 * device-specific registers); the
					 * standard header is emulated and
					 * not reported */
	PCIEM_EVENT_WATCHPOINT	= 5,	/* bar, offset, size, data (the value
					 * after the access), flags */
	PCIEM_EVENT_UNSUPPORTED	= 6,	/* an access PCIem cannot emulate: bar,
					 * offset, ip; data holds the first
					 * instruction bytes (little endian),
					 * size how many were read.  The CPU
					 * then performs it, and that page of
					 * the mapping is no longer trapped. */
};

/* Trace channel only (see PCIEM_IOCTL_TRACE_SUBSCRIBE below). */
#define PCIEM_EVENT_IRQ		16	/* data: vector; flags: PCIEM_EVENT_F_PENDING
					 * if it was left pending, F_DEFERRED when a
					 * pending one is delivered later.  A
					 * delivery's event is numbered before
					 * the driver's handler can run, so the
					 * handler's accesses follow it. */
#define PCIEM_EVENT_LIFECYCLE	17	/* offset: PCIEM_LC_*; see below */

/* PCIEM_EVENT_LIFECYCLE kinds (in .offset) */
#define PCIEM_LC_REGISTERED	1	/* on the bus; description record before */
#define PCIEM_LC_BAR_MAPPED	2	/* bar; data: mapping size; ip: caller */
#define PCIEM_LC_BAR_UNMAPPED	3	/* bar */
#define PCIEM_LC_DRIVER_BOUND	4
#define PCIEM_LC_DRIVER_UNBOUND	5	/* unbinding starts: before remove() */
#define PCIEM_LC_REMOVED	6

/* pciem_event.flags */
#define PCIEM_EVENT_F_WRITE	(1U << 0)	/* WATCHPOINT: a write */
#define PCIEM_EVENT_F_PENDING	(1U << 1)	/* IRQ: left pending */
#define PCIEM_EVENT_F_DEFERRED	(1U << 2)	/* IRQ: pending one delivered */
#define PCIEM_EVENT_F_HEADER	(1U << 3)	/* CONFIG_WRITE to the standard
						 * header: recorders only */

struct pciem_event {
	__u64 seq;		/* per-device sequence number, from 0 */
	__u32 type;		/* enum pciem_event_type */
	__u32 bar;		/* BAR index (MMIO, WATCHPOINT) */
	pciem_off_t offset;	/* offset in the BAR or config space */
	__u64 data;		/* value written or read (little endian) */
	__u32 size;		/* access width in bytes: 1, 2, 4, 8 */
	__u32 flags;		/* PCIEM_EVENT_F_* */
	__u64 timestamp_ns;	/* CLOCK_MONOTONIC */
	__u64 ip;		/* driver instruction pointer (MMIO) */
	__u32 cpu;
	__u32 pid;		/* task id of the accessing context */
};

struct pciem_shared_ring {
	PCIEM_ATOMIC_U32 head;	/* consumer index, written by userspace */
	PCIEM_ATOMIC_U32 tail;	/* producer index, written by the kernel */
	__u32 version;		/* PCIEM_ABI_VERSION */
	__u32 size;		/* PCIEM_RING_SIZE */
	__u64 lost;		/* events not written because the ring was
				 * full; read with an atomic 64-bit load */
	__u64 reserved[5];
	struct pciem_event events[PCIEM_RING_SIZE];
};

/* ---- The trace channel ------------------------------------------------------
 *
 * A recorder opens /dev/pciem and, before anything else on that fd, calls
 * PCIEM_IOCTL_TRACE_SUBSCRIBE: from then on every event of the matching
 * devices is written to the recorder's own ring, all event kinds (config
 * reads included), each device's events in the order of their sequence
 * numbers.  A device created after the subscription is matched when it
 * is created (MATCH_ALL, MATCH_PID) or identified by SET_CONFIG
 * (MATCH_ID), so everything from its registration on, the driver's probe
 * included, is recorded.  The first record of a device is its
 * description (PCIEM_TREC_DEVICE).
 *
 * mmap offset 0 of the recorder fd: one page of struct pciem_trace_header,
 * then @data_size bytes of records.  @head and @tail are free-running byte
 * counts; the data of byte count x is at data[x % data_size].  The kernel
 * writes records at tail and advances @tail with release ordering; the
 * reader reads @tail with acquire ordering, consumes records up to it and
 * stores @head.  A record never wraps: a PCIEM_TREC_PAD record fills the
 * end of the data area instead.  The kernel keeps its own copy of the
 * indices; a @head that is not between the kernel's consumed and produced
 * counts is ignored.  poll() reports POLLIN when records are waiting; the
 * wake-ups are batched (at most about one per timer tick, sooner when the
 * ring is half full).
 *
 * When a record does not fit: with PCIEM_TRACE_F_LOSSLESS the producing
 * CPU waits up to @wait_us for the reader (with interrupts off, so size the
 * ring for the bursts you expect); otherwise, or when that time runs out,
 * the record is dropped and counted, and a PCIEM_TREC_LOST record naming
 * the device's lost sequence numbers is written as soon as there is room
 * again (losses that no record follows are written when the reader calls
 * poll() and there is room).  After a wait has timed out, records are
 * dropped without waiting until the reader has emptied half the ring.
 * Nothing is lost silently.
 */
#define PCIEM_TRACE_MATCH_ALL	0	/* every device created from now on */
#define PCIEM_TRACE_MATCH_ID	1	/* devices with @vendor_id:@device_id */
#define PCIEM_TRACE_MATCH_PID	2	/* devices created by process @pid */
#define PCIEM_TRACE_MATCH_DOMAIN 3	/* the existing device in PCI @domain */

#define PCIEM_TRACE_F_LOSSLESS	(1U << 0)
#define PCIEM_TRACE_F_EXISTING	(1U << 1)	/* also existing matching devices */
#define PCIEM_TRACE_F_FULL_TRAP	(1U << 2)	/* full trap on every BAR of the
						 * matched devices while this
						 * recorder is subscribed; then
						 * back to the model's choice */

#define PCIEM_TRACE_MIN_RING	(64ULL << 10)
#define PCIEM_TRACE_MAX_RING	(1ULL << 30)
#define PCIEM_TRACE_MAX_WAIT_US	1000000

struct pciem_trace_subscribe {
	__u64 ring_size;	/* data bytes: power of two, MIN..MAX_RING */
	__u32 match;		/* PCIEM_TRACE_MATCH_* */
	__u32 flags;		/* PCIEM_TRACE_F_* */
	__u16 vendor_id;	/* MATCH_ID */
	__u16 device_id;
	__u32 pid;		/* MATCH_PID: a thread group id */
	__u32 domain;		/* MATCH_DOMAIN */
	__u32 wait_us;		/* LOSSLESS: 1..MAX_WAIT_US; 0 means 10000 */
	__u64 reserved[4];
};

struct pciem_trace_header {
	__u32 version;		/* PCIEM_ABI_VERSION */
	__u32 header_size;	/* offset of the data area: one page */
	__u64 data_size;
	__u64 head;		/* written by the reader */
	__u64 tail;		/* written by the kernel */
	__u64 lost;		/* records dropped since the subscription
				 * (events, and descriptions that did not
				 * fit: those have no sequence number) */
	__u64 reserved[27];
};

/* Record types */
#define PCIEM_TREC_PAD		0	/* skip @size bytes */
#define PCIEM_TREC_EVENT	1	/* struct pciem_event */
#define PCIEM_TREC_DEVICE	2	/* struct pciem_trace_device */
#define PCIEM_TREC_LOST		3	/* struct pciem_trace_lost */

struct pciem_trace_rec {
	__u32 size;		/* of the whole record, a multiple of 16 */
	__u16 type;		/* PCIEM_TREC_* */
	__u16 flags;		/* none yet */
	__u32 domain;		/* the device: its PCI domain */
	__u32 reserved;
	/* followed by the payload */
};

struct pciem_trace_bar {
	__u64 bus_addr;
	__u64 size;		/* 0: no BAR (or upper half of a 64-bit one) */
	__u32 flags;		/* as given to ADD_BAR */
	__u32 reserved;
};

struct pciem_trace_device {
	__u16 vendor_id;
	__u16 device_id;
	__u8 bus;
	__u8 devfn;
	__u8 msi_cap;		/* offsets of the capabilities, 0: none */
	__u8 pcie_cap;
	__u8 pm_cap;
	__u8 reserved0[3];
	__u32 creator_pid;
	struct pciem_trace_bar bars[6];
	__u8 config[4096];	/* config space as registered */
};

struct pciem_trace_lost {
	__u64 first_seq;	/* the device's lost sequence numbers */
	__u64 last_seq;
	__u64 count;
};

/* ---- ioctl numbers ----------------------------------------------------- */
#define PCIEM_IOCTL_MAGIC	0xC5

#define PCIEM_IOCTL_CREATE_DEVICE  _IOW(PCIEM_IOCTL_MAGIC, 0x00, struct pciem_create_device)
#define PCIEM_IOCTL_ADD_BAR	   _IOW(PCIEM_IOCTL_MAGIC, 0x01, struct pciem_bar_config)
#define PCIEM_IOCTL_ADD_CAPABILITY _IOW(PCIEM_IOCTL_MAGIC, 0x02, struct pciem_cap_config)
#define PCIEM_IOCTL_SET_CONFIG	   _IOW(PCIEM_IOCTL_MAGIC, 0x03, struct pciem_config_space)
#define PCIEM_IOCTL_SET_WATCHPOINT _IOW(PCIEM_IOCTL_MAGIC, 0x04, struct pciem_watchpoint_config)
#define PCIEM_IOCTL_REGISTER	   _IO(PCIEM_IOCTL_MAGIC, 0x05)
#define PCIEM_IOCTL_SET_EVENTFD	   _IOW(PCIEM_IOCTL_MAGIC, 0x06, struct pciem_eventfd_config)
#define PCIEM_IOCTL_GET_BAR_INFO   _IOWR(PCIEM_IOCTL_MAGIC, 0x07, struct pciem_bar_info_query)
#define PCIEM_IOCTL_INJECT_IRQ	   _IOWR(PCIEM_IOCTL_MAGIC, 0x08, struct pciem_irq_inject)
#define PCIEM_IOCTL_GET_DEVICE_INFO _IOR(PCIEM_IOCTL_MAGIC, 0x09, struct pciem_device_info)
#define PCIEM_IOCTL_SET_TRAP_MODE  _IOW(PCIEM_IOCTL_MAGIC, 0x0a, struct pciem_trap_mode)
#define PCIEM_IOCTL_TRACE_SUBSCRIBE _IOW(PCIEM_IOCTL_MAGIC, 0x0b, struct pciem_trace_subscribe)

/* Layout checks (C11 and C++11). */
#if defined(__cplusplus)
#define PCIEM_ASSERT_SIZE(t, n) static_assert(sizeof(t) == (n), #t)
#else
#define PCIEM_ASSERT_SIZE(t, n) _Static_assert(sizeof(t) == (n), #t)
#endif
PCIEM_ASSERT_SIZE(struct pciem_create_device, 32);
PCIEM_ASSERT_SIZE(struct pciem_bar_config, 32);
PCIEM_ASSERT_SIZE(struct pciem_cap_msi_userspace, 8);
PCIEM_ASSERT_SIZE(struct pciem_cap_pcie_userspace, 8);
PCIEM_ASSERT_SIZE(struct pciem_cap_pm_userspace, 8);
PCIEM_ASSERT_SIZE(struct pciem_cap_config, 72);
PCIEM_ASSERT_SIZE(struct pciem_config_space, 32);
PCIEM_ASSERT_SIZE(struct pciem_watchpoint_config, 40);
PCIEM_ASSERT_SIZE(struct pciem_eventfd_config, 8);
PCIEM_ASSERT_SIZE(struct pciem_bar_info_query, 40);
PCIEM_ASSERT_SIZE(struct pciem_irq_inject, 16);
PCIEM_ASSERT_SIZE(struct pciem_device_info, 32);
PCIEM_ASSERT_SIZE(struct pciem_trap_mode, 16);
PCIEM_ASSERT_SIZE(struct pciem_trace_subscribe, 64);
PCIEM_ASSERT_SIZE(struct pciem_trace_header, 256);
PCIEM_ASSERT_SIZE(struct pciem_trace_rec, 16);
PCIEM_ASSERT_SIZE(struct pciem_trace_bar, 24);
PCIEM_ASSERT_SIZE(struct pciem_trace_device, 4256);
PCIEM_ASSERT_SIZE(struct pciem_trace_lost, 24);
PCIEM_ASSERT_SIZE(struct pciem_event, 64);
PCIEM_ASSERT_SIZE(struct pciem_shared_ring, 64 + 64 * PCIEM_RING_SIZE);

#endif /* _UAPI_PCIEM_USERSPACE_H */
