"""The simulated account: credits, generations, variations, init images, jobs and the CDN.

:class:`SimState` is the one object the request handlers (:mod:`leodesk.sim.api`), the server
and the tests hold. It is composed of one class per concern, each in its own module, all over
the core of :class:`~leodesk.sim.account.Account`:

- :mod:`~leodesk.sim.account`: the lock, ids and the clock, the collections, the balance and the
  rate limit, the job scheduler, and the read-outs tests use (``credits``, ``job``,
  ``generation_ids``, ``complete_all``...).
- :mod:`~leodesk.sim.listings`: ``/me``, models and elements, and the lookups the generation
  rules ask (:class:`leodesk.sim.rules.Lookup`).
- :mod:`~leodesk.sim.generations`: generations, their images, and the seeded history.
- :mod:`~leodesk.sim.variations`: upscale, unzoom, remove background, the universal upscaler, and
  motion.
- :mod:`~leodesk.sim.video`: image to video and text to video (rules in
  :mod:`~leodesk.sim.video_rules`, real MP4 files in :mod:`~leodesk.sim.video_render`).
- :mod:`~leodesk.sim.uploads`: init images (and canvas init/mask pairs) and the presigned S3
  upload.
- :mod:`~leodesk.sim.canvas`: the checks of a canvas generation (``canvasRequest``).
- :mod:`~leodesk.sim.realtime`: the synchronous LCM operations (rules in
  :mod:`~leodesk.sim.lcm_rules`, pictures in :mod:`~leodesk.sim.derived`).
- :mod:`~leodesk.sim.cdn`: the bytes behind every URL handed out.
- :mod:`~leodesk.sim.prompts`: prompt help and the price calculator.
- :mod:`~leodesk.sim.keeping`: continuing and saving the account in ``cfg.state_dir``.
- :mod:`~leodesk.sim.records`: the records the parts share (jobs, generations, images...).

The parts are mixins of :class:`SimState` rather than objects it holds: the route table and the
server call about twenty-five ``state.<method>`` endpoints and the tests read ``sim.state.<name>``;
held parts would need a forwarding method for each on the front, a second place to edit for every
change. Each part inherits :class:`~leodesk.sim.account.Account` plus the part whose records it
reads (generation rows render their elements from the listings, variations start from generated
images, keeping writes and restores everything), so a part's module shows what it depends on.

All mutations happen under one re-entrant lock (:attr:`SimState.lock`). Jobs advance lazily and
exactly: whenever the state is read, finished jobs are completed at their exact finish time and
queued jobs take the freed slot at that same instant, so timing is deterministic regardless of
when clients poll.
"""

from __future__ import annotations

from .account import BILLED_PATHS, LCM_PATHS
from .catalog import stable_uuid
from .cdn import Cdn
from .config import SimConfig
from .media import Media
from .prompts import Prompts
from .training import Trainings
from .uploads import S3_BUCKET
from .video import Videos


class SimState(Trainings, Media, Videos, Cdn, Prompts):
    """The account and everything in it. Safe to call from many threads."""

    def __init__(self, cfg: SimConfig) -> None:
        super().__init__(cfg)
        self._open_store()
        if not self.restored:
            self._seed_videos(int(cfg.seed_videos))
            self._seed_motion_variations()
        else:
            self._restore_motion_variations()


__all__ = ["BILLED_PATHS", "LCM_PATHS", "S3_BUCKET", "SimState", "stable_uuid"]
