#include "formats/tar_writer.h"

#include <zlib.h>

#include <cstdio>
#include <stdexcept>

namespace modlr::testing {
namespace {

void put(std::string& block, size_t offset, const std::string& text) { block.replace(offset, text.size(), text); }

std::string octal(uint64_t value, size_t digits) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%0*llo", static_cast<int>(digits), static_cast<unsigned long long>(value));
  return buffer;
}

std::string padded(const std::string& data) { return data + std::string((512 - data.size() % 512) % 512, '\0'); }

}  // namespace

std::string tar_header(const TarHeader& h) {
  std::string block(512, '\0');
  put(block, 0, h.name.substr(0, 100));
  put(block, 100, "0000644");
  put(block, 108, "0000000");
  put(block, 116, "0000000");
  put(block, 124, octal(h.size, 11));
  put(block, 136, "14500000000");
  block[156] = h.type;
  if (h.magic == "ustar") {
    put(block, 257,
        std::string("ustar\0"
                    "00",
                    8));
    put(block, 345, h.prefix.substr(0, 155));
  } else {
    put(block, 257, h.magic);
  }
  uint64_t sum = 0;
  put(block, 148, "        ");
  for (unsigned char c : block) sum += c;
  const uint64_t stored = h.checksum >= 0 ? static_cast<uint64_t>(h.checksum) : sum;
  put(block, 148, octal(stored, 6) + std::string("\0 ", 2));
  return block;
}

std::string tar_file(const std::string& name, const std::string& data, char type) {
  TarHeader header;
  header.name = name;
  header.size = data.size();
  header.type = type;
  return tar_header(header) + padded(data);
}

std::string tar_directory(const std::string& name) {
  TarHeader header;
  header.name = name + "/";
  header.type = '5';
  return tar_header(header);
}

std::string tar_long_name(const std::string& name) {
  TarHeader header;
  header.name = "././@LongLink";
  header.size = name.size() + 1;
  header.type = 'L';
  return tar_header(header) + padded(name + std::string(1, '\0'));
}

std::string tar_pax_path(const std::string& path) {
  std::string body = " path=" + path + "\n";
  std::string record = std::to_string(body.size() + 2) + body;  // assume a 2-digit length
  if (record.size() != body.size() + 2) throw std::logic_error("tar_pax_path: path too long for the test writer");
  TarHeader header;
  header.name = "PaxHeaders/x";
  header.size = record.size();
  header.type = 'x';
  header.magic = "ustar";
  return tar_header(header) + padded(record);
}

std::string tar_end() { return std::string(1024, '\0'); }

std::string gzip(const std::string& bytes) {
  z_stream zs{};
  if (deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2 failed");
  std::string out(deflateBound(&zs, bytes.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  zs.avail_in = static_cast<uInt>(bytes.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  if (deflate(&zs, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("deflate failed");
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::vector<uint8_t> to_bytes(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }

}  // namespace modlr::testing
