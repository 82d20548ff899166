"""The `vraagbaak` command line: argument parsing and dispatch only."""
