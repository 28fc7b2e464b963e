"""HTTP JSON API: blueprints, schemas, auth decorators. Thin: parse, call, return.

Where each URL is handled (under /api/v1 unless it starts with /), and the services it calls:

    /auth/token                         api/auth.py       → services/access/
    /healthz, /readyz                   api/health.py     → db/
    /regions, /villages                 api/geodata.py    → services/geodata/
    /cadres, /assignments, /users,
    /devices                            api/people.py     → services/people/
    /pings, /ingest/*                   api/ingest.py     → services/ingest/
      (a device's POST /pings first meets api/ingest_fast_path.py)
    /me/presence, /presence,
    /evaluations                        api/presence.py   → services/presence/
    /leaves                             api/leaves.py     → services/presence/leaves.py
    /flags                              api/findings.py   → services/findings/
    /challenges, /me/challenges         api/challenges.py → services/spotchecks/challenges.py
    /media                              api/media.py      → services/media/uploads.py
    /reports                            api/reports.py    → services/media/work_reports.py
    /access-log                         api/access_log.py → services/access/access_log.py
    /spotchecks/plans, /spotchecks/visits
                                        api/spotchecks.py → services/spotchecks/
    /audits/presence                    api/audits.py     → services/audits/, documents/
    /flags/<id>/package, /audits/presence/package,
    /audit/public-key                   api/packages.py   → documents/packages.py
    /summaries, /rankings               api/summaries.py  → services/audits/
"""
from flask import Flask

from ..extensions import rest_api


def register_blueprints(app: Flask) -> None:
    from . import (
        access_log,
        audits,
        auth,
        challenges,
        findings,
        geodata,
        health,
        ingest,
        leaves,
        media,
        packages,
        people,
        presence,
        reports,
        spotchecks,
        summaries,
    )

    for blp in (health.blp, auth.blp, geodata.blp, people.blp, ingest.blp,
                ingest.phone_apps_blp, leaves.blp, challenges.blp,
                presence.blp, findings.blp, media.blp, reports.blp, access_log.blp,
                audits.blp, packages.blp, summaries.blp, spotchecks.blp):
        rest_api.register_blueprint(blp)
