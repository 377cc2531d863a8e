"""The import rules of ARCHITECTURE.md (import-linter contracts in pyproject.toml): they hold for
`portal`, they name every page module, and they catch a rule module that imports a face."""

from __future__ import annotations

import fnmatch
import logging
import pathlib
import re
import textwrap
import tomllib

import grimp
import pytest
from importlinter.cli import lint_imports

ROOT = pathlib.Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"


def contracts() -> list[dict]:
    return tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]


def lint(config: pathlib.Path, capsys) -> tuple[int, str]:
    loggers = logging.root.manager.loggerDict
    enabled = [n for n, lg in loggers.items() if isinstance(lg, logging.Logger) and not lg.disabled]
    code = lint_imports(config_filename=str(config), no_cache=True, no_logo=True)
    # import-linter configures logging with disable_existing_loggers: give later tests their
    # loggers back (Flask-Migrate's errors, the portal's own).
    for name in enabled:
        loggers[name].disabled = False
    return code, capsys.readouterr().out


def test_the_import_rules_hold(capsys):
    code, report = lint(PYPROJECT, capsys)
    assert code == 0, report
    assert "0 broken" in report


def test_every_page_module_is_a_face_the_rules_forbid():
    graph = grimp.build_graph("portal", cache_dir=None)
    faces = set()
    for contract in contracts():
        for expression in contract["forbidden_modules"]:
            if "*" in expression:
                faces |= graph.find_matching_modules(expression)
            else:
                faces |= {expression} | graph.find_descendants(expression)
    pages = {module for module in graph.modules if module.rpartition(".")[2].endswith("views")}
    missing = sorted(pages - faces)
    assert not missing, (
        f"Add {missing} to forbidden_modules of the first contract in pyproject.toml "
        "([tool.importlinter]): a module of pages is a face no rule module may import."
    )


# What one module of pages may take from another: the blueprint they share (`bp`) and nothing
# else (the factory imports the modules adding routes to it: `add_routes_of_shared_blueprints`).
SHARED_BLUEPRINT = re.compile(r"from portal\.[\w.]+ import bp")


def test_no_page_module_imports_a_helper_of_another():
    """A helper two modules of pages share lives in a helper module (`<domain>/pages.py`,
    `portal/forms.py`...), never in one of them."""
    graph = grimp.build_graph("portal", cache_dir=None)
    pages = {module for module in graph.modules if module.rpartition(".")[2].endswith("views")}
    found = sorted(
        f"{importer} -> {imported}: {detail['line_contents']}"
        for importer in pages
        for imported in graph.find_modules_directly_imported_by(importer) & pages
        for detail in graph.get_import_details(importer=importer, imported=imported)
        if not SHARED_BLUEPRINT.fullmatch(detail["line_contents"])
    )
    assert not found, f"Move what these take into a helper module of pages: {found}"


def test_no_module_of_the_portal_imports_below_its_code():
    """Wiring is explicit: no module imports another at its foot for what that import does
    (routes added to a blueprint, hooks installed); the factory imports what it wires."""
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "portal").rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "noqa: E402" in line
    ]
    assert not found, f"Import these at the top, or wire them in the factory: {found}"


# A test of a role group beside the permission table (`portal.auth.permissions.PERMISSIONS`):
# a role in a group, the groups or the table taken from it, a group of roles written out again.
ROLE = r'"(advocate|requester|csm|manager|admin|executive)"'
ROLE_GROUP_TEST = re.compile(
    r"role\b.{0,20}\b(not )?in (PROGRAM|STAFF|EXECUTIVE)\b"
    r"|\.role in \(" + ROLE + r"|\.role\.in_\((PROGRAM|STAFF|EXECUTIVE)\b"
    r"|from portal\.auth\.permissions import .*\b(PROGRAM|STAFF|EXECUTIVE)\b"
    r"|PERMISSIONS\[|frozenset\(\{\s*" + ROLE + r"\s*,"
)


def test_who_may_do_what_is_asked_of_the_permission_table():
    """Services and pages ask `can(actor, permission)` (or `demand`), and a query of the people
    who may do something asks `roles_holding(permission)`; none tests whether a role is in a
    group, nor writes a group of roles again: one table says which roles hold what."""
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "portal").rglob("*.py"))
        if path != ROOT / "portal" / "auth" / "permissions.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if ROLE_GROUP_TEST.search(line)
    ]
    assert not found, f"Ask can(actor, permission) or roles_holding(permission) here: {found}"


# Modules that are neither a rule module nor a face: the app's wiring and helpers of pages
# (forms, commands, demo seeding, the factory, configuration, template helpers).
WIRING = (
    "portal",
    "portal.cli",
    "portal.config",
    "portal.dashboard",
    "portal.errors",
    "portal.extensions",
    "portal.filters",
    "portal.boundary",
    "portal.forms",
    "portal.http_security",
    "portal.i18n",
    "portal.layout",
    "portal.templating",
    "portal.urls",
    "portal.vocab_words",
    "portal.advocates.consent",
    "portal.auth.magic",
    "portal.auth.oidc",
    "portal.notifications.inbox",
    "portal.operations.health",
    "portal.operations.logs",
    "portal.operations.metrics",
    "portal.operations.observability",
    "portal.program.preview",
)


def is_wiring(module: str, graph) -> bool:
    last = module.rpartition(".")[2]
    return (
        module in WIRING
        or last.endswith("forms")
        or last == "commands"
        or module.startswith("portal.demo")
        or bool(graph.find_children(module))  # a package's __init__
    )


def test_every_module_is_a_rule_module_or_a_face_or_wiring():
    """A new module has to be placed: a rule module in source_modules, a face in
    forbidden_modules, or wiring (above). So a split service cannot slip out of the rules."""
    graph = grimp.build_graph("portal", cache_dir=None)
    contract = contracts()[0]
    placed = set()
    for key in ("source_modules", "forbidden_modules"):
        for expression in contract[key]:
            if "*" in expression:
                placed |= graph.find_matching_modules(expression)
            else:
                placed |= {expression} | graph.find_descendants(expression)
    loose = sorted(m for m in graph.modules if m not in placed and not is_wiring(m, graph))
    assert not loose, (
        f"Add {loose} to source_modules of the first contract in pyproject.toml (rule "
        "modules), or to forbidden_modules (faces)."
    )


def test_models_may_import_no_rule_module():
    """The second contract forbids models every rule module the first one names (but the
    shared base they are built on), so a split service stays out of the models' reach."""
    first, second = contracts()[0], contracts()[1]
    models = set(second["source_modules"]) | {"portal.models"}
    missing = sorted(
        set(first["source_modules"])
        - models
        - {"portal.database", "portal.vocab"}
        - set(second["forbidden_modules"])
    )
    assert not missing, f"Add {missing} to forbidden_modules of the second contract."


MAX_LINES = 500


def test_no_module_of_the_portal_is_over_500_lines():
    """Small modules per sub-domain (ARCHITECTURE.md): one that grows past this is split."""
    long = {
        str(path.relative_to(ROOT)): lines
        for path in sorted((ROOT / "portal").rglob("*.py"))
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not long, f"Split these modules by sub-domain: {long}"


FAKE = {
    "__init__.py": "",
    "api/__init__.py": "",
    "asks/__init__.py": "",
    "asks/views.py": "",
    "asks/models.py": "",
    "asks/service.py": "from fakeportal.asks import models\n",
    "webhooks/__init__.py": "",
    "webhooks/models.py": "",
    "webhooks/service.py": "",
}

BREAKS = {
    "a service imports a view": (
        "asks/service.py",
        "from fakeportal.asks import views\n",
        "fakeportal.asks.service -> fakeportal.asks.views",
    ),
    "a service builds a payload from the API": (
        "webhooks/service.py",
        "def payload():\n    from fakeportal import api\n",
        "fakeportal.webhooks.service -> fakeportal.api",
    ),
    "a model imports a service": (
        "webhooks/models.py",
        "from fakeportal.asks import service\n",
        "fakeportal.webhooks.models -> fakeportal.asks.service",
    ),
}


def fake_config(tmp_path: pathlib.Path) -> pathlib.Path:
    """The real contracts for a small package `fakeportal`: their wildcard expressions (named
    modules exist only in the portal) and the JSON API."""
    lines = ['[tool.importlinter]\nroot_package = "fakeportal"\n']
    for contract in contracts():
        sources, forbidden = (
            [
                expression.replace("portal.", "fakeportal.", 1)
                for expression in contract[key]
                if "*" in expression or expression == "portal.api"
            ]
            for key in ("source_modules", "forbidden_modules")
        )
        lines.append(
            textwrap.dedent(f"""
            [[tool.importlinter.contracts]]
            name = {contract["name"]!r}
            type = {contract["type"]!r}
            source_modules = {sources!r}
            forbidden_modules = {forbidden!r}
            """)
        )
    config = tmp_path / "importlinter.toml"
    config.write_text("".join(lines))
    return config


@pytest.mark.parametrize("case", BREAKS)
def test_the_rules_catch_a_rule_module_importing_a_face(case, tmp_path, monkeypatch, capsys):
    for name, text in FAKE.items():
        path = tmp_path / "fakeportal" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    config = fake_config(tmp_path)
    code, report = lint(config, capsys)
    assert code == 0, report  # the fake package keeps the rules until broken

    filename, text, chain = BREAKS[case]
    (tmp_path / "fakeportal" / filename).write_text(text)
    code, report = lint(config, capsys)
    assert code == 1
    assert "BROKEN" in report
    assert re.search(re.escape(chain), report), report


BOUNDARY_CALL = re.compile(r"\bdb\.session\.(commit|rollback)\(")

# The only places that end a transaction themselves, each with why. Everything else (services,
# rule modules, pages and their helpers) leaves it to one of them.
BOUNDARIES = {
    "portal/boundary.py": "the pages' request boundary (committing, commit_or_show)",
    "portal/api/": "the JSON API's endpoints and its error boundary (api/common.py)",
    "portal/errors.py": "the error pages roll back what a failed request left",
    "portal/cli.py": "commands",
    "portal/*/commands.py": "commands",
    "portal/demo/": "demo seeding (a command)",
    "portal/notifications/digest.py": "the send-digests command",
    "portal/notifications/reminders.py": "the send-reminders command",
    "portal/recognition/summary.py": "the send-executive-summaries command",
    "portal/notifications/sender.py": "the outbox's sender (a job): one transaction per message",
    "portal/operations/worker.py": "the worker: one transaction per job",
    "portal/webhooks/delivery.py": "a transport: no transaction stays open over the network",
    "portal/operations/health.py": "a probe rolls back a read that failed",
    "portal/operations/metrics.py": "a scrape rolls back a read that failed",
}


def matches(relative: str, allowed: str) -> bool:
    """`relative` (a path under the root) is the module or in the folder `allowed` names."""
    if allowed.endswith("/"):
        return relative.startswith(allowed)
    return fnmatch.fnmatch(relative, allowed)


def is_boundary(relative: str) -> bool:
    return any(matches(relative, allowed) for allowed in BOUNDARIES)


def hand_written_boundaries(root: pathlib.Path) -> list[str]:
    """Where a module of `root`/portal that is not a boundary commits or rolls back itself."""
    found = []
    for path in sorted((root / "portal").rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if is_boundary(relative):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if BOUNDARY_CALL.search(line):
                found.append(f"{relative}:{number}")
    return found


def test_only_the_boundaries_commit_or_roll_back():
    """One request boundary for pages (portal/boundary.py): a view, a helper of pages or a
    service never commits or rolls back the session itself; only the boundaries above do."""
    found = hand_written_boundaries(ROOT)
    assert not found, f"Use portal.boundary (committing, commit_or_show) instead: {found}"


def test_every_boundary_named_exists():
    """The allow-list names real modules (a moved one must not stay excused)."""
    modules = [path.relative_to(ROOT).as_posix() for path in (ROOT / "portal").rglob("*.py")]
    stale = [allowed for allowed in BOUNDARIES if not any(matches(m, allowed) for m in modules)]
    assert not stale, f"Remove from BOUNDARIES, or correct: {stale}"


@pytest.mark.parametrize(
    "filename",
    ["portal/asks/service.py", "portal/asks/views.py", "portal/auth/magic.py"],
)
def test_the_rule_catches_a_service_or_page_that_commits(filename, tmp_path):
    for name in (filename, "portal/boundary.py", "portal/api/asks.py"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("def change():\n    db.session.commit()\n")
    assert hand_written_boundaries(tmp_path) == [f"{filename}:2"]
