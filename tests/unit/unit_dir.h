/* unit_dir.h - removing a test's temporary key directory, for the unit tests that make
 * one (tests/unit/<folder>/test_*.c). */
#ifndef PAKN_UNIT_DIR_H
#define PAKN_UNIT_DIR_H

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

#endif
