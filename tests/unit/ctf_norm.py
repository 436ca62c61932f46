#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Normalised event lists, to compare a CTF export with pciem-trace dump.

  ctf_norm.py bt FILE      babeltrace2 --clock-cycles text output
  ctf_norm.py dump FILE    pciem-trace dump --json output of the same trace
                           (with the same --regs and filters as the export)

Both print one line per event, "CYCLES NAME cpu_id=N field=value ...",
integers in decimal, strings quoted, sorted by time and CPU (a stable
sort, so each CPU's order is kept).  For dump, the line is what the export
must contain by its rules (tools/pciem-trace/export.c): events at their
time in their CPU's stream; device, driver and lost records in the stream
of the event before them, at the latest event time so far; a stream's
times never go back.  Fields dump does not print (config events' bar,
life-cycle data outside bar_mapped) are left out on both sides.  An
event's stack field is dump's "stack" array joined by "; " ("" without).
DMA transfers (dump --json --payload=all) become the export's events: a
payload longer than PIECE bytes is several, each but the first with
PCIEM_EVENT_F_SAME_INSN; a byte sequence is printed as its hex string.
"""
import json
import re
import sys

LC = ["", "registered", "bar_mapped", "bar_unmapped", "driver_bound",
      "driver_unbound", "removed"]
ACCESS = {"mmio_read", "mmio_write", "config_read", "config_write", "watchpoint"}
DMA = {"dma_map", "dma_unmap", "dma_sync"}
DIRS = {"bidirectional": 0, "to-device": 1, "from-device": 2}
PIECE = 4096           # PCIEM_TRACE_DMA_PIECE
F_SAME_INSN = 1 << 4


def fmt(name, ts, cpu, fields):
    out = ["%d pciem:%s cpu_id=%d" % (ts, name, cpu)]
    for k, v in fields:
        out.append("%s=%s" % (k, json.dumps(v) if isinstance(v, str) else str(v)))
    return " ".join(out)


def drop(name, fields):
    """The fields dump does not show, removed."""
    d = dict(fields)
    gone = set()
    if name in ("config_read", "config_write"):
        gone.add("bar")
    if name == "lifecycle":
        kind = d.get("kind_name")
        if kind != "bar_mapped":
            gone.add("data")
        if kind not in ("bar_mapped", "bar_unmapped"):
            gone.add("bar")
    return [(k, v) for k, v in fields if k not in gone]


def where(o):
    """The reg field of an access no register map names."""
    if o["type"].startswith("config"):
        return "cfg+0x%x" % o["offset"]
    return "bar%d+0x%x" % (o["bar"], o["offset"])


def tokens(body):
    """'a = 1, b = "x, y"' -> [('a', 1), ('b', 'x, y')]"""
    out = []
    pos = 0
    pat = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*) = ("(?:[^"\\]|\\.)*"|[^,]*)(?:,|$)')
    seq = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*) = \[ ((?:\[\d+\] = \w+(?:, )?)*) ?\](?:,|$)')
    while pos < len(body):
        m = seq.match(body, pos)
        if m:
            items = [x.split(" = ")[1] for x in m.group(2).split(", ") if x]
            out.append((m.group(1), "".join("%02x" % int(v, 0) for v in items)))
            pos = m.end()
            continue
        m = pat.match(body, pos)
        if not m:
            raise ValueError("cannot parse: " + body[pos:])
        k, v = m.group(1), m.group(2).strip()
        if v.startswith('"'):
            v = json.loads(v)
        else:
            v = int(v, 0)
        out.append((k, v))
        pos = m.end()
    return out


def from_bt(path):
    line_re = re.compile(r'^\[(\d+)\] \([^)]*\) +(?:\S+ )?pciem:(\w+): \{ (.*?) \}, \{ (.*) \}$')
    rows = []
    for line in open(path):
        line = line.rstrip("\n")
        m = line_re.match(line)
        if not m:
            raise ValueError("not an event line: " + line)
        ts, name = int(m.group(1)), m.group(2)
        ctx = dict(tokens(m.group(3)))
        rows.append((ts, ctx["cpu_id"], fmt(name, ts, ctx["cpu_id"],
                                           drop(name, tokens(m.group(4))))))
    return rows


def from_dump(path, start):
    rows = []
    now = start            # latest event time exported
    cur = None             # CPU of the last event exported
    last = {}              # each stream's latest time

    def put(name, ts, cpu, fields):
        ts = max(ts, last.get(cpu, 0))
        last[cpu] = ts
        rows.append((ts, cpu, fmt(name, ts, cpu, drop(name, fields))))

    for line in open(path):
        o = json.loads(line)
        rec = o["record"]
        if rec == "event":
            t = o["type"]
            dom = int(o["domain"], 16)
            head = [("domain", dom), ("seq", o["seq"])]
            tail = [("timestamp", o["timestamp_ns"]), ("ip", int(o.get("ip", "0x0"), 16)),
                    ("cpu", o["cpu"]), ("pid", o["pid"])]
            if t in ACCESS:
                f = head + [("bar", o.get("bar", 0)), ("offset", o["offset"]),
                            ("size", o["size"]), ("data", int(o["value"], 16)),
                            ("flags", o["flags"]), ("reg", o.get("register", where(o)))] + tail
            elif t == "unsupported":
                insn = [int(b, 16) for b in o["insn"].split()]
                data = sum(b << (8 * i) for i, b in enumerate(insn))
                f = head + [("bar", o["bar"]), ("offset", o["offset"]), ("size", len(insn)),
                            ("data", data)] + tail
            elif t == "irq":
                f = head + [("data", o["vector"]), ("flags", o["flags"]),
                            ("timestamp", o["timestamp_ns"]), ("cpu", o["cpu"]),
                            ("pid", o["pid"])]
            elif t == "lifecycle":
                kn = o["lifecycle"]
                kind = o["lifecycle_id"] if kn == "unknown" else LC.index(kn)
                f = head + [("kind", kind), ("kind_name", kn), ("bar", o.get("bar", 0)),
                            ("data", o.get("map_size", 0))] + tail
            elif t in DMA:
                f = head + [("addr", int(o["bus_addr"], 16)), ("len", o["length"]),
                            ("dir", DIRS[o["direction"]]), ("flags", o["flags"])] + tail
            elif t in ("dma_read", "dma_write"):
                hexb = o.get("payload", "")
                addr = int(o["bus_addr"], 16)
                stack = ("stack", "; ".join(o.get("stack", [])))
                if not hexb:
                    pieces = [(addr, o["length"], o["flags"], "")]
                else:
                    pieces = []
                    for at in range(0, len(hexb) // 2, PIECE):
                        b = hexb[2 * at:2 * (at + PIECE)]
                        pieces.append((addr + at, len(b) // 2,
                                       o["flags"] | (F_SAME_INSN if at else 0), b))
                for a, n, fl, b in pieces:
                    put(t, o["timestamp_ns"], o["cpu"],
                        head + [("addr", a), ("len", n), ("flags", fl),
                                ("_payload_length", len(b) // 2), ("payload", b)] + tail +
                        [stack])
                cur = o["cpu"]
                now = max(now, last[cur])
                continue
            else:
                continue       # not exported (the export warns)
            f.append(("stack", "; ".join(o.get("stack", []))))
            put(t, o["timestamp_ns"], o["cpu"], f)
            cur = o["cpu"]
            now = max(now, last[cur])
            continue
        cpu = 0 if cur is None else cur
        cur = cpu
        dom = int(o.get("domain", "0"), 16)
        if rec == "lost":
            put("lost", now, cpu, [("domain", dom), ("first_seq", o["first_seq"]),
                                   ("last_seq", o["last_seq"]), ("count", o["count"])])
        elif rec == "device":
            _, bus, df = o["address"].split(":")
            dev, fn = df.split(".")
            put("device", now, cpu,
                [("domain", dom), ("vendor_id", int(o["vendor_id"], 16)),
                 ("device_id", int(o["device_id"], 16)), ("bus", int(bus, 16)),
                 ("devfn", (int(dev, 16) << 3) | int(fn)), ("creator_pid", o["creator_pid"]),
                 ("bar0_size", o["bars"][0]["size"]), ("address", o["address"])])
        elif rec == "driver":
            put("driver", now, cpu, [("domain", dom), ("driver", o["driver"])])
    return rows


def main():
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "bt":
        rows = from_bt(path)
    else:
        rows = from_dump(path, int(sys.argv[3]))
    rows.sort(key=lambda r: (r[0], r[1]))
    for r in rows:
        print(r[2])


if __name__ == "__main__":
    main()
