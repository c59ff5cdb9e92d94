"""The renewal calendar as iCalendar (RFC 5545), built with the `icalendar` package: per
renewal an all-day event on the notice deadline (the last day to cancel) and one on the
renewal date. UIDs are stable (tool, kind, date), so a calendar app updates an event in
place when a date moves rather than adding a second one."""

from datetime import timedelta

from django.utils import timezone
from icalendar import Calendar, Event

from alignment_portal.renewals.selectors import RenewalRow
from alignment_portal.scoring.renewals import money


def _event(*, uid: str, day, summary: str, description: str, url: str, stamp) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", summary)
    event.add("description", description)
    event.add("url", url)
    event.add("transp", "TRANSPARENT")
    return event


def calendar_bytes(rows: list[RenewalRow], *, name: str, host: str, tool_url) -> bytes:
    """The feed's body. `tool_url(row)` gives the absolute URL of a row's tool page."""
    cal = Calendar()
    cal.add("prodid", "-//Alignment Portal//Renewals//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    stamp = timezone.now()
    for row in rows:
        r, tool, org = row.renewal, row.tool, row.organization
        billing = tool.get_billing_period_display().lower()
        cost = f"{money(r.yearly_cost)} {org.currency} a year ({billing} billing)"
        saving = row.saving_sentence
        lines = [f"{tool.name} ({org.name}) renews on {r.renews_on:%-d %b %Y}.",
                 f"Cost: {cost}."]
        if saving:
            lines.append(f"{saving[0].upper()}{saving[1:]} ({org.currency}).")
        description = "\n".join(lines)
        url = tool_url(row)
        if r.notice_deadline < r.renews_on:
            cal.add_component(_event(
                uid=f"tool-{tool.pk}-notice-{r.notice_deadline.isoformat()}@{host}",
                day=r.notice_deadline, summary=f"Notice deadline: {tool.name} ({org.name})",
                description="Last day to give notice. " + description, url=url,
                stamp=stamp))
        cal.add_component(_event(
            uid=f"tool-{tool.pk}-renews-{r.renews_on.isoformat()}@{host}", day=r.renews_on,
            summary=f"Renews: {tool.name} ({org.name})", description=description, url=url,
            stamp=stamp))
    return cal.to_ical()
