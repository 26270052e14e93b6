# salesreport — `make help` lists the targets. Everything runs from .venv/, created on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
MONTH  ?=
MONTH_ARG := $(if $(MONTH),--month $(MONTH),)

.PHONY: help setup report validate test bench templates clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)  ## create .venv/ and install the project into it

report: $(STAMP)  ## write outputs/MONTH from inputs/ (MONTH=2025-10; default: last month)
	$(BIN)/salesreport report $(MONTH_ARG) --inputs inputs --outputs outputs

validate: $(STAMP)  ## check inputs/ for MONTH and print every problem, writing nothing
	$(BIN)/salesreport validate $(MONTH_ARG) --inputs inputs

test: $(STAMP)  ## run the test suite
	$(BIN)/pytest -q

templates: $(STAMP)  ## rebuild docx_templates/ from scripts/build_templates.py (overwrites Word edits)
	$(BIN)/python scripts/build_templates.py

clean:  ## remove outputs/ (never inputs/)
	rm -rf outputs
