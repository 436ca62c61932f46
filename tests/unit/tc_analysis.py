#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""What Trace Compass would do with tools/tracecompass/pciem-analysis.xml,
for the tests (Trace Compass itself cannot run here).

  tc_analysis.py names XML CLASSES
      Every event the analysis names (event handlers, pattern transitions)
      is a class of CLASSES, and every field it reads from an event
      (eventField attributes and values, condition fields, through
      locations, tests and actions) is a field of that class.  CLASSES is
      a CTF metadata file (TSDL text, as pciem-trace export writes it) or
      babeltrace2's sink.text.details output (for an LTTng trace, whose
      metadata is in packets).  Views must name analyses of the file.

  tc_analysis.py eval XML BTTEXT
      Runs the state provider and the pattern over babeltrace2
      --clock-cycles text output and prints the final state, one line per
      attribute ("Devices/65536/IRQ/0/count = 10"), then one line per
      segment ("segment irq_service 1000 ns domain=65536 ...").

Only the parts of the XML language the analysis uses are evaluated; an
element it does not know is an error, so the analysis cannot outgrow this
check unnoticed.
"""
import os
import re
import sys
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True      # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ctf_norm import tokens  # noqa: E402

# ---- the classes of a trace ---------------------------------------------------


def classes_from(path):
    text = open(path).read()
    out = {}
    if text.startswith("/* CTF 1.8"):
        for m in re.finditer(r'event \{\s*name = "([^"]*)";(.*?)\n\};', text, re.S):
            out[m.group(1)] = set(re.findall(r' _([A-Za-z0-9_]+);', m.group(2)))
        return out
    cur = None
    for line in text.splitlines():
        m = re.match(r'\s*Event class `([^`]*)`', line)
        if m:
            cur = out.setdefault(m.group(1), set())
            continue
        if re.match(r'\s*Stream class', line):
            cur = None
        m = re.match(r'\s+([A-Za-z_][A-Za-z0-9_]*): ', line)
        if m and cur is not None:
            cur.add(m.group(1))
    return out


# ---- reading the XML -------------------------------------------------------------


class Analysis:
    def __init__(self, path):
        self.root = ET.parse(path).getroot()
        self.sp = self.root.find("stateProvider")
        self.pattern = self.root.find("pattern")
        self.defined = {}
        self.locations = {}
        for scope in (self.sp, self.pattern):
            if scope is None:
                continue
            for d in scope.findall("definedValue"):
                self.defined[d.get("name")] = d.get("value")
            for loc in scope.findall("location"):
                self.locations[loc.get("id")] = loc

    # fields an element reads from the event, through locations
    def fields(self, elem):
        out = set()
        for e in elem.iter():
            t = e.get("type")
            if e.tag in ("stateAttribute", "stateValue") and t == "eventField":
                out.add(e.get("value"))
            elif e.tag == "field":
                out.add(e.get("name"))
            elif e.tag == "stateAttribute" and t == "location":
                out |= self.fields(self.locations[e.get("value")])
        return out

    def uses(self):
        """[(event name, fields read, where)]"""
        out = []
        for h in self.sp.findall("eventHandler"):
            out.append((h.get("eventName"), self.fields(h), "eventHandler"))
        if self.pattern is not None:
            ph = self.pattern.find("patternHandler")
            tests = {t.get("id"): t for t in ph.findall("test")}
            actions = {a.get("id"): a for a in ph.findall("action")}
            for tr in ph.iter("transition"):
                f = set()
                for c in (tr.get("cond") or "").split(":"):
                    if c:
                        f |= self.fields(tests[c])
                for a in (tr.get("action") or "").split(":"):
                    if a:
                        f |= self.fields(actions[a])
                out.append((tr.get("event"), f, "transition"))
        return out


def check_names(xml, classes_path):
    a = Analysis(xml)
    classes = classes_from(classes_path)
    bad = 0
    if not classes:
        print("FAIL no event class in %s" % classes_path)
        return 1
    n = 0
    for ev, fields, where in a.uses():
        if ev not in classes:
            print("FAIL %s: event %s is not in %s" % (where, ev, classes_path))
            bad += 1
            continue
        for f in sorted(fields):
            n += 1
            if f not in classes[ev]:
                print("FAIL %s of %s: field %s is not in the class (it has %s)" %
                      (where, ev, f, ", ".join(sorted(classes[ev]))))
                bad += 1
    ids = {e.get("id") for e in (a.sp, a.pattern) if e is not None}
    for view in list(a.root.findall("timeGraphView")) + list(a.root.findall("xyView")):
        for an in view.iter("analysis"):
            if an.get("id") not in ids:
                print("FAIL view %s: no analysis %s" % (view.get("id"), an.get("id")))
                bad += 1
    if not bad:
        print("ok %d events and %d event fields of the analysis are in %s" %
              (len(a.uses()), n, os.path.basename(classes_path)))
    return bad


# ---- evaluation -----------------------------------------------------------------

class Unknown(Exception):
    pass


class Eval:
    def __init__(self, a):
        self.a = a
        self.state = {}
        self.scenarios = []     # active: dict(state, start, attrs)
        self.segments = []

    def value(self, elem, ev, scen=None):
        t = elem.get("type")
        v = elem.get("value")
        if t in ("int", "long"):
            if v.startswith("$"):
                v = self.a.defined[v[1:]]
            return int(v)
        if t == "string":
            return v
        if t == "eventField":
            return ev["fields"][v]
        if t == "eventName":
            return ev["name"]
        if t == "query":
            path = self.path(list(elem.findall("stateAttribute")), ev)
            if path[0] == "#CurrentScenario":
                return scen["attrs"].get("/".join(path[1:]))
            return self.state.get("/".join(path))
        raise Unknown("stateValue type " + str(t))

    def path(self, attrs, ev):
        out = []
        for s in attrs:
            t = s.get("type")
            if t == "constant":
                out.append(s.get("value"))
            elif t == "eventField":
                out.append(str(ev["fields"][s.get("value")]))
            elif t == "location":
                out += self.path(list(self.a.locations[s.get("value")].findall("stateAttribute")), ev)
            else:
                raise Unknown("stateAttribute type " + str(t))
        return out

    def cond(self, elem, ev, scen=None):
        if elem.tag in ("if",):
            return self.cond(list(elem)[0], ev, scen)
        if elem.tag == "not":
            return not self.cond(list(elem)[0], ev, scen)
        if elem.tag == "and":
            return all(self.cond(c, ev, scen) for c in elem)
        if elem.tag == "or":
            return any(self.cond(c, ev, scen) for c in elem)
        if elem.tag != "condition":
            raise Unknown("condition " + elem.tag)
        kids = list(elem)
        if kids[0].tag == "field":
            left = ev["fields"][kids[0].get("name")]
            right = self.value(kids[1], ev, scen)
        elif kids[0].tag == "stateValue" and len(kids) == 2:
            left = self.value(kids[0], ev, scen)
            right = self.value(kids[1], ev, scen)
        else:
            raise Unknown("condition form")
        op = elem.get("operator", "eq")
        return {"eq": left == right, "ne": left != right}[op] if op in ("eq", "ne") else \
            {"lt": left < right, "le": left <= right, "gt": left > right,
             "ge": left >= right}[op]

    def change(self, sc, ev, scen=None):
        kids = list(sc)
        if kids[0].tag == "if":
            branch = sc.find("then") if self.cond(kids[0], ev, scen) else sc.find("else")
            if branch is not None:
                self.change(branch, ev, scen)
            return
        attrs = [k for k in kids if k.tag == "stateAttribute"]
        sv = sc.find("stateValue")
        path = self.path(attrs, ev)
        val = self.value(sv, ev, scen)
        if path[0] == "#CurrentScenario":
            scen["attrs"]["/".join(path[1:])] = val
            return
        key = "/".join(path)
        if sv.get("increment") == "true":
            val = (self.state.get(key) or 0) + val
        for k in sv.attrib:
            if k not in ("type", "value", "increment", "forcedType"):
                raise Unknown("stateValue attribute " + k)
        self.state[key] = val

    def action(self, act, ev, scen):
        for k in act:
            if k.tag == "stateChange":
                self.change(k, ev, scen)
            elif k.tag == "segment":
                name = k.find("segType").get("segName")
                fields = []
                for f in k.find("segContent"):
                    fields.append((f.get("name"), self.value(f.find("stateValue"), ev, scen)))
                self.segments.append((name, scen["start"], ev["ts"], fields))
            else:
                raise Unknown("action " + k.tag)

    def run(self, events):
        sp = self.a.sp
        handlers = {}
        for h in sp.findall("eventHandler"):
            handlers.setdefault(h.get("eventName"), []).append(h)
        ph = self.a.pattern.find("patternHandler") if self.a.pattern is not None else None
        if ph is not None:
            tests = {t.get("id"): t for t in ph.findall("test")}
            actions = {a.get("id"): a for a in ph.findall("action")}
            fsm = ph.find("fsm")
            states = {s.get("id"): s for s in fsm.findall("state")}
            finals = {f.get("id") for f in fsm.findall("final")}
            initial = fsm.get("initial")

        def fire(scen, ev):
            for tr in states[scen["state"]].findall("transition"):
                if tr.get("event") != ev["name"]:
                    continue
                if tr.get("cond") and not all(self.cond(tests[c].find("if"), ev, scen)
                                              for c in tr.get("cond").split(":")):
                    continue
                if scen["start"] is None:
                    scen["start"] = ev["ts"]
                for a in (tr.get("action") or "").split(":"):
                    if a:
                        self.action(actions[a], ev, scen)
                scen["state"] = tr.get("target")
                return True
            return False

        for ev in events:
            for h in handlers.get(ev["name"], []):
                for sc in h.findall("stateChange"):
                    self.change(sc, ev)
            if ph is None:
                continue
            for scen in list(self.scenarios):
                if fire(scen, ev) and scen["state"] in finals:
                    self.scenarios.remove(scen)
            waiting = {"state": initial, "start": None, "attrs": {}}
            if fire(waiting, ev) and waiting["state"] not in finals:
                self.scenarios.append(waiting)


def read_bt(path):
    line_re = re.compile(r'^\[(\d+)\] \([^)]*\) \S+ ([\w:]+): \{ (.*?) \}, \{ (.*) \}$')
    for line in open(path):
        m = line_re.match(line.rstrip("\n"))
        if not m:
            raise ValueError("not an event line: " + line)
        yield {"ts": int(m.group(1)), "name": m.group(2), "fields": dict(tokens(m.group(4)))}


def evaluate(xml, bt):
    e = Eval(Analysis(xml))
    e.run(read_bt(bt))
    for k in sorted(e.state):
        v = e.state[k]
        print("%s = %s" % (k, v if not isinstance(v, str) else '"%s"' % v))
    for name, start, end, fields in e.segments:
        print("segment %s %d ns %s" % (name, end - start,
                                       " ".join("%s=%s" % (k, v) for k, v in fields)))
    return 0


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "names":
        return 1 if check_names(sys.argv[2], sys.argv[3]) else 0
    if len(sys.argv) == 4 and sys.argv[1] == "eval":
        return evaluate(sys.argv[2], sys.argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
