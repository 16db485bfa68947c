#pragma once
/// Untrusted text on its way to a path, a terminal or a JSON file. Names from configs and
/// from run directories (experiment names, the checkpoint `latest` names) become parts of
/// paths; error messages quote file names and tar members as they are. No torch here;
/// every function is pure and thread-safe.
#include <string>
#include <string_view>
#include <vector>

namespace modlr {

/// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or code points
/// past U+10FFFF).
bool is_valid_utf8(std::string_view text);

/// `text` with every byte that is a control character (< 0x20 or 0x7f, newlines and tabs
/// included) or not part of well-formed UTF-8 written as \xNN, and backslashes as \\, so
/// the result is one printable line of valid UTF-8 (for terminals, logs and JSON).
std::string escape_text(std::string_view text);

/// `text` with only the bytes that are not part of well-formed UTF-8 written as \xNN; valid
/// text (control characters included) passes unchanged. For JSON, which must be UTF-8.
std::string escape_invalid_utf8(std::string_view text);

/// Checks that `name` can be one component of a path: not empty, not "." or "..", no '/'
/// or '\\', no control bytes, valid UTF-8, at most 200 bytes. Throws modlr::Error
/// "<what> '<escaped name>': <reason>" otherwise.
void check_path_component(const std::string& name, const std::string& what);

/// A shape as messages and tables print it: "[60000, 28, 28]" ("[]" for a scalar).
std::string dims_text(const std::vector<int64_t>& dims);

/// Of `candidates`, the one closest to `name` by edit distance (Levenshtein) when it is
/// under `max_distance`, for "did you mean" suggestions; "" when none is that close. Ties
/// go to the earliest.
std::string closest_match(const std::string& name, const std::vector<std::string>& candidates, size_t max_distance = 3);

/// `text` without leading and trailing spaces and tabs.
std::string trim(const std::string& text);

}  // namespace modlr
