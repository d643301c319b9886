"""The API docs page (Swagger UI) under the site's strict Content-Security-Policy.

drf-spectacular's split view serves Swagger UI's start-up script as a separate request
(``/api/docs/?script=``) instead of an inline ``<script>``, so ``script-src 'self'`` holds.
Its template keeps one small inline ``<style>`` block: this page alone allows exactly that
block by its SHA-256 hash (django-csp ``_csp_update``), never ``'unsafe-inline'``.
"""

import base64
import hashlib
import re

from drf_spectacular.views import SpectacularSwaggerSplitView

_STYLE = re.compile(rb"<style[^>]*>(.*?)</style>", re.DOTALL)


def _allow_inline_styles_by_hash(response):
    hashes = [
        f"'sha256-{base64.b64encode(hashlib.sha256(block).digest()).decode()}'"
        for block in _STYLE.findall(response.content)
    ]
    if hashes:
        response._csp_update = {"style-src": hashes}


class ApiDocsView(SpectacularSwaggerSplitView):
    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.GET.get("script") is None and hasattr(response, "add_post_render_callback"):
            response.add_post_render_callback(_allow_inline_styles_by_hash)
        return response
