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

/* Folds text for matching: lower case, Vietnamese (and other Latin) diacritics removed,
 * "đ" read as "d", combining marks dropped, runs of white space made one space, trimmed.
 * Returns a new NUL-terminated string the caller frees, or NULL if the input is not valid
 * UTF-8 or memory ran out. */
char *text_fold(const char *s, size_t len);

/* The form text is searched in: text_fold, then every ASCII punctuation mark made a space
 * and spaces collapsed, so "(LGSP)" and "“đúng, đủ”" hold the words lgsp, dung, du.
 * Returns a new string (possibly ""), or NULL on invalid UTF-8. */
char *text_search_key(const char *s, size_t len);

/* Brings UTF-8 text to Normalization Form C for the Latin script: every Vietnamese letter,
 * typed precomposed or as a base letter with combining marks in any order, comes out
 * precomposed. Characters outside the Latin tables (other scripts) are kept as they are.
 * Returns a new NUL-terminated string (its length in *outlen), or NULL if the input is not
 * valid UTF-8 or memory ran out. */
char *text_nfc(const char *s, size_t len, size_t *outlen);

#endif
