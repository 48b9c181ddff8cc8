#include "csupport.h"
#include <stdlib.h>  // defines __GLIBC__ on glibc systems
#if defined(__GLIBC__)
#include <malloc.h>
#endif

int mmi_keep_freed_memory(void) {
#if defined(__GLIBC__)
  // Blocks up to 32 MiB (the largest threshold glibc accepts on 64-bit systems) come
  // from the heap rather than a fresh mmap each time, and the heap is trimmed only
  // when 256 MiB sit free at its top.
  int mmapOK = mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  int trimOK = mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
  return mmapOK && trimOK;
#else
  return 0;
#endif
}

int mmi_return_freed_memory(void) {
#if defined(__GLIBC__)
  return malloc_trim(0);
#else
  return 0;
#endif
}
