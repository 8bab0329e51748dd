"""Load and query the versioned service catalogue (YAML)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from demandcast.columns import CLIENT_GROUPS


@dataclass(frozen=True)
class Service:
    """One service code, the client groups it serves, its unit of delivery and a label."""

    code: str
    label: str
    unit: str
    client_groups: tuple[str, ...]


@dataclass(frozen=True)
class Catalogue:
    """The services a council records, in catalogue order."""

    version: int
    services: tuple[Service, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        """Service codes in catalogue order."""
        return tuple(s.code for s in self.services)

    def pairs(self) -> list[tuple[str, str]]:
        """Every (client_group, service) pair the catalogue offers, grouped by client group."""
        return [
            (group, s.code) for group in CLIENT_GROUPS for s in self.services if group in s.client_groups
        ]

    def serves(self, client_group: str, service: str) -> bool:
        """Whether `service` is offered to `client_group`."""
        return (client_group, service) in set(self.pairs())

    def service(self, code: str) -> Service:
        """The service with this code (KeyError naming it when absent)."""
        for s in self.services:
            if s.code == code:
                return s
        raise KeyError(f"service {code!r} is not in the catalogue")


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Read a catalogue YAML; the packaged default when `path` is None.

    Raises:
        ValueError: naming the file and the entry when the YAML does not have the catalogue's shape.
    """
    if path is None:
        text = resources.files("demandcast.catalogue").joinpath("services.yaml").read_text()
        source = "demandcast/catalogue/services.yaml"
    else:
        text = Path(path).read_text()
        source = str(path)
    raw = yaml.safe_load(text)
    if not isinstance(raw, dict) or not isinstance(raw.get("services"), list):
        raise ValueError(f"{source}: expected a mapping with a 'services' list")
    services = tuple(_service_from(entry, source, i) for i, entry in enumerate(raw["services"]))
    codes = [s.code for s in services]
    duplicated = sorted({c for c in codes if codes.count(c) > 1})
    if duplicated:
        raise ValueError(f"{source}: service codes listed twice: {duplicated}")
    return Catalogue(version=int(raw.get("version", 1)), services=services)


def _service_from(entry: object, source: str, index: int) -> Service:
    if not isinstance(entry, dict) or "code" not in entry or "client_groups" not in entry:
        raise ValueError(f"{source}: services[{index}] needs 'code' and 'client_groups'")
    groups = tuple(entry["client_groups"])
    unknown = [g for g in groups if g not in CLIENT_GROUPS]
    if unknown:
        raise ValueError(
            f"{source}: services[{index}] ({entry['code']}) has unknown client groups {unknown}; "
            f"expected some of {list(CLIENT_GROUPS)}"
        )
    return Service(
        code=str(entry["code"]),
        label=str(entry.get("label", entry["code"])),
        unit=str(entry.get("unit", "week")),
        client_groups=groups,
    )
