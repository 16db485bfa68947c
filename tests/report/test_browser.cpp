// The report rendered by a real browser: headless Chromium via scripts/screenshot.sh.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include "../compare/fake_runs.h"
#include "png_probe.h"
#include "test_support.h"

namespace mt = modlr::testing;

namespace {

bool have_chromium() { return std::system("command -v chromium >/dev/null 2>&1") == 0; }

// Runs scripts/screenshot.sh; returns its exit code, its stderr in `log`.
int screenshot(const mt::TempDir& dir, const std::string& page, const std::string& png, const std::string& size) {
  const std::string command = std::string(MODLR_SOURCE_DIR) + "/scripts/screenshot.sh " + page + " " + png + " " +
                              size + " 2>" + dir.file("browser.log");
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST(Browser, ReportRendersWithPlotsAndNoErrors) {
  if (!have_chromium()) GTEST_SKIP() << "chromium not installed (Debian package chromium)";
  mt::TempDir dir;
  mt::write_fake_group(dir.file("modlr"), false, 0.85, 10);
  mt::write_fake_group(dir.file("twin"), true, 0.86, 12);
  const auto result =
      mt::run_modlr("report " + dir.file("modlr") + " " + dir.file("twin") + " --out " + dir.file("report"));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto png = dir.file("report.png");
  ASSERT_EQ(screenshot(dir, dir.file("report/index.html"), png, "1280,1600"), 0)
      << mt::read_text(dir.file("browser.log"));
  const auto image = mt::read_png(png);
  EXPECT_EQ(image.width, 1280u);
  EXPECT_EQ(image.height, 1600u);
  EXPECT_GT(mt::non_background_fraction(image), 0.10);       // a blank page is 0
  EXPECT_GT(mt::distinct_colors(image), 100u);               // text, lines, bands, bars
  EXPECT_GT(mt::pixels_of(image, 0x00, 0x72, 0xB2), 2000u);  // modlr's bar, drawn in its color
  EXPECT_GT(mt::pixels_of(image, 0xD5, 0x5E, 0x00), 2000u);  // the twin's
}

TEST(Browser, TheChecksCatchAScriptErrorAndABlankPage) {
  if (!have_chromium()) GTEST_SKIP() << "chromium not installed (Debian package chromium)";
  mt::TempDir dir;
  mt::write_text(dir.file("error.html"), "<!DOCTYPE html><p>x</p><script>undefinedFunction();</script>");
  EXPECT_EQ(screenshot(dir, dir.file("error.html"), dir.file("error.png"), "400,300"), 3);
  EXPECT_NE(mt::read_text(dir.file("browser.log")).find("Uncaught ReferenceError"), std::string::npos);
  mt::write_text(dir.file("blank.html"), "<!DOCTYPE html><html><body></body></html>");
  ASSERT_EQ(screenshot(dir, dir.file("blank.html"), dir.file("blank.png"), "400,300"), 0);
  const auto blank = mt::read_png(dir.file("blank.png"));
  EXPECT_EQ(mt::non_background_fraction(blank), 0.0);
  EXPECT_EQ(mt::distinct_colors(blank), 1u);
}
