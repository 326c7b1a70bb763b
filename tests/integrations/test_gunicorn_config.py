"""The shipped gunicorn settings load as gunicorn reads them, use threaded workers with
bounded timeouts and request heads, and are the ones the README's command uses."""

import runpy
from pathlib import Path

from gunicorn.config import Config

ROOT = Path(__file__).resolve().parents[2]


def test_the_gunicorn_config_loads_with_threaded_workers() -> None:
    config = Config()
    namespace = runpy.run_path(str(ROOT / "config/gunicorn.conf.py"))
    for name, value in namespace.items():
        if name in config.settings:
            config.set(name, value)  # gunicorn validates each value as it sets it
    assert config.worker_class_str == "gthread"
    assert config.threads > 1
    assert 0 < config.timeout <= 60
    assert config.graceful_timeout > 0
    assert config.limit_request_line <= 8190
    assert config.limit_request_fields <= 100
    assert config.keepalive > 0


def test_the_readme_runs_gunicorn_with_it() -> None:
    readme = (ROOT / "README.md").read_text()
    commands = [line for line in readme.splitlines() if "bin/gunicorn " in line]
    assert commands
    assert all("-c config/gunicorn.conf.py" in line for line in commands)
    assert "proxy_request_buffering" in readme
