"""The deployment package itself: its files against manifest.json."""

from __future__ import annotations

import hashlib
import json
import os


def check_files(manifest: str) -> list[str]:
    """Every file manifest.json lists, hashed: one line per missing or
    changed file (an empty list when the package is whole)."""
    root = os.path.dirname(os.path.abspath(manifest))
    with open(manifest, encoding="utf-8") as f:
        files = json.load(f).get("files", {})
    bad = []
    for rel, sha in sorted(files.items()):
        path = os.path.join(root, *rel.split("/"))
        try:
            with open(path, "rb") as f:
                got = hashlib.sha256(f.read()).hexdigest()
        except OSError as e:
            bad.append(f"{rel}: {e.strerror}")
            continue
        if got != sha:
            bad.append(f"{rel}: SHA-256 {got}, manifest.json says {sha}")
    return bad
