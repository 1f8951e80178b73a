#ifndef QALAM_CLIBPQ_SHIM_H
#define QALAM_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
