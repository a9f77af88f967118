# Without PyTorch the adapter modules cannot be imported, so their doctests are
# not collected; the package __init__ itself imports fine and stays collected.
# The Lightning callback's module likewise needs lightning.
import importlib.util

_HAS_LIGHTNING = any(
    importlib.util.find_spec(name) is not None for name in ("lightning", "pytorch_lightning")
)
collect_ignore_glob = [] if importlib.util.find_spec("torch") is not None else ["_*.py"]
if not _HAS_LIGHTNING:
    collect_ignore_glob.append("_lightning.py")
