"""The löfte registry: löften (:mod:`.lofte`), their activity follow-up (:mod:`.followup`) and
Swedish text → focus areas and draft entries (:mod:`.classify`, :mod:`.draft`, :mod:`.lexicon`).

The TOML files themselves ship in ``lofteeval/registry_data/``.
"""

from __future__ import annotations

from .classify import FocusAreaHit, Sentence, classify_focus_areas, hits_to_frame, segment, sentence_areas
from .draft import ExtractedTarget, TextMetadata, draft_lofte, extract_metadata
from .followup import (FOLLOW_UP_COLUMNS, example_follow_up_path, follow_up, follow_up_template,
                       read_follow_up, write_follow_up_template)
from .lofte import *  # noqa: F403 - the registry's public names (lofte.__all__)
from .lofte import ENV_VAR, NATIONAL_DIR, PACKAGE_DIR
from .lofte import __all__ as _lofte_all

__all__ = [*_lofte_all, "ENV_VAR", "NATIONAL_DIR", "PACKAGE_DIR", "FocusAreaHit", "Sentence", "classify_focus_areas",
           "hits_to_frame", "segment", "sentence_areas", "ExtractedTarget", "TextMetadata", "draft_lofte",
           "extract_metadata", "FOLLOW_UP_COLUMNS", "example_follow_up_path", "follow_up",
           "follow_up_template", "read_follow_up", "write_follow_up_template"]
