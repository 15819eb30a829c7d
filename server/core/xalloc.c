/* xalloc: allocation that aborts on failure, and the counted "try" allocation for
 * client-sized buffers (policy in xalloc.h). */
#include "core/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Written with write(2) because formatting a log line could itself need memory. */
static _Noreturn void out_of_memory(void)
{
	static const char line[] =
		"{\"level\":\"error\",\"msg\":\"out of memory: aborting\"}\n";
	ssize_t r = write(STDERR_FILENO, line, sizeof(line) - 1);
	(void)r;
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *np = realloc(p, n ? n : 1);
	if (!np)
		out_of_memory();
	return np;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		out_of_memory();
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);
	if (!p)
		out_of_memory();
	return p;
}

/* Calls left before the hook fails one; negative when off. Unit tests are single-threaded,
 * and in the server it stays -1, so the read costs one predictable branch. */
static long fail_countdown = -1;

void xalloc_fail_after(long n)
{
	fail_countdown = n;
}

static int try_should_fail(void)
{
	if (fail_countdown < 0)
		return 0;
	if (fail_countdown == 0) {
		errno = ENOMEM;
		return 1;
	}
	fail_countdown--;
	return 0;
}

void *xtry_malloc(size_t n)
{
	return try_should_fail() ? NULL : malloc(n ? n : 1);
}

void *xtry_realloc(void *p, size_t n)
{
	return try_should_fail() ? NULL : realloc(p, n ? n : 1);
}

char *xtry_strndup(const char *s, size_t n)
{
	return try_should_fail() ? NULL : strndup(s, n);
}
