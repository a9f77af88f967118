# Without PyTorch the adapter modules cannot be imported, so their doctests are
# not collected; the package __init__ itself imports fine and stays collected.
import importlib.util

collect_ignore_glob = [] if importlib.util.find_spec("torch") is not None else ["_*.py"]
