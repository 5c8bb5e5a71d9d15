"""Dataset recipes: where the public corpora come from, their licences, offline
fetching from a local mirror with checksum checks, split manifests, and a recorder
for your own wake-word samples. Run ``wakeword-data --help``.
"""

from .recipes import RECIPES, Recipe, RemoteFile, fetch, get_recipe
from .split import read_manifest, split_files, write_manifest

__all__ = ["RECIPES", "Recipe", "RemoteFile", "fetch", "get_recipe", "read_manifest", "split_files",
           "write_manifest"]
