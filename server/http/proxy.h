/* proxy.h - the client's address behind a reverse proxy. X-Real-IP and X-Forwarded-For are
 * believed only on connections from an address listed in trusted_proxies (nginx's, in a
 * deployment): from anyone else they are ignored, since anyone can write them. The client
 * address, by proxy_client_key, keys the rate limits, the duplicate check and the scope of
 * idempotency keys (feedback, sign-in). */
#ifndef PAKN_PROXY_H
#define PAKN_PROXY_H

#include <stdbool.h>
#include <stddef.h>

#define PROXY_ADDR_LEN 64

struct proxy_trust;

/* Parses a comma- or space-separated list of IPv4 and IPv6 addresses ("" trusts none).
 * NULL with a message in err when an entry is not an address. */
struct proxy_trust *proxy_trust_new(const char *list, char *err, size_t errlen);
void proxy_trust_free(struct proxy_trust *t);

/* True when peer (an address as text) is one of the trusted proxies. */
bool proxy_is_trusted(const struct proxy_trust *t, const char *peer);

/* The client's address: peer, unless peer is trusted and a header names a well-formed
 * address (X-Real-IP first, else the last address of X-Forwarded-For, the one the proxy
 * added). real_ip and forwarded_for may be NULL. */
void proxy_client_address(const struct proxy_trust *t, const char *peer, const char *real_ip,
			  const char *forwarded_for, char out[PROXY_ADDR_LEN]);

/* The key that per-client limits and scopes count under, as text: an IPv4 address whole
 * ("203.0.113.7"), an IPv6 address by its first 64 bits ("2001:db8:1:2::/64"), since one
 * subscriber is routinely given a whole /64 and could otherwise take a fresh limit per
 * address. An IPv4-mapped IPv6 address counts as its IPv4 address. Text that is not an
 * address is copied as it is (truncated to fit). */
void proxy_client_key(const char *address, char key[PROXY_ADDR_LEN]);

#endif
