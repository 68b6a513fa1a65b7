"""Publication instants: parse header, feed and URL dates into aware UTC datetimes.

A stamp without a zone is read in the default zone (UTC unless ``--default-timezone``);
a bare date or a ``00:00:00`` time is a *date-only* stamp: we only know the day, which
matters when deciding whether an origin is certain.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from provenance.errors import ConfigError

__all__ = ["Instant", "format_instant", "format_stored", "parse_instant", "resolve_timezone", "url_date"]

Instant = tuple[datetime, bool]  # (aware UTC datetime, date_only)

_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?=/|$|[-_.])")
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: A fixed offset: ``+05:00``, ``-0330``, ``UTC-3``, ``GMT+05:30`` (hours up to 23).
_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


def resolve_timezone(name: str | None) -> tzinfo:
    """The zone for stamps that carry none: an IANA name or a fixed offset (``+05:00``,
    ``UTC-3``, ``UTC+05:30``; the sign is east of UTC, as in ISO 8601, unlike the inverted
    IANA ``Etc/GMT+3``); ``None`` or ``"UTC"`` mean UTC.

    >>> resolve_timezone("UTC+05:30").utcoffset(None)
    datetime.timedelta(seconds=19800)
    """
    if name is None or name.strip().upper() in {"UTC", "Z", "GMT"}:
        return UTC
    offset = _OFFSET.match(name.strip())
    if offset:
        sign, hours, minutes = offset.group(1), int(offset.group(2)), int(offset.group(3) or 0)
        if hours > 23 or minutes > 59:
            raise ConfigError(f"time zone offset {name!r} for --default-timezone is out of range (at most ±23:59)")
        delta = timedelta(hours=hours, minutes=minutes)
        return UTC if not delta else timezone(-delta if sign == "-" else delta)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"unknown time zone {name!r} for --default-timezone; use an IANA name such as 'Europe/Berlin' "
            "or an offset such as '+05:00' or 'UTC-3'"
        ) from exc


def _to_utc(moment: datetime, default_tz: tzinfo) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=default_tz)
    return moment.astimezone(UTC)


def parse_instant(value: str, default_tz: tzinfo = UTC) -> Instant | None:
    """Parse ISO 8601 (any offset, ``Z``, fractions) or RFC 2822; ``None`` if it is neither.

    >>> parse_instant("2018-05-31T01:00+09:00")[0].isoformat()
    '2018-05-30T16:00:00+00:00'
    """
    text = value.strip()
    if not text or len(text) > 64:
        return None
    if _DATE_ONLY.match(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            return None
        return _to_utc(datetime.combine(day, time()), default_tz), True
    moment: datetime | None = None
    try:
        moment = datetime.fromisoformat(text.replace(" Z", "Z"))
    except ValueError:
        # email.utils (and socket with it, ~20 ms to import) only for a date that is not ISO
        from email.utils import parsedate_to_datetime

        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if moment is None:
        return None
    date_only = moment.tzinfo is None and moment.time() == time()
    return _to_utc(moment, default_tz), date_only


def url_date(url: str, default_tz: tzinfo = UTC) -> Instant | None:
    """The day in a URL path such as ``/2018/05/30/`` (a date-only instant)."""
    match = _URL_DATE.search(url)
    if not match:
        return None
    try:
        day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None
    return _to_utc(datetime.combine(day, time()), default_tz), True


def format_instant(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z`` suffix, the form used in every report."""
    if moment is None:
        return None
    text = moment.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z")


def format_stored(published_us: int | None) -> str | None:
    """A stored ``published_us`` (microseconds since the epoch, UTC) as reports show it."""
    if published_us is None:
        return None
    return format_instant(datetime.fromtimestamp(published_us / 1_000_000, tz=UTC))
