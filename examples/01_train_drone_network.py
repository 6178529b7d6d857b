"""Build, train, evaluate and export an RF spintronic network on the drone RF data set.

    python examples/01_train_drone_network.py [--epochs 100] [--out runs/example01]

A 256-128-10 network: 256 input tones (the spectral bins, 20-120 MHz), 128 chains of 256
spin-diode resonators feeding 128 spin-torque oscillators, then 10 output chains of 128
resonators whose DC voltages are the class scores.
"""

import argparse
from pathlib import Path

import torch

import rfspin
from rfspin.program import write_program_files

ap = argparse.ArgumentParser()
ap.add_argument("--epochs", type=int, default=100)
ap.add_argument("--out", type=Path, default=Path("runs/example01"))
args = ap.parse_args()

data = rfspin.load_drone()  # shipped with the package (CC BY 4.0)
net = rfspin.build_rf_network(
    (data.n_features, 128, data.n_classes),
    input_frequencies=data.input_frequencies,  # Hz: linspace(20, 120, 256) MHz
    resonator=rfspin.ROSS2023_RESONATOR,  # K = 8.84 mV/uW, alpha = 0.01
    oscillator=rfspin.ROSS2023_OSCILLATOR,  # I_th = 10 uA, Q = 2, P_max = 1 uW
    input_power=0.3e-6,  # W per unit of normalised spectrum: keeps hidden neurons in their window
    readout_scale=1e-2,  # 10 mV of output voltage = 1 logit unit (loss side only)
    seed=0,
)
print(net)

result = rfspin.train_network(net, data, rfspin.TrainConfig(epochs=args.epochs, batch_size=32, learning_rate=0.02))
print(f"test accuracy {100 * result.test_accuracy:.2f} %")

# What each device must be programmed to: resonance frequencies in Hz, biases in V, ...
layer = net.resonator_layers[0]
f_r = layer.resonance_frequencies().detach()
print(f"layer 0: {tuple(f_r.shape)} resonators, f_r in [{f_r.min() / 1e6:.2f}, {f_r.max() / 1e6:.2f}] MHz")

# The chip program (JSON + CSV), complete enough to recompute the outputs without rfspin.
for path in write_program_files(net, args.out):
    print("wrote", path)
rebuilt = rfspin.network_from_program(rfspin.read_program(args.out / "program.json"))
with torch.no_grad():
    assert torch.equal(rebuilt(data.x_test), net(data.x_test))
print("program round trip: identical outputs")
