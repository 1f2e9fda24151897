# The two commands a newcomer needs:
#   make demo   full refresh on the embedded default data, then where to query it
#   make test   the test suite (what CI runs)
SHELL := /bin/bash
.DEFAULT_GOAL := help

SCALE ?= 1.0
SEED ?= 2011
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
export DAGSTER_HOME ?= $(CURDIR)/data/dagster_home
export UV_LINK_MODE ?= copy

.PHONY: help install browser manifest demo generate refresh test screenshots dev versions rollback data-docs bench validate clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

$(UV):
	python3 -m pip install --user --quiet uv

install: $(UV)  ## install the locked environment into .venv
	@$(UV) sync --frozen --quiet

# The auditor UI test drives Debian's Chromium headless (Playwright cannot download its own).
browser:  ## install Debian's chromium if missing (for the auditor UI test)
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing chromium (apt-get) for the auditor UI test"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

manifest: install  ## parse the dbt project (Dagster loads the manifest)
	@$(UV) run --frozen python -m dagster_project manifest

demo: install  ## generate the embedded default (SCALE=1.0) and run a full refresh
	@$(UV) run --frozen python -m dagster_project refresh --generate --scale $(SCALE) --seed $(SEED)

generate: install  ## write the embedded default landing files only
	@$(UV) run --frozen python -m dagster_project generate --scale $(SCALE) --seed $(SEED)

refresh: install  ## full refresh of whatever is in the landing directory
	@$(UV) run --frozen python -m dagster_project refresh

test: install browser  ## run the test suite
	@$(UV) run --frozen pytest

screenshots: install browser  ## regenerate docs/images/auditor-*.png (the auditor guide's screenshots)
	@BOLIGSOCIAL_SCREENSHOT_DIR=$(CURDIR)/docs/images $(UV) run --frozen pytest -q \
	  tests/integration/test_auditor_ui.py::test_auditor_guide_screenshots

dev: manifest  ## the Dagster UI on http://localhost:3000
	@mkdir -p $(DAGSTER_HOME)
	@$(UV) run --frozen dagster dev -w workspace.yaml

versions: install  ## list published warehouse versions
	@$(UV) run --frozen python -m dagster_project versions

rollback: install  ## make the previous published version current (TO=<version> for another)
	@$(UV) run --frozen python -m dagster_project rollback $(if $(TO),--to $(TO))

data-docs: install  ## rebuild the Great Expectations Data Docs and print where they are
	@$(UV) run --frozen python -m dagster_project data-docs --rebuild

bench: install  ## benchmark full and incremental refreshes at scales 0.1, 0.3, 1.0 against the floor (BENCHMARKS.md; about 20 min)
	@$(UV) run --frozen python bench/refresh.py

SEEDS ?= 50
VALIDATE_SCALE ?= 0.05
validate: install  ## simulation study: SEEDS worlds at VALIDATE_SCALE refreshed and compared with the truth (docs/validation.md; hours)
	@$(UV) run --frozen python bench/validate.py --seeds $(SEEDS) --scale $(VALIDATE_SCALE)

clean:  ## remove generated data, dbt artifacts and the environment
	rm -rf data dbt/target dbt/logs .venv
