"""``goalgate serve --workers 2`` with metrics, JSON logs and the access log on, for real.

Two worker processes answer one port: a scrape (answered by either) must add
up both workers' counts, gauges must follow subscriptions opened and closed on
either, every line the server writes must be one JSON object, a request id set
by the proxy in front (127.0.0.1, trusted by default) must come back and be in
the log, and no token secret may ever be written.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import connect

from goalgate.storage.db import Database
from tests.helpers.data import make_site, make_token
from tests.helpers.http import EVENTS_URL, bearer
from tests.helpers.server import Server

BATCH = 40
SUBSCRIPTION = 'subscription { conversions(siteKey: "sk_abc123def456") { value } }'


def value(text: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    raise AssertionError(f"no sample {name} {labels} in:\n{text}")


def exists(path: str) -> bool:
    return Path(path).exists()


def multiprocess_dir(worker: int) -> str:
    environ = Path(f"/proc/{worker}/environ").read_bytes().split(b"\0")
    [entry] = [item for item in environ if item.startswith(b"PROMETHEUS_MULTIPROC_DIR=")]
    return entry.split(b"=", 1)[1].decode()


async def test_two_workers_add_up_their_metrics_and_log_json_lines_with_request_ids(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    await db.migrate()
    site = await make_site(db)
    token = await make_token(db)
    env = {
        "GOALGATE_METRICS": "on",
        "GOALGATE_LOG_FORMAT": "json",
        "GOALGATE_ACCESS_LOG": "true",
        "GOALGATE_RATE_LIMIT_INGEST": "0",
    }
    server = Server(database_url, workers=2, cwd=tmp_path, env=env)
    sent: list[str] = []
    try:
        await asyncio.to_thread(server.wait_ready)
        workers = server.worker_pids()
        assert len(workers) == 2
        directory = multiprocess_dir(workers[0])
        assert multiprocess_dir(workers[1]) == directory
        assert exists(directory)
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:

            async def probe(n: int) -> None:
                request_id = f"proxy-{n}"
                response = await http.get("/healthz", headers={"X-Request-ID": request_id})
                assert response.status_code == 200
                assert response.headers["x-request-id"] == request_id
                sent.append(request_id)

            await asyncio.gather(*(probe(n) for n in range(BATCH)))
            accepted = await asyncio.gather(
                *(
                    http.post(EVENTS_URL, json={"site": site, "type": "event", "name": f"e{n}"})
                    for n in range(3)
                )
            )
            assert [r.status_code for r in accepted] == [202] * 3
            listed = await http.get(f"/api/v1/analytics/sites/{site}/goals", headers=bearer(token))
            assert listed.status_code == 200

            url = server.base_url.replace("http://", "ws://") + "/graphql"
            async with connect(url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
                assert len(socket.response.headers["x-request-id"]) == 32
                init = {"type": "connection_init", "payload": bearer(token)}
                await socket.send(json.dumps(init))
                assert json.loads(await asyncio.wait_for(socket.recv(), 5)) == {
                    "type": "connection_ack"
                }
                subscribe = {"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}}
                await socket.send(json.dumps(subscribe))
                await asyncio.sleep(0.5)  # the subscription is registered with the hub
                while_open = (await http.get("/metrics")).text
            deadline = time.monotonic() + 5
            while True:
                after = (await http.get("/metrics")).text
                if value(after, "goalgate_subscriptions_open") == 0 or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.1)
    finally:
        code = await asyncio.to_thread(server.stop)
    log = server.log.read_text()
    assert code == 0, log

    # Whichever worker answered, the scrape read both workers' files: each
    # worker's own gauge is there under its pid (which worker accepted the
    # probes is the kernel's choice, often one takes them all).
    per_worker = {
        sample.labels["pid"]
        for family in text_string_to_metric_families(after)
        for sample in family.samples
        if sample.name == "goalgate_key_dictionary_keys"
    }
    assert per_worker == {str(pid) for pid in workers}
    healthz = {"method": "GET", "route": "/healthz", "status": "200"}
    assert value(after, "goalgate_http_requests_total", **healthz) == BATCH
    assert value(after, "goalgate_events_accepted_total") == 3
    assert value(after, "goalgate_group_commit_events_sum") == 3
    assert value(while_open, "goalgate_subscriptions_open") == 1
    assert value(after, "goalgate_subscriptions_open") == 0
    assert not exists(directory)  # the serve command's own, removed at exit

    lines = [json.loads(line) for line in log.splitlines() if line.strip()]
    access = [line for line in lines if line["logger"] == "goalgate.access"]
    probes = [line for line in access if line["route"] == "/healthz" and line["path"] == "/healthz"]
    assert sorted(
        line["request_id"] for line in probes if line["request_id"].startswith("proxy-")
    ) == sorted(sent)
    assert {line["pid"] for line in probes} <= set(workers)
    assert [line["token_id"] for line in access if line["route"].endswith("/goals")] == [1]
    assert {line["logger"] for line in lines} >= {"uvicorn.error", "goalgate.access"}
    for secret in (token, token[3:]):
        assert secret not in log
