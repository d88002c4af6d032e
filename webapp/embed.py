"""How other sites and browsers use tracuu: the embed script, the iframe page, OpenSearch.

* ``/embed.js``: one ``<script src="https://HOST/embed.js" data-site="SLUG">`` tag renders a
  search box with autocomplete and results inside a Shadow DOM (the host page's CSS cannot
  leak in or out); it calls /api/search and /api/suggest, which allow CORS.
* ``/embed?site=SLUG``: the same as a small server-rendered page for an iframe, for sites
  that allow no third-party scripts; it works without JavaScript.
* ``/opensearch.xml``: lets browsers add the site search, with suggestions.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request, send_from_directory, url_for

from .pages import render_search

embed = Blueprint("embed", __name__)


@embed.get("/embed")
def embed_page():
    site = request.args.get("site", "").strip() or current_app.config["DEFAULT_SITE"] or ""
    return render_search("embed.html", embed_site=site)


@embed.get("/embed.js")
def embed_script():
    response = send_from_directory(current_app.static_folder, "embed.js", max_age=3600)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@embed.get("/opensearch.xml")
def opensearch():
    xml = render_template(
        "opensearch.xml",
        search_url=url_for("pages.index", _external=True),
        suggest_url=url_for("api.suggest", _external=True),
        icon_url=url_for("static", filename="favicon.svg", _external=True),
    )
    return Response(xml, mimetype="application/opensearchdescription+xml")
