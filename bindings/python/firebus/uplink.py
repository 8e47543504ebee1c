"""firebus.uplink: re-exports firebus._firebus.uplink (see its docstrings) and JournalError.

The store-and-forward journal: every outgoing message is appended (on disk when append()
returns) before it is sent, and removed only when the receiver acknowledged it. See
docs/journal.md. Its senders: MqttUplink (over a firebus.mqtt.Client) and Gb26875Uplink (to a
GB/T 26875.3 monitoring centre, with a client of its own; docs/gb26875-uplink.md).
"""

from ._firebus import JournalError as JournalError
from ._firebus.uplink import *  # noqa: F401,F403
