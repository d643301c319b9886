"""Benchmarks (``make bench``). They sign in by session or token as the demo accounts and
measure pages and the API, not the sign-in: the two-factor step that production requires
of district admins (``OTP_ENFORCED``) is off for the benchmark's in-process client and for
the servers it starts (they inherit this environment), unless set otherwise."""

import os

os.environ.setdefault("OTP_ENFORCED", "false")
