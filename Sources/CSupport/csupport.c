#include "csupport.h"
#if defined(__GLIBC__)
#include <malloc.h>
#endif

int mmi_keep_freed_memory(void) {
#if defined(__GLIBC__)
  // Blocks up to 512 MiB come from the heap (not a fresh mmap each time), and the
  // heap is trimmed only when 1 GiB sits free at its top.
  int ok = mallopt(M_MMAP_THRESHOLD, 512 * 1024 * 1024);
  ok &= mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
  return ok;
#else
  return 0;
#endif
}
