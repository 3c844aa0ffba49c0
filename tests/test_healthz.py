"""/healthz: answers load balancers by IP address over plain HTTP, and says 503 when the database does not answer.

No other path gets past the host check or the HTTPS redirect.
"""

import pytest
from django.db import connection, connections

HOST = "tracker.example.police.uk"


@pytest.fixture
def production_http(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = [HOST]


@pytest.mark.django_db
@pytest.mark.parametrize("host", ["10.0.0.5", "127.0.0.1:8000", HOST])
def test_healthz_answers_over_plain_http_by_ip_address(client, production_http, host):
    response = client.get("/healthz", headers={"host": host})

    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_answers_head_too(client, production_http):
    assert client.head("/healthz", headers={"host": "10.0.0.5"}).status_code == 200


@pytest.mark.django_db
def test_other_paths_still_refuse_an_unknown_host(client, production_http):
    assert client.get("/actions/", headers={"host": "10.0.0.5"}).status_code == 400
    assert client.get("/healthz/", headers={"host": "10.0.0.5"}).status_code == 400
    assert client.post("/healthz", headers={"host": "10.0.0.5"}).status_code == 400


@pytest.mark.django_db
def test_other_paths_are_still_sent_to_https(client, production_http):
    response = client.get("/actions/", headers={"host": HOST})

    assert response.status_code == 301
    assert response["Location"] == f"https://{HOST}/actions/"


@pytest.fixture
def database_down(tmp_path):
    """The default connection pointed at a database that is not there, for the length of the test."""
    settings_dict = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        settings_dict["NAME"] = str(tmp_path / "no-such-folder" / "db.sqlite3")
    else:
        settings_dict["NAME"] = "no_such_database_for_healthz"
    working = connections["default"]
    broken = working.__class__(settings_dict, "default")
    connections["default"] = broken
    try:
        yield
    finally:
        connections["default"] = working
        broken.close()


@pytest.mark.django_db
def test_healthz_says_503_when_the_database_does_not_answer(client, production_http, database_down):
    response = client.get("/healthz", headers={"host": "10.0.0.5"})

    assert response.status_code == 503
    assert response.content == b"database unavailable\n"
