# src/cfg/local.mk: build rules for the cfg module.
