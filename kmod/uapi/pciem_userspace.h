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
 *   EAGAIN  REPLAY_FEED: the replay FIFO is full (poll() for POLLOUT)
 * The replay ioctls and read() list their own cases below.
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
 * uses two BAR registers, so @bar_index + 1 must be free and is taken.  A
 * BAR smaller than a page (real devices often have 16-byte ones) is backed
 * by a page of its own: it is placed on a page boundary, and the bytes of
 * the page past its size read as zero and ignore writes. */
#define PCIEM_BAR_MIN_SIZE	16ULL
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
	PCIEM_CAP_MSIX	= 4,	/* struct pciem_cap_msix_userspace */
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

/*
 * MSI-X: a table of @table_size 16-byte entries at @table_offset of memory
 * BAR @table_bar, and the pending-bit array (one bit per vector, in 64-bit
 * words: 8 * ceil(table_size / 64) bytes) at @pba_offset of BAR @pba_bar.
 * Offsets are 8-byte aligned; each range lies inside its BAR (checked at
 * REGISTER, so ADD_BAR may come later: EINVAL there otherwise) and the two
 * do not overlap.
 *
 * The kernel owns both ranges.  At REGISTER it sets every entry to zero
 * with its vector masked and clears the pending bits; from then on the
 * driver's reads and writes of them act as on hardware and are recorded,
 * in every trap mode (the pages that hold them are always fully trapped;
 * the driver's other reads in those pages are recorded only in full trap,
 * as elsewhere), and the PBA ignores writes.  The model sees them through its mapping of the BAR
 * and must not write them.
 *
 * INJECT_IRQ with .vector = N, while the driver has MSI-X enabled, fires
 * vector N; while the function or the vector is masked it sets the
 * vector's pending bit instead, and the vector fires when both are
 * unmasked (while MSI-X is disabled, the same, on enable). */
#define PCIEM_MSIX_MAX_VECTORS	2048
struct pciem_cap_msix_userspace {
	__u16 table_size;	/* 1..PCIEM_MSIX_MAX_VECTORS */
	__u8 table_bar;		/* 0..5 */
	__u8 pba_bar;		/* 0..5 */
	__u32 table_offset;
	__u32 pba_offset;
	__u8 reserved[4];
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

/* PCIEM_IOCTL_SET_CONFIG_IMAGE: the whole configuration space at once,
 * instead of SET_CONFIG and ADD_CAPABILITY; for instance the snapshot a
 * recorder was given (struct pciem_trace_device.config), which is how a
 * replayer re-creates a recorded device.  Before REGISTER, at most once,
 * and not after ADD_CAPABILITY (nor ADD_CAPABILITY after it): EBUSY.
 *
 * @data points to PCIEM_CFG_IMAGE_SIZE bytes, taken as they are except:
 *  - the BAR registers (0x10-0x27) and the expansion ROM register (0x30)
 *    are ignored: BARs come from ADD_BAR (before or after this call) and
 *    get their addresses at REGISTER;
 *  - the MSI pending bits are cleared (PCIem keeps them), and so are the
 *    MSI-X enable and function-mask bits (the device starts as after
 *    reset);
 *  - bytes 0x100 on are only reachable when there is a PCI Express
 *    capability, as with SET_CONFIG.
 * The image must describe a device PCIem can emulate, else EINVAL: vendor
 * ID not 0x0000 nor 0xffff, header type 0x00, interrupt pin 0 or 1; if
 * the status register has the capability-list bit, a list of at most 48
 * dword-aligned entries in 0x40-0xff, without loops, of MSI, MSI-X, PCI
 * Express and PM capabilities (each at most once, in the forms
 * ADD_CAPABILITY builds: MSI with 1-32 vectors, MSI-X as struct
 * pciem_cap_msix_userspace allows, PCI Express version 2 endpoint or legacy
 * endpoint), not overlapping each other; and, with PCI Express, no
 * extended capability (the dword at 0x100 is 0).
 *
 * The write mask (which bits the driver may change) is PCIem's own for the
 * standard header and for the capabilities found, and all-ones for the
 * other bytes from 0x40 on, as ADD_CAPABILITY would make it.  @wmask, when
 * not 0, points to PCIEM_CFG_IMAGE_SIZE bytes of mask that replace it from
 * 0x40 on (the header's mask stays PCIem's: BAR sizing depends on it).
 * The image also sets the device's identity, as SET_CONFIG does (SET_CONFIG
 * afterwards may still change it). */
#define PCIEM_CFG_IMAGE_SIZE	4096
struct pciem_config_image {
	__u64 data;		/* user pointer: the image */
	__u64 wmask;		/* user pointer: write mask, or 0 */
	__u32 flags;		/* none defined: 0 */
	__u32 reserved0;
	__u64 reserved[3];
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

/* PCIEM_IOCTL_INJECT_IRQ: raise MSI-X or MSI @vector (INTx if the device
 * has neither enabled and has an interrupt pin; vector must then be 0).
 * MSI-X when the driver enabled it, else MSI if the device has it, else
 * MSI-X if the device has only that.  If the vector cannot be delivered
 * now (disabled, masked), it is left pending (the pending bit is set) and
 * delivered when the driver unmasks or enables it.  @status reports
 * which. */
#define PCIEM_IRQ_DELIVERED	0
#define PCIEM_IRQ_PENDING	1
struct pciem_irq_inject {
	__u32 vector;
	__u32 status;		/* out: PCIEM_IRQ_DELIVERED or _PENDING */
	__u64 reserved;
};

/*
 * PCIEM_IOCTL_DMA: the device reads or writes host memory, as its DMA
 * engine would, at @bus_addr as the driver programmed it into the device.
 * PCIem is the device's IOMMU: it gives the driver the bus addresses of
 * its DMA mappings (coherent allocations, streaming map/unmap of pages and
 * scatter lists) from an address space of its own (1 GiB from 0x80000000,
 * first fit; a driver's DMA mask must reach 0xbfffffff), and a DMA is allowed
 * only inside one live mapping, in a direction the mapping allows:
 * PCIEM_DMA_TO_HOST (the device writes host memory, from @user_addr) into
 * a coherent, DMA_FROM_DEVICE or DMA_BIDIRECTIONAL mapping;
 * PCIEM_DMA_FROM_HOST (the device reads host memory, into @user_addr)
 * from a coherent, DMA_TO_DEVICE or DMA_BIDIRECTIONAL one.  Anything else
 * gets EFAULT and touches no memory: no byte of a transfer that would
 * leave its mapping is written (the range is checked before any byte
 * moves; a mapping the driver ends during a long transfer gets none of
 * the rest, and the call fails with EFAULT).  @len is at most
 * PCIEM_DMA_MAX_LEN; longer transfers and scatter lists are several
 * calls.  Recorded as DMA_READ / DMA_WRITE events (refusals too, with
 * PCIEM_EVENT_F_DMA_FAULT).  After REGISTER, on the
 * same fd as INJECT_IRQ.  EINVAL: bad flags, length, reserved field or an
 * address range that wraps; EBUSY: not registered; EOPNOTSUPP: a kernel
 * where PCIem cannot be a device's DMA layer (no dev->dma_ops: x86 has it
 * only with an IOMMU driver built in, as Debian's kernels have); EFAULT:
 * as above, or @user_addr is not readable/writable.
 */
#define PCIEM_DMA_TO_HOST	(1U << 0)
#define PCIEM_DMA_FROM_HOST	(1U << 1)
#define PCIEM_DMA_MAX_LEN	(1U << 20)
struct pciem_dma {
	__u64 bus_addr;
	__u64 user_addr;	/* the model's buffer */
	__u32 len;		/* 1..PCIEM_DMA_MAX_LEN */
	__u32 flags;		/* exactly one of PCIEM_DMA_TO_HOST, _FROM_HOST */
	__u64 reserved[2];
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
#define PCIEM_LC_BAR_TAKEN_OVER	7	/* bar; data: mapping size.  Real devices:
					 * a mapping the driver made before
					 * tracing started, traced from here */

/*
 * DMA (trace channel only).  The driver's DMA mappings of the device and
 * the data the device moves through them:
 *   DMA_MAP, DMA_UNMAP: a mapping made or ended (dma_alloc_* and dma_free_*
 *     too, with PCIEM_EVENT_F_DMA_COHERENT): @offset its bus address, @data
 *     its size in bytes, @bar the direction (PCIEM_DMA_DIR_*; a coherent
 *     one is BIDIRECTIONAL), @ip the driver's call site.  A scatter list
 *     is one event per entry.
 *   DMA_SYNC: a dma_sync_*_for_cpu or _for_device call (the latter with
 *     PCIEM_EVENT_F_DMA_FOR_DEVICE): @offset, @data, @bar, @ip as given.
 *   DMA_READ, DMA_WRITE: the device read (resp. wrote) host memory at bus
 *     address @offset, @data bytes, which follow the event in its trace
 *     record (struct pciem_trace_rec): at most PCIEM_TRACE_DMA_PIECE per
 *     event, so a longer transfer is several events in address order, each
 *     but the first with PCIEM_EVENT_F_SAME_INSN (same transfer).  With
 *     PCIEM_EVENT_F_DMA_FAULT the transfer was refused (outside the
 *     driver's mappings or against their direction): @data is the length
 *     asked for, no byte moved and none follows.  @pid is the device
 *     model's thread.
 */
#define PCIEM_EVENT_DMA_MAP	18
#define PCIEM_EVENT_DMA_UNMAP	19
#define PCIEM_EVENT_DMA_SYNC	20
#define PCIEM_EVENT_DMA_READ	21
#define PCIEM_EVENT_DMA_WRITE	22

/* DMA directions, as the kernel's enum dma_data_direction numbers them */
#define PCIEM_DMA_DIR_BIDIRECTIONAL	0
#define PCIEM_DMA_DIR_TO_DEVICE		1
#define PCIEM_DMA_DIR_FROM_DEVICE	2

#define PCIEM_TRACE_DMA_PIECE	4096

/* pciem_event.flags */
#define PCIEM_EVENT_F_WRITE	(1U << 0)	/* WATCHPOINT: a write */
#define PCIEM_EVENT_F_PENDING	(1U << 1)	/* IRQ: left pending */
#define PCIEM_EVENT_F_DEFERRED	(1U << 2)	/* IRQ: pending one delivered */
#define PCIEM_EVENT_F_HEADER	(1U << 3)	/* CONFIG_WRITE to the standard
						 * header: recorders only */
/*
 * MMIO_READ, MMIO_WRITE: this access belongs to the same instruction as
 * the device's previous event (same ip, seq one less): the write of a
 * read-modify-write (or, lock cmpxchg ...: the read, with the value
 * before, then the write, with the value after), or a later 8-byte piece
 * of an access wider than 8 bytes (SSE/AVX moves, movdir64b: pieces in
 * address order).  No other access to the device comes between them.
 */
#define PCIEM_EVENT_F_SAME_INSN	(1U << 4)
#define PCIEM_EVENT_F_DMA_COHERENT	(1U << 5)	/* DMA_MAP, DMA_UNMAP: a coherent
							 * allocation */
#define PCIEM_EVENT_F_DMA_FOR_DEVICE	(1U << 6)	/* DMA_SYNC: for the device
							 * (else for the CPU) */
#define PCIEM_EVENT_F_DMA_FAULT		(1U << 7)	/* DMA_READ, DMA_WRITE: refused */
#define PCIEM_EVENT_F_DMA_SEEN		(1U << 8)	/* DMA_READ, DMA_WRITE: a real
							 * device's, seen where ownership
							 * passed (see MATCH_REAL) */

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
#define PCIEM_TRACE_MATCH_REAL	4	/* a real (not PCIem) PCI device: see below */

#define PCIEM_TRACE_F_LOSSLESS	(1U << 0)
#define PCIEM_TRACE_F_EXISTING	(1U << 1)	/* also existing matching devices */
#define PCIEM_TRACE_F_FULL_TRAP	(1U << 2)	/* full trap on every BAR of the
						 * matched devices while this
						 * recorder is subscribed; then
						 * back to the model's choice */

#define PCIEM_TRACE_MIN_RING	(64ULL << 10)
#define PCIEM_TRACE_MAX_RING	(1ULL << 30)
/*
 * A CPU never waits longer than this with interrupts off (once per
 * episode), far below what the lockup and RCU stall detectors notice.
 */
#define PCIEM_TRACE_MAX_WAIT_US	100000

struct pciem_trace_subscribe {
	__u64 ring_size;	/* data bytes: power of two, MIN..MAX_RING */
	__u32 match;		/* PCIEM_TRACE_MATCH_* */
	__u32 flags;		/* PCIEM_TRACE_F_* */
	__u16 vendor_id;	/* MATCH_ID */
	__u16 device_id;
	__u32 pid;		/* MATCH_PID: a thread group id */
	__u32 domain;		/* MATCH_DOMAIN, MATCH_REAL */
	__u32 wait_us;		/* LOSSLESS: 1..MAX_WAIT_US; 0 means 10000 */
	__u8 bus;		/* MATCH_REAL */
	__u8 devfn;		/* MATCH_REAL */
	__u8 reserved0[6];
	__u64 reserved[3];
};

/*
 * Tracing a real device (PCIEM_TRACE_MATCH_REAL: @domain, @bus, @devfn name
 * a device that is not a PCIem device).  Its events go to this recorder
 * only, under the stream key PCIEM_REAL_KEY() (in pciem_trace_rec.domain,
 * and as the domain of the pciem:pciem_event tracepoint), the description
 * first (PCIEM_TDEV_F_REAL), then:
 *   MMIO_READ, MMIO_WRITE: every access through a mapping of a memory BAR
 *     (any ioremap variant: those made from now on, and those the driver
 *     made before, announced by LIFECYCLE BAR_TAKEN_OVER), performed on
 *     the device, in full trap.  Accesses to the rest of a trapped page
 *     (a BAR smaller than a page shares it with other devices) are
 *     performed and not recorded.  I/O port BARs are not seen at all
 *     (PCIEM_TDEV_F_IO_BAR).
 *   CONFIG_READ, CONFIG_WRITE: every config access to the device through
 *     its bus's operations (driver, PCI core, sysfs readers such as lspci).
 *   IRQ: each delivery of the device's interrupts, when the driver's handler
 *     starts; @data is the vector as the driver numbers it (0 for INTx,
 *     else the MSI or MSI-X index).
 *   LIFECYCLE: BAR_MAPPED, BAR_UNMAPPED, BAR_TAKEN_OVER, DRIVER_BOUND,
 *     DRIVER_UNBOUND, REMOVED (the device left the bus: tracing it ends).
 *   DMA_MAP, DMA_UNMAP, DMA_SYNC (for a real device, while the module's
 *     real_dma parameter, on by default, is set when tracing starts): the
 *     driver's calls of the DMA API for the device (mapping pages, single buffers and scatter lists, coherent
 *     allocations, dma_pool's and the managed variants through them, and
 *     syncs), from the moment tracing starts: mappings made before are
 *     not known (trace from the driver's probe to have them all).  @ip is
 *     the return address of the DMA API call (a dma_pool or dmam_ call is
 *     seen as the DMA API call it makes).
 *   DMA_READ, DMA_WRITE with PCIEM_EVENT_F_DMA_SEEN: the CPU cannot see a
 *     real device's transfers, so its data is taken where ownership of a
 *     buffer passes: a streaming buffer the device may read (TO_DEVICE,
 *     BIDIRECTIONAL) as DMA_READ when it is mapped or synced for the
 *     device; one the device may have written (FROM_DEVICE, BIDIRECTIONAL)
 *     as DMA_WRITE when it is synced for the CPU or unmapped; a coherent
 *     buffer (with F_DMA_COHERENT too) as the bytes that changed since the
 *     last look: DMA_WRITE before each interrupt and each MMIO read the
 *     driver makes (where it can learn that the device wrote), DMA_READ
 *     before each MMIO write (where it may tell the device to read).  A
 *     driver that polls coherent memory with no interrupt or register
 *     access in between is seen only at the next one.  Coherent buffers
 *     are compared with a copy kept of each (up to PCIEM_REAL_DMA_SHADOW
 *     bytes per device; a buffer beyond that is not compared, said once in
 *     the kernel log).  A DMA API call missed by the kernel's probes (two
 *     probes on one CPU at once) is counted in the kernel log when tracing
 *     stops.
 * When the recorder goes (close, or its process's death), or the device is
 * removed, every trapped mapping points at the device again and the bus's
 * operations are restored; the driver goes on working.  Errors: ENODEV (no
 * such device), EINVAL (a PCIem device: use MATCH_DOMAIN; or a bridge),
 * EBUSY (traced already, or another device on its bus is), EOPNOTSUPP
 * (@domain above PCIEM_REAL_MAX_DOMAIN), ENOSPC (PCIEM_MAX_REAL devices are
 * traced).
 */
#define PCIEM_REAL_DMA_SHADOW	(4U << 20)	/* compared at every access: kept small */
#define PCIEM_REAL_MAX_DOMAIN	0x7fff
#define PCIEM_MAX_REAL		8
#define PCIEM_REAL_KEY(domain, bus, devfn) \
	(0x80000000U | ((__u32)(domain) << 16) | ((__u32)(bus) << 8) | (__u32)(devfn))
#define PCIEM_KEY_IS_REAL(key)		(((key) & 0x80000000U) != 0)
#define PCIEM_KEY_REAL_DOMAIN(key)	(((key) >> 16) & 0x7fff)
#define PCIEM_KEY_REAL_BUS(key)		(((key) >> 8) & 0xff)
#define PCIEM_KEY_REAL_DEVFN(key)	((key) & 0xff)

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
#define PCIEM_TREC_EVENT	1	/* struct pciem_event; a DMA_READ or
					 * DMA_WRITE without F_DMA_FAULT is
					 * followed by its @data bytes */
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
	__u8 flags;		/* PCIEM_TDEV_F_* */
	__u8 reserved0[2];
	__u32 creator_pid;	/* 0 for a real device */
	struct pciem_trace_bar bars[6];
	__u8 config[4096];	/* config space as registered */
};

/* pciem_trace_device.flags */
#define PCIEM_TDEV_F_REAL	(1U << 0)	/* a real device (PCIEM_TRACE_MATCH_REAL);
						 * bars[].size is the real BAR's,
						 * bars[].flags its PCI_BASE_ADDRESS_*
						 * flags, I/O BARs included */
#define PCIEM_TDEV_F_BOUND	(1U << 1)	/* a driver was bound when tracing
						 * started: its probe is not traced */
#define PCIEM_TDEV_F_IO_BAR	(1U << 2)	/* has an I/O port BAR: its
						 * accesses are not traced */

struct pciem_trace_lost {
	__u64 first_seq;	/* the device's lost sequence numbers */
	__u64 last_seq;
	__u64 count;
};

/* ---- Replay ------------------------------------------------------------------
 *
 * A replayer re-creates a recorded device and lets the driver run against
 * the recording instead of a device model: the kernel answers the driver's
 * reads with the recorded values, checks its writes and injects the
 * recorded interrupts, all in the fault handler, with no round trip to
 * userspace.
 *
 * Order: CREATE_DEVICE, ADD_BAR..., SET_CONFIG_IMAGE (or SET_CONFIG and
 * ADD_CAPABILITY), then REPLAY_START, which freezes the description (ADD_BAR,
 * ADD_CAPABILITY, SET_CONFIG and SET_CONFIG_IMAGE give EBUSY after it), then
 * REPLAY_FEED to pre-fill the FIFO, then REGISTER: the driver probes
 * against the replay.  Every BAR is in full trap while replaying, whatever
 * SET_TRAP_MODE says.  Closing the fd (or the replayer's death) removes the
 * device as always; a driver access that is then still made reads all-ones.
 *
 * The sequence.  REPLAY_FEED appends recorded events (struct pciem_event, as
 * a recorder got them: one device's events in sequence order) to a bounded
 * FIFO; REPLAY_END says nothing follows.  A trace of any length replays
 * through the FIFO: the kernel frees events as the replay passes them, and
 * poll() reports POLLOUT when there is room.  An event's position is the
 * number of events fed before it (its *index*, from 0); the kernel never
 * takes an index from userspace.  By type, an event of the sequence is:
 *   MMIO_READ, MMIO_WRITE: an *access* the driver is expected to make.  A
 *     read is answered with the recorded @data; a write is compared (bar,
 *     offset, size, data; the value also lands in BAR memory).  Except in
 *     the MSI-X table and PBA (PCIEM_CAP_MSIX): those are emulated by the
 *     kernel during a replay as while recording, and their accesses are
 *     not matched.  The PCI core writes each entry's message address and
 *     data, which depend on the machine (APIC destination, vector number),
 *     in an order that depends on the kernel, and a real device's trace
 *     does not have the core's accesses to the table at all.  So a read
 *     there gets the kernel's table or pending bits (not the recording's
 *     value), a write updates the table (masking a vector, with its
 *     pending bit, as on hardware; the PBA ignores writes), neither is
 *     compared nor can diverge, also after a stop.  Recorded accesses
 *     there are *holds*: the replay waits at one until the driver makes
 *     any access (one to the table or PBA passes every hold up to the
 *     next access to be matched), so that an interrupt recorded after a
 *     table write (an unmask) is injected after it.
 *   CONFIG_WRITE: with PCIEM_REPLAY_F_CONFIG_WRITES, a write to a
 *     device-specific config register (0x40 and up, outside the MSI, PCI
 *     Express and PM capabilities, and without PCIEM_EVENT_F_HEADER) is an
 *     access, compared like an MMIO write.  Any other config event is
 *     passed over: config space is always answered from the config image
 *     (which is what the recording saw: a device model cannot change config
 *     space), and the kernel's own config accesses (enumeration, sysfs
 *     readers such as lspci, MSI address and data) depend on the kernel
 *     and the machine, not on the driver.
 *   IRQ without PCIEM_EVENT_F_DEFERRED: an *interrupt*, vector @data, injected
 *     as INJECT_IRQ would (left pending if masked), as soon as the replay
 *     has passed every event before it: right after the access before it
 *     completes.  With PCIEM_REPLAY_TIMING_RECORDED it is injected that
 *     long after the event before it was passed (the difference of their
 *     @timestamp_ns, at most PCIEM_REPLAY_MAX_DELAY_NS), or at once when an
 *     access after it comes first.  IRQ with F_DEFERRED (a pending one
 *     delivered later) is passed over: the emulation delivers it again;
 *     so is an IRQ with F_PENDING right after a delivered IRQ of the same
 *     vector (how a failed delivery is recorded).
 *   LIFECYCLE: a *marker*.  The replay waits there until the device emits
 *     the same kind (driver bound, BAR mapped, ...) so that interrupts
 *     recorded after it are not injected before it; an access passes it.
 *   WATCHPOINT, UNSUPPORTED: passed over.
 *   DMA_MAP, DMA_UNMAP, DMA_SYNC: with PCIEM_REPLAY_F_DMA (the replayer
 *     sets it when the recording has the device's DMA; without it the
 *     driver's DMA API calls are not matched and every DMA event is passed
 *     over, as for a recording made without them), an *access*: the driver's DMA API call
 *     for the device (PCIem is a replayed device's DMA layer, as for a
 *     model's), matched in the order the driver made them, by kind (map,
 *     unmap, sync and its direction), size, direction and coherence; an
 *     unmap or sync also by the mapping it names (the same mapping, the
 *     same offset).  To MATCH_REGISTER the maps of one shape (size,
 *     direction, coherence) are one "register", and the unmaps and syncs
 *     naming one recorded address another: maps of different shapes, and
 *     unmaps and syncs of different mappings, may come in another order
 *     than recorded (within @window).  Maps of one shape made on several
 *     CPUs at once (per-CPU queues) may come in another order too when
 *     they are streaming to-device maps whose bytes the recording has (a
 *     real device's): such a map is the first expected one of its shape in
 *     the window whose recorded bytes (first piece) are the buffer's, one
 *     recorded on the same CPU (by number) first; when none has its bytes,
 *     the first recorded on its CPU, else the first of its shape.  Other
 *     same-shaped maps keep their order (each would otherwise take the
 *     other's recorded address).
 *     A matched map gets the recorded mapping's bus address, so that the
 *     addresses the driver then programs into registers and descriptors
 *     are the recorded ones.  When that range is taken (only possible when
 *     the driver's mappings diverged), the mapping gets another address and
 *     recorded values inside the recorded mapping are translated (same
 *     mapping, same offset) before they are compared: 8-byte register
 *     writes, 4-byte ones below 4 GiB, and 8-byte aligned fields of the
 *     device's reads (below).
 *   DMA_WRITE (the device wrote host memory): its bytes are written into
 *     the driver's live mapping that holds the recorded address, when the
 *     replay passes it (right after the access before it), without a round
 *     trip to userspace; a real device's snapshot (F_DMA_SEEN) before the
 *     interrupt or at the unmap or sync it was taken at, as recorded.
 *   DMA_READ (the device read host memory): the bytes the driver prepared
 *     are compared with the recorded ones when the replay passes it, as
 *     @dma_check says (PCIEM_REPLAY_DMA_*): FULL every byte, ADDRESSES
 *     only the 8-byte aligned fields whose recorded value is a bus address
 *     inside a live mapping (descriptors, queue bases, PRP and scatter
 *     lists; data buffers with timestamps or checksums then never
 *     diverge), NONE nothing.  A difference is a PCIEM_DIV_DMA_DATA
 *     divergence; a recorded transfer outside every live mapping of the
 *     replay (the driver's mappings diverged) a PCIEM_DIV_DMA_UNMAPPED one.
 *     Either kind counts as an access for DIV_STOP.  A refused transfer
 *     (F_DMA_FAULT) is passed over.
 *   The bytes of DMA_READ and DMA_WRITE events (not F_DMA_FAULT) are fed
 *   with them (REPLAY_FEED's @payload), @data bytes each, in event order,
 *   into a payload FIFO of @payload_bytes.
 *   DMA rules (@dma_rules, @dma_rule_count of struct pciem_replay_dma_rule,
 *   at most PCIEM_REPLAY_MAX_RULES): bytes of the driver's DMA memory that
 *   legitimately differ between runs.  The replayer chooses the mappings
 *   each rule applies to: a fed DMA_MAP's @size (0 in recordings) is the
 *   mask of the rules (bit N: rule N) that apply to the mapping the driver
 *   makes in its place.  A rule's field is bytes @field..@field+@len-1 of
 *   each @entry-byte entry of the mapping, counted from its start (@entry
 *   0: every byte of the mapping).
 *     RULE_IGNORE: those bytes of the device's reads are not compared.
 *     RULE_ID: an identifier the driver chose and the device read (a
 *       command identifier, a tag): not compared; the replay notes which
 *       identifier of the driver's stands for the recorded one, per
 *       identifier space @ids.
 *     RULE_ECHO: a field of the device's writes that repeats an
 *       identifier of space @ids (a completion's command identifier): when
 *       the replay writes a recorded transfer that touches an entry, it
 *       writes the driver's identifier for the recorded one into the field
 *       (all @len bytes).  A recorded identifier the driver never gave is
 *       a PCIEM_DIV_DMA_ECHO divergence (the recorded value is written).
 *   Identifiers are 1 or 2 bytes, little endian; the latest identifier
 *   read for a recorded value counts.  A rule's recorded values are kept per
 *   entry, so transfers that cover part of a field (a real device's
 *   snapshots hold only the bytes that changed) are understood.  Events of
 *   the replay carry the bytes as the driver's memory holds them.
 *
 * Matching.  PCIEM_REPLAY_MATCH_STRICT: accesses in the recorded order.
 * PCIEM_REPLAY_MATCH_REGISTER: each register's (BAR and offset, or config
 * offset) accesses in the recorded order, but accesses to different
 * registers may come in another order, within @window events of the oldest
 * expected event not yet matched; an interrupt is injected once every
 * access before it has been matched.
 * Polling: in both modes a run of identical reads (same register, size
 * and value) may be longer or shorter than recorded.  A read of the same
 * register right after the run (strict: the last access matched; per
 * register: that register's last one) when the sequence expects something
 * else is answered with the run's value (status.polls_extra); when the
 * driver leaves the run early, the run's remaining reads are skipped if
 * the access then matches what follows them (status.polls_skipped).
 *
 * Divergence: an access that does not match (PCIEM_DIV_MISMATCH), one after
 * the whole sequence was consumed and REPLAY_END given (PAST_END), one for
 * which no event had been fed within @wait_us (OVERRUN: keep the FIFO
 * ahead of the driver), and an instruction the trap cannot decode
 * (UNSUPPORTED: that page of the mapping then reaches BAR memory directly
 * and is no longer replayed).  Each is reported as a struct
 * pciem_replay_divergence: the expected event (with its recorded seq) and
 * its index, the actual access with the driver's instruction pointer, CPU
 * and pid (for a config write, the PCI core's accessor), and what was
 * answered.  PCIEM_REPLAY_DIV_STOP: the first divergence stops the replay
 * (state DIVERGED or OVERRUN) and the device behaves like unplugged
 * hardware from then on: MMIO reads return all-ones, writes are ignored,
 * no interrupt is injected (config space and the MSI-X table and PBA stay
 * emulated, so that the kernel can tear the device down).
 * PCIEM_REPLAY_DIV_CONTINUE: every divergence is reported and the replay
 * resynchronises as well as it can: a write to the expected register with
 * another value consumes the expected event; otherwise the access is
 * looked for among the next @window events and, when found, the events
 * before it are skipped (PCIEM_DIV_F_RESYNC; skipped interrupts are not
 * injected); when not found, a read returns all-ones, a write is ignored,
 * and the sequence does not move.
 *
 * Recorders attached to a replayed device get its events as usual: a
 * read's MMIO_READ event carries the value the driver got.
 */
#define PCIEM_REPLAY_MATCH_STRICT	0
#define PCIEM_REPLAY_MATCH_REGISTER	1

#define PCIEM_REPLAY_DIV_STOP		0
#define PCIEM_REPLAY_DIV_CONTINUE	1

#define PCIEM_REPLAY_TIMING_ASAP	0
#define PCIEM_REPLAY_TIMING_RECORDED	1

#define PCIEM_REPLAY_F_CONFIG_WRITES	(1U << 0)
#define PCIEM_REPLAY_F_DMA		(1U << 1)	/* the sequence holds the
							 * driver's DMA: replay it */

#define PCIEM_REPLAY_RULE_IGNORE	1
#define PCIEM_REPLAY_RULE_ID		2
#define PCIEM_REPLAY_RULE_ECHO		3
#define PCIEM_REPLAY_MAX_RULES		8
#define PCIEM_REPLAY_MAX_IDS		4	/* identifier spaces */
#define PCIEM_REPLAY_MAX_ENTRY		4096

struct pciem_replay_dma_rule {
	__u32 kind;		/* PCIEM_REPLAY_RULE_* */
	__u32 ids;		/* ID, ECHO: identifier space, below MAX_IDS */
	__u32 entry;		/* entry size, 1..MAX_ENTRY; 0 (IGNORE only):
				 * the whole mapping */
	__u32 field;		/* the field's offset in each entry */
	__u32 len;		/* its bytes: ID, ECHO 1 or 2; IGNORE 1..@entry
				 * (0 with @entry 0) */
	__u32 reserved;
};

#define PCIEM_REPLAY_DMA_FULL		0
#define PCIEM_REPLAY_DMA_ADDRESSES	1
#define PCIEM_REPLAY_DMA_NONE		2

#define PCIEM_REPLAY_MIN_PAYLOAD	(64U << 10)
#define PCIEM_REPLAY_MAX_PAYLOAD	(256U << 20)
#define PCIEM_REPLAY_DEF_PAYLOAD	(8U << 20)

#define PCIEM_REPLAY_MIN_FIFO		16
#define PCIEM_REPLAY_MAX_FIFO		(1U << 20)
#define PCIEM_REPLAY_DEF_FIFO		(1U << 16)
#define PCIEM_REPLAY_MAX_WINDOW		4096
#define PCIEM_REPLAY_DEF_WINDOW		64
#define PCIEM_REPLAY_MAX_WAIT_US	100000	/* as PCIEM_TRACE_MAX_WAIT_US */
#define PCIEM_REPLAY_DEF_WAIT_US	100000
#define PCIEM_REPLAY_MAX_DELAY_NS	(60ULL * 1000000000ULL)

/* PCIEM_IOCTL_REPLAY_START: after the description, before REGISTER, once
 * (else EBUSY).  EINVAL: an unknown mode or flag, a reserved field set,
 * @fifo_events not a power of two in MIN..MAX_FIFO, @window above
 * MAX_WINDOW or @fifo_events, @wait_us above MAX_WAIT_US, more than
 * MAX_RULES DMA rules or one out of its bounds (an ECHO of an identifier
 * space with no ID rule, or with fields of another length).  EFAULT.
 * ENOMEM. */
struct pciem_replay_start {
	__u32 match;		/* PCIEM_REPLAY_MATCH_* */
	__u32 on_divergence;	/* PCIEM_REPLAY_DIV_* */
	__u32 timing;		/* PCIEM_REPLAY_TIMING_* */
	__u32 flags;		/* PCIEM_REPLAY_F_* */
	__u32 fifo_events;	/* FIFO capacity in events; 0: DEF_FIFO */
	__u32 window;		/* look-ahead, in events; 0: DEF_WINDOW (or
				 * @fifo_events if that is smaller) */
	__u32 wait_us;		/* how long a driver access waits for an event
				 * not fed yet; 0: DEF_WAIT_US.  It spins with
				 * interrupts off, once per shortage (after a
				 * timeout accesses do not wait until more is
				 * fed), so the feeder must run on another CPU
				 * than the driver's accesses */
	__u32 dma_check;	/* PCIEM_REPLAY_DMA_* */
	__u32 payload_bytes;	/* payload FIFO size; 0: DEF_PAYLOAD */
	__u32 dma_rule_count;	/* entries at @dma_rules, 0..MAX_RULES */
	__u64 dma_rules;	/* struct pciem_replay_dma_rule *: DMA rules */
	__u64 reserved[2];
};

/* PCIEM_IOCTL_REPLAY_FEED: append up to @count events from @events (at most
 * the FIFO's capacity per call).  Never blocks.  Returns the number of
 * events accepted (>= 0; fewer than @count when the FIFO filled up or an
 * event is invalid: the next call then starts with that event), or -1
 * with errno: EAGAIN when not one fits
 * (@count > 0), EINVAL when the first event is invalid or a reserved field
 * is set, EFAULT, EBUSY without REPLAY_START or after REPLAY_END.  After
 * the replay has stopped (a divergence with STOP) events are counted as
 * accepted and dropped.  An event is invalid when its type is not one of
 * the PCIEM_EVENT_* above; an MMIO event names a BAR that is absent or
 * has size not 1, 2, 4 or 8, or reaches past the BAR's end; a config event
 * has size not 1, 2 or 4 or reaches past 4 KiB; @data has bits above
 * @size; an IRQ's vector is PCIEM_MSIX_MAX_VECTORS or more (one the
 * device does not have is counted in status.irq_errors when injected); a
 * LIFECYCLE kind is unknown; a DMA_READ or DMA_WRITE has @bar set or moves
 * more than PCIEM_TRACE_DMA_PIECE bytes; a DMA_MAP's @size names a rule
 * REPLAY_START did not give; or @flags has bits the type does
 * not define.  The bytes of the DMA_READ and DMA_WRITE events (those
 * without F_DMA_FAULT) among @events, @data bytes each in event order, are
 * at @payload, @payload_len in all: EINVAL when it is not exactly what the
 * events accepted need (an event whose bytes do not fit the payload FIFO's
 * room ends the call there: -1 with EAGAIN when it is the first).
 * @seq, @timestamp_ns, @ip, @cpu and @pid are not checked (seq is only
 * reported back). */
struct pciem_replay_feed {
	__u64 events;		/* user pointer: struct pciem_event[@count] */
	__u32 count;
	__u32 payload_len;	/* bytes at @payload */
	__u64 payload;		/* user pointer: the DMA events' bytes */
	__u64 reserved;
};

/* PCIEM_IOCTL_REPLAY_END: no more events will be fed.  EBUSY without
 * REPLAY_START or when already given. */

/* Replay states */
#define PCIEM_REPLAY_RUNNING	1	/* replaying, or waiting for the driver */
#define PCIEM_REPLAY_DONE	2	/* REPLAY_END given and every access and
					 * interrupt of the sequence consumed */
#define PCIEM_REPLAY_DIVERGED	3	/* stopped at a divergence (DIV_STOP) */
#define PCIEM_REPLAY_OVERRUN	4	/* stopped: the driver ran past the
					 * events fed in time (DIV_STOP) */

/* Divergence kinds */
#define PCIEM_DIV_MISMATCH	1
#define PCIEM_DIV_PAST_END	2
#define PCIEM_DIV_OVERRUN	3
#define PCIEM_DIV_UNSUPPORTED	4
#define PCIEM_DIV_DMA_DATA	5	/* a device read found other bytes */
#define PCIEM_DIV_DMA_UNMAPPED	6	/* a recorded device DMA outside every
					 * live mapping of the replay */
#define PCIEM_DIV_DMA_ECHO	7	/* a device write echoes an identifier
					 * the driver never gave (DMA rules) */

#define PCIEM_DIV_F_RESYNC	(1U << 0)	/* CONTINUE found the access
						 * further on and skipped to it */

struct pciem_replay_divergence {
	__u32 kind;		/* PCIEM_DIV_* */
	__u32 flags;		/* PCIEM_DIV_F_* */
	__u64 number;		/* 1 for the device's first divergence, ... */
	__u64 index;		/* index of @expected; with no expected event
				 * (PAST_END, OVERRUN), the events fed so far */
	__u64 dma_offset;	/* DMA_DATA: where in @expected's bytes the
				 * first difference is */
	struct pciem_event expected;	/* as fed; type 0 when there is none */
	struct pciem_event actual;	/* the access: type, bar, offset, size,
					 * data (written, or returned to the
					 * driver), ip, cpu, pid, timestamp_ns;
					 * seq: the sequence number its own
					 * event got (as recorders and the
					 * pciem:pciem_event tracepoint see
					 * it); 0 when nothing listened, and
					 * for UNSUPPORTED */
	char symbol[96];	/* actual.ip named by the kernel at the
				 * access, "function+0xoff/0xsize [module]"
				 * (while the driver's module surely is
				 * loaded); "" when ip is 0 or unknown */
	/* DMA_DATA, DMA_ECHO and DMA_UNMAPPED: the live mapping that held the
	 * transfer (as the driver got it, 0 when none), the recorded one;
	 * DMA_DATA: @dma_len bytes from @dma_offset, as recorded and as found;
	 * DMA_ECHO: the field at @dma_offset, @dma_len bytes as recorded */
	__u64 dma_live_addr;
	__u64 dma_rec_addr;
	__u64 dma_map_size;
	__u32 dma_len;
	__u32 reserved1;
	__u8 dma_expected[64];
	__u8 dma_actual[64];
	__u64 reserved2[4];
};

/* PCIEM_IOCTL_REPLAY_STATUS.  EBUSY without REPLAY_START; EFAULT.
 * The driver stopped early if, once its workload is over, @left is not 0
 * (or, with REPLAY_END given, the state is still RUNNING). */
#define PCIEM_REPLAY_ST_ENDED	(1U << 0)	/* REPLAY_END was given */
struct pciem_replay_status {
	__u32 state;		/* PCIEM_REPLAY_RUNNING .. OVERRUN */
	__u32 flags;		/* PCIEM_REPLAY_ST_* */
	__u64 fed;		/* events accepted by REPLAY_FEED */
	__u64 consumed;		/* events the replay has passed, in order */
	__u64 left;		/* accesses and interrupts fed, not yet passed */
	__u64 matched;		/* accesses answered or checked from the sequence */
	__u64 irqs;		/* interrupts injected */
	__u64 irq_errors;	/* interrupts that could not be injected */
	__u64 passed_over;	/* config, marker, deferred-IRQ ... events passed */
	__u64 polls_extra;	/* reads answered from a polling run beyond its
				 * recorded length */
	__u64 polls_skipped;	/* recorded reads of a polling run not made */
	__u64 skipped;		/* events skipped by a CONTINUE resync */
	__u64 divergences;	/* all of them, reported or not */
	__u64 div_dropped;	/* divergence records read() will not return:
				 * their queue was full */
	__u64 dma_written;	/* bytes of device DMA written to the driver */
	__u64 dma_compared;	/* bytes of device reads compared */
	__u64 reserved[5];
	struct pciem_replay_divergence first;	/* when @divergences > 0 */
};

/*
 * read() on the /dev/pciem fd of a replayed device returns divergence
 * records, whole struct pciem_replay_divergence ones, oldest first (a queue
 * of PCIEM_REPLAY_DIV_QUEUE; when it is full, further ones are counted in
 * status.div_dropped).  It blocks until one is there (EAGAIN with
 * O_NONBLOCK), and returns 0 once the replay has stopped or is done and
 * every record was read.  EINVAL: the fd has no replay, or @count is
 * smaller than one record.  EFAULT; EINTR.
 *
 * poll() on that fd: POLLOUT when REPLAY_FEED would accept an event (or
 * drop it, after a stop), POLLIN when a divergence record is waiting,
 * POLLPRI once the state is no longer RUNNING.  The wake-up for POLLOUT
 * comes when the FIFO is half empty.
 */
#define PCIEM_REPLAY_DIV_QUEUE	64

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
#define PCIEM_IOCTL_SET_CONFIG_IMAGE _IOW(PCIEM_IOCTL_MAGIC, 0x0c, struct pciem_config_image)
#define PCIEM_IOCTL_REPLAY_START   _IOW(PCIEM_IOCTL_MAGIC, 0x0d, struct pciem_replay_start)
#define PCIEM_IOCTL_REPLAY_FEED	   _IOW(PCIEM_IOCTL_MAGIC, 0x0e, struct pciem_replay_feed)
#define PCIEM_IOCTL_REPLAY_END	   _IO(PCIEM_IOCTL_MAGIC, 0x0f)
#define PCIEM_IOCTL_REPLAY_STATUS  _IOR(PCIEM_IOCTL_MAGIC, 0x10, struct pciem_replay_status)
#define PCIEM_IOCTL_DMA		   _IOW(PCIEM_IOCTL_MAGIC, 0x11, struct pciem_dma)

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
PCIEM_ASSERT_SIZE(struct pciem_config_image, 48);
PCIEM_ASSERT_SIZE(struct pciem_replay_start, 64);
PCIEM_ASSERT_SIZE(struct pciem_replay_feed, 32);
PCIEM_ASSERT_SIZE(struct pciem_replay_divergence, 448);
PCIEM_ASSERT_SIZE(struct pciem_replay_status, 608);
PCIEM_ASSERT_SIZE(struct pciem_event, 64);
PCIEM_ASSERT_SIZE(struct pciem_shared_ring, 64 + 64 * PCIEM_RING_SIZE);

#endif /* _UAPI_PCIEM_USERSPACE_H */
