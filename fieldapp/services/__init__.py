"""Use cases, one package per capability. Each decides when its session commits, takes
its settings as values (`config.Settings`) and never touches the request.

    access/    who may see what (scope), who looked (access log), logins
    ingest/    location fixes in: native pings, phone apps, device senders; ping queries
    presence/  evaluation of days and periods, day records, leave
    findings/  findings raised by evaluation and uploads, their workflow, the audit chain
    media/     photo and video uploads with their checks, work reports
    people/    cadres, assignments, users, devices, CSV import, the demo county
    geodata/   boundaries, region reads, village fences
    rows.py    one row by key (404), lists narrowed by filters; exports.py the one CSV writer
"""
