#pragma once
/// Facts fixed when modlr was built, recorded in every run's environment.
namespace modlr {
/// modlr's semantic version, e.g. "0.1.0".
const char* modlr_version();
/// The git commit of the sources this binary was built from ("<sha>-dirty" if the tree had
/// uncommitted changes to tracked files, "unknown" outside a git checkout).
const char* source_commit();
}  // namespace modlr
