"""The browser fixtures live in tests/browser/fixtures.py and are shared through tests/conftest.py
(one session-wide Chromium per worker, whichever folder a browser test is in)."""
