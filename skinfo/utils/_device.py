"""Where a framework tensor lives (host memory or an accelerator)."""

__all__ = ["tensor_device"]


def tensor_device(X):
    """The device of a PyTorch tensor not in host memory, else ``None``."""
    if type(X).__module__.startswith("torch") and hasattr(X, "device"):
        device = X.device
        if getattr(device, "type", "cpu") != "cpu":
            return device
    return None
