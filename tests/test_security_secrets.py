"""Attack suite, secrets: a server that echoes the key, raw and encoded, never gets it into an error,
a traceback, a log, a run file, the batch summary or the console (item 4)."""

from __future__ import annotations

import base64
import json
import logging
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, quote_plus

import pytest
from typer.testing import CliRunner

from agentscene.agents.client import ProviderError
from agentscene.agents.openai_client import OpenAIClientSettings, OpenAICompatibleClient
from agentscene.run_dir import Redactor, redact

KEY = "sk-test-Zq8/xY+3=kP?&9#secret"


def _echoes(auth: str) -> str:
    """The key in every encoding a careless server might use in an error body."""
    key = auth.removeprefix("Bearer ")
    blob = base64.b64encode(json.dumps({"headers": {"authorization": auth}, "n": 1}).encode()).decode()
    return " | ".join([
        f"invalid key {key}", quote(key, safe=""), quote_plus(key), base64.b64encode(key.encode()).decode(),
        base64.urlsafe_b64encode(auth.encode()).decode(), blob, key.encode().hex(),
    ])


def _leaks(text: str) -> list[str]:
    forms = [KEY, quote(KEY, safe=""), quote_plus(KEY), base64.b64encode(KEY.encode()).decode().rstrip("="),
             KEY.encode().hex(), "Zq8/xY", "Zq8%2FxY"]
    return [f for f in forms if f in text]


class _Echo(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        body = json.dumps({"error": {"message": _echoes(self.headers.get("Authorization", "")), "code": 401}}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def echo_server():
    """One echoing server for the module: it holds no state between requests."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_redact_covers_each_encoding():
    text = _echoes("Bearer " + KEY)
    assert _leaks(text)
    assert _leaks(redact(text, [KEY])) == []
    assert redact("short key abc here", ["abc"]) == "short key *** here"


def test_errors_while_building_the_client_are_redacted(echo_server, monkeypatch):
    monkeypatch.setenv("VLLM_API_KEY", KEY)
    for settings in (OpenAIClientSettings(provider="vllm", base_url=echo_server, max_retries=0),  # reads /v1/models
                     OpenAIClientSettings(provider="vllm", base_url=echo_server, api_key=KEY, max_retries=0)):
        with pytest.raises(ProviderError) as info:
            OpenAICompatibleClient(settings)
        shown = str(info.value) + repr(info.value) + "".join(traceback.format_exception(info.value))
        assert "401" in shown and _leaks(shown) == []


def test_errors_during_a_call_are_redacted(echo_server):
    client = OpenAICompatibleClient(OpenAIClientSettings(provider="vllm", base_url=echo_server, model="m", api_key=KEY, max_retries=0))
    with pytest.raises(ProviderError) as info:
        client.complete([{"role": "user", "content": "hi"}])
    assert _leaks("".join(traceback.format_exception(info.value))) == []
    client.close()


def test_logs_and_their_tracebacks_are_redacted(tmp_path):
    logger = logging.getLogger("agentscene.test_secrets")
    handler = logging.FileHandler(tmp_path / "log.txt")
    handler.addFilter(Redactor([KEY]))
    logger.addHandler(handler)
    try:
        try:
            raise RuntimeError(_echoes("Bearer " + KEY))
        except RuntimeError:
            logger.exception("failed with %s", quote(KEY, safe=""))
        logger.warning("stack", stack_info=True, extra={})
    finally:
        logger.removeHandler(handler)
        handler.close()
    text = (tmp_path / "log.txt").read_text()
    assert "RuntimeError" in text and _leaks(text) == []


def test_generate_and_batch_never_write_or_print_the_key(echo_server, tmp_path, monkeypatch):
    from agentscene.batch.worker import EpisodeTask, run_task
    from agentscene.cli import app
    from agentscene.generate import GenerateConfig

    monkeypatch.setenv("VLLM_API_KEY", KEY)
    result = CliRunner().invoke(app, ["generate", "a bedroom", "--agent", "openai-compatible", "--provider", "vllm",
                                      "--base-url", echo_server, "--retries", "0", "--out", str(tmp_path / "gen")])
    assert result.exit_code != 0 and _leaks(result.output) == []
    assert result.exception is None or isinstance(result.exception, SystemExit)
    config = GenerateConfig(prompt="a bedroom", agent="openai-compatible", provider="vllm", base_url=echo_server,
                            max_retries=0, out=tmp_path / "batch")
    row = run_task(EpisodeTask(index=0, line=1, name="a-bedroom", config=config, fault_dir=tmp_path / "faults"))
    assert row.status == "error" and "401" in (row.error or "")
    assert _leaks(row.model_dump_json()) == []
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert _leaks(path.read_text(errors="replace")) == [], path
