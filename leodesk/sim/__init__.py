"""A faithful simulator of the Leonardo.Ai Production API, served over real HTTP on loopback.

Stdlib + Pillow only; it never imports :mod:`leodesk.core` or Qt. The OpenAPI spec is the
contract between the client and this simulator.

Programmatic use::

    from leodesk.sim import SimConfig, SimServer

    with SimServer(SimConfig(generation_seconds=0.1)) as sim:
        sim.base_url      # "http://127.0.0.1:PORT/api/rest/v1"
        sim.api_key       # the only accepted bearer key
        sim.add_fault("POST", "/generations", "500", times=1)
        sim.count("POST", "/generations")
        sim.complete_all()   # finish every pending job now
        sim.state.credits    # apiSubscriptionTokens

Command line: ``python -m leodesk.sim --port 0 --faults "GET /me=429x2"`` prints the base URL
(first line) and the API key (second line), then serves until SIGINT/SIGTERM.

Keeping an account: ``SimConfig(state_dir=DIR)`` (``--state-dir DIR``) continues the account
saved in ``DIR`` and writes it back (atomically, at most every ``save_interval_s`` and at
``stop()``), so a later server on ``DIR`` lists the same generations, serves the same image
bytes (on the same port when it is free), accepts the same uploads, keeps the balance and
finishes jobs left pending at their own time; new ids never repeat old ones. An unreadable
``state.json`` is moved aside and a new account starts. See :mod:`leodesk.sim.persist`.

URL layout (``ORIGIN`` = ``http://127.0.0.1:PORT``, no auth outside the API):

* API: ``ORIGIN/api/rest/v1/...`` (bearer key required)
* generated images: ``ORIGIN/cdn/users/<uid>/generations/<gid>/Leonardo_<n>.jpg`` (``.png`` with
  ``transparency: foreground_only``); motion: ``.../Leonardo_Motion_0.jpg`` + ``.mp4``
* variations: ``ORIGIN/cdn/users/<uid>/generations/<gid>/variations/<TYPE>_<vid>.jpg``
  (``.png`` for NOBG; ``ORIGIN/cdn/users/<uid>/variations/<vid>/...`` for init-image sources)
* init images: ``ORIGIN/cdn/users/<uid>/initImages/<id>.<ext>``; S3 POST: ``ORIGIN/s3/<bucket>``;
  canvas init and mask images (``POST /canvas-init-image``, the same S3 POST):
  ``.../canvasInitImages/<id>.<ext>`` and ``.../canvasMaskImages/<id>.<ext>``
* model previews ``ORIGIN/cdn/models/<id>/preview.jpg``; elements ``ORIGIN/cdn/elements/<id>.jpg``

Canvas and realtime (LCM)
-------------------------

``POST /generations`` with ``canvasRequest: true`` (see :mod:`leodesk.sim.canvas`) takes the
init's size, needs a mask of exactly that size for INPAINT/OUTPAINT, and renders the init with
the mask's white area regenerated. ``/generations-lcm``, ``/lcm-instant-refine``,
``/lcm-inpainting`` and ``/lcm-upscale`` (see :mod:`leodesk.sim.realtime`) answer at once with
JPEG data URLs blended from the input picture, after ``SimConfig.lcm_latency`` seconds
(``--lcm-latency``); they have a rate-limit window of their own.

Fault grammar (``--faults`` and ``SimConfig.faults``)
------------------------------------------------------

::

    SPEC   := RULE ( (";" | newline) RULE )*
    RULE   := METHOD " " GLOB "=" KIND [ ":" PARAMS ] SUFFIX*
    METHOD := GET | POST | DELETE | ... | "*"          (case-insensitive)
    GLOB   := fnmatch pattern on the recorded path: relative to /api/rest/v1 for API calls
              ("/generations/*"), the full path for others ("/cdn/*", "/s3/*"); "*" also
              matches "/"
    PARAMS := ITEM ( "," ITEM )*     ITEM := key=value | bare value | "commit"
    SUFFIX := "@" PROBABILITY (0..1, rolled on the seeded RNG) | "x" TIMES (fires at most N times)

Examples: ``POST /generations=500@0.3;GET /me=429x2;GET /generations/*=slow:2.0``;
``POST /generations=slow:3,commit@0.5x2`` (create the job, then answer 3 s late; half of the
time, at most twice); ``GET /cdn/*=truncated:0.25x1``; ``GET /generations/*=nulls:fields=status``;
``POST /generations=silent:30x1`` (accept the job, never answer); ``GET /cdn/*=short_length:0.3``;
``GET /generations/user/*=429x3`` (during a reconciliation listing);
``POST /generations=malformed_json`` (an accepted submit whose answer cannot be parsed).
``add_fault(method, glob, kind, probability=, times=, **params)`` takes the same parameters
(``fields`` as a list or ``a|b`` string).

Kinds (a bare value sets the parameter in brackets):

* ``429`` [retry_after=1]: 429, ``Retry-After`` header, JSON ``{"error":"Too Many Requests",...}``
* ``500``: JSON ``{"error":"internal error","path":"$","code":"unexpected"}``
* ``502`` / ``503`` [retry_after] / ``504``: an HTML page, like a load balancer (not JSON)
* ``slow`` [delay=1.0]: without ``commit``, wait ``delay`` then handle the request, unless the
  client hung up meanwhile (then nothing is performed; recorded status 499). With
  ``commit=true``, perform the operation (e.g. create the billed job) first, then wait, then
  respond: a client timeout then happens *after* the server accepted the job.
* ``reset``: close the connection with a TCP RST and no response (``commit=true``: after
  performing the operation).
* ``truncated`` [fraction=0.5]: send the real response with its full ``Content-Length`` but
  only the first ``fraction`` of the body, then close (operation performed).
* ``short_length`` [fraction=0.5]: 200 (operation performed) whose body is cut to its first
  ``fraction`` and whose ``Content-Length`` honestly says the cut length: the connection stays
  usable and the lengths agree, only decoding the body shows the damage.
* ``malformed_json``: 200 (operation performed) with a body that is not valid JSON.
* ``html200``: 200 with ``Content-Type: text/html`` and a captive-portal HTML page as the body.
* ``bomb``: 200 ``image/png`` with a valid 1-bit PNG of 40000x40000 pixels (about 190 KB;
  1.6 gigapixels once decoded): a decompression bomb.
* ``silent`` [max=120]: perform the operation, then send nothing and keep the connection open
  until the client hangs up, ``max`` seconds pass or the server stops; then close it (recorded
  status 0). A submit the server accepted whose answer never comes. ``commit=false``: hold
  without performing anything.
* ``nulls`` [fields=a|b]: null out fields the spec calls non-null (default: scheduler,
  sdVersion, status, presetStyle, likeCount, nsfw, public, featured, transformType, ...).
* ``unknown_enum`` [fields=a|b, value=X]: replace enum values with unknown ones
  (sdVersion/baseModel -> ``SDXL_9_9``, scheduler -> ``SIM_SCHEDULER_9``, ...).
* ``upscale_misspelled``: the upscale response key becomes ``sdUpscalerjob`` (spec example).

The error kinds (429/5xx), ``html200`` and ``bomb`` replace the response without performing
the operation; with ``commit=true`` the operation runs first (the server accepted the job but
the client sees a failure). Every matching rule fires independently (``times`` counts
firings per rule); when several fire at once, those acting before the operation (no ``commit``)
act first, and ``reset`` or ``silent`` win over a replaced response. Every kind ends within
its own bound (``delay``, ``max``) or when the server stops.
"""

from __future__ import annotations

from .config import SimConfig
from .faults import Fault, FaultSpecError, parse_faults
from .server import RecordedRequest, SimServer
from .state import SimState

__all__ = [
    "Fault",
    "FaultSpecError",
    "RecordedRequest",
    "SimConfig",
    "SimServer",
    "SimState",
    "parse_faults",
]
