from __future__ import annotations

import json

import httpx
import pandas as pd
import pytest

from lofteeval.cli import main
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


def test_cli_import_prints_summary_and_writes(fx, tmp_path, capsys):
    out = tmp_path / "bra.csv"
    assert main(["import", "bra", str(fx / "bra_kommun_2021_noheader.csv"), "--year", "2021", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "rows in 7 = rows out 5 + dropped 2" in text and "stadsdel" in text
    written = pd.read_csv(out, dtype={"kommun": str})
    assert sorted(written["kommun"]) == ["0180", "0980", "1440", "2023", "2506"]


def test_cli_import_error_is_one_line(fx, capsys):
    assert main(["import", "bra", str(fx / "bad_html.csv"), "--year", "2023"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lofteeval: error:") and "HTML" in err and "Traceback" not in err


def test_cli_import_bra_needs_year(fx, capsys):
    assert main(["import", "bra", str(fx / "bra_kommun_2023.csv")]) == 2
    assert "--year" in capsys.readouterr().err


@pytest.mark.parametrize("source, name", [("kolada", "kolada_v2.json"), ("scb", "scb_v1.json"),
                                          ("survey", "survey_results.csv"), ("polisen", "polisen_extract.csv"),
                                          ("bra-sol", "bra_sol_long.csv")])
def test_cli_import_every_source(fx, tmp_path, capsys, source, name):
    out = tmp_path / "t.parquet"
    assert main(["import", source, str(fx / name), "--out", str(out)]) == 0
    assert "rows in" in capsys.readouterr().out and len(pd.read_parquet(out)) > 0
