// SPDX-License-Identifier: GPL-2.0
/*
 * Tracing real PCI devices (PCIEM_TRACE_MATCH_REAL).  A traced device gets
 * a pciem_device of its own (state PCIEM_REAL_TRACED, no bus, no model)
 * through which its events reach the recorder that asked for it:
 *  - MMIO: its driver's mappings of its memory BARs are taken over in full
 *    trap like a PCIem device's (pciem_trap.c), each access performed on
 *    the device;
 *  - config space: its bus's operations are replaced by ours, which pass
 *    every access on to the ones they replaced and record those of the
 *    traced devices (as the kernel's aer_inject interposes on a bus);
 *  - interrupts: the irq_handler_entry tracepoint, just before the driver's
 *    handler runs, with the vector as the driver numbers it;
 *  - binding, unbinding and removal: the PCI bus notifier.
 * Stopping gives everything back: the mappings point at the device again,
 * the bus gets its operations back, and the device is left as it was.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/rcupdate.h>
#include <linux/tracepoint.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irqdesc.h>
#include <linux/msi.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>

#include "pciem.h"

struct pciem_real {
	struct pciem_device *dev;
	struct pci_dev *pdev;
	struct pci_bus *bus;
	struct pci_ops *orig;		/* the bus's operations before ours */
	struct module *owner;		/* the bound driver's module, NULL: none
					 * or built in */
	bool bound_at_start;
	u32 io_bars;			/* I/O port BARs: not traced */
	int slot;			/* in reals[] */
	bool stopped;
};

static DEFINE_MUTEX(real_lock);		/* starts and stops */
static struct pciem_real __rcu *reals[PCIEM_MAX_REAL];
static unsigned int nreal;		/* devices traced, under real_lock */
static struct tracepoint *irq_entry_tp;
static bool rdma_probes;		/* the DMA API's are in, under real_lock */

/*
 * Real devices' DMA through kretprobes on the DMA API (pciem_real_dma.c),
 * on by default; read when the first real device starts being traced.
 * The fault hook is an ftrace callback, not a kprobe, so an interrupt
 * handler touching a traced BAR while one of these probes runs is served.
 */
static bool real_dma = true;
module_param(real_dma, bool, 0644);
MODULE_PARM_DESC(real_dma, "trace real devices' DMA through the DMA API (default on)");

/* ---- config space ------------------------------------------------------- */

/*
 * Under RCU: the bus's operations before ours (NULL: we are not on @bus
 * any more), and the traced device at @devfn of @bus, if any.
 */
static struct pci_ops *bus_orig(struct pci_bus *bus, unsigned int devfn,
				struct pciem_real **traced)
{
	struct pci_ops *orig = NULL;
	int i;

	*traced = NULL;
	for (i = 0; i < PCIEM_MAX_REAL; i++) {
		struct pciem_real *r = rcu_dereference(reals[i]);

		if (!r || r->bus != bus)
			continue;
		orig = r->orig;
		if (r->pdev->devfn == devfn && !READ_ONCE(r->stopped))
			*traced = r;
	}
	return orig;
}

/*
 * Under RCU: where an access of @bus goes, the bus's own operations (NULL
 * in the instant ours are neither in reals[] nor replaced back yet), and
 * the traced device it is for, if any.
 */
static struct pci_ops *route(struct pci_bus *bus, unsigned int devfn, struct pciem_real **traced)
{
	struct pci_ops *orig = bus_orig(bus, devfn, traced);

	if (orig)
		return orig;
	/* ours were replaced back just now: the bus has its own again */
	orig = READ_ONCE(bus->ops);
	return orig == &pciem_real_pci_ops ? NULL : orig;
}

static int real_cfg_read(struct pci_bus *bus, unsigned int devfn, int where, int size, u32 *val)
{
	struct pciem_real *r;
	struct pci_ops *orig;
	struct pciem_event ev;
	int ret = PCIBIOS_DEVICE_NOT_FOUND;

	rcu_read_lock();
	orig = route(bus, devfn, &r);
	if (orig)
		ret = orig->read(bus, devfn, where, size, val);
	else
		*val = ~0U;
	if (r && ret == PCIBIOS_SUCCESSFUL) {
		pciem_event_fill(&ev, PCIEM_EVENT_CONFIG_READ, 0, where, size, *val, _RET_IP_);
		pciem_ring_push(r->dev, &ev);
	}
	rcu_read_unlock();
	return ret;
}

static int real_cfg_write(struct pci_bus *bus, unsigned int devfn, int where, int size, u32 val)
{
	struct pciem_real *r;
	struct pci_ops *orig;
	struct pciem_event ev;
	int ret = PCIBIOS_DEVICE_NOT_FOUND;

	rcu_read_lock();
	orig = route(bus, devfn, &r);
	if (orig)
		ret = orig->write(bus, devfn, where, size, val);
	if (r && ret == PCIBIOS_SUCCESSFUL) {
		pciem_event_fill(&ev, PCIEM_EVENT_CONFIG_WRITE, 0, where, size, val, _RET_IP_);
		if (where < PCI_STD_HEADER_SIZEOF)
			ev.flags = PCIEM_EVENT_F_HEADER;
		pciem_ring_push(r->dev, &ev);
	}
	rcu_read_unlock();
	return ret;
}

struct pci_ops pciem_real_pci_ops = {
	.read = real_cfg_read,
	.write = real_cfg_write,
};

/* ---- interrupts ---------------------------------------------------------- */

/*
 * The vector as @r's driver numbers it if the handler about to run on
 * @irq is its driver's, else -1.  MSI and MSI-X: the descriptor's index
 * (plus the vector's place in a multi-MSI block).  INTx may be shared:
 * the handler must be the driver's (a built-in driver's: the line's first).
 */
static int irq_vector(struct pciem_real *r, int irq, struct irqaction *action)
{
	struct irq_data *d = irq_get_irq_data(irq);
	struct msi_desc *msi = d ? irq_data_get_msi_desc(d) : NULL;
	struct module *owner;

	if (msi) {
		if (msi->dev != &r->pdev->dev)
			return -1;
		return msi->msi_index + (irq - msi->irq);
	}
	if (!d || irq != r->pdev->irq || !r->pdev->dev.driver)
		return -1;
	owner = READ_ONCE(r->owner);
	if (owner)
		return within_module((unsigned long)action->handler, owner) ||
		       (action->thread_fn &&
			within_module((unsigned long)action->thread_fn, owner)) ? 0 : -1;
	return irq_data_to_desc(d)->action == action ? 0 : -1;
}

static void real_irq_entry(void *data, int irq, struct irqaction *action)
{
	struct pciem_event ev;
	int i, vec;

	rcu_read_lock();
	for (i = 0; i < PCIEM_MAX_REAL; i++) {
		struct pciem_real *r = rcu_dereference(reals[i]);

		if (!r || READ_ONCE(r->stopped))
			continue;
		vec = irq_vector(r, irq, action);
		if (vec < 0)
			continue;
		/* what the device wrote to coherent memory before it signalled */
		pciem_rdma_look(r->dev, PCIEM_EVENT_DMA_WRITE);
		pciem_event_fill(&ev, PCIEM_EVENT_IRQ, 0, 0, 0, vec,
				 (unsigned long)action->handler);
		pciem_ring_push(r->dev, &ev);
	}
	rcu_read_unlock();
}

static void find_irq_entry(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "irq_handler_entry"))
		*(struct tracepoint **)priv = tp;
}

/* ---- start and stop ------------------------------------------------------- */

static struct module *driver_owner(struct pci_dev *pdev)
{
	struct device_driver *drv = pdev->dev.driver;

	return drv ? drv->owner : NULL;
}

/*
 * The traced device's pciem_device for @pdev, NULL if it is not traced
 * (any more).  Under RCU, or with preemption off (kprobe handlers).
 */
struct pciem_device *pciem_real_lookup(struct pci_dev *pdev)
{
	int i;

	for (i = 0; i < PCIEM_MAX_REAL; i++) {
		struct pciem_real *r = rcu_dereference_sched(reals[i]);

		if (r && r->pdev == pdev && !READ_ONCE(r->stopped))
			return r->dev;
	}
	return NULL;
}

struct pci_dev *pciem_real_pdev(struct pciem_device *dev)
{
	return dev->real->pdev;
}

/* Under real_lock: the traced device that is @pdev, if any. */
static struct pciem_real *real_of(struct pci_dev *pdev)
{
	int i;

	for (i = 0; i < PCIEM_MAX_REAL; i++) {
		struct pciem_real *r = rcu_dereference_protected(reals[i],
							lockdep_is_held(&real_lock));

		if (r && r->pdev == pdev)
			return r;
	}
	return NULL;
}

/* The BARs and config space as they are now. */
static void real_snapshot(struct pciem_device *dev, struct pci_dev *pdev)
{
	struct pciem_real *r = dev->real;
	unsigned long flags;
	u8 *cfg;
	int i;

	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		struct resource *res = &pdev->resource[i];
		struct pciem_bar *b = &dev->bars[i];

		if (!res->flags || !resource_size(res) || b->upper)
			continue;
		if (res->flags & IORESOURCE_IO) {
			r->io_bars |= BIT(i);
			continue;
		}
		if (!(res->flags & IORESOURCE_MEM))
			continue;
		b->present = true;
		b->bus_addr = res->start;
		b->size = resource_size(res);
		b->flags = PCI_BASE_ADDRESS_SPACE_MEMORY;
		if (res->flags & IORESOURCE_PREFETCH)
			b->flags |= PCI_BASE_ADDRESS_MEM_PREFETCH;
		if ((res->flags & IORESOURCE_MEM_64) && i + 1 < PCI_STD_NUM_BARS) {
			b->flags |= PCI_BASE_ADDRESS_MEM_TYPE_64;
			dev->bars[i + 1].upper = true;
		}
	}
	/* read before our operations are in place: not traced */
	cfg = kzalloc(PCIEM_CFG_SIZE, GFP_KERNEL);
	if (cfg) {
		for (i = 0; i < pdev->cfg_size && i < PCIEM_CFG_SIZE; i += 4) {
			u32 v;

			if (pci_read_config_dword(pdev, i, &v))
				v = ~0U;
			memcpy(cfg + i, &v, 4);
		}
		raw_spin_lock_irqsave(&dev->cfg_lock, flags);
		memcpy(dev->cfg, cfg, PCIEM_CFG_SIZE);
		raw_spin_unlock_irqrestore(&dev->cfg_lock, flags);
		kfree(cfg);
	}
	dev->msi_off = pdev->msi_cap;
	dev->pcie_off = pdev->pcie_cap;
	dev->pm_off = pdev->pm_cap;
	dev->identity_set = true;
	r->bound_at_start = pdev->dev.driver != NULL;
	r->owner = driver_owner(pdev);
}

/* The description's real-device part (see pciem_trace.c). */
void pciem_real_describe(struct pciem_device *dev, struct pciem_trace_device *d)
{
	struct pciem_real *r = dev->real;
	int i;

	d->flags = PCIEM_TDEV_F_REAL;
	if (r->bound_at_start)
		d->flags |= PCIEM_TDEV_F_BOUND;
	if (r->io_bars)
		d->flags |= PCIEM_TDEV_F_IO_BAR;
	d->creator_pid = 0;
	d->bus = PCIEM_KEY_REAL_BUS((u32)dev->domain);
	d->devfn = PCIEM_KEY_REAL_DEVFN((u32)dev->domain);
	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		if (!(r->io_bars & BIT(i)))
			continue;
		d->bars[i].bus_addr = pci_resource_start(r->pdev, i);
		d->bars[i].size = pci_resource_len(r->pdev, i);
		d->bars[i].flags = PCI_BASE_ADDRESS_SPACE_IO;
	}
}

/*
 * A device object for the real device @s names, not yet tracing anything:
 * the caller attaches its recorder and writes the description, then calls
 * pciem_real_arm().
 */
struct pciem_device *pciem_real_new(const struct pciem_trace_subscribe *s)
{
	struct pciem_device *dev;
	struct pci_dev *pdev;
	struct pciem_real *r;

	if (s->domain > PCIEM_REAL_MAX_DOMAIN)
		return ERR_PTR(-EOPNOTSUPP);
	pdev = pci_get_domain_bus_and_slot(s->domain, s->bus, s->devfn);
	if (!pdev)
		return ERR_PTR(-ENODEV);
	if (pdev->bus->ops == &pciem_pci_ops || pdev->hdr_type != PCI_HEADER_TYPE_NORMAL) {
		pci_dev_put(pdev);
		return ERR_PTR(-EINVAL);
	}
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r) {
		pci_dev_put(pdev);
		return ERR_PTR(-ENOMEM);
	}
	dev = pciem_device_new_real(PCIEM_REAL_KEY(s->domain, s->bus, s->devfn));
	if (IS_ERR(dev)) {
		kfree(r);
		pci_dev_put(pdev);
		return dev;
	}
	dev->rdma = pciem_rdma_new();
	if (!dev->rdma)
		pr_warn("%s: no memory to trace its DMA\n", pci_name(pdev));
	r->dev = dev;
	r->pdev = pdev;
	r->bus = pdev->bus;
	r->slot = -1;
	dev->real = r;
	dev->state = PCIEM_REAL_TRACED;
	real_snapshot(dev, pdev);
	return dev;
}

/*
 * Starts tracing: new mappings are taken over from here, config accesses
 * and interrupts are recorded, and the mappings made before are found and
 * taken over.  Process context.
 */
int pciem_real_arm(struct pciem_device *dev)
{
	struct pciem_real *r = dev->real, *other = NULL;
	unsigned long flags;
	int i, slot = -1, ret;

	mutex_lock(&real_lock);
	if (real_of(r->pdev)) {
		ret = -EBUSY;
		goto out;
	}
	for (i = 0; i < PCIEM_MAX_REAL; i++) {
		struct pciem_real *o = rcu_dereference_protected(reals[i],
							lockdep_is_held(&real_lock));

		if (!o && slot < 0)
			slot = i;
		if (o && o->bus == r->bus)
			other = o;
	}
	ret = -ENOSPC;
	if (slot < 0)
		goto out;
	if (!nreal) {
		ret = irq_entry_tp ? tracepoint_probe_register(irq_entry_tp, real_irq_entry, NULL)
				   : -ENOENT;
		if (ret) {
			pr_err("cannot attach to irq_handler_entry (%d): interrupts cannot be traced\n",
			       ret);
			goto out;
		}
		/* without them the trace still has everything but DMA (said) */
		rdma_probes = READ_ONCE(real_dma) && !pciem_rdma_probes_start();
	}
	nreal++;
	r->slot = slot;
	r->orig = other ? other->orig : r->bus->ops;
	rcu_assign_pointer(reals[slot], r);
	if (!other)
		pci_bus_set_ops(r->bus, &pciem_real_pci_ops);
	ret = 0;
out:
	mutex_unlock(&real_lock);
	if (ret)
		return ret;
	/* ioremap() of its BARs is taken over from here */
	spin_lock_irqsave(&pciem_devices_lock, flags);
	list_add_tail(&dev->node, &pciem_devices);
	spin_unlock_irqrestore(&pciem_devices_lock, flags);
	pciem_rdma_arm(dev);
	pciem_trap_take_over_existing(dev);
	return 0;
}

/*
 * Stops tracing @dev, for good: everything is given back.  Its recorder
 * stays attached until it goes.  Process context; idempotent.
 */
void pciem_real_stop(struct pciem_device *dev)
{
	struct pciem_real *r = dev->real, *other = NULL;
	unsigned long flags;
	bool last = false;
	int i;

	mutex_lock(&real_lock);
	if (r->stopped || r->slot < 0) {
		mutex_unlock(&real_lock);
		return;
	}
	WRITE_ONCE(r->stopped, true);
	for (i = 0; i < PCIEM_MAX_REAL; i++) {
		struct pciem_real *o = rcu_dereference_protected(reals[i],
							lockdep_is_held(&real_lock));

		if (o && o != r && o->bus == r->bus)
			other = o;
	}
	/* the bus's own operations first: see real_cfg_read() */
	if (!other) {
		if (r->bus->ops == &pciem_real_pci_ops)
			pci_bus_set_ops(r->bus, r->orig);
		else
			pr_warn("bus %04x:%02x: its operations were replaced after ours; left as they are\n",
				pci_domain_nr(r->bus), r->bus->number);
	}
	RCU_INIT_POINTER(reals[r->slot], NULL);
	if (!--nreal)
		last = true;
	if (last)
		tracepoint_probe_unregister(irq_entry_tp, real_irq_entry, NULL);
	if (last && rdma_probes) {
		pciem_rdma_probes_stop();
		rdma_probes = false;
	}
	mutex_unlock(&real_lock);
	if (last)
		tracepoint_synchronize_unregister();
	synchronize_rcu();

	spin_lock_irqsave(&pciem_devices_lock, flags);
	list_del_init(&dev->node);
	spin_unlock_irqrestore(&pciem_devices_lock, flags);
	pciem_trap_release_real(dev);
}

/* Drivers binding to and leaving a traced device, and its removal. */
void pciem_real_bus_event(struct pci_dev *pdev, unsigned long action)
{
	struct pciem_device *dev = NULL;
	struct pciem_real *r;

	mutex_lock(&real_lock);
	r = real_of(pdev);
	if (r && !r->stopped) {
		dev = r->dev;
		pciem_device_get(dev);
		if (action == BUS_NOTIFY_BOUND_DRIVER)
			WRITE_ONCE(r->owner, driver_owner(pdev));
		else if (action == BUS_NOTIFY_UNBOUND_DRIVER)
			WRITE_ONCE(r->owner, NULL);
	}
	mutex_unlock(&real_lock);
	if (!dev)
		return;
	switch (action) {
	case BUS_NOTIFY_BOUND_DRIVER:
		pciem_lifecycle(dev, PCIEM_LC_DRIVER_BOUND, 0, 0, 0);
		break;
	case BUS_NOTIFY_UNBIND_DRIVER:	/* before remove() */
		pciem_lifecycle(dev, PCIEM_LC_DRIVER_UNBOUND, 0, 0, 0);
		break;
	case BUS_NOTIFY_DEL_DEVICE:	/* leaving the bus: tracing ends */
		pciem_lifecycle(dev, PCIEM_LC_REMOVED, 0, 0, 0);
		pciem_real_stop(dev);
		break;
	}
	pciem_device_put(dev);
}

/* After pciem_real_stop() and the last reference: the device goes. */
void pciem_real_free(struct pciem_real *r)
{
	if (!r)
		return;
	pci_dev_put(r->pdev);
	kfree(r);
}

int pciem_real_init(void)
{
	for_each_kernel_tracepoint(find_irq_entry, &irq_entry_tp);
	if (!irq_entry_tp)
		pr_warn("no irq_handler_entry tracepoint: real devices' interrupts cannot be traced\n");
	return 0;
}

void pciem_real_exit(void)
{
	/* every recorder is gone, so is every traced device */
	if (nreal)
		pr_err("%u real devices still traced at unload\n", nreal);
}
