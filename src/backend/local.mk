# src/backend/local.mk: build rules for the backend module.
