#ifndef QALAM_CNCURSESW_SHIM_H
#define QALAM_CNCURSESW_SHIM_H
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700          /* wcwidth() and the X/Open wide-character curses API */
#endif
#define NCURSES_WIDECHAR 1         /* cchar_t, get_wch, add_wch, setcchar */
#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>
#include <ncursesw/term.h>         /* tigetstr, putp */
#endif
