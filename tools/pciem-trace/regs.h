/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Register maps for pciem-trace: names for (BAR, offset) and config-space
 * offsets of a device, read from a small text file (docs/register-map.md).
 */
#ifndef PCIEM_TRACE_REGS_H
#define PCIEM_TRACE_REGS_H

#include <stddef.h>
#include <stdint.h>

#define REGS_SPACE_CFG		6	/* spaces 0-5 are BARs 0-5 */
#define REGS_NAME_MAX		64	/* including the NUL */

struct reg_field {
	char name[REGS_NAME_MAX];
	uint8_t lo, hi;			/* bits lo..hi, inclusive */
};

struct reg {
	int space;			/* 0-5: BAR, REGS_SPACE_CFG: config */
	uint64_t offset;
	uint32_t size;			/* 1, 2, 4 or 8 bytes */
	int any_device;			/* before any "device" line */
	uint16_t vendor_id, device_id;	/* when !any_device */
	char name[REGS_NAME_MAX];
	char *desc;			/* "" if none */
	unsigned int line;		/* where it was defined */
	unsigned int nfields;
	struct reg_field *fields;
};

/* DMA rules (docs/register-map.md, "DMA rules"): how a replay and a diff
 * treat bytes of the driver's DMA memory that legitimately differ */
enum reg_dma_kind {
	REG_DMA_IGNORE = 1,		/* not compared */
	REG_DMA_ID,			/* an identifier the driver chose, read by the device */
	REG_DMA_ECHO,			/* written by the device: repeats an identifier */
};

#define REGS_DMA_ID_MAX		2	/* bytes of an identifier field */

struct reg_dma_rule {
	enum reg_dma_kind kind;
	int any_device;
	uint16_t vendor_id, device_id;
	char at[2 * REGS_NAME_MAX];	/* the functions that make the mappings,
					 * separated by commas */
	char id[REGS_NAME_MAX];		/* ID, ECHO: the identifiers' name */
	uint64_t size;			/* mappings of this size only; 0 any */
	uint32_t entry;			/* entry size; 0 (IGNORE): the whole mapping */
	uint32_t field, len;		/* the field in each entry */
	unsigned int line;
};

struct regmap;

/*
 * Parses the map in @path.  Returns 0, or -errno with a message
 * "PATH:LINE: what is wrong" (or "PATH: why it cannot be read") in @err.
 */
int regmap__load(struct regmap **map, const char *path, char *err, size_t errlen);

/* The same over @len bytes of @text; @name stands for the file name. */
int regmap__parse(struct regmap **map, const char *text, size_t len, const char *name,
		  char *err, size_t errlen);

void regmap__free(struct regmap *map);

unsigned int regmap__count(const struct regmap *map);

/* Registers that apply to device @vid:@did (its own and the generic ones
 * it does not override by name). */
unsigned int regmap__count_device(const struct regmap *map, uint16_t vid, uint16_t did);

/*
 * The register of device @vid:@did that holds byte @offset of @space: a
 * register listed for that device first, else one listed for any device.
 * NULL if none (or if @map is NULL).
 */
const struct reg *regmap__lookup(const struct regmap *map, uint16_t vid, uint16_t did,
				 int space, uint64_t offset);

/* The register named @name (case-sensitive) for device @vid:@did, with
 * the same preference; NULL if none. */
const struct reg *regmap__find(const struct regmap *map, uint16_t vid, uint16_t did,
			       const char *name);

/* Does any register of the map (for any device) have this name? */
int regmap__has_name(const struct regmap *map, const char *name);

/*
 * The DMA rules for device @vid:@did (those of its own, then those for any
 * device), at most @max into @out; returns how many there are in all.
 */
unsigned int regmap__dma_rules(const struct regmap *map, uint16_t vid, uint16_t did,
			       const struct reg_dma_rule **out, unsigned int max);

/*
 * The identifier space of each of the @n @rules into @space: the id and
 * echo rules' names numbered 0, 1, ... in the order they first appear (0
 * for an ignore rule).  Returns how many names there are.
 */
unsigned int reg_dma_rules__spaces(const struct reg_dma_rule *const *rules, unsigned int n,
				   unsigned int *space);

/* Does @rule apply to a mapping of @size bytes made in @function, one of
 * its at= list (a compiler's clone of it too, e.g. "nvme_prep_rq.part.0")? */
int reg_dma_rule__applies(const struct reg_dma_rule *rule, const char *function, uint64_t size);

/* "CONTROL" for the register's own offset, "CONTROL+0x2" inside it. */
int reg__format(const struct reg *reg, uint64_t offset, char *buf, size_t len);

/* The bit fields set in @value: "IRQ_PENDING|MODE=0x3"; "" when the
 * register has no fields or none is set. */
int reg__decode(const struct reg *reg, uint64_t value, char *buf, size_t len);

#endif
