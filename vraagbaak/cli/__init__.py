"""The `vraagbaak` command line: argument parsing and dispatch only (entry point `vraagbaak.cli.main:main`)."""

import os

# pydantic looks for plugins on its first model by reading the entry points of every installed distribution:
# a tenth of a second or more of `vraagbaak serve`'s cold start (issue 29), for plugins we never use. A
# deployment that wants one sets PYDANTIC_DISABLE_PLUGINS itself (an empty value turns them back on).
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
