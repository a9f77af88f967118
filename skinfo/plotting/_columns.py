"""Reading the columns of any ExperimentResult for plotting (names: see ``skinfo.plotting``)."""

import numbers

import numpy as np

__all__ = ["ALIASES", "ResultTable"]

# The column written by skinfo.parallel.estimate_many (fitted attribute names
# without the underscore) that stands for each plotting column.
ALIASES = {
    "mi_x": "mutual_information",
    "mi_x_se": "standard_error",
    "mi_y": "label_information",
    "mi_y_se": "label_standard_error",
    "mi_x_bias": "bias",
    "mi_y_bias": "label_bias",
    "mi_x_mc_se": "mc_standard_error",
    "mi_y_mc_se": "label_mc_standard_error",
    "mi_sp": "mutual_information",
    "mi_sp_se": "standard_error",
}


class ResultTable:
    """Column access over an ExperimentResult's records, with aliases and missing values as NaN."""

    def __init__(self, result, required, what):
        records = getattr(result, "records", None)
        if records is None:
            raise TypeError(
                f"{what} needs an ExperimentResult (records of dicts); got {type(result).__name__}."
            )
        self.result = result
        self.records = records
        missing = [key for key in required if not self.has(key)]
        if missing:
            raise ValueError(
                f"{what} needs the columns {missing!r}, which the result lacks; its columns are "
                f"{self.columns()!r}. Column names are listed in skinfo.plotting's documentation "
                "(estimate_many results need key_names=('epoch', 'layer'))."
            )

    def columns(self):
        seen = {}
        for record in self.records:
            seen.update(dict.fromkeys(record))
        return list(seen)

    def key(self, name):
        """The column holding ``name`` (itself or its alias), or None."""
        for candidate in (name, ALIASES.get(name)):
            if candidate is not None and any(r.get(candidate) is not None for r in self.records):
                return candidate
        return None

    def has(self, name):
        return self.key(name) is not None

    def values(self, rows, name):
        key = self.key(name)
        if key is None:
            return np.full(len(rows), np.nan)
        return np.array([np.nan if r.get(key) is None else r[key] for r in rows], dtype=np.float64)

    def layers(self, layers=None):
        """Requested layers in order: ints sorted, otherwise first-seen order."""
        present = list(dict.fromkeys(r["layer"] for r in self.records))
        if layers is None:
            if all(isinstance(v, numbers.Integral) for v in present):
                return sorted(present)
            return present
        chosen = list(layers)
        unknown = [layer for layer in chosen if layer not in present]
        if unknown:
            raise ValueError(f"layers {unknown!r} are not in the result; its layers are {present!r}.")
        return chosen

    def rows(self, layer, by="epoch"):
        rows = [r for r in self.records if r.get("layer") == layer and r.get(by) is not None]
        rows.sort(key=lambda r: r[by])
        keys = [r[by] for r in rows]
        if by == "epoch" and len(set(keys)) != len(keys):
            raise ValueError(
                f"layer {layer!r} has several records per epoch; filter the result to one record per "
                "(epoch, layer) first (for example ExperimentResult(name, result.where(noise_std=0.1)))."
            )
        return rows

    def information(self, rows, which):
        """``mi_x``/``mi_y`` values and standard errors; bias-corrected when a bias column exists."""
        value = self.values(rows, which)
        corrected = self.has(f"{which}_bias")
        if corrected:
            value = value - np.nan_to_num(self.values(rows, f"{which}_bias"))
        se = self.values(rows, f"{which}_se") if self.has(f"{which}_se") else None
        return value, se, corrected


def layer_label(layer, labels=None):
    """Display name of a layer: the user's label, ``T<l>`` for an int, the name for a string."""
    if labels is not None and layer in labels:
        return str(labels[layer])
    if isinstance(layer, numbers.Integral):
        return f"T{layer}"
    return str(layer)


def split_layers(layers):
    """``layers`` argument -> (sequence or None, labels dict or None)."""
    if layers is None:
        return None, None
    if isinstance(layers, dict):
        return list(layers), dict(layers)
    if isinstance(layers, (str, numbers.Integral)):
        return [layers], None
    return list(layers), None


def epoch_axis(ax, epochs):
    """Log epochs; symlog (linear below 1) when epoch 0 is present, so it stays on the axis."""
    if np.min(epochs) <= 0:
        ax.set_xscale("symlog", linthresh=1.0, linscale=0.5)
        # Autoscale margins would reach into the (empty) negative side.
        ax.set_xlim(-0.2, max(float(np.max(epochs)), 1.0) * 1.3)
    else:
        ax.set_xscale("log")
