"""Who may see what, in space and in time, decided in one place.

Space. Admin codes nest (village 12 digits ⊃ township 9 ⊃ county 6), so a user's scope is a
list of code prefixes: inspectors and discipline users their regions, cadres their posts.

Time. An inspector or discipline user sees a cadre's data only for the dates the cadre was
posted inside their regions (`cadre_periods`): a posting that ended does not open the
cadre's later data, and a cadre moved to another township is from then on that township's
business. Reads are limited to those dates (`instant_clause` for a moment such as a ping's
recorded_at, `dates_clause` for a day or a range of days such as a leave or a finding's
period, overlapping); a decision needs more (`require_posted`): leave is decided only by
someone in whose regions the cadre is posted on every day of it, since approving it
excuses each of those days. Dates are local dates in the settings' zone. Admins see
everything; a cadre sees their own data, always. A cadre never posted in the scope is 403.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, false, or_, select, true
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement

from ...domain.dates import end_of, start_of
from ...errors import Forbidden, NotFound
from ...extensions import db
from ...models import Assignment, Cadre, Finding, User

Period = tuple[date, date | None]  # first and last posted day; None: still posted
DISCIPLINE_STATUSES = ("escalated", "disposed")  # the findings the discipline office sees


def merge_periods(periods: list[Period]) -> list[Period]:
    """Sorted, with overlapping and adjacent periods joined."""
    merged: list[Period] = []
    for first, last in sorted(periods, key=lambda p: p[0]):
        if merged:
            m_first, m_last = merged[-1]
            if m_last is None or first <= m_last + timedelta(days=1):
                merged[-1] = (m_first, None if m_last is None or last is None
                              else max(m_last, last))
                continue
        merged.append((first, last))
    return merged


def operator() -> User:
    """The server's operator running a `flask` command: sees what an admin sees; the access
    log records their reads with no user. Never stored."""
    return User(username="operator", role="admin", active=True)


def device_principal(cadre_id: int) -> User:
    """Who acts when a cadre's phone calls with its device token: the cadre's own active
    login if there is one, else a cadre login that exists only for this request (an appeal
    it sends has no submitting user). Either way the scope is that cadre's own data."""
    login = db.session.scalars(select(User).where(
        User.cadre_id == cadre_id, User.role == "cadre", User.active.is_(True))
        .order_by(User.id).limit(1)).first()
    return login or User(username=f"cadre-{cadre_id}-phone", role="cadre", cadre_id=cadre_id,
                         active=True)


class Scope:
    def __init__(self, user: User, zone: ZoneInfo | None = None):
        self.user = user
        self.zone = zone
        self.everything = user.role == "admin"
        if user.role == "cadre":
            self.prefixes = list(db.session.scalars(select(Assignment.region_code).where(
                Assignment.cadre_id == user.cadre_id)))
        else:
            self.prefixes = user.region_codes
        self._periods: dict[int, list[Period]] = {}

    def _unlimited(self, cadre_id: int | None = None) -> bool:
        """Admins, and a cadre about themself, see every date."""
        return self.everything or (self.user.role == "cadre" and cadre_id is not None
                                   and cadre_id == self.user.cadre_id)

    # ---- space ---------------------------------------------------------------------

    def region_visible(self, code: str) -> bool:
        """A region inside the scope, or above it (so a user can see the county outline)."""
        return self.everything or any(
            code.startswith(p) or p.startswith(code) for p in self.prefixes)

    def region_clause(self, column) -> ColumnElement:
        """SQL condition: `column` (a region code) lies inside the scope."""
        if self.everything:
            return true()
        if not self.prefixes:
            return false()
        return or_(*(column.like(p + "%") for p in self.prefixes))

    def cadre_clause(self, column) -> ColumnElement:
        """SQL condition: the cadre id in `column` is visible (posted in the scope at some
        time; what of their data is visible is narrowed by the time clauses)."""
        if self.everything:
            return true()
        if self.user.role == "cadre":
            return column == self.user.cadre_id
        posted = select(Assignment.cadre_id).where(self.region_clause(Assignment.region_code))
        return column.in_(posted)

    # ---- time ----------------------------------------------------------------------

    def cadre_periods(self, cadre_id: int) -> list[Period]:
        """The date ranges the cadre was posted inside the scope, merged and sorted;
        [(date.min, None)] when every date is visible, [] when none is."""
        if self._unlimited(cadre_id):
            return [(date.min, None)]
        if self.user.role == "cadre":
            return []
        if cadre_id not in self._periods:
            rows = db.session.execute(select(Assignment.starts_on, Assignment.ends_on).where(
                Assignment.cadre_id == cadre_id,
                self.region_clause(Assignment.region_code))).all()
            self._periods[cadre_id] = merge_periods([tuple(r) for r in rows])
        return self._periods[cadre_id]

    def load_periods(self, cadre_ids: Iterable[int]) -> None:
        """Read the postings of many cadres in one query, so that `cadre_periods` and the
        checks built on it answer for a whole page of rows without a query per cadre."""
        wanted = {c for c in cadre_ids if c not in self._periods and not self._unlimited(c)}
        if not wanted or self.user.role == "cadre":
            return
        rows = db.session.execute(select(Assignment.cadre_id, Assignment.starts_on,
                                         Assignment.ends_on).where(
            Assignment.cadre_id.in_(wanted), self.region_clause(Assignment.region_code))).all()
        by_cadre: dict[int, list[Period]] = {cadre: [] for cadre in wanted}
        for cadre, first, last in rows:
            by_cadre[cadre].append((first, last))
        self._periods.update({cadre: merge_periods(periods)
                              for cadre, periods in by_cadre.items()})

    def instant_clause(self, instant_column, cadre_id: int | None = None,
                       cadre_column=None) -> ColumnElement:
        """SQL condition: the moment in `instant_column` falls on a local date the cadre was
        posted in the scope. For one cadre give `cadre_id`; for rows of many, `cadre_column`
        (the visible cadres' postings are read once and become one condition)."""
        if cadre_id is not None:
            if self._unlimited(cadre_id):
                return true()
            return self._instants_in(instant_column, self.cadre_periods(cadre_id))
        if self.everything:
            return true()
        if self.user.role == "cadre":
            return cadre_column == self.user.cadre_id
        rows = db.session.execute(select(Assignment.cadre_id, Assignment.starts_on,
                                         Assignment.ends_on).where(
            self.region_clause(Assignment.region_code))).all()
        by_cadre: dict[int, list[Period]] = {}
        for cadre, first, last in rows:
            by_cadre.setdefault(cadre, []).append((first, last))
        if not by_cadre:
            return false()
        return or_(*(and_(cadre_column == cadre,
                          self._instants_in(instant_column, merge_periods(periods)))
                     for cadre, periods in sorted(by_cadre.items())))

    def _instants_in(self, column, periods: list[Period]) -> ColumnElement:
        if not periods:
            return false()
        if self.zone is None:
            raise RuntimeError("a Scope made without the settings' zone cannot limit times")
        terms = []
        for first, last in periods:
            lower = column >= start_of(first, self.zone) if first > date.min else true()
            upper = column < end_of(last, self.zone) if last is not None else true()
            terms.append(and_(lower, upper))
        return or_(*terms)

    def dates_clause(self, cadre_column, first_column, last_column=None) -> ColumnElement:
        """SQL condition: the row's day (`first_column`), or its days [first_column,
        last_column], meet a date the row's cadre was posted in the scope."""
        if self.everything:
            return true()
        if self.user.role == "cadre":
            return cadre_column == self.user.cadre_id
        last_column = first_column if last_column is None else last_column
        posting = aliased(Assignment)
        return exists().where(
            posting.cadre_id == cadre_column, self.region_clause(posting.region_code),
            posting.starts_on <= last_column,
            or_(posting.ends_on.is_(None), posting.ends_on >= first_column))

    def dates_visible(self, cadre_id: int, first: date, last: date | None = None) -> bool:
        """Some day of [first, last] is one the cadre was posted in the scope."""
        last = first if last is None else last
        return any(p_first <= last and (p_last is None or p_last >= first)
                   for p_first, p_last in self.cadre_periods(cadre_id))

    def posted_throughout(self, cadre_id: int, first: date, last: date) -> bool:
        """Every day of [first, last] is one the cadre was posted in the scope."""
        return any(p_first <= first and (p_last is None or p_last >= last)
                   for p_first, p_last in self.cadre_periods(cadre_id))

    # ---- findings ------------------------------------------------------------------

    def findings_clause(self) -> ColumnElement:
        """SQL condition on findings: cadres see their own, discipline users the escalated
        and disposed ones in their regions, inspectors everything in their regions; both
        only where the finding's period meets a date the cadre was posted in their regions.
        Admins see everything."""
        role = self.user.role
        if self.everything:
            return true()
        if role == "cadre":
            return Finding.cadre_id == self.user.cadre_id
        region = and_(self.region_clause(Finding.region_code),
                      self.dates_clause(Finding.cadre_id, Finding.period_start,
                                        Finding.period_end))
        if role == "discipline":
            return and_(region, Finding.status.in_(DISCIPLINE_STATUSES))
        return region

    # ---- checks --------------------------------------------------------------------

    def cadre_visible(self, cadre_id: int) -> bool:
        return bool(self.cadre_periods(cadre_id))

    def require_cadre(self, cadre_id: int) -> None:
        if not self.cadre_visible(cadre_id):
            raise Forbidden(f"cadre {cadre_id} is outside your scope")
        if self.everything and db.session.get(Cadre, cadre_id) is None:
            # admins see every cadre there is: one that is not, 404
            raise NotFound(f"cadre {cadre_id} not found")

    def require_dates(self, cadre_id: int, first: date, last: date | None = None,
                      what: str = "this") -> None:
        """403 unless some day of [first, last] is one the cadre was posted in the scope."""
        self.require_cadre(cadre_id)
        if not self.dates_visible(cadre_id, first, last):
            raise Forbidden(f"{what} is from dates cadre {cadre_id} was not posted in "
                            "your regions")

    def require_posted(self, cadre_id: int, first: date, last: date, what: str) -> None:
        """403 unless the cadre was posted in the scope on every day of [first, last]."""
        self.require_cadre(cadre_id)
        if not self.posted_throughout(cadre_id, first, last):
            raise Forbidden(f"cadre {cadre_id} is not posted in your regions on every day "
                            f"of {what} ({first} to {last}); an admin, or whoever the "
                            "cadre is posted under on those days, decides it")

    def require_region(self, code: str) -> None:
        if not self.region_visible(code):
            raise Forbidden(f"region {code} is outside your scope")
