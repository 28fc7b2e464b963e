"""The purge log for admins: each `flask retention purge`, the latest first, with the
retention periods in force → services/retention/purge_log.py.

    GET /console/retention?page=N    admins
"""
from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext
from marshmallow import Schema, ValidationError, fields, validate

from ...config import app_settings
from ...errors import BadInput
from ...extensions import db
from ...services.retention.purge_log import purges_query
from ..sessions import page_login
from . import blp

PER_PAGE = 50


class PurgeListArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))


@blp.route("/retention")
@page_login("admin")
def retention():
    """The purges with what each removed, and the periods the next one will use."""
    try:
        args = PurgeListArgs().load(request.args.to_dict(), unknown="exclude")
    except ValidationError as exc:
        raise BadInput(gettext("Not a valid list of purges: %(names)s",
                               names=", ".join(sorted(exc.messages)))) from None
    page = db.paginate(purges_query(), page=args["page"], per_page=PER_PAGE, error_out=False)
    return render_template("console/retention.html", page=page,
                           retention=app_settings().retention)
