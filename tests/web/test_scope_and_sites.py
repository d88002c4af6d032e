"""Sites and scopes, the same for the page, the API and the CLI.

- A site the index does not know is an error naming the known sites: a 400 on /api/search and
  /api/suggest, a visible notice on the page and on /embed, one line from `tracuu search`; never
  0 results in silence. The known sites come from the engine (``Backend.known_sites``, each engine).
- One default scope: the Site scope when a default site is configured, else Web; so the page, the
  API and `tracuu search` give the same total for the same query.
"""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from cli import main
from helpers.corpus import DEPT_SITE, DOCUMENTS_JSONL, OTHER_SITE
from webapp import create_app

QUERY = "trẻ em"
KNOWN = sorted({DEPT_SITE, OTHER_SITE})
NO_ENV = {"TRACUU_DEFAULT_SITE": None, "TRACUU_CONFIG_FILE": None, "TRACUU_WEB_SITES": None,
          "TRACUU_INDEX_DIR": None, "TRACUU_BACKEND": None}


def cli(index_dir, *args):
    result = CliRunner().invoke(main, ["--index-dir", str(index_dir), *map(str, args)], env=NO_ENV)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def page_total(response) -> int:
    match = re.search(r"Tìm thấy <strong>([\d.]+)</strong>", response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[-2000:]
    return int(match.group(1).replace(".", ""))


def names_every_known_site(message: str) -> bool:
    return all(site in message for site in KNOWN)


# -- known sites, on each engine ----------------------------------------------------------------------

def test_known_sites_are_the_indexed_sites(corpus_backend):
    assert corpus_backend.known_sites() == frozenset(KNOWN)


def test_known_sites_follow_the_index(make_backend, tmp_path):
    from indexer import read_source

    backend = make_backend(tmp_path / "ix", read_source(str(DOCUMENTS_JSONL)))
    assert backend.known_sites() == frozenset(KNOWN)
    other = [item.id for item in read_source(str(DOCUMENTS_JSONL)) if getattr(item, "site", None) == OTHER_SITE]
    assert other and backend.delete(other) == []
    assert backend.known_sites() == frozenset({DEPT_SITE})  # a new index version: asked again


def test_configured_sites_are_known(make_backend, tmp_path):
    from indexer import read_source

    backend = make_backend(tmp_path / "ix", read_source(str(DOCUMENTS_JSONL)), default_site="chua-thu-thap",
                           web_sites=["cung-chua-co"])
    assert backend.known_sites() == frozenset({*KNOWN, "chua-thu-thap", "cung-chua-co"})


def test_nothing_indexed_knows_no_site(tmp_path):
    from indexer import BackendSettings, open_backend

    assert open_backend(BackendSettings(index_dir=str(tmp_path / "chua-co"))).known_sites() == frozenset()


@pytest.mark.parametrize("scope", ["site", "web"])
def test_api_unknown_site_is_a_400_naming_the_sites(corpus_engine_client, scope):
    response = corpus_engine_client.get("/api/search", query_string={"q": QUERY, "scope": scope, "site": "nope"})
    assert response.status_code == 400
    message = response.get_json()["error"]
    assert "“nope”" in message and names_every_known_site(message)


def test_api_known_site_is_searched(corpus_engine_client):
    response = corpus_engine_client.get("/api/search", query_string={"q": QUERY, "scope": "site", "site": OTHER_SITE})
    assert response.status_code == 200
    data = response.get_json()
    assert data["total"] > 0 and {hit["site"] for hit in data["results"]} == {OTHER_SITE}


def test_suggest_unknown_site_is_a_400(corpus_engine_client):
    response = corpus_engine_client.get("/api/suggest", query_string={"q": "tre", "site": "nope"})
    assert response.status_code == 400 and names_every_known_site(response.get_json()["error"])


@pytest.mark.parametrize("url", ["/", "/embed"])
@pytest.mark.parametrize("q", [QUERY, ""])
def test_page_and_embed_show_a_notice(corpus_engine_client, url, q):
    response = corpus_engine_client.get(url, query_string={"q": q, "site": "nope"})
    assert response.status_code == 400
    notice = re.search(r'<p class="notice" role="alert">(.*?)</p>', response.get_data(as_text=True), re.S)
    assert notice and "nope" in notice.group(1) and names_every_known_site(notice.group(1))


def test_cli_unknown_site_is_one_vietnamese_line(corpus_dir):
    for args in (("--site", "khong-co"), ("--scope", "site", "--site", "khong-co")):
        result = cli(corpus_dir, "search", QUERY, *args)
        assert result.exit_code != 0
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and "“khong-co”" in lines[0] and names_every_known_site(lines[0]), result.stderr
        assert "Traceback" not in result.output


# -- one default scope -------------------------------------------------------------------------------

@pytest.mark.parametrize("default_site", [DEPT_SITE, None])
def test_page_api_and_cli_agree_on_the_default_scope(corpus_dir, default_site):
    config = {"INDEX_DIR": str(corpus_dir), "RATE_LIMIT": "", "QUERY_LOG": False}
    if default_site:
        config["DEFAULT_SITE"] = default_site
    client = create_app(config).test_client()
    expected_scope = "site" if default_site else "web"

    api = client.get("/api/search", query_string={"q": QUERY}).get_json()
    assert api["scope"] == expected_scope
    explicit = client.get("/api/search", query_string={"q": QUERY, "scope": expected_scope}).get_json()
    assert api["total"] == explicit["total"]

    page = client.get("/", query_string={"q": QUERY})
    assert page_total(page) == api["total"]
    assert re.search(rf'value="{expected_scope}" checked', page.get_data(as_text=True))
    assert re.search(rf'value="{expected_scope}" checked', client.get("/").get_data(as_text=True))

    options = ["--default-site", default_site] if default_site else []
    data = json.loads(cli(corpus_dir, "search", QUERY, "--json", *options).stdout)
    assert data["scope"] == expected_scope and data["total"] == api["total"]


def test_the_scopes_differ_on_this_query(corpus_dir):
    """The agreement above means something: the Site and Web totals are not the same here."""
    site = json.loads(cli(corpus_dir, "search", QUERY, "--json", "--scope", "site", "--site", DEPT_SITE).stdout)
    web = json.loads(cli(corpus_dir, "search", QUERY, "--json", "--scope", "web").stdout)
    assert site["total"] < web["total"]


def test_cli_reads_the_default_site_from_the_config_file(corpus_dir, tmp_path):
    config = tmp_path / "tracuu.toml"
    config.write_text(f'DEFAULT_SITE = "{DEPT_SITE}"\nWEB_SITES = ["{OTHER_SITE}"]\n', encoding="utf-8")
    site = json.loads(cli(corpus_dir, "search", QUERY, "--json", "--config", config).stdout)
    assert site["scope"] == "site" and site["site"] == DEPT_SITE
    web = json.loads(cli(corpus_dir, "search", QUERY, "--json", "--config", config, "--scope", "web").stdout)
    assert web["total"] > 0 and {hit["site"] for hit in web["results"]} == {OTHER_SITE}  # WEB_SITES applies


def test_cli_site_scope_needs_a_site(corpus_dir):
    result = cli(corpus_dir, "search", QUERY, "--scope", "site")
    assert result.exit_code != 0 and "--site" in result.stderr and "--default-site" in result.stderr


def test_suggest_defaults_to_the_site_scope_with_a_default_site(corpus_dir):
    client = create_app({"INDEX_DIR": str(corpus_dir), "DEFAULT_SITE": DEPT_SITE, "RATE_LIMIT": ""}).test_client()

    def texts(**params):
        return [s["text"] for s in client.get("/api/suggest", query_string={"q": "bao ve tre", **params})
                .get_json()["suggestions"]]

    assert texts() == texts(scope="site") != texts(scope="web")
