// Headers of the system library this module exposes to Swift.
#include <archive.h>
#include <archive_entry.h>
