// SPDX-License-Identifier: GPL-2.0
/*
 * Driver for the PCIem "dummy clock" example device (1234:5678).
 *
 * BAR0 holds three 32-bit registers: writing 1 to CONTROL increments
 * COUNTER, and every tenth count the device sets STATUS_IRQ_PENDING in
 * STATUS and raises its MSI.  STATUS is write-1-to-clear.
 *
 * Userspace interface, attributes of the PCI device in sysfs:
 *   tick       (write) N, 1..1000000: write 1 to CONTROL N times
 *   counter    (read)  COUNTER
 *   status     (read)  STATUS, as 0x%08x
 *   irq_count  (read)  interrupts handled since probe
 *
 * Module parameter regress (0444, default 0) builds a known bug into the
 * driver, for the record/replay demo: record the workload with the good
 * driver, replay the recording against the driver loaded with regress=N,
 * and pciem-replay reports the first write that differs from the
 * recording.  Both bugs are the same slip, BIT() applied to a mask rather
 * than to a bit number, so each writes 2 where 1 was meant:
 *   0  the correct driver.
 *   1  the interrupt handler acknowledges by writing BIT(1) to STATUS,
 *      not STATUS_IRQ_PENDING (bit 0).  The device never sees the
 *      acknowledgement: STATUS stays pending and the device holds back
 *      every later interrupt, so irq_count stays at 1.
 *   2  tick writes 2 to CONTROL, not CONTROL_TICK (bit 0).  Bit 0 is
 *      clear, so the counter never moves (and no interrupt comes).
 * Any other value is refused: loading the module fails with EINVAL.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/device.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sysfs.h>

#define DRV_NAME		"dummy_clock"

#define DC_VENDOR_ID		0x1234
#define DC_DEVICE_ID		0x5678

#define DC_REG_CONTROL		0x00
#define DC_REG_STATUS		0x04
#define DC_REG_COUNTER		0x08
#define DC_REGS_LEN		0x0c

#define DC_CONTROL_TICK		BIT(0)
#define DC_STATUS_IRQ_PENDING	BIT(0)

#define DC_TICK_MAX		1000000
#define DC_TICK_BATCH		256	/* writes between scheduling points */

#define DC_REGRESS_MAX		2

/* Linux 6.8 renamed PCI_IRQ_LEGACY to PCI_IRQ_INTX. */
#ifndef PCI_IRQ_INTX
#define PCI_IRQ_INTX		PCI_IRQ_LEGACY
#endif

struct dummy_clock {
	struct pci_dev *pdev;
	void __iomem *regs;
	int irq;
	atomic_t irq_count;
};

static unsigned int regress;

/* Values above DC_REGRESS_MAX fail the load with -EINVAL. */
static int regress_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, DC_REGRESS_MAX);
}

static const struct kernel_param_ops regress_ops = {
	.set	= regress_set,
	.get	= param_get_uint,
};
module_param_cb(regress, &regress_ops, &regress, 0444);
__MODULE_PARM_TYPE(regress, "uint");
MODULE_PARM_DESC(regress,
		 "Known bug for the replay demo: 0 none (default), 1 interrupt ack writes STATUS bit 1, 2 tick writes 2 to CONTROL");

static irqreturn_t dummy_clock_irq(int irq, void *data)
{
	struct dummy_clock *dc = data;
	u32 status, ack;

	status = readl(dc->regs + DC_REG_STATUS);
	if (!(status & DC_STATUS_IRQ_PENDING))
		return IRQ_NONE;

	ack = DC_STATUS_IRQ_PENDING;
	if (regress == 1)
		ack = BIT(DC_STATUS_IRQ_PENDING);	/* bug: BIT(BIT(0)) is bit 1 */
	writel(ack, dc->regs + DC_REG_STATUS);
	atomic_inc(&dc->irq_count);
	return IRQ_HANDLED;
}

static ssize_t tick_store(struct device *dev, struct device_attribute *attr,
			  const char *buf, size_t count)
{
	struct dummy_clock *dc = dev_get_drvdata(dev);
	unsigned int n, i;
	u32 tick;
	int ret;

	ret = kstrtouint(buf, 0, &n);
	if (ret)
		return ret;
	if (n < 1 || n > DC_TICK_MAX)
		return -EINVAL;

	tick = DC_CONTROL_TICK;
	if (regress == 2)
		tick = BIT(DC_CONTROL_TICK);		/* bug: BIT(BIT(0)) is 2 */
	for (i = 0; i < n; i++) {
		writel(tick, dc->regs + DC_REG_CONTROL);
		if (i % DC_TICK_BATCH == DC_TICK_BATCH - 1) {
			if (fatal_signal_pending(current))
				return -EINTR;
			cond_resched();
		}
	}
	return count;
}
static DEVICE_ATTR_WO(tick);

static ssize_t counter_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	struct dummy_clock *dc = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%u\n", readl(dc->regs + DC_REG_COUNTER));
}
static DEVICE_ATTR_RO(counter);

static ssize_t status_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct dummy_clock *dc = dev_get_drvdata(dev);

	return sysfs_emit(buf, "0x%08x\n", readl(dc->regs + DC_REG_STATUS));
}
static DEVICE_ATTR_RO(status);

static ssize_t irq_count_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct dummy_clock *dc = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%u\n", (unsigned int)atomic_read(&dc->irq_count));
}
static DEVICE_ATTR_RO(irq_count);

static struct attribute *dummy_clock_attrs[] = {
	&dev_attr_tick.attr,
	&dev_attr_counter.attr,
	&dev_attr_status.attr,
	&dev_attr_irq_count.attr,
	NULL
};
ATTRIBUTE_GROUPS(dummy_clock);

/*
 * The device, its BAR0 region and mapping are device-managed (released
 * after remove() or a failed probe); the interrupt is not, because it
 * must be freed before its vector.
 */
static int dummy_clock_probe(struct pci_dev *pdev,
			     const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct dummy_clock *dc;
	int ret;

	dc = devm_kzalloc(dev, sizeof(*dc), GFP_KERNEL);
	if (!dc)
		return -ENOMEM;
	dc->pdev = pdev;
	atomic_set(&dc->irq_count, 0);

	ret = pcim_enable_device(pdev);
	if (ret) {
		dev_err(dev, "cannot enable device: %d\n", ret);
		return ret;
	}

	if (!(pci_resource_flags(pdev, 0) & IORESOURCE_MEM) ||
	    pci_resource_len(pdev, 0) < DC_REGS_LEN) {
		dev_err(dev, "BAR0 is not a memory BAR of at least %u bytes\n",
			DC_REGS_LEN);
		return -ENODEV;
	}
	if (!devm_request_mem_region(dev, pci_resource_start(pdev, 0),
				     pci_resource_len(pdev, 0), DRV_NAME)) {
		dev_err(dev, "BAR0 is in use by another driver\n");
		return -EBUSY;
	}
	dc->regs = pcim_iomap(pdev, 0, 0);
	if (!dc->regs) {
		dev_err(dev, "cannot map BAR0\n");
		return -ENOMEM;
	}

	pci_set_master(pdev);

	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI | PCI_IRQ_INTX);
	if (ret < 0) {
		dev_err(dev, "cannot allocate an interrupt vector: %d\n", ret);
		return ret;
	}
	dc->irq = pci_irq_vector(pdev, 0);

	pci_set_drvdata(pdev, dc);

	ret = request_irq(dc->irq, dummy_clock_irq, IRQF_SHARED, DRV_NAME, dc);
	if (ret) {
		dev_err(dev, "cannot request irq %d: %d\n", dc->irq, ret);
		pci_free_irq_vectors(pdev);
		return ret;
	}

	/*
	 * Acknowledge an interrupt left pending by an earlier driver: the
	 * device raises no new one until the pending one is cleared.
	 */
	writel(DC_STATUS_IRQ_PENDING, dc->regs + DC_REG_STATUS);

	dev_info(dev, "counter %u, irq %d (%s)\n",
		 readl(dc->regs + DC_REG_COUNTER), dc->irq,
		 pdev->msi_enabled ? "MSI" : "INTx");
	return 0;
}

/* The sysfs attributes are gone before this is called. */
static void dummy_clock_remove(struct pci_dev *pdev)
{
	struct dummy_clock *dc = pci_get_drvdata(pdev);

	free_irq(dc->irq, dc);
	pci_free_irq_vectors(pdev);
	pci_clear_master(pdev);
	dev_info(&pdev->dev, "removed after %u interrupts\n",
		 (unsigned int)atomic_read(&dc->irq_count));
}

static const struct pci_device_id dummy_clock_ids[] = {
	{ PCI_DEVICE(DC_VENDOR_ID, DC_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, dummy_clock_ids);

static struct pci_driver dummy_clock_driver = {
	.name		= DRV_NAME,
	.id_table	= dummy_clock_ids,
	.probe		= dummy_clock_probe,
	.remove		= dummy_clock_remove,
	.dev_groups	= dummy_clock_groups,
};
module_pci_driver(dummy_clock_driver);

MODULE_DESCRIPTION("Driver for the PCIem dummy clock example device");
MODULE_LICENSE("GPL");
