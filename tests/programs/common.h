/* Shared helpers for the WASI test programs. Each program is built both for
 * wasm32-wasi and natively, and the two runs must print the same thing, so
 * errors are reported by errno *name* (strerror's text differs between libcs). */
#ifndef STRATA_TEST_COMMON_H
#define STRATA_TEST_COMMON_H

#include <errno.h>
#include <stdio.h>

static const char *errname(int e) {
    switch (e) {
    case 0: return "OK";
    case EACCES: return "EACCES";
    case EBADF: return "EBADF";
    case EEXIST: return "EEXIST";
    case EINVAL: return "EINVAL";
    case EISDIR: return "EISDIR";
    case ELOOP: return "ELOOP";
    case ENOENT: return "ENOENT";
    case ENOTDIR: return "ENOTDIR";
    case ENOTEMPTY: return "ENOTEMPTY";
    case EPERM: return "EPERM";
    case EXDEV: return "EXDEV";
#ifdef ENOTCAPABLE
    case ENOTCAPABLE: return "ENOTCAPABLE";
#endif
    default: return "E?";
    }
}

#endif
