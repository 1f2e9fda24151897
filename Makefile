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

.PHONY: help install spark-env browser manifest demo generate refresh test test-study test-pythons screenshots dev serve versions rollback data-docs docs dictionary bench bench-engines validate clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

$(UV):
	python3 -m pip install --user --quiet uv

# Bytecode compiled at install: every Dagster run is a process that imports the code
# location, and this machine's environment sets PYTHONDONTWRITEBYTECODE.
install: $(UV)  ## install the locked environment into .venv
	@$(UV) sync --frozen --quiet --compile-bytecode

# The spark target's dbt (dbt-spark, pyspark) in .venv-spark, from the same uv.lock: kept out
# of .venv (pyproject.toml, group "spark"). Spark itself runs on Java 17.
spark-env: $(UV)  ## install dbt-spark and pyspark into .venv-spark (the spark target of dbt/profiles.yml)
	@UV_PROJECT_ENVIRONMENT=.venv-spark $(UV) sync --frozen --quiet --only-group spark
	@command -v java >/dev/null 2>&1 || echo "no java on PATH: the spark target needs Java 17 (Debian: openjdk-17-jre-headless)"

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

# Two pytest-xdist workers by default, each taking one test file at a time in the order
# tests/conftest.py gives. TEST_WORKERS=0 runs the suite in this process.
TEST_WORKERS ?= 2
test: install spark-env browser  ## run the test suite (TEST_WORKERS=2 by default)
	@$(UV) run --frozen pytest $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder)

test-study: install  ## the simulation study's script on 2 seeds (outside the suite: several refreshes)
	@$(UV) run --frozen pytest -m study tests/integration/test_validation_study.py

# The unit tests on the other supported Pythons, each in its own .venv-<version> from the
# same uv.lock (the whole suite runs on the Python of .venv). A version that is not
# installed (pyenv's, or python3.X on PATH) is reported and skipped.
PYTHONS ?= 3.12 3.13
test-pythons: $(UV)  ## the unit tests on Python 3.12 and 3.13 too (PYTHONS="3.12 3.13")
	@for version in $(PYTHONS); do \
	  python=$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/$$version.*/bin/python 2>/dev/null | sort -V | tail -1); \
	  [ -n "$$python" ] || python=$$(command -v python$$version || true); \
	  if [ -z "$$python" ]; then echo "Python $$version is not installed here (pyenv or python$$version): its unit tests are skipped"; continue; fi; \
	  echo "Python $$version ($$python): the unit tests"; \
	  UV_PROJECT_ENVIRONMENT=.venv-$$version $(UV) sync --frozen --quiet --python $$python || exit 1; \
	  .venv-$$version/bin/python -m pytest tests/unit -q -p no:cacheprovider || exit 1; \
	done

screenshots: install browser  ## regenerate docs/images/auditor-*.png (the auditor guide's screenshots)
	@BOLIGSOCIAL_SCREENSHOT_DIR=$(CURDIR)/docs/images $(UV) run --frozen pytest -q \
	  tests/integration/test_auditor_ui.py::test_auditor_guide_screenshots

dev: install  ## the Dagster UI and daemon (dagster dev) on http://localhost:3000
	@$(UV) run --frozen python -m dagster_project dev

serve: install  ## dagster-webserver + dagster-daemon against $DAGSTER_HOME, as deployed (PostgreSQL if BOLIGSOCIAL_DAGSTER_PG_URL is set)
	@$(UV) run --frozen python -m dagster_project serve

versions: install  ## list published warehouse versions
	@$(UV) run --frozen python -m dagster_project versions

rollback: install  ## make the previous published version current (TO=<version> for another)
	@$(UV) run --frozen python -m dagster_project rollback $(if $(TO),--to $(TO))

data-docs: install  ## rebuild the Great Expectations Data Docs and print where they are
	@$(UV) run --frozen python -m dagster_project data-docs --rebuild

docs: install  ## serve Data Docs, dbt docs, data dictionaries and reports on http://127.0.0.1:8765 (BOLIGSOCIAL_DOCS_PORT)
	@$(UV) run --frozen python -m dagster_project docs

dictionary: install  ## write docs/data_dictionary.md from the dbt docs
	@$(UV) run --frozen python -m dagster_project dictionary

bench: install  ## benchmark full and incremental refreshes at scales 0.1, 0.3, 1.0 against the floor (BENCHMARKS.md; about 20 min)
	@$(UV) run --frozen python bench/refresh.py

bench-engines: install spark-env  ## the full refresh with the dbt build on DuckDB and on Spark, at scales 0.3 and 1.0 (BENCHMARKS.md, "Engines")
	@$(UV) run --frozen python bench/engines.py

SEEDS ?= 50
VALIDATE_SCALE ?= 0.05
validate: install  ## simulation study: SEEDS worlds at VALIDATE_SCALE refreshed and compared with the truth (docs/validation.md; hours)
	@$(UV) run --frozen python bench/validate.py --seeds $(SEEDS) --scale $(VALIDATE_SCALE)

clean:  ## remove generated data, dbt artifacts and the environment
	rm -rf data dbt/target dbt/logs .venv .venv-*
