"""`/docs` (Swagger UI) and `/redoc` (ReDoc) from files inside the installed packages: no CDN.

FastAPI's own pages load both from jsDelivr, so on an internal network
without internet they stay blank. The files come from the PyPI package
fastapi-offline (MIT; Swagger UI 5 and ReDoc 2 as released upstream, kept
current with them); only its static folder is used, our app is built as
before. The pages start Swagger UI from a script file rather than an inline
script, so the Content-Security-Policy of the docs allows no inline script.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

DOCS_PATH = "/docs"
REDOC_PATH = "/redoc"
ASSETS_PATH = "/docs/assets"

# Paths relative to the page, so a reverse proxy may serve the app under a prefix.
_SWAGGER_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} — API</title>
<link rel="stylesheet" href="docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/assets/swagger-ui-bundle.js"></script>
<script src="docs/start.js"></script>
</body>
</html>
"""

_SWAGGER_START = """window.ui = SwaggerUIBundle({
  url: "openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  layout: "BaseLayout"
});
"""

_REDOC_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} — API (ReDoc)</title>
</head>
<body>
<redoc spec-url="openapi.json"></redoc>
<script src="docs/assets/redoc.standalone.js"></script>
</body>
</html>
"""


def asset_folder() -> Path:
    """The folder with swagger-ui-bundle.js, swagger-ui.css and redoc.standalone.js."""
    return Path(str(importlib.resources.files("fastapi_offline") / "static"))


def install_docs(app: FastAPI) -> None:
    """Add the two pages, their start script and the asset files; create the app with docs_url=None."""
    swagger = _SWAGGER_PAGE.format(title=app.title)
    redoc = _REDOC_PAGE.format(title=app.title)

    @app.get(DOCS_PATH, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(swagger)

    @app.get(f"{DOCS_PATH}/start.js", include_in_schema=False)
    async def swagger_start() -> Response:
        return Response(_SWAGGER_START, media_type="text/javascript; charset=utf-8")

    @app.get(REDOC_PATH, include_in_schema=False)
    async def redoc_ui() -> HTMLResponse:
        return HTMLResponse(redoc)

    app.mount(ASSETS_PATH, StaticFiles(directory=asset_folder()), name="docs-assets")
