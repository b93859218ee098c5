"""One JSON object per line, safe for every line-splitting reader.

``json.dumps(..., ensure_ascii=False)`` leaves U+0085, U+2028 and U+2029 raw;
they are valid inside JSON strings but end a line for Python's
``str.splitlines`` and for older JavaScript, which would cut a record in two.

>>> line({"q": "a\\u2028b"})
'{"q": "a\\\\u2028b"}'
"""
from __future__ import annotations

import json
from typing import Any

_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def line(obj: Any) -> str:
    """``obj`` as one line of JSON (no trailing newline), readable Vietnamese kept as is."""
    return json.dumps(obj, ensure_ascii=False).translate(_LINE_BREAKS)
