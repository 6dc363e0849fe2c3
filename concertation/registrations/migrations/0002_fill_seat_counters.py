"""Fill the seat counters added to days and workshops with their confirmed registrations."""

from django.db import migrations
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce


def fill(apps, schema_editor):
    Event = apps.get_model("events", "Event")
    Workshop = apps.get_model("events", "Workshop")
    Registration = apps.get_model("registrations", "Registration")
    Link = Registration.workshops.through

    def counted(queryset, field):
        return Coalesce(Subquery(
            queryset.filter(**{field: OuterRef("pk")}).order_by().values(field)
            .annotate(n=Count("pk")).values("n")
        ), 0)

    Event.objects.update(seats_taken=counted(
        Registration.objects.filter(status="confirmed"), "event"))
    Workshop.objects.update(seats_taken=counted(
        Link.objects.filter(Q(registration__status="confirmed")), "workshop"))


def empty(apps, schema_editor):
    pass  # the counters go away with their columns


class Migration(migrations.Migration):

    dependencies = [
        ("events", "0003_seat_counters"),
        ("registrations", "0001_initial"),
    ]

    operations = [migrations.RunPython(fill, empty)]
