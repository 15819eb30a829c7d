/* auth_tokens.c - the parts of sign-in that the command line shares with the service:
 * role names and token generation and hashing. */
#include "officials/auth.h"

#include <string.h>

#include <sodium.h>

static const struct {
	const char *name;
	enum role role;
} role_names[] = {
	{"admin", ROLE_ADMIN},
	{"moderator", ROLE_MODERATOR},
	{"responder", ROLE_RESPONDER},
	{"analyst", ROLE_ANALYST},
};

enum role auth_role_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (strcmp(role_names[i].name, name) == 0)
			return role_names[i].role;
	return 0;
}

void auth_token_hash(const char *token, char hash[65])
{
	uint8_t h[32];
	crypto_generichash(h, sizeof(h), (const uint8_t *)token, strlen(token), NULL, 0);
	sodium_bin2hex(hash, 65, h, sizeof(h));
}

void auth_token_new(char out[44], char hash[65])
{
	uint8_t raw[32];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, 44, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	auth_token_hash(out, hash);
}

