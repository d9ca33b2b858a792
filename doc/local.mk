# doc/local.mk: manual pages.
