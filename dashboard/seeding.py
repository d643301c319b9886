"""The dashboard's step of ``seed_demo``: compute the figures once the registers are seeded,
so a new district's first page shows them (the hourly refresh needs a Celery beat)."""

from dashboard import summaries


def seed_demo(command, options, rng):
    result = summaries.refresh()
    command.stderr.write(
        f"dashboard: {result['figures']} figures computed in {result['seconds']}s\n"
    )
