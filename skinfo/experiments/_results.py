"""Tidy experiment results: one record per row, saved as CSV or JSON."""

import csv
import json
import math
from pathlib import Path

__all__ = ["ExperimentResult"]


def _plain(value):
    """A JSON/CSV friendly Python scalar (NumPy scalars become int/float/str)."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    return value


def _parse(text):
    """Inverse of CSV writing: '' is None, then int, float, bool or str."""
    if text == "":
        return None
    if text in ("True", "False"):
        return text == "True"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


class ExperimentResult:
    """Tidy result of an experiment: a list of records plus the settings used.

    Parameters
    ----------
    name : str
        Experiment name (for example ``"tanh-neuron"``).
    records : list of dict
        One dict per row, all with the same keys; values are numbers,
        strings, booleans or None (information in nats).
    params : dict, default=None
        The settings that produced the records (JSON-serialisable).

    Attributes
    ----------
    columns : list of str
        Column names in first-seen order.

    Examples
    --------
    >>> result = ExperimentResult("demo", [{"w": 0.0, "mi": 0.0}, {"w": 1.0, "mi": 1.2}], {"noise_std": 0.1})
    >>> result.columns
    ['w', 'mi']
    >>> result.column("mi")
    [0.0, 1.2]
    >>> ExperimentResult.from_json(result.to_json()) == result
    True
    """

    def __init__(self, name, records, params=None):
        self.name = str(name)
        self.records = [{key: _plain(value) for key, value in record.items()} for record in records]
        self.params = {} if params is None else {key: _plain(value) for key, value in params.items()}

    @property
    def columns(self):
        seen = {}
        for record in self.records:
            for key in record:
                seen.setdefault(key, None)
        return list(seen)

    def column(self, key):
        """The values of one column, in record order.

        Parameters
        ----------
        key : str
            Column name.

        Returns
        -------
        list
            ``record.get(key)`` for every record.
        """
        if key not in self.columns:
            raise KeyError(f"{key!r} is not a column; columns are {self.columns}.")
        return [record.get(key) for record in self.records]

    def where(self, **conditions):
        """The records matching every ``column=value`` condition.

        Parameters
        ----------
        **conditions
            ``column=value`` pairs that a record must all match.

        Returns
        -------
        list of dict
            Matching records, in order.
        """
        return [r for r in self.records if all(r.get(k) == v for k, v in conditions.items())]

    def __len__(self):
        return len(self.records)

    def __eq__(self, other):
        if not isinstance(other, ExperimentResult):
            return NotImplemented
        return (self.name, self.params, self.records) == (other.name, other.params, other.records)

    def __repr__(self):
        return (f"{type(self).__name__}(name={self.name!r}, n_records={len(self.records)}, "
                f"columns={self.columns})")

    def to_json(self, path=None):
        """Serialise name, params and records as JSON.

        Parameters
        ----------
        path : str or Path, default=None
            File to write; ``None`` returns the JSON text instead.

        Returns
        -------
        str or None
            The JSON text when ``path`` is None.
        """
        payload = {"name": self.name, "params": self.params, "records": self.records}
        text = json.dumps(payload, indent=1, allow_nan=True)
        if path is None:
            return text
        Path(path).write_text(text)
        return None

    @classmethod
    def from_json(cls, source):
        """Read a result written by :meth:`to_json`.

        Parameters
        ----------
        source : str or Path
            A file path or the JSON text itself.

        Returns
        -------
        ExperimentResult
        """
        text = str(source)
        if not text.lstrip().startswith("{"):
            text = Path(source).read_text()
        payload = json.loads(text)
        return cls(payload["name"], payload["records"], payload.get("params"))

    def to_csv(self, path):
        """Write the records as CSV (one header line, None as an empty field).

        Parameters
        ----------
        path : str or Path
            File to write.
        """
        columns = self.columns
        with open(path, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            for record in self.records:
                writer.writerow({k: "" if record.get(k) is None else _csv_value(record[k])
                                 for k in columns})

    @classmethod
    def read_csv(cls, path, name=None, params=None):
        """Read records written by :meth:`to_csv`.

        Parameters
        ----------
        path : str or Path
            CSV file.
        name : str, default=None
            Experiment name; defaults to the file's stem.
        params : dict, default=None
            Settings to attach (CSV does not store them).

        Returns
        -------
        ExperimentResult
        """
        with open(path, newline="") as handle:
            records = [{k: _parse(v) for k, v in row.items()} for row in csv.DictReader(handle)]
        return cls(name if name is not None else Path(path).stem, records, params)

    def to_frame(self):
        """The records as a pandas DataFrame (needs pandas).

        Returns
        -------
        pandas.DataFrame
            One row per record, one column per key.
        """
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError("to_frame needs pandas; install it with `pip install pandas`.") from exc
        return pd.DataFrame.from_records(self.records, columns=self.columns)


def _csv_value(value):
    # repr keeps every float digit, so read_csv round-trips exactly.
    if isinstance(value, float):
        return "nan" if math.isnan(value) else repr(value)
    return value
