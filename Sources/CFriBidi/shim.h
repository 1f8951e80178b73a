#ifndef QALAM_CFRIBIDI_SHIM_H
#define QALAM_CFRIBIDI_SHIM_H
#include <fribidi.h>
#endif
