"""A synthetic registry: a tool that writes made-up exports; only the CLI imports it."""
