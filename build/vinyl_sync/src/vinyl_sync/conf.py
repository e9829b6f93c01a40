# generated from src/vinyl_async/conf.py by codegen — do not edit

"""Standalone use: ``configure()`` sets Django up without a settings module.

After ``configure()``, models can live in any package. A model whose module is
not inside an installed app gets an app created for it on the fly: its label is
the module's ``app_label`` attribute if set, else the last part of its package
(``service.auth.accounts.models`` → ``accounts``; a top-level module ``shop``
→ ``shop``; a script run as ``python shop.py`` → ``shop``).

Inside a Django project (``DJANGO_SETTINGS_MODULE``) none of this is used:
settings.py configures Django and models live in INSTALLED_APPS, as usual.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from .exceptions import ConfigurationError

__all__ = ["InferredAppConfig", "configure", "is_configured", "require_ready"]

# Settings whose keyword argument has a lowercase name of its own in configure().
_OWN_ARGUMENTS = {"DATABASES": "databases", "INSTALLED_APPS": "installed_apps"}

# Which extra installs the driver vinyl needs for an ENGINE family.
_EXTRAS = {"postgresql": "postgresql", "mysql": "mysql"}


def is_configured() -> bool:
    """Whether Django's settings are configured (by ``configure()`` or a settings module)."""
    from django.conf import settings

    return settings.configured


def configure(
    databases: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    installed_apps: list[str] | tuple[str, ...] | None = None,
    **django_settings: Any,
) -> None:
    """Configure Django's settings and app registry once, for use without settings.py.

    Call it at start-up, before importing any module that defines models.

    *databases* is Django's ``DATABASES`` (standard ENGINEs or vinyl's; an
    alias may carry a ``"VINYL"`` dict of vinyl options). Without it, one
    SQLite database ``vinyl.sqlite3`` in the working directory is used.
    *installed_apps* are Django apps to install as usual (e.g.
    ``"django.contrib.contenttypes"``); models outside them get an app named
    after their package. Other keyword arguments are Django settings, in any
    case (``use_tz=True`` or ``USE_TZ=True``); ``USE_TZ`` defaults to True and
    ``DEFAULT_AUTO_FIELD`` to ``BigAutoField``.

    Calling it again with the same arguments does nothing. Raises
    ConfigurationError if Django's settings are already configured otherwise
    (another ``configure()`` call with different arguments, or a settings
    module in use), if a database has no ENGINE or invalid ``"VINYL"`` options,
    if DATABASES has no ``"default"`` alias, or if an ENGINE's driver is not
    installed (the message names the pip extra to install).
    """
    import django
    from django.conf import settings

    options = _settings_from_arguments(databases, installed_apps, django_settings)
    if settings.configured:
        # _vinyl_options marks settings made by configure(), of this package or of its
        # twin (a program may use vinyl_async and vinyl_sync side by side).
        previous = getattr(settings, "_vinyl_options", None)
        if previous == options:
            _install_app_inference()
            return
        if previous is not None:
            raise ConfigurationError(
                "vinyl_sync.configure() was already called with different settings; "
                "call it once, at start-up."
            )
        raise ConfigurationError(
            "Django settings are already configured (by a settings module or "
            "settings.configure()); vinyl uses them as they are: configure() is for "
            "programs without settings.py."
        )
    _check_databases(options["DATABASES"])
    settings.configure(**options)
    django.setup()
    settings._vinyl_options = options  # type: ignore[attr-defined]
    # Installed after setup: while Django populates INSTALLED_APPS it iterates the app
    # registry, which inferred apps would change.
    _install_app_inference()


def _settings_from_arguments(
    databases: Mapping[str, Mapping[str, Any]] | None,
    installed_apps: list[str] | tuple[str, ...] | None,
    django_settings: dict[str, Any],
) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for key, value in django_settings.items():
        name = key.upper()
        if name in options:
            raise ConfigurationError(f"configure() got the setting {name} twice.")
        options[name] = value
    for name, argument in _OWN_ARGUMENTS.items():
        given = databases if argument == "databases" else installed_apps
        if name in options and given is not None:
            raise ConfigurationError(
                f"configure() got both {argument}= and {name}=: pass one of them."
            )
    databases = options.pop("DATABASES", databases)
    installed_apps = options.pop("INSTALLED_APPS", installed_apps)
    if databases is None:
        databases = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "vinyl.sqlite3"}}
    if not isinstance(databases, Mapping):
        raise ConfigurationError(
            f"databases must be a dict of aliases (Django's DATABASES), "
            f"not {type(databases).__name__}."
        )
    if isinstance(installed_apps, str):
        raise ConfigurationError("installed_apps must be a list of app names, not a string.")
    options["DATABASES"] = {alias: dict(entry) for alias, entry in databases.items()}
    options["INSTALLED_APPS"] = list(installed_apps or ())
    options.setdefault("USE_TZ", True)
    options.setdefault("DEFAULT_AUTO_FIELD", "django.db.models.BigAutoField")
    return options


def _check_databases(databases: dict[str, dict[str, Any]]) -> None:
    """Fail at start-up, not at the first query, on what cannot work."""
    from django.core.exceptions import ImproperlyConfigured
    from django.db.utils import load_backend

    from .options import VinylOptions

    if "default" not in databases:
        has = ", ".join(map(repr, databases)) or "none"
        raise ConfigurationError(f"DATABASES needs a 'default' alias (it has {has}).")
    for alias, settings_dict in databases.items():
        if not isinstance(settings_dict, Mapping):
            raise ConfigurationError(f"DATABASES[{alias!r}] must be a dict.")
        engine = settings_dict.get("ENGINE", "")
        if not engine:
            raise ConfigurationError(f"DATABASES[{alias!r}] has no ENGINE.")
        VinylOptions.from_settings(alias, settings_dict)
        if engine.endswith(".mysql"):
            from .backends.mysql._mysqldb import install_pymysql_as_mysqldb

            install_pymysql_as_mysqldb()
        try:
            load_backend(engine)
        except (ImproperlyConfigured, ImportError) as exc:
            family = engine.rpartition(".")[2]
            hint = f' (pip install "vinyl_sync[{_EXTRAS[family]}]")' if family in _EXTRAS else ""
            raise ConfigurationError(
                f"DATABASES[{alias!r}]: the ENGINE {engine!r} cannot be loaded{hint}: {exc}"
            ) from exc


# -- app inference -----------------------------------------------------------------------


def require_ready(what: str) -> None:
    """Raise ConfigurationError unless Django's app registry is ready for *what*.

    Called where vinyl first meets a model (a ``VinylManager()`` in a class body),
    so that a model imported before ``configure()`` fails with a message that says
    what to do instead of Django's AppRegistryNotReady / ImproperlyConfigured.
    """
    from django.apps import apps
    from django.conf import settings

    if apps.apps_ready:
        return
    if not settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
        raise ConfigurationError(
            f"{what} was used before Django was configured: call vinyl_sync.configure("
            "databases=...) at start-up, before importing modules that define models "
            "(or, in a Django project, set DJANGO_SETTINGS_MODULE and call django.setup())."
        )
    raise ConfigurationError(
        f"{what} was used before Django's app registry was ready: call "
        "vinyl_sync.configure(...) (or django.setup()) before importing modules that "
        "define models."
    )


class InferredAppConfig:
    """Marker base of the app configs that vinyl creates for models outside INSTALLED_APPS."""

    explicit: bool


def _module_name(object_name: str, module: ModuleType | None) -> str:
    """The importable name of *object_name*'s module (a script's name for ``__main__``)."""
    if object_name != "__main__" or module is None:
        return object_name
    spec = getattr(module, "__spec__", None)
    if spec is not None and spec.name and spec.name != "__main__":
        return spec.name  # python -m package.module
    path = getattr(module, "__file__", None)
    stem = os.path.splitext(os.path.basename(path))[0] if path else ""
    return stem if stem.isidentifier() else "main"


def infer_app(object_name: str) -> tuple[str, str, bool]:
    """``(label, package, explicit)`` for models defined in module *object_name*.

    The label is the module's ``app_label`` attribute (explicit) or the last part
    of its package; the package is what Django calls the app's name.
    """
    module = sys.modules.get(object_name)
    name = _module_name(object_name, module)
    package = name.rpartition(".")[0] or name
    label = getattr(module, "app_label", None)
    if label is not None:
        if not isinstance(label, str) or not label.isidentifier():
            raise ConfigurationError(
                f"{object_name}.app_label must be a Python identifier, not {label!r}."
            )
        return label, package, True
    return package.rpartition(".")[2], package, False


def _install_app_inference() -> None:
    """Let models outside INSTALLED_APPS get an app named after their package.

    Django asks ``apps.get_containing_app_config(module)`` for every model class
    (also abstract ones, and ones whose Meta sets app_label, which then ignore the
    answer). So the answer is an app config that is not registered yet; it is
    registered when Django registers a model under its label, which only happens
    for concrete models that took the label from it. Two packages that would get
    the same label raise ConfigurationError at that point.
    """
    from django.apps import AppConfig, apps
    from django.apps.registry import Apps
    from django.core.exceptions import ImproperlyConfigured

    if getattr(Apps, "_vinyl_app_inference", False):
        return

    class _InferredAppConfig(InferredAppConfig, AppConfig):
        def __init__(self, package: str, module: ModuleType | None, label: str, explicit: bool):
            self.label = label
            self.explicit = explicit
            # Django derives the path from the module's file; a package made up at run
            # time (or a namespace package) has none, which must not be an error here.
            try:
                self.path = self._path_from_module(module)
            except ImproperlyConfigured:
                self.path = ""
            super().__init__(package, module)

        def __repr__(self) -> str:
            return f"<AppConfig {self.label!r} inferred by vinyl for {self.name!r}>"

    pending: dict[str, _InferredAppConfig] = {}
    original_get = Apps.get_containing_app_config
    original_register = Apps.register_model

    def get_containing_app_config(self: Apps, object_name: str) -> Any:
        found = original_get(self, object_name)
        if self is not apps or (found is not None and not isinstance(found, InferredAppConfig)):
            return found  # an installed app (Django's nesting rules), or another registry
        label, package, explicit = infer_app(object_name)
        existing = self.app_configs.get(label)
        if existing is not None and (explicit or existing.name == package):
            return existing
        config = pending.get(object_name)
        if config is None or (config.label, config.name) != (label, package):
            module = sys.modules.get(package) or sys.modules.get(object_name)
            config = _InferredAppConfig(package, module, label, explicit)
            pending[object_name] = config
        return config

    def register_model(self: Apps, app_label: str, model: Any) -> None:
        config = pending.get(model.__module__) if self is apps else None
        if config is not None and config.label == app_label:
            if "app_label" not in model._meta.original_attrs:  # not Meta.app_label
                _register_inferred(self, config)
        original_register(self, app_label, model)

    Apps.get_containing_app_config = get_containing_app_config  # type: ignore[method-assign]
    Apps.register_model = register_model  # type: ignore[method-assign]
    Apps._vinyl_app_inference = True  # type: ignore[attr-defined]


def _register_inferred(registry: Any, config: Any) -> None:
    existing = registry.app_configs.get(config.label)
    if existing is config:
        return
    if existing is not None:
        if existing.name == config.name or config.explicit:
            return
        raise ConfigurationError(
            f"Models in {config.name!r} would get the app label {config.label!r}, which "
            f"{existing.name!r} already uses. Give one of them another label: a module-level "
            f"app_label = '...' in its models module (or Meta.app_label)."
        )
    config.apps = registry
    config.models = registry.all_models[config.label]
    config.models_module = sys.modules.get(f"{config.name}.models") or config.module
    registry.app_configs[config.label] = config
    registry.clear_cache()
