"""Two web servers and two workers share one state (issue 21): two gunicorn servers on
loopback over one PostgreSQL database, one Redis and one S3-compatible bucket (moto in server
mode), as behind a load balancer. A restitution published on one shows on the other, whose
page cache held the day before; a PDF uploaded on one is downloaded from the other; a login
limit exhausted on one is refused on the other; two workers each take different jobs, never
the same one. Runs in the PostgreSQL stage (a database of its own), needs the Redis server of
this machine."""

from __future__ import annotations

import json
import random
import re
import time

import pytest
import requests
from django.urls import reverse

from concertation.core.confirm import CONFIRM_FIELD
from tests.downloads import PDF
from tests.s3 import s3_server
from tests.servers import Processes, free_port, own_postgres_database, python_path_env, run_python

REDIS = "redis://127.0.0.1:6379"


def _redis_db() -> str:
    import redis

    # A database number of its own, emptied first: the test's page cache starts cold.
    number = random.randrange(8, 16)
    try:
        redis.Redis.from_url(f"{REDIS}/{number}").flushdb()
    except redis.ConnectionError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    return f"{REDIS}/{number}"


@pytest.fixture
def deployment(tmp_path):
    with own_postgres_database("two_servers") as database, s3_server() as bucket:
        env = python_path_env({
            "DATABASE_URL": database, "REDIS_URL": _redis_db(),
            "MEDIA_STORAGE_URL": bucket.url, "SECRET_KEY": "two-servers-test",
            "ALLOWED_HOSTS": "127.0.0.1", "CONCERTATION_VAR_DIR": str(tmp_path),
            "PUBLIC_PAGE_CACHE": "1", "LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS": "3"})
        env["DJANGO_SETTINGS_MODULE"] = "tests.core.two_servers_settings"
        run_python(["manage.py", "migrate", "--noinput"], env)
        world = json.loads(run_python(["-m", "tests.core.two_servers_world", "setup"], env))
        processes = Processes(tmp_path)
        ports = [free_port(), free_port()]
        for n, port in enumerate(ports):
            processes.start(f"web{n}", ["gunicorn", "concertation.wsgi", "--bind",
                                        f"127.0.0.1:{port}", "--workers", "2"], env)
        for n in range(2):
            processes.start(f"worker{n}", ["python", "manage.py", "worker"], env)
        try:
            for n, port in enumerate(ports):
                processes.wait_until_up(f"web{n}", f"http://127.0.0.1:{port}/healthz")
            yield {"urls": [f"http://127.0.0.1:{port}" for port in ports], "world": world,
                   "env": env, "database": database, "bucket": bucket,
                   "processes": processes}
        finally:
            processes.stop()


def _signed_in(base: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    response = _log_in(session, base, username, password)
    assert response.status_code == 200 and "sessionid" in session.cookies, response.text[-500:]
    return session


def _log_in(session: requests.Session, base: str, username: str,
            password: str) -> requests.Response:
    url = base + reverse("accounts:login")
    form = session.get(url, timeout=30)
    assert "csrftoken" in session.cookies, (form.status_code, form.text[-800:])
    return session.post(url, data={"username": username, "password": password,
                                   "csrfmiddlewaretoken": session.cookies["csrftoken"]},
                        headers={"Referer": url}, timeout=30)


def _post(session: requests.Session, url: str, **kwargs) -> requests.Response:
    data = {"csrfmiddlewaretoken": session.cookies["csrftoken"], **kwargs.pop("data", {})}
    return session.post(url, data=data, headers={"Referer": url}, timeout=30, **kwargs)


def _eventually(check, seconds: float = 5.0):
    # The other server reads the public content version at most once a second.
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def test_two_servers_share_the_cache_files_limits_and_jobs(deployment):
    one, two = deployment["urls"]
    world = deployment["world"]
    organiser = _signed_in(one, world["username"], world["password"])

    # A restitution published on one server shows on the other, whose cache held the day.
    day = two + world["held"]["url"]
    before = requests.get(day, timeout=30)
    assert before.status_code == 200 and "Restitution publiée" not in before.text
    assert requests.get(day, timeout=30).text == before.text  # served from the shared cache
    manage = one + reverse("backoffice:manage", args=[world["held"]["pk"]])
    published = _post(organiser, one + reverse("backoffice:change_state",
                                               args=[world["held"]["pk"]]),
                      data={"target": "restitution_published", "note": "",
                            CONFIRM_FIELD: "1"})
    assert published.url == manage, published.text[-500:]
    assert "Restitution publiée" in published.text
    assert _eventually(lambda: "Restitution publiée" in requests.get(day, timeout=30).text)

    # A PDF uploaded on one server is downloaded from the other (from the bucket).
    upcoming = world["upcoming"]
    uploaded = _post(organiser, one + reverse("backoffice:add_document",
                                              args=[upcoming["pk"]]),
                     data={"title": "Programme détaillé"},
                     files={"file": ("programme.pdf", PDF, "application/pdf")})
    assert uploaded.status_code == 200, uploaded.text[-500:]
    def listed() -> str:
        text = requests.get(two + upcoming["url"], timeout=30).text
        return text if "Programme détaillé" in text else ""

    page = _eventually(listed)
    link = re.search(r'href="([^"]+programme[^"]*\.pdf)"', page)
    assert link, page[-1500:]
    download = requests.get(two + link.group(1), timeout=30, allow_redirects=False)
    assert download.status_code == 302
    assert download.headers["Location"].startswith(deployment["bucket"].endpoint)
    assert requests.get(download.headers["Location"], timeout=30).content == PDF
    assert [name for name in deployment["bucket"].names() if name.endswith(".pdf")]

    # Three wrong passwords on one server: the right one is refused on the other.
    stranger = requests.Session()
    for _ in range(3):
        wrong = _log_in(stranger, one, world["username"], "pas-le-bon")
        assert "sessionid" not in stranger.cookies
    refused = _log_in(requests.Session(), two, world["username"], world["password"])
    assert refused.status_code == 429 or "bloqué" in refused.text.lower(), refused.status_code
    assert wrong.status_code in (200, 429)

    # Two workers: every job taken once, by one of them, and both took some.
    env = deployment["env"]
    jobs = json.loads(run_python(["-m", "tests.core.two_servers_world", "enqueue", "24"], env))
    import psycopg

    with psycopg.connect(deployment["database"], autocommit=True) as db:
        def finished():
            rows = db.execute("SELECT id, status, worker_ids FROM "
                              "django_tasks_database_dbtaskresult WHERE id = ANY(%s)",
                              [jobs]).fetchall()
            return rows if all(row[1] == "SUCCESSFUL" for row in rows) else None

        rows = _eventually(finished, seconds=90)
    assert rows and len(rows) == 24, deployment["processes"].log("worker0")
    assert all(len(row[2]) == 1 for row in rows)  # each job taken once, by one worker
    assert len({row[2][0] for row in rows}) == 2  # both workers took some
    assert deployment["processes"].alive()

