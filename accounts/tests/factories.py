from __future__ import annotations

import factory
from factory.django import DjangoModelFactory, Password

from accounts.models import User

# Every factory-made person can sign in with this; the root conftest's cast uses it too.
PASSWORD = "correct-horse-battery"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name")
    password = Password(PASSWORD)
    preferred_language = "en"
    time_zone = "Europe/Madrid"
