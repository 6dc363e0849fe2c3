"""Demo data that tells the story of the two press releases in shared/seeds.

Loading is idempotent: objects are looked up by slug and created only when missing, so a
second run changes nothing and never overwrites what a user edited. Days after the load date
are placed relative to it, so that there is always something to register for.
"""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from concertation.core.public_cache import bump_public_content
from concertation.demo.days import (
    add_participants,
    demo_days,
    programme_pdf,
    territories_by_department,
    walk_history,
)
from concertation.demo.people import add_facilitator, add_organisers, add_other_roles
from concertation.demo.proposals import add_ara_contributions
from concertation.events.models import Document, Event, Talk, Workshop
from concertation.territories.models import Department


@transaction.atomic
def load_demo(today: dt.date | None = None, *, ministry_story: bool = True) -> dict[str, int]:
    """Load the demo, never overwriting. `ministry_story=False` stops the story once the days
    are held (no restitution published, no synthesis validated nor transmitted), for the
    browser tests that publish a restitution or walk the regional consolidation themselves."""
    today = today or timezone.localdate()
    territories = territories_by_department()
    created = 0
    for day in demo_days(today):
        if Event.objects.filter(slug=day.slug).exists():
            continue
        department = Department.objects.get(code=day.department)
        event = Event.objects.create(
            slug=day.slug, title=day.title, campaign=day.campaign, kind=day.kind,
            summary=day.summary, department=department,
            health_territory=None if day.regional else territories[day.department],
            co_organisers=day.co_organisers, date=day.date, starts_at=day.starts_at,
            ends_at=day.ends_at, plenary_title=day.plenary, capacity=day.capacity,
            **day.venue,
        )
        event.themes.set(day.themes)
        for i, (title, speakers, at) in enumerate(day.talks):
            Talk.objects.create(event=event, position=i, title=title, speakers=speakers,
                                starts_at=at)
        for i, (title, theme, capacity) in enumerate(day.workshops):
            Workshop.objects.create(event=event, position=i, title=title, theme=theme,
                                    capacity=capacity, starts_at=dt.time(10, 30),
                                    ends_at=dt.time(12, 0))
        if day.programme_pdf:
            pdf = programme_pdf(event)
            Document.objects.create(event=event, title="Programme de la matinée",
                                    file=ContentFile(pdf, name="programme.pdf"), size=len(pdf))
        add_participants(event, *day.participants)
        walk_history(event, day.state)
        created += 1
    add_organisers(territories)
    add_facilitator()
    add_other_roles()
    add_ara_contributions()
    from concertation.projects.demo import load_projects_demo

    load_projects_demo()
    if ministry_story:
        from concertation.contributions.demo import load_restitutions_demo
        from concertation.national.demo import load_national_demo

        load_restitutions_demo()
        load_national_demo()
    bump_public_content()
    return {"events_created": created, "events_total": Event.objects.count()}
