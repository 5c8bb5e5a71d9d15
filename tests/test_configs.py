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


def test_synthesis_engines_are_named_from_the_known_ones(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('[keyword]\nphrase = "alexa"\nname = "alexa"\n[data]\nengines = ["espeak-ng", "piper"]\n')
    assert load_config(config).data.engines == ("espeak-ng", "piper")
    config.write_text('[keyword]\nphrase = "alexa"\nname = "alexa"\n[data]\nengines = ["espeak-ng", "pipr"]\n')
    with pytest.raises(ConfigError, match="data.engines: 'pipr'; choose from espeak-ng, flite, festival, kokoro, piper"):
        load_config(config)
    config.write_text('[keyword]\nphrase = "alexa"\nname = "alexa"\n[data]\nengines = []\n')
    with pytest.raises(ConfigError, match="data.engines: none given"):
        load_config(config)


def test_data_folders_may_name_single_recordings(tmp_path):
    import numpy as np
    import soundfile as sf

    from training.data import audio_files

    (tmp_path / "rooms").mkdir()
    for name in ("hall", "kitchen", "office"):
        sf.write(tmp_path / "rooms" / f"{name}.wav", np.zeros(160, np.int16), 16000, subtype="PCM_16")
    (tmp_path / "rooms" / "notes.txt").write_text("not audio")
    everything = audio_files((str(tmp_path / "rooms"),), required=True)
    assert [p.stem for p in everything] == ["hall", "kitchen", "office"]
    # two rooms for training, the third left for measurement
    picked = audio_files((str(tmp_path / "rooms" / "office.wav"), str(tmp_path / "rooms" / "hall.wav")), required=True)
    assert [p.stem for p in picked] == ["office", "hall"]
    with pytest.raises(ConfigError, match="does not exist"):
        audio_files((str(tmp_path / "rooms" / "notes.txt"),), required=True)


def test_shipped_configs_leave_two_measured_rooms_for_measurement():
    from training.data import audio_files

    config = load_config(ROOT / "configs" / "alexa.toml")
    trained = {p.stem for p in audio_files(config.data.rir_dirs, required=False)}
    assert not trained & {"medium_room", "seminar_room_clap"}


def test_a_table_changes_only_the_keys_it_names(tmp_path):
    from training.config import RECIPE_AUGMENT, TrainConfig, KeywordConfig

    recipe = TrainConfig(keyword=KeywordConfig(phrase="alexa", name="alexa"))
    config = tmp_path / "c.toml"
    config.write_text('[keyword]\nphrase = "alexa"\nname = "alexa"\n[teacher]\ndilations = [1, 2]\n'
                      '[student]\ndilations = [1, 2]\n[augment]\nnoise_probability = 0.5\n[qat_training]\nepochs = 1\n')
    loaded = load_config(config)
    assert loaded.teacher.dilations == (1, 2) and loaded.teacher.channels == recipe.teacher.channels == 48
    assert loaded.student.channels == recipe.student.channels == 40
    assert loaded.augment.noise_probability == 0.5
    assert loaded.augment.clatter_probability == RECIPE_AUGMENT.clatter_probability == 0.3
    assert loaded.augment.vtlp_probability == RECIPE_AUGMENT.vtlp_probability
    assert loaded.qat_training.epochs == 1 and loaded.qat_training.learning_rate == recipe.qat_training.learning_rate
    config.write_text('[keyword]\nphrase = "alexa"\nname = "alexa"\n[teacher]\nchanels = 8\n')
    with pytest.raises(ConfigError, match="unknown key.*teacher.chanels"):
        load_config(config)


def test_presets_lie_under_the_config(tmp_path):
    from training.config import PRESETS
    from training.quickstart import config_for_phrase

    config = tmp_path / "c.toml"
    config.write_text('[keyword]\nphrase = "alexa"\nname = "alexa"\n')
    default = load_config(config)
    # the default recipe trains what ships; "quality" adds the ablation's variants and the pruned student
    assert (default.preset, default.ablation, default.prune.enabled) == ("", False, False)
    quality = load_config(config, preset="quality")
    assert (quality.preset, quality.ablation, quality.prune.enabled) == ("quality", True, True)
    # the preset changes only what it names: the shipped student's recipe is the same
    changed = {k for k, v in to_dict(quality).items() if v != to_dict(default)[k]}
    assert changed == {"preset", *PRESETS["quality"]}
    assert quality.prune.keep == default.prune.keep and quality.student == default.student
    # a config's own values win over its preset; the preset may be named in the file
    config.write_text('preset = "quality"\n[keyword]\nphrase = "alexa"\nname = "alexa"\n[prune]\nkeep = 0.5\n')
    own = load_config(config)
    assert (own.ablation, own.prune.enabled, own.prune.keep) == (True, True, 0.5)
    assert load_config(config, preset="").ablation is False  # the command line's preset replaces the file's
    assert config_for_phrase("hey mirror", preset="quality").ablation is True
    config.write_text('preset = "best"\n[keyword]\nphrase = "alexa"\nname = "alexa"\n')
    with pytest.raises(ConfigError, match="preset: 'best' is not one of '', 'quality'"):
        load_config(config)
