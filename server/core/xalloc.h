/* xalloc: the one allocation policy. Running out of memory in a server that sizes its
 * pools at start is not a request's fault and leaves nothing sensible to do, so the x*
 * family logs one line and aborts instead of threading "out of memory" up every caller
 * (Redis zmalloc, Git xmalloc). Only allocations sized by a client's input, where a failure
 * means "this one request is too big", use the xtry_* family, which returns NULL; the
 * caller refuses that request. xalloc_fail_after lets unit tests make the Nth xtry_*
 * allocation fail, so those refusal paths are exercised. */
#ifndef PAKN_XALLOC_H
#define PAKN_XALLOC_H

#include <stddef.h>

/* Never return NULL: on failure, write one JSON log line to stderr and abort(). */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Return NULL on failure (errno ENOMEM), leaving p untouched for xtry_realloc. For sizes a
 * client chooses; the caller turns NULL into a refusal of that request. */
void *xtry_malloc(size_t n);
void *xtry_realloc(void *p, size_t n);
char *xtry_strndup(const char *s, size_t n);

/* Test hook: the next n xtry_* calls succeed and the one after fails, as do all later ones
 * until the hook is reset; n < 0 (the default) never fails. */
void xalloc_fail_after(long n);

#endif
