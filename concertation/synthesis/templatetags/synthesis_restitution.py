"""A day's restitution on its public page (`events/detail.html`): the day's page belongs to
`events`, which sits below the contributions and syntheses it would show, so its template
asks this tag instead of its view importing them."""

from django import template

from concertation.contributions.restitution import work_leads
from concertation.synthesis.charts import participation_charts
from concertation.synthesis.provenance import participation_for_days

register = template.Library()


@register.inclusion_tag("synthesis/_day_restitution.html")
def day_restitution(event) -> dict:
    # Who took part, by college: two aggregate queries, on restitution pages only.
    figures = participation_for_days([event], event.campaign)
    return {"restitution": work_leads(event),
            "participation": {"figures": figures,
                              "charts": participation_charts(figures, prefix="journee")}}
