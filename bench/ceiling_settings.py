"""Settings for bench/classify_load.py's server: production settings plus the bench-only ceiling view.

Never used outside the benchmark: only `DJANGO_SETTINGS_MODULE=bench.ceiling_settings` routes the view.
"""

from hunt.settings import *  # noqa: F403  (the same settings, so the ceiling runs the same stack)

ROOT_URLCONF = "bench.ceiling_urls"
