"""Attack suite, the MCP stdio server: every request gets an answer, slots are always freed (item 11),
and the export tool never writes over a session's files (item 1, over the real wire)."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time

import pytest

pytest.importorskip("mcp")

from agentscene.mcpserver.settings import MCPSettings  # noqa: E402
from agentscene.mcpserver.stdio import peek_id  # noqa: E402

#: just over the server's message cap: bigger pads only cost pipe and parse time in every round
OVERSIZED = MCPSettings.model_fields["max_message_bytes"].default + (256 << 10)


def _hostile_lines() -> list[tuple[object, bytes]]:
    """(id the answer must carry, raw line) for each request the old reader left unanswered or answered without its id."""
    lines: list[tuple[object, bytes]] = []
    n = 100

    def req(params_json: str) -> tuple[object, bytes]:
        nonlocal n
        n += 1
        return n, f'{{"jsonrpc": "2.0", "id": {n}, "method": "tools/call", "params": {params_json}}}\n'.encode()

    lines.append(req('{"name": "get_scene", "arguments": ' + "[" * 900 + "]" * 900 + "}"))  # nested (under the C limit)
    lines.append(req('{"name": "get_scene", "arguments": {"x": ' + "[" * 5000 + "]" * 5000 + "}}"))  # nested past it
    lines.append(req('{"name": "add_object", "arguments": {"description": "lamp \\ud83d", "position": [1, 0, 1], "yaw": 0, "size": [1, 1, 1]}}'))
    lines.append(req('{"name": "get_scene\\udc00", "arguments": {}}'))
    lines.append(req('{"name": "rotate_object", "arguments": {"object_id": "x", "yaw": ' + "9" * 5000 + "}}"))
    lines.append(req('{"name": "rotate_object", "arguments": {"object_id": "x", "yaw": NaN}}'))
    lines.append(req('{"name": "rotate_object", "arguments": {"object_id": "x", "yaw": 1e99999}}'))
    # oversized (over the message cap): the error must carry the id read from the message's head
    n += 1
    lines.append((n, (f'{{"jsonrpc": "2.0", "id": {n}, "method": "tools/call", "params": {{"name": "get_scene", "arguments": {{"pad": "'
                      + "x" * OVERSIZED + '"}}}}\n').encode()))
    n += 1
    lines.append((f"s{n}", (f'{{"jsonrpc": "2.0", "method": "tools/call", "id": "s{n}", "params": {{"pad": "'
                           + "y" * OVERSIZED + '"}}}}\n').encode()))
    return lines


def _reader(stream, out: queue.Queue) -> None:
    for line in stream:
        out.put(line)
    out.put(None)


def test_every_hostile_request_is_answered_and_the_server_keeps_reading(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "agentscene", "mcp", "--workdir", str(tmp_path)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    answers: queue.Queue = queue.Queue()
    threading.Thread(target=_reader, args=(proc.stdout, answers), daemon=True).start()
    try:
        hostile = _hostile_lines()
        expected = {rid for rid, _ in hostile}
        # more rounds than the 32 in-flight slots: a leaked slot per round would make the server deaf
        rounds = 4
        init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
        proc.stdin.write((json.dumps(init) + "\n").encode())
        proc.stdin.write(b'{"jsonrpc": "2.0", "method": "notifications/initialized"}\n')
        for _ in range(rounds):
            for _, line in hostile:
                proc.stdin.write(line)
        proc.stdin.write(b'{"jsonrpc": "2.0", "id": 999, "method": "tools/list"}\n')
        proc.stdin.flush()
        seen: dict[object, int] = {}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and 999 not in seen:
            try:
                line = answers.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            message = json.loads(line)
            assert "result" in message or "error" in message, message
            seen[message.get("id")] = seen.get(message.get("id"), 0) + 1
        assert 999 in seen, f"the server stopped answering; answered {seen}"
        for rid in expected:
            assert seen.get(rid) == rounds, (rid, seen.get(rid))
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)


def test_peek_id_reads_the_top_level_id_only():
    assert peek_id(b'{"jsonrpc": "2.0", "id": 7, "method": "x", "params": {"a": "' + b"x" * 1000) == 7
    assert peek_id(b'{"id": "abc", "params": [[[[[[[[') == "abc"
    assert peek_id(b'{"params": {"id": 5}, "id": 6, "x": "') == 6
    assert peek_id(b'{"params": {"id": 5}, "x": "') is None
    assert peek_id(b'{"note": "\\"id\\": 3", "x": 1') is None
    assert peek_id(b'{"id": ' + b"9" * 5000) is None
    assert peek_id(b'{"id": 1.5}') is None
    assert peek_id(b'[{"id": 4}]') is None
    assert peek_id(b"") is None


def test_hostile_http_bodies_get_json_rpc_errors_with_their_id(tmp_path):
    import socket

    import httpx

    from tests.test_mcp_http import HEADERS, _free_port, _initialize

    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "agentscene", "mcp", "--transport", "http", "--port", str(port),
                             "--workdir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.05)
        url = f"http://127.0.0.1:{port}/mcp"
        with httpx.Client(timeout=20) as client:
            h = {**HEADERS, "mcp-session-id": _initialize(client, url), "mcp-protocol-version": "2025-11-25"}
            for rid, line in _hostile_lines()[:7]:  # the oversized ones are the SDK's 413, tested elsewhere
                response = client.post(url, content=line, headers=h)
                assert 400 <= response.status_code < 500, (rid, response.status_code)
                answer = response.json()
                assert answer["error"]["code"] in (-32700, -32600) and answer.get("id") == rid, answer
            listed = client.post(url, json={"jsonrpc": "2.0", "id": 3, "method": "tools/list"}, headers=h)
            assert listed.status_code == 200 and len(listed.json()["result"]["tools"]) > 7
    finally:
        proc.terminate()
        proc.wait(10)
