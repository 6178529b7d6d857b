"""Thin nn.Modules over the device physics."""

from .cnn import RFCNN, CNNSpec, SoftwareCNN
from .conv import RFConv2d, RFConvNeurons
from .counts import LayerCounts
from .network import NetworkSpec, RFNetwork, SoftwareMLP, build_rf_network
from .oscillator_layer import OscillatorLayer
from .resonator_layer import ResonatorChainLayer
from .tones import Tones, check_powers

__all__ = [
    "CNNSpec",
    "RFCNN",
    "RFConv2d",
    "RFConvNeurons",
    "SoftwareCNN",
    "LayerCounts",
    "NetworkSpec",
    "OscillatorLayer",
    "RFNetwork",
    "ResonatorChainLayer",
    "SoftwareMLP",
    "Tones",
    "build_rf_network",
    "check_powers",
]
