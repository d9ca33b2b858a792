# src/mime/local.mk: build rules for the mime module.
