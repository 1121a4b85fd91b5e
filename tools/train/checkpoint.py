"""Resumable training state, shared by train.py and train_invariant.py: the RNG states a run depends on, atomic
checkpoint writes (a temporary file, then a rename: an interruption never leaves a half-written file), and
restoring every state_dict plus both RNG streams from a checkpoint."""
import os

import torch


def rng_state(np_rng):
    """torch's global generator (augmentation draws) and the NumPy generator (batch order)."""
    return {"torch": torch.get_rng_state(), "numpy": np_rng.bit_generator.state}


def save_atomic(obj, path):
    torch.save(obj, path + ".tmp")
    os.replace(path + ".tmp", path)


def restore(c, np_rng, parts):
    """Loads c[key] into each (object with load_state_dict, key) of `parts`, then both RNG states of c["rng"]."""
    for obj, key in parts:
        obj.load_state_dict(c[key])
    torch.set_rng_state(c["rng"]["torch"])
    np_rng.bit_generator.state = c["rng"]["numpy"]
