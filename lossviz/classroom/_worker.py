"""Execute one prepared submission notebook; run by the grader in its own process.

``python -m lossviz.classroom._worker IN.ipynb OUT.ipynb STATUS.json --cwd DIR
--kernel NAME --cell-timeout SECONDS`` runs every cell with nbclient (errors do not
stop the run, a cell over its time limit is interrupted), then writes the executed
notebook and a small status file, whatever happened.
"""

from __future__ import annotations

import argparse
import json
import logging

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError


def main(argv: list[str] | None = None) -> None:
    """Execute the notebook and record the outcome."""
    parser = argparse.ArgumentParser(prog="python -m lossviz.classroom._worker")
    parser.add_argument("notebook_in")
    parser.add_argument("notebook_out")
    parser.add_argument("status_out")
    parser.add_argument("--cwd", required=True)
    parser.add_argument("--kernel", required=True)
    parser.add_argument("--cell-timeout", type=int, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.CRITICAL)

    nb = nbformat.read(args.notebook_in, as_version=4)
    client = NotebookClient(
        nb,
        timeout=args.cell_timeout,
        kernel_name=args.kernel,
        allow_errors=True,
        interrupt_on_timeout=True,
        startup_timeout=120,
        record_timing=False,
        shutdown_kernel="immediate",
        resources={"metadata": {"path": args.cwd}},
    )
    client.log.setLevel(logging.CRITICAL)
    status = {"status": "ok", "detail": ""}
    try:
        client.execute()
    except CellTimeoutError as err:
        status = {"status": "timeout", "detail": str(err).splitlines()[0]}
    except DeadKernelError:
        status = {"status": "dead-kernel", "detail": "the Python kernel died"}
    except Exception as err:  # noqa: BLE001 - recorded for the grader, which goes on
        status = {"status": "error", "detail": f"{type(err).__name__}: {err}"[:500]}
    finally:
        nbformat.write(nb, args.notebook_out)
        with open(args.status_out, "w", encoding="utf-8") as fh:
            json.dump(status, fh)


if __name__ == "__main__":
    main()
