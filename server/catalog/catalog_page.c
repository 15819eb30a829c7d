/* catalog_page.c - owns the packed list of a search's item documents and the cutting of
 * pages from it (see catalog_page.h). */
#include "catalog/catalog_page.h"

#include <string.h>

/* The list: uint32 n, then n + 1 uint32 offsets into the documents, then the documents. */

static void put_u32(struct sbuf *out, uint32_t v)
{
	sbuf_append(out, (const char *)&v, sizeof(v));
}

static uint32_t get_u32(const char *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

void catalog_page_pack(struct sbuf *out, const char *const *docs, const size_t *lens, size_t n)
{
	put_u32(out, (uint32_t)n);
	uint32_t at = 0;
	for (size_t i = 0; i < n; i++) {
		put_u32(out, at);
		at += (uint32_t)lens[i];
	}
	put_u32(out, at);
	for (size_t i = 0; i < n; i++)
		sbuf_append(out, docs[i], lens[i]);
}

bool catalog_page_write(const char *list, size_t len, int64_t limit, int64_t offset,
			struct sbuf *out)
{
	if (len < sizeof(uint32_t) || limit < 0 || offset < 0)
		return false;
	uint32_t n = get_u32(list);
	size_t head = sizeof(uint32_t) * ((size_t)n + 2);
	if (len < head || len - head != get_u32(list + sizeof(uint32_t) * ((size_t)n + 1)))
		return false;
	const char *offsets = list + sizeof(uint32_t), *docs = list + head;
	int64_t first = offset < (int64_t)n ? offset : (int64_t)n;
	int64_t end = limit < (int64_t)n - first ? first + limit : (int64_t)n;
	sbuf_puts(out, "{\"items\" : [");
	for (int64_t i = first; i < end; i++) {
		uint32_t from = get_u32(offsets + sizeof(uint32_t) * (size_t)i);
		uint32_t to = get_u32(offsets + sizeof(uint32_t) * (size_t)(i + 1));
		if (i > first)
			sbuf_puts(out, ", ");
		sbuf_append(out, docs + from, to - from);
	}
	sbuf_printf(out, "], \"total\" : %u, \"limit\" : %lld, \"offset\" : %lld}", n,
		    (long long)limit, (long long)offset);
	return true;
}
