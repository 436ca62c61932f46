// SPDX-License-Identifier: GPL-2.0
/*
 * A PCI domain and root bus per device.  The BARs' bus addresses lie in a
 * window of physical address space that nothing decodes: PCIem claims it
 * from the iomem resource tree and never lets anything access it, because
 * the driver's mappings of it are redirected to the BAR pages.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/pci.h>
#include <linux/ioport.h>
#include <linux/sort.h>
#include <linux/log2.h>
#include <asm/processor.h>

#include "pciem.h"

#define WIN32_CEILING	0xfec00000ULL	/* IOAPIC and friends live above */
#define WIN32_FLOOR	0x10000000ULL

static bool bar_is64(const struct pciem_bar *b)
{
	return b->flags & PCI_BASE_ADDRESS_MEM_TYPE_64;
}

/* A BAR's room in the window: a BAR smaller than a page gets a page. */
static u64 slot_size(const struct pciem_bar *b)
{
	return max_t(u64, b->size, PAGE_SIZE);
}

/* Place the BARs of one kind in a window; returns its size (0: none). */
static u64 layout(struct pciem_device *dev, bool want64, u64 *offs)
{
	int order[PCIEM_NUM_BARS], n = 0, i, j;
	u64 at = 0;

	for (i = 0; i < PCIEM_NUM_BARS; i++) {
		struct pciem_bar *b = &dev->bars[i];

		if (b->present && !b->upper && bar_is64(b) == want64)
			order[n++] = i;
	}
	/* largest first keeps every BAR naturally aligned */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && slot_size(&dev->bars[order[j]]) >
				    slot_size(&dev->bars[order[j - 1]]); j--)
			swap(order[j], order[j - 1]);
	for (i = 0; i < n; i++) {
		offs[order[i]] = at;
		at += slot_size(&dev->bars[order[i]]);
	}
	return at ? roundup_pow_of_two(at) : 0;
}

/*
 * Below 4 GiB the firmware hands the hole to the host bridges, so the
 * window is carved out of a host bridge's memory window, the way the PCI
 * core places that bridge's own BARs; then, failing that, out of unused
 * space at the top level.
 */
static int claim_window32(struct resource *win, u64 size)
{
	struct pci_bus *bus = NULL;
	struct resource *r;
	int i;

	win->flags = IORESOURCE_MEM;
	while ((bus = pci_find_next_bus(bus))) {
		if (bus->ops == &pciem_pci_ops)
			continue;
		pci_bus_for_each_resource(bus, r, i) {
			if (!r || !r->parent || resource_type(r) != IORESOURCE_MEM ||
			    (r->flags & IORESOURCE_PREFETCH) || r->end > U32_MAX)
				continue;
			if (!allocate_resource(r, win, size, max_t(u64, r->start, WIN32_FLOOR),
					       min_t(u64, r->end, WIN32_CEILING - 1), size,
					       NULL, NULL))
				return 0;
		}
	}
	if (!allocate_resource(&iomem_resource, win, size, WIN32_FLOOR, WIN32_CEILING - 1,
			       size, NULL, NULL))
		return 0;
	return -ENOSPC;
}

static int claim_window64(struct resource *win, u64 size)
{
	unsigned int bits = boot_cpu_data.x86_phys_bits;
	u64 top = (1ULL << bits) - 1;
	u64 floor = max(1ULL << 32, 1ULL << (bits - 1));

	win->flags = IORESOURCE_MEM | IORESOURCE_MEM_64;
	if (allocate_resource(&iomem_resource, win, size, floor, top, size, NULL, NULL))
		return -ENOSPC;
	return 0;
}

static void release_windows(struct pciem_device *dev)
{
	if (dev->win32.parent)
		release_resource(&dev->win32);
	if (dev->win64.parent)
		release_resource(&dev->win64);
}

static void pciem_add_work(struct work_struct *work)
{
	struct pciem_device *dev = container_of(work, struct pciem_device, add_work);

	pci_lock_rescan_remove();
	pci_bus_add_devices(dev->bus);
	pci_unlock_rescan_remove();
}

void pciem_bus_init(struct pciem_device *dev)
{
	INIT_WORK(&dev->add_work, pciem_add_work);
}

int pciem_bus_register(struct pciem_device *dev)
{
	u64 offs[PCIEM_NUM_BARS] = { 0 };
	u64 size32, size64;
	LIST_HEAD(resources);
	struct pci_bus *bus;
	int i, ret;

	ret = pciem_msix_register(dev);
	if (ret)
		return ret;
	size32 = layout(dev, false, offs);
	size64 = layout(dev, true, offs);
	dev->win32.name = "pciem";
	dev->win64.name = "pciem";
	if (size32) {
		ret = claim_window32(&dev->win32, size32);
		if (ret)
			return ret;
	}
	if (size64) {
		ret = claim_window64(&dev->win64, size64);
		if (ret)
			goto out_release;
	}
	for (i = 0; i < PCIEM_NUM_BARS; i++) {
		struct pciem_bar *b = &dev->bars[i];

		if (!b->present || b->upper)
			continue;
		b->bus_addr = (bar_is64(b) ? dev->win64.start : dev->win32.start) + offs[i];
		pciem_cfg_set_bar(dev, i, b->bus_addr);
	}

	dev->busnr.name = "pciem bus";
	dev->busnr.start = 0;
	dev->busnr.end = 0;
	dev->busnr.flags = IORESOURCE_BUS;
	pci_add_resource(&resources, &dev->busnr);
	if (size32)
		pci_add_resource(&resources, &dev->win32);
	if (size64)
		pci_add_resource(&resources, &dev->win64);
	dev->sysdata.domain = dev->domain;
	dev->sysdata.node = NUMA_NO_NODE;
	/* recorders learn the device before its first config access */
	pciem_trace_describe(dev);

	pci_lock_rescan_remove();
	bus = pci_create_root_bus(NULL, 0, &pciem_pci_ops, &dev->sysdata, &resources);
	if (!bus) {
		pci_unlock_rescan_remove();
		pci_free_resource_list(&resources);
		ret = -ENOMEM;
		goto out_release;
	}
	dev->bus = bus;
	pci_scan_child_bus(bus);
	pci_bus_claim_resources(bus);
	dev->pdev = pci_get_slot(bus, 0);
	pci_unlock_rescan_remove();
	if (!dev->pdev) {
		pr_err("device %d: not found on its bus after scan\n", dev->id);
		ret = -EIO;
		goto out_bus;
	}
	ret = pciem_intx_alloc(dev);
	if (!ret)
		ret = pciem_dma_attach(dev);	/* before any driver probes it */
	if (ret)
		goto out_bus;
	pciem_lifecycle(dev, PCIEM_LC_REGISTERED, 0, 0, 0);
	schedule_work(&dev->add_work);
	return 0;

out_bus:
	pci_lock_rescan_remove();
	pci_remove_root_bus(bus);
	pci_unlock_rescan_remove();
	pci_dev_put(dev->pdev);
	dev->pdev = NULL;
	dev->bus = NULL;
out_release:
	release_windows(dev);
	return ret;
}

/* Unbinds the driver (its remove() runs here) and removes the bus. */
void pciem_bus_stop(struct pciem_device *dev)
{
	if (!dev->bus)
		return;
	cancel_work_sync(&dev->add_work);	/* set up whenever dev->bus is */
	pci_lock_rescan_remove();
	pci_stop_root_bus(dev->bus);
	pci_unlock_rescan_remove();
}

void pciem_bus_unregister(struct pciem_device *dev)
{
	if (!dev->bus)
		return;
	pci_lock_rescan_remove();
	pci_remove_root_bus(dev->bus);
	pci_unlock_rescan_remove();
	pci_dev_put(dev->pdev);
	dev->pdev = NULL;
	dev->bus = NULL;
	pciem_intx_free(dev);
	release_windows(dev);
}

/* Atomic context: is @phys inside one of the device's BARs? */
bool pciem_bus_owns(struct pciem_device *dev, u64 phys, unsigned int *bar, u64 *off)
{
	int i;

	for (i = 0; i < PCIEM_NUM_BARS; i++) {
		struct pciem_bar *b = &dev->bars[i];

		if (!b->present || b->upper || !b->bus_addr)
			continue;
		if (phys >= b->bus_addr && phys - b->bus_addr < b->size) {
			*bar = i;
			*off = phys - b->bus_addr;
			return true;
		}
	}
	return false;
}
