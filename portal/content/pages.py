"""Helpers of the content pages (both blueprints, and the request pages' story card): the
library search, a file download, the stories for a request."""

from __future__ import annotations

from flask import render_template, request, send_file
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.content import storage
from portal.content.models import ContentAsset
from portal.content.search import facet_counts, parse_search, search_query
from portal.content.suggestions import request_stories
from portal.content.uses import use_stats
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.filters import current_page
from portal.http_security import allow_form_redirect


def render_search(template: str, managers: bool, per_page: int, extra=dict):
    """A library search page (both blueprints): the search in the URL, one page of assets with
    their uses and the facets, plus what `extra()` adds; the errors if the search is bad."""
    try:
        search = parse_search(request.args, managers=managers)
    except ValidationFailed as error:
        return render_template(template, error=error, search=None), 422
    query = search_query(current_user, search)
    page = db.paginate(
        query.options(selectinload(ContentAsset.account)),
        page=current_page(),
        per_page=per_page,
        error_out=False,
    )
    return render_template(
        template,
        page=page,
        search=search,
        facets=facet_counts(query),
        stats=use_stats(a.id for a in page.items),
        error=None,
        **extra(),
    )


def attachment(asset: ContentAsset, stored: storage.StoredFile):
    """The asset's file streamed through the app as a download: a safe name, its checked type.

    Never inline: an attachment, with nosniff and a sandbox, whatever the bytes are.
    """
    response = send_file(
        stored.stream,
        mimetype=asset.file_type or "application/octet-stream",
        as_attachment=True,
        download_name=asset.file_name or "file",
        max_age=0,
        conditional=False,  # no range answers: the length below is the whole file's
    )
    if stored.size is not None:
        response.content_length = stored.size
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


STORY_CARD_SIZE = 3


def stories_for(found):
    """A request page's "Customer stories for this opportunity" card: the top suggestions with
    why each matched, or None when the viewer may not use content for the request. "Open" logs
    the use, then redirects to the story's site: the page's forms may end there."""
    stories = request_stories(current_user, found, limit=STORY_CARD_SIZE)
    for item in stories.shown if stories else ():
        if item.asset.url:
            allow_form_redirect(item.asset.url)
    return stories
