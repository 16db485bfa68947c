#!/usr/bin/env python3
"""Compares the metrics.csv of two run records row by row.

Usage: compare_runs.py RUN_A RUN_B   (run directories, or metrics.csv files)

Prints each (epoch, split, metric) with both values and "identical" (same 17-digit text,
i.e. the same double) or "differs by X" (B - A), and any row only one run has. Exit status:
0 when every row is identical, 1 when any differs or is missing, 2 on a usage error."""
import csv
import os
import sys


def read_metrics(path):
    """{(epoch, split, metric): value text} in file order."""
    if os.path.isdir(path):
        path = os.path.join(path, "metrics.csv")
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header != ["epoch", "split", "metric", "value"]:
            raise ValueError("%s: not a metrics.csv (header %s)" % (path, header))
        return {(row[0], row[1], row[2]): row[3] for row in reader if row}


def verdict(a, b):
    if a is None or b is None:
        return "only in " + ("B" if a is None else "A")
    if a == b:
        return "identical"
    try:
        return "differs by %.3g" % (float(b) - float(a))
    except ValueError:
        return "differs"


def compare(rows_a, rows_b):
    """Printable lines and whether every row is identical."""
    keys = list(rows_a) + [k for k in rows_b if k not in rows_a]
    width = max([len(str(rows_a.get(k, ""))) for k in keys] + [len("A")])
    row = "%-5s %-10s %-16s %-*s  %-*s  %s"
    lines = [row % ("epoch", "split", "metric", width, "A", width, "B", "")]
    same = True
    for key in keys:
        a, b = rows_a.get(key), rows_b.get(key)
        result = verdict(a, b)
        same = same and result == "identical"
        lines.append(row % (key + (width, a or "-", width, b or "-", result)))
    return lines, same


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        rows_a, rows_b = read_metrics(argv[0]), read_metrics(argv[1])
    except (OSError, ValueError, StopIteration) as e:
        print("compare_runs: error: %s" % e, file=sys.stderr)
        return 2
    lines, same = compare(rows_a, rows_b)
    print("A: %s\nB: %s" % (argv[0], argv[1]))
    print("\n".join(lines))
    total = len(lines) - 1
    differing = sum(1 for line in lines[1:] if not line.endswith("identical"))
    print("all %d rows identical" % total if same else "%d of %d rows differ" % (differing, total))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
