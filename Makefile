# salesreport — `make help` lists the targets. Everything runs from .venv/, created on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
MONTH  ?=
REPS   ?= 2000
MONTHS ?= 2
MONTH_ARG := $(if $(MONTH),--month $(MONTH),)
PDF_ARG   := $(if $(PDF),--pdf,)

.PHONY: help setup fonts report distribute validate check-templates test bench templates clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	-@$(MAKE) --no-print-directory fonts
	touch $(STAMP)

setup: $(STAMP)  ## create .venv/ and install the project into it

fonts:  ## install a Chinese font for PDF output where possible (Debian, as root); never fails
	@if command -v fc-list >/dev/null && fc-list :lang=zh family | grep -q .; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing fonts-noto-cjk for PDF output"; \
	  (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-noto-cjk >/dev/null 2>&1 \
	   || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-noto-cjk >/dev/null 2>&1)) \
	  || echo "could not install fonts-noto-cjk; --pdf will say how"; \
	else echo "no Chinese font found; --pdf needs one (apt-get install fonts-noto-cjk)"; fi

report: $(STAMP)  ## write outputs/MONTH from inputs/ (MONTH=2025-10 or 2025-10..2025-11; default: last month and this one; PDF=1 adds PDFs)
	SALESREPORT_CALLED_AS="make report" $(BIN)/salesreport report $(MONTH_ARG) $(PDF_ARG) --inputs inputs --outputs outputs

distribute: $(STAMP)  ## mail every recipient their new documents for MONTH (default: last month and this one; SMTP from SALESREPORT_SMTP_*, else outputs/outbox/)
	SALESREPORT_CALLED_AS="make distribute" $(BIN)/salesreport distribute $(MONTH_ARG) --inputs inputs --outputs outputs

validate: $(STAMP)  ## check inputs/ for MONTH (default: last month and this one) and print every problem, writing nothing
	SALESREPORT_CALLED_AS="make validate" $(BIN)/salesreport validate $(MONTH_ARG) --inputs inputs

check-templates: $(STAMP)  ## check docx_templates/ for broken tags, unknown variables, missing tables
	$(BIN)/salesreport check-templates --templates docx_templates

test: $(STAMP)  ## run the test suite
	$(BIN)/pytest -q

bench: $(STAMP)  ## time a report of a synthetic org stage by stage (wall, CPU, the yardstick and the goal scaled by it), renderers side by side (REPS=2000 MONTHS=13 WORKERS=n PDF=1 SEGMENTS=n)
	$(BIN)/python scripts/bench.py --reps $(REPS) --months $(MONTHS) $(if $(WORKERS),--workers $(WORKERS),) $(PDF_ARG) $(if $(SEGMENTS),--segments $(SEGMENTS),)

templates: $(STAMP)  ## rebuild docx_templates/ from scripts/build_templates.py (overwrites Word edits)
	$(BIN)/python scripts/build_templates.py

clean:  ## remove outputs/ (never inputs/)
	rm -rf outputs
