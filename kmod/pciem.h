/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCIem internal interfaces.  One device per open /dev/pciem file.
 */
#ifndef _PCIEM_H
#define _PCIEM_H

#include <linux/rbtree.h>
#include <linux/types.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/irq_work.h>
#include <linux/ioport.h>
#include <linux/list.h>
#include <linux/pci.h>
#include <linux/poll.h>
#include <linux/smp.h>

#include "uapi/pciem_userspace.h"

#define PCIEM_NUM_BARS		6
#define PCIEM_CFG_SIZE		4096
#define PCIEM_MAX_DEVICES	32
#define PCIEM_DOMAIN_BASE	0x10000
#define PCIEM_MAX_RECORDERS	4

struct pciem_recorder;
struct pciem_replay;

/* A recorder attached to a device, with the losses not yet reported. */
struct pciem_attach {
	struct pciem_recorder *rec;
	u64 lost_first, lost_last, lost_count;
	bool undescribed;	/* on the bus already: no event before its description */
};

/* What an open /dev/pciem is: a device (model) or a recorder. */
struct pciem_file {
	struct pciem_device *dev;
	struct pciem_recorder *rec;
	struct mutex lock;		/* CREATE_DEVICE and TRACE_SUBSCRIBE */
};

struct pciem_bar {
	u64 size;
	u32 flags;		/* as given to ADD_BAR */
	bool present;
	bool upper;		/* upper half of the 64-bit BAR below it */
	bool full_trap;		/* reads trapped too (PCIEM_TRAP_FULL) */
	unsigned long npages;
	struct page **pages;
	u64 bus_addr;		/* assigned at REGISTER */
};

struct pciem_watchpoint {
	u32 bar;
	u32 offset;
	u32 width;
	u32 flags;
	u64 vaddr;		/* BAR_MANUAL */
};

/*
 * A driver's mapping of (part of) a BAR that PCIem has taken over.  Found
 * under RCU by the fault handler; added and removed under pciem_map_lock.
 * @dev is NULL once the device is gone: the mapping then reads all-ones
 * and discards writes, like unplugged hardware, until the driver unmaps it.
 */
struct pciem_mapping {
	struct list_head node;
	struct rcu_head rcu;
	struct pciem_device *dev;
	unsigned long va;		/* page aligned */
	unsigned long npages;
	unsigned int bar;
	u64 bar_off;			/* BAR offset of the first page */
	/* a real device's mapping: what the driver's entries pointed at */
	u64 phys;			/* of the first page */
	pgprot_t prot;			/* of its 4 KiB entries (cache mode) */
};

/* An armed hardware breakpoint: watchpoint @wp on one driver mapping. */
struct pciem_bp {
	struct list_head node;		/* pciem_device.bps, under dev->wp_lock */
	unsigned long va;
	unsigned int wp;
	struct pciem_device *dev;
	struct perf_event * __percpu *events;
};

enum pciem_state {
	PCIEM_NONE = 0,
	PCIEM_CREATED = PCIEM_STATE_CREATED,
	PCIEM_REGISTERED = PCIEM_STATE_REGISTERED,
	PCIEM_DEAD,
	PCIEM_REAL_TRACED,		/* stands for a real device being traced */
};

struct pciem_real;

struct pciem_device {
	struct kref ref;
	struct mutex lock;		/* ioctls and state changes */
	enum pciem_state state;
	bool dying;			/* teardown: queue no interrupt work */
	int id;				/* slot number */
	int domain;			/* PCI domain, from PCIEM_DOMAIN_BASE */
	struct list_head node;		/* pciem_devices */

	struct pciem_bar bars[PCIEM_NUM_BARS];
	bool identity_set;
	bool cfg_image;			/* SET_CONFIG_IMAGE done */
	int full_recorders;		/* attached PCIEM_TRACE_F_FULL_TRAP
					 * recorders, under ring_lock */

	/* config space: contents and which bits the driver may write */
	raw_spinlock_t cfg_lock;
	u8 cfg[PCIEM_CFG_SIZE];
	u8 wmask[PCIEM_CFG_SIZE];
	u8 cap_next;			/* next free capability offset */
	u8 msi_off, pcie_off, pm_off;
	u8 msi_log2;
	bool msi_64, msi_mask;
	unsigned long msi_pending;	/* vectors waiting for unmask/enable */
	atomic_t msi_busy;		/* deliveries in flight */
	/*
	 * MSI-X (PCIEM_CAP_MSIX): the table and the PBA live in BAR memory,
	 * owned by the kernel; msix_pending is the truth the PBA mirrors.
	 * msix_virq caches each vector's Linux interrupt, learnt in process
	 * context (0: not known), checked against its MSI descriptor.
	 */
	u8 msix_off;			/* capability offset, 0: none */
	u8 msix_tbar, msix_pbar;
	u16 msix_n;			/* table size */
	u32 msix_toff, msix_poff;
	unsigned long *msix_pending;
	unsigned int *msix_virq;
	struct pciem_dma_state *dma;	/* its DMA mappings (pciem_dma.c) */
	struct pciem_rdma *rdma;	/* a real device's (pciem_real_dma.c) */
	int intx_irq;			/* Linux irq of INTA, 0 if no pin */
	bool intx_pending;		/* raised while INTx was disabled */

	/* bus */
	struct pci_sysdata sysdata;
	struct pci_bus *bus;
	struct pci_dev *pdev;
	struct resource win32, win64, busnr;
	struct work_struct add_work;

	/* the walkthrough's event ring */
	/*
	 * Held by a trapped instruction across its accesses to the device,
	 * so that they are adjacent in its stream; taken before ring_lock
	 * and the replay's lock.
	 */
	raw_spinlock_t access_lock;

	raw_spinlock_t ring_lock;
	struct pciem_shared_ring *ring;
	size_t ring_bytes;
	u32 ring_tail;
	u64 seq;
	struct eventfd_ctx *efd;
	struct pciem_attach attach[PCIEM_MAX_RECORDERS];	/* under ring_lock */
	unsigned int nattach;
	u32 creator_pid;
	struct irq_work notify_work;
	struct irq_work irq_work;	/* delivers pending MSIs */
	struct work_struct irq_slow_work; /* those it cannot look up */

	struct pciem_watchpoint wps[PCIEM_MAX_WATCHPOINTS];
	unsigned int nwps;		/* written under wp_lock */
	struct mutex wp_lock;
	struct list_head bps;		/* struct pciem_bp */
	struct work_struct wp_work;	/* syncs breakpoints with mappings */
	atomic64_t lost;

	struct pciem_replay *replay;	/* set at REPLAY_START, freed with @dev */

	/*
	 * A real device being traced (state PCIEM_REAL_TRACED): @bars hold
	 * its memory BARs (bus_addr: CPU physical address), and its events
	 * go to the recorder that asked for it.  NULL for PCIem devices.
	 */
	struct pciem_real *real;
};

static inline bool pciem_is_real(const struct pciem_device *dev)
{
	return dev->real != NULL;
}

static inline struct pciem_device *pciem_bus_to_dev(struct pci_bus *bus)
{
	return container_of(bus->sysdata, struct pciem_device, sysdata);
}

void pciem_device_get(struct pciem_device *dev);
void pciem_device_put(struct pciem_device *dev);

/* pciem_cfg.c */
void pciem_cfg_init(struct pciem_device *dev);
int pciem_cfg_set_identity(struct pciem_device *dev, const struct pciem_config_space *c);
int pciem_cfg_add_cap(struct pciem_device *dev, const struct pciem_cap_config *c);
void pciem_cfg_set_bar(struct pciem_device *dev, unsigned int bar, u64 addr);
void pciem_cfg_bar_added(struct pciem_device *dev, unsigned int bar);
u32 pciem_cfg_read(struct pciem_device *dev, unsigned int where, unsigned int size);
int pciem_cfg_load_image(struct pciem_device *dev, const u8 *img, const u8 *wmask);
bool pciem_cfg_plain(const struct pciem_device *dev, unsigned int where, unsigned int size);
extern struct pci_ops pciem_pci_ops;

/* pciem_bus.c */
void pciem_bus_init(struct pciem_device *dev);
int pciem_bus_register(struct pciem_device *dev);
void pciem_bus_stop(struct pciem_device *dev);
void pciem_bus_unregister(struct pciem_device *dev);
bool pciem_bus_owns(struct pciem_device *dev, u64 phys, unsigned int *bar, u64 *off);

/* pciem_ring.c */
int pciem_ring_alloc(struct pciem_device *dev);
void pciem_ring_put_eventfd(struct pciem_device *dev, struct eventfd_ctx *old);
void pciem_ring_free(struct pciem_device *dev);
void pciem_ring_push(struct pciem_device *dev, struct pciem_event *ev);
bool pciem_traced(const struct pciem_device *dev);
void pciem_ring_push_data(struct pciem_device *dev, struct pciem_event *ev,
			 const void *data, size_t len);
bool pciem_lock_any(raw_spinlock_t *lock, unsigned long *flags);
struct pciem_kick {
	call_single_data_t csd;
	atomic_t busy;
	struct irq_work *work;
};
void pciem_kick_init(struct pciem_kick *k, struct irq_work *work);
bool pciem_kick_elsewhere(struct pciem_kick *k);
void pciem_kick_sync(struct pciem_kick *k);
/*
 * The longest a producer waits for a reader or feeder with interrupts off
 * (PCIEM_TRACE_MAX_WAIT_US, PCIEM_REPLAY_MAX_WAIT_US), and the longest a
 * #DB handler waits for a lock such a producer holds.
 */
#define PCIEM_NMI_LOCK_WAIT_NS	(2 * 100 * NSEC_PER_MSEC)
void pciem_event_fill(struct pciem_event *ev, u32 type, u32 bar, u64 off,
		      u32 size, u64 data, unsigned long ip);

/* pciem_irq.c */
int pciem_irq_inject(struct pciem_device *dev, u32 vector, u32 *status);
void pciem_irq_cfg_changed(struct pciem_device *dev);
void pciem_irq_msi_quiesce(struct pciem_device *dev);
void pciem_irq_work_fn(struct irq_work *work);
void pciem_irq_slow_work_fn(struct work_struct *work);
int pciem_intx_alloc(struct pciem_device *dev);
void pciem_intx_free(struct pciem_device *dev);
int pciem_msix_setup(struct pciem_device *dev, u16 n, u8 tbar, u32 toff, u8 pbar, u32 poff);
void pciem_msix_free(struct pciem_device *dev);
int pciem_msix_register(struct pciem_device *dev);
bool pciem_msix_page(const struct pciem_device *dev, unsigned int bar, u64 page_off);
int pciem_msix_range(const struct pciem_device *dev, unsigned int bar, u64 off,
		     unsigned int size);
#define PCIEM_MSIX_TABLE	1
#define PCIEM_MSIX_PBA		2

/* pciem_dma.c */
struct pciem_dma_state;
int pciem_dma_attach(struct pciem_device *dev);
void pciem_dma_free(struct pciem_device *dev);
void pciem_dma_unbound(struct pciem_device *dev);
int pciem_dma_xfer(struct pciem_device *dev, const struct pciem_dma *d);
/* A DMA mapping's bus addresses, in an rbtree by address. */
struct pciem_dma_range {
	struct rb_node node;
	u64 addr, size;
};
struct pciem_dma_range *pciem_dma_range_find(const struct rb_root *root, u64 addr);
void pciem_dma_range_insert(struct rb_root *root, struct pciem_dma_range *r);
void pciem_dma_ctl_event(struct pciem_device *dev, u32 type, u64 addr, u64 size, u32 dir,
			 u32 flags, unsigned long ip);
void pciem_dma_data_event(struct pciem_device *dev, u32 type, u64 addr, const void *buf,
			  u64 n, u32 flags);

/*
 * A live DMA mapping as a replay knows it (pciem_dma.c makes it, part of its
 * own record; pciem_replay.c links it while the mapping lives, under the
 * replay's lock, so that the replay can reach the driver's memory without
 * the mappings' lock).
 */
struct pciem_dma_rmap {
	struct pciem_dma_range rec;	/* the recorded mapping's bus range */
	u64 live;			/* the bus address the driver got */
	u64 size;			/* its size */
	void *cpu;			/* its memory, in the direct map */
	u8 dir;				/* PCIEM_DMA_DIR_* */
	bool coherent;
	bool linked;			/* in the replay's tree */
	u32 rules;			/* the replay's DMA rules that apply (mask) */
	u32 nids;
	u16 *ids;			/* per identifier rule and entry: the
					 * recorded identifier (pciem_replay.c) */
	u8 *shadow;			/* coherent: the memory at the replay's
					 * last look */
};
/* pciem_replay.c: PCIem's DMA ops during a replay of DMA, under the mappings' lock */
bool pciem_replay_has_dma(const struct pciem_device *dev);
u32 pciem_replay_dma_slots(const struct pciem_device *dev, u64 size);
bool pciem_dma_place(struct pciem_device *dev, struct pciem_dma_rmap *r, u64 want);
bool pciem_replay_dma_map(struct pciem_device *dev, struct pciem_dma_rmap *r, u64 size,
			  unsigned long ip);
void pciem_replay_dma_unmap(struct pciem_device *dev, struct pciem_dma_rmap *r,
			    unsigned long ip);
void pciem_replay_dma_sync(struct pciem_device *dev, const struct pciem_dma_rmap *r, u64 addr,
			   u64 size, u32 dir, u32 flags, unsigned long ip);

/* pciem_real_dma.c: a traced real device's DMA */
struct pciem_rdma;
struct pciem_rdma *pciem_rdma_new(void);
void pciem_rdma_free(struct pciem_rdma *rd);
int pciem_rdma_probes_start(void);
void pciem_rdma_probes_stop(void);
void pciem_rdma_arm(struct pciem_device *dev);
void pciem_rdma_look(struct pciem_device *dev, u32 type);
struct pciem_device *pciem_real_lookup(struct pci_dev *pdev);
struct pci_dev *pciem_real_pdev(struct pciem_device *dev);

/* pciem_trap.c */
int pciem_trap_init(void);
void pciem_trap_exit(void);
void pciem_trap_forget_device(struct pciem_device *dev);

/* pciem_uaccess.c: user pages the fault path finds not in memory */
bool pciem_fault_in_arrange(struct pt_regs *regs, unsigned long uaddr, bool write);
void pciem_fault_in_exit(void);
int pciem_trap_set_mode(struct pciem_device *dev, u32 bar_mask, bool full);
void pciem_trap_rearm(struct pciem_device *dev);

/* Reads of @bar are trapped: the model asked for it, a recorder did, or
 * the device is replaying. */
static inline bool pciem_bar_full_trap(const struct pciem_device *dev, unsigned int bar)
{
	return READ_ONCE(dev->bars[bar].full_trap) || READ_ONCE(dev->full_recorders) > 0 ||
	       READ_ONCE(dev->replay);
}
bool pciem_trap_va_in_bar(struct pciem_device *dev, unsigned int bar, unsigned long va);
int pciem_trap_snapshot(struct pciem_device *dev, struct pciem_mapping *out, int max);
u64 pciem_bar_read(struct pciem_device *dev, unsigned int bar, u64 off, unsigned int size);
void pciem_bar_write(struct pciem_device *dev, unsigned int bar, u64 off, unsigned int size,
		     u64 v);

/* pciem_wp.c */
void pciem_wp_init(struct pciem_device *dev);
void pciem_wp_release(struct pciem_device *dev);
int pciem_wp_add(struct pciem_device *dev, const struct pciem_watchpoint_config *c);
void pciem_wp_check_access(struct pciem_device *dev, unsigned int bar, u64 off,
			   unsigned int size, u64 val, bool write, unsigned long ip);

/* pciem_trace.c */
void pciem_trace_event(struct pciem_device *dev, const struct pciem_event *ev,
		       const void *data, size_t len);
void pciem_trace_describe(struct pciem_device *dev);
void pciem_trace_match(struct pciem_device *dev, bool creating);
void pciem_trace_detach_all(struct pciem_device *dev);
struct pciem_recorder *pciem_trace_subscribe(const struct pciem_trace_subscribe *s);
void pciem_trace_unsubscribe(struct pciem_recorder *rec);
void pciem_recorder_put(struct pciem_recorder *rec);
int pciem_trace_mmap(struct pciem_recorder *rec, struct vm_area_struct *vma);
__poll_t pciem_trace_poll(struct pciem_recorder *rec, struct file *file, poll_table *wait);
void pciem_lifecycle(struct pciem_device *dev, u32 kind, u32 bar, u64 data, unsigned long ip);

/* pciem_replay.c */
int pciem_replay_start(struct pciem_device *dev, const struct pciem_replay_start *s);
long pciem_replay_feed(struct pciem_device *dev, const struct pciem_replay_feed *f);
int pciem_replay_end(struct pciem_device *dev);
int pciem_replay_status(struct pciem_device *dev, struct pciem_replay_status *st);
ssize_t pciem_replay_read(struct pciem_device *dev, char __user *buf, size_t len, bool nonblock);
__poll_t pciem_replay_poll(struct pciem_device *dev, struct file *file, poll_table *wait);
u64 pciem_replay_mmio(struct pciem_device *dev, bool write, unsigned int bar, u64 off,
		      unsigned int size, u64 data, unsigned long ip, u32 evflags, bool *apply);
void pciem_replay_cfg_write(struct pciem_device *dev, unsigned int where, unsigned int size,
			    u32 val, unsigned long ip, struct pciem_event *ev);
void pciem_replay_unsupported(struct pciem_device *dev, unsigned int bar, u64 off,
			      unsigned long ip);
void pciem_replay_lifecycle(struct pciem_device *dev, u32 kind);
void pciem_replay_hangup(struct pciem_device *dev);
void pciem_replay_sync(struct pciem_device *dev);
void pciem_replay_free(struct pciem_device *dev);

/* pciem_real.c: tracing real devices */
int pciem_real_init(void);
void pciem_real_exit(void);
struct pciem_device *pciem_real_new(const struct pciem_trace_subscribe *s);
int pciem_real_arm(struct pciem_device *dev);
void pciem_real_stop(struct pciem_device *dev);
void pciem_real_free(struct pciem_real *r);
extern struct pci_ops pciem_real_pci_ops;
void pciem_real_bus_event(struct pci_dev *pdev, unsigned long action);
void pciem_real_describe(struct pciem_device *dev, struct pciem_trace_device *d);

/* pciem_trap.c, for real devices */
void pciem_trap_take_over_existing(struct pciem_device *dev);
void pciem_trap_release_real(struct pciem_device *dev);

/* pciem_main.c */
struct pciem_device *pciem_device_new_real(u32 key);
extern struct list_head pciem_devices;
extern spinlock_t pciem_devices_lock;
extern struct list_head pciem_mappings;
extern raw_spinlock_t pciem_map_lock;

#endif /* _PCIEM_H */
