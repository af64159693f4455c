"""Where every row of an output folder comes from: content hashes, checksums, ownership.

* The **experiment's content hash** (:func:`content_hash`): SHA-256 of the canonical JSON
  of the validated experiment (sorted keys), so a comment or a reordered table does not
  change it and any change of a value does. The manifest records it
  (``experiment.content_sha256``) and so does every part (its Parquet schema metadata,
  key ``coopsim``, field ``experiment``).
* **Checksums**: the manifest lists every part it owns under ``parts`` —
  ``{"runs/part-….parquet": {"sha256", "rows", "runs"}}``, where ``runs`` are the
  (point, replication) pairs it holds as ranges of ``point * replications + replication``
  — and every other file coopsim wrote there under ``files`` (design, experiment copy,
  report, figures). :func:`check_parts` checks them.
* **Ownership**: ``--overwrite`` deletes only what the manifest lists;
  :func:`foreign_files` names anything else, and the overwrite is refused.
"""
from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import ExperimentError

__all__ = ["content_hash", "file_sha256", "encode_runs", "decode_runs", "check_parts", "PartProblem",
           "foreign_files", "check_manifest", "check_output_folder", "damaged_error", "versions"]

#: files of the lock (see store_lock) and temporary files, never results
_OWN_NAMES = (".coopsim.lock", ".coopsim.lock.json")
_RESULT_DIRS = ("runs", "periods", "figures")


def content_hash(experiment) -> str:
    """SHA-256 of the canonical JSON of a validated experiment (not of its file's bytes)."""
    data = experiment.model_dump(mode="json", exclude_none=True)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ============================================================================ runs as ranges
def encode_runs(keys: Iterable[tuple[int, int]], replications: int) -> list[list[int]]:
    """(point, replication) pairs as sorted, merged ``[start, stop)`` ranges of flat indices."""
    flat = sorted({int(p) * replications + int(r) for p, r in keys})
    out: list[list[int]] = []
    for i in flat:
        if out and out[-1][1] == i:
            out[-1][1] = i + 1
        else:
            out.append([i, i + 1])
    return out


def decode_runs(ranges: Sequence[Sequence[int]], replications: int) -> set[tuple[int, int]]:
    return {divmod(i, replications) for a, b in ranges for i in range(int(a), int(b))}


# ============================================================================ manifest and parts
def check_manifest(data, path: Path) -> dict:
    """The manifest's content if it is a coopsim manifest, else a one-line error."""
    if not isinstance(data, dict) or not isinstance(data.get("experiment"), dict) or "format" not in data:
        raise ExperimentError(str(path), "", "is not a coopsim manifest (no 'format' and 'experiment' entries): "
                                             "this folder was not written by coopsim; use another output folder")
    return data


@dataclass
class PartProblem:
    """A part that cannot be trusted: ``name`` relative to the folder; ``listed`` in the manifest."""

    name: str
    problem: str
    listed: bool


def _metadata(path: Path) -> dict:
    import pyarrow.parquet as pq

    raw = (pq.read_schema(path).metadata or {}).get(b"coopsim")
    meta = json.loads(raw) if raw else {}
    return meta if isinstance(meta, dict) else {}


def check_parts(folder: Path, manifest: dict) -> tuple[list[str], list[PartProblem]]:
    """Check every ``runs/`` and ``periods/`` part of ``folder`` against ``manifest``.

    Returns (good, problems): the part names (relative, ``runs/part-….parquet``) that can be
    read, and those that cannot. A listed part must exist and match its SHA-256; a part the
    manifest does not list (a run killed between a part's rename and the manifest's update)
    is good when it is readable Parquet recorded for this experiment's content hash.
    Folders of format < 3 (no ``parts`` in the manifest) are not checked.
    """
    on_disk = sorted(f"{d}/{p.name}" for d in ("runs", "periods") if (folder / d).is_dir()
                     for p in (folder / d).glob("part-*.parquet"))
    listed = manifest.get("parts")
    if listed is None or not isinstance(manifest.get("format"), int) or manifest["format"] < 3:
        return on_disk, []
    expected = manifest.get("experiment", {}).get("content_sha256")
    good, problems = [], []
    for name, entry in sorted(listed.items()):
        path = folder / name
        if not path.is_file():
            problems.append(PartProblem(name, "is missing (listed in the manifest)", True))
        elif file_sha256(path) != entry.get("sha256"):
            problems.append(PartProblem(name, "is damaged: its SHA-256 differs from the one in the manifest", True))
        else:
            good.append(name)
    for name in on_disk:
        if name in listed:
            continue
        try:
            meta = _metadata(folder / name)
        except Exception as err:  # noqa: BLE001 - any unreadable file is reported, never raised
            problems.append(PartProblem(name, f"is not readable Parquet ({type(err).__name__}) and not listed "
                                              "in the manifest", False))
            continue
        if meta.get("experiment") != expected:
            got = str(meta.get("experiment"))[:12]
            problems.append(PartProblem(name, f"belongs to another experiment (content sha256 {got}..., the "
                                              f"manifest's is {str(expected)[:12]}...)", False))
        else:
            good.append(name)
    return sorted(good), problems


def damaged_error(folder: Path, problems: Sequence[PartProblem], repairable: bool) -> ExperimentError:
    """One line naming the first bad part, how many more there are, and what to do."""
    first = problems[0]
    more = f" (and {len(problems) - 1} more bad part(s))" if len(problems) > 1 else ""
    if repairable and all(p.listed for p in problems):
        todo = "coopsim run FILE --resume --repair --output FOLDER recomputes the runs it held"
    elif first.listed:
        todo = "coopsim run FILE --resume --repair recomputes listed parts; move the unlisted ones out of the folder"
    else:
        todo = "coopsim did not write it for this experiment: move it out of the folder"
    return ExperimentError(str(folder), first.name, f"{first.problem}{more}: {todo}")


# ============================================================================ ownership
def foreign_files(folder: Path, manifest: dict) -> list[str]:
    """Files and folders in ``folder`` that the manifest does not list as coopsim's."""
    owned = {"manifest.json", *_OWN_NAMES, *manifest.get("parts", {}), *manifest.get("files", {})}
    found = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_dir():
            if rel in _RESULT_DIRS:
                continue
            if not any(o.startswith(rel + "/") for o in owned) and not any(rel.startswith(f) for f in found):
                found.append(rel + "/")
            continue
        if rel not in owned and not any(f.endswith("/") and rel.startswith(f) for f in found):
            found.append(rel)
    return found


def check_output_folder(folder: Path, source: str = "--output") -> None:
    """Refuse a filesystem root or an existing file as an output folder (one line each)."""
    resolved = folder.expanduser().resolve()
    if resolved == Path(resolved.anchor):
        raise ExperimentError(str(folder), "", f"{source} is a filesystem root: choose a folder of its own "
                                               "(e.g. results/<name>)")
    if folder.exists() and not folder.is_dir():
        raise ExperimentError(str(folder), "", f"{source} is an existing file, not a folder: choose another "
                                               "output folder")


def versions() -> dict:
    """The versions of Python, coopsim and the libraries that shape the numbers (for the manifest)."""
    from importlib import metadata

    out = {"python": sys.version.split()[0]}
    for pkg in ("coopsim", "numpy", "scipy", "pandas", "pyarrow"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:  # pragma: no cover
            out[pkg] = None
    import coopsim

    out["coopsim"] = coopsim.__version__
    return out
