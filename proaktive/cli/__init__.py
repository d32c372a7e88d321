"""The command line: the only package that imports typer and rich."""

import os

# proaktive uses no pydantic plugins, and looking for them in every installed
# package's metadata costs each command about 10 ms of start-up.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
