"""The API base: health check, schema, docs."""

from django.test import override_settings


def test_healthz_reports_the_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_healthz_is_503_when_redis_is_configured_but_down(client, db):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("error")


def test_openapi_schema_documents_the_patient_endpoints(admin_client):
    response = admin_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert "/api/patients/" in schema["paths"]
    assert {"get", "post"} <= set(schema["paths"]["/api/patients/"])


def test_interactive_docs_page_is_served(admin_client):
    assert admin_client.get("/api/docs/").status_code == 200


def test_request_log_never_contains_the_query_string(admin_client, caplog):
    with caplog.at_level("INFO", logger="clinic.access"):
        admin_client.get("/api/patients/", {"q": "9845012345"})
    lines = [r.getMessage() for r in caplog.records if r.name == "clinic.access"]
    assert lines and lines[0].startswith("GET /api/patients/ 200")
    assert not any("9845012345" in line for line in lines)
