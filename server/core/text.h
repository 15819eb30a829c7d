/* text.h - UTF-8 validation and decoding, and the folding that makes search ignore case
 * and Vietnamese diacritics. Pure functions: no allocation except where stated. */
#ifndef PAKN_TEXT_H
#define PAKN_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes one code point from s (len bytes available). Returns the number of bytes used
 * (1-4), or 0 if the bytes there are not well-formed UTF-8 (overlong forms, surrogates and
 * values above U+10FFFF are not). */
size_t utf8_decode(const uint8_t *s, size_t len, uint32_t *cp);

/* Writes cp (a valid code point) as UTF-8; returns the number of bytes (1-4). */
size_t utf8_encode(uint32_t cp, char out[4]);

/* True when the len bytes at s are well-formed UTF-8 with no NUL byte. */
bool utf8_is_valid(const uint8_t *s, size_t len);

/* Number of code points in well-formed UTF-8 text (call utf8_is_valid first). */
size_t utf8_length(const uint8_t *s, size_t len);

/* The length of the longest prefix of the len bytes at s that is at most max bytes and
 * does not end inside a UTF-8 sequence: where text may be cut. */
size_t utf8_cut(const char *s, size_t len, size_t max);

/* The most bytes of a client's text an error message quotes (cut with utf8_cut), so that a
 * message fits its buffer whole and stays UTF-8 in a JSON reply. */
#define TEXT_QUOTE_MAX 64

/* Folds text for matching: lower case, Vietnamese (and other Latin) diacritics removed,
 * "đ" read as "d", combining marks dropped, runs of white space made one space, trimmed.
 * Returns a new NUL-terminated string the caller frees, or NULL if the input is not valid
 * UTF-8 or memory ran out. */
char *text_fold(const char *s, size_t len);

/* The form text is searched in: text_fold, then every ASCII punctuation mark made a space
 * and spaces collapsed, so "(LGSP)" and "“đúng, đủ”" hold the words lgsp, dung, du.
 * Returns a new string (possibly ""), or NULL on invalid UTF-8. */
char *text_search_key(const char *s, size_t len);

/* Unicode's Stream-Safe Text Format (UAX #15, section 13): no more than this many
 * non-starters (combining class not 0, counted in the canonical decomposition) in a row.
 * Real text has at most a few; longer runs only cost the normaliser work. */
#define TEXT_MAX_NONSTARTERS 30

/* text_nfc composes at most this many code points into one (a letter and two marks), so
 * text of more than TEXT_NFC_MAX_SHRINK * n code points is still longer than n after it:
 * a length limit can be checked before normalising. */
#define TEXT_NFC_MAX_SHRINK 3

/* True when well-formed UTF-8 text (call utf8_is_valid first) has no run of more than
 * TEXT_MAX_NONSTARTERS non-starters. */
bool text_is_stream_safe(const char *s, size_t len);

/* True when well-formed UTF-8 text shows nothing: it is empty or made only of white space
 * (Unicode White_Space) and characters that are invisible by definition (Unicode
 * Default_Ignorable_Code_Point: zero-width space and joiners, word joiner, byte order mark,
 * combining grapheme joiner, variation selectors, ...) or drawn blank (U+2800). */
bool text_is_blank(const char *s, size_t len);

/* Brings UTF-8 text to Normalization Form C for the Latin script: every Vietnamese letter,
 * typed precomposed or as a base letter with combining marks in any order, comes out
 * precomposed. Characters outside the Latin tables (other scripts) are kept as they are.
 * Time grows as len log len at worst, whatever order the marks come in.
 * Returns a new NUL-terminated string (its length in *outlen), or NULL if the input is not
 * valid UTF-8 or memory ran out. */
char *text_nfc(const char *s, size_t len, size_t *outlen);

/* The two kinds of identifier the plan uses, checked wherever one comes in (intake, query
 * parameters, moderation, paknctl). */
#define ITEM_CODE_MAX 64    /* bytes of a plan or item code */
#define AGENCY_CODE_MAX 160 /* bytes of an agency code */
/* True for a plan or item code: 1 to ITEM_CODE_MAX of A-Z, 0-9, '-' and '.'. */
bool text_is_item_code(const char *s);
/* True for an agency code (a slug such as lc-so-khoa-hoc-va-cong-nghe): 1 to
 * AGENCY_CODE_MAX of a-z, 0-9 and '-'. */
bool text_is_agency_code(const char *s);

/* A host as a URL or a Host header names it: a DNS name or IPv4 address (letters, digits,
 * dots, hyphens) or a bracketed IPv6 address, then optionally ":" and a port of 1 to 5
 * digits; at most TEXT_HOST_MAX bytes. Nothing else (no user, path, space or quote). */
#define TEXT_HOST_MAX 255
bool text_is_host(const char *s);

#endif
