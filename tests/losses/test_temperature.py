"""LearnableTemperature: FSDP-compatible shape, clamping, old checkpoints."""
import torch

from mcg.losses import LearnableTemperature


def test_parameter_is_1d_and_reads_as_a_clamped_scalar():
    tau = LearnableTemperature(0.07, (0.01, 0.5))
    # FSDP refuses 0-d parameters.
    assert tau.value.shape == (1,)
    assert tau().shape == () and abs(tau().item() - 0.07) < 1e-7
    with torch.no_grad():
        tau.value.fill_(2.0)
    assert tau().item() == 0.5
    tau.value.data.fill_(0.1)
    tau().backward()
    assert tau.value.grad.item() == 1.0


def test_loads_a_checkpoint_with_a_0d_value():
    tau = LearnableTemperature(0.07)
    tau.load_state_dict({'value': torch.tensor(0.2)})
    assert tau.value.shape == (1,) and abs(tau().item() - 0.2) < 1e-7
