"""Reading YAML safely, with libyaml's C parser where PyYAML was built with it (about ten times faster
on the knowledge base, which every new app and every test reads)."""

from __future__ import annotations

from typing import Any

import yaml

_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 (_LOADER is a SafeLoader)
