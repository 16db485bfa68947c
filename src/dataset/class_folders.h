#pragma once
// Folder trees <root>/<class>/<file>, as torchvision's ImageFolder reads them, for the
// image_folder and text_folder sources. Internal to src/dataset. No torch.
#include <functional>
#include <string>
#include <vector>

#include "modlr/core/option_keys.h"

namespace modlr {

struct ClassFile {
  std::string path;
  int64_t label = 0;  ///< index into the class names
};

/// The files of the tree at `root` (named by config key `key`), class by class, each class's
/// files in bytewise name order; hidden entries (".x") are skipped and `accept(file name)`
/// picks the rest. With `classes` empty they become root's subfolders, sorted; otherwise
/// every subfolder must be one of them. Errors (one line): root is not a folder, no class
/// folders, a class folder with no accepted file (`wanted` says what was looked for, e.g.
/// ".png, .jpg or .jpeg files"), a class unknown to the training tree, a broken symlink or
/// a symlink loop, a folder that cannot be listed.
std::vector<ClassFile> list_class_folders(const OptionKeys& section, const std::string& key, const std::string& root,
                                          const std::function<bool(const std::string&)>& accept,
                                          const std::string& wanted, std::vector<std::string>& classes);

/// A tree's fingerprint for the run record: the SHA-256 of one line "<sha256 of the file>
/// <path below root>\n" per file, in `files` order (as an unpacked aclImdb is fingerprinted).
/// `file_sha256[i]` is files[i]'s digest (hex).
std::string tree_manifest_sha256(const std::string& root, const std::vector<ClassFile>& files,
                                 const std::vector<std::string>& file_sha256);

/// The bytes of the file at `path` as stored (formats::read_file_raw, as text); errors name it.
std::string read_whole_file(const std::string& path);

/// Whether `name` ends in one of `extensions` (lower case, without the dot), in any case.
bool has_extension(const std::string& name, const std::vector<std::string>& extensions);

}  // namespace modlr
