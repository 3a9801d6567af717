"""The simulation-pretrained base network, which the crowd's labels fine-tune.

A survey's first few thousand crowd labels are too few to teach the network every kind of X-ray source it
will meet on the real sky (a bright, textured supernova-remnant glow with a sharp edge is rare in them, and
the model trained on them alone called the real Cygnus Loop a cluster). The simulator can draw as many of
each kind as wanted, with the truth attached. So the product trains once on a large domain-randomised
simulated survey with its true labels, and every Retrain starts from those weights instead of a random
initialisation: the crowd's labels then adapt a network that has already seen the physics.

The base is trained on a survey of its own seed (``BASE_SURVEY_SEED``), never the demo's or an evaluation's,
so no evaluated cutout is in it, and on no real data at all: the real-data benchmark stays held out.
``python -m ml.learning.pretrain --out FILE`` rebuilds it; the same arguments and thread count give the same
weights (training is deterministic).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ml.learning.config import TrainConfig, TrainProgress, TrainResult
from ml.learning.dataset import simulated_dataset
from ml.learning.model import ClusterNet
from ml.learning.store import Source, load_model, save_model
from ml.learning.train import ProgressCallback, train
from ml.simulate import SIMULATOR_VERSION
from ml.simulate.domain import randomised_params

# Far from every seed the product and its benchmarks simulate with (the demo survey is 42, the benchmarks
# count up from 0), so no cutout the product evaluates on was pretrained on.
BASE_SURVEY_SEED = 1_000_003
BASE_SURVEY_SIZE = 20_000
BASE_EPOCHS = 15
BASE_FORMAT = "simulation-base"


@dataclass(frozen=True)
class BaseRecipe:
    """How a base network was made: stored in its file's metadata."""

    survey_size: int = BASE_SURVEY_SIZE
    survey_seed: int = BASE_SURVEY_SEED
    epochs: int = BASE_EPOCHS
    seed: int = 0

    def metadata(self) -> dict[str, Any]:
        return {
            "kind": BASE_FORMAT,
            "simulator_version": SIMULATOR_VERSION,
            "survey": "domain-randomised (ml.simulate.domain.randomised_params), true labels",
            "survey_size": self.survey_size,
            "survey_seed": self.survey_seed,
            "epochs": self.epochs,
            "seed": self.seed,
        }


def pretrain(
    recipe: BaseRecipe | None = None,
    *,
    workers: int = 1,
    num_threads: int | None = 1,
    progress: ProgressCallback | None = None,
) -> TrainResult:
    """Simulate the recipe's survey and train the default network on its true labels."""
    recipe = recipe or BaseRecipe()
    images, labels5, _ = simulated_dataset(
        recipe.survey_size, recipe.survey_seed, 64, params=randomised_params(), workers=workers
    )
    config = TrainConfig(
        max_epochs=recipe.epochs, seed=recipe.seed, num_threads=num_threads, patience=recipe.epochs
    )
    return train(images, labels5, config=config, progress=progress)


def load_base(source: Source) -> ClusterNet:
    """The base network in ``source`` (a path or the file's bytes); a ValueError says what is wrong with it.

    Like any model file, one built on another rendering is refused: the base must then be rebuilt.
    """
    loaded = load_model(source)
    kind = loaded.metadata.get("kind")
    if kind != BASE_FORMAT:
        raise ValueError(
            f"a model file but not a simulation-pretrained base network (metadata kind {kind!r})"
        )
    return loaded.model


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Build the simulation-pretrained base network.")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--size", type=int, default=BASE_SURVEY_SIZE)
    parser.add_argument("--survey-seed", type=int, default=BASE_SURVEY_SEED)
    parser.add_argument("--epochs", type=int, default=BASE_EPOCHS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    recipe = BaseRecipe(args.size, args.survey_seed, args.epochs, args.seed)
    start = time.perf_counter()

    def say(progress: TrainProgress) -> None:
        if progress.kind == "epoch":
            print(
                f"epoch {progress.epoch}/{progress.max_epochs}: train loss {progress.train_loss:.4f}, "
                f"val loss {progress.val_loss:.4f}, val AUC {progress.val_auc:.4f} "
                f"[{time.perf_counter() - start:.0f} s]",
                flush=True,
            )

    result = pretrain(recipe, workers=args.workers, num_threads=args.threads, progress=say)
    metadata = {**recipe.metadata(), "val": result.val_metrics}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_model(result.model, args.out, metadata=metadata)
    print(
        f"saved {args.out}: best epoch {result.best_epoch}, val AUC {result.val_metrics['auc']:.4f}"
    )


if __name__ == "__main__":
    main()
