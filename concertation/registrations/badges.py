"""Name badges of a day (issue 18): a PDF printed on A4 sheets of standard labels, or one
badge per page, with the person's name, organisation, college and workshops. The college is
told by a coloured band AND its name written in it (never by colour alone: RGAA 3.1, and
black-and-white printers)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from concertation.events.models import Event, Workshop
from concertation.registrations.models import Registration, RegistrationStatus


@dataclass(frozen=True)
class Layout:
    """A sheet of labels, in millimetres: the page, the first label's corner, each label's
    size and the step from one label to the next (label plus gap)."""

    label: str
    page_width: float
    page_height: float
    columns: int
    rows: int
    width: float
    height: float
    top: float
    left: float
    step_x: float
    step_y: float
    # Type sizes in points: name, the other lines.
    name_pt: float
    text_pt: float

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def positions(self) -> list[tuple[float, float]]:
        return [(self.left + c * self.step_x, self.top + r * self.step_y)
                for r in range(self.rows) for c in range(self.columns)]


# The sizes of Avery's L7163 and L7165 sheets (and of their many equivalents): 99.1 mm wide
# labels in two columns, 2.5 mm apart, 4.65 mm from the edges.
LAYOUTS = {
    "a4-2x7": Layout("Planche A4 de 14 étiquettes 99,1 × 38,1 mm (2 × 7, type Avery L7163)",
                     210, 297, 2, 7, 99.1, 38.1, 15.15, 4.65, 101.6, 38.1, 14, 8),
    "a4-2x4": Layout("Planche A4 de 8 étiquettes 99,1 × 67,7 mm (2 × 4, type Avery L7165)",
                     210, 297, 2, 4, 99.1, 67.7, 13.1, 4.65, 101.6, 67.7, 20, 11),
    "a6": Layout("Un badge par page A6 paysage (porte-badge, imprimante de badges)",
                 148, 105, 1, 1, 138, 95, 5, 5, 0, 0, 28, 14),
}

# Dark enough for white text at 4.5:1 at least; the n-th college of the campaign takes the
# n-th colour, so a day's badges and its attendance figures agree.
COLLEGE_COLOURS = ["#000091", "#18753c", "#b34000", "#6e445a", "#a94645", "#006a6f",
                   "#716043", "#3a3a3a"]


class Who:
    ALL = "all"
    WORKSHOP = "workshop"
    WALK_INS = "walk_ins"
    CHOICES = [
        (ALL, "Toutes les personnes inscrites (confirmées)"),
        (WORKSHOP, "Les inscrits d’un atelier"),
        (WALK_INS, "Les personnes inscrites sur place le jour même (badges à imprimer dans la "
                   "matinée pour les ateliers de l’après-midi)"),
    ]


def college_index(event: Event, code: str) -> int:
    """The college's colour number (`.college-colour-N` in concertation.css on the pages)."""
    codes = [c for c, _ in event.campaign.college_choices]
    return (codes.index(code) if code in codes else len(codes)) % len(COLLEGE_COLOURS)


def college_colour(event: Event, code: str) -> str:
    return COLLEGE_COLOURS[college_index(event, code)]


def selection(event: Event, who: str, workshop: Workshop | None = None,
              ) -> QuerySet[Registration]:
    """Whose badges are printed: confirmed registrations, not anonymised, by name. Walk-ins
    are those the secretariat added (at the door or by hand) on the day itself."""
    rows = (Registration.objects.filter(event=event, status=RegistrationStatus.CONFIRMED,
                                        anonymised_at__isnull=True)
            .prefetch_related("workshops").order_by("last_name", "first_name", "id"))
    if who == Who.WORKSHOP:
        rows = rows.filter(workshops=workshop)
    elif who == Who.WALK_INS:
        day_start = timezone.make_aware(dt.datetime.combine(event.date, dt.time()))
        rows = rows.exclude(source=Registration.Source.ONLINE).filter(
            created_at__gte=day_start, created_at__lt=day_start + dt.timedelta(days=1))
    return rows


@dataclass
class Badge:
    name: str
    organisation: str
    college: str
    colour: str
    workshops: str
    x: float
    y: float


def badges_pdf(event: Event, registrations: list[Registration], layout: Layout,
               workshop: Workshop | None = None) -> bytes:
    from weasyprint import HTML  # heavy import, only when badges are printed

    colleges = dict(event.campaign.college_choices)
    positions = layout.positions()
    sheets: list[list[Badge]] = []
    for index, r in enumerate(registrations):
        if index % layout.per_page == 0:
            sheets.append([])
        titles = [workshop.title] if workshop else [w.title for w in r.workshops.all()]
        x, y = positions[index % layout.per_page]
        sheets[-1].append(Badge(
            name=r.full_name, organisation=r.organisation,
            college=colleges.get(r.college, r.college), colour=college_colour(event, r.college),
            workshops=" · ".join(titles), x=x, y=y))
    html = render_to_string("registrations/pdf/badges.html",
                            {"event": event, "layout": layout, "sheets": sheets})
    return HTML(string=html).write_pdf()
