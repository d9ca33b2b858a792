/* mailcap.h: finding an RFC 1524 mailcap viewer for a content type and expanding its command safely. */
#ifndef UI_MAILCAP_H
#define UI_MAILCAP_H

#include "skua.h"
#include "lib/buf.h"

/* Named limits. */
#define MAILCAP_MAX_FILE (1024 * 1024) /* bytes of one mailcap file read; the rest is ignored */
#define MAILCAP_MAX_ENTRIES 10000      /* entries kept from one file */
#define MAILCAP_TEST_TIMEOUT_MS 2000   /* a test= command running longer counts as failed */

struct mailcap_entry {
	char *type;          /* "type/subtype", "type/" plus a star, or "type", as written */
	char *command;       /* the view command, as written (backslash escapes and %-codes still in) */
	char *test;          /* the test= command, or NULL */
	bool copiousoutput;  /* the command writes text meant for a pager */
	bool needsterminal;
};

/* Parses mailcap text (comments, blank lines and "\" line continuations; fields separated by ';'
 * that no backslash escapes). Entries without a command are skipped; at most MAILCAP_MAX_ENTRIES.
 * Returns the number of entries; *list_r is malloc'd (free with mailcap_entries_free). Any thread. */
size_t mailcap_parse(const char *text, size_t len, struct mailcap_entry **list_r);
/* Frees the n entries of *list and the array, and sets *list to NULL. */
void mailcap_entries_free(struct mailcap_entry **list, size_t n);

/* True when an entry's type pattern ("text/plain", "text/" plus a star, "text") covers content_type
 * (lowercase "type/subtype"); case-insensitive. Any thread. */
bool mailcap_type_matches(const char *pattern, const char *content_type);

/* Expands a mailcap command (or test) into a /bin/sh command line: "%s" becomes path, "%t" the
 * content type, "%{param}" an empty word, "%%" a '%', "\x" the character x. path and content_type
 * are inserted only when made of [A-Za-z0-9/._+-] (path is the caller's own temporary file; a type
 * with other characters is replaced by "application/octet-stream"), and are single-quoted where
 * the command has them outside quotes, so they stay one word whatever the entry looks like.
 * *used_path_r (may be NULL) tells whether "%s" appeared (else the file goes to the command's stdin,
 * as RFC 1524 says). Returns a malloc'd string, or NULL when path has other characters. Any
 * thread. */
char *mailcap_expand(const char *command, const char *path, const char *content_type, bool *used_path_r);

/* True when s is made only of the characters mailcap_expand inserts without question. */
bool mailcap_safe_word(const char *s);

/* Finds the viewer for content_type in the mailcap files: $MAILCAPS (colon-separated) when set, else
 * ~/.mailcap then /etc/mailcap. The first matching entry (copiousoutput or not) whose test passes
 * wins (tests run through /bin/sh, at most MAILCAP_TEST_TIMEOUT_MS each). Returns true and *entry_r
 * (the caller frees its strings with mailcap_entry_clear), or false. UI thread when viewing (a test
 * may run a command; bounded). */
bool mailcap_find(const char *content_type, struct mailcap_entry *entry_r);
void mailcap_entry_clear(struct mailcap_entry *entry);

#endif
