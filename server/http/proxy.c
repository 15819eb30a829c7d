/* proxy.c - owns the trusted proxy list and the choice of the client address (see proxy.h). */
#include "http/proxy.h"
#include "core/xalloc.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct addr {
	int family;
	unsigned char bytes[16];
};

struct proxy_trust {
	size_t n;
	struct addr addrs[];
};

static bool parse_addr(const char *s, size_t len, struct addr *a)
{
	char buf[PROXY_ADDR_LEN];
	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, a->bytes) == 1) {
		a->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, buf, a->bytes) == 1) {
		a->family = AF_INET6;
		return true;
	}
	return false;
}

struct proxy_trust *proxy_trust_new(const char *list, char *err, size_t errlen)
{
	size_t max = strlen(list) / 2 + 1;
	struct proxy_trust *t = xcalloc(1, sizeof(*t) + max * sizeof(struct addr));
	for (const char *p = list + strspn(list, ", \t"); *p; p += strspn(p, ", \t")) {
		size_t len = strcspn(p, ", \t");
		if (!parse_addr(p, len, &t->addrs[t->n])) {
			snprintf(err, errlen, "trusted_proxies: '%.*s' is not an IP address", (int)len, p);
			free(t);
			return NULL;
		}
		t->n++;
		p += len;
	}
	return t;
}

void proxy_trust_free(struct proxy_trust *t)
{
	free(t);
}

static bool trusted(const struct proxy_trust *t, const char *peer)
{
	struct addr a;
	if (!t || t->n == 0 || !parse_addr(peer, strlen(peer), &a))
		return false;
	for (size_t i = 0; i < t->n; i++)
		if (t->addrs[i].family == a.family &&
		    memcmp(t->addrs[i].bytes, a.bytes, a.family == AF_INET ? 4 : 16) == 0)
			return true;
	return false;
}

bool proxy_is_trusted(const struct proxy_trust *t, const char *peer)
{
	return trusted(t, peer);
}

/* Copies s (len bytes, spaces trimmed) to out if it is an address. */
static bool take(const char *s, size_t len, char out[PROXY_ADDR_LEN])
{
	while (len && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	struct addr a;
	if (!parse_addr(s, len, &a))
		return false;
	memcpy(out, s, len);
	out[len] = '\0';
	return true;
}

void proxy_client_address(const struct proxy_trust *t, const char *peer, const char *real_ip,
			  const char *forwarded_for, char out[PROXY_ADDR_LEN])
{
	if (trusted(t, peer)) {
		if (real_ip && take(real_ip, strlen(real_ip), out))
			return;
		if (forwarded_for) {
			const char *last = strrchr(forwarded_for, ',');
			last = last ? last + 1 : forwarded_for;
			if (take(last, strlen(last), out))
				return;
		}
	}
	snprintf(out, PROXY_ADDR_LEN, "%s", peer);
}

void proxy_client_key(const char *address, char key[PROXY_ADDR_LEN])
{
	static const unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	struct addr a;
	if (!parse_addr(address, strlen(address), &a)) {
		snprintf(key, PROXY_ADDR_LEN, "%s", address);
		return;
	}
	if (a.family == AF_INET6 && memcmp(a.bytes, v4_mapped, sizeof(v4_mapped)) == 0) {
		inet_ntop(AF_INET, a.bytes + 12, key, PROXY_ADDR_LEN);
		return;
	}
	if (a.family == AF_INET) {
		inet_ntop(AF_INET, a.bytes, key, PROXY_ADDR_LEN);
		return;
	}
	memset(a.bytes + 8, 0, 8);
	inet_ntop(AF_INET6, a.bytes, key, PROXY_ADDR_LEN - 4);
	strcat(key, "/64");
}
