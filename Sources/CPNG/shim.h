// libpng's simplified API (png_image), which reports errors as values: Swift cannot
// call setjmp, so the classic png_jmpbuf API is out of reach. `make deps` installs it
// (Debian: libpng-dev).
#ifndef MMI_CPNG_SHIM_H
#define MMI_CPNG_SHIM_H
#if __has_include(<png.h>)
#include <png.h>
#else
#error "png.h not found: install libpng with `make deps` (Debian: libpng-dev)"
#endif
// Swift does not import compound macros; re-export the ones we use as constants.
static const png_uint_32 mmi_png_format_gray = PNG_FORMAT_GRAY;
static const png_uint_32 mmi_png_format_rgb = PNG_FORMAT_RGB;
static const png_uint_32 mmi_png_format_rgba = PNG_FORMAT_RGBA;
static const png_uint_32 mmi_png_image_version = PNG_IMAGE_VERSION;
static inline size_t mmi_png_image_size(png_image *image) {
  return PNG_IMAGE_SIZE(*image);
}
static inline int mmi_png_image_failed(png_image *image) {
  return PNG_IMAGE_FAILED(*image);
}
static inline const char *mmi_png_version(void) { return PNG_LIBPNG_VER_STRING; }
#endif
