/* random.h - random bytes for what every request needs a few of (see random.c). */
#ifndef PAKN_RANDOM_H
#define PAKN_RANDOM_H

#include <stddef.h>

/* Fills out with n bytes from the kernel's generator, taken from a pool of the calling
 * thread, refilled with one system call when used up. Bytes handed out are wiped from the
 * pool. Larger requests go to the kernel directly. A child of fork starts with an empty
 * pool, so it never hands out the bytes its parent will. */
void random_bytes(void *out, size_t n);

#endif
