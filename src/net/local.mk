# src/net/local.mk: build rules for the net module.
