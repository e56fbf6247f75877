/* Shared by every kernel: a kernel defines `KERNEL_RESULT run(int n)`.
 * Built freestanding for wasm32 (the export `run` is called by the engine)
 * and natively with a main() that reads n from argv and prints the result. */
#ifndef STRATA_KERNEL_COMMON_H
#define STRATA_KERNEL_COMMON_H
#ifdef NATIVE
#include <stdio.h>
#include <stdlib.h>
#define EXPORT
#else
#define EXPORT __attribute__((export_name("run")))
/* Freestanding wasm32 has no libc, but clang turns zeroing loops into memset
 * calls; LLVM does not rewrite the body of a function named memset. With bulk
 * memory (report.py enables it) those calls become `memory.fill` and this
 * fallback goes unused. */
typedef __SIZE_TYPE__ size_t;
void *memset(void *dst, int c, size_t n) {
    unsigned char *p = (unsigned char *)dst;
    while (n--) *p++ = (unsigned char)c;
    return dst;
}
#endif
#endif
