"""Asking a higher layer without importing it (README "Layers").

A lower layer that needs an answer only a higher one has (is this user's subscription active?
what does the lesson page show?) declares a `Provider`; the higher layer registers its
function in its AppConfig.ready(). Several contributors to one result (the dashboard's panels)
use `Contributions`. Events that only inform the layers above go through settings hooks
instead (e.g. ENROLLMENT_CREATED_HOOKS)."""

from collections.abc import Callable, Iterator

from django.core.exceptions import ImproperlyConfigured


class Provider:
    """One function a lower layer calls and a higher layer supplies."""

    def __init__(self, name: str):
        self.name = name
        self._function: Callable | None = None

    def register(self, function: Callable) -> Callable:
        """Supply the function (the last registration wins); usable as a decorator."""
        self._function = function
        return function

    @property
    def registered(self) -> bool:
        return self._function is not None

    def __call__(self, *args, **kwargs):
        if self._function is None:
            raise ImproperlyConfigured(f"Nothing provides {self.name}: the app that registers it is not installed.")
        return self._function(*args, **kwargs)


class Contributions:
    """Functions that each add to one result, in registration order; registering the same
    function again is a no-op."""

    def __init__(self, name: str):
        self.name = name
        self._functions: dict[str, Callable] = {}

    def register(self, function: Callable) -> Callable:
        self._functions[f"{function.__module__}.{function.__qualname__}"] = function
        return function

    def __iter__(self) -> Iterator[Callable]:
        return iter(list(self._functions.values()))
