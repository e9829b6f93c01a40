"""Coroutine functions, awaiting, async iteration and context managers, comprehensions."""

from __future__ import annotations


async def fetch(qs):
    return await qs


async def parentheses(obj, a, x):
    name = (await obj.get()).name  # the parentheses go
    total = await a + 1
    negative = -(await x)
    power = (await x) ** 2
    not_ready = not await obj.ready()
    items = (await obj.all())[0]
    chained = await (obj.filter(a=1).order_by("b"))
    multiline = (
        await obj.filter(a=1)
        .exclude(b=2)
        .order_by("c")
    )
    call_result = await (await obj.factory())()
    return name, total, negative, power, not_ready, items, chained, multiline, call_result


async def loops(source, lock):
    async with lock, source.session() as session:
        async for row in session.rows():
            print(row)
        else:
            print("done")
    return [row.id async for row in source.rows() if await row.visible()]


async def comprehensions(source):
    ids = {await item.key(): item async for item in source}
    gen = (await item.value() for item in source.cached())
    return ids, [i for i in gen], {i async for i in source if i}


async def generator(source):
    async for item in source:
        yield await item.resolve()


class Service:
    async def run(self) -> None:
        await self.start()
        try:
            await self.loop()
        finally:
            await self.stop()

    @staticmethod
    async def helper() -> int:
        return 1

    def sync_already(self) -> int:
        return 2


def inner_function_and_lambda(values):
    async def inner(v):
        return await v

    return sorted(values, key=lambda v: v.key), inner
