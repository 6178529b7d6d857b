"""Thin nn.Modules over the device physics, and the one engine that walks their layers."""

from .chip_static import OscillatorStatic, ResonatorStatic, StaticSample
from .cnn import RFCNN, CNNSpec, SoftwareCNN
from .conv import RFConv2d, RFConvNeurons
from .counts import LayerCounts
from .engine import ChainSite, LayerHooks, LayerKind, layer_kind, run_layers
from .network import NetworkSpec, RFNetwork, SoftwareMLP, SpecFields, build_rf_network
from .oscillator_layer import OscillatorLayer
from .protocols import CountsDevices, CountsNeurons, Trainable, WrapsNetwork
from .resonator_layer import ResonatorChainLayer, set_kernel_method
from .threads import kernel_thread_plan, uses_kernel_threads
from .tones import Tones, as_powers, check_powers

__all__ = [
    "CNNSpec",
    "ChainSite",
    "CountsDevices",
    "CountsNeurons",
    "LayerHooks",
    "LayerKind",
    "OscillatorStatic",
    "RFCNN",
    "RFConv2d",
    "RFConvNeurons",
    "ResonatorStatic",
    "SoftwareCNN",
    "LayerCounts",
    "NetworkSpec",
    "OscillatorLayer",
    "RFNetwork",
    "ResonatorChainLayer",
    "SoftwareMLP",
    "SpecFields",
    "StaticSample",
    "Tones",
    "Trainable",
    "WrapsNetwork",
    "as_powers",
    "build_rf_network",
    "check_powers",
    "kernel_thread_plan",
    "layer_kind",
    "run_layers",
    "set_kernel_method",
    "uses_kernel_threads",
]
