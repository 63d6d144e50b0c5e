"""Designs: who is treated, from when, compared with whom and why.

:mod:`.make` builds the frozen :class:`Design`; :mod:`.comparison` selects the comparison pool and
records every reason in English and Swedish.
"""

from __future__ import annotations

from .make import *  # noqa: F403 - make.__all__
from .make import __all__ as __all__  # noqa: PLC0414
