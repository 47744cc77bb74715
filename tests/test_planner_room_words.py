"""Room words inside object names do not decide the room type."""

import pytest

from agentscene.brief import parse_brief as parse_prompt


@pytest.mark.parametrize("prompt, room", [
    ("a quiet study with an office chair and a bookshelf", "study_room"),
    ("a reading nook with a chaise lounge and a floor lamp", "study_room"),
    ("a study room with a lounge chair", "study_room"),
    ("an office with two desks and an office chair", "office"),
    ("a cozy lounge with a sofa", "living_room"),
])
def test_room_type(prompt, room):
    assert parse_prompt(prompt).room_type == room
