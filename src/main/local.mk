# src/main/local.mk: the skua program.
bin_PROGRAMS += skua
skua_SOURCES = src/main/main.c
skua_LDADD = $(CLI_LIBS) $(GPGME_LIBS) $(NOTMUCH_LIBS)
