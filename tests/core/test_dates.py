import datetime as dt

from django.template import Context, Template


def _render(text: str, **context) -> str:
    return Template(text).render(Context(context))


def test_the_first_of_the_month_is_written_1er():
    assert _render('{{ d|date_fr:"l j F Y" }}', d=dt.date(2024, 2, 1)) == "jeudi 1er février 2024"
    assert _render('{{ d|date_fr:"j F Y" }}', d=dt.date(2022, 11, 25)) == "25 novembre 2022"
    # Other formats and empty values as Django's `date` filter gives them.
    assert _render('{{ d|date_fr:"d/m/Y" }}', d=dt.date(2024, 2, 1)) == "01/02/2024"
    assert _render('{{ d|date_fr:"j F Y" }}', d=None) == ""


def test_times_keep_their_own_format():
    moment = dt.datetime(2024, 3, 1, 9, 5, tzinfo=dt.UTC)
    assert _render('{{ d|date_fr:"j F Y à H:i" }}', d=moment) == "1er mars 2024 à 10:05"
