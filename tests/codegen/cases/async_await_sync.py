# generated from src/vinyl_async/async_await.py by codegen — do not edit

"""Coroutine functions, awaiting, async iteration and context managers, comprehensions."""

from __future__ import annotations


def fetch(qs):
    return qs


def parentheses(obj, a, x):
    name = obj.get().name  # the parentheses go
    total = a + 1
    negative = -x
    power = x**2
    not_ready = not obj.ready()
    items = obj.all()[0]
    chained = obj.filter(a=1).order_by("b")
    multiline = obj.filter(a=1).exclude(b=2).order_by("c")
    call_result = obj.factory()()
    return name, total, negative, power, not_ready, items, chained, multiline, call_result


def loops(source, lock):
    with lock, source.session() as session:
        for row in session.rows():
            print(row)
        else:
            print("done")
    return [row.id for row in source.rows() if row.visible()]


def comprehensions(source):
    ids = {item.key(): item for item in source}
    gen = (item.value() for item in source.cached())
    return ids, [i for i in gen], {i for i in source if i}


def generator(source):
    for item in source:
        yield item.resolve()


class Service:
    def run(self) -> None:
        self.start()
        try:
            self.loop()
        finally:
            self.stop()

    @staticmethod
    def helper() -> int:
        return 1

    def sync_already(self) -> int:
        return 2


def inner_function_and_lambda(values):
    def inner(v):
        return v

    return sorted(values, key=lambda v: v.key), inner
