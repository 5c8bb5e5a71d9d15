"""A new word without a config: ``wakeword-train --phrase``, ``wakeword-train init``, and what a run lacks."""

import dataclasses

import pytest

from training.cli import main
from training.config import TrainConfig, load_config
from training.quickstart import config_for_phrase, config_text, missing_data, name_for
from wakeword.config import to_dict
from wakeword.errors import ConfigError


def _folders(tmp_path):
    folders = {}
    for kind in ("speech", "noise", "rir", "negatives"):
        (tmp_path / "data" / kind).mkdir(parents=True)
        folders[kind] = [str(tmp_path / "data" / kind)]
    return folders


def test_a_phrase_alone_is_the_default_recipe():
    config = config_for_phrase("Hey Mirror")
    assert config.keyword.name == "hey_mirror" and config.keyword.phrase == "Hey Mirror"
    recipe = TrainConfig(keyword=config.keyword)
    assert to_dict(config) == to_dict(recipe)  # nothing but the keyword differs from the dataclass defaults
    assert name_for("3 little pigs") == "w_3_little_pigs"
    with pytest.raises(ConfigError, match="keyword name 'Hey'"):
        config_for_phrase("hey", name="Hey")


def test_folder_options_fill_the_config_and_what_is_missing_is_said(tmp_path):
    bare = config_for_phrase("hey mirror")
    lacks = missing_data(bare)
    assert len(lacks) == 4 and any("no threshold is chosen" in line for line in lacks)
    assert any(str(bare.export.detector.threshold) in line for line in lacks)
    folders = _folders(tmp_path)
    config = config_for_phrase("hey mirror", folders=folders)
    assert config.data.real_speech_dirs == tuple(folders["speech"])
    assert config.data.noise_dirs == tuple(folders["noise"]) and config.data.rir_dirs == tuple(folders["rir"])
    assert config.evaluation.negatives_dirs == tuple(folders["negatives"])
    assert missing_data(config) == []
    # a folder that does not exist counts as missing
    gone = config_for_phrase("hey mirror", folders={**folders, "rir": [str(tmp_path / "nowhere")]})
    assert [line for line in missing_data(gone) if "impulse" in line]


def test_init_writes_a_commented_config_that_loads_as_the_same_recipe(tmp_path, capsys):
    folders = _folders(tmp_path)
    out = tmp_path / "data" / "hey_mirror.toml"
    argv = ["init", "hey_mirror", "--phrase", "hey mirror", "--out", str(out)]
    for kind, paths in folders.items():
        argv += [f"--{kind}", *paths]
    assert main(argv) == 0
    text = out.read_text()
    assert 'real_speech_dirs = ["speech"]' in text  # relative to the config's folder
    assert "# positives_dirs = " in text and "# target_fa_per_hour = 0.5" in text
    loaded = load_config(out)
    assert loaded == config_for_phrase("hey mirror", name="hey_mirror", folders=folders)
    # the quality preset is one uncommented line away
    out.with_name("quality.toml").write_text(text.replace('# preset = "quality"', 'preset = "quality"'))
    assert load_config(out.with_name("quality.toml")) == config_for_phrase(
        "hey mirror", name="hey_mirror", folders=folders, preset="quality")
    # an existing config is never overwritten without --force
    out.write_text(text + "# my edits\n")
    assert main(argv) == 2
    assert "exists; not overwritten" in capsys.readouterr().err and out.read_text().endswith("# my edits\n")
    assert main(argv + ["--force"]) == 0 and "# my edits" not in out.read_text()


def test_init_text_shows_the_recipe_defaults():
    text = config_text("computer")
    recipe = TrainConfig(keyword=dataclasses.replace(config_for_phrase("computer").keyword))
    assert 'phrase = "computer"' in text
    assert f"# windows = {list(recipe.export.windows)}" in text
    assert f"# workers = {recipe.data.workers}" in text


def test_phrase_runs_check_the_phrase_before_any_work(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["--phrase", "route 66", "--out", str(out), "--cache", str(tmp_path / "cache")]) == 2
    assert "write numbers out" in capsys.readouterr().err
    assert not out.exists() and not (tmp_path / "cache").exists()


def test_config_and_phrase_options_do_not_mix(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main([])
    assert stop.value.code == 2 and "give a config file or --phrase" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["configs/alexa.toml", "--speech", str(tmp_path)])
    assert "go with --phrase" in capsys.readouterr().err


def test_a_config_that_is_not_text_is_named(tmp_path, capsys):
    audio = tmp_path / "clip.flac"
    audio.write_bytes(b"fLaC\x00\x00\x00\x22\x12\x00\x12\x00\xff\xfe")
    assert main([str(audio), "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "clip.flac: not a text file" in err and len(err.splitlines()) == 1
    assert main([str(tmp_path), "--out", str(tmp_path / "run")]) == 2
    assert "a folder, not a config file" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
