"""demandcast: per-ward monthly forecasts of social-care demand and cost."""

__version__ = "0.1.0"
