"""Host driver of a tomatl accelerator behind the UART bridge
(docs/uart-protocol.md): ``Accelerator(port, manifest).run(x)``.

Needs numpy, and pyserial for a serial port.
"""

from .accelerator import Accelerator, Manifest, Output, SelftestReport
from .protocol import (
    BridgeError,
    BridgeTimeout,
    ConfigMismatch,
    CrcError,
    ErrorCode,
    ProtocolError,
    ShortFrame,
)

__all__ = [
    "Accelerator",
    "BridgeError",
    "BridgeTimeout",
    "ConfigMismatch",
    "CrcError",
    "ErrorCode",
    "Manifest",
    "Output",
    "ProtocolError",
    "SelftestReport",
    "ShortFrame",
]
