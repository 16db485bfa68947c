#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "modlr/core/error.h"
#include "modlr/core/interrupt.h"
#include "modlr/dataset/imdb.h"
#include "modlr/dataset/text.h"
#include "modlr/formats/file_bytes.h"
#include "modlr/formats/sha256.h"
#include "modlr/formats/tar.h"

namespace fs = std::filesystem;

namespace modlr::imdb {
namespace {

const char* const kSplits[] = {"train", "test"};
const char* const kLabels[] = {"neg", "pos"};  // index = label

// "train/pos/0_9.txt" -> its split, label and file name; false for any other path.
bool review_path(const std::string& relative, std::string& split, int& label, std::string& file) {
  const auto first = relative.find('/');
  const auto second = first == std::string::npos ? first : relative.find('/', first + 1);
  if (second == std::string::npos || relative.find('/', second + 1) != std::string::npos) return false;
  split = relative.substr(0, first);
  const auto folder = relative.substr(first + 1, second - first - 1);
  file = relative.substr(second + 1);
  if ((split != "train" && split != "test") || (folder != "pos" && folder != "neg") || file.empty()) return false;
  label = folder == "pos" ? 1 : 0;
  return true;
}

// "<id>_<rating>.txt" with a rating in 1..10.
bool parse_file_name(const std::string& file, int64_t& id, int& rating) {
  const auto underscore = file.find('_');
  const auto dot = file.size() >= 4 ? file.size() - 4 : std::string::npos;
  if (underscore == std::string::npos || dot == std::string::npos || file.compare(dot, 4, ".txt") != 0 ||
      underscore == 0 || underscore + 1 >= dot || underscore > 18 || dot - underscore - 1 > 2)
    return false;
  const auto digits = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  const auto id_text = file.substr(0, underscore), rating_text = file.substr(underscore + 1, dot - underscore - 1);
  if (!digits(id_text) || !digits(rating_text)) return false;
  id = std::stoll(id_text);
  rating = std::stoi(rating_text);
  return rating >= 1 && rating <= 10;
}

// Fills review's name, id, rating and label from its path `relative` (a review_path);
// `where` names it in errors.
template <typename Item>
void identify(Item& review, const std::string& relative, const std::string& where) {
  std::string split, file;
  review_path(relative, split, review.label, file);
  if (!parse_file_name(file, review.id, review.rating))
    throw Error(where + ": review file name is not <id>_<rating>.txt with a rating in 1..10");
  review.name = relative;
}

bool in_train(const std::string& relative) { return relative.rfind("train/", 0) == 0; }

void check_text(const std::string& text, const std::string& where) {
  if (text.empty()) throw Error(where + ": empty review file");
  const auto bad = text::invalid_utf8_offset(text);
  if (bad != std::string::npos)
    throw Error(where + ": unreadable text encoding: invalid UTF-8 at byte " + std::to_string(bad));
}

// Adds the review at `relative` (a review_path) with bytes `text`; `where` names it in errors.
void add_review(Reviews& reviews, const std::string& relative, std::string text, const std::string& where) {
  Review review;
  identify(review, relative, where);
  check_text(text, where);
  review.text = std::move(text);
  (in_train(relative) ? reviews.train : reviews.test).push_back(std::move(review));
}

// Sorts each split by (id, label) and checks for duplicates and empty folders.
template <typename Set>
void finish(Set& reviews, const std::string& source, const std::string& root) {
  for (auto* split : {&reviews.train, &reviews.test}) {
    std::sort(split->begin(), split->end(),
              [](const auto& a, const auto& b) { return a.id != b.id ? a.id < b.id : a.label < b.label; });
    for (size_t i = 1; i < split->size(); ++i)
      if ((*split)[i].id == (*split)[i - 1].id && (*split)[i].label == (*split)[i - 1].label)
        throw Error(source + ": two reviews with id " + std::to_string((*split)[i].id) + ": " + (*split)[i - 1].name +
                    " and " + (*split)[i].name);
  }
  for (const auto* split : kSplits)
    for (int label = 0; label < 2; ++label) {
      const auto& list = std::string(split) == "train" ? reviews.train : reviews.test;
      if (std::none_of(list.begin(), list.end(), [&](const auto& r) { return r.label == label; }))
        throw Error(source + ": no reviews found in " + root + split + "/" + kLabels[label] +
                    "/ (expected aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt)");
    }
}

std::string read_review_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open file: " + std::strerror(errno));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(path + ": read error");
  return text;
}

std::string manifest_sha256(const Reviews& reviews) {
  formats::Sha256 manifest;
  for (const auto* split : {&reviews.train, &reviews.test})
    for (const auto& review : *split) {
      const std::string line = formats::sha256_hex_bytes(review.text) + "  " + review.name + "\n";
      manifest.update(line.data(), line.size());
    }
  return manifest.hex_digest();
}

// The aclImdb root below `path` (path itself or path/aclImdb), ending in '/'.
std::string directory_root(const std::string& path) {
  std::string root = path + (path.back() == '/' ? "" : "/");
  if (!fs::is_directory(root + "train") && fs::is_directory(root + "aclImdb/train")) root += "aclImdb/";
  return root;
}

// Calls visit(file, relative) for every review file of the aclImdb directory `root`.
template <typename Visit>
void walk_directory(const std::string& root, const Visit& visit) {
  for (const auto* split : kSplits)
    for (const auto* label : kLabels) {
      const std::string folder = root + split + "/" + label;
      if (!fs::is_directory(folder))
        throw Error(folder + ": missing folder (expected an aclImdb directory with {train,test}/{pos,neg}/)");
      for (const auto& entry : fs::directory_iterator(folder)) {
        throw_if_stop_requested();
        const auto file = entry.path().string();
        if (entry.is_directory()) continue;
        if (!entry.is_regular_file()) throw Error(file + ": not a regular file");
        visit(file, std::string(split) + "/" + label + "/" + entry.path().filename().string());
      }
    }
}

Reviews read_directory(const std::string& path) {
  const auto root = directory_root(path);
  Reviews reviews;
  walk_directory(root, [&](const std::string& file, const std::string& relative) {
    add_review(reviews, relative, read_review_file(file), file);
  });
  finish(reviews, path, root);
  reviews.source = root;
  reviews.sha256 = manifest_sha256(reviews);
  return reviews;
}

// Calls visit(member, relative) for every review member of `members` (archive order).
template <typename Visit>
void walk_archive(const std::vector<formats::TarMember>& members, const std::string& archive_name, const Visit& visit) {
  for (const auto& member : members) {
    std::string relative = member.name, split, file;
    if (relative.rfind("./", 0) == 0) relative.erase(0, 2);
    if (relative.rfind("aclImdb/", 0) != 0) continue;
    relative.erase(0, 8);
    int label = 0;
    if (!review_path(relative, split, label, file)) continue;
    if (!member.is_file())
      throw Error(archive_name + ": member '" + member.name + "': not a regular file (tar type '" +
                  std::string(1, member.type) + "')");
    visit(member, relative);
  }
}

std::string member_where(const std::string& archive_name, const std::string& member_name) {
  return archive_name + ": member '" + member_name + "'";
}

void check_exists(const std::string& path, struct stat& st) {
  if (path.empty() || ::stat(path.c_str(), &st) != 0)
    throw Error(path + ": cannot open the IMDb data: " + std::strerror(errno) +
                " (expected the aclImdb .tar.gz archive or an unpacked aclImdb directory)");
}

}  // namespace

Reviews parse_archive(const std::vector<uint8_t>& tar_bytes, const std::string& archive_name) {
  Reviews reviews;
  walk_archive(formats::parse_tar(tar_bytes, archive_name), archive_name,
               [&](const formats::TarMember& member, const std::string& relative) {
                 add_review(reviews, relative,
                            std::string(reinterpret_cast<const char*>(tar_bytes.data() + member.offset), member.size),
                            member_where(archive_name, member.name));
               });
  finish(reviews, archive_name, "aclImdb/");
  return reviews;
}

Reviews read(const std::string& path, const formats::DecodeLimits& limits) {
  struct stat st {};
  check_exists(path, st);
  if (S_ISDIR(st.st_mode)) return read_directory(path);
  auto reviews = parse_archive(formats::read_file_bytes(path, limits), path);
  reviews.source = path;
  reviews.sha256 = formats::sha256_file_hex(path);
  return reviews;
}

ReviewIndex index(const std::string& path, const formats::DecodeLimits& limits, const std::string& unpack_dir) {
  struct stat st {};
  check_exists(path, st);
  ReviewIndex index;
  const auto add = [&index](ReviewEntry entry, const std::string& relative, const std::string& where) {
    identify(entry, relative, where);
    (in_train(relative) ? index.train : index.test).push_back(std::move(entry));
  };
  if (S_ISDIR(st.st_mode)) {
    const auto root = directory_root(path);
    walk_directory(root, [&](const std::string& file, const std::string& relative) {
      ReviewEntry entry;
      entry.file = file;
      add(std::move(entry), relative, file);
    });
    finish(index, path, root);
    index.source = root;
    return index;
  }
  index.archive_sha256 = formats::sha256_file_hex(path);
  index.archive = formats::SeekableFile::open(path, index.archive_sha256, unpack_dir, limits);
  walk_archive(formats::list_tar(*index.archive), path,
               [&](const formats::TarMember& member, const std::string& relative) {
                 ReviewEntry entry;
                 entry.member = member.name;
                 entry.offset = member.offset;
                 entry.size = member.size;
                 add(std::move(entry), relative, member_where(path, member.name));
               });
  finish(index, path, "aclImdb/");
  index.source = path;
  return index;
}

std::string ReviewIndex::where(const ReviewEntry& entry) const {
  return archive ? member_where(source, entry.member) : entry.file;
}

std::string ReviewIndex::read(const ReviewEntry& entry) const {
  auto text =
      archive ? archive->read_string(entry.offset, static_cast<size_t>(entry.size)) : read_review_file(entry.file);
  check_text(text, where(entry));
  return text;
}

}  // namespace modlr::imdb
