from __future__ import annotations

import json

import httpx
import pytest

from lofteeval.errors import FetchError
from lofteeval.sources._cache import cached_download, read_provenance


def _client(calls):
    def handler(request):
        calls.append(request)
        return httpx.Response(200, content=b"Kommun;Antal\nAle;1\n")
    return httpx.Client(transport=httpx.MockTransport(handler))


def test_cache_writes_provenance_and_reuses(tmp_path):
    calls: list = []
    url = "https://example.org/data/file.csv"
    path = cached_download(url, dest_dir=tmp_path, client=_client(calls), source_version="test v1")
    rec = read_provenance(path)
    assert rec["url"] == url and rec["bytes"] == len(path.read_bytes()) and rec["source_version"] == "test v1"
    assert rec["downloaded_at"].endswith("Z") and len(rec["sha256"]) == 64
    assert path.suffix == ".csv" and not list(tmp_path.glob("*.part"))  # atomic: no temp files left
    assert cached_download(url, dest_dir=tmp_path, client=_client(calls)) == path
    assert len(calls) == 1
    cached_download(url, dest_dir=tmp_path, client=_client(calls), refresh=True)
    assert len(calls) == 2


def test_changed_cache_file_is_an_error(tmp_path):
    url = "https://example.org/data/file.csv"
    path = cached_download(url, dest_dir=tmp_path, client=_client([]))
    path.write_bytes(b"edited by hand")
    with pytest.raises(FetchError, match="changed since it was downloaded.*refresh"):
        cached_download(url, dest_dir=tmp_path, client=_client([]))


def test_http_error_names_status(tmp_path):
    client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(410, text="Gone")))
    with pytest.raises(FetchError, match="HTTP 410"):
        cached_download("https://api.kolada.se/v2/data", dest_dir=tmp_path, client=client)
