#include "modlr/core/text.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "modlr/core/error.h"

namespace modlr {
namespace {

// The length of the well-formed UTF-8 sequence starting at text[i], or 0 if there is none
// (the ranges of the Unicode standard's table 3-7).
size_t utf8_sequence(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t lead = byte(i);
  if (lead < 0x80) return 1;
  size_t length = 0;
  uint8_t low = 0x80, high = 0xbf;  // the second byte's range
  if (lead >= 0xc2 && lead <= 0xdf)
    length = 2;
  else if (lead >= 0xe0 && lead <= 0xef)
    length = 3, low = lead == 0xe0 ? 0xa0 : 0x80, high = lead == 0xed ? 0x9f : 0xbf;
  else if (lead >= 0xf0 && lead <= 0xf4)
    length = 4, low = lead == 0xf0 ? 0x90 : 0x80, high = lead == 0xf4 ? 0x8f : 0xbf;
  else
    return 0;
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (size_t k = 2; k < length; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xbf) return 0;
  return length;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t length = utf8_sequence(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

namespace {

std::string escape(std::string_view text, bool controls_too) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<uint8_t>(text[i]);
    const size_t length = utf8_sequence(text, i);
    if (controls_too && c == '\\') {
      out += "\\\\";
    } else if (length == 0 || (controls_too && (c < 0x20 || c == 0x7f))) {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    } else {
      out.append(text.substr(i, length));
      i += length;
      continue;
    }
    ++i;
  }
  return out;
}

}  // namespace

std::string escape_text(std::string_view text) { return escape(text, true); }

std::string escape_invalid_utf8(std::string_view text) { return escape(text, false); }

void check_path_component(const std::string& name, const std::string& what) {
  const auto fail = [&](const std::string& why) { throw Error(what + " '" + escape_text(name) + "': " + why); };
  if (name.empty()) fail("must not be empty");
  if (name == "." || name == "..") fail("must not be '.' or '..'");
  if (name.size() > 200) fail("longer than 200 bytes");
  if (!is_valid_utf8(name)) fail("not valid UTF-8");
  for (const char c : name) {
    if (c == '/' || c == '\\') fail("must not contain '/' or '\\' (it names one directory)");
    if (static_cast<uint8_t>(c) < 0x20 || c == 0x7f) fail("must not contain control characters");
  }
}

std::string dims_text(const std::vector<int64_t>& dims) {
  std::string out = "[";
  for (size_t i = 0; i < dims.size(); ++i) out += (i ? ", " : "") + std::to_string(dims[i]);
  return out + "]";
}

namespace {

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string closest_match(const std::string& name, const std::vector<std::string>& candidates, size_t max_distance) {
  std::string best;
  size_t best_distance = max_distance;
  for (const auto& candidate : candidates) {
    const size_t distance = edit_distance(name, candidate);
    if (distance < best_distance) best_distance = distance, best = candidate;
  }
  return best;
}

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

}  // namespace modlr
