"""recognize: a self-hosted, privacy-first recognition service for a personal media library.

Nothing leaves the machine: onnxruntime (1.2x and newer) carries a telemetry client that reports to
Microsoft; it is switched off here, before any module can import onnxruntime, for this process and
every worker it starts.
"""

import os

os.environ["ORT_DISABLE_TELEMETRY"] = "1"

__version__ = "0.1.0"
