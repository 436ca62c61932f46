// SPDX-License-Identifier: GPL-2.0
/*
 * The walkthrough's event ring: the kernel produces at tail, the device
 * model consumes at head.  The kernel keeps its own tail and bounds the
 * head it reads back, so nothing userspace writes can make it index
 * outside the ring.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/vmalloc.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/eventfd.h>
#include <linux/rcupdate.h>

#include "pciem.h"
#include "pciem_compat.h"

#ifdef PCIEM_NO_TRACEPOINT
/* make bench only (Kbuild, PCIEM_NO_TRACEPOINT=1): no tracepoint at all,
 * to measure what the disabled one costs */
static inline bool trace_pciem_event_enabled(void) { return false; }
static inline void trace_pciem_event(u32 domain, const struct pciem_event *ev) { }
#else
#define CREATE_TRACE_POINTS
#include "pciem_tracepoint.h"
#endif

static void pciem_notify(struct irq_work *work)
{
	struct pciem_device *dev = container_of(work, struct pciem_device, notify_work);
	struct eventfd_ctx *efd;

	/*
	 * efd is replaced under ring_lock, and the old one is only put after
	 * irq_work_sync(): it stays valid here after the lock is dropped, and
	 * the eventfd's own lock is never taken inside the raw ring lock.
	 */
	raw_spin_lock(&dev->ring_lock);
	efd = dev->efd;
	raw_spin_unlock(&dev->ring_lock);
	if (efd)
		pciem_eventfd_signal(efd);
}

/*
 * Whether the model's eventfd may be signalled right here rather than from
 * an irq_work (which costs an interrupt): in task context with interrupts
 * on (an ioctl), where no lock of the caller's can be the eventfd's and no
 * eventfd wake-up is already in progress on this task.  Not from the fault
 * handler (interrupts off), where the driver may hold any lock, nor under
 * the PCI core's config lock.
 */
static bool signal_now(void)
{
	return in_task() && !irqs_disabled() && eventfd_signal_allowed();
}

/*
 * Waking a reader (or feeder) for a CPU about to spin with interrupts off
 * until it makes progress.  Not directly: the spinning CPU may hold any
 * lock of the driver's or the PCI core's, and its own irq_work would only
 * run once it has stopped waiting.  Another CPU is asked, by IPI, to queue
 * the irq_work that wakes the reader.
 */
static void kick_fn(void *info)
{
	struct pciem_kick *k = info;

	irq_work_queue(k->work);
	atomic_set_release(&k->busy, 0);	/* the last use of @k */
}

void pciem_kick_init(struct pciem_kick *k, struct irq_work *work)
{
	INIT_CSD(&k->csd, kick_fn, k);
	atomic_set(&k->busy, 0);
	k->work = work;
}

/* Returns false when no other CPU can run the reader: waiting cannot help. */
bool pciem_kick_elsewhere(struct pciem_kick *k)
{
	unsigned int cpu;

	if (in_nmi()) {		/* no IPI from here: the next best thing */
		irq_work_queue(k->work);
		return num_online_cpus() > 1;
	}
	cpu = cpumask_any_but(cpu_online_mask, raw_smp_processor_id());
	if (cpu >= nr_cpu_ids)
		return false;
	/* one kick in flight at a time; its reader is being woken anyway */
	if (!atomic_xchg(&k->busy, 1) && smp_call_function_single_async(cpu, &k->csd))
		atomic_set(&k->busy, 0);
	return true;
}

/* Before @k is freed: wait for a kick in flight (process context). */
void pciem_kick_sync(struct pciem_kick *k)
{
	while (atomic_read_acquire(&k->busy))
		cpu_relax();
}

/*
 * Takes @lock in any context.  In NMI-like context (the #DB handler of a
 * watchpoint) only a trylock is allowed, and the holder is another CPU
 * (nothing under these locks touches a driver's mapping): wait for it,
 * for as long as a holder may keep it (a lossless recorder's wait) and no
 * longer.  Returns false if the lock could not be had.
 */
bool pciem_lock_any(raw_spinlock_t *lock, unsigned long *flags)
{
	u64 deadline;

	if (!in_nmi()) {
		raw_spin_lock_irqsave(lock, *flags);
		return true;
	}
	if (raw_spin_trylock_irqsave(lock, *flags))
		return true;
	deadline = ktime_get_mono_fast_ns() + PCIEM_NMI_LOCK_WAIT_NS;
	do {
		cpu_relax();
		if (raw_spin_trylock_irqsave(lock, *flags))
			return true;
	} while (ktime_get_mono_fast_ns() < deadline);
	return false;
}

int pciem_ring_alloc(struct pciem_device *dev)
{
	raw_spin_lock_init(&dev->ring_lock);
	init_irq_work(&dev->notify_work, pciem_notify);
	dev->ring_bytes = PAGE_ALIGN(sizeof(struct pciem_shared_ring));
	dev->ring = vmalloc_user(dev->ring_bytes);
	if (!dev->ring)
		return -ENOMEM;
	dev->ring->version = PCIEM_ABI_VERSION;
	dev->ring->size = PCIEM_RING_SIZE;
	return 0;
}

/*
 * Lets go of an eventfd that was dev->efd until just now (the caller
 * replaced it under ring_lock): the irq_work or a pciem_ring_push() that
 * signals it outside the lock may still be using it.
 */
void pciem_ring_put_eventfd(struct pciem_device *dev, struct eventfd_ctx *old)
{
	if (!old)
		return;
	irq_work_sync(&dev->notify_work);
	synchronize_rcu();
	eventfd_ctx_put(old);
}

void pciem_ring_free(struct pciem_device *dev)
{
	irq_work_sync(&dev->notify_work);
	vfree(dev->ring);
	dev->ring = NULL;
}

void pciem_event_fill(struct pciem_event *ev, u32 type, u32 bar, u64 off,
		      u32 size, u64 data, unsigned long ip)
{
	/*
	 * Every field named, so that nothing is zeroed first (with a string
	 * instruction, one step per word under emulation); a field added
	 * later is zero all the same.
	 */
	*ev = (struct pciem_event){
		.seq = 0,		/* pciem_ring_push_data() numbers it */
		.flags = 0,
		.type = type,
		.bar = bar,
		.offset = off,
		.size = size,
		.data = data,
		.ip = ip,
		.timestamp_ns = ktime_get_mono_fast_ns(),
		.cpu = raw_smp_processor_id(),
		.pid = in_task() ? task_pid_nr(current) : 0,
	};
}

/* Does anyone but the device model see @dev's events (recorders, the
 * tracepoint)?  For producers of events the model never gets. */
bool pciem_traced(const struct pciem_device *dev)
{
	return READ_ONCE(dev->nattach) || trace_pciem_event_enabled();
}

/*
 * Event types the device model's ring carries; the rest go to recorders
 * only.  Reads are the model's only in the full trap it asked for, not in
 * one a recorder asked for.
 */
static bool for_model(const struct pciem_device *dev, const struct pciem_event *ev)
{
	if (pciem_is_real(dev))
		return false;	/* no model: the recorder is all */
	switch (ev->type) {
	case PCIEM_EVENT_CONFIG_WRITE:
		return !(ev->flags & PCIEM_EVENT_F_HEADER);
	case PCIEM_EVENT_MMIO_READ:
		return ev->bar < PCIEM_NUM_BARS && READ_ONCE(dev->bars[ev->bar].full_trap);
	case PCIEM_EVENT_MMIO_WRITE:
	case PCIEM_EVENT_WATCHPOINT:
	case PCIEM_EVENT_UNSUPPORTED:
		return true;
	default:
		return false;
	}
}

/*
 * Gives @ev the device's next sequence number and writes it to the device
 * model's ring (if it is of a kind the model gets), to every recorder
 * attached to the device (with the @len bytes at @data after it: a DMA
 * transfer's, at most PCIEM_TRACE_DMA_PIECE) and to the tracepoint
 * pciem:pciem_event.  Any context, NMI-like (#DB) included: never sleeps;
 * a lossless recorder may make it wait, for a bounded time.
 */
void pciem_ring_push_data(struct pciem_device *dev, struct pciem_event *ev,
			  const void *data, size_t len)
{
	struct pciem_shared_ring *ring = dev->ring;
	bool model = for_model(dev, ev), notify;
	struct eventfd_ctx *efd = NULL;
	unsigned long flags;
	u32 head, next;

	if (!model && !pciem_traced(dev))
		return;		/* nobody to tell */

	if (!pciem_lock_any(&dev->ring_lock, &flags)) {
		/* a #DB hit while another CPU kept the lock past any bound */
		WRITE_ONCE(ring->lost, atomic64_inc_return(&dev->lost));
		return;
	}
	ev->seq = dev->seq++;
	if (model) {
		head = READ_ONCE(ring->head);
		next = (dev->ring_tail + 1) % PCIEM_RING_SIZE;
		if (head >= PCIEM_RING_SIZE || next == head) {
			WRITE_ONCE(ring->lost, atomic64_inc_return(&dev->lost));
		} else {
			ring->events[dev->ring_tail] = *ev;
			smp_store_release(&ring->tail, next);
			dev->ring_tail = next;
		}
	}
	/* a model without an eventfd looks at its ring by itself */
	notify = model && dev->efd;
	if (notify && signal_now()) {
		rcu_read_lock();	/* see pciem_ring_put_eventfd() */
		efd = dev->efd;
	}
	pciem_trace_event(dev, ev, data, len);
	raw_spin_unlock_irqrestore(&dev->ring_lock, flags);
	/* in the context of the access, for perf and BPF (call stacks) */
	trace_pciem_event(dev->domain, ev);
	if (efd) {
		pciem_eventfd_signal(efd);
		rcu_read_unlock();
	} else if (notify) {
		irq_work_queue(&dev->notify_work);
	}
}

void pciem_ring_push(struct pciem_device *dev, struct pciem_event *ev)
{
	pciem_ring_push_data(dev, ev, NULL, 0);
}

void pciem_lifecycle(struct pciem_device *dev, u32 kind, u32 bar, u64 data, unsigned long ip)
{
	struct pciem_event ev;

	pciem_event_fill(&ev, PCIEM_EVENT_LIFECYCLE, bar, kind, 0, data, ip);
	pciem_ring_push(dev, &ev);
	if (dev->replay)
		pciem_replay_lifecycle(dev, kind);
}
