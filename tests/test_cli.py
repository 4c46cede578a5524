"""The command line as a user runs it: exit codes, messages, output formats."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from kg.cli import main


def test_extract_json_prints_one_object_per_sample_item():
    result = CliRunner().invoke(main, ["extract", "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 29
    assert {"source", "index", "title", "date_published", "countries", "organizations"} <= set(lines[0])


def test_extract_reports_a_bad_page_and_goes_on(tmp_path: Path, sample_dir: Path):
    (tmp_path / "broken.txt").write_bytes(b"\x00\xff\xfe")
    result = CliRunner().invoke(main, ["extract", "--json", str(tmp_path / "broken.txt"),
                                       str(sample_dir / "004_b59d9b25a20bdcd6.txt")])
    assert result.exit_code == 1
    assert "broken.txt:1: not valid UTF-8" in result.stderr
    assert len(result.stdout.splitlines()) == 6


def test_build_then_query(tmp_path: Path, sample_dir: Path):
    store = tmp_path / "store"
    runner = CliRunner()
    built = runner.invoke(main, ["build", str(sample_dir / "002_be47f603ef597797.txt"), "--store", str(store)])
    assert built.exit_code == 0, built.output
    assert "10 items read, 10 loaded, 0 quarantined" in built.output
    query = "PREFIX schema: <https://schema.org/> SELECT (COUNT(*) AS ?n) WHERE { ?a a schema:NewsArticle }"
    table = runner.invoke(main, ["query", query, "--store", str(store)])
    assert table.exit_code == 0 and "10" in table.output and "(1 row)" in table.output
    csv = runner.invoke(main, ["query", query, "--store", str(store), "--format", "csv"])
    assert csv.stdout.splitlines() == ["n", "10"]


def test_query_syntax_error_names_the_position(tmp_path: Path):
    store = tmp_path / "store"
    CliRunner().invoke(main, ["build", "--store", str(store)])
    result = CliRunner().invoke(main, ["query", "SELECT * WHERE { ?s ?p }", "--store", str(store)])
    assert result.exit_code == 2
    assert "1:" in result.stderr and "syntax" in result.stderr


def _dump(tmp_path: Path, sample_dir: Path) -> Path:
    store = tmp_path / "store"
    CliRunner().invoke(main, ["build", str(sample_dir / "002_be47f603ef597797.txt"), "--store", str(store)])
    return store / "dumps" / "kg.trig"


def test_validate_exit_codes_for_good_broken_and_unparsable_files(tmp_path: Path, sample_dir: Path):
    dump = _dump(tmp_path, sample_dir)
    runner = CliRunner()
    good = runner.invoke(main, ["validate", str(dump)])
    assert good.exit_code == 0, good.output
    assert good.stdout.startswith("CONFORMS")
    broken = tmp_path / "broken.trig"
    text = dump.read_text(encoding="utf-8")
    assert '"2017-09-03"^^xsd:date' in text
    broken.write_text(text.replace('"2017-09-03"^^xsd:date', '"3 September"'), encoding="utf-8")
    bad = runner.invoke(main, ["validate", str(broken), "--format", "json"])
    assert bad.exit_code == 1
    report = json.loads(bad.stdout)
    assert "BUL-003" in {row["rule_id"] for row in report["summary"]}
    garbage = tmp_path / "garbage.ttl"
    garbage.write_text("this is < not turtle", encoding="utf-8")
    unparsable = runner.invoke(main, ["validate", str(garbage)])
    assert unparsable.exit_code == 3
    assert "garbage.ttl" in unparsable.stderr and len(unparsable.stderr.strip().splitlines()) == 1
    usage = runner.invoke(main, ["validate"])
    assert usage.exit_code == 2


def test_quarantine_list_on_a_clean_build_and_links_export(tmp_path: Path, sample_dir: Path):
    dump = _dump(tmp_path, sample_dir)
    listed = CliRunner().invoke(main, ["quarantine", "list", "--store", str(dump.parent.parent)])
    assert listed.exit_code == 0 and "(0 quarantined items)" in listed.stdout
    missing = CliRunner().invoke(main, ["quarantine", "show", "nope", "--store", str(dump.parent.parent)])
    assert missing.exit_code == 1 and "not in the quarantine" in missing.output
    sssom = CliRunner().invoke(main, ["links", "--format", "sssom"])
    assert sssom.exit_code == 0 and "#mapping_set_id:" in sssom.stdout
    assert "kgid:country/pan\t" in sssom.stdout and "wikidata:Q804" in sssom.stdout
