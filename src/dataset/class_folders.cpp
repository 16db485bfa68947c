#include "class_folders.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "modlr/core/error.h"
#include "modlr/formats/file_bytes.h"
#include "modlr/formats/sha256.h"

namespace modlr {
namespace {

namespace fs = std::filesystem;

// is_directory / is_regular_file following symlinks; a broken link or a loop is an error.
bool has_type(const std::string& path, fs::file_type type) {
  std::error_code error;
  const auto status = fs::status(path, error);
  if (error) throw Error(path + ": " + error.message());
  return status.type() == type;
}

// Entries of `dir` (names, sorted bytewise, no hidden ones) for which keep(path, name) holds.
std::vector<std::string> sorted_entries(const std::string& dir,
                                        const std::function<bool(const std::string&, const std::string&)>& keep) {
  std::vector<std::string> names;
  std::error_code error;
  fs::directory_iterator it(dir, error), end;
  if (error) throw Error(dir + ": cannot list the folder: " + error.message());
  for (; it != end; it.increment(error)) {
    if (error) throw Error(dir + ": cannot list the folder: " + error.message());
    const auto name = it->path().filename().string();
    if (!name.empty() && name.front() != '.' && keep(it->path().string(), name)) names.push_back(name);
  }
  if (error) throw Error(dir + ": cannot list the folder: " + error.message());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

bool has_extension(const std::string& name, const std::vector<std::string>& extensions) {
  const auto dot = name.rfind('.');
  if (dot == std::string::npos) return false;
  std::string extension = name.substr(dot + 1);
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return std::find(extensions.begin(), extensions.end(), extension) != extensions.end();
}

std::vector<ClassFile> list_class_folders(const OptionKeys& section, const std::string& key, const std::string& root,
                                          const std::function<bool(const std::string&)>& accept,
                                          const std::string& wanted, std::vector<std::string>& classes) {
  if (!has_type(root, fs::file_type::directory)) section.fail(key, root + " is not a folder");
  const auto folders = sorted_entries(
      root, [](const std::string& path, const std::string&) { return has_type(path, fs::file_type::directory); });
  if (folders.empty()) section.fail(key, root + " has no class folders (<root>/<class>/<file>)");
  if (classes.empty()) classes = folders;
  std::vector<ClassFile> files;
  for (const auto& folder : folders) {
    const auto found = std::find(classes.begin(), classes.end(), folder);
    if (found == classes.end())
      throw Error(root + "/" + folder + ": class '" + folder + "' has no folder in " + section.path("train_path"));
    const auto dir = root + "/" + folder;
    const auto names = sorted_entries(dir, [&](const std::string& path, const std::string& name) {
      return accept(name) && has_type(path, fs::file_type::regular);
    });
    if (names.empty()) throw Error(dir + ": no " + wanted + " in this class folder");
    for (const auto& name : names) files.push_back({dir + "/" + name, found - classes.begin()});
  }
  return files;
}

std::string tree_manifest_sha256(const std::string& root, const std::vector<ClassFile>& files,
                                 const std::vector<std::string>& file_sha256) {
  formats::Sha256 manifest;
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string line =
        file_sha256[i] + "  " + files[i].path.substr(std::min(files[i].path.size(), root.size() + 1)) + "\n";
    manifest.update(line.data(), line.size());
  }
  return manifest.hex_digest();
}

std::string read_whole_file(const std::string& path) {
  const auto bytes = formats::read_file_raw(path);
  return {bytes.begin(), bytes.end()};
}

}  // namespace modlr
