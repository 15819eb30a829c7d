/* paknctl.h - what the paknctl command files share. */
#ifndef PAKN_PAKNCTL_H
#define PAKN_PAKNCTL_H

#include <libpq-fe.h>

#include "core/config.h"

/* Connects (blocking); prints the error and returns NULL on failure. */
PGconn *connect_db(const struct config *cfg);

/* Runs sql with text params; prints the error and returns -1 unless it succeeds. The
 * result goes to *out if out is not NULL (caller clears). */
int exec_ok(PGconn *pg, const char *sql, int n, const char *const *params, PGresult **out);

/* official …, token …, audit …: returns the exit status, 2 for a usage error. */
int cmd_officials(const struct config *cfg, const char *cmd, int argc, char **argv);

/* log audit: returns the exit status, 2 for a usage error. */
int cmd_log(const struct config *cfg, int argc, char **argv);

#endif
