"""The `vraagbaak` command line: argument parsing and dispatch only (entry point `vraagbaak.cli.main:main`)."""
