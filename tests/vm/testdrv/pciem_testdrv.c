// SPDX-License-Identifier: GPL-2.0
/*
 * pciem_testdrv: a PCI driver for the VM tests.  It binds to 1234:0e01,
 * maps every memory BAR and performs the MMIO accesses a test asks for
 * through the sysfs attribute "mmio" of the device:
 *
 *   echo "w BAR OFF WIDTH VALUE" > mmio     writeb/w/l/q
 *   echo "r BAR OFF WIDTH" > mmio; cat mmio readb/w/l/q, prints the value
 *   echo "set BAR OFF LEN BYTE" > mmio       memset_io
 *   echo "copy BAR OFF LEN" > mmio           memcpy_toio of bytes 0, 1, 2...
 *   echo "loop BAR OFF COUNT TAG" > mmio     COUNT times: writel(TAG << 24 | i)
 *                                            then readl, at OFF (i = 0, 1, ...)
 *   echo "bench BAR OFF COUNT KIND" > mmio   COUNT readl (KIND 0) or writel (1) at
 *                                            OFF; cat mmio gives the time in ns
 *   echo "exercise 0 0 0" > mmio             every accessor once on BAR 0, in
 *                                            the order of exercise() below
 *   echo "rmw BAR OFF 4 BITS" > mmio         one "orl $BITS" on the register:
 *                                            a read-modify-write
 *   echo "unsupp BAR OFF 4 0" > mmio         one "shll $1" on the register: an
 *                                            instruction PCIem cannot emulate
 *   echo "pte BAR OFF 0" > mmio; cat mmio    how the driver's mapping of that
 *                                            page is armed: 0 not present (full
 *                                            trap), 1 read-only, 2 writable
 *
 * "irq_count" counts interrupts of vector 0; "nvec" is how many vectors
 * the PCI core granted (0: none); "irq_kind" is msi, intx or none.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/pci.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/io.h>
#include <linux/slab.h>
#include <asm/pgtable.h>
#include <linux/ktime.h>

#define DRV_BARS 6

struct testdrv {
	struct pci_dev *pdev;
	void __iomem *bar[DRV_BARS];
	resource_size_t len[DRV_BARS];
	atomic_t irqs;
	int nvec;
	u64 last;
	struct mutex lock;
};

static irqreturn_t testdrv_irq(int irq, void *data)
{
	struct testdrv *td = data;

	atomic_inc(&td->irqs);
	return IRQ_HANDLED;
}

/*
 * Each accessor once, between two marker writes, checking what the reads
 * return; the VM test compares the trace with this sequence.  Needs a BAR 0
 * of at least 4 KiB.
 */
static int exercise(struct testdrv *td)
{
	void __iomem *b = td->bar[0];
	u8 src[64], dst[64];
	u32 rep[4] = { 0x10, 0x20, 0x30, 0x40 }, back[4];
	u32 cfg, bad = 0;
	int i;

	if (!b || td->len[0] < 4096)
		return -EINVAL;
	for (i = 0; i < 64; i++)
		src[i] = i + 1;
	writel(0xdeadbeef, b + 0xf00);			/* start marker */
	writeb(0x11, b + 0x00);
	writew(0x2222, b + 0x02);
	writel(0x33333333, b + 0x04);
	writeq(0x4444444444444444ULL, b + 0x08);
	bad |= (u32)(readb(b + 0x00) != 0x11) << 0;
	bad |= (u32)(readw(b + 0x02) != 0x2222) << 1;
	bad |= (u32)(readl(b + 0x04) != 0x33333333) << 2;
	bad |= (u32)(readq(b + 0x08) != 0x4444444444444444ULL) << 3;
	iowrite8(0x55, b + 0x10);
	iowrite16(0x6666, b + 0x12);
	iowrite32(0x77777777, b + 0x14);
	bad |= (u32)(ioread8(b + 0x10) != 0x55) << 4;
	bad |= (u32)(ioread16(b + 0x12) != 0x6666) << 5;
	bad |= (u32)(ioread32(b + 0x14) != 0x77777777) << 6;
	iowrite32be(0x01020304, b + 0x18);
	bad |= (u32)(ioread32be(b + 0x18) != 0x01020304) << 7;
	__raw_writel(0x89abcdef, b + 0x1c);
	bad |= (u32)(__raw_readl(b + 0x1c) != 0x89abcdef) << 8;
	pci_write_config_dword(td->pdev, 0xf0, 0xa5a5a5a5);
	pci_read_config_dword(td->pdev, 0xf0, &cfg);
	bad |= (u32)(cfg != 0xa5a5a5a5) << 9;
	memcpy_toio(b + 0x100, src, sizeof(src));
	memcpy_fromio(dst, b + 0x100, sizeof(dst));
	bad |= (u32)(memcmp(src, dst, sizeof(src)) != 0) << 10;
	memset_io(b + 0x200, 0x3c, 32);
	iowrite32_rep(b + 0x300, rep, 4);
	ioread32_rep(b + 0x300, back, 4);
	bad |= (u32)(back[3] != 0x40) << 11;
	writel(0xfeedface, b + 0xf04);			/* end marker */
	if (bad)
		dev_err(&td->pdev->dev, "exercise: checks %#x read back wrong\n", bad);
	return bad ? -EIO : 0;
}

static int do_cmd(struct testdrv *td, const char *buf)
{
	char op[16];
	unsigned int bar, width;
	unsigned long long off, arg, val;
	void __iomem *p;
	int n;

	n = sscanf(buf, "%15s %u %lli %lli %lli", op, &bar, &off, &arg, &val);
	if (n < 4 || bar >= DRV_BARS || !td->bar[bar])
		return -EINVAL;
	width = arg;
	if (!strcmp(op, "w") || !strcmp(op, "r")) {
		if (off + width > td->len[bar])
			return -EINVAL;
	} else if (strcmp(op, "loop") && strcmp(op, "bench") && off + arg > td->len[bar]) {
		return -EINVAL;
	}
	p = td->bar[bar] + off;

	if (!strcmp(op, "w") && n == 5) {
		switch (width) {
		case 1: writeb(val, p); break;
		case 2: writew(val, p); break;
		case 4: writel(val, p); break;
		case 8: writeq(val, p); break;
		default: return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(op, "r")) {
		switch (width) {
		case 1: td->last = readb(p); break;
		case 2: td->last = readw(p); break;
		case 4: td->last = readl(p); break;
		case 8: td->last = readq(p); break;
		default: return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(op, "set") && n == 5) {
		memset_io(p, val, arg);
		return 0;
	}
	if (!strcmp(op, "exercise"))
		return exercise(td);
	if (!strcmp(op, "bench") && n == 5 && off + 4 <= td->len[bar]) {
		unsigned long long i;
		u64 t0 = ktime_get_ns();

		for (i = 0; i < arg; i++) {
			if (val)
				writel(i, p);
			else
				(void)readl(p);
			if (!(i & 1023))
				cond_resched();
		}
		td->last = ktime_get_ns() - t0;
		return 0;
	}
	if (!strcmp(op, "loop") && n == 5) {
		unsigned long long i;

		if (off + 4 > td->len[bar])
			return -EINVAL;
		for (i = 0; i < arg; i++) {
			writel((u32)(val << 24) | (i & 0xffffff), p);
			td->last = readl(p);
			if (!(i & 1023))
				cond_resched();
		}
		return 0;
	}
	if (!strcmp(op, "rmw") && n == 5 && width == 4) {
		/* what clang can make of "*p |= bits" */
		asm volatile("orl %1, %0" : "+m" (*(u32 __force *)p) : "r" ((u32)val) : "memory");
		return 0;
	}
	if (!strcmp(op, "unsupp") && n == 5 && width == 4) {
		/* on purpose: no driver shifts a register in place */
		asm volatile("shll $1, %0" : "+m" (*(u32 __force *)p) : : "memory");
		return 0;
	}
	if (!strcmp(op, "pte")) {
		unsigned int level;
		pte_t *pte = lookup_address((unsigned long)p, &level);

		if (!pte || !pte_present(*pte))
			td->last = 0;
		else
			td->last = pte_write(*pte) ? 2 : 1;
		return 0;
	}
	if (!strcmp(op, "copy")) {
		u8 *src = kmalloc(arg ? arg : 1, GFP_KERNEL);
		unsigned long long i;

		if (!src)
			return -ENOMEM;
		for (i = 0; i < arg; i++)
			src[i] = i;
		memcpy_toio(p, src, arg);
		kfree(src);
		return 0;
	}
	return -EINVAL;
}

static ssize_t mmio_store(struct device *dev, struct device_attribute *attr,
			  const char *buf, size_t count)
{
	struct testdrv *td = dev_get_drvdata(dev);
	int ret;

	/* loops run unlocked, so that several CPUs can hammer the device */
	if (!strncmp(buf, "loop ", 5)) {
		ret = do_cmd(td, buf);
		return ret ? ret : count;
	}
	mutex_lock(&td->lock);
	ret = do_cmd(td, buf);
	mutex_unlock(&td->lock);
	return ret ? ret : count;
}

static ssize_t mmio_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct testdrv *td = dev_get_drvdata(dev);

	return sysfs_emit(buf, "0x%llx\n", td->last);
}
static DEVICE_ATTR_RW(mmio);

static ssize_t irq_count_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct testdrv *td = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", atomic_read(&td->irqs));
}
static DEVICE_ATTR_RO(irq_count);

static ssize_t nvec_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct testdrv *td = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", td->nvec);
}
static DEVICE_ATTR_RO(nvec);

static ssize_t irq_kind_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct testdrv *td = dev_get_drvdata(dev);

	if (!td->nvec)
		return sysfs_emit(buf, "none\n");
	return sysfs_emit(buf, "%s\n", td->pdev->msi_enabled ? "msi" : "intx");
}
static DEVICE_ATTR_RO(irq_kind);

/* "irq_enable": 0 masks vector 0 at once (disable_irq), 1 unmasks it. */
static ssize_t irq_enable_store(struct device *dev, struct device_attribute *attr,
				const char *buf, size_t count)
{
	struct testdrv *td = dev_get_drvdata(dev);
	bool on;

	if (!td->nvec || kstrtobool(buf, &on))
		return -EINVAL;
	if (on)
		enable_irq(pci_irq_vector(td->pdev, 0));
	else
		disable_irq(pci_irq_vector(td->pdev, 0));
	return count;
}
static DEVICE_ATTR_WO(irq_enable);

static struct attribute *testdrv_attrs[] = {
	&dev_attr_irq_enable.attr,
	&dev_attr_irq_kind.attr,
	&dev_attr_mmio.attr,
	&dev_attr_irq_count.attr,
	&dev_attr_nvec.attr,
	NULL,
};
ATTRIBUTE_GROUPS(testdrv);

static int testdrv_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct testdrv *td;
	int i, ret;

	td = devm_kzalloc(&pdev->dev, sizeof(*td), GFP_KERNEL);
	if (!td)
		return -ENOMEM;
	td->pdev = pdev;
	mutex_init(&td->lock);
	ret = pci_enable_device(pdev);
	if (ret)
		return ret;
	ret = pci_request_regions(pdev, KBUILD_MODNAME);
	if (ret)
		goto err_disable;
	for (i = 0; i < DRV_BARS; i++) {
		if (!(pci_resource_flags(pdev, i) & IORESOURCE_MEM) || !pci_resource_len(pdev, i))
			continue;
		td->bar[i] = pci_iomap(pdev, i, 0);
		td->len[i] = pci_resource_len(pdev, i);
		if (!td->bar[i]) {
			ret = -ENOMEM;
			goto err_unmap;
		}
	}
	pci_set_master(pdev);
	if (pdev->msi_cap || pdev->irq) {
		ret = pci_alloc_irq_vectors(pdev, 1, 32, PCI_IRQ_ALL_TYPES);
		if (ret < 0)
			goto err_unmap;
		td->nvec = ret;
		/* masking takes effect at once, so tests see the mask bit */
		irq_set_status_flags(pci_irq_vector(pdev, 0), IRQ_DISABLE_UNLAZY);
		ret = request_irq(pci_irq_vector(pdev, 0), testdrv_irq, 0, KBUILD_MODNAME, td);
		if (ret)
			goto err_vectors;
	}
	pci_set_drvdata(pdev, td);
	return 0;

err_vectors:
	pci_free_irq_vectors(pdev);
err_unmap:
	for (i = 0; i < DRV_BARS; i++)
		if (td->bar[i])
			pci_iounmap(pdev, td->bar[i]);
	pci_release_regions(pdev);
err_disable:
	pci_disable_device(pdev);
	return ret;
}

static void testdrv_remove(struct pci_dev *pdev)
{
	struct testdrv *td = pci_get_drvdata(pdev);
	int i;

	if (td->nvec) {
		irq_clear_status_flags(pci_irq_vector(pdev, 0), IRQ_DISABLE_UNLAZY);
		free_irq(pci_irq_vector(pdev, 0), td);
		pci_free_irq_vectors(pdev);
	}
	for (i = 0; i < DRV_BARS; i++)
		if (td->bar[i])
			pci_iounmap(pdev, td->bar[i]);
	pci_release_regions(pdev);
	pci_disable_device(pdev);
}

static const struct pci_device_id testdrv_ids[] = {
	{ PCI_DEVICE(0x1234, 0x0e01) },
	{ PCI_DEVICE(0x1b36, 0x0005) },	/* QEMU's pci-testdev: the benchmark's peer */
	{ }
};
MODULE_DEVICE_TABLE(pci, testdrv_ids);

static struct pci_driver testdrv_driver = {
	.name = "pciem_testdrv",
	.id_table = testdrv_ids,
	.probe = testdrv_probe,
	.remove = testdrv_remove,
	.dev_groups = testdrv_groups,
};
module_pci_driver(testdrv_driver);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("PCIem VM test driver: MMIO accesses on request");
