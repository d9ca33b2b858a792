# tests/local.mk: integration, UI and fuzz tests.
