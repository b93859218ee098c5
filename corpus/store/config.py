"""Where danvan keeps its data: one directory holding the store and the index."""
from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ENV_VAR = "DANVAN_HOME"
STORE_NAME = "danvan.db"
INDEX_NAME = "index"


def data_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The data directory: ``explicit``, else $DANVAN_HOME, else the user data dir."""
    if explicit:
        return Path(explicit)
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    return Path(platformdirs.user_data_dir("danvan", appauthor=False))


def store_path(home: Path) -> Path:
    """The SQLite corpus file inside a data directory."""
    return home / STORE_NAME


def index_path(home: Path) -> Path:
    """The Whoosh index directory inside a data directory."""
    return home / INDEX_NAME
