"""factory_boy factories shared by the test suite."""

from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from hunt.accounts.models import Volunteer
from hunt.accounts.roles import SCIENTIST_GROUP
from hunt.subjects.models import Subject, SubjectSet

PASSWORD = "correct-horse-battery-staple-42"  # test-only


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def scientist(obj: Any, create: bool, extracted: bool | None, **kwargs: object) -> None:
        if create and extracted:
            group, _ = Group.objects.get_or_create(name=SCIENTIST_GROUP)
            obj.groups.add(group)
        if create:
            obj.save()


class AdminFactory(UserFactory):
    is_staff = True
    is_superuser = True


class VolunteerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Volunteer

    user = factory.SubFactory(UserFactory)


class SubjectSetFactory(factory.django.DjangoModelFactory[SubjectSet]):
    class Meta:
        model = SubjectSet
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Set {n}")
    slug = factory.Sequence(lambda n: f"set-{n}")
    kind = "simulated"


class SubjectFactory(factory.django.DjangoModelFactory[Subject]):
    class Meta:
        model = Subject

    subject_set = factory.SubFactory(SubjectSetFactory)
    external_id = factory.Sequence(lambda n: f"CH-{n:06d}")
    ra = factory.Sequence(lambda n: (150.0 + n * 0.01) % 360)
    dec = 2.0
