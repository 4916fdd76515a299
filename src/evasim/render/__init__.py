"""Helmet-camera rendering: Earth, atmosphere, Sun, stars, station; frames and video.

Importing this package asks OpenMP, which runs numba's parallel loops here, to let its worker
threads sleep between parallel loops (``OMP_WAIT_POLICY=PASSIVE``) unless the environment says
otherwise. By default GNU OpenMP keeps them spinning for milliseconds after each loop; a frame
runs a dozen loops with single-threaded Python between them, so the spinning took 10-20 ms of
CPU a 720p frame away from the Python thread and from the video encoder sharing the two cores
(BENCHMARKS.md, session 21). OpenMP reads the setting when it starts, at the first parallel loop
of the process: a process that ran another parallel kernel first keeps the default.
"""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
