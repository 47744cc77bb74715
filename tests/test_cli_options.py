"""The generate/batch options and the loop settings come from GenerateConfig's fields (one declaration each)."""

from __future__ import annotations

import pytest
import typer.main
from pydantic import ValidationError

from agentscene.cli import app
from agentscene.commands.generate import OPTION_FIELDS, RENAMED, config_problems
from agentscene.formats.errors import describe_validation_error
from agentscene.generate_config import LOOP_FIELDS, GenerateConfig
from agentscene.loop import LoopConfig


def _params(command: str) -> dict:
    return {p.name: p for p in typer.main.get_command(app).commands[command].params}


def test_every_generate_option_is_a_config_field_with_its_description_as_help():
    params = _params("generate")
    names = {f: n for n, f in RENAMED.items()}
    assert set(params) == {names.get(f, f) for f in OPTION_FIELDS}
    for field in OPTION_FIELDS:
        if field == "assets_settings":  # the shared --assets-option declaration (export and render take it too)
            continue
        info = GenerateConfig.model_fields[field]
        assert info.description and params[names.get(field, field)].help == info.description, field
    assert params["turns"].default == GenerateConfig.model_fields["turns"].default
    assert params["rollback"].opts == ["--rollback"] and params["rollback"].secondary_opts == ["--no-rollback"]
    assert params["resume"].opts == ["--resume"] and not params["resume"].secondary_opts


def test_loop_config_takes_every_field_the_two_configs_share():
    values = {"turns": 9, "physics_feedback": False, "vlm_feedback": True, "physics_optimization": True,
              "rollback": False, "max_history_turns": 1, "render_size": 128, "seed": 42}
    loop = GenerateConfig(prompt="a study", **values).loop_config()
    for field, value in values.items():
        assert getattr(loop, LOOP_FIELDS.get(field, field)) == value, field
    shared = {LOOP_FIELDS.get(f, f) for f in GenerateConfig.model_fields} & set(LoopConfig.model_fields)
    assert shared == {LOOP_FIELDS.get(f, f) for f in values}


def test_config_errors_name_the_cli_flag_and_data_errors_the_field():
    with pytest.raises(ValidationError) as e:
        GenerateConfig(prompt="a study", timeout_s=0, max_retries=99)
    assert config_problems(e.value) == ("--timeout: Input should be greater than 0; "
                                        "--retries: Input should be less than or equal to 20")
    assert describe_validation_error(e.value)[0] == "timeout_s: Input should be greater than 0 (got 0)"
