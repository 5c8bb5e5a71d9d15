"""A new wake word without writing a config first.

``wakeword-train --phrase "hey mirror" --speech DIR --noise DIR --rir DIR --negatives DIR`` trains
the phrase with the default recipe and the folders given (:func:`config_for_phrase`);
``wakeword-train init hey_mirror --phrase "hey mirror"`` writes a commented config to edit
(:func:`config_text`). Before training, :func:`missing_data` says what the run lacks and what that
costs: with no folder at all it still trains, from synthesized speech and generated noise, but
chooses no threshold.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Sequence

from wakeword.config import from_dict
from wakeword.errors import ConfigError

from .config import TrainConfig, _over_recipe

#: a keyword name: it names the bundle, its files and its firmware symbols
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

#: the folders a user may have, by option: (table, key, what they are for)
FOLDERS = {
    "speech": ("data", "real_speech_dirs",
               "real speech without the phrase (e.g. LibriSpeech): negative windows, hard negatives, and "
               "keyword clips spliced from real speakers"),
    "noise": ("data", "noise_dirs", "background noise recordings (folders or single files): augmentation, and "
              "the threshold's check in noise"),
    "rir": ("data", "rir_dirs", "room impulse responses (folders or single files): reverberation"),
    "negatives": ("evaluation", "negatives_dirs",
                  "other real speech without the phrase, never trained on: the threshold is chosen on it "
                  "(false accepts per hour)"),
    "positives": ("evaluation", "positives_dirs",
                  "real recordings of the phrase, if you have some: they only measure the result"),
}

#: what a run without each folder loses (said before training starts)
LACKS = {
    "speech": "no real speech: negatives are synthesized phrases and noise only, no hard negatives "
              "mined in speech, no keyword clips spliced from real speakers (expect more false accepts on "
              "real conversation)",
    "noise": "no noise recordings: generated white, pink and brown noise only",
    "rir": "no room impulse responses: no reverberation in training (expect more misses in large rooms)",
    "negatives": "no held-out real speech ([evaluation] negatives_dirs): no threshold is chosen (it stays "
                 "at the default {threshold}) and the bundle states no false accepts per hour",
}


def name_for(phrase: str) -> str:
    """The keyword name of ``phrase``: lower case, words joined by ``_`` ("Hey Mirror" -> hey_mirror)."""
    name = re.sub(r"[^a-z0-9]+", "_", phrase.lower()).strip("_")
    if name and not name[0].isalpha():
        name = "w_" + name
    return name[:40]


def check_name(name: str) -> str:
    if not NAME_PATTERN.match(name):
        raise ConfigError(f"keyword name {name!r}: use 1-40 lower-case letters, digits and _ starting with a "
                          "letter (it names the bundle, its files and the firmware's symbols)")
    return name


def config_for_phrase(phrase: str, *, name: str | None = None, version: str = "0.1.0",
                      folders: dict[str, Sequence[str]] | None = None, preset: str = "") -> TrainConfig:
    """The default recipe (or its ``preset``) for ``phrase``, with ``folders`` (keys of
    :data:`FOLDERS`: lists of paths, resolved against the working directory)."""
    name = check_name(name or name_for(phrase))
    raw: dict = {"keyword": {"phrase": phrase, "name": name, "version": version}, "preset": preset}
    for option, paths in (folders or {}).items():
        if option not in FOLDERS:
            raise ConfigError(f"unknown data folder kind {option!r}; known: {', '.join(FOLDERS)}")
        if paths:
            table, key, _ = FOLDERS[option]
            raw.setdefault(table, {})[key] = [str(Path(p).expanduser().resolve()) for p in paths]
    return from_dict(TrainConfig, _over_recipe(raw))


def missing_data(config: TrainConfig) -> list[str]:
    """One line for each kind of real data ``config`` lacks (its folders are unset or none exists),
    saying what the run loses without it."""
    lacks = []
    for option, (table, key, _) in FOLDERS.items():
        if option not in LACKS:
            continue
        paths = getattr(getattr(config, table), key)
        if not any(Path(p).exists() for p in paths):
            lacks.append(LACKS[option].format(threshold=config.export.detector.threshold))
    return lacks


def _toml_list(paths: Sequence[str]) -> str:
    return "[" + ", ".join(json.dumps(str(p)) for p in paths) + "]"


def config_text(name: str, *, phrase: str | None = None, version: str = "0.1.0",
                folders: dict[str, Sequence[str]] | None = None, base: Path | None = None) -> str:
    """A commented training config for keyword ``name`` (its phrase: ``phrase``, else the name's
    words). Folder paths are written relative to ``base`` (the config's folder) when they lie under
    it, else absolute; kinds without a folder are written commented out. The defaults it shows come
    from :class:`training.config.TrainConfig`, so they cannot drift from the recipe."""
    check_name(name)
    phrase = phrase or name.replace("_", " ")
    recipe = config_for_phrase(phrase, name=name, version=version)  # validates phrase and version
    folders = folders or {}

    def shown(paths: Sequence[str]) -> list[str]:
        out = []
        for p in paths:
            path = Path(p).expanduser().resolve()
            if base is not None:
                try:
                    out.append(str(path.relative_to(base.resolve())))
                    continue
                except ValueError:
                    pass
            out.append(str(path))
        return out

    lines = [f"# Training config for the wake word {json.dumps(phrase)}, written by `wakeword-train init`.",
             "# Every setting not named here is the default recipe, the one every shipped word uses",
             "# (docs/config.md lists each key with its default). Paths are relative to this file.",
             f"# Train it:  wakeword-train THIS_FILE --out runs/{name}", "",
             "# also train and measure the ablation table's comparison models (plain, QAT and",
             "# channel-pruned students; about half again the time, the same shipped model)",
             '# preset = "quality"', "",
             "[keyword]", f"phrase = {json.dumps(phrase)}", f"name = {json.dumps(name)}",
             f"version = {json.dumps(version)}"]
    for table in ("data", "evaluation"):
        lines += ["", f"[{table}]"]
        for option, (t, key, meaning) in FOLDERS.items():
            if t != table:
                continue
            lines.append(f"# {meaning}")
            paths = folders.get(option) or ()
            lines.append(f"{key} = {_toml_list(shown(paths))}" if paths else f"# {key} = [\"path/to/folder\"]")
        if table == "data":
            lines += ["# processes for synthesis, augmentation and features (or executor = \"ray\")",
                      f"# workers = {recipe.data.workers}"]
        else:
            lines += ["# which half of each positives folder measures (\"all\", \"dev\", \"test\")",
                      f"# positives_half = {json.dumps(recipe.evaluation.positives_half)}"]
    export = recipe.export
    lines += ["", "[export]",
              "# the threshold and detector window are chosen for at most this many false accepts an hour",
              "# on the negatives, clean and in the training noise, with the lowest FRR that allows",
              f"# target_fa_per_hour = {export.target_fa_per_hour}",
              f"# noise_target_fa_per_hour = {export.noise_target_fa_per_hour}",
              f"# windows = {list(export.windows)}", ""]
    return "\n".join(lines)


def write_config(path: Path, text: str, *, force: bool = False) -> None:
    """Write ``text`` to ``path``; an existing file is kept unless ``force``."""
    if path.exists() and not force:
        raise ConfigError(f"{path} exists; not overwritten (choose another path, or --force)")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)

