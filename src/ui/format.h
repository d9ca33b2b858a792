/* format.h: mutt-style index_format expansion into index lines of an exact width; thread-tree prefixes. */
#ifndef UI_FORMAT_H
#define UI_FORMAT_H

#include "skua.h"
#include "lib/buf.h"
#include "model/sort.h"

/* Message flags for %Z. The first six have the values of enum imap_flag, so IMAP flags copy over. */
#define FORMAT_SEEN (1u << 0)
#define FORMAT_ANSWERED (1u << 1)
#define FORMAT_FLAGGED (1u << 2)
#define FORMAT_DELETED (1u << 3)
#define FORMAT_DRAFT (1u << 4)
#define FORMAT_RECENT (1u << 5)
#define FORMAT_TAGGED (1u << 8)
#define FORMAT_OLD (1u << 9)         /* unread, but already listed in an earlier session */
#define FORMAT_ATTACHMENT (1u << 10) /* has attachments (as far as is known) */

/* One index line's worth of a message. Strings are decoded UTF-8 (sanitising happens here), borrowed
 * for the call, and may be NULL. */
struct format_msg {
	size_t number;        /* %C: position in the index, from 1 */
	uint32_t flags;       /* FORMAT_* */
	int64_t date;         /* epoch seconds, -1 unknown */
	int64_t size;         /* bytes, -1 unknown */
	long lines;           /* body lines, -1 unknown */
	unsigned attachments; /* %X */
	const char *from_name, *from_addr;
	const char *to_name, *to_addr; /* the first recipient */
	const char *subject;
	const char *tree;     /* thread-tree prefix %s draws before the subject (format_tree_*) */
	const char *list_id;  /* List-Id value, e.g. "Skua devel <skua-devel.lists.example.org>" */
};

struct format_opts {
	/* the user's own addresses (case-insensitive), and/or a callback (true: addr is the user's) */
	const char *const *own_addresses;
	size_t n_own;
	bool (*is_own)(const char *addr, void *ctx);
	void *own_ctx;
	const char *date_format; /* strftime format for %d; NULL: "%Y-%m-%d %H:%M" */
};

/* A compiled format. Conversions (mutt's index_format, in display columns):
 *   %[-][0][MIN][.MAX]X: MIN pads (on the left unless '-'; '0' pads numbers with zeros), MAX cuts.
 *   %C number   %Z flags: 3 columns: D deleted / N new / O old unread / r replied; * tagged /
 *                                     ! flagged; @ attachments
 *   %d date ($date_format)   %{FMT} or %[FMT] date with a strftime format (local time)
 *   %n sender's name (or address)   %a sender's address   %t first recipient
 *   %F sender, or "To <recipient>" when the sender is the user
 *   %L "To <list>" for list mail, else as %F   %y list name (from List-Id)
 *   %s tree and subject   %c size (1.2K, 34K, 1.1M)   %l lines ("?" unknown)   %X attachments
 *   %% '%'   %>X right-justify the rest, filling with X   %|X fill the rest of the line with X
 *   %?X?THEN?  %?X?THEN&ELSE?  THEN when X is non-empty / non-zero, else ELSE (no nesting)
 * Returns 0 and *fmt_r (free with format_free), or -1 with a translated *error_r (valid until the
 * thread's next errstr calls). Any thread. */
struct format;
int format_compile(const char *spec, struct format **fmt_r, const char **error_r);
void format_free(struct format **fmt);

/* Appends msg expanded with fmt, sanitised and exactly `cols` columns wide (cut or padded). Time:
 * O(length of the line), whatever the folder's size. opts may be NULL. UI thread or any (reads only;
 * %d and %{} use localtime_r). */
void format_line(const struct format *fmt, const struct format_msg *msg, const struct format_opts *opts,
		 size_t cols, struct buf *out);

/* Writes a size in mutt's style ("999", "1.2K", "34K", "1.1M", "12M", "1.5G"; "?" when negative)
 * to buf (size >= 8). Returns buf. Any thread. */
char *format_size(int64_t bytes, char *buf, size_t size);

/* Extracts a short list name from a List-Id value: the part of the <id> before its first '.'
 * ("skua-devel" from "Skua <skua-devel.lists.example.org>"). Returns a malloc'd string; "" when
 * nothing usable. Any thread. */
char *format_list_name(const char *list_id);

/* --- thread trees --- */

/* Appends the tree prefix of a message at `depth` (0: a thread root; nothing is appended).
 * more[i] (i < depth) tells whether the node at depth i+1 on the path from the root to the message
 * (for i = depth-1, the message itself) has a later sibling. Each ancestor level takes 2 columns
 * ("│ " or "  "), the message's own connector 3 ("├─>" or "└─>"); ascii uses "| ", "|->", "`->".
 * Any thread. */
void format_tree_prefix(struct buf *out, unsigned depth, const bool *more, bool ascii);

/* For display lines in sort_messages order (a line's parent is the nearest earlier line one level
 * shallower), fills parent_r[i] (SIZE_MAX for a root) and more_r[i] (line i has a later sibling),
 * both arrays of n the caller provides. O(n). Any thread. */
void format_tree_links(const struct sort_line *lines, size_t n, size_t *parent_r, bool *more_r);

/* Appends the tree prefix of line i from the arrays format_tree_links filled. O(depth). Any
 * thread. */
void format_tree_line(struct buf *out, const size_t *parent, const bool *more, size_t i, bool ascii);

#endif
