"""Bad registry files: each file in ``bad_registry/`` names the error it must give (``# expect: REGEX``).

Every file is loaded from a user folder (``path=``, ``$LOFTEEVAL_REGISTRY`` and the CLI's
``--registry``): with ``strict=True`` the error is a :class:`RegistryError` naming the file; by
default the file is skipped with one :class:`RegistryWarning` (one line in the CLI) and the rest
loads; asking for the bad entry's id gives its error.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from lofteeval.cli import main
from lofteeval.errors import RegistryError
from lofteeval.registry import ENV_VAR, RegistryWarning, load_lofte, load_registry
from lofteeval.registry.lofte import _file_id

BAD = Path(__file__).with_name("bad_registry")
FILES = sorted(BAD.glob("*.toml"))


def _expected(file: Path) -> str:
    first = file.read_bytes().split(b"\n", 1)[0].decode("utf-8")
    assert first.startswith("# expect: "), f"{file.name} lacks its '# expect:' line"
    return first.removeprefix("# expect: ")


def _folder_with(tmp_path: Path, file: Path) -> Path:
    folder = tmp_path / "mine"
    folder.mkdir()
    shutil.copy(file, folder / file.name)
    return folder


def test_corpus_is_large_enough():
    assert len(FILES) >= 15


@pytest.mark.parametrize("file", FILES, ids=[f.stem for f in FILES])
def test_bad_file_gives_its_message_via_path(tmp_path, file):
    folder = _folder_with(tmp_path, file)
    with pytest.raises(RegistryError, match=_expected(file)) as info:
        load_registry(folder, strict=True)
    assert file.name in str(info.value)
    with pytest.warns(RegistryWarning, match=_expected(file)) as record:
        loaded = load_registry(folder)
    assert len(record) == 1 and file.name in str(record[0].message)
    assert {"gotland-2020", "skara-2021"} <= set(loaded)  # the rest loaded


@pytest.mark.parametrize("file", FILES, ids=[f.stem for f in FILES])
def test_bad_file_via_env_var_and_cli_is_one_line(tmp_path, monkeypatch, capsys, file):
    folder = _folder_with(tmp_path, file)
    monkeypatch.setenv(ENV_VAR, str(folder))
    with pytest.warns(RegistryWarning, match=_expected(file)):
        assert load_lofte("skara-2021").kommuner == ("1495",)
    bad_id = _file_id(file) or file.stem
    if bad_id not in load_registry(strict=False):  # asking for the bad entry gives its error
        with pytest.raises(RegistryError, match=_expected(file)):
            load_lofte(bad_id)
    monkeypatch.delenv(ENV_VAR)
    assert main(["loften", "--registry", str(folder)]) == 0
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert re.search(_expected(file), captured.err) and file.name in captured.err
    assert "skara-2021" in captured.out


def test_one_bad_file_among_good_ones_names_only_that_file(tmp_path, capsys):
    folder = _folder_with(tmp_path, BAD / "unknown_kommun.toml")
    good = (BAD / "end_before_start.toml").read_text(encoding="utf-8")
    (folder / "ok.toml").write_text(good.replace("end = 2020-12-31", "end = 2021-12-31"),
                                    encoding="utf-8")
    assert main(["loften", "--registry", str(folder)]) == 0
    captured = capsys.readouterr()
    assert "test-end-before-start" in captured.out and "unknown_kommun.toml" in captured.err
    assert "ok.toml" not in captured.err and captured.err.count("\n") == 1
    assert main(["lofte", "show", _file_id(BAD / "unknown_kommun.toml"), "--registry", str(folder)]) == 2
    assert "unknown kommun" in capsys.readouterr().err


def test_good_user_folder_via_cli_flag_and_env_var(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "mine"
    folder.mkdir()
    good = (BAD / "end_before_start.toml").read_text(encoding="utf-8")
    (folder / "ok.toml").write_text(good.replace("end = 2020-12-31", "end = 2021-12-31"),
                                    encoding="utf-8")
    assert main(["lofte", "show", "test-end-before-start", "--registry", str(folder)]) == 0
    assert "Gotland (0980)" in capsys.readouterr().out
    monkeypatch.setenv(ENV_VAR, str(folder))
    assert main(["loften"]) == 0
    assert "test-end-before-start" in capsys.readouterr().out
    assert main(["lofte", "show", "test-end-before-start"]) == 0


def test_missing_user_folder_via_cli(tmp_path, capsys):
    assert main(["loften", "--registry", str(tmp_path / "nope")]) == 2
    assert "does not exist or is not a folder" in capsys.readouterr().err
