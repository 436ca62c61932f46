/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libpciem: small userspace helpers for device models and tests built on
 * /dev/pciem.  The ABI itself is kmod/uapi/pciem_userspace.h.
 */
#ifndef LIBPCIEM_H
#define LIBPCIEM_H

#include <stddef.h>
#include <stdint.h>
#include "pciem_userspace.h"

/*
 * Take the next event from the ring: copies it to @out, advances head and
 * returns 1; returns 0 when the ring is empty, -1 (errno EPROTO) when the
 * ring's indices are out of range (the ring is not a PCIem ring).
 */
int pciem_ring_pop(struct pciem_shared_ring *ring, struct pciem_event *out);

/* Events the kernel could not write because the ring was full. */
uint64_t pciem_ring_lost(const struct pciem_shared_ring *ring);

/* "MMIO_WRITE" etc.; "UNKNOWN" for types this library does not know. */
const char *pciem_event_type_name(uint32_t type);

/* One line, no newline: "#12 MMIO_WRITE bar0+0x0 4 bytes 0x1". */
int pciem_event_format(char *buf, size_t len, const struct pciem_event *ev);

/*
 * The driver function of a replay divergence's access, "func+0xoff [module]"
 * (the kernel's name of actual.ip without "/0xsize").  Returns 0, or -1
 * with "0x<ip>" in @buf when the kernel could not name it ("" if ip is 0).
 */
int pciem_divergence_symbol(char *buf, size_t len, const struct pciem_replay_divergence *d);

/* lspci-style address "10000:00:00.0" of a registered device. */
int pciem_format_address(char *buf, size_t len, const struct pciem_device_info *info);

/*
 * Parse "DOMAIN:BUS:DEV.FN" (hex; the domain may be omitted and is 0).
 * Returns 0, or -1 with errno EINVAL.
 */
int pciem_parse_address(const char *s, uint32_t *domain, uint8_t *bus, uint8_t *devfn);

/*
 * Reading a recorder's ring (PCIEM_IOCTL_TRACE_SUBSCRIBE): records are
 * taken with pciem_trace_next() and stay valid until pciem_trace_done()
 * gives their space back to the kernel.
 */
struct pciem_trace_reader {
	struct pciem_trace_header *hdr;
	const uint8_t *data;
	uint64_t size;
	uint64_t pos;		/* next record to read */
};

/* @map: the whole mmap of the recorder fd, @len bytes.  -1/EPROTO if the
 * header does not describe a ring that fits. */
int pciem_trace_reader_init(struct pciem_trace_reader *r, void *map, size_t len);

/* 1 and *rec set; 0 when no record is waiting; -1 (errno EPROTO) when the
 * ring's indices or a record's size are impossible.  PAD records are
 * skipped. */
int pciem_trace_next(struct pciem_trace_reader *r, const struct pciem_trace_rec **rec);

/* Hands every record read so far back to the kernel. */
void pciem_trace_done(struct pciem_trace_reader *r);

/* Records dropped by the kernel since the subscription. */
uint64_t pciem_trace_lost(const struct pciem_trace_reader *r);

#endif
