"""The embedded demo city: a seeded, Birmingham-like history of social-care packages."""

from demandcast.data.demo.generate import generate_demo_city, window_bounds

__all__ = ["generate_demo_city", "window_bounds"]
