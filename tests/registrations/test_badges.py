"""Name badges (issue 18): label sheets and one per page, for all, a workshop or the day's
walk-ins; each badge's text is checked in the PDF, and the sheet rendered to an image shows
each college's colour band where its label is."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from concertation.registrations import badges
from concertation.registrations.models import ExportLog, Registration
from tests.factories import (
    EventFactory,
    RegistrationFactory,
    WorkshopFactory,
    make_territory,
    organiser_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    territory = make_territory("28")
    event = EventFactory(health_territory=territory, open=True,
                         date=timezone.localdate() + dt.timedelta(days=3))
    first, second = (WorkshopFactory(event=event, title="Accès aux soins"),
                     WorkshopFactory(event=event, title="Prévention"))
    colleges = [code for code, _ in event.campaign.college_choices]
    people = []
    for i in range(17):
        registration = RegistrationFactory(
            event=event, first_name=f"Prénom{i:02}", last_name=f"Nom{i:02}",
            organisation=f"Organisme {i:02}", college=colleges[i % 3])
        registration.workshops.add(first if i % 2 == 0 else second)
        people.append(registration)
    RegistrationFactory(event=event, last_name="Annulée", status="cancelled")
    return event, (first, second), people, organiser_of(territory)


def _text(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _get(client, event, **params):
    return client.get(reverse("registrations_backoffice:badges", args=[event.pk]), params)


def test_a_sheet_of_fourteen_labels_per_page_holds_every_confirmed_person(client, day):
    event, _, people, organiser = day
    client.force_login(organiser)
    response = _get(client, event, layout="a4-2x7", who="all")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pages = _text(response.content)
    assert len(pages) == 2  # 17 badges: 14 then 3
    text = "\n".join(pages)
    for registration in people:
        assert registration.full_name in text and registration.organisation in text
    assert "Annulée" not in text
    college = event.campaign.college_label(people[0].college)
    assert f"Collège : {college}" in pages[0]
    assert "Atelier : Accès aux soins" in pages[0]
    assert ExportLog.objects.get().rows == 17


def test_the_sheet_rendered_shows_each_college_band_in_its_colour(client, day):
    """Rendered at 72 dpi: one point per pixel, so the labels' positions in millimetres tell
    where each band's pixels are."""
    import pypdfium2

    event, _, people, organiser = day
    client.force_login(organiser)
    pdf = _get(client, event, layout="a4-2x7", who="all").content
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=1).to_pil().convert("RGB")
    finally:
        document.close()
    layout = badges.LAYOUTS["a4-2x7"]
    point = 72 / 25.4
    # The badges are in name order, which is the order they were made in.
    for index, (x, y) in enumerate(layout.positions()):
        expected = badges.college_colour(event, people[index].college)
        # Inside the band at the bottom of the label, away from its text (which starts
        # 4 mm from the left): 1.5 mm above the label's bottom edge, 1 mm from its left.
        band = (round((x + 1) * point), round((y + layout.height - 1.5) * point))
        pixel = image.getpixel(band)
        assert "#{:02x}{:02x}{:02x}".format(*pixel) == expected, (index, pixel, expected)
        # And the top of the label is white paper.
        assert image.getpixel((round((x + 1) * point), round((y + 1) * point))) == (255, 255, 255)


def test_a_workshop_and_one_per_page(client, day):
    event, (first, _), people, organiser = day
    client.force_login(organiser)
    pages = _text(_get(client, event, layout="a6", who="workshop", workshop=first.pk).content)
    assert len(pages) == 9  # the even ones
    assert all("Atelier : Accès aux soins" in page for page in pages)
    assert "Nom01" not in "".join(pages)


def test_walk_ins_are_those_added_on_the_day_itself(client, day):
    event, _, people, organiser = day
    client.force_login(organiser)
    morning = timezone.make_aware(dt.datetime.combine(event.date, dt.time(9, 40)))
    Registration.objects.filter(pk=people[3].pk).update(
        source=Registration.Source.DOOR, created_at=morning)
    # Online on the day, or by the secretariat the day before: not walk-ins.
    Registration.objects.filter(pk=people[4].pk).update(created_at=morning)
    Registration.objects.filter(pk=people[5].pk).update(
        source=Registration.Source.SECRETARIAT, created_at=morning - dt.timedelta(days=1))
    pages = _text(_get(client, event, layout="a4-2x4", who="walk_ins").content)
    assert len(pages) == 1 and "Nom03" in pages[0]
    assert "Nom04" not in pages[0] and "Nom05" not in pages[0]


def test_bad_choices_are_refused_in_french_keeping_the_choices(client, day):
    event, _, _, organiser = day
    client.force_login(organiser)
    response = _get(client, event, layout="a4-2x4", who="workshop", workshop="")
    page = response.content.decode()
    assert response.status_code == 400
    assert "Choisissez l’atelier dont vous imprimez les badges." in page
    chosen = re.findall(r'<input type="radio"[^>]*value="([\w-]+)"[^>]*checked', page)
    assert chosen == ["a4-2x4", "workshop"], chosen
    response = _get(client, event, layout="a4-2x4", who="walk_ins")
    assert response.status_code == 400
    assert "aucun badge à imprimer" in response.content.decode()
    assert _get(client, event, layout="planche", who="all").status_code == 400
    assert not ExportLog.objects.exists()


def test_the_page_and_the_pdf_queries_are_pinned(client, day, django_assert_num_queries):
    event, _, _, organiser = day
    client.force_login(organiser)
    _get(client, event)  # the session and scope warmed
    with django_assert_num_queries(6):
        assert _get(client, event).status_code == 200
    with django_assert_num_queries(9):  # and the audit entry of the export
        _get(client, event, layout="a4-2x7", who="all")

