// The one header the Autograd module needs from OpenBLAS: cblas_sgemm and the
// thread/core queries. `make deps` installs it (Debian: libopenblas-dev).
#ifndef MMI_COPENBLAS_SHIM_H
#define MMI_COPENBLAS_SHIM_H
#if __has_include(<cblas.h>)
#include <cblas.h>
#elif __has_include(<openblas/cblas.h>)
#include <openblas/cblas.h>
#else
#error "cblas.h not found: install OpenBLAS with `make deps` (Debian: libopenblas-dev)"
#endif
// OpenBLAS extensions (declared in its cblas.h; repeated so a reader sees them here).
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_corename(void);
char *openblas_get_config(void);
#endif
