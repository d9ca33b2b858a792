# bench/local.mk: `make bench` prints figures (never pass/fail): skua against the raw IMAP floor,
# NeoMutt and Mutt on a private Dovecot (10,000 and 100,000 messages; cold, warm and after changes; on
# loopback and through a delay proxy adding 50 ms RTT), and what hostile mail of about 1 MB costs
# (bench/bench-hostile, built only for `make bench`). See bench/run-bench.
EXTRA_DIST += bench/run-bench bench/rawfetch.py bench/delay-proxy.py bench/changes.py \
	scripts/setup-deps scripts/test scripts/demo scripts/update-potfiles

EXTRA_PROGRAMS = bench/bench-hostile
bench_bench_hostile_SOURCES = bench/bench-hostile.c tests/unit/hostile.c tests/unit/hostile.h
bench_bench_hostile_LDADD = $(UI_LIBS)
CLEANFILES = bench/bench-hostile$(EXEEXT)

.PHONY: bench
bench: skua$(EXEEXT) bench/bench-hostile$(EXEEXT)
	SKUA="$(abs_top_builddir)/skua$(EXEEXT)" SKUA_SRCDIR="$(abs_top_srcdir)" \
	SKUA_BENCH_HOSTILE="$(abs_top_builddir)/bench/bench-hostile$(EXEEXT)" \
	PYTHON3="$(PYTHON3)" $(SHELL) $(abs_top_srcdir)/bench/run-bench
