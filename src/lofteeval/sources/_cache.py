"""Cached, atomic, provenance-recorded downloads under ``data/raw/``.

:func:`cached_download` fetches a URL once (GET, or POST with a JSON body), retries rate limits
(HTTP 429) and server errors (5xx) honouring ``Retry-After``, writes the body atomically (temp
file + ``os.replace``) and stores ``<file>.provenance.json`` next to it::

    {"url": ..., "method": "GET", "params": {...}, "body": null,
     "downloaded_at": "2025-01-31T12:00:00Z", "sha256": ..., "bytes": 1234,
     "lofteeval_version": "0.1.0", "source_version": "v3", "status": 200}

A second call with the same request reuses the file after checking its checksum against the
record; a file changed since download raises :class:`~lofteeval.errors.FetchError`.  Network
failures raise ``FetchError`` saying how to proceed offline (download by hand and use
``lofteeval import``).  Tests never touch the network: pass an ``httpx.Client`` built on
``httpx.MockTransport``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from datetime import datetime, timezone
from pathlib import Path
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from ..errors import FetchError
from ..files import write_bytes

__all__ = ["cached_download", "request_with_retry", "read_provenance", "MAX_RETRIES"]

MAX_RETRIES = 5
MAX_WAIT = 60.0
_sleep = time.sleep  # patched in tests
USER_AGENT = "lofteeval (Python research package; medborgarlofte evaluation)"


def _key(url: str, params: dict | None, body: object | None) -> str:
    blob = json.dumps([url, params or {}, body], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def _file_name(url: str, params: dict | None, body: object | None, suffix: str | None) -> str:
    parts = urlsplit(url)
    tail = [p for p in parts.path.split("/") if p][-3:]
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", "_".join([parts.netloc.split(".")[-2] if "." in parts.netloc
                                                        else parts.netloc, *tail]))[:80].strip("-")
    ext = suffix or (Path(parts.path).suffix if Path(parts.path).suffix in (".csv", ".json", ".xlsx") else ".json")
    return f"{slug}-{_key(url, params, body)}{ext}"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _retry_after(value: str | None, attempt: int) -> float:
    if value:
        try:
            return min(max(float(value), 0.0), MAX_WAIT)
        except ValueError:
            pass
    return min(2.0 ** attempt, MAX_WAIT)


def _offline_hint(url: str) -> str:
    return (f"Download {url} by hand in a browser, save it, and run "
            "`lofteeval import <source> FILE --out PATH` instead.")


def request_with_retry(client: Any, method: str, url: str, *, params: dict | None = None,
                       body: object | None = None, max_retries: int = MAX_RETRIES) -> Any:
    """Send one request, retrying 429 and 5xx (honouring ``Retry-After``); return the response.

    Raises
    ------
    FetchError
        Network failure, a non-retryable HTTP error, or still failing after ``max_retries``.
    """
    import httpx

    for attempt in range(max_retries + 1):
        try:
            resp = client.request(method, url, params=params, json=body)
        except httpx.HTTPError as exc:
            raise FetchError(f"could not reach {url} ({exc.__class__.__name__}: {exc}); are you offline? "
                             + _offline_hint(url)) from None
        if resp.status_code == 429 or resp.status_code >= 500:
            if attempt == max_retries:
                raise FetchError(f"{url} still answers HTTP {resp.status_code} after {max_retries} retries; "
                                 "try again later. " + _offline_hint(url))
            _sleep(_retry_after(resp.headers.get("retry-after"), attempt))
            continue
        if resp.status_code >= 400:
            raise FetchError(f"{url} answered HTTP {resp.status_code}: {resp.text[:200]!r}. Check the ids "
                             "in the request (HTTP 400: too long URL or unknown value; 404: bad route; "
                             "410: API version retired).")
        return resp
    raise AssertionError("unreachable")  # pragma: no cover


def write_provenance(path: str | Path, record: Mapping[str, Any]) -> None:
    """Store ``record`` next to the cached file ``path`` (atomically; :func:`read_provenance` reads it)."""
    write_bytes(Path(f"{path}.provenance.json"), json.dumps(record, indent=2, ensure_ascii=False).encode("utf-8"))


def read_provenance(path: str | Path) -> dict:
    """The provenance record stored next to a cached download."""
    rec = Path(f"{path}.provenance.json")
    if not rec.is_file():
        raise FetchError(f"no provenance record {rec.name} next to {Path(path).name}; "
                         "delete the file and download again.")
    try:
        record = json.loads(rec.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise FetchError(f"provenance record {str(rec)!r} is unreadable ({exc.__class__.__name__}: {exc}); "
                         f"delete it and {Path(path).name}, then download again (--refresh).") from None
    if not isinstance(record, dict):
        raise FetchError(f"provenance record {str(rec)!r} must be a JSON object (got "
                         f"{type(record).__name__}); delete it and download again (--refresh).")
    return record


def cached_download(
    url: str,
    *,
    dest_dir: str | Path | None = None,
    params: dict | None = None,
    body: object | None = None,
    client: Any | None = None,
    refresh: bool = False,
    source_version: str | None = None,
    suffix: str | None = None,
) -> Path:
    """Download ``url`` into ``dest_dir`` once and return the cached file's path.

    Parameters
    ----------
    url, params
        The request (GET with query ``params``; POST when ``body``, a JSON-able object, is given).
    dest_dir
        Folder for the file and its provenance record; default ``config.raw_dir()``.
    client
        An ``httpx.Client`` (tests pass one on ``httpx.MockTransport``); default a new client
        with a User-Agent and a 60 s timeout.
    refresh
        Download again even when a cached copy exists.
    source_version
        Publisher's API/data version for the record (e.g. ``"kolada v3"``).
    suffix
        File extension; default from the URL, else ``.json``.

    Raises
    ------
    FetchError
        Network or HTTP failure (with how to proceed offline), or a cached file whose checksum no
        longer matches its provenance record.
    """
    from .. import __version__, config

    folder = Path(dest_dir) if dest_dir is not None else config.raw_dir()
    path = folder / _file_name(url, params, body, suffix)
    if path.is_file() and not refresh:
        rec = read_provenance(path)
        actual = _sha256(path)
        if actual != rec.get("sha256"):
            raise FetchError(f"cached file {path.name} changed since it was downloaded (sha256 {actual[:12]} "
                             f"!= recorded {str(rec.get('sha256'))[:12]}); raw files must not be edited. "
                             "Delete it or pass refresh=True (--refresh) to download again.")
        return path
    own = client is None
    if own:
        import httpx

        client = httpx.Client(timeout=60.0, headers={"User-Agent": USER_AGENT}, follow_redirects=True)
    try:
        resp = request_with_retry(client, "POST" if body is not None else "GET", url, params=params, body=body)
    finally:
        if own and client is not None:
            client.close()
    data = resp.content
    write_bytes(path, data)
    record = {
        "url": url, "method": "POST" if body is not None else "GET", "params": params, "body": body,
        "downloaded_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data),
        "lofteeval_version": __version__, "source_version": source_version, "status": resp.status_code,
    }
    write_provenance(path, record)
    return path
