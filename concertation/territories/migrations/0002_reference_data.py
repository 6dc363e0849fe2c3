from django.db import migrations
from django.utils.text import slugify

from concertation.territories.reference import DEPARTMENTS, REGIONS


def load(apps, schema_editor):
    Region = apps.get_model("territories", "Region")
    Department = apps.get_model("territories", "Department")
    Agency = apps.get_model("territories", "Agency")
    regions = {}
    for code, name, agency_name in REGIONS:
        region, _ = Region.objects.update_or_create(
            code=code, defaults={"name": name, "slug": slugify(name)}
        )
        Agency.objects.update_or_create(region=region, defaults={"name": agency_name})
        regions[code] = region
    for code, name, region_code in DEPARTMENTS:
        Department.objects.update_or_create(
            code=code,
            defaults={"name": name, "slug": slugify(f"{code}-{name}"), "region": regions[region_code]},
        )


def unload(apps, schema_editor):
    apps.get_model("territories", "Agency").objects.all().delete()
    apps.get_model("territories", "Department").objects.all().delete()
    apps.get_model("territories", "Region").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("territories", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
