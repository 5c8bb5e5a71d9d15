"""The models the app can pick: built-in bundles, bundles in a user folder, peer models.

Pure Python (no Kivy), so it is tested directly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from wakeword.bundle import BUNDLE_SUFFIX, MANIFEST_NAME, Bundle, builtin_names, open_bundle
from wakeword.peers import PEER_PREFIX
from wakeword.errors import BundleError

USER_DIR_ENV = "WAKEWORD_BUNDLE_DIR"


@dataclass(frozen=True)
class ModelChoice:
    """One entry of the model picker.

    label : text shown in the picker (unique within a catalog)
    ref : how to load it: a built-in name, a bundle path, or ``microwakeword:NAME``
    kind : "built-in", "user", "personal" or "peer"
    key_file : a public key that must verify it besides the usual ones (a personal bundle's device key)
    """

    label: str
    ref: str
    kind: str
    key_file: str | None = None

    def load(self, *, allow_unsigned: bool = False, trusted_key_files: tuple = ()) -> Bundle:
        """The bundle (a peer model, or one whose signature must verify with a trusted key, the
        release keys or ``trusted_key_files``, unless ``allow_unsigned``), by
        :func:`wakeword.bundle.open_bundle` like everywhere else."""
        keys = tuple(trusted_key_files) + ((self.key_file,) if self.key_file else ())
        return open_bundle(self.ref, allow_unsigned=allow_unsigned, trusted_key_files=keys)


def default_user_dir() -> Path:
    """``$WAKEWORD_BUNDLE_DIR``, else ``~/.local/share/wakeword/bundles``."""
    env = os.environ.get(USER_DIR_ENV)
    if env:
        return Path(env)
    return Path.home() / ".local" / "share" / "wakeword" / "bundles"


def user_bundle_paths(folder: str | os.PathLike) -> list[Path]:
    """Bundle folders (holding a manifest) and ``.wwb`` files directly inside ``folder``."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = []
    for child in sorted(folder.iterdir()):
        if child.name.startswith("."):
            continue
        if (child.is_dir() and (child / MANIFEST_NAME).is_file()) or \
                (child.is_file() and child.suffix == BUNDLE_SUFFIX):
            found.append(child)
    return found


def personal_choices(store) -> list[ModelChoice]:
    """The personalized bundles of a :class:`wakeword.personalize.PersonalStore` ("NAME (yours)")."""
    from wakeword.signing import PUBLIC_KEY_NAME

    if not store.root.is_dir():
        return []
    key = store.key_dir / PUBLIC_KEY_NAME
    return [ModelChoice(f"{path.name} (yours)", str(path), "personal", str(key))
            for path in user_bundle_paths(store.root) if path.is_dir() and key.is_file()]


def available_models(user_dirs: list[str | os.PathLike] | None = None, *, include_peers: bool = True,
                     personal_store=None) -> list[ModelChoice]:
    """Every model the picker offers: built-in, then personal (``personal_store``), user bundles, peers."""
    choices: list[ModelChoice] = [ModelChoice(f"{name} (built-in)", name, "built-in") for name in builtin_names()]
    if personal_store is not None:
        choices += personal_choices(personal_store)
    dirs = [default_user_dir()] if user_dirs is None else [Path(d) for d in user_dirs]
    seen = set()
    for folder in dirs:
        for path in user_bundle_paths(folder):
            if path.resolve() in seen:
                continue
            seen.add(path.resolve())
            stem = path.name[:-len(BUNDLE_SUFFIX)] if path.name.endswith(BUNDLE_SUFFIX) else path.name
            choices.append(ModelChoice(f"{stem} (user)", str(path), "user"))
    if include_peers:
        from wakeword.peers import microwakeword_names

        for name in microwakeword_names():
            choices.append(ModelChoice(f"{name} (microWakeWord)", f"{PEER_PREFIX}{name}", "peer"))
    labels: dict[str, int] = {}
    unique = []
    for choice in choices:                       # keep labels unique for the picker
        n = labels.get(choice.label, 0)
        labels[choice.label] = n + 1
        unique.append(choice if n == 0 else ModelChoice(f"{choice.label} #{n + 1}", choice.ref, choice.kind,
                                                        choice.key_file))
    return unique


def find_choice(choices: list[ModelChoice], wanted: str) -> ModelChoice:
    """The choice whose ref or label is ``wanted``; a path or name not listed is loaded as given."""
    for choice in choices:
        if wanted in (choice.ref, choice.label):
            return choice
    if wanted.startswith(PEER_PREFIX):
        return ModelChoice(f"{wanted[len(PEER_PREFIX):]} (microWakeWord)", wanted, "peer")
    if Path(wanted).exists():
        return ModelChoice(f"{Path(wanted).name} (file)", wanted, "user")
    known = ", ".join(c.ref for c in choices) or "none"
    raise BundleError(f"no model {wanted!r}; available: {known}")
