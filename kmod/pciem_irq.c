// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupt injection.  The device's MSI state is read from its emulated
 * config space, as real hardware would: an enabled, unmasked vector is
 * delivered; otherwise it is left pending (the pending bit is set when the
 * capability has one) and delivered as soon as the driver unmasks it or
 * enables MSI.  Delivery retriggers the Linux interrupt the PCI core
 * allocated for the vector, so the driver's handler runs in hard interrupt
 * context through the normal x86 vector path.
 *
 * MSI-X works the same way, with the table and pending bits in BAR memory
 * that the kernel owns: a vector is open when MSI-X is enabled, the
 * function is not masked and its table entry is not masked.
 *
 * INTx (a device with interrupt pin INTA): PCIem gives the device a Linux
 * interrupt of its own, raised from an irq_work so that the driver's
 * handler runs in hard interrupt context; the command register's
 * INTx-disable bit holds it back like MSI masking does.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/irq.h>
#include <linux/interrupt.h>
#include <linux/msi.h>

#include "pciem.h"

struct msi_view {
	bool enabled;
	u32 nvec;	/* vectors the driver enabled */
	u32 mask;
	unsigned int pending_at;	/* 0 when there is no pending register */
};

static void msi_read(struct pciem_device *dev, struct msi_view *v)
{
	unsigned int at = dev->msi_off;
	unsigned int data_at = at + (dev->msi_64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32);
	u16 flags = pciem_cfg_read(dev, at + PCI_MSI_FLAGS, 2);

	v->enabled = flags & PCI_MSI_FLAGS_ENABLE;
	v->nvec = 1U << ((flags & PCI_MSI_FLAGS_QSIZE) >> 4);
	v->mask = dev->msi_mask ? pciem_cfg_read(dev, data_at + 4, 4) : 0;
	v->pending_at = dev->msi_mask ? data_at + 8 : 0;
}

static void set_pending_bits(struct pciem_device *dev, unsigned int at, u32 bits)
{
	unsigned long flags;
	unsigned int i;

	raw_spin_lock_irqsave(&dev->cfg_lock, flags);
	for (i = 0; i < 4; i++)
		dev->cfg[at + i] = bits >> (8 * i);
	raw_spin_unlock_irqrestore(&dev->cfg_lock, flags);
}

/*
 * The Linux interrupt of MSI @vector, found without sleeping:
 * pci_irq_vector() takes the device's MSI descriptor mutex, and delivery
 * also runs from an irq_work (pending vectors) and from the replay's
 * fault-time injection.  Once MSI is set up, the PCI core has pointed
 * pdev->irq at the first vector's interrupt and the vectors follow it; the
 * interrupt's MSI descriptor confirms that.  -EAGAIN while that is not
 * (yet) so: between MSI enable and the update of pdev->irq, the caller
 * leaves the vector pending for process context to deliver.
 */
static int msi_virq(struct pciem_device *dev, u32 vector)
{
	struct pci_dev *pdev = dev->pdev;
	struct msi_desc *desc;
	unsigned int virq;

	if (!pdev || !pdev->msi_enabled)
		return -ENODEV;
	virq = pdev->irq + vector;
	desc = irq_get_msi_desc(virq);
	if (!desc || desc->dev != &pdev->dev || desc->irq != pdev->irq ||
	    vector >= desc->nvec_used)
		return -EAGAIN;
	return virq;
}

static void irq_event(struct pciem_device *dev, u32 vector, u32 flags)
{
	struct pciem_event ev;

	pciem_event_fill(&ev, PCIEM_EVENT_IRQ, 0, 0, 0, vector, 0);
	ev.flags = flags;
	pciem_ring_push(dev, &ev);
}

static bool msi_enabled(struct pciem_device *dev)
{
	return dev->msi_off &&
	       (pciem_cfg_read(dev, dev->msi_off + PCI_MSI_FLAGS, 2) & PCI_MSI_FLAGS_ENABLE);
}

static bool msix_open(struct pciem_device *dev, u32 vector);
static int msix_virq(struct pciem_device *dev, u32 vector);

/* May MSI @vector fire now: MSI on, the vector enabled and unmasked? */
static bool msi_open(struct pciem_device *dev, u32 vector)
{
	struct msi_view v;

	msi_read(dev, &v);
	return v.enabled && vector < v.nvec && !(v.mask & BIT(vector));
}

/*
 * Raises MSI (or, @msix, MSI-X) @vector, if it is still open (enabled and
 * unmasked), through the interrupt msi_virq() or msix_virq() finds for it;
 * once the interrupt is found, its IRQ event (@evflags) is emitted first,
 * so that the handler's accesses follow it.  Returns 0; -ENODEV if the
 * vector is not open or -EAGAIN if its interrupt cannot be looked up yet
 * (no event emitted either way); -ENOENT if the driver freed or disabled
 * the interrupt; -EIO.
 *
 * The PCI core disables MSI or MSI-X (or masks the vector, in config space
 * or in the MSI-X table) before it frees a vector's interrupt, and a write
 * that does so waits for the deliveries in flight
 * (pciem_irq_msi_quiesce()): each announces itself in msi_busy before it
 * looks at the vector's state, so either the write sees it and waits, or
 * it sees the write.  The interrupt's descriptors therefore live until it
 * is done.  An interrupt the driver freed while the vector stays open (no
 * mask bits to tell) is not activated, or disabled: it is left alone, as
 * the vector would be ignored.
 */
static int vector_deliver(struct pciem_device *dev, u32 vector, u32 evflags, bool msix)
{
	struct irq_data *d;
	unsigned long flags;
	int ret = -ENODEV, virq;

	local_irq_save(flags);
	atomic_inc(&dev->msi_busy);
	smp_mb__after_atomic();
	if (!(msix ? msix_open(dev, vector) : msi_open(dev, vector)))
		goto out;
	/* the interrupt's descriptors are only looked at in here */
	virq = msix ? msix_virq(dev, vector) : msi_virq(dev, vector);
	if (virq < 0) {
		ret = virq;
		goto out;
	}
	irq_event(dev, vector, evflags);
	d = irq_get_irq_data(virq);
	ret = -ENOENT;
	if (!d || !irqd_is_activated(d) || irqd_irq_disabled(d))
		goto out;
	ret = irq_chip_retrigger_hierarchy(d) ? 0 : -EIO;
out:
	smp_mb__before_atomic();
	atomic_dec(&dev->msi_busy);
	local_irq_restore(flags);
	return ret;
}

/*
 * A config write disabled MSI or masked a vector (under the PCI core's
 * config lock): wait for the deliveries that may not have seen it.
 */
void pciem_irq_msi_quiesce(struct pciem_device *dev)
{
	smp_mb();
	while (atomic_read(&dev->msi_busy))
		cpu_relax();
}

/*
 * Deliver every pending vector that is now enabled and unmasked.  In atomic
 * context a vector whose interrupt cannot be looked up yet stays pending
 * and is handed to the slow work, which may sleep.
 */
static void msi_flush_pending(struct pciem_device *dev, bool can_sleep)
{
	struct msi_view v;
	bool retry = false;
	u32 ready;
	int vec, ret;

	msi_read(dev, &v);
	if (!v.enabled)
		return;
	ready = READ_ONCE(dev->msi_pending) & ~v.mask;
	if (v.nvec < 32)
		ready &= (1U << v.nvec) - 1;
	if (!ready)
		return;
	for (vec = 0; vec < 32; vec++) {
		if (!(ready & BIT(vec)))
			continue;
		clear_bit(vec, &dev->msi_pending);
		/*
		 * Process context waits, in pci_irq_vector() (which takes the
		 * MSI descriptors' mutex), for the PCI core to finish setting
		 * MSI up; msi_virq() then finds the interrupt.
		 */
		if (can_sleep && dev->pdev && dev->pdev->msi_enabled)
			pci_irq_vector(dev->pdev, vec);
		ret = vector_deliver(dev, vec, PCIEM_EVENT_F_DEFERRED, false);
		if (ret == -EAGAIN) {
			set_bit(vec, &dev->msi_pending);
			retry = true;
			continue;
		}
		if (ret)
			pr_warn_ratelimited("device %d: MSI vector %d could not be delivered\n",
					    dev->id, vec);
	}
	if (v.pending_at)
		set_pending_bits(dev, v.pending_at, READ_ONCE(dev->msi_pending));
	if (retry)
		schedule_work(&dev->irq_slow_work);
}

/* ---- MSI-X ---------------------------------------------------------------- */

#define MSIX_ENTRY	PCI_MSIX_ENTRY_SIZE

static u16 msix_ctrl(struct pciem_device *dev)
{
	return pciem_cfg_read(dev, dev->msix_off + PCI_MSIX_FLAGS, 2);
}

static bool msix_enabled(struct pciem_device *dev)
{
	return dev->msix_off && (msix_ctrl(dev) & PCI_MSIX_FLAGS_ENABLE);
}

static bool msix_entry_masked(struct pciem_device *dev, u32 vector)
{
	return pciem_bar_read(dev, dev->msix_tbar, dev->msix_toff + vector * MSIX_ENTRY +
			      PCI_MSIX_ENTRY_VECTOR_CTRL, 4) & PCI_MSIX_ENTRY_CTRL_MASKBIT;
}

/* May @vector fire now: MSI-X on, the function and the vector unmasked? */
static bool msix_open(struct pciem_device *dev, u32 vector)
{
	u16 ctrl = msix_ctrl(dev);

	return (ctrl & PCI_MSIX_FLAGS_ENABLE) && !(ctrl & PCI_MSIX_FLAGS_MASKALL) &&
	       !msix_entry_masked(dev, vector);
}

/* The PBA's word holding @vector, from msix_pending. */
static void msix_mirror(struct pciem_device *dev, u32 vector)
{
	unsigned int w = vector / 64, i;
	u64 bits = 0;

	for (i = 0; i < 64 && w * 64 + i < dev->msix_n; i++)
		if (test_bit(w * 64 + i, dev->msix_pending))
			bits |= BIT_ULL(i);
	pciem_bar_write(dev, dev->msix_pbar, dev->msix_poff + 8 * w, 8, bits);
}

/*
 * The Linux interrupt of MSI-X @vector, without sleeping: the one learnt
 * by msix_learn(), if its MSI descriptor still says it is this device's
 * entry @vector.  -EAGAIN when not known (yet).
 */
static int msix_virq(struct pciem_device *dev, u32 vector)
{
	struct pci_dev *pdev = dev->pdev;
	unsigned int virq = READ_ONCE(dev->msix_virq[vector]);
	struct msi_desc *desc;

	if (!pdev || !pdev->msix_enabled || !virq)
		return -EAGAIN;
	desc = irq_get_msi_desc(virq);
	if (!desc || desc->dev != &pdev->dev || desc->msi_index != vector)
		return -EAGAIN;
	return virq;
}

/* Process context: the Linux interrupt of @vector, from the PCI core. */
static void msix_learn(struct pciem_device *dev, u32 vector)
{
	int virq;

	if (!dev->pdev || !dev->pdev->msix_enabled)
		return;
	virq = pci_irq_vector(dev->pdev, vector);	/* takes the descriptors' mutex */
	WRITE_ONCE(dev->msix_virq[vector], virq > 0 ? virq : 0);
}

/*
 * Delivers the pending vectors that are open.  Without sleeping, a vector
 * whose interrupt is not known stays pending for the slow work, which
 * learns it.
 */
static void msix_flush_pending(struct pciem_device *dev, bool can_sleep)
{
	bool retry = false;
	unsigned int vec;
	int ret;

	if (!dev->msix_off || !msix_enabled(dev))
		return;
	for_each_set_bit(vec, dev->msix_pending, dev->msix_n) {
		if (!msix_open(dev, vec))
			continue;
		if (can_sleep)
			msix_learn(dev, vec);
		if (!test_and_clear_bit(vec, dev->msix_pending))
			continue;
		ret = vector_deliver(dev, vec, PCIEM_EVENT_F_DEFERRED, true);
		if (ret == -ENODEV || ret == -EAGAIN) {
			/* closed again meanwhile, or not known yet */
			set_bit(vec, dev->msix_pending);
			retry |= ret == -EAGAIN;
		} else if (ret) {
			pr_warn_ratelimited("device %d: MSI-X vector %u could not be delivered\n",
					    dev->id, vec);
		}
		msix_mirror(dev, vec);
	}
	/*
	 * From the slow work, a vector still unknown is one the PCI core is
	 * setting up (the work waited for its mutex, so only until it is
	 * enabled) or one the driver did not allocate (left pending).
	 */
	if (retry && (!can_sleep || !dev->pdev || !dev->pdev->msix_enabled))
		schedule_work(&dev->irq_slow_work);
}

/* Learns the interrupts of the open vectors that have none known. */
static void msix_learn_open(struct pciem_device *dev)
{
	unsigned int vec;

	if (!dev->msix_off || !msix_enabled(dev))
		return;
	for (vec = 0; vec < dev->msix_n; vec++)
		if (msix_open(dev, vec) && msix_virq(dev, vec) < 0)
			msix_learn(dev, vec);
}

static int msix_inject(struct pciem_device *dev, u32 vector, u32 *status)
{
	if (vector >= dev->msix_n)
		return -EINVAL;
	/* the event is numbered before the handler can run (vector_deliver()) */
	if (!vector_deliver(dev, vector, 0, true)) {
		*status = PCIEM_IRQ_DELIVERED;
		return 0;
	}
	set_bit(vector, dev->msix_pending);
	msix_mirror(dev, vector);
	*status = PCIEM_IRQ_PENDING;
	irq_event(dev, vector, PCIEM_EVENT_F_PENDING);
	/* opened between our look and set_bit, or its interrupt unknown */
	irq_work_queue(&dev->irq_work);
	return 0;
}

/* The table and PBA ranges, within BAR @bar: which holds [@off, +@size)? */
int pciem_msix_range(const struct pciem_device *dev, unsigned int bar, u64 off,
		     unsigned int size)
{
	u64 tlen = (u64)dev->msix_n * MSIX_ENTRY, plen = 8 * DIV_ROUND_UP(dev->msix_n, 64);

	if (bar == dev->msix_tbar && off < dev->msix_toff + tlen && dev->msix_toff < off + size)
		return PCIEM_MSIX_TABLE;
	if (bar == dev->msix_pbar && off < dev->msix_poff + plen && dev->msix_poff < off + size)
		return PCIEM_MSIX_PBA;
	return 0;
}

/* Does the page at BAR offset @page_off of @bar hold MSI-X state? */
bool pciem_msix_page(const struct pciem_device *dev, unsigned int bar, u64 page_off)
{
	return dev->msix_off && pciem_msix_range(dev, bar, page_off & PAGE_MASK, PAGE_SIZE);
}

/*
 * ADD_CAPABILITY or SET_CONFIG_IMAGE (process context, before REGISTER):
 * the state of an MSI-X capability, which the caller then places in
 * config space (setting msix_off).  0, -EINVAL (a layout PCIem cannot
 * present) or -ENOMEM.
 */
int pciem_msix_setup(struct pciem_device *dev, u16 n, u8 tbar, u32 toff, u8 pbar, u32 poff)
{
	u64 tlen = (u64)n * MSIX_ENTRY, plen = 8 * DIV_ROUND_UP(n, 64);

	if (!n || n > PCIEM_MSIX_MAX_VECTORS || tbar >= PCIEM_NUM_BARS ||
	    pbar >= PCIEM_NUM_BARS || (toff & 7) || (poff & 7))
		return -EINVAL;
	if (tbar == pbar && toff < poff + plen && poff < toff + tlen)
		return -EINVAL;
	pciem_msix_free(dev);
	dev->msix_pending = bitmap_zalloc(n, GFP_KERNEL);
	dev->msix_virq = kcalloc(n, sizeof(*dev->msix_virq), GFP_KERNEL);
	if (!dev->msix_pending || !dev->msix_virq) {
		pciem_msix_free(dev);
		return -ENOMEM;
	}
	dev->msix_n = n;
	dev->msix_tbar = tbar;
	dev->msix_toff = toff;
	dev->msix_pbar = pbar;
	dev->msix_poff = poff;
	return 0;
}

void pciem_msix_free(struct pciem_device *dev)
{
	bitmap_free(dev->msix_pending);
	kfree(dev->msix_virq);
	dev->msix_pending = NULL;
	dev->msix_virq = NULL;
	dev->msix_off = 0;
}

static bool msix_fits(const struct pciem_device *dev, unsigned int bar, u64 off, u64 len)
{
	const struct pciem_bar *b = &dev->bars[bar];

	return b->present && !b->upper && off <= b->size && len <= b->size - off;
}

/* REGISTER: the table and PBA in their BARs, every vector masked. */
int pciem_msix_register(struct pciem_device *dev)
{
	unsigned int i;

	if (!dev->msix_off)
		return 0;
	if (!msix_fits(dev, dev->msix_tbar, dev->msix_toff, (u64)dev->msix_n * MSIX_ENTRY) ||
	    !msix_fits(dev, dev->msix_pbar, dev->msix_poff, 8 * DIV_ROUND_UP(dev->msix_n, 64)))
		return -EINVAL;
	for (i = 0; i < dev->msix_n; i++) {
		u64 e = dev->msix_toff + (u64)i * MSIX_ENTRY;

		pciem_bar_write(dev, dev->msix_tbar, e, 8, 0);
		pciem_bar_write(dev, dev->msix_tbar, e + PCI_MSIX_ENTRY_DATA, 4, 0);
		pciem_bar_write(dev, dev->msix_tbar, e + PCI_MSIX_ENTRY_VECTOR_CTRL, 4,
				PCI_MSIX_ENTRY_CTRL_MASKBIT);
	}
	for (i = 0; i < DIV_ROUND_UP(dev->msix_n, 64); i++)
		pciem_bar_write(dev, dev->msix_pbar, dev->msix_poff + 8 * i, 8, 0);
	return 0;
}

/* Pending vectors whose interrupt only process context can look up. */
void pciem_irq_slow_work_fn(struct work_struct *work)
{
	struct pciem_device *dev = container_of(work, struct pciem_device, irq_slow_work);

	msi_flush_pending(dev, true);
	msix_learn_open(dev);
	msix_flush_pending(dev, true);
}

static bool intx_disabled(struct pciem_device *dev)
{
	return pciem_cfg_read(dev, PCI_COMMAND, 2) & PCI_COMMAND_INTX_DISABLE;
}

void pciem_irq_work_fn(struct irq_work *work)
{
	struct pciem_device *dev = container_of(work, struct pciem_device, irq_work);

	msi_flush_pending(dev, false);
	msix_flush_pending(dev, false);
	if (READ_ONCE(dev->intx_pending) && !intx_disabled(dev) && !msi_enabled(dev) &&
	    !msix_enabled(dev)) {
		WRITE_ONCE(dev->intx_pending, false);
		irq_event(dev, 0, PCIEM_EVENT_F_DEFERRED);
		generic_handle_irq_safe(dev->intx_irq);
	}
}

/*
 * The driver wrote the command register or MSI capability (under the PCI
 * core's config lock, interrupts off: see pciem_device_teardown()), or the
 * MSI-X table (in the fault path, interrupts off too).
 */
void pciem_irq_cfg_changed(struct pciem_device *dev)
{
	if (READ_ONCE(dev->dying))
		return;
	if (READ_ONCE(dev->msi_pending) || READ_ONCE(dev->intx_pending) ||
	    (dev->msix_off && !bitmap_empty(dev->msix_pending, dev->msix_n)))
		irq_work_queue(&dev->irq_work);
	if (msix_enabled(dev))	/* its vectors' interrupts, to fire them at once */
		schedule_work(&dev->irq_slow_work);
}

static int intx_inject(struct pciem_device *dev, u32 vector, u32 *status)
{
	if (vector != 0)
		return -EINVAL;
	WRITE_ONCE(dev->intx_pending, true);
	*status = intx_disabled(dev) ? PCIEM_IRQ_PENDING : PCIEM_IRQ_DELIVERED;
	irq_event(dev, 0, PCIEM_EVENT_F_PENDING);	/* raised from irq_work */
	irq_work_queue(&dev->irq_work);
	return 0;
}

/* Before the driver can probe: INTA gets a Linux interrupt of its own. */
int pciem_intx_alloc(struct pciem_device *dev)
{
	int irq;

	if (!pciem_cfg_read(dev, PCI_INTERRUPT_PIN, 1))
		return 0;
	irq = irq_alloc_desc(NUMA_NO_NODE);
	if (irq < 0)
		return irq;
	irq_set_chip_and_handler_name(irq, &dummy_irq_chip, handle_simple_irq, "pciem-intx");
	dev->intx_irq = irq;
	/* PCIem routes it: keep the firmware's routing code away from it */
	dev->pdev->irq = irq;
	dev->pdev->irq_managed = 1;
	return 0;
}

void pciem_intx_free(struct pciem_device *dev)
{
	if (dev->intx_irq)
		irq_free_desc(dev->intx_irq);
	dev->intx_irq = 0;
}

/*
 * Any context but NMI: the INJECT_IRQ ioctl, and the replay's irq_work.  A
 * vector whose interrupt cannot be looked up without sleeping is left
 * pending (and delivered by the slow work).
 */
int pciem_irq_inject(struct pciem_device *dev, u32 vector, u32 *status)
{
	struct msi_view v;

	if (msix_enabled(dev))
		return msix_inject(dev, vector, status);
	if (dev->intx_irq && !msi_enabled(dev))
		return intx_inject(dev, vector, status);
	if (!dev->msi_off && dev->msix_off)
		return msix_inject(dev, vector, status);	/* pending until enabled */
	if (!dev->msi_off)
		return -EOPNOTSUPP;	/* no MSI capability and no interrupt pin */
	if (vector >= (1U << dev->msi_log2))
		return -EINVAL;

	msi_read(dev, &v);
	if (v.enabled && vector < v.nvec && !(v.mask & BIT(vector))) {
		/*
		 * The event is numbered before the handler can run, so the
		 * handler's accesses follow it in the stream.  Should delivery
		 * fail, a PENDING event follows.  A vector whose interrupt
		 * cannot be looked up yet is left pending at once.
		 */
		if (!vector_deliver(dev, vector, 0, false)) {
			*status = PCIEM_IRQ_DELIVERED;
			return 0;
		}
	}
	set_bit(vector, &dev->msi_pending);
	if (v.pending_at)
		set_pending_bits(dev, v.pending_at, READ_ONCE(dev->msi_pending));
	*status = PCIEM_IRQ_PENDING;
	irq_event(dev, vector, PCIEM_EVENT_F_PENDING);
	/* the driver may have unmasked between our read and set_bit */
	irq_work_queue(&dev->irq_work);
	return 0;
}
