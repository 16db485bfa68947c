// The tar parser on archives the test writes by hand (every field under control) and on
// archives GNU tar writes (gnu, ustar and pax formats), plus truncated and corrupt ones.
#include <gtest/gtest.h>

#include "formats/tar_writer.h"
#include "modlr/core/error.h"
#include "modlr/formats/file_bytes.h"
#include "modlr/formats/tar.h"
#include "test_support.h"

namespace mt = modlr::testing;
using modlr::formats::parse_tar;
using modlr::formats::TarMember;

namespace {

std::vector<TarMember> parse(const std::string& archive) { return parse_tar(mt::to_bytes(archive), "a.tar"); }

std::string data_of(const std::string& archive, const TarMember& member) {
  return archive.substr(member.offset, member.size);
}

// The message of the modlr::Error parse() throws ("" if none).
std::string tar_error(const std::string& archive) {
  try {
    parse(archive);
  } catch (const modlr::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Tar, FilesDirectoriesAndOffsets) {
  const auto archive = mt::tar_directory("d") + mt::tar_file("d/a.txt", "hello") +
                       mt::tar_file("d/b.txt", std::string(600, 'x'), '\0') + mt::tar_file("d/empty", "") +
                       mt::tar_end();
  const auto members = parse(archive);
  ASSERT_EQ(members.size(), 4u);
  EXPECT_EQ(members[0].name, "d/");
  EXPECT_EQ(members[0].type, '5');
  EXPECT_FALSE(members[0].is_file());
  EXPECT_EQ(members[1].name, "d/a.txt");
  EXPECT_TRUE(members[1].is_file());
  // Header blocks at 0 and 512; "hello" at 1024, padded to 1536; b.txt's data at 2048.
  EXPECT_EQ(members[1].header_offset, 512u);
  EXPECT_EQ(members[1].offset, 1024u);
  EXPECT_EQ(data_of(archive, members[1]), "hello");
  EXPECT_EQ(members[2].type, '0');  // an old-style '\0' regular file
  EXPECT_EQ(members[2].offset, 2048u);
  EXPECT_EQ(data_of(archive, members[2]), std::string(600, 'x'));
  EXPECT_EQ(members[3].offset, 2048u + 1024 + 512);  // 600 bytes take two blocks
  EXPECT_EQ(members[3].size, 0u);
}

TEST(Tar, EndsAtTheFirstZeroBlock) {
  const auto archive = mt::tar_file("a", "1") + std::string(512, '\0') + "anything after the end";
  ASSERT_EQ(parse(archive).size(), 1u);
  EXPECT_TRUE(parse(mt::tar_end()).empty());
}

TEST(Tar, LongNamesPosixPrefixAndPax) {
  const std::string long_name = "aclImdb/train/pos/" + std::string(120, 'n') + ".txt";
  mt::TarHeader posix;
  posix.name = "file.txt";
  posix.prefix = "some/prefix";
  posix.magic = "ustar";
  posix.size = 2;
  const auto archive = mt::tar_long_name(long_name) + mt::tar_file(long_name.substr(0, 100), "L!") +
                       mt::tar_header(posix) + std::string("ok") + std::string(510, '\0') +
                       mt::tar_pax_path("pax/named/file") + mt::tar_file("short", "p") + mt::tar_file("next", "n") +
                       mt::tar_end();
  const auto members = parse(archive);
  ASSERT_EQ(members.size(), 4u);
  EXPECT_EQ(members[0].name, long_name);
  EXPECT_EQ(data_of(archive, members[0]), "L!");
  EXPECT_EQ(members[1].name, "some/prefix/file.txt");
  EXPECT_EQ(data_of(archive, members[1]), "ok");
  EXPECT_EQ(members[2].name, "pax/named/file");
  EXPECT_EQ(members[3].name, "next");  // a long name applies to one member only
}

TEST(Tar, Base256SizeAndSignedChecksum) {
  auto header = mt::tar_header({"big", 3, '0', "ustar  ", "", -1});
  header.replace(124, 12, std::string("\x80\0\0\0\0\0\0\0\0\0\0\x03", 12));
  // Recompute the checksum as the signed byte sum (0x80 counts -128), as old tars wrote it.
  int64_t sum = 0;
  header.replace(148, 8, "        ");
  for (char c : header) sum += static_cast<signed char>(c);
  char field[9];
  std::snprintf(field, sizeof field, "%06llo", static_cast<unsigned long long>(sum));
  header.replace(148, 8, std::string(field, 6) + std::string("\0 ", 2));
  const auto archive = header + "abc" + std::string(509, '\0') + mt::tar_end();
  const auto members = parse(archive);
  ASSERT_EQ(members.size(), 1u);
  EXPECT_EQ(data_of(archive, members[0]), "abc");
}

TEST(Tar, TruncatedArchivesNameTheMember) {
  const auto whole = mt::tar_file("dir/a.txt", std::string(1000, 'a')) + mt::tar_file("dir/b.txt", "b") + mt::tar_end();
  EXPECT_NE(tar_error(whole.substr(0, 700)).find("a.tar: truncated tar archive: member 'dir/a.txt' needs 1000 bytes"),
            std::string::npos)
      << tar_error(whole.substr(0, 700));
  EXPECT_NE(tar_error(whole.substr(0, 1536 + 100)).find("header at offset 1536 is cut off"), std::string::npos);
  EXPECT_NE(tar_error(whole.substr(0, 1536 + 1024)).find("without the end-of-archive block"), std::string::npos);
  EXPECT_NE(tar_error("").find("a.tar: truncated tar archive: it ends at offset 0"), std::string::npos);
  EXPECT_NE(tar_error(mt::tar_long_name(std::string(150, 'x')) + mt::tar_end()).find("not followed by its member"),
            std::string::npos);
}

TEST(Tar, CorruptHeaders) {
  auto archive = mt::tar_file("dir/a.txt", "a") + mt::tar_file("dir/b.txt", "b") + mt::tar_end();
  archive[1024 + 4] ^= 0x01;  // 'b' -> 'c' in the second member's name: the sum is off by one
  EXPECT_EQ(tar_error(archive).rfind("a.tar: corrupt tar archive: header at offset 1024 (member "
                                     "'dir/c.txt'): checksum mismatch (stored ",
                                     0),
            0u)
      << tar_error(archive);
  EXPECT_NE(
      tar_error(mt::tar_header({"x", 0, '0', "notar", "", -1}) + mt::tar_end()).find("(member 'x'): no ustar magic"),
      std::string::npos);
  const auto garbage = std::string("garbage that is not a tar archive at all") + std::string(600, 'g');
  EXPECT_NE(tar_error(garbage).find("corrupt tar archive: header at offset 0"), std::string::npos);
  EXPECT_NE(tar_error(garbage).find("checksum field is not an octal number"), std::string::npos);
}

TEST(Tar, NonNumericSizeAndBadPaxRecord) {
  mt::TarHeader header{"x", 0, '0', "ustar  ", "", -1};
  auto block = mt::tar_header(header);
  // Put "9" into the size (not octal) and fix the checksum by rebuilding from the text.
  block.replace(124, 12, "00000000009 ");
  uint64_t sum = 0;
  block.replace(148, 8, "        ");
  for (unsigned char c : block) sum += c;
  char field[9];
  std::snprintf(field, sizeof field, "%06llo", static_cast<unsigned long long>(sum));
  block.replace(148, 8, std::string(field, 6) + std::string("\0 ", 2));
  EXPECT_NE(tar_error(block + mt::tar_end()).find("(member 'x'): size field is not a number"), std::string::npos);

  auto pax = mt::tar_pax_path("p/q");
  pax[512] = '9';  // the record length no longer matches
  EXPECT_NE(tar_error(pax + mt::tar_file("f", "") + mt::tar_end()).find("malformed pax record at byte 0"),
            std::string::npos);
}

// Archives written by GNU tar in its three formats, with a name longer than 100 bytes.
TEST(Tar, ReadsWhatGnuTarWrites) {
  mt::TempDir dir;
  const std::string long_dir = "aclImdb/train/" + std::string(70, 'd');
  const std::string long_file = long_dir + "/" + std::string(60, 'f') + "_7.txt";
  ASSERT_EQ(mt::run_command("mkdir -p " + dir.file(long_dir)).exit_code, 0);
  mt::write_text(dir.file(long_file), "long one");
  mt::write_text(dir.file("aclImdb/short.txt"), "short");
  for (const std::string format : {"gnu", "ustar", "pax"}) {
    const auto archive = dir.file(format + ".tar.gz");
    const auto result =
        mt::run_command("tar --format=" + format + " --sort=name -czf " + archive + " -C " + dir.path() + " aclImdb");
    ASSERT_EQ(result.exit_code, 0) << result.err;
    const auto bytes = modlr::formats::read_file_bytes(archive);
    std::map<std::string, std::string> files;
    for (const auto& member : parse_tar(bytes, archive))
      if (member.is_file())
        files[member.name] = std::string(bytes.begin() + member.offset, bytes.begin() + member.offset + member.size);
    EXPECT_EQ(files, (std::map<std::string, std::string>{{long_file, "long one"}, {"aclImdb/short.txt", "short"}}))
        << format;
  }
}
