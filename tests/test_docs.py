"""The generated reference pages (config keys, command-line flags) match the code they describe."""

from dataclasses import dataclass
from pathlib import Path

import pytest

from training.cli_doc import COMMANDS, help_text
from training.cli_doc import main as cli_doc_main
from training.config import KeywordConfig, TrainConfig
from training.config_doc import field_comments, tables
from training.config_doc import main as config_doc_main
from wakeword.config import to_dict
from wakeword.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def test_the_config_reference_is_current_and_lists_every_key():
    assert config_doc_main(["--check", str(ROOT / "docs" / "config.md")]) == 0
    page = (ROOT / "docs" / "config.md").read_text()

    def keys(value, prefix=""):
        for key, item in value.items():
            if isinstance(item, dict):
                yield from keys(item, f"{prefix}{key}.")
            else:
                yield prefix, key

    recipe = to_dict(TrainConfig(keyword=KeywordConfig(phrase="p", name="p")))
    for table, key in keys(recipe):
        heading = f"## [{table.rstrip('.')}]" if table else "## top level"
        section = page.split(heading, 1)[1].split("\n## ", 1)[0]
        assert f"| `{key}` |" in section, (table, key)
    # the recipe's own values, not the dataclass defaults, are the ones shown
    teacher = page.split("## [teacher]", 1)[1].split("\n## ", 1)[0]
    assert "| `channels` | integer | `48` |" in teacher


def test_a_config_key_without_a_meaning_is_refused(tmp_path):
    @dataclass(frozen=True)
    class Documented:
        #: a documented key
        alpha: int = 1
        beta: int = 2

    assert field_comments(Documented) == {"alpha": "a documented key"}
    with pytest.raises(ConfigError, match="beta"):
        tables(Documented, Documented())


def test_a_stale_page_is_found(tmp_path, capsys):
    stale = tmp_path / "config.md"
    stale.write_text((ROOT / "docs" / "config.md").read_text().replace("| `workers` |", "| `workerz` |"))
    assert config_doc_main(["--check", str(stale)]) == 1
    assert "out of date" in capsys.readouterr().err


def test_the_cli_reference_is_current_and_covers_every_console_script():
    assert cli_doc_main(["--check", str(ROOT / "docs" / "cli.md")]) == 0
    import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    documented = {name for name, _, _, _ in COMMANDS}
    assert set(scripts) <= documented, set(scripts) - documented
    page = (ROOT / "docs" / "cli.md").read_text()
    for name in scripts:
        assert f"usage: {name} " in page, name
    # the text is the parser's own: a flag of wakeword-train is in it
    assert "--phrase PHRASE" in help_text("training.cli:main", [])


def test_evaluation_imports_nothing_from_training():
    """The layout: evaluation/ measures any bundle; the signal code it shares with training lives in
    wakeword.dsp, so nothing under evaluation/ imports training (not even inside a function)."""
    import ast

    for path in sorted((ROOT / "evaluation").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            assert not any(n == "training" or n.startswith("training.") for n in names), (path.name, names)


def test_no_function_in_the_packages_runs_past_a_hundred_and_ten_lines():
    import ast

    long = []
    for package in ("wakeword", "training", "evaluation", "datasets", "mobile_app"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    length = node.end_lineno - node.lineno + 1
                    if length > 110:
                        long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)")
    assert not long, long
