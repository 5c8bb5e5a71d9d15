"""The shipped training configs: one recipe (the defaults of training/config.py) for every word."""

from pathlib import Path

import pytest

from training.config import load_config
from wakeword.config import to_dict
from wakeword.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ("alexa", "computer", "jarvis", "snowboy")


def test_shipped_configs_differ_only_in_phrase_name_and_version():
    configs = {name: load_config(ROOT / "configs" / f"{name}.toml") for name in SHIPPED}
    assert {name: c.keyword.name for name, c in configs.items()} == {name: name for name in SHIPPED}
    rest = {name: {k: v for k, v in to_dict(c).items() if k != "keyword"} for name, c in configs.items()}
    # the keyword's own real clips come from one path pattern ({name}); everything else is equal
    for name, r in rest.items():
        assert r["evaluation"]["positives_dirs"] == [str((ROOT.parent / "shared/data/eval/positives" / name).resolve())]
        r["evaluation"]["positives_dirs"] = []
    assert all(r == rest["alexa"] for r in rest.values())
    texts = {name: (ROOT / "configs" / f"{name}.toml").read_text().splitlines() for name in SHIPPED}
    differing = {i for name in SHIPPED for i, (a, b) in enumerate(zip(texts["alexa"], texts[name])) if a != b}
    assert all(texts["alexa"][i].split(" = ")[0] in ("phrase", "name", "version") for i in differing)
    # real keyword clips only measure, on the dev half
    assert all(c.evaluation.positives_half == "dev" for c in configs.values())


def test_name_placeholder_and_positives_half_are_checked(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('[keyword]\nphrase = "hey mirror"\nname = "hey_mirror"\n'
                      '[evaluation]\npositives_dirs = ["clips/{name}"]\npositives_half = "test"\n')
    loaded = load_config(config)
    assert loaded.evaluation.positives_dirs == (str(tmp_path / "clips" / "hey_mirror"),)
    assert loaded.evaluation.positives_half == "test"
    config.write_text('[keyword]\nphrase = "hey mirror"\nname = "m"\n[evaluation]\npositives_half = "train"\n')
    with pytest.raises(ConfigError, match="positives_half: 'train' is not one of 'all', 'dev', 'test'"):
        load_config(config)


def test_augment_table_is_typed(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('[keyword]\nphrase = "alexa"\nname = "alexa"\n[augment]\nclatter_probability = 0.0\n')
    assert load_config(config).augment.clatter_probability == 0.0
    config.write_text('[keyword]\nphrase = "alexa"\nname = "alexa"\n[augment]\nclater_probability = 0.0\n')
    with pytest.raises(ConfigError, match="unknown key.*augment.clater_probability"):
        load_config(config)
    config.write_text('[keyword]\nphrase = "alexa"\nname = "alexa"\n[augment]\nnoise_probability = 2.0\n')
    with pytest.raises(ConfigError, match="augment.noise_probability must be within 0..1"):
        load_config(config)
