"""The query page in a real headless Chromium: run an example, see rows, follow an entity link."""
from __future__ import annotations

import shutil
import tempfile
import urllib.parse

import pytest

from kg.settings import Settings
from kg.web import create_app
from web_support import PAN, QUERIES, LiveServer, build_sample_store

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="needs chromium and chromedriver on PATH (apt-get install chromium chromium-driver)",
)
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    store = build_sample_store(tmp_path_factory.mktemp("ui") / "kg-store")
    settings = Settings(store=store)
    app = create_app(settings, queries_dir=QUERIES)
    with LiveServer(settings, app) as live:
        yield live
    app.extensions["kg"].close()


@pytest.fixture(scope="module")
def browser():
    profile = tempfile.mkdtemp(prefix="kg-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def rows(browser, expected: int) -> list:
    WebDriverWait(browser, 20).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "table.results-table tbody tr")) >= expected)
    return browser.find_elements(By.CSS_SELECTOR, "table.results-table tbody tr")


def test_run_example_and_follow_an_entity_link(server, browser):
    browser.get(server.url + "/")
    foreign = browser.find_element(By.CSS_SELECTOR, 'li[data-name="wikidata_population"]')
    assert not foreign.find_elements(By.CSS_SELECTOR, ".run-example")
    browser.find_element(By.CSS_SELECTOR, '.run-example[data-name="countries"]').click()
    found = rows(browser, 2)
    assert [r.find_elements(By.TAG_NAME, "td")[1].text for r in found] == ["Costa Rica @en", "Panama @en"]
    assert "query=" in browser.current_url
    downloads = browser.find_element(By.CSS_SELECTOR, '#downloads a[data-format="csv"]').get_attribute("href")
    assert "format=csv" in downloads
    link = browser.find_element(By.CSS_SELECTOR, 'a[href$="/page/country/pan"]')
    assert link.text == PAN
    link.click()
    WebDriverWait(browser, 20).until(ec.presence_of_element_located((By.TAG_NAME, "h1")))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Panama"
    assert browser.find_element(By.CSS_SELECTOR, ".wikidata a").text == "Q804"


def test_permalink_runs_the_query(server, browser):
    query = "SELECT ?article WHERE { ?article a <https://schema.org/NewsArticle> }"
    browser.get(server.url + "/?" + urllib.parse.urlencode({"query": query}))
    assert len(rows(browser, 2)) == 2
    assert browser.find_element(By.ID, "query").get_attribute("value") == query


def test_syntax_error_is_shown(server, browser):
    browser.get(server.url + "/?" + urllib.parse.urlencode({"query": "SELECT WHERE {"}))
    WebDriverWait(browser, 20).until(ec.presence_of_element_located((By.CSS_SELECTOR, "#results pre.error")))
    assert "line 1" in browser.find_element(By.CSS_SELECTOR, "#results pre.error").text


def test_only_web_iris_become_links(server, browser):
    query = "SELECT ?url WHERE { ?org <https://schema.org/url> ?url } ORDER BY ?url"
    browser.get(server.url + "/?" + urllib.parse.urlencode({"query": query}))
    cells = [r.find_element(By.TAG_NAME, "td") for r in rows(browser, 2)]
    assert {c.text for c in cells} == {"https://www.iom.int/", "javascript:alert(1)"}
    hrefs = [a.get_attribute("href") for c in cells for a in c.find_elements(By.TAG_NAME, "a")]
    assert hrefs == ["https://www.iom.int/"]
