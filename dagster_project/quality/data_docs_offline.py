"""Data Docs that render with no network.

GX's page templates load Bootstrap, jQuery, bootstrap-table, Font Awesome and Vega from
CDNs, and its logo from S3: on a research server without internet the index is two
unstyled links and no list of validations. Here every one of those files is a copy taken
from the npm registry, pinned and committed:

    vendor/packages.json                   each npm package: name, version, license, the
                                           tarball's integrity as the registry reports it,
                                           and the sha256 of every file taken from it; and
                                           which GX template URL each file replaces
    vendor/<package>@<version>/<path>      the files, as they are in the package

The GX views below rewrite the page templates as Jinja loads them: each CDN URL becomes
the vendored copy under ``data_docs/static/vendor/``, relative to the page, and the logo
and favicon come from GX's own ``static/images/``. A GX release whose templates load a
URL this module does not know fails the build, naming the template and the URL, rather
than rendering a page that needs the internet. ``install`` copies the vendored files into
the site, checked against their sha256.

    python -m dagster_project.quality.data_docs_offline --check   # the committed files match packages.json
    python -m dagster_project.quality.data_docs_offline --fetch   # fetch them again with `npm pack`, check the
                                                                  # registry's integrity, record every sha256
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from functools import cache
from pathlib import Path

from jinja2 import BaseLoader, ChoiceLoader, Environment, PackageLoader, TemplateNotFound

from dagster_project.settings import REPO_ROOT

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from great_expectations.render.view.view import DefaultJinjaIndexPageView, DefaultJinjaPageView  # noqa: E402

VENDOR_DIR = Path(__file__).resolve().parent / "vendor"
MANIFEST = VENDOR_DIR / "packages.json"
SITE_VENDOR = Path("static") / "vendor"  # under data_docs/

# The way back from a page to the site root, as GX's own top_navbar.j2 works it out: a
# validation page is validations/<suite>/<run>/<time>/<batch>.html, a suite page
# expectations/<suite>.html, a dot in a suite's name one folder more.
_ROOT = """\
{%- if expectation_suite_name -%}{%- set _dots = expectation_suite_name.count(".") -%}{%- else -%}{%- set _dots = 0 -%}{%- endif -%}
{%- if "ValidationResults" in renderer_type or "ProfilingResults" in renderer_type -%}{%- set offline_root = (_dots + 4) * "../" -%}
{%- elif "ExpectationSuite" in renderer_type -%}{%- set offline_root = (_dots + 1) * "../" -%}
{%- else -%}{%- set offline_root = "" -%}{%- endif -%}
"""
# The templates that load something (GX 1.x): the page heads, the script imports, the
# navbar logo, the favicon, and the default styles (a dark-mode logo), which the page heads
# include as a template.
TEMPLATES = {name: "render/view/templates" for name in
             ("page.j2", "index_page.j2", "page_minimal.j2", "js_script_imports.j2", "top_navbar.j2", "favicon.j2")}
TEMPLATES["data_docs_default_styles.css"] = "render/view/static/styles"
# Not URLs of the manifest, fixed by name: the logo (GX loads it from S3, with the data
# context's id; in dark mode another one, which GX does not ship, so the same one) and the
# favicon (one folder short on validation pages in GX 1.x).
_LOCAL_IMAGES = (
    (re.compile(r'\{\{\s*static_images_dir \+ "logo-long.png"[^}]*\}\}'), "{{ offline_root }}static/images/logo-long.png"),
    (re.compile(r"url\('https://great-expectations-web-assets\.[^']*/full_logo_dark\.png'\)"),
     "url('{{ offline_root }}static/images/logo-long.png')"),
    (re.compile(r'\{\{\s*static_images_dir \+ "favicon.ico"\s*\}\}'), "{{ offline_root }}static/images/favicon.ico"),
)
# A script, stylesheet, image or CSS resource loaded from anywhere but the site itself.
_EXTERNAL_LOAD = re.compile(r'<(?:script|link|img)\b[^>]*?\b(?:src|href)\s*=\s*["\']((?:https?:)?//[^"\']+)'
                            r'|url\(\s*["\']?((?:https?:)?//[^)"\']+)', re.I)
# SRI and CORS attributes of the CDN tags: a vendored file is checked by its sha256 when
# it is installed, and a crossorigin request fails on file:// pages.
_CDN_ATTRIBUTES = re.compile(r'\s+(?:integrity="[^"]*"|crossorigin="[^"]*")')


class OfflineTemplateError(RuntimeError):
    pass


@cache
def manifest() -> dict:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def package_dir(package: dict) -> str:
    return f"{package['name']}@{package['version']}"


def vendored_files() -> dict[str, str]:
    """{path under vendor/: sha256} of every pinned file."""
    return {f"{package_dir(p)}/{name}": sha for p in manifest()["packages"] for name, sha in p["files"].items()}


def rewrite_template(name: str, source: str) -> str:
    """GX's template ``name`` with every CDN URL replaced by its vendored copy."""
    text = source
    for url, target in manifest()["urls"].items():
        text = text.replace(url, "{{ offline_root }}" + f"{SITE_VENDOR.as_posix()}/{target}")
    for pattern, local in _LOCAL_IMAGES:
        text = pattern.sub(local, text)
    text = _CDN_ATTRIBUTES.sub("", text)
    external = [url for match in _EXTERNAL_LOAD.findall(text) for url in match if url and "{{" not in url]
    if external:
        raise OfflineTemplateError(
            f"GX template {name} loads {', '.join(external)}, which is not vendored: add the file to "
            f"{MANIFEST.relative_to(REPO_ROOT)} (docs/operations.md, Data Docs without a network)")
    return _ROOT + text


class _OfflineLoader(BaseLoader):
    """GX's own templates, rewritten by ``rewrite_template``; any other name is left to GX."""

    def __init__(self) -> None:
        self._gx = {folder: PackageLoader("great_expectations", folder) for folder in set(TEMPLATES.values())}

    def get_source(self, environment: Environment, template: str):
        if template not in TEMPLATES:
            raise TemplateNotFound(template)
        source, filename, _uptodate = self._gx[TEMPLATES[template]].get_source(environment, template)
        return rewrite_template(template, source), filename, lambda: True


class _Offline:
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.env.loader = ChoiceLoader([_OfflineLoader(), self.env.loader])


class OfflinePageView(_Offline, DefaultJinjaPageView):
    """GX's page view (suites, validations) with the vendored scripts and styles."""


class OfflineIndexPageView(_Offline, DefaultJinjaIndexPageView):
    """GX's index page view with the vendored scripts and styles."""


def check_vendored() -> list[str]:
    """Every committed file that is missing or differs from its pinned sha256."""
    problems = []
    for relative, expected in vendored_files().items():
        path = VENDOR_DIR / relative
        if not path.is_file():
            problems.append(f"{path}: missing")
        elif (actual := _sha256(path.read_bytes())) != expected:
            problems.append(f"{path}: sha256 {actual}, packages.json pins {expected}")
    for target in manifest()["urls"].values():
        if target not in vendored_files():
            problems.append(f"packages.json: URL target {target} is no pinned file")
    return problems


def install(site_dir: Path) -> None:
    """Copy the vendored files into ``site_dir``/static/vendor, each checked against its
    sha256 (done again only when packages.json changed)."""
    target = site_dir / SITE_VENDOR
    stamp = target / "packages.json"
    pinned = MANIFEST.read_bytes()
    if stamp.is_file() and stamp.read_bytes() == pinned:
        return
    problems = check_vendored()
    if problems:
        raise OfflineTemplateError("vendored Data Docs files do not match packages.json:\n  " + "\n  ".join(problems))
    if target.exists():
        shutil.rmtree(target)
    for relative in vendored_files():
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(VENDOR_DIR / relative, target / relative)
    stamp.write_bytes(pinned)  # last: a copy cut short is done again


def fetch(npm: str = "npm") -> None:
    """Fetch every pinned package from the npm registry (`npm pack`), check the tarball
    against the recorded integrity (recorded on first fetch), extract the pinned files
    into vendor/ and record their sha256 in packages.json."""
    spec = json.loads(MANIFEST.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        for package in spec["packages"]:
            name = f"{package['name']}@{package['version']}"
            packed = subprocess.run([npm, "pack", name, "--json", "--pack-destination", tmp],
                                    capture_output=True, text=True, check=True, cwd=tmp)
            (info,) = json.loads(packed.stdout)
            tarball = Path(tmp) / info["filename"]
            integrity = "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
            if integrity != info["integrity"]:
                raise OfflineTemplateError(f"{name}: tarball integrity {integrity}, the registry says {info['integrity']}")
            if package.get("integrity") and package["integrity"] != integrity:
                raise OfflineTemplateError(f"{name}: integrity {integrity}, packages.json pins {package['integrity']}")
            package["integrity"] = integrity
            destination = VENDOR_DIR / package_dir(package)
            if destination.exists():
                shutil.rmtree(destination)
            with tarfile.open(tarball) as archive:
                for file in package["files"]:
                    member = archive.extractfile(f"package/{file}")
                    if member is None:
                        raise OfflineTemplateError(f"{name} has no file {file}")
                    data = member.read()
                    (destination / file).parent.mkdir(parents=True, exist_ok=True)
                    (destination / file).write_bytes(data)
                    package["files"][file] = _sha256(data)
            print(f"{name}: {len(package['files'])} files, {integrity[:22]}...", file=sys.stderr)
    MANIFEST.write_text(json.dumps(spec, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    manifest.cache_clear()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dagster_project.quality.data_docs_offline",
                                     description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--check", action="store_true", help="check the committed files against packages.json")
    action.add_argument("--fetch", action="store_true", help="fetch the pinned packages again with npm pack")
    args = parser.parse_args(argv)
    if args.fetch:
        fetch()
    problems = check_vendored()
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"{len(vendored_files())} vendored files match {MANIFEST}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
