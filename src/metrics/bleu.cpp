// Corpus BLEU as sacreBLEU computes it (metrics/bleu.h).
#include "modlr/metrics/bleu.h"

#include <cmath>
#include <map>

#include "modlr/core/error.h"

namespace modlr::bleu {
namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }

// 13a's first pass: ASCII punctuation but . , - and ' (the classes {-~ [-` space-& (-+ :-@ /).
bool spaced_punctuation(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= '{' && u <= '~') || (u >= '[' && u <= '`') || (u >= ' ' && u <= '&') || (u >= '(' && u <= '+') ||
         (u >= ':' && u <= '@') || u == '/';
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// Python's re.sub semantics for each rule: matches left to right, never overlapping.
std::string regex_passes(const std::string& line) {
  std::string a;
  for (char c : line) {
    if (spaced_punctuation(c))
      a += std::string(" ") + c + " ";
    else
      a += c;
  }
  std::string b;  // ([^0-9])([\.,]) -> "\1 \2 "
  for (size_t i = 0; i < a.size(); ++i) {
    if (!digit(a[i]) && i + 1 < a.size() && (a[i + 1] == '.' || a[i + 1] == ',')) {
      b += std::string(1, a[i]) + " " + a[i + 1] + " ";
      ++i;
    } else {
      b += a[i];
    }
  }
  std::string c;  // ([\.,])([^0-9]) -> " \1 \2"
  for (size_t i = 0; i < b.size(); ++i) {
    if ((b[i] == '.' || b[i] == ',') && i + 1 < b.size() && !digit(b[i + 1])) {
      c += std::string(" ") + b[i] + " " + b[i + 1];
      ++i;
    } else {
      c += b[i];
    }
  }
  std::string d;  // ([0-9])(-) -> "\1 \2 "
  for (size_t i = 0; i < c.size(); ++i) {
    if (digit(c[i]) && i + 1 < c.size() && c[i + 1] == '-') {
      d += std::string(1, c[i]) + " - ";
      ++i;
    } else {
      d += c[i];
    }
  }
  return d;
}

// The code point of the well-formed UTF-8 sequence at text[at] and its length; {0, 0} when
// the bytes there are not one (then no whitespace either).
std::pair<uint32_t, size_t> code_point(const std::string& text, size_t at) {
  const auto byte = [&](size_t i) { return at + i < text.size() ? static_cast<unsigned char>(text[at + i]) : 0u; };
  const unsigned c = byte(0);
  const auto tail = [&](size_t i) { return (byte(i) & 0xc0u) == 0x80u; };
  if (c < 0x80) return {c, 1};
  if (c >= 0xc2 && c <= 0xdf && tail(1)) return {((c & 0x1fu) << 6) | (byte(1) & 0x3fu), 2};
  if (c >= 0xe0 && c <= 0xef && (c != 0xe0 || byte(1) >= 0xa0) && tail(1) && tail(2))
    return {((c & 0x0fu) << 12) | ((byte(1) & 0x3fu) << 6) | (byte(2) & 0x3fu), 3};
  return {0, 0};
}

// Python's str.isspace for one code point.
bool python_space(uint32_t u) {
  return (u >= 0x09 && u <= 0x0d) || (u >= 0x1c && u <= 0x20) || u == 0x85 || u == 0xa0 || u == 0x1680 ||
         (u >= 0x2000 && u <= 0x200a) || u == 0x2028 || u == 0x2029 || u == 0x202f || u == 0x205f || u == 0x3000;
}

// Length of the whitespace character at text[at], 0 if there is none.
size_t space_at(const std::string& text, size_t at) {
  const auto [u, length] = code_point(text, at);
  return length > 0 && python_space(u) ? length : 0;
}

std::string right_stripped(const std::string& text) {
  size_t end = 0;
  for (size_t at = 0; at < text.size();) {
    const size_t space = space_at(text, at);
    at += space > 0 ? space : 1;
    if (space == 0) end = at;
  }
  return text.substr(0, end);
}

using Ngrams = std::map<std::vector<std::string>, int64_t>;

Ngrams ngrams(const std::vector<std::string>& tokens) {
  Ngrams out;
  for (size_t n = 1; n <= 4; ++n)
    for (size_t i = 0; i + n <= tokens.size(); ++i)
      ++out[std::vector<std::string>(tokens.begin() + static_cast<std::ptrdiff_t>(i),
                                     tokens.begin() + static_cast<std::ptrdiff_t>(i + n))];
  return out;
}

}  // namespace

// BLEU from the corpus's sufficient statistics (sacreBLEU's compute_bleu, "exp" smoothing).
void finish(Score& s) {
  s.brevity_penalty = 1;
  s.precisions = {};
  s.score = 0;
  if (s.system_length < s.reference_length)
    s.brevity_penalty =
        s.system_length > 0
            ? std::exp(1 - static_cast<double>(s.reference_length) / static_cast<double>(s.system_length))
            : 0.0;
  if (s.correct[0] == 0 && s.correct[1] == 0 && s.correct[2] == 0 && s.correct[3] == 0) return;
  double smooth = 1, log_sum = 0;
  for (size_t n = 0; n < 4; ++n) {
    if (s.total[n] == 0) break;
    if (s.correct[n] == 0) {
      smooth *= 2;
      s.precisions[n] = 100.0 / (smooth * static_cast<double>(s.total[n]));
    } else {
      s.precisions[n] = 100.0 * static_cast<double>(s.correct[n]) / static_cast<double>(s.total[n]);
    }
  }
  for (double p : s.precisions) log_sum += p == 0.0 ? -9999999999.0 : std::log(p);
  s.score = s.brevity_penalty * std::exp(log_sum / 4);
}

void add_segment(Score& s, const std::vector<std::string>& hypothesis, const std::vector<std::string>& reference) {
  s.system_length += static_cast<int64_t>(hypothesis.size());
  s.reference_length += static_cast<int64_t>(reference.size());
  const auto reference_ngrams = ngrams(reference);
  for (const auto& [gram, count] : ngrams(hypothesis)) {
    const auto found = reference_ngrams.find(gram);
    if (found != reference_ngrams.end()) s.correct[gram.size() - 1] += std::min(count, found->second);
  }
  for (size_t n = 1; n <= 4; ++n)
    s.total[n - 1] += std::max<int64_t>(0, static_cast<int64_t>(hypothesis.size()) - static_cast<int64_t>(n) + 1);
}

std::string tokenize_13a(const std::string& segment) {
  std::string line = replace_all(segment, "<skipped>", "");
  line = replace_all(line, "-\n", "");
  line = replace_all(line, "\n", " ");
  if (line.find('&') != std::string::npos) {
    line = replace_all(line, "&quot;", "\"");
    line = replace_all(line, "&amp;", "&");
    line = replace_all(line, "&lt;", "<");
    line = replace_all(line, "&gt;", ">");
  }
  std::string joined;
  for (const auto& token : split_whitespace(regex_passes(" " + line + " ")))
    joined += (joined.empty() ? "" : " ") + token;
  return joined;
}

std::vector<std::string> split_whitespace(const std::string& text) {
  std::vector<std::string> tokens;
  std::string current;
  for (size_t at = 0; at < text.size();) {
    const size_t space = space_at(text, at);
    if (space > 0) {
      if (!current.empty()) tokens.push_back(std::move(current));
      current.clear();
      at += space;
    } else {
      current += text[at++];
    }
  }
  if (!current.empty()) tokens.push_back(std::move(current));
  return tokens;
}

Score corpus_bleu(const std::vector<std::string>& hypotheses, const std::vector<std::string>& references,
                  Tokenize tokenize) {
  if (hypotheses.size() != references.size())
    throw Error("BLEU: " + std::to_string(hypotheses.size()) + " hypotheses for " + std::to_string(references.size()) +
                " references");
  Score s;
  const auto tokens = [&](const std::string& segment) {
    const auto stripped = right_stripped(segment);
    return split_whitespace(tokenize == Tokenize::thirteen_a ? tokenize_13a(stripped) : stripped);
  };
  for (size_t i = 0; i < hypotheses.size(); ++i) add_segment(s, tokens(hypotheses[i]), tokens(references[i]));
  finish(s);
  return s;
}

}  // namespace modlr::bleu
