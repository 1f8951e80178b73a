#ifndef QALAM_CSQLITE_SHIM_H
#define QALAM_CSQLITE_SHIM_H
#include <sqlite3.h>
#endif
