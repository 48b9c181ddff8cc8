# MM-Interleaved from Scratch: the entry points. `make` lists them.
SHELL := /bin/bash
SWIFT ?= swift
# Where `swift build -c release` puts the chapters and the tools.
BIN := .build/release
# System packages the project needs (`make deps` installs the missing ones).
APT_PACKAGES := libopenblas-dev libpng-dev pandoc epubcheck texlive-xetex \
	texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended lmodern \
	fonts-dejavu-core

.PHONY: help deps build demo test book docs bench bench-peer parity twin-venv twin-train \
	doctor bless clean

help:
	@echo "MM-Interleaved from Scratch"
	@echo ""
	@echo "  make demo     install what is missing, build (release), train MMI-Tiny:"
	@echo "                Chapter 9 in its full size on two cores (~45 min; first the full"
	@echo "                runs of Chapters 2, 3 and 6 it starts from, if missing: ~9 min),"
	@echo "                then Generate continues a document with the trained model"
	@echo "  make test     install what is missing, run the test suite and check every"
	@echo "                chapter's transcript against Transcripts/"
	@echo "  make book     run the chapters and build book/out/*.pdf, *.html and *.epub,"
	@echo "                each checked (glyphs and margins, links, epubcheck); also the"
	@echo "                teacher's edition (*-teacher.pdf, .html: a guide, the solutions)"
	@echo "  make docs     the library's API reference (DocC) in book/out/api"
	@echo "  make bench    speed of matmul, elementwise ops and autograd bookkeeping"
	@echo "  make bench-peer  the whole training step, DDIM and decoding beside the PyTorch"
	@echo "                peer (../shared/peer), measured back to back at 1 and 2 threads;"
	@echo "                records the table for Appendix A in Results/appA-peer.md"
	@echo "  make parity   the PyTorch twin (Reference/, optional) recomputes every part of"
	@echo "                MMI-Tiny and every checkpoint: OK / NOT OK per case, then ALL OK"
	@echo "                (first run: a Python environment with torch's CPU build, ~200 MB)"
	@echo "  make twin-train  ours and the twin train on the same batches, the twin"
	@echo "                again on two processes (torchrun, DDP); Generate runs on"
	@echo "                the weights the twin trained (~3 min)"
	@echo "  make doctor   self-check to paste into a bug report"
	@echo "  make deps     install missing system packages (apt; uses sudo if not root)"
	@echo "  make bless    accept the chapters' current transcripts as the expected ones"
	@echo "  make clean    remove build products and the built book"
	@echo ""
	@echo "  One chapter:  swift run -c release Chapter01 [--full] [--seed N] [--threads N]"

# deps: installs the apt packages that are missing (OpenBLAS, libpng, pandoc, XeLaTeX and
# fonts), with sudo when not root; without apt or sudo it prints the command to run.
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

# build: the library, the chapters and the tools, optimised (chapters always run in
# release: a debug build is 30-200x slower in inner loops).
build: deps
	$(SWIFT) build -c release

CHAPTERS := $(sort $(notdir $(wildcard Chapters/Chapter*)))

# The book's training run: Chapter 9 in its full size, on two cores (about 45 minutes),
# then the trained model continuing a document (Chapter 10's Generate). It starts from
# what Chapters 2, 3 and 6 save; each of them whose full checkpoint is missing runs
# first in its full size (about 9 minutes for all three, on one core, as the book's
# records of them were made).
DEMO_THREADS ?= 2
DEMO_NEEDS := Chapter02:Checkpoints/ch02-cnn.safetensors \
	Chapter03:Checkpoints/ch03-clip.safetensors \
	Chapter06:Checkpoints/ch06-language.safetensors
demo: build
	@for need in $(DEMO_NEEDS); do \
	  chapter=$${need%%:*}; file=$${need#*:}; \
	  if [ ! -f "$$file" ]; then \
	    echo "== $$chapter (full: $$file is missing)"; \
	    $(BIN)/$$chapter --full > /dev/null || exit 1; fi; \
	done
	$(BIN)/Chapter09 --full --threads $(DEMO_THREADS)
	@echo "== the trained model continues a document (Generate; see Chapter 10)"
	$(BIN)/Generate --prompt "draw: a big red circle at the top left <image>"

# test: the Swift Testing suites (gradient checks, exit tests, fuzzing, exercises), then
# every chapter in its quick size, its output compared with Transcripts/ (lines with
# timings, which start with ⏱, set aside).
test: build
	$(SWIFT) test
	$(BIN)/BookBuilder check-transcripts --bin-path $(BIN)

# bless: after an intended change, record the chapters' current output in Transcripts/.
bless: build
	$(BIN)/BookBuilder check-transcripts --bin-path $(BIN) --bless

# book: runs every chapter with output markers, places outputs and figures under the
# code that made them, quotes library regions, and renders PDF and HTML with pandoc.
book: build
	$(BIN)/BookBuilder build --bin-path $(BIN)

# docs: the library's API reference, built by DocC from the doc comments of every
# library module into one static site, book/out/api. DocC's pages load their content
# with JavaScript, so serve the folder rather than opening a file:
#   python3 -m http.server -d book/out/api 8000   (then http://localhost:8000/documentation/)
DOC_MODULES := Platform Autograd Layers Datasets Vision Resampler Synchronizer Language \
	Diffusion Interleaved Training Evaluation Notebook
docs:
	@mkdir -p book/out
	$(SWIFT) package --allow-writing-to-directory book/out generate-documentation \
	  $(foreach module,$(DOC_MODULES),--target $(module)) \
	  --enable-experimental-combined-documentation --transform-for-static-hosting \
	  --output-path book/out/api
	@echo "docs: book/out/api (serve it: python3 -m http.server -d book/out/api 8000)"

# bench: speed of matmul against raw BLAS, convolution, MMFS, the U-Net and the
# decoder, printed as times, GFLOP/s and ratios (never checked by tests).
bench: build
	$(BIN)/Bench

# bench-peer: the PyTorch peer (../shared/peer: the same model written in PyTorch) and
# our bench, back to back at each thread count, then one table of both with the ratios
# (also written to Results/appA-peer.md, which Appendix A shows: commit it).
# Needs the peer's Python environment (see the message below; about 1 GB, a minute).
PEER ?= ../shared/peer
PEER_PYTHON ?= $(HOME)/.cache/mmi-peer-venv/bin/python
PEER_ITERS ?= 10
BENCH_THREADS ?= 1 2
bench-peer: build
	@if [ ! -f "$(PEER)/tiny_mmi.py" ]; then \
	  echo "bench-peer: no PyTorch peer at $(PEER); name its folder with PEER=..." >&2; \
	  exit 1; fi
	@if [ ! -x "$(PEER_PYTHON)" ]; then \
	  echo "bench-peer: no Python environment for the peer at $(PEER_PYTHON). Create it:" >&2; \
	  echo "  python3 -m venv ~/.cache/mmi-peer-venv && ~/.cache/mmi-peer-venv/bin/python \
	-m pip install 'torch==2.13.0+cpu' numpy" >&2; exit 1; fi
	@out=$$(mktemp -d); ours=""; \
	for t in $(BENCH_THREADS); do \
	  echo "bench-peer: PyTorch peer, $$t thread(s)"; \
	  for mode in env gemm train components gen ddim; do \
	    OMP_NUM_THREADS=$$t MKL_NUM_THREADS=$$t "$(PEER_PYTHON)" "$(PEER)/tiny_mmi.py" \
	      $$mode --threads $$t --iters $(PEER_ITERS) --json $$out/peer.jsonl \
	      > /dev/null || exit 1; \
	  done; \
	  echo "bench-peer: ours, $$t thread(s)"; \
	  $(BIN)/Bench --threads $$t --only interleaved --json $$out/ours-$$t.json \
	    > $$out/ours-$$t.txt || exit 1; \
	  ours="$$ours --compare $$out/ours-$$t.json"; \
	done; \
	$(BIN)/Bench $$ours --peer $$out/peer.jsonl --record Results/appA-peer.md || exit 1; \
	echo "bench-peer: raw figures in $$out"

# parity: the PyTorch twin (Reference/, optional) checked against our engine, llm.c
# style: `Parity` writes cases (each part of MMI-Tiny, the whole joint loss with every
# gradient, one AdamW step, and a forward pass of every checkpoint in Checkpoints/),
# and Reference/parity.py recomputes them in PyTorch and prints OK / NOT OK per case,
# then ALL OK. The first run makes a Python environment with the CPU build of torch in
# $(TWIN_VENV) (about 200 MB to download; no GPU libraries) and reuses it after that.
TWIN_VENV ?= $(HOME)/.cache/mmi-twin-venv
TWIN_PYTHON := $(TWIN_VENV)/bin/python
parity: build twin-venv
	$(BIN)/Parity --output Reference/cases $(wildcard Checkpoints/*.safetensors)
	$(TWIN_PYTHON) Reference/parity.py Reference/cases --self-test \
	  $(if $(RECORD),--record Results/appB-parity.md)

# twin-train: our engine and the twin train MMI-Tiny from Chapter 9's start on the same
# batches of its first stage (our engine writes them: Parity data), the twin then on
# two processes with DistributedDataParallel (torchrun, gloo); our engine loads what
# the twin trained (a parity check on it, and Generate continues a document with it).
# Writes Results/appB-twin.md and appB-losses.csv, which Appendix B shows. ~3 min.
TWIN_STEPS ?= 200
twin-train: build twin-venv
	$(BIN)/Parity data --output Reference/data --steps $(TWIN_STEPS) --warmup 20 \
	  --train --threads 2
	$(TWIN_PYTHON) Reference/train.py --data Reference/data --threads 2
	$(TWIN_VENV)/bin/torchrun --nproc_per_node 2 Reference/train.py --data Reference/data
	$(BIN)/Parity --output Reference/data/cases \
	  Reference/data/twin-trained-1.safetensors Reference/data/twin-trained-2.safetensors
	$(TWIN_PYTHON) Reference/parity.py Reference/data/cases
	$(BIN)/Generate --quick --checkpoint Reference/data/twin-trained-2.safetensors \
	  --prompt "<image> caption:" --image Reference/data/scene.png \
	  --output Reference/data/generated | tee Reference/data/generated.txt
	$(TWIN_PYTHON) Reference/record.py Reference/data Results/appB-twin.md

# twin-venv: the twin's Python environment (torch, CPU build, and numpy), made by
# Reference/setup-venv.sh (its exit code 3: Python or torch cannot be installed here).
twin-venv:
	@Reference/setup-venv.sh "$(TWIN_VENV)"

# doctor: a self-check to paste into a bug report (toolchain, OS, BLAS kernel and
# threads, libpng, pandoc, TeX, a timed matmul).
doctor: build
	$(BIN)/Doctor

# clean: build products and the built book (not Checkpoints/, which chapters reuse).
clean:
	rm -rf .build .build-* book/build book/out
