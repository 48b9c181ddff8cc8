# MM-Interleaved from Scratch: the entry points. `make` lists them.
SHELL := /bin/bash
SWIFT ?= swift
# Release tests get their own build folder: alternating `swift build -c release` and
# `swift test -c release` in one folder would rebuild everything each time.
BIN := .build/release
# Transcripts and the book must not depend on which OpenBLAS kernel a CPU gets (the
# kernels add in different orders, and training amplifies the last bits). On CPUs with
# AVX2 we pin the Haswell kernels for them, as the reference machine does.
PINNED_BLAS := $(if $(OPENBLAS_CORETYPE),,$(if $(shell grep -m1 -ow avx2 /proc/cpuinfo \
	2>/dev/null),OPENBLAS_CORETYPE=Haswell))
APT_PACKAGES := libopenblas-dev libpng-dev pandoc texlive-xetex \
	texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended lmodern \
	fonts-dejavu-core

.PHONY: help deps build demo test book bench doctor bless clean

help:
	@echo "MM-Interleaved from Scratch"
	@echo ""
	@echo "  make demo     install what is missing, build (release), run the newest chapter"
	@echo "                in its full size (earlier chapters quick, for what it loads)"
	@echo "  make test     install what is missing, run the test suite and check every"
	@echo "                chapter's transcript against Transcripts/"
	@echo "  make book     run the chapters and build book/out/*.pdf and *.html"
	@echo "  make bench    speed of matmul, elementwise ops and autograd bookkeeping"
	@echo "  make doctor   self-check to paste into a bug report"
	@echo "  make deps     install missing system packages (apt; uses sudo if not root)"
	@echo "  make bless    accept the chapters' current transcripts as the expected ones"
	@echo "  make clean    remove build products and the built book"
	@echo ""
	@echo "  One chapter:  swift run -c release Chapter01 [--full] [--seed N] [--threads N]"

deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" \
	    || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "deps: all system packages present"; exit 0; fi; \
	echo "deps: installing$$missing"; \
	if ! command -v apt-get >/dev/null; then \
	  echo "deps: no apt-get here. Install by hand:$$missing" >&2; exit 1; fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=""; \
	elif command -v sudo >/dev/null; then SUDO="sudo"; \
	else echo "deps: not root and no sudo. As root run: apt-get install$$missing" >&2; \
	  exit 1; fi; \
	export DEBIAN_FRONTEND=noninteractive; \
	$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $$missing >/dev/null \
	  || { echo "deps: apt-get failed; run: sudo apt-get install$$missing" >&2; exit 1; }; \
	echo "deps: done"

build: deps
	$(SWIFT) build -c release

CHAPTERS := $(sort $(notdir $(wildcard Chapters/Chapter*)))

# The newest chapter in its full size; the earlier ones run first in their quick size,
# because later chapters load what earlier ones save (Chapter 4 reads Chapter 3's encoder).
demo: build
	@for chapter in $(filter-out $(lastword $(CHAPTERS)),$(CHAPTERS)); do \
	  echo "== $$chapter (quick)"; $(BIN)/$$chapter > /dev/null || exit 1; done
	$(BIN)/$(lastword $(CHAPTERS)) --full

test: build
	$(SWIFT) test
	$(PINNED_BLAS) $(BIN)/BookBuilder check-transcripts --bin-path $(BIN)

bless: build
	$(PINNED_BLAS) $(BIN)/BookBuilder check-transcripts --bin-path $(BIN) --bless

book: build
	$(PINNED_BLAS) $(BIN)/BookBuilder build --bin-path $(BIN)

bench: build
	$(BIN)/Bench

doctor: build
	$(BIN)/Doctor

clean:
	rm -rf .build .build-* book/build book/out
