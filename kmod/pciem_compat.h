/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels PCIem builds against lives here, so
 * that no other file tests LINUX_VERSION_CODE.
 */
#ifndef _PCIEM_COMPAT_H
#define _PCIEM_COMPAT_H

#include <linux/version.h>

#ifdef __ASSEMBLY__

#include <asm/unwind_hints.h>

/* code objtool cannot follow: no unwind information (6.4 renamed it) */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define PCIEM_UNWIND_HINT_UNDEFINED	UNWIND_HINT_UNDEFINED
#else
#define PCIEM_UNWIND_HINT_UNDEFINED	UNWIND_HINT_EMPTY
#endif

#else /* !__ASSEMBLY__ */

#include <linux/eventfd.h>
#include <linux/mm.h>

static inline void pciem_eventfd_signal(struct eventfd_ctx *ctx)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
	eventfd_signal(ctx);
#else
	eventfd_signal(ctx, 1);
#endif
}

static inline void pciem_vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

static inline void pciem_vm_flags_clear(struct vm_area_struct *vma, vm_flags_t flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_clear(vma, flags);
#else
	vma->vm_flags &= ~flags;
#endif
}

/*
 * dev->dma_ops, which PCIem's devices get their DMA layer through: 6.1 has
 * it with CONFIG_DMA_OPS, later kernels with CONFIG_ARCH_HAS_DMA_OPS (on
 * x86, when an IOMMU driver that needs it is built in).  The ops' page
 * allocation member was renamed between 6.1 and 6.12.
 */
#if defined(CONFIG_DMA_OPS) || defined(CONFIG_ARCH_HAS_DMA_OPS)
#define PCIEM_HAVE_DMA_OPS
#endif
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define PCIEM_DMA_OPS_ALLOC_PAGES(fn)	.alloc_pages_op = (fn)
#else
#define PCIEM_DMA_OPS_ALLOC_PAGES(fn)	.alloc_pages = (fn)
#endif

/*
 * Since 6.11 the DMA API's sync calls are inline tests of dev->dma_skip_sync
 * around exported __dma_sync_*() functions (and the flag is set for
 * coherent devices, x86's all, once a DMA mask is set); before, they were
 * the exported functions themselves.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define PCIEM_DMA_SYNC_SYM(name)	"__" name
#ifdef CONFIG_DMA_NEED_SYNC
#define pciem_dma_unskip_sync(d)	do { if ((d)->dma_skip_sync) (d)->dma_skip_sync = false; } while (0)
#endif
#else
#define PCIEM_DMA_SYNC_SYM(name)	name
#endif
#ifndef pciem_dma_unskip_sync
#define pciem_dma_unskip_sync(d)	do { } while (0)
#endif

#endif /* !__ASSEMBLY__ */

#endif /* _PCIEM_COMPAT_H */
