/* catalog_page.h - the items of one search, kept once and cut into pages in C.
 *
 * GET /api/v1/items takes limit and offset besides its filters. Keeping each page as its own
 * reply let a client that varied them (offset 0..119 times limit 1..200 is 24,000 pages of
 * one search) make every request a miss that had PostgreSQL build a page of up to 200
 * documents. So what is kept is the whole ordered list of a search's item documents (each
 * stored at import in plan_item.doc), under the filters alone, and every page is cut from it
 * here: the work per request is copying at most limit documents, whatever the offset. */
#ifndef PAKN_CATALOG_PAGE_H
#define PAKN_CATALOG_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

/* Writes the n documents docs[i] (lens[i] bytes each, JSON text, in order) into out as one
 * list that catalog_page_write cuts (binary: a count, n + 1 offsets, the documents). */
void catalog_page_pack(struct sbuf *out, const char *const *docs, const size_t *lens, size_t n);

/* Appends to out the reply for one page of a packed list: exactly the bytes PostgreSQL's
 * json_build_object('items', json_agg(doc), 'total', n, 'limit', limit, 'offset', offset)
 * gave, so replies did not change when the pages moved here. An offset past the end gives
 * no items. Returns false, appending nothing, when list is not what catalog_page_pack
 * wrote. */
bool catalog_page_write(const char *list, size_t len, int64_t limit, int64_t offset,
			struct sbuf *out);

#endif
