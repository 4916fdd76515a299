"""Station attitude dynamics: rigid body, gravity gradient, CMGs, thrusters (numba kernels)."""

from .model import (
    AeroModel,
    AttitudeConfig,
    AttitudeHistory,
    RsController,
    Thruster,
    initial_state,
    simulate,
    simulate_batch,
)

__all__ = [
    "AeroModel",
    "AttitudeConfig",
    "AttitudeHistory",
    "RsController",
    "Thruster",
    "initial_state",
    "simulate",
    "simulate_batch",
]
