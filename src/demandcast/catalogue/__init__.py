"""The service catalogue: which services exist, whom they serve and how they are counted."""

from demandcast.catalogue.catalogue import Catalogue, Service, load_catalogue

__all__ = ["Catalogue", "Service", "load_catalogue"]
