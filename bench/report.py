#!/usr/bin/python3
"""Prints bench/run's results (a TSV file) as tables, ratios and targets.

Columns: touch_ms is the edit (a comment appended; early cutoff), import_ms
the edit+import (resolves), mtime_ms the touch (time moved, bytes the same),
cp_ms a plain copy of the archive (cp), the floor of any rewrite of it.
Files written before the later columns (import_ms, import_cpu, touch_check,
mtime_ms, mtime_cpu, cp_ms, at the end of each row) print with "-" in their place.

usage: /usr/bin/python3 bench/report.py RESULTS.tsv
"""
import csv
import sys


def num(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def fmt_ms(x, raw=""):
    if x is None:
        return raw or "-"
    if x < 1000:
        return f"{x:.1f} ms"
    return f"{x / 1000:.2f} s"


def fmt_ratio(x):
    if x is None:
        return "-"
    if x >= 100:
        return f"{x:,.0f}x"
    return f"{x:.2f}x" if x < 10 else f"{x:.1f}x"


def fmt_mib(kb):
    k = num(kb)
    return "-" if k is None else f"{k / 1024:.0f} MiB"


def table(rows, header):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    lines = []
    for j, r in enumerate([header] + rows):
        cells = []
        for i, c in enumerate(r):
            c = str(c)
            cells.append(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]))
        lines.append("  ".join(cells).rstrip())
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(path):
    meta, rows = [], []
    with open(path) as f:
        lines = f.read().splitlines()
    data = [l for l in lines if not l.startswith("#")]
    for l in lines:
        if l.startswith("# "):
            k, _, v = l[2:].partition("\t")
            meta.append((k, v))
    reader = csv.DictReader(data, delimiter="\t")
    for r in reader:
        rows.append(r)

    print("pkgbuild benchmark")
    for k, v in meta:
        print(f"  {k}: {v}")
    print()

    ok = [r for r in rows if r.get("modules") != "FAILED"]
    for r in rows:
        if r.get("modules") == "FAILED":
            print(f"  {r['tree']}: pkgbuild build FAILED (see the log above)")
    warned = False
    for r in ok:
        check = r.get("touch_check")
        if check and check != "ok":
            print(f"  warning: {r['tree']}: {check}; the touch and edit columns may not "
                  "measure what they say")
            warned = True
    if warned:
        print()
    for r in ok:
        for k in ("modules", "cold_ms", "touch_ms", "import_ms", "noop_ms", "zip_ms", "exec_ms", "torch_ms",
                  "cold_cpu", "touch_cpu", "import_cpu", "noop_cpu", "zip_cpu", "exec_cpu", "torch_cpu",
                  "mtime_ms", "mtime_cpu", "cp_ms",
                  "touch_file_bytes", "src_bytes"):
            r["_" + k] = num(r.get(k))
        c, e, n = r["_cold_ms"], r["_exec_ms"], r["_modules"]
        r["_permod_us"] = (c - (e or 0)) * 1000 / n if c is not None and n else None
        r["_file_ms"] = ((c - (e or 0)) * r["_touch_file_bytes"] / r["_src_bytes"]
                         if c is not None and r["_touch_file_bytes"] and r["_src_bytes"] else None)

    def ratio(a, b):
        return a / b if a is not None and b else None

    print("Times (median wall time, interpreter or process start included):")
    print(table([[r["tree"], int(r["_modules"]), r["src_mb"], fmt_ms(r["_torch_ms"], r["torch_ms"]),
                  fmt_ms(r["_cold_ms"], r["cold_ms"]), fmt_ms(r["_mtime_ms"], r.get("mtime_ms")),
                  fmt_ms(r["_touch_ms"], r["touch_ms"]),
                  fmt_ms(r["_import_ms"], r.get("import_ms")), fmt_ms(r["_noop_ms"], r["noop_ms"]), fmt_ms(r["_zip_ms"], r["zip_ms"]),
                  fmt_ms(r["_exec_ms"], r["exec_ms"]),
                  "-" if r["_permod_us"] is None else f"{r['_permod_us']:.1f}",
                  fmt_mib(r["rss_cold_kb"]), fmt_mib(r["rss_noop_kb"]), fmt_mib(r["rss_torch_kb"])]
                 for r in ok],
                ["tree", "modules", "MB", "torch.package", "cold", "touch", "edit", "edit+import", "no-op",
                 "zip -0", "exec", "us/module", "RSS cold", "RSS no-op", "RSS torch"]))
    print("  touch: one module's time moved, its bytes the same (read again, nothing rewritten);")
    print("  edit: a comment appended to it (early cutoff: no resolve, the archive written again);")
    print("  edit+import: an import line inserted at its top (the graph resolved again, warm cache)")
    print()
    print("Ratios (of the wall times above):")
    print(table([[r["tree"], fmt_ratio(ratio(r["_torch_ms"], r["_cold_ms"])),
                  fmt_ratio(ratio(r["_cold_ms"], r["_zip_ms"])),
                  fmt_ratio(ratio(r["_torch_ms"], r["_noop_ms"])),
                  fmt_ratio(ratio(r["_mtime_ms"], r["_noop_ms"])),
                  fmt_ratio(ratio(r["_touch_ms"], r["_noop_ms"])),
                  fmt_ratio(ratio(r["_import_ms"], r["_noop_ms"])),
                  r["torch_note"] or "-", r["same_as_torch"] or "-"] for r in ok],
                ["tree", "torch/cold", "cold/zip", "torch/no-op", "touch/no-op", "edit/no-op", "import/no-op", "torch",
                 "same modules as torch"]))
    print()
    print("CPU time (user + system; above wall time when pkgbuild uses both cores, and steadier")
    print("than wall time on a busy machine):")
    print(table([[r["tree"], fmt_ms(r["_torch_cpu"], r["torch_ms"]), fmt_ms(r["_cold_cpu"]),
                  fmt_ms(r["_mtime_cpu"]), fmt_ms(r["_touch_cpu"]), fmt_ms(r["_import_cpu"]), fmt_ms(r["_noop_cpu"]), fmt_ms(r["_zip_cpu"]),
                  fmt_ms(r["_exec_cpu"]),
                  fmt_ratio(ratio(r["_torch_cpu"], r["_cold_cpu"])), fmt_ratio(ratio(r["_cold_cpu"], r["_zip_cpu"])),
                  fmt_ratio(ratio(r["_torch_cpu"], r["_noop_cpu"])), fmt_ratio(ratio(r["_mtime_cpu"], r["_noop_cpu"])),
                  fmt_ratio(ratio(r["_touch_cpu"], r["_noop_cpu"])),
                  fmt_ratio(ratio(r["_import_cpu"], r["_noop_cpu"]))]
                 for r in ok],
                ["tree", "torch.package", "cold", "touch", "edit", "edit+import", "no-op", "zip -0", "exec",
                 "torch/cold", "cold/zip", "torch/no-op", "touch/no-op", "edit/no-op", "import/no-op"]))
    print()

    targets = []

    def add(name, tree, value, passed):
        verdict = "-" if passed is None else ("PASS" if passed else "MISS")
        targets.append([name, tree, value, verdict])

    for r in ok:
        t = ratio(r["_torch_ms"], r["_cold_ms"])
        add("cold >= 100x faster than torch.package", r["tree"],
            fmt_ratio(t) if t else f"torch {r['torch_ms']}", None if t is None else t >= 100)
    for r in ok:
        t = ratio(r["_cold_ms"], r["_zip_ms"])
        add("cold within 2x of zip -0", r["tree"], fmt_ratio(t), None if t is None else t <= 2)
    for r in ok:
        t = ratio(r["_torch_ms"], r["_noop_ms"])
        add("no-op >= 1000x faster than torch.package", r["tree"],
            fmt_ratio(t) if t else f"torch {r['torch_ms']}", None if t is None else t >= 1000)
    for r in ok:
        if 1000 <= r["_modules"] <= 2000:
            x = r["_noop_ms"]
            add("no-op < 10 ms at ~1,500 modules", r["tree"], fmt_ms(x, r["noop_ms"]),
                None if x is None else x < 10)
    for r in ok:
        x, lim = r["_mtime_ms"], None
        if r["_noop_ms"] is not None and r["_file_ms"] is not None:
            lim = 2 * r["_noop_ms"] + r["_file_ms"]
        add("one file touched < 2x no-op + the file's cost", r["tree"],
            f"{fmt_ms(x, r.get('mtime_ms'))} vs {fmt_ms(lim)}", None if x is None or lim is None else x < lim)
    for r in ok:
        # Informational: an edit rewrites the archive, so its floor is a
        # copy of the archive (cp), not the no-op.
        x = r["_touch_ms"]
        t = ratio(x, r["_noop_ms"])
        c = r["_cp_ms"]
        add("edit (early cutoff; no target)", r["tree"],
            fmt_ms(x, r["touch_ms"]) + ("" if t is None else f", {fmt_ratio(t)} no-op")
            + ("" if c is None else f", {fmt_ratio(ratio(x, c))} cp of the archive ({fmt_ms(c)})"), None)
    for r in ok:
        # Informational: the resolving edit has no target.
        x = r["_import_ms"]
        t = ratio(x, r["_noop_ms"])
        add("edit+import (resolves; no target)", r["tree"],
            fmt_ms(x, r.get("import_ms")) + ("" if t is None else f", {fmt_ratio(t)} no-op"), None)
    gens = [r for r in ok if r["tree"].startswith("gen") and r["_permod_us"] is not None]
    if len(gens) >= 2:
        gens.sort(key=lambda r: r["_modules"])
        costs = [r["_permod_us"] for r in gens]
        spread = max(costs) / min(costs)
        # Flat both ways: max/min over every generated tree; the value shows
        # the largest tree's cost over the smallest's, so <1x means cheaper.
        add("per-module cost within 1.5x (generated trees)", f"{gens[0]['tree']}..{gens[-1]['tree']}",
            f"largest/smallest {costs[-1] / costs[0]:.2f}x, max/min {spread:.2f}x "
            f"({' / '.join(f'{c:.0f}' for c in costs)} us)", spread <= 1.5)
    else:
        add("per-module cost within 1.5x (generated trees)", "-", "needs 2 generated trees", None)
    big = [r for r in ok if r["_modules"] >= 50000]
    for r in big:
        kb = [num(r["rss_cold_kb"]), num(r["rss_noop_kb"])]
        kb = [k for k in kb if k is not None]
        add("peak RSS < 256 MiB at 50k modules", r["tree"], fmt_mib(max(kb)) if kb else "-",
            None if not kb else max(kb) < 256 * 1024)
    if not big:
        add("peak RSS < 256 MiB at 50k modules", "-", "no tree of 50,000 modules run", None)

    print("Targets, on wall time (informational; '-' = not measured):")
    print(table(targets, ["target", "tree", "measured", ""]))


if __name__ == "__main__":
    main(sys.argv[1])
