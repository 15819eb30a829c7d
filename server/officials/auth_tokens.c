/* auth_tokens.c - the parts of sign-in that the command line shares with the service:
 * role names (one, or a set) and token generation and hashing. */
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

unsigned auth_roles_parse(const char *list)
{
	unsigned roles = 0;
	const char *p = list;
	for (;;) {
		size_t n = strcspn(p, ",");
		char name[16];
		if (n == 0 || n >= sizeof(name))
			return 0;
		memcpy(name, p, n);
		name[n] = '\0';
		enum role r = auth_role_parse(name);
		if (!r || (roles & r))
			return 0;
		roles |= r;
		if (!p[n])
			return roles;
		p += n + 1;
	}
}

void auth_roles_format(unsigned roles, char out[AUTH_ROLES_MAX])
{
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (roles & role_names[i].role)
			len += (size_t)snprintf(out + len, AUTH_ROLES_MAX - len, "%s%s", len ? "," : "",
						role_names[i].name);
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

