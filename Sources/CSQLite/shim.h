// Headers of the system library this module exposes to Swift.
#include <sqlite3.h>
