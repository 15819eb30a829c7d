/* second_factor.h - officials' second factor over HTTP (docs/moderation.md, "The second
 * factor"): enrolment in a TOTP app and the check of a TOTP or recovery code, which moves
 * a browser session past auth_require's second-factor gate. Both take a session that has
 * not passed it yet (AUTH_PENDING); bearer tokens, issued by the operator, get 403. */
#ifndef PAKN_SECOND_FACTOR_H
#define PAKN_SECOND_FACTOR_H

#include "http/http.h"

/* POST /api/v1/auth/totp/enrol: a new secret for an official without a second factor
 * (starting again replaces one not yet confirmed): {"secret", "uri", "qr_svg"}, never
 * cached; 409 already_enrolled once confirmed. */
void second_factor_enrol(struct http_req *req);

/* POST /api/v1/auth/totp/verify {"code"} or {"recovery_code"}: the session passes its
 * second factor. The first right code after enrolment confirms it and answers the
 * recovery codes, shown only then. Wrong or replayed: 401 invalid_code, audited and
 * counted like failed passwords (429 too_many_attempts). */
void second_factor_verify(struct http_req *req);

#endif
