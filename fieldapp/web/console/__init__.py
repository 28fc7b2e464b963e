"""The supervisors' console: one blueprint, a module per page (see web/__init__.py)."""
from flask import Blueprint, g, redirect, url_for

from ..sessions import page_login

blp = Blueprint("console", __name__, url_prefix="/console")


@blp.route("/")
@page_login()
def start():
    """The start page of the role: the queue for inspectors and admins, the escalated
    findings awaiting a disposition for the discipline office, a cadre's own record for a
    cadre."""
    if g.user.role == "discipline":
        return redirect(url_for("console.dispositions"))
    if g.user.role == "cadre":
        return redirect(url_for("console.cadre", cadre_id=g.user.cadre_id))
    return redirect(url_for("console.queue"))


from . import (  # noqa: E402,F401  (their routes)
    audits,
    cadres,
    challenges,
    dispositions,
    dossier,
    enrolment,
    leaves,
    queue,
    retention,
    spotchecks,
    summaries,
    townships,
)
