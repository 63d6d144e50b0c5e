"""Designs: who is treated, from when, compared with whom and why.

:mod:`.make` builds the frozen :class:`Design`; :mod:`.comparison` selects the comparison pool and
records every reason in English and Swedish; :mod:`.pivots` pivots a panel once for all its designs.
"""

from __future__ import annotations

from .make import *  # noqa: F403 - make.__all__
from .make import __all__ as _make_all
from .pivots import PanelPivots

__all__ = [*_make_all, "PanelPivots"]
