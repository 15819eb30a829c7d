/* assisted.h - assisted intake: an official enters feedback a citizen sent by phone,
 * letter, e-mail or at the desk, and the citizen gets the same signed receipt and tracking
 * code as from the web form (docs/moderation.md, "Assisted intake"). */
#ifndef PAKN_ASSISTED_H
#define PAKN_ASSISTED_H

#include "http/http.h"

void assisted_intake(struct http_req *req); /* POST /api/v1/moderation/intake */

#endif
