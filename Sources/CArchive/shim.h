// Headers of the system library this module exposes to Swift.
#include <archive.h>
#include <archive_entry.h>

// archive_set_error is variadic, which Swift cannot call: this passes a plain message.
static inline void carchive_set_error(struct archive *a, int error_number, const char *message) {
    archive_set_error(a, error_number, "%s", message);
}
