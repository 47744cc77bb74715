"""The MCP server over streamable HTTP: real `mcp` clients, concurrent sessions, malformed and abusive traffic."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import anyio
import httpx
import pytest

mcp = pytest.importorskip("mcp")
from mcp import Client  # noqa: E402
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS  # noqa: E402

SCENES = Path(__file__).parent / "data" / "scenes"
BEDROOM = SCENES / "bedroom_basic.json"
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("mcp-http")
    port = _free_port()
    log = (workdir / "server.log").open("wb")  # a file, not a pipe nobody reads: a full pipe would block the server
    proc = subprocess.Popen([sys.executable, "-m", "agentscene", "mcp", "--transport", "http", "--port", str(port),
                             "--workdir", str(workdir), "--scene", str(BEDROOM)],
                            stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            assert proc.poll() is None, (workdir / "server.log").read_text()
            time.sleep(0.05)
    yield {"url": f"http://127.0.0.1:{port}/mcp", "port": port, "workdir": workdir, "proc": proc}
    proc.terminate()
    proc.wait(10)
    log.close()


def test_two_concurrent_sessions_keep_separate_scenes(server):
    async def session(name: str, x: float, results: dict):
        async with Client(server["url"]) as client:
            tools = await client.list_tools()
            await client.call_tool("add_object", {"description": f"{name} lamp", "position": [x, 0.0, 1.0], "yaw": 0,
                                                  "size": [0.3, 1.5, 0.3], "category": "floor_lamp", "support": None})
            await anyio.sleep(0.05)  # let the other session edit in between
            await client.call_tool("move_object", {"object_id": "bed_1", "position": [x, 0.0, 2.0]})
            await anyio.sleep(0.05)
            scene = (await client.call_tool("get_scene", {})).structured_content
            resource = json.loads((await client.read_resource("scene://current")).contents[0].text)
            results[name] = (scene, resource, len(tools.tools), client.protocol_version)

    async def go():
        results: dict = {}
        async with anyio.create_task_group() as tg:
            tg.start_soon(session, "left", 1.0, results)
            tg.start_soon(session, "right", 3.0, results)
        return results

    results = anyio.run(go)
    for name, x in (("left", 1.0), ("right", 3.0)):
        scene, resource, n_tools, version = results[name]
        assert n_tools == 14 and version in HANDSHAKE_PROTOCOL_VERSIONS  # the handshake era: HTTP sessions need it
        assert scene == resource
        lamps = [o for o in scene["objects"] if o["category"] == "floor_lamp"]
        assert [lamp["description"] for lamp in lamps] == [f"{name} lamp"]
        assert scene["objects"][0]["position"] == [x, 0.0, 2.0]
    sessions = [p for p in (server["workdir"] / "sessions").iterdir() if p.name.startswith("http-")]
    saved = [json.loads((p / "scene.json").read_text()) for p in sessions]
    assert sorted(s["objects"][0]["position"][0] for s in saved if len(s["objects"]) == 7)[-2:] == [1.0, 3.0]


def test_a_stateless_modern_client_gets_a_clear_error_result(server):
    async def go():
        async with Client(server["url"], mode="2026-07-28") as client:
            return await client.call_tool("get_scene", {})

    result = anyio.run(go)
    assert result.is_error and "one scene per session" in result.content[0].text


def _initialize(client: httpx.Client, url: str) -> str:
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}}
    response = client.post(url, json=init, headers=HEADERS)
    assert response.status_code == 200
    session_id = response.headers["mcp-session-id"]
    client.post(url, json={"jsonrpc": "2.0", "method": "notifications/initialized"},
                headers={**HEADERS, "mcp-session-id": session_id, "mcp-protocol-version": "2025-11-25"})
    return session_id


def test_malformed_and_oversized_requests_get_errors_and_the_server_keeps_serving(server):
    url = server["url"]
    with httpx.Client(timeout=10) as client:
        session_id = _initialize(client, url)
        h = {**HEADERS, "mcp-session-id": session_id, "mcp-protocol-version": "2025-11-25"}
        garbage = client.post(url, content=b'{"jsonrpc": "2.0", "id": 5, "method": ', headers=h)
        assert garbage.status_code == 400 and "Parse error" in garbage.text
        not_rpc = client.post(url, content=b'[1, 2, 3]', headers=h)
        assert not_rpc.status_code == 400
        huge = client.post(url, content=b'{"pad": "' + b"x" * (5 * 1024 * 1024) + b'"}', headers=h)
        assert huge.status_code == 413
        wrong_host = client.post(url, json={"jsonrpc": "2.0", "id": 9, "method": "tools/list"}, headers={**h, "Host": "evil.example"})
        assert wrong_host.status_code in (403, 421)

    async def still_serving():
        async with Client(url) as c:
            return await c.call_tool("get_scene", {})

    assert not anyio.run(still_serving).is_error


def test_clients_that_never_read_cost_bounded_memory(server):
    """Twenty connections ask for a 1000-object scene and never read the answer; others are still served."""
    url, port = server["url"], server["port"]
    big = json.loads(BEDROOM.read_text())
    template = big["objects"][0]
    big["objects"] = [{**template, "id": f"crate_{i}", "position": [1.0 + (i % 10) * 0.2, 0.0, 1.0 + (i // 100) * 0.2]}
                      for i in range(1000)]
    (server["workdir"] / "big.json").write_text(json.dumps(big))
    with httpx.Client(timeout=10) as client:
        session_id = _initialize(client, url)
        h = {**HEADERS, "mcp-session-id": session_id, "mcp-protocol-version": "2025-11-25"}
        loaded = client.post(url, json={"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                                        "params": {"name": "load_scene", "arguments": {"path": "big.json"}}}, headers=h)
        assert "Loaded big.json" in loaded.text
    before = _rss_mb(server["proc"].pid)
    body = json.dumps({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "get_scene", "arguments": {}}}).encode()
    request = (f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json, text/event-stream\r\n"
               f"Content-Type: application/json\r\nmcp-session-id: {session_id}\r\nmcp-protocol-version: 2025-11-25\r\n"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    sockets = []
    try:
        for _ in range(20):
            s = socket.create_connection(("127.0.0.1", port))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            for _ in range(5):  # pipelined requests, none of whose answers is ever read
                s.sendall(request)
            sockets.append(s)
        time.sleep(1.0)

        async def still_serving():
            async with Client(url) as c:
                return await c.call_tool("move_object", {"object_id": "bed_1", "position": [2.0, 0.0, 2.0]})

        result = anyio.run(still_serving)
        assert not result.is_error
        grown = _rss_mb(server["proc"].pid) - before
        assert grown < 150, f"server grew by {grown:.0f} MB"
    finally:
        for s in sockets:
            s.close()
