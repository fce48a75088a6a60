"""The storage key layout (wairo_contracts.keys): what the writers build, the sweep can parse."""

from __future__ import annotations

import uuid

from wairo_contracts import keys


def test_a_photo_key_parses_back_to_its_ids() -> None:
    project_id, photo_id = uuid.uuid4(), uuid.uuid4()
    for variant in (keys.ORIGINAL, *keys.VARIANTS):
        key = keys.photo_key(project_id, photo_id, variant)
        assert key.startswith(keys.project_photos_prefix(project_id))
        assert keys.parse_photo_key(key) == (project_id, photo_id)


def test_other_keys_are_not_a_photos() -> None:
    user_id = uuid.uuid4()
    assert keys.parse_photo_key(keys.selfie_key(user_id, 1)) is None
    assert keys.parse_photo_key(keys.retained_key(user_id)) is None
    assert keys.parse_photo_key("photos/not-a-uuid/x/original.jpg") is None
    assert keys.parse_photo_key("photos/") is None
    assert keys.selfie_key(user_id, 1).startswith(keys.SELFIES)
    assert keys.retained_key(user_id).startswith(keys.RETAINED)
    assert keys.profile_picture_key(user_id).startswith(keys.OPERATORS)
