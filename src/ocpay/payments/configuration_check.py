"""At each boot of a bound station: read the settings its integration names, adopt, flag, push.

The binding and the station can disagree: the operator left a parameter unset that the station has
(its static card idTag), or both set it differently. What is done with each configuration key:

| binding's value  | station's value | key's owner | what happens                                         |
|------------------|-----------------|-------------|------------------------------------------------------|
| unset            | reported        | any         | adopted: the binding uses the station's value        |
| set              | the same        | any         | ok                                                   |
| set              | another         | station     | mismatch, flagged on the health page                 |
| set              | another         | csms        | mismatch flagged, and the binding's value is pushed  |

The station's values are its reported settings (stored like any GetConfiguration answer), so what
was adopted survives a restart and the health page says where each value came from.
"""

from __future__ import annotations

import logging

from ocpay.charging.commands import BOOT_READ_TIMEOUT, Commands
from ocpay.payments.bindings import Bindings

log = logging.getLogger("ocpay.payments")


class ConfigurationCheck:
    """Reads a booted station's integration settings and brings binding and station together (see the table)."""

    def __init__(self, bindings: Bindings, commands: Commands) -> None:
        self.bindings = bindings
        self.commands = commands

    async def after_boot(self, station_id: str) -> None:
        """Read the keys the station's dialect and catalog entry name; adopt, then push what the CSMS owns."""
        binding = self.bindings.get(station_id)
        if binding is None:
            return
        keys = self.bindings.configuration(binding, self.commands.version(station_id))
        if not keys:
            return
        await self.commands.get_configuration(station_id, [k.key for k in keys], timeout=BOOT_READ_TIMEOUT)
        reported = {x.key: x.value for x in await self.commands.stations.settings(station_id)}
        binding = self.bindings.adopt(station_id, reported)
        if binding is None:
            return
        for key in keys:
            expected = binding.dialect.resolve(key.expected, binding.params) if key.expected else None
            if key.owner != "csms" or key.readonly or expected is None or reported.get(key.key, expected) == expected:
                continue  # not ours to set, or nothing to set: unset, not reported, or the same
            log.info("station %s: setting %s to the binding's value (the CSMS owns it)", station_id, key.key)
            await self.commands.set_configuration(station_id, key.key, expected, timeout=BOOT_READ_TIMEOUT)
