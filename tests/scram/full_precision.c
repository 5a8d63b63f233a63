/*
 * LD_PRELOAD shim: SCRAM 0.16 at full precision.
 *
 * SCRAM 0.16 writes every floating-point number of its XML report with
 * `fprintf(file, "%g", value)` (6 significant digits); compiled with
 * _FORTIFY_SOURCE, the call is `__fprintf_chk` from libscram.so, through the PLT, so a
 * preloaded definition takes its place. This one prints the format "%g" as "%.17g" (enough
 * digits to give back the exact double) and passes every other format through unchanged.
 *
 *   cc -shared -fPIC -O2 -o full_precision.so tests/scram/full_precision.c
 *   LD_PRELOAD=$PWD/full_precision.so scram --probability true -l 1 tree.xml -o report.xml
 *
 * See docs/scram.md for how this was found and checked.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

extern int __vfprintf_chk(FILE *stream, int flag, const char *format, va_list ap);

int __fprintf_chk(FILE *stream, int flag, const char *format, ...) {
    va_list ap;
    va_start(ap, format);
    int n = strcmp(format, "%g") == 0 ? vfprintf(stream, "%.17g", ap)
                                      : __vfprintf_chk(stream, flag, format, ap);
    va_end(ap);
    return n;
}
