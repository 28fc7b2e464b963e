"""Photo and video evidence: upload, metadata with checks, the file and its thumbnail →
services/media/uploads.py.

    POST /api/v1/media                       upload (multipart `file` + metadata)
    GET  /api/v1/media                       a cadre's media, access-logged
    GET  /api/v1/media/<id>[/file|/thumbnail]

Every answer here is evidence about a person: `Cache-Control: private, no-store` (no
shared proxy or browser cache keeps it), originals as attachments (never rendered inline
from our origin).
"""
from flask import g, request, send_file
from flask_smorest import Blueprint
from flask_smorest.error_handler import ErrorSchema

from ...config import app_settings
from ...errors import BadInput
from ...services.access.access_log import log_access
from ...services.media import uploads
from ..pagination import PageArgs, page_of, page_schema
from ..schemas.media import uploads as s
from ..security import (
    BEARER_OR_DEVICE,
    cadre_or_device_required,
    login_required,
    requested_cadre,
)

blp = Blueprint("media", __name__, url_prefix="/api/v1", description="Photo and video evidence")

EVIDENCE_CACHE = "private, no-store"
UPLOAD_ERRORS = (
    (400, "no `file` part, or an empty file"),
    (401, "no valid bearer token or device token"),
    (403, "the login is not a cadre's"),
    (413, "the file is over FIELDAPP_MAX_PHOTO_MB or FIELDAPP_MAX_VIDEO_MB"),
    (503, "every decode slot stayed busy for FIELDAPP_DECODE_WAIT_S: retry after the "
          "Retry-After header's seconds, with the same client id"),
)


@blp.after_request
def _evidence_headers(response):
    response.headers["Cache-Control"] = EVIDENCE_CACHE
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


def _documented_errors(view):
    for status, description in UPLOAD_ERRORS:
        headers = {"Retry-After": {"description": "seconds", "schema": {"type": "integer"}}} \
            if status == 503 else None
        view = blp.alt_response(status, schema=ErrorSchema, description=description,
                                headers=headers)(view)
    return view


MIMETYPES = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp",
             "heif": "image/heif", "mp4": "video/mp4", "mov": "video/quicktime",
             "3gp": "video/3gpp"}


@blp.route("/media", methods=["POST"])
@cadre_or_device_required
@blp.doc(security=BEARER_OR_DEVICE)
@blp.arguments(s.MediaForm, location="form", content_type="multipart/form-data")
@blp.doc(requestBody={"required": True, "content": {
    "multipart/form-data": {"schema": s.MediaUpload}}})
@blp.response(201, s.MediaOut)
@blp.alt_response(200, schema=s.MediaOut, description="this client id was uploaded before")
@_documented_errors
def upload_media(meta):
    """Upload one photo or video as multipart `file` plus metadata fields.

    422: bad metadata, a file that is not a supported photo or video, truncated or
    corrupt, over the pixel limit or the decode budget (refused from its header), or a
    `report_id` that is not one of the cadre's own reports.
    """
    upload = request.files.get("file")
    if upload is None:
        raise BadInput("a multipart field `file` is required", {"file": ["required"]})
    item, created = uploads.upload(app_settings(), g.sender, meta, upload.stream)
    return item, 201 if created else 200


@blp.route("/media", methods=["GET"])
@login_required(devices=True)
@blp.doc(security=BEARER_OR_DEVICE)
@blp.arguments(s.MediaFilter, location="query")
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(s.MediaOut))
def list_media(filters, page):
    """A cadre's media, newest first (others' reads are access-logged)."""
    cadre_id = requested_cadre(filters.get("cadre_id"))
    rows, meta = page_of(uploads.media_query(g.scope, cadre_id, filters), page)
    log_access(g.user, cadre_id, "media", {"page": meta["page"]})
    return {"items": rows, **meta}


def _visible(media_id: int, resource: str):
    item = uploads.visible_media(g.scope, media_id)
    log_access(g.user, item.cadre_id, resource, {"media_id": media_id})
    return item


@blp.route("/media/<int:media_id>", methods=["GET"])
@login_required(devices=True)
@blp.doc(security=BEARER_OR_DEVICE)
@blp.response(200, s.MediaOut)
def get_media(media_id):
    """What the file says about itself, and the checks made on it."""
    return _visible(media_id, "media")


@blp.route("/media/<int:media_id>/file", methods=["GET"])
@login_required(devices=True)
@blp.doc(security=BEARER_OR_DEVICE)
def media_file(media_id):
    """The original bytes."""
    item = _visible(media_id, "media_file")
    store = uploads.storage(app_settings().media)
    return send_file(store.open(item.sha256), mimetype=MIMETYPES[item.format],
                     as_attachment=True, download_name=f"{item.sha256}.{item.format}",
                     etag=item.sha256)


@blp.route("/media/<int:media_id>/thumbnail", methods=["GET"])
@login_required(devices=True)
@blp.doc(security=BEARER_OR_DEVICE)
def media_thumbnail(media_id):
    """A JPEG thumbnail (photo) or poster frame (video), orientation applied, no metadata."""
    item = _visible(media_id, "media_thumbnail")
    store = uploads.storage(app_settings().media)
    return send_file(store.open(item.sha256 + uploads.THUMB_SUFFIX),
                     mimetype="image/jpeg", etag=item.sha256 + "-thumb")
