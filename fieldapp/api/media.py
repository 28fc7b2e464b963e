"""Photo and video evidence: upload, metadata with checks, the file and its thumbnail."""
from flask import current_app, g, request, send_file
from flask_smorest import Blueprint
from sqlalchemy import select

from ..errors import BadInput, NotFound, Unprocessable
from ..extensions import db
from ..models import MediaItem
from ..services import media
from ..services.access_log import log_access
from . import media_schemas as s
from .pagination import PageArgs, page_of, paged
from .schemas import page_schema
from .security import cadre_or_device_required, login_required

blp = Blueprint("media", __name__, url_prefix="/api/v1", description="Photo and video evidence")

MIMETYPES = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp",
             "heif": "image/heif", "mp4": "video/mp4", "mov": "video/quicktime",
             "3gp": "video/3gpp"}


@blp.route("/media", methods=["POST"])
@cadre_or_device_required
@blp.arguments(s.MediaForm, location="form")
@blp.response(201, s.MediaOut)
@blp.alt_response(200, schema=s.MediaOut, description="this client id was uploaded before")
def upload_media(meta):
    """Upload one photo or video as multipart `file` plus metadata fields."""
    upload = request.files.get("file")
    if upload is None:
        raise BadInput("a multipart field `file` is required", {"file": ["required"]})
    item, created = media.upload(g.sender, meta, upload.stream)
    return item, 201 if created else 200


@blp.route("/media", methods=["GET"])
@login_required()
@blp.arguments(s.MediaFilter, location="query")
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(s.MediaOut))
def list_media(filters, page):
    """A cadre's media, newest first (others' reads are access-logged)."""
    cadre_id = filters.get("cadre_id", g.user.cadre_id)
    if cadre_id is None:
        raise Unprocessable("cadre_id is required", {"cadre_id": ["required"]})
    g.scope.require_cadre(cadre_id)
    query = select(MediaItem).where(MediaItem.cadre_id == cadre_id)
    if "from" in filters:
        query = query.where(MediaItem.recorded_at >= filters["from"])
    if "to" in filters:
        query = query.where(MediaItem.recorded_at < filters["to"])
    rows, meta = page_of(query.order_by(MediaItem.recorded_at.desc(), MediaItem.id.desc()),
                         page)
    log_access(g.user, cadre_id, "media", {"page": meta["page"]})
    return paged(rows, meta)


def _visible(media_id: int, resource: str) -> MediaItem:
    item = db.session.get(MediaItem, media_id)
    if item is None:
        raise NotFound(f"media {media_id} not found")
    g.scope.require_cadre(item.cadre_id)
    log_access(g.user, item.cadre_id, resource, {"media_id": media_id})
    return item


@blp.route("/media/<int:media_id>", methods=["GET"])
@login_required()
@blp.response(200, s.MediaOut)
def get_media(media_id):
    """What the file says about itself, and the checks made on it."""
    return _visible(media_id, "media")


@blp.route("/media/<int:media_id>/file", methods=["GET"])
@login_required()
def media_file(media_id):
    """The original bytes."""
    item = _visible(media_id, "media_file")
    return send_file(media.storage().open(item.sha256), mimetype=MIMETYPES[item.format],
                     download_name=f"{item.sha256}.{item.format}", max_age=0,
                     etag=item.sha256)


@blp.route("/media/<int:media_id>/thumbnail", methods=["GET"])
@login_required()
def media_thumbnail(media_id):
    """A JPEG thumbnail (photo) or poster frame (video), orientation applied, no metadata."""
    item = _visible(media_id, "media_thumbnail")
    return send_file(media.storage().open(item.sha256 + media.THUMB_SUFFIX),
                     mimetype="image/jpeg", max_age=current_app.config["TOKEN_TTL_S"],
                     etag=item.sha256 + "-thumb")
