// keep_freed_memory: after it, a block far above glibc's default mmap threshold (128 KiB) is
// served from the heap, so freeing it does not hand its pages back to the kernel. CTest runs
// each test in its own process, so no earlier test has moved glibc's dynamic threshold.
#include <gtest/gtest.h>

#include <cstdlib>

#include "modlr/core/memory.h"

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
#include <malloc.h>

TEST(KeepFreedMemory, LargeBlocksComeFromTheHeap) {
  modlr::keep_freed_memory();
  const auto before = mallinfo2();
  void* block = std::malloc(size_t{4} << 20);
  ASSERT_NE(block, nullptr);
  const auto during = mallinfo2();
  std::free(block);
  EXPECT_EQ(during.hblks, before.hblks);                            // no new mmapped block
  EXPECT_GE(during.uordblks, before.uordblks + (size_t{4} << 20));  // but a heap one
  const auto after = mallinfo2();
  EXPECT_GE(after.arena, size_t{4} << 20);  // and the heap kept its pages
}
#endif
