"""``seed_demo``: the demo district (徐汇区), seeded app by app.

Every installed app may ship a module ``<app>.seeding`` with

- ``seed_demo(command, options, rng)`` (required): seeds the app's part of the demo.
  ``command`` is this command (write progress to ``command.stderr``, what the user must keep,
  such as passwords, to ``command.stdout``); ``options`` are the parsed options of every
  step (a dict, shared); ``rng`` is a ``random.Random`` seeded with ``--seed``, one per step,
  so a step's data does not depend on which steps ran before it;
- ``add_arguments(parser)`` (optional): the step's own options.

Steps run in INSTALLED_APPS order, so an app seeds after the apps it builds on (the members
app lays out regions and organisations, the buildings app puts enterprises under them), the
way ``portal.routers`` discovers ``<app>.api``: the core never imports a domain app. Each
step is idempotent: a second run adds nothing.
"""

import random
import time
from importlib import import_module

from django.apps import apps

from portal.management.base import AuditedCommand


def seeding_modules():
    """(app label, module) of every installed app with a ``seeding`` module, in order."""
    found = []
    for config in apps.get_app_configs():
        name = f"{config.name}.seeding"
        try:
            module = import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        found.append((config.label, module))
    # A step whose data hangs on a later app's says ``RUN_LAST = True`` (the organisations'
    # terms need the tree the members step lays out); the sort is stable.
    found.sort(key=lambda item: getattr(item[1], "RUN_LAST", False))
    return found


class Command(AuditedCommand):
    help = (
        "Create the demo district (Xuhui): regions, ~3,000 organisations, members, one user "
        "per role, the enterprise and building registers."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2017)
        for _label, module in seeding_modules():
            if hasattr(module, "add_arguments"):
                module.add_arguments(parser)

    def handle(self, **options):
        started = time.monotonic()
        for label, module in seeding_modules():
            step = time.monotonic()
            module.seed_demo(self, options, random.Random(options["seed"]))
            self.stderr.write(f"seed_demo: {label} step done in {time.monotonic() - step:.0f}s")
        # The demo users' inboxes hold today's reminders at once, not after the first 06:00 run.
        from portal.inbox import providers

        result = providers.generate()
        self.stderr.write(f"seed_demo: {result['reminders']} inbox reminders due today")
        self.stderr.write(f"seed_demo: done in {time.monotonic() - started:.0f}s")
