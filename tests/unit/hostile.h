/* hostile.h: hostile mail made to order (inputs built to make skua slow or hungry) and the cost
 * measurements that show it stays linear on them; for the unit tests and bench/bench-hostile. */
#ifndef TESTS_UNIT_HOSTILE_H
#define TESTS_UNIT_HOSTILE_H

#include "skua.h"
#include "lib/buf.h"

/* --- measuring --- */

/* CPU seconds the calling thread has used (CLOCK_THREAD_CPUTIME_ID: other processes do not count). */
double hostile_cpu(void);
/* Bytes the allocator has handed out and not taken back (ASan's count under ASan, else mallinfo2). */
size_t hostile_heap(void);

/* Work that depends on a size: fn(arg, n) builds nothing itself (the input is made before timing). */
typedef void hostile_work_fn(void *arg, size_t n);

/* The least CPU time of `runs` calls of fn(arg, n). */
double hostile_cost(hostile_work_fn *fn, void *arg, size_t n, int runs);

/* Whether fn is linear in n: doubles n (from n0, up to n_max; 0: no limit) until one call costs at
 * least min_seconds (so that the clock's granularity and noise do not matter), then compares the
 * least of a few runs at n and at 4n. Returns cost(4n) / cost(n) (about 4 when linear, 16 when
 * quadratic); *n_r (may be NULL) is the n it settled on. Prints a "# what: ..." line with the
 * figures. n_max keeps the data of 4n in the CPU's caches when the work reads it at random (a table
 * probe): past them each access costs more, and a linear function looks worse than it is. */
double hostile_ratio(const char *what, hostile_work_fn *fn, void *arg, size_t n0, size_t n_max,
		     double min_seconds, size_t *n_r);

/* The largest cost(4n) / cost(n) a linear function is allowed in these tests: 4 plus room for cache
 * effects and noise, well below the 16 of a quadratic one. */
#define HOSTILE_MAX_RATIO 6.0

/* --- inputs (each appended to out) --- */

/* A message whose text/html body is n stray '<' (issue 15: the HTML converter was quadratic). */
void hostile_html_lt(struct buf *out, size_t n);

/* A header value of n encoded words cycling through ncharsets (at most 16) different charsets, each
 * word with an 8-bit character so that it must go through iconv. */
void hostile_ew_charsets(struct buf *out, size_t n, size_t ncharsets);

/* A message id (without <>) whose first 16-byte block begins with the 8 bytes of wyhash's constant P1:
 * the unkeyed hash the folder index used made every such id of the same length collide. i tells
 * them apart. */
void hostile_p1_id(struct buf *out, size_t i);

/* A line of n "http://-" (the pager's link finder rescanned the run from each 'h'). */
void hostile_url_run(struct buf *out, size_t n);
/* n distinct URLs, one a line, whose 64-bit FNV-1a hashes agree in their low 16 bits (the pager's
 * link table used unseeded FNV-1a). n <= 65536. */
void hostile_fnv_urls(struct buf *out, size_t n);

/* A message of `levels` nested multipart/mixed, each claiming Content-Transfer-Encoding
 * quoted-printable (message_rfc822: message/rfc822 parts instead), around text_bytes of text. */
void hostile_nested(struct buf *out, size_t levels, size_t text_bytes, bool message_rfc822);

#endif
