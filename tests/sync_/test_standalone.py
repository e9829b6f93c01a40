# generated from tests/async_/test_standalone.py by codegen — do not edit

"""Standalone use: configure(), models in any package, create_tables / drop_tables.

The test process is configured once by conftest (``vinyl_sync.configure``), as an
application would be; models defined here live in made-up packages outside
INSTALLED_APPS and get their app from vinyl's label inference. What needs an
unconfigured interpreter (a model imported before configure(), configure()'s own
validation) runs in a fresh Python subprocess.
"""

import os
import subprocess
import sys
import textwrap
import types

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, models
from django.utils.connection import ConnectionDoesNotExist
from helpers import fetch, rows_of

import vinyl_sync
from vinyl_sync import ConfigurationError, VinylManager, atomic, create_tables, drop_tables


@pytest.fixture
def package():
    """``package("a.b.models", app_label=...)``: a module (and its parents) in sys.modules."""
    added = []

    def make(name, **attributes):
        parts = name.split(".")
        for depth in range(1, len(parts) + 1):
            dotted = ".".join(parts[:depth])
            if dotted not in sys.modules:
                sys.modules[dotted] = types.ModuleType(dotted)
                added.append(dotted)
        module = sys.modules[name]
        for key, value in attributes.items():
            setattr(module, key, value)
        return name

    yield make
    for name in added:
        sys.modules.pop(name, None)


def model(module_name, class_name, meta=None, **fields):
    """A model class defined in *module_name*, as a ``class`` statement there would."""
    attrs = {"__module__": module_name, **fields}
    if meta is not None:
        attrs["Meta"] = type("Meta", (), meta)
    return type(class_name, (models.Model,), attrs)


def run_python(script):
    """Run *script* in a fresh interpreter (no Django settings); its stdout + stderr."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    return result.stdout + result.stderr


# -- app labels -------------------------------------------------------------------------


def test_app_label_is_the_last_part_of_the_models_package(package):
    module = package("service.auth.accounts.models")

    User = model(module, "User", username=models.CharField(max_length=50), vinyl=VinylManager())

    assert User._meta.app_label == "accounts"
    assert User._meta.label == "accounts.User"
    assert User._meta.db_table == "accounts_user"
    assert apps.get_app_config("accounts").name == "service.auth.accounts"
    assert apps.get_model("accounts", "User") is User
    assert User.vinyl.model._meta is User._meta


def test_models_of_one_package_share_its_app(package):
    first = package("service.billing.models")
    second = package("service.billing.extra")

    Invoice = model(first, "Invoice", number=models.IntegerField())
    Refund = model(second, "Refund", invoice=models.ForeignKey(Invoice, models.CASCADE))

    assert Invoice._meta.app_label == Refund._meta.app_label == "billing"
    assert {m.__name__ for m in apps.get_app_config("billing").get_models()} == {
        "Invoice",
        "Refund",
    }


def test_a_module_level_app_label_overrides_the_package_name(package):
    module = package("service.legacy_users.models", app_label="people")

    Person = model(module, "Person", name=models.CharField(max_length=50))

    assert Person._meta.app_label == "people"
    assert apps.get_app_config("people").name == "service.legacy_users"


def test_a_nested_package_gets_its_own_label_not_its_parents(package):
    parent = package("warehouse.models")
    child = package("warehouse.shipping.models")

    Shelf = model(parent, "Shelf", code=models.CharField(max_length=10))
    Parcel = model(child, "Parcel", weight=models.IntegerField())

    assert (Shelf._meta.app_label, Parcel._meta.app_label) == ("warehouse", "shipping")


def test_two_packages_inferring_the_same_label_is_a_configuration_error(package):
    model(package("tenant_a.widgets.models"), "Widget", name=models.CharField(max_length=10))

    with pytest.raises(ConfigurationError) as raised:
        model(package("tenant_b.widgets.models"), "Gadget", name=models.CharField(max_length=10))

    message = str(raised.value)
    assert "'widgets'" in message
    assert "'tenant_a.widgets'" in message and "'tenant_b.widgets'" in message
    assert "app_label" in message
    assert apps.get_app_config("widgets").name == "tenant_a.widgets"


def test_an_inferred_label_cannot_take_an_installed_apps_label(package):
    with pytest.raises(ConfigurationError, match="'contenttypes'"):
        model(package("mysite.contenttypes.models"), "Page", title=models.CharField(max_length=10))


def test_an_explicit_app_label_may_join_an_existing_app(package):
    model(package("crm_core.contacts.models"), "Contact", name=models.CharField(max_length=10))

    Note = model(
        package("crm_plugins.notes.models", app_label="contacts"),
        "Note",
        text=models.TextField(),
    )

    assert Note._meta.app_label == "contacts"
    assert apps.get_app_config("contacts").name == "crm_core.contacts"


def test_abstract_models_and_meta_app_label_create_no_app(package):
    # Django asks for the containing app of these too, and ignores the answer.
    Base = model(
        package("lib_one.shared.models"),
        "Timestamped",
        meta={"abstract": True},
        created=models.IntegerField(default=0),
    )
    model(package("lib_two.shared.models"), "Other", meta={"abstract": True})
    model(package("lib_three.anchor.models"), "Anchor")
    Placed = model(
        package("lib_three.shared.models"),
        "Placed",
        meta={"app_label": "anchor"},
        name=models.CharField(max_length=10),
    )

    assert Base._meta.abstract and Placed._meta.app_label == "anchor"
    assert "shared" not in apps.app_configs


def test_an_invalid_module_app_label_is_a_configuration_error(package):
    with pytest.raises(ConfigurationError, match="app_label must be a Python identifier"):
        model(package("odd.things.models", app_label="not-a-label"), "Thing")


# -- configure() ------------------------------------------------------------------------


def test_configure_again_with_the_same_settings_does_nothing():
    options = settings._vinyl_options
    vinyl_sync.configure(**{key.lower(): value for key, value in options.items()})
    assert settings._vinyl_options == options


def test_configure_again_with_other_settings_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="already called with different settings"):
        vinyl_sync.configure(databases={"default": {"ENGINE": "django.db.backends.sqlite3"}})


def test_a_model_defined_before_configure_is_a_configuration_error():
    output = run_python(
        """
        from django.db import models
        from vinyl_sync import ConfigurationError, VinylManager

        try:
            class Early(models.Model):
                vinyl = VinylManager()
        except ConfigurationError as exc:
            print("ConfigurationError:", exc)
        """
    )
    assert "ConfigurationError: VinylManager() was used before Django was configured" in output
    assert "vinyl_sync.configure(databases=...)" in output


def test_configure_rejects_what_cannot_work_before_touching_django():
    output = run_python(
        """
        from django.conf import settings
        import vinyl_sync
        from vinyl_sync import ConfigurationError

        attempts = [
            {"databases": {"main": {"ENGINE": "django.db.backends.sqlite3"}}},
            {"databases": {"default": {"NAME": "x.sqlite3"}}},
            {"databases": {"default": {"ENGINE": "django.db.backends.sqlite3",
                                       "VINYL": {"pool": {"size": 3}}}}},
            {"databases": {"default": {"ENGINE": "no.such.backend"}}},
            {"databases": {}, "DATABASES": {}},
            {"databases": {}},
            {"installed_apps": "myapp"},
        ]
        for kwargs in attempts:
            try:
                vinyl_sync.configure(**kwargs)
            except ConfigurationError as exc:
                print("ConfigurationError:", exc)
        print("configured:", settings.configured)
        """
    )
    expected = [
        "ConfigurationError: DATABASES needs a 'default' alias (it has 'main').",
        "ConfigurationError: DATABASES['default'] has no ENGINE.",
        "ConfigurationError: Unknown pool option(s) ['size'] in DATABASES['default']['VINYL']",
        "ConfigurationError: DATABASES['default']: the ENGINE 'no.such.backend' cannot be loaded",
        "ConfigurationError: configure() got both databases= and DATABASES=",
        "ConfigurationError: DATABASES needs a 'default' alias (it has none).",
        "ConfigurationError: installed_apps must be a list of app names, not a string.",
        "configured: False",
    ]
    lines = output.splitlines()
    for start in expected:
        assert any(line.startswith(start) for line in lines), (start, output)


def test_configure_refuses_settings_configured_by_django():
    output = run_python(
        """
        from django.conf import settings
        import vinyl_sync

        settings.configure()
        try:
            vinyl_sync.configure(databases={"default": {"ENGINE": "django.db.backends.sqlite3"}})
        except vinyl_sync.ConfigurationError as exc:
            print("ConfigurationError:", exc)
        """
    )
    assert "ConfigurationError: Django settings are already configured" in output


def test_models_in_a_script_take_the_scripts_name_as_app_label(tmp_path):
    script = tmp_path / "inventory.py"
    script.write_text(
        textwrap.dedent(
            """
            import vinyl_sync

            vinyl_sync.configure(databases={"default": {
                "ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}})

            from django.db import models

            class Crate(models.Model):
                vinyl = vinyl_sync.VinylManager()

            print("label:", Crate._meta.app_label)
            """
        )
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120
    )
    assert "label: inventory" in result.stdout, result.stdout + result.stderr


# -- create_tables / drop_tables on models outside INSTALLED_APPS -------------------------


def _existing_tables():
    return set(connection.introspection.table_names())


def test_models_of_any_package_work_end_to_end(package):
    module = package("standalone_app.catalog.models")
    Label = model(module, "Label", name=models.CharField(max_length=30), vinyl=VinylManager())
    Item = model(
        module,
        "Item",
        name=models.CharField(max_length=30),
        price=models.IntegerField(),
        labels=models.ManyToManyField(Label, related_name="items"),
        vinyl=VinylManager(),
    )
    tables = {"catalog_label", "catalog_item", "catalog_item_labels"}
    assert not tables & _existing_tables()

    create_tables(Label, Item)
    try:
        assert tables <= _existing_tables()
        with atomic():
            sale = Label.vinyl.create(name="sale")
            for name, price in [("lamp", 30), ("chair", 80), ("desk", 200)]:
                item = Item.vinyl.create(name=name, price=price)
                if price < 100:
                    item.labels.add(sale)

        cheap = Item.vinyl.filter(price__lt=100).order_by("name").prefetch_related("labels")
        found = fetch(cheap)
        assert [(i.name, [x.name for x in i["labels"]]) for i in found] == [
            ("chair", ["sale"]),
            ("lamp", ["sale"]),
        ]
        assert rows_of(fetch(Item.vinyl.order_by("pk"))) == rows_of(Item.objects.order_by("pk"))
    finally:
        drop_tables(Label, Item)
    assert not tables & _existing_tables()


def test_create_tables_on_an_unknown_alias_is_a_configuration_error(package):
    Thing = model(package("standalone_app.things.models"), "Thing", vinyl=VinylManager())

    with pytest.raises(ConfigurationError, match="'nowhere'") as raised:
        create_tables(Thing, using="nowhere")
    assert isinstance(raised.value, ConnectionDoesNotExist)
