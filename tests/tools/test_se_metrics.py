#!/usr/bin/env python3
"""tools/se-metrics on a fixture whose numbers are counted by hand (CTest: SeMetrics.*)."""
import importlib.machinery
import importlib.util
import json
import math
import os
import subprocess
import sys
import tempfile
import unittest

TOOL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "se-metrics")
loader = importlib.machinery.SourceFileLoader("se_metrics", TOOL)
spec = importlib.util.spec_from_loader("se_metrics", loader)
se_metrics = importlib.util.module_from_spec(spec)
loader.exec_module(se_metrics)

ONE_LINER = "// adds one\nint f(int a) { return a + 1; }\n"
BRANCHY = """int g(int n) {
  int s = 0;
  for (int i = 0; i < n; ++i)
    if (i % 2 == 0) s += i;
  return s;
}
"""


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


class SeMetrics(unittest.TestCase):
    def test_halstead_and_maintainability_by_hand(self):
        # Operators: int ( int ) { return + ; } -> N1 = 9, n1 = 8 (int twice);
        # operands: f a a 1 -> N2 = 4, n2 = 3. V = 13 log2 11; G = 1; L = 1.
        volume = se_metrics.halstead_volume("x.cpp", ONE_LINER)
        self.assertAlmostEqual(volume, 13 * math.log2(11), places=9)
        expected = (171 - 5.2 * math.log(13 * math.log2(11)) - 0.23 * 1 - 16.2 * math.log(1)) * 100 / 171
        self.assertAlmostEqual(se_metrics.maintainability_index(volume, 1, 1), expected, places=9)
        self.assertAlmostEqual(expected, 88.29, places=2)

    def test_components_tests_and_config_families(self):
        with tempfile.TemporaryDirectory() as root:
            write(os.path.join(root, "src", "alpha", "a.cpp"), ONE_LINER)
            write(os.path.join(root, "src", "alpha", "b.cpp"), BRANCHY)
            write(os.path.join(root, "include", "modlr", "alpha", "a.h"), "#pragma once\nint f(int a);\n")
            write(os.path.join(root, "src", "beta", "c.cpp"), ONE_LINER)
            write(os.path.join(root, "tests", "t.cpp"), "TEST(A, B) {}\nTEST_F(C, D) {}\n  // TEST(no, no)\n")
            write(os.path.join(root, "configs", "base.yaml"), "# a family\nseed: 1\nrunner:\n  epochs: 2  # two\n\n")
            write(os.path.join(root, "configs", "child.yaml"), "base: base.yaml\nrunner:\n  epochs: 3\n")
            out = os.path.join(root, "out")
            subprocess.run([sys.executable, TOOL, "--root", root, "--out", out, "--no-workloads"],
                           check=True, capture_output=True)
            with open(os.path.join(out, "se-metrics.json")) as f:
                metrics = json.load(f)
            alpha = metrics["components"]["alpha"]
            self.assertEqual(alpha["files"], 3)
            self.assertEqual(alpha["nloc"], 1 + 6 + 1)  # the header's declaration is a line of code
            self.assertEqual(alpha["functions"], 2)  # f and g; a declaration is not a function
            self.assertEqual(alpha["ccn_max"], 3)  # g: 1 + for + if
            self.assertEqual(alpha["ccn_mean"], 2.0)
            self.assertEqual(metrics["components"]["beta"]["functions"], 1)
            self.assertEqual(metrics["total"]["files"], 4)
            self.assertEqual(metrics["tests"]["test_cases"], 2)
            with open(os.path.join(out, "se-metrics.md")) as f:
                self.assertIn("| alpha | 3 | 8 | 2 | 2.00 | 3 |", f.read())
            # child: 3 lines of its own plus base's 3 (comments and blank lines excluded).
            self.assertEqual(se_metrics.config_lines(os.path.join(root, "configs", "child.yaml")), 6)


if __name__ == "__main__":
    unittest.main()
