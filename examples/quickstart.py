"""vinyl_async without a Django project: one file, SQLite, `python quickstart.py`."""

import asyncio
import os
import tempfile

import vinyl_async
from vinyl_async import VinylManager, atomic, create_tables

path = os.path.join(tempfile.mkdtemp(), "shop.sqlite3")
vinyl_async.configure(
    databases={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": path}}
)

from django.db import models  # noqa: E402  (after configure)


class Customer(models.Model):  # app label "quickstart": the script's name
    name = models.CharField(max_length=100)
    vinyl = VinylManager()


class Order(models.Model):
    customer = models.ForeignKey(Customer, models.CASCADE, related_name="orders")
    total = models.IntegerField()
    vinyl = VinylManager()


async def main() -> None:
    await create_tables(Customer, Order)
    async with atomic():
        for name, totals in [("Ann", [30, 12]), ("Bob", [99])]:
            customer = await Customer.vinyl.create(name=name)
            for total in totals:
                await Order.vinyl.create(customer=customer, total=total)
    for c in (
        await Customer.vinyl.filter(orders__total__gt=20)
        .distinct()
        .order_by("name")
        .prefetch_related("orders")
    ):
        print(c.name, sorted(order.total for order in c["orders"]))
    await vinyl_async.close_pools()


asyncio.run(main())
