"""Property-test settings are per test, never a process-wide profile: a test's deadline must not depend on which other
directories were collected with it (tests/unit/engine/ is collected before this file)."""

from hypothesis import settings


def test_no_directory_loads_a_process_wide_hypothesis_profile(request):
    chosen = settings.get_profile(request.config.getoption("hypothesis_profile", None) or "default")  # --hypothesis-profile
    assert (settings.default.deadline, settings.default.max_examples) == (chosen.deadline, chosen.max_examples)
