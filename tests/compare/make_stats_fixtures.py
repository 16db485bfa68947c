#!/usr/bin/env python3
"""Prints the reference values pinned in tests/compare/test_stats.cpp, computed with SciPy.

Run once with Debian's Python (python3-scipy) and paste the output into the test:
    /usr/bin/python3 tests/compare/make_stats_fixtures.py
The C++ test never needs SciPy at run time.
"""
import numpy as np
import scipy
from scipy.stats import mannwhitneyu

CASES = {
    # Wikipedia "Mann-Whitney U test", tortoise and hare: finishing order THHHHHTTTTTH.
    "tortoise_hare": ([1, 7, 8, 9, 10, 11], [2, 3, 4, 5, 6, 12]),
    "separated_5v5": ([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]),
    "one_swap_5v5": ([1, 2, 3, 4, 6], [5, 7, 8, 9, 10]),
    "exact_3v9": ([0.5, 2.5, 7.5], [1, 2, 3, 4, 5, 6, 7, 8, 9]),
    "ties_5v5": ([0.91, 0.92, 0.92, 0.93, 0.95], [0.90, 0.91, 0.92, 0.92, 0.94]),
    "no_ties_10v12": (list(np.linspace(0.0, 1.0, 10) ** 2),
                      list(np.linspace(0.05, 1.05, 12) ** 1.5)),
    "ties_9v9": ([3, 4, 2, 6, 2, 5, 6, 4, 3], [9, 7, 5, 10, 6, 8, 6, 7, 5]),
}


def main():
    print(f"// scipy {scipy.__version__}, mannwhitneyu(x, y, alternative='two-sided')")
    for name, (x, y) in CASES.items():
        result = mannwhitneyu(x, y, alternative="two-sided")
        print(f"{name}: x={x} y={y}")
        print(f"  U_x = {result.statistic!r}  p = {result.pvalue!r}")


if __name__ == "__main__":
    main()
