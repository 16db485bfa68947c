#include "modlr/core/memory.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace modlr {

void keep_freed_memory() {
#if defined(__GLIBC__)
  // Blocks up to 32 MiB (glibc's ceiling for this setting) come from the heap, and the heap
  // is only trimmed once 512 MiB lie free at its top.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif
}

}  // namespace modlr
