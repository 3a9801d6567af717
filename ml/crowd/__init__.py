"""The crowd: simulated volunteers, their skill, and what their votes say about a subject (numpy only).

No Django and no torch, so a benchmark, a test or a training host can use it alone.

* `ml.crowd.simulate`: a realistic simulated crowd (per-class confusion matrices drawn from a distribution,
  spammers, volunteers who always give the same answer, image-dependent difficulty, heavy-tailed activity).
* `ml.crowd.dawid_skene`: batch Dawid-Skene EM with gold clamping, per-volunteer weights and optional pseudo-counts
  (the serving model can be one more voter: give it its own worker index).
* `ml.crowd.skill`: online (SWAP-style) per-volunteer confusion matrices from gold with pseudo-counts, the posterior
  of one subject given its votes and the voters' skills, the spam rule, and the posterior retirement threshold
  calibrated on gold.
* `ml.crowd.acquisition`: BALD from Monte Carlo samples, the selection streams of active learning, and the
  retirement audit's order (the least certain retired subjects first, once none is active).

How the crowd's labels train the CNN (`ml.learning.losses`; named here, free of torch, so that the web process
can check training parameters): `LABEL_LOSSES`, the Dirichlet-multinomial on vote counts by default, by
measurement (docs/crowd.md, "Training from posteriors").

Classes are the Hunt's five, in `CLASSES` order (the CNN head's order, `ml.learning.labels.HUNT_CLASSES`).
"""

from typing import Final

CLASSES = ("cluster_low_z", "cluster_high_z", "galaxy", "point", "other")
N_CLASSES = len(CLASSES)
CLUSTER = (0, 1)  # indices of the two cluster classes

LABEL_LOSSES: tuple[str, ...] = ("cross_entropy", "dirichlet_multinomial")
DEFAULT_LABEL_LOSS: Final = "dirichlet_multinomial"
DEFAULT_LABEL_CONCENTRATION = 10.0
