"""(being written)"""

from __future__ import annotations

from flowscan.catalog.readers import Reader

READERS: tuple[Reader, ...] = ()
