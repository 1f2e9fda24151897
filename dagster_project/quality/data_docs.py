"""Great Expectations Data Docs of every gate, for auditors.

Every validation a gate runs (raw suites in the raw assets, mart suites in the mart
checks; passed, failed or errored) is stored in a file-backed GX project and rendered
with GX's own Data Docs site builder, right after it ran, so the pages also exist for a
refresh that failed. Layout under ``$BOLIGSOCIAL_WAREHOUSE_DIR``:

    gx/                                  the GX project: great_expectations.yml, the suites
                                         (expectations/) and stored validation results
                                         (uncommitted/validations/)
    data_docs/index.html                 the site: every suite and validation, newest first
    data_docs/expectations/<suite>.html  a suite's expectations
    data_docs/validations/<suite>/<dagster run id>/<time>/<batch>.html
                                         one validation; <batch> is the partition key, or the
                                         asset name for an unpartitioned asset or a mart

These paths are an interface (the check metadata ``data_docs_page`` holds the page
relative to ``data_docs/``, and ``data_docs`` its URL on the docs server, `make docs`,
which the auditor UI links to): keep them stable. The
results of the last KEEP_RESULTS validations per suite and batch are kept; older ones,
and their pages, are removed when the site is next built.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from dagster_project.quality.data_docs_offline import install as install_vendored
from dagster_project.quality.gx_runner import GateResult, load_suite
from dagster_project.settings import get_settings

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx  # noqa: E402
import jinja2  # noqa: E402
from great_expectations.core.run_identifier import RunIdentifier  # noqa: E402
from great_expectations.data_context.types.resource_identifiers import (  # noqa: E402
    ExpectationSuiteIdentifier,
    SiteSectionIdentifier,
    ValidationResultIdentifier,
)
from great_expectations.render.view.view import DefaultJinjaView  # noqa: E402

GX_PROJECT = "gx"
DATA_DOCS = "data_docs"
SITE_NAME = "boligsocial"
KEEP_RESULTS = 20
RUN_TIME_FORMAT = "%Y%m%dT%H%M%S.%fZ"  # how GX names the run-time folder

# GX's views with the scripts and styles vendored from npm instead of CDNs, so the pages
# render with no network (data_docs_offline.py).
_OFFLINE = "dagster_project.quality.data_docs_offline"
SITE_CONFIG = {
    "class_name": "SiteBuilder",
    "show_how_to_buttons": False,
    # Relative to the GX project (<warehouse>/gx), so a copied warehouse directory keeps working.
    "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": f"../{DATA_DOCS}/"},
    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder",
                           "view": {"module_name": _OFFLINE, "class_name": "OfflineIndexPageView"}},
    "site_section_builders": {
        section: {"view": {"module_name": _OFFLINE, "class_name": "OfflinePageView"}}
        for section in ("expectations", "validations", "profiling")
    },
}


class _CompiledTemplates(jinja2.BytecodeCache):
    """GX's page views make a new jinja environment for every build, which compiles every
    template again (about half the time of a page). Compiled templates are kept here for
    the process: the same templates, the same pages."""

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self._compiled:
            bucket.bytecode_from_string(self._compiled[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()


_COMPILED_TEMPLATES = _CompiledTemplates()
_view_init = DefaultJinjaView.__init__


def _view_with_compiled_templates(self, *args, **kwargs) -> None:
    _view_init(self, *args, **kwargs)
    self.env.bytecode_cache = _COMPILED_TEMPLATES


DefaultJinjaView.__init__ = _view_with_compiled_templates


@dataclass(frozen=True)
class DataDocsPage:
    index: Path  # data_docs/index.html
    page: Path  # the validation's page
    relative: str  # the page relative to data_docs/

    @property
    def url(self) -> str:
        """The page on the docs server (`make docs`): a browser opens no file:// link from
        the Dagster UI's http page."""
        return get_settings().docs_url(f"{DATA_DOCS}/{self.relative}")


def data_docs_dir(warehouse_dir: Path) -> Path:
    return warehouse_dir / DATA_DOCS


def index_page(warehouse_dir: Path) -> Path:
    return data_docs_dir(warehouse_dir) / "index.html"


@contextmanager
def _locked(warehouse_dir: Path) -> Iterator[None]:
    # A refresh and a materialization started from the UI may record at the same time.
    warehouse_dir.mkdir(parents=True, exist_ok=True)
    with open(warehouse_dir / ".data_docs.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# warehouse dir -> its GX project, loaded once per process
_contexts: dict[Path, object] = {}
# warehouse dir -> the Data Docs site builder of its project
_site_builders: dict[Path, object] = {}


def _context(warehouse_dir: Path):
    """The file-backed GX project under the warehouse directory, created on first use.

    Kept for the life of the process while its directory exists: loading the project costs
    about 0.3 s, once per raw partition otherwise. Its stores read and write files, so
    validations another process records meanwhile are seen all the same."""
    if (warehouse_dir / GX_PROJECT / "great_expectations.yml").is_file() and warehouse_dir in _contexts:
        return _contexts[warehouse_dir]
    context = gx.get_context(mode="file", project_root_dir=str(warehouse_dir))
    sites = context.list_data_docs_sites()
    if sites.get(SITE_NAME) != SITE_CONFIG or set(sites) != {SITE_NAME}:
        for name in list(sites):
            context.delete_data_docs_site(name)
        context.add_data_docs_site(SITE_NAME, SITE_CONFIG)
    _contexts[warehouse_dir] = context
    _site_builders.pop(warehouse_dir, None)
    for key in [k for k in _stored_suites if k[0] == warehouse_dir]:
        del _stored_suites[key]  # a new project: its suites are stored again
    return context


# (warehouse dir, suite) -> the suite's JSON as last stored in this process
_stored_suites: dict[tuple[Path, str], str] = {}


def _store_suite(context, warehouse_dir: Path, spec: dict) -> bool:
    """Store the suite as it is in expectations/ now, so its page shows the rules that ran;
    True if it was (re)stored, so its page needs rendering."""
    text = json.dumps(spec, sort_keys=True)
    if _stored_suites.get((warehouse_dir, spec["name"])) == text and \
            (warehouse_dir / GX_PROJECT / "expectations" / f"{spec['name']}.json").is_file():
        return False
    context.suites.add_or_update(gx.ExpectationSuite(name=spec["name"], expectations=spec["expectations"],
                                                     meta=spec.get("meta", {})))
    _stored_suites[(warehouse_dir, spec["name"])] = text
    return True


def _render_pages(context, warehouse_dir: Path, keys: list) -> None:
    """Render the pages of ``keys`` (a suite or a validation) with the site's own section
    builders: what ``build_data_docs(resource_identifiers=keys)`` renders, without it
    listing every stored result for each page (1,600 of them after 20 full refreshes)."""
    builder = _site_builders.get(warehouse_dir)
    if builder is None:
        builder = context._init_site_builder_for_data_docs_site_creation(
            site_name=SITE_NAME, site_config=context.variables.data_docs_sites[SITE_NAME])
        builder.target_store.copy_static_assets()
        _site_builders[warehouse_dir] = builder
    for key in keys:
        section = builder.site_section_builders[
            "expectations" if isinstance(key, ExpectationSuiteIdentifier) else "validations"]
        resource = section.source_store.get(key)
        if isinstance(key, ExpectationSuiteIdentifier):
            resource = gx.ExpectationSuite(**resource)
        # As DefaultSiteSectionBuilder.build renders one resource.
        rendered = section.renderer_class.render(resource)
        page = section.view_class.render(rendered, data_context_id=section.data_context_id,
                                         show_how_to_buttons=section.show_how_to_buttons)
        section.target_store.set(SiteSectionIdentifier(site_section_name=section.name, resource_identifier=key), page)


def record_validation(gate: GateResult, *, warehouse_dir: Path, run_id: str, batch: str,
                      asset: str, partition: str | None = None, build_index: bool = True) -> DataDocsPage:
    """Store the gate's validation result and render its page and (unless ``build_index``
    is false) the site index.

    The index reads every stored result, so building it costs time in proportion to the
    store (up to KEEP_RESULTS per suite and batch: about 1,600 results once a full
    refresh of some 80 raw partitions has run 20 times). The raw gates therefore render
    only their own page, and the full refresh renders the index once at its end
    (``build_index``), after pruning the store, as does a raw step that failed (a run
    launched from the UI or a sensor has no refresh around it); the mart checks render theirs only too, and
    the publish step renders the index after them (a mart check that failed renders it
    itself, as publish will not run). The suite's own page is rendered when the suite is
    stored, the first time a process validates with it, not for every partition."""
    if gate.validation is None:
        raise ValueError(f"gate {gate.suite} on {gate.subject} carries no GX validation result")
    run_time = dt.datetime.now(dt.UTC)
    validation = gate.validation
    run = RunIdentifier(run_name=run_id, run_time=run_time)
    validation.meta["run_id"] = run
    validation.meta.setdefault("batch_spec", {})["data_asset_name"] = gate.subject
    validation.meta["dagster"] = {"run_id": run_id, "asset": asset, "partition": partition}
    spec = load_suite(gate.suite)
    suite_key = ExpectationSuiteIdentifier(name=spec["name"])
    key = ValidationResultIdentifier(expectation_suite_identifier=suite_key, run_id=run, batch_identifier=batch)
    with _locked(warehouse_dir):
        context = _context(warehouse_dir)
        # The suite's page is rendered when the suite is stored, not again for every
        # partition it validates.
        suite_changed = _store_suite(context, warehouse_dir, spec)
        context.validation_results_store.set(key, validation)
        _render_pages(context, warehouse_dir, [suite_key, key] if suite_changed else [key])
        if build_index:
            _prune(context)
            _build_index(context)
        # The pages load the vendored scripts and styles, not a CDN's (data_docs_offline.py).
        install_vendored(data_docs_dir(warehouse_dir))
    relative = f"validations/{spec['name']}/{run_id}/{run_time.strftime(RUN_TIME_FORMAT)}/{batch}.html"
    page = data_docs_dir(warehouse_dir) / relative
    if not page.is_file():
        raise RuntimeError(f"GX did not render the Data Docs page {page}")
    return DataDocsPage(index=index_page(warehouse_dir), page=page, relative=relative)


def build_index(warehouse_dir: Path) -> Path | None:
    """Render the site index from the stored results, and no page (None if no gate has
    recorded a validation under ``warehouse_dir`` yet)."""
    if not (warehouse_dir / GX_PROJECT).is_dir():
        return None
    with _locked(warehouse_dir):
        context = _context(warehouse_dir)
        _prune(context)
        _build_index(context)
        install_vendored(data_docs_dir(warehouse_dir))
    return index_page(warehouse_dir)


def _build_index(context) -> None:
    # An identifier that names no stored resource: every section builder skips every page
    # (an empty list would mean "all of them"), and the index is built.
    nothing = ExpectationSuiteIdentifier(name="__index_only__")
    context.build_data_docs(site_names=[SITE_NAME], resource_identifiers=[nothing])


def rebuild(warehouse_dir: Path) -> Path:
    """Render the whole site again from the stored results (e.g. after a GX upgrade)."""
    with _locked(warehouse_dir):
        _context(warehouse_dir).build_data_docs(site_names=[SITE_NAME])
        install_vendored(data_docs_dir(warehouse_dir))
    return index_page(warehouse_dir)


def _prune(context) -> None:
    """Keep the last KEEP_RESULTS results of every suite and batch; the index build that
    follows removes the pages of the others. (Pruned when the index is built, once per
    refresh, rather than after every validation: listing the store is its costly part.)"""
    store = context.validation_results_store
    by_batch: dict[tuple[str, str], list] = {}
    for key in store.list_keys():
        by_batch.setdefault((key.expectation_suite_identifier.name, key.batch_identifier), []).append(key)
    for keys in by_batch.values():
        keys.sort(key=lambda k: k.run_id.run_time, reverse=True)
        for old in keys[KEEP_RESULTS:]:
            store.remove_key(old)
