#!/usr/bin/env python3
# firebus — fire-safety IoT SDK.
"""Checks the device profile library: every protocols/profiles/*.json against
protocols/profile.schema.json (a small validator of the keywords the schema uses), plus the
rules a schema cannot state (docs/profiles.md, "What the loader checks"):

- no key given twice; the id equals the file name;
- point ids unique after expanding `repeat` ({n} substituted), {n} present in repeated ids;
- decimals_from / status_of name existing points (of the same loop, after substitution);
- bits fields fit (bit + width <= 16 in a register; every bit_stride instance inside 0..15);
  addresses of every instance inside 0..65535; 32-bit types at address <= 65534;
- codes in `states` / `invalid` fit the raw type, are not listed twice, not in both lists;
- scale != 0, range lo <= hi, decimals and decimals_from not both, no bit/width on non-bits;
- writable: min <= max, only in the holding or coil table, not on a bits field inside a register, not on
  f32 with decimals, password needs modbus.password, 32-bit needs function 16;
- alarm ids unique within a point.

Usage: python3 tests/python/check_profiles.py [profile.json ...]
Exit 0 when everything is clean, else prints `file: path: problem` lines and exits 1.
Standalone: python3 standard library only.
"""

import json
import re
import sys
from pathlib import Path

from json_schema_lite import schema_errors

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "protocols" / "profile.schema.json"
PROFILES = ROOT / "protocols" / "profiles"

RAW_LIMITS = {
    "u16": (0, 0xFFFF),
    "i16": (-0x8000, 0x7FFF),
    "u32": (0, 0xFFFFFFFF),
    "i32": (-0x80000000, 0x7FFFFFFF),
}
STATUSES = {"ok", "fault", "open_circuit", "short_circuit"}
REGISTER_TABLES = {"holding", "input"}


class DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise DuplicateKey(f"key {key!r} given twice")
        obj[key] = value
    return obj


def load_json(path):
    return json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=_no_duplicates)


def raw_limits(point):
    """The raw value limits of a point's type (bits: 0 .. 2^width - 1)."""
    t = point.get("type")
    if t == "bits":
        return 0, (1 << point.get("width", 1)) - 1
    return RAW_LIMITS.get(t)


def expand(points):
    """Expands `repeat`: yields (index, n or None, concrete point dict) in order."""
    out = []
    for i, p in enumerate(points):
        rep = p.get("repeat")
        if rep is None:
            out.append((i, None, dict(p)))
            continue
        first = rep.get("first", 1)
        stride = rep.get("stride", 1)
        bit_stride = rep.get("bit_stride", 0)
        for k in range(rep.get("count", 1)):
            n = first + k
            q = dict(p)
            q.pop("repeat")
            sub = lambda s: s.replace("{n}", str(n)) if isinstance(s, str) else s
            q["id"] = sub(p["id"])
            if "name" in q:
                q["name"] = sub(q["name"])
            if "status_of" in q:
                q["status_of"] = [sub(s) for s in q["status_of"]]
            if "decimals_from" in q:
                q["decimals_from"] = sub(q["decimals_from"])
            q["address"] = p["address"] + k * stride
            if p.get("type") == "bits" and p.get("table") in REGISTER_TABLES:
                q["bit"] = p.get("bit", 0) + k * bit_stride
            out.append((i, n, q))
    return out


def semantic_errors(doc, stem):
    """The rules the schema cannot state. Returns [(path, problem)]."""
    errs = []
    if doc.get("id") != stem:
        errs.append(("id", f"expected the file name {stem!r}, found {doc.get('id')!r}"))
    modbus = doc.get("modbus", {})
    pw = modbus.get("password")
    if pw and pw.get("type") == "u32" and pw.get("address", 0) > 65534:
        errs.append(("modbus.password.address", "a u32 needs two registers: expected <= 65534"))
    points = doc.get("points", [])
    for i, p in enumerate(points):
        at = f"points[{i}]"
        pid = p.get("id", "")
        if "repeat" in p:
            if "{n}" not in pid:
                errs.append((f"{at}.id", "a repeated point needs {n} in its id"))
            if p.get("type") != "bits" and p.get("repeat", {}).get("bit_stride", 0) != 0:
                errs.append((f"{at}.repeat.bit_stride", "only a bits field has a bit_stride"))
        elif "{n}" in pid:
            errs.append((f"{at}.id", "{n} in the id of a point without repeat"))
        if p.get("type") != "bits" and ("bit" in p or "width" in p):
            errs.append((at, "only a \"bits\" type has bit/width"))
        if p.get("scale", 1) == 0:
            errs.append((f"{at}.scale", "expected a number other than 0"))
        if "decimals" in p and "decimals_from" in p:
            errs.append((f"{at}.decimals_from", "give decimals or decimals_from, not both"))
        if p.get("type") == "f32" and (p.get("decimals", 0) != 0 or "decimals_from" in p):
            errs.append((f"{at}.decimals", "an f32 value has no decimal places"))
        rng = p.get("range")
        if isinstance(rng, list) and len(rng) == 2 and rng[0] > rng[1]:
            errs.append((f"{at}.range", "expected lo <= hi"))
        limits = raw_limits(p)
        seen_codes = set()
        for k, c in enumerate(p.get("invalid", [])):
            if p.get("type") == "f32":
                errs.append((f"{at}.invalid[{k}]", "an f32 point has no raw codes"))
            elif limits and not limits[0] <= c.get("raw", 0) <= limits[1]:
                errs.append((f"{at}.invalid[{k}].raw", f"does not fit {p.get('type')} {limits}"))
            if c.get("raw") in seen_codes:
                errs.append((f"{at}.invalid[{k}].raw", "listed twice"))
            seen_codes.add(c.get("raw"))
        invalid_raws = set(seen_codes)
        seen_codes = set()
        for k, c in enumerate(p.get("states", [])):
            if p.get("type") == "f32":
                errs.append((f"{at}.states[{k}]", "an f32 point has no state codes"))
            elif limits and not limits[0] <= c.get("value", 0) <= limits[1]:
                errs.append((f"{at}.states[{k}].value", f"does not fit {p.get('type')} {limits}"))
            if c.get("value") in seen_codes:
                errs.append((f"{at}.states[{k}].value", "listed twice"))
            if c.get("value") in invalid_raws:
                errs.append((f"{at}.states[{k}].value", "also in `invalid`"))
            seen_codes.add(c.get("value"))
        if "default_state" in p and not p.get("states"):
            errs.append((f"{at}.default_state", "a default state needs `states`"))
        has_status = any(c.get("state") in STATUSES for c in p.get("states", [])) or \
            p.get("default_state") in STATUSES
        if "status_of" in p and not has_status:
            errs.append((f"{at}.status_of", "no status among the states to apply"))
        w = p.get("writable")
        if w is not None:
            if w.get("min", 0) > w.get("max", 0):
                errs.append((f"{at}.writable", "expected min <= max"))
            if p.get("table") == "coil":
                if p.get("width", 1) != 1:
                    errs.append((f"{at}.writable", "only a single coil can be written"))
                if w.get("function", 5) != 5:
                    errs.append((f"{at}.writable.function", "a coil is written with function 5"))
            elif p.get("table") != "holding":
                errs.append((f"{at}.writable", "only holding registers and coils can be written"))
            elif p.get("type") == "bits" and p.get("width", 1) != 16:
                errs.append((f"{at}.writable", "a bits field inside a register cannot be written"))
            if p.get("type") == "f32" and p.get("decimals", 0) != 0:
                errs.append((f"{at}.writable", "not on f32 with decimals"))
            if p.get("type") in ("u32", "i32", "f32") and w.get("function", 16) != 16:
                errs.append((f"{at}.writable.function", "a 32-bit value is written with function 16"))
            if w.get("password") and not pw:
                errs.append((f"{at}.writable.password", "the profile has no modbus.password"))
        alarm_ids = [a.get("id") for a in p.get("alarms", [])]
        for k, a in enumerate(alarm_ids):
            if a in alarm_ids[:k]:
                errs.append((f"{at}.alarms[{k}].id", f"alarm id {a!r} given twice"))

    concrete = expand(points)
    ids = {}
    for i, n, q in concrete:
        at = f"points[{i}]" + (f" (n={n})" if n is not None else "")
        if q["id"] in ids:
            errs.append((f"{at}.id", f"the id {q['id']!r} is also {ids[q['id']]}'s"))
        else:
            ids[q["id"]] = at
    for i, n, q in concrete:
        at = f"points[{i}]" + (f" (n={n})" if n is not None else "")
        table, typ, addr = q.get("table"), q.get("type"), q.get("address", 0)
        if not 0 <= addr <= 65535:
            errs.append((f"{at}.address", f"address {addr} outside 0..65535"))
        if typ in ("u32", "i32", "f32") and addr > 65534:
            errs.append((f"{at}.address", "a 32-bit value needs two registers: expected <= 65534"))
        if typ == "bits":
            bit, width = q.get("bit", 0), q.get("width", 1)
            if table in REGISTER_TABLES:
                if not 0 <= bit <= 15 or bit + width > 16:
                    errs.append((f"{at}.bit", f"the field (bit {bit}, width {width}) does not "
                                              "fit a 16-bit register"))
            elif addr + width - 1 > 65535:
                errs.append((f"{at}.address", "the bits run past address 65535"))
        df = q.get("decimals_from")
        if df is not None:
            if df not in ids:
                errs.append((f"{at}.decimals_from", f"no point {df!r}"))
            elif df == q["id"]:
                errs.append((f"{at}.decimals_from", "a point cannot give its own decimals"))
            else:
                src = next(s for _, _, s in concrete if s["id"] == df)
                if src.get("type") == "f32":
                    errs.append((f"{at}.decimals_from", "the decimals must come from an integer point"))
        for k, t in enumerate(q.get("status_of", [])):
            if t not in ids:
                errs.append((f"{at}.status_of[{k}]", f"no point {t!r}"))
    return errs


def check(paths, schema):
    problems = []
    for path in paths:
        rel = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        try:
            doc = load_json(path)
        except (ValueError, OSError) as e:
            problems.append(f"{rel}: $: {e}")
            continue
        for e in schema_errors(doc, schema):
            where, _, what = e.partition(": ")
            where = where[2:] if where.startswith("$.") else where
            problems.append(f"{rel}: {where}: {what}")
        if isinstance(doc, dict):
            seen = set()
            for where, what in semantic_errors(doc, path.stem):
                # one line per problem of a repeated point, not one per loop
                key = (re.sub(r" \(n=-?\d+\)", "", where), what)
                if key in seen:
                    continue
                seen.add(key)
                problems.append(f"{rel}: {where}: {what}")
    return problems


def main(argv):
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    paths = [Path(a).resolve() for a in argv[1:]] or sorted(PROFILES.glob("*.json"))
    if not paths:
        print(f"{PROFILES.relative_to(ROOT)}: no profiles found")
        return 1
    problems = check(paths, schema)
    for line in problems:
        print(line)
    if not problems:
        print(f"{len(paths)} profiles OK")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
