"""proaktive: proactive e-mail campaigns for a municipality."""

__version__ = "0.1.0"
