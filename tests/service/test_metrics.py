"""`/metrics`, scraped and parsed back the way Prometheus reads it."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tests.service.conftest import API_KEY
from vraagbaak.service.metrics import METHODS, OTHER_METHOD

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]

REQUESTS = "vraagbaak_http_requests_total"
DURATION = "vraagbaak_http_request_duration_seconds"


def scrape(client: TestClient, headers: dict[str, str] | None = None) -> Samples:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def label_values(samples: Samples, label: str) -> set[str]:
    return {dict(labels)[label] for _, labels in samples if label in dict(labels)}


def test_metrics_keep_their_names_and_content_type(make_client: Callable[..., TestClient]) -> None:
    client = make_client(api_key=API_KEY)
    response = client.get("/metrics", headers={"X-API-Key": API_KEY})
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    families = {family.name: family.type for family in text_string_to_metric_families(response.text)}
    assert families == {
        "vraagbaak_http_requests": "counter",
        "vraagbaak_http_request_duration_seconds": "histogram",
        "vraagbaak_ready": "gauge",
        "vraagbaak_index_documents": "gauge",
        "vraagbaak_index_units": "gauge",
        "vraagbaak_index_vectors": "gauge",
        "vraagbaak_index_info": "gauge",
        "vraagbaak_index_updates": "counter",
        "vraagbaak_encode_batches": "counter",
        "vraagbaak_encode_questions": "counter",
        "vraagbaak_encode_batch_size_max": "gauge",
        "vraagbaak_encode_seconds": "counter",
    }
    assert "_created" not in response.text


def test_metrics_count_requests_per_route_template(make_client: Callable[..., TestClient]) -> None:
    client = make_client(api_key=API_KEY)
    keyed = {"Authorization": f"Bearer {API_KEY}"}  # how a Prometheus scrape config sends it
    before = scrape(client, keyed)
    client.post("/v1/search", json={"question": "windmolens"})
    client.get("/v1/units/energie:1")
    client.get("/v1/units/nergens:1")
    client.post("/v1/search", json={"question": "windmolens", "k": 0})
    after = scrape(client, keyed)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    search, unit = {"method": "POST", "route": "/v1/search"}, {"method": "GET", "route": "/v1/units/{unit_id}"}
    assert moved(REQUESTS, **search, status="200") == 1
    assert moved(REQUESTS, **search, status="422") == 1
    assert moved(REQUESTS, **unit, status="200") == 1
    assert moved(REQUESTS, **unit, status="404") == 1
    assert moved(REQUESTS, method="GET", route="/metrics", status="200") == 1  # the first scrape
    assert moved(f"{DURATION}_bucket", **search, le="+Inf") == 2
    assert moved(f"{DURATION}_count", **unit) == 2
    assert moved(f"{DURATION}_sum", **search) > 0
    assert value(after, f"{DURATION}_bucket", **search, le="10.0") == value(after, f"{DURATION}_count", **search)
    assert moved("vraagbaak_encode_questions_total") == 1 and moved("vraagbaak_encode_batches_total") == 1
    assert value(after, "vraagbaak_index_documents") == 2 and value(after, "vraagbaak_index_units") == 5
    assert value(after, "vraagbaak_ready") == 1
    info = [labels for name, labels in after if name == "vraagbaak_index_info"]
    assert len(info) == 1 and dict(info[0])["model"] == "fake:keywords"
    assert label_values(after, "route") <= {"/v1/search", "/v1/units/{unit_id}", "/metrics"}


def test_metrics_label_refused_bodies_and_unknown_paths_by_template(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_body_bytes=1024)
    assert client.post("/v1/search", content=b"x" * 2000).status_code == 413
    assert client.get("/does/not/exist/12345").status_code == 404
    assert client.get("/static/app.js").status_code == 200
    samples = scrape(client)
    assert value(samples, REQUESTS, method="POST", route="/v1/search", status="413") == 1
    assert value(samples, REQUESTS, method="GET", route="<unmatched>", status="404") == 1
    assert value(samples, REQUESTS, method="GET", route="/static", status="200") == 1
    assert not any("12345" in route or "app.js" in route for route in label_values(samples, "route"))


def test_an_unknown_method_shares_the_other_label(client: TestClient) -> None:
    client.get("/healthz")
    before = scrape(client)
    for path in ("/v1/search", "/healthz", "/does/not/exist"):
        client.request("BREW", path)
    client.request("brew", "/v1/search")
    after = scrape(client)
    methods = label_values(after, "method")
    assert methods <= METHODS | {OTHER_METHOD} and "BREW" not in methods and "brew" not in methods
    other = {key: count for key, count in after.items() if ("method", OTHER_METHOD) in key[1] and key[0] == REQUESTS}
    assert sum(other.values()) == 4
    assert value(after, REQUESTS, method=OTHER_METHOD, route="/v1/search", status="405") == 2
    assert value(after, REQUESTS, method=OTHER_METHOD, route="<unmatched>", status="404") == 1
    assert value(after, REQUESTS, method="GET", route="/healthz", status="200") == value(
        before, REQUESTS, method="GET", route="/healthz", status="200"
    )


def test_each_app_counts_in_its_own_registry(make_client: Callable[..., TestClient]) -> None:
    first, second = make_client(api_key=API_KEY), make_client()
    added = first.post(
        "/v1/documents",
        json={"doc_id": "nieuw", "text": "1 Hoeveel windmolens komen er op land?\nHonderd windmolens op land."},
        headers={"X-API-Key": API_KEY},
    )
    assert added.status_code == 201
    first.post("/v1/search", json={"question": "windmolens"})
    counted, untouched = scrape(first), scrape(second)
    assert value(counted, "vraagbaak_index_updates_total", action="added") == 1
    assert value(counted, REQUESTS, method="POST", route="/v1/search", status="200") == 1
    assert value(untouched, "vraagbaak_index_updates_total", action="added") == 0
    assert value(untouched, REQUESTS, method="POST", route="/v1/search", status="200") == 0
    assert value(counted, "vraagbaak_index_documents") == 3 and value(untouched, "vraagbaak_index_documents") == 2
