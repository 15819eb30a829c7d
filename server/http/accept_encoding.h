/* accept_encoding.h - which content codings a client takes, read from its Accept-Encoding
 * header (RFC 9110 §12.5.3), so that webfiles.c can send a precompressed copy. Pure. */
#ifndef PAKN_ACCEPT_ENCODING_H
#define PAKN_ACCEPT_ENCODING_H

/* The codings a precompressed file can have, in the server's order of preference
 * (smallest first); identity is the file as written. */
enum coding {
	CODING_BR,       /* brotli: "br" */
	CODING_GZIP,     /* gzip (or its alias x-gzip) */
	CODING_IDENTITY, /* no coding */
	CODING_COUNT,
};

/* Bit (1u << coding) is set for each coding the header accepts: one it names with a q
 * above 0, or one it does not name when "*" has a q above 0. identity is accepted unless
 * refused ("identity;q=0", or "*;q=0" without naming it). A missing (NULL) header accepts
 * only identity: a client that says nothing gets the bytes as written. */
unsigned accept_encoding_parse(const char *header);

/* The header's token for a coding ("br", "gzip"), or NULL for identity. */
const char *accept_encoding_name(enum coding c);

#endif
