"""HTTP JSON API: blueprints, schemas, auth decorators. Thin: parse, call, return. A
capability with several modules is a package (access/, ingest/, presence/, audits/,
spotchecks/, media/); `schemas/` holds each module's marshmallow schemas in the same
packages, `security.py` the login decorators and `pagination.py` the list pages every
capability shares.

Where each URL is handled (under /api/v1 unless it starts with /), and the services it calls:

    /auth/token                       api/access/auth.py          → services/access/
    /access-log                       api/access/access_log.py    → services/access/access_log.py
    /healthz, /readyz                 api/health.py               → db/
    /metrics                          api/metrics.py              → fieldapp/metrics.py
    /regions, /villages               api/geodata.py              → services/geodata/
    /cadres, /assignments, /users,
    /devices                          api/people.py               → services/people/
    /pings, /ingest/*                 api/ingest/pings.py         → services/ingest/
      (a device's POST /pings first meets api/ingest/fast_path.py)
    /me/presence, /presence,
    /evaluations                      api/presence/records.py     → services/presence/
    /leaves                           api/presence/leaves.py      → services/presence/leaves.py
    /flags                            api/findings.py             → services/findings/
    /media                            api/media/uploads.py        → services/media/uploads.py
    /reports                          api/media/work_reports.py   → services/media/work_reports.py
    /audits/presence                  api/audits/presence.py      → services/audits/, documents/
    /flags/<id>/package, /audits/presence/package,
    /audit/public-key                 api/audits/packages.py      → documents/packages.py
    /summaries, /rankings             api/audits/summaries.py     → services/audits/
    /spotchecks/plans, /spotchecks/visits
                                      api/spotchecks/plans.py     → services/spotchecks/
    /challenges, /me/challenges       api/spotchecks/challenges.py → services/spotchecks/
    /jobs                             api/jobs.py                 → services/jobs/, jobs/
    /enrolments, /auth/device         api/access/enrolment.py     → services/access/enrolment.py
    /me/collection                    api/ingest/collection.py    → services/ingest/collection.py
    /me/export                        api/my_data.py              → services/people/my_data.py
    /retention/purges                 api/retention.py            → services/retention/
"""
from flask import Flask

from ..extensions import rest_api


def register_blueprints(app: Flask) -> None:
    from . import findings, geodata, health, jobs, metrics, my_data, people, retention
    from .access import access_log, auth, enrolment
    from .audits import packages, presence, summaries
    from .ingest import collection, pings
    from .media import uploads, work_reports
    from .presence import leaves, records
    from .spotchecks import challenges, plans

    for blp in (health.blp, auth.blp, geodata.blp, people.blp, pings.blp,
                pings.phone_apps_blp, leaves.blp, challenges.blp,
                records.blp, findings.blp, uploads.blp, work_reports.blp, access_log.blp,
                presence.blp, packages.blp, summaries.blp, plans.blp, enrolment.blp,
                my_data.blp, retention.blp, collection.blp, jobs.blp):
        rest_api.register_blueprint(blp)
    app.register_blueprint(metrics.blp)  # Prometheus' text, not the JSON API
