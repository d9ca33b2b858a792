# src/imap/local.mk: build rules for the imap module.
