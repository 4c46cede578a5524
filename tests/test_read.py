"""The reader: five layouts, chrome, dates, and bad pages reported without losing the rest."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from conftest import PAGES
from kg.read import read_page, read_paths, read_text
from kg.model import BulletinItem, ReadError


def _items(text: str, source: str = "page.txt") -> list[BulletinItem]:
    items, errors = read_text(text, source)
    assert errors == []
    return items


def test_sample_matches_gold_titles_dates_and_lines(sample_dir, shared_dir):
    gold = {}
    for path in (shared_dir / "gold").glob("*.json"):
        for item in json.loads(path.read_text(encoding="utf-8"))["items"]:
            gold[item["id"]] = item
    read = [x for x in read_paths([sample_dir]) if isinstance(x, BulletinItem)]
    assert len(read) == len(gold) == 29
    for item in read:
        expected = gold[f"{item.source[:-4]}#{item.index}"]
        assert item.title == expected["title"]
        assert item.title_line == expected["title_line"]
        published = item.date_published.isoformat() if item.date_published else None
        assert published == expected["date_published"], item.title


def test_article_layout_with_empty_and_filled_date_lines():
    text = ("First title here\n\nDate Publish:\u00a0\n\nLima – IOM opened an office today.\n\n"
            "Second title\n\nDate Publish: \n12 / 03 / 2021\n\nQuito - Body of the second one.\n")
    first, second = _items(text)
    assert (first.title, first.date_published, first.date_raw) == ("First title here", None, "")
    assert first.body == "Lima – IOM opened an office today."
    assert (second.date_published, second.date_raw) == (date(2021, 3, 12), "12 / 03 / 2021")
    assert second.layout == "article"


def test_listing_with_spanish_months_crlf_and_bom():
    text = ("\ufeff3 de septiembre de 2019\r\n\r\nLa OIM lanza un curso\r\n\r\nEl curso virtual comienza hoy.\r\n\r\n"
            "14 Octubre, 2019\r\n\r\nSecond “quoted” title\r\n\r\nSummary, with\u00a0\u00a0spaces.\r\n")
    first, second = _items(text)
    assert first.date_published == date(2019, 9, 3)
    assert first.title == "La OIM lanza un curso"
    assert second.title == "Second “quoted” title"
    assert second.date_published == date(2019, 10, 14)
    assert second.body == "Summary, with spaces."
    assert {first.layout, second.layout} == {"listing-dated"}


def test_undated_listing_and_chrome_article():
    listing = _items("Title one\n\nA summary that is a sentence.\n\n\nTitle two\n\nAnother summary sentence.\n")
    assert [i.title for i in listing] == ["Title one", "Title two"]
    assert {i.layout for i in listing} == {"listing-undated"}
    page = (PAGES / "read" / "chrome.txt").read_text(encoding="utf-8")
    (article,) = _items(page)
    assert article.layout == "chrome-article"
    assert article.title == "Haitian Nurses Complete Training on Migrant Health"
    assert "Menu" not in article.body and article.body.startswith("Port-au-Prince")


def test_empty_page_is_an_error_naming_the_file(tmp_path: Path):
    page = tmp_path / "empty.txt"
    page.write_text(" \n\u00a0\n", encoding="utf-8")
    items, errors = read_page(page)
    assert items == [] and len(errors) == 1
    assert str(errors[0]).startswith("empty.txt: empty page")


def test_undecodable_page_names_line_and_the_build_goes_on(tmp_path: Path):
    (tmp_path / "a.txt").write_bytes(b"Title\n\nGood line.\nBad \xff byte here.\n")
    (tmp_path / "b.txt").write_text("A title\n\nA body sentence.\n", encoding="utf-8")
    results = list(read_paths([tmp_path]))
    errors = [r for r in results if isinstance(r, ReadError)]
    items = [r for r in results if isinstance(r, BulletinItem)]
    assert [str(e).split(":")[:2] for e in errors] == [["a.txt", "4"]]
    assert "UTF-8" in errors[0].message
    assert [i.source for i in items] == ["b.txt"]


def test_page_without_items_is_reported():
    items, errors = read_text("- Home\n- About\n", "menu.txt")
    assert items == [] and errors[0].line == 1 and "no bulletin item" in errors[0].message


def test_item_slug_is_stable():
    (item,) = _items("A title\n\nA body sentence.\n", "001_ABC.txt")
    assert item.slug == "001-abc-1"
