"""Property-test settings are per test, never a process-wide profile: a test's deadline must not depend on which other
directories were collected with it (tests/unit/engine/ is collected before this file)."""

from hypothesis import settings

try:
    from hypothesis._settings import is_in_ci  # how hypothesis itself chooses to load its own "ci" profile (CI=true)
except ImportError:  # pragma: no cover - another hypothesis layout
    def is_in_ci() -> bool:
        return False


def test_no_directory_loads_a_process_wide_hypothesis_profile(request):
    # the profile in force is the one pytest's --hypothesis-profile or hypothesis itself chose, not a conftest's
    expected = request.config.getoption("hypothesis_profile", None) or ("ci" if is_in_ci() else "default")
    assert settings.get_current_profile_name() == expected
    chosen = settings.get_profile(expected)
    assert (settings.default.deadline, settings.default.max_examples) == (chosen.deadline, chosen.max_examples)
