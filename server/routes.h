/* routes.h - the routing table: every method and path the service answers. */
#ifndef PAKN_ROUTES_H
#define PAKN_ROUTES_H

#include <stddef.h>

#include "http/http_router.h"

extern const struct route routes[];
extern const size_t nroutes;

#endif
