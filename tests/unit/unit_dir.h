/* unit_dir.h - a test's temporary key directory: made with fresh keys, and removed, for
 * the unit tests that need one (tests/unit/<folder>/test_*.c). */
#ifndef PAKN_UNIT_DIR_H
#define PAKN_UNIT_DIR_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/keys.h"

/* Removes dir and what is in it, directories included. */
static inline void unit_rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	char path[600];
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		int n = snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (n < 0 || (size_t)n >= sizeof(path))
			continue;
		struct stat st;
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			unit_rm_dir(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* Makes a directory named after name under $PAKN_TEST_TMP (or /tmp) into dir and new keys
 * in it; NULL if either fails. */
static inline struct keyring *unit_keys_new(const char *name, char *dir, size_t dirlen)
{
	const char *root = getenv("PAKN_TEST_TMP");
	snprintf(dir, dirlen, "%s/%s.XXXXXX", root ? root : "/tmp", name);
	char err[512];
	return mkdtemp(dir) ? keys_load(dir, true, err, sizeof(err)) : NULL;
}

#endif
