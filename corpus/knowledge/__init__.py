"""Vietnamese and domain knowledge shared by corpus, indexer and search_app: text normalisation,
provinces, document numbers, extraction rules and genre rules as data (tables under ``data/``)."""
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
