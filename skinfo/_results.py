"""Tidy experiment results: one record per row, saved as CSV or JSON.

Neutral ground: :mod:`skinfo.parallel` and :mod:`skinfo.experiments` both
build :class:`ExperimentResult` objects, so the class lives outside either.

Both formats round-trip exactly (``from_json(to_json(r)) == r`` and
``read_csv(to_csv(r)) == r`` up to ``params``, which CSV does not hold):

* JSON is strict (RFC 8259): NaN and infinities are written as ``null`` and
  listed under ``"non_finite"`` (path -> ``"nan"``, ``"inf"`` or ``"-inf"``),
  so ``null`` alone always means None.
* CSV quotes every string field and nothing else, so a string ``"1"``,
  ``"True"``, ``"nan"`` or ``""`` stays a string; an empty unquoted field is
  None; floats are written with ``repr`` (every digit).
"""

import io
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["ExperimentResult"]

_SCALARS = (bool, int, float, str, type(None))
_NON_FINITE_NAMES = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def _plain(value, where):
    """A JSON/CSV friendly Python scalar (NumPy scalars become int/float/str/bool)."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, TypeError):
            raise ValueError(f"{where} must be a scalar; got {type(value).__name__} {value!r}.") from None
    if not isinstance(value, _SCALARS):
        raise ValueError(
            f"{where} must be a number, string, bool or None; got {type(value).__name__} {value!r}."
        )
    return value


def _plain_tree(value, where):
    """Params may nest lists and dicts of scalars (for example ``dims=[5, 10]``)."""
    if isinstance(value, Mapping):
        return {_key(k, where): _plain_tree(v, f"{where}[{k!r}]") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_tree(v, f"{where}[{i}]") for i, v in enumerate(value)]
    return _plain(value, where)


def _key(key, where):
    if not isinstance(key, str):
        raise ValueError(f"{where} keys must be strings; got {type(key).__name__} {key!r}.")
    return key


def _check_records(records):
    if isinstance(records, (str, bytes, Mapping)) or not isinstance(records, Sequence):
        raise ValueError(f"records must be a list of dicts (one per row); got {type(records).__name__}.")
    checked = []
    for i, record in enumerate(records):
        if not isinstance(record, Mapping):
            raise ValueError(
                f"records must be a list of dicts (one per row); records[{i}] is "
                f"{type(record).__name__} {record!r}."
            )
        checked.append(
            {_key(k, f"records[{i}]"): _plain(v, f"records[{i}][{k!r}]") for k, v in record.items()}
        )
    return checked


def _encode_non_finite(value, path, found):
    """Replace NaN/inf by None, noting where they were (JSON has no NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        found.append({"path": list(path), "value": "nan" if math.isnan(value) else repr(value)})
        return None
    if isinstance(value, dict):
        return {k: _encode_non_finite(v, (*path, k), found) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode_non_finite(v, (*path, i), found) for i, v in enumerate(value)]
    return value


def _restore_non_finite(payload, entries):
    if not isinstance(entries, list):
        raise ValueError(f"malformed result JSON: 'non_finite' must be a list; got {type(entries).__name__}.")
    for entry in entries:
        try:
            *parents, last = entry["path"]
            value = _NON_FINITE_NAMES[entry["value"]]
            container = payload
            for part in parents:
                container = container[part]
            if container[last] is not None:
                raise ValueError("the entry it points to is not null")
            container[last] = value
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise ValueError(f"malformed result JSON: bad 'non_finite' entry {entry!r} ({exc}).") from None


def _parse_unquoted(text):
    """An unquoted CSV field: '' is None, then bool, int, float; anything else
    (files written before strings were quoted) stays a string."""
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


def _split_csv(text):
    """Rows of fields, each ``(text, was_quoted)``; RFC 4180 quoting."""
    rows, row, field, quoted = [], [], [], False
    i, n = 0, len(text)
    at_field_start = True
    while i < n:
        char = text[i]
        if at_field_start and char == '"':
            quoted, at_field_start = True, False
            i += 1
            while True:
                if i >= n:
                    raise ValueError("unterminated quoted field")
                if text[i] == '"':
                    if i + 1 < n and text[i + 1] == '"':
                        field.append('"')
                        i += 2
                        continue
                    i += 1
                    break
                field.append(text[i])
                i += 1
            continue
        if char == ",":
            row.append(("".join(field), quoted))
            field, quoted, at_field_start = [], False, True
        elif char in "\r\n":
            if char == "\r" and i + 1 < n and text[i + 1] == "\n":
                i += 1
            row.append(("".join(field), quoted))
            rows.append(row)
            row, field, quoted, at_field_start = [], [], False, True
        else:
            if quoted:
                raise ValueError(f"text after a closing quote: {char!r}")
            field.append(char)
            at_field_start = False
        i += 1
    if field or row or quoted:
        row.append(("".join(field), quoted))
        rows.append(row)
    return rows


class ExperimentResult:
    """Tidy result of an experiment: a list of records plus the settings used.

    Parameters
    ----------
    name : str
        Experiment name (for example ``"tanh-neuron"``).
    records : list of dict
        One dict per row, keyed by column name (str); values are numbers,
        strings, booleans or None (information in nats).
    params : dict, default=None
        The settings that produced the records: scalars, or lists and dicts
        of scalars.

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
        if not isinstance(name, str):
            raise ValueError(f"name must be a string; got {type(name).__name__} {name!r}.")
        if params is not None and not isinstance(params, Mapping):
            raise ValueError(f"params must be a dict or None; got {type(params).__name__}.")
        self.name = name
        self.records = _check_records(records)
        self.params = {} if params is None else _plain_tree(dict(params), "params")

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
        return _same((self.name, self.params, self.records), (other.name, other.params, other.records))

    __hash__ = None

    def __repr__(self):
        return (
            f"{type(self).__name__}(name={self.name!r}, n_records={len(self.records)}, "
            f"columns={self.columns})"
        )

    def to_json(self, path=None):
        """Serialise name, params and records as strict JSON.

        NaN and infinities become ``null`` and are listed under
        ``"non_finite"`` so that :meth:`from_json` restores them.

        Parameters
        ----------
        path : str or Path, default=None
            File to write; ``None`` returns the JSON text instead.

        Returns
        -------
        str or None
            The JSON text when ``path`` is None.
        """
        found = []
        payload = _encode_non_finite(
            {"name": self.name, "params": self.params, "records": self.records}, (), found
        )
        if found:
            payload["non_finite"] = found
        text = json.dumps(payload, indent=1, allow_nan=False)
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
            The result, with NaN and infinities restored.
        """
        text = str(source)
        if not text.lstrip().startswith(("{", "[")):
            text = Path(source).read_text()
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"malformed result JSON: {exc}.") from None
        if not isinstance(payload, dict):
            raise ValueError(f"malformed result JSON: expected an object; got {type(payload).__name__}.")
        missing = [key for key in ("name", "records") if key not in payload]
        if missing:
            raise ValueError(
                f"malformed result JSON: missing {' and '.join(map(repr, missing))}; a result holds "
                f"'name', 'records' and optionally 'params'."
            )
        _restore_non_finite(payload, payload.get("non_finite", []))
        return cls(payload["name"], payload["records"], payload.get("params"))

    def to_csv(self, path):
        """Write the records as CSV (strings quoted, None as an empty field).

        Parameters
        ----------
        path : str or Path
            File to write.
        """
        columns = self.columns
        buffer = io.StringIO()
        buffer.write(",".join(_quote(c) for c in columns) + "\r\n")
        for record in self.records:
            fields = ("" if record.get(k) is None else _csv_value(record[k]) for k in columns)
            buffer.write(",".join(fields) + "\r\n")
        with open(path, "w", newline="") as handle:
            handle.write(buffer.getvalue())

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
            The records with their types (quoted fields are strings).
        """
        with open(path, newline="") as handle:
            text = handle.read()
        try:
            rows = _split_csv(text)
        except ValueError as exc:
            raise ValueError(f"malformed result CSV {str(path)!r}: {exc}.") from None
        if not rows:
            raise ValueError(f"malformed result CSV {str(path)!r}: the file is empty (no header).")
        header = [field for field, _ in rows[0]]
        records = []
        for line, row in enumerate(rows[1:], start=2):
            if len(row) != len(header):
                raise ValueError(
                    f"malformed result CSV {str(path)!r}: line {line} has {len(row)} fields, the header "
                    f"{len(header)}."
                )
            records.append(
                {
                    key: field if quoted else _parse_unquoted(field)
                    for key, (field, quoted) in zip(header, row, strict=True)
                }
            )
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


def _same(a, b):
    """Equality in which NaN equals NaN and a bool never equals an int."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if type(a) is not type(b) and (isinstance(a, bool) or isinstance(b, bool)):
        return False
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if type(a) is not type(b) and isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return False
    return a == b


def _quote(text):
    return '"' + text.replace('"', '""') + '"'


def _csv_value(value):
    if isinstance(value, str):
        return _quote(value)
    # repr keeps every float digit (and writes nan, inf, -inf), so read_csv round-trips exactly.
    return repr(value) if isinstance(value, float) else str(value)


class CheckpointAccessors:
    """``epochs`` and ``layers`` of a result whose records carry those columns."""

    @property
    def epochs(self):
        """Sorted checkpoint epochs."""
        return sorted({r["epoch"] for r in self.records})

    @property
    def layers(self):
        """Sorted hidden-layer indices (1-based)."""
        return sorted({r["layer"] for r in self.records})
