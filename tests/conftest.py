import os

import pytest
from hypothesis import HealthCheck, settings

# Hypothesis profiles: `default` keeps the suite fast and the same on every run (CI);
# `explore` (HYPOTHESIS_PROFILE=explore) searches long and at random, for development.
settings.register_profile(
    "default", max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("explore", max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_user("editor", password="pw-editor-123", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client
